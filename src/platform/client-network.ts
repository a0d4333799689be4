/**
 * Which client a request counts as, for the limits and locks on a client (the public pages' rate
 * limits, the console's log-in throttle and lock, the citizens' report friction). An IPv4-mapped
 * IPv6 address is its IPv4 address. One subscriber line holds a whole IPv6 /64, so an IPv6 client
 * is its /64: counting single IPv6 addresses would count nothing.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function parsed(ip: string): Address | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

function slash64(address: ipaddr.IPv6): string {
  return `${address.parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}

/** The address itself, normalised. */
export function addressOf(ip: string): string {
  const address = parsed(ip);
  if (!address) return ip;
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toNormalizedString();
}

/** The client a limit or a lock counts: the IPv4 address, or the /64 of an IPv6 address. */
export function clientNetworkOf(ip: string): string {
  const address = parsed(ip);
  if (!address) return ip;
  return address.kind() === 'ipv4' ? address.toString() : slash64(address as ipaddr.IPv6);
}

/** The neighbourhood of a client: the /24 of an IPv4 address, the /64 of an IPv6 one. */
export function subnetOf(ip: string): string {
  const address = parsed(ip);
  if (!address) return ip;
  if (address.kind() === 'ipv6') return slash64(address as ipaddr.IPv6);
  return `${address.toByteArray().slice(0, 3).join('.')}.0/24`;
}
