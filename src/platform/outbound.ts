/**
 * One guard for every request callshield makes to a URL it was handed (STIR x5u and CRLs, bank
 * webhooks): a caller must not be able to aim the server at its own network (loopback, private
 * ranges, link-local and cloud metadata, CGNAT, multicast…). Checking the URL's name is not enough —
 * the name can resolve to 127.0.0.1, or resolve to a public address for the check and a private one
 * for the connection (DNS rebinding). So the guard also supplies the `lookup` the connection uses: it
 * resolves, checks every address, and hands the socket exactly the address it checked.
 *
 * Use both: `await guard.check(url)` before the request (it also covers IP-literal hosts, which
 * never reach `lookup`), and `{ lookup: guard.lookupFor(url) }` in the request options (node:http(s),
 * undici's `connect.lookup`).
 */
import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

export type OutboundCheck = { ok: true } | { ok: false; code: 'URL_NOT_ALLOWED'; message: string };

/** node's `dns.lookup` signature, as http(s).request, net.connect and undici take it. */
export type OutboundLookup = (
  hostname: string,
  options: LookupOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

export interface OutboundGuard {
  /** Whether the URL may be fetched: scheme, IP-literal hosts, and what a host name resolves to now. */
  check(url: URL): Promise<OutboundCheck>;
  /**
   * A `dns.lookup` replacement that refuses forbidden addresses and returns the one it checked. It
   * never sees the port, so an allow-list entry bound to a port (`127.0.0.1:8443`) does not open
   * the address to it: use `lookupFor`.
   */
  lookup: OutboundLookup;
  /** `lookup` for connections to this URL's port, where allow-list entries bound to that port hold. */
  lookupFor(url: URL): OutboundLookup;
}

export interface OutboundGuardOptions {
  /**
   * Exceptions for destinations inside the refused ranges: a host name (`repo.internal`), a host and
   * port (`127.0.0.1:8443`, `[::1]:8443`), or a CIDR (`10.20.0.0/16`). Public addresses need no entry.
   */
  allowHosts: string[];
  /** Name resolution (tests); node's dns.lookup by default. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Metadata services named explicitly, so a refusal says what was aimed at. */
const metadataAddresses = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

const globalUnicast6 = ipaddr.IPv6.parse('2000::');

interface HostEntry {
  host: string;
  port?: string;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseAddress(text: string): Address | undefined {
  const bare = stripBrackets(text);
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  // ::ffff:10.0.0.1 connects to 10.0.0.1: judge it as the IPv4 address it is.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed;
}

/** Why an address is refused, or undefined for a public unicast address. */
function forbiddenReason(address: Address): string | undefined {
  const text = address.toString();
  if (metadataAddresses.has(text) || metadataAddresses.has(address.toNormalizedString())) return 'metadata';
  const range = address.range();
  // Only ordinary public unicast leaves the building: loopback, private, uniqueLocal, linkLocal,
  // carrierGradeNat, multicast, unspecified, broadcast, reserved, and the IPv6 ranges that embed an
  // IPv4 address (6to4, teredo, NAT64) are all refused.
  if (range !== 'unicast') return range;
  // ipaddr.js calls whatever it has no name for unicast, IPv4-compatible ::127.0.0.1 included; IPv6
  // global unicast is 2000::/3 and nothing outside it is a public destination.
  if (address.kind() === 'ipv6' && !(address as ipaddr.IPv6).match(globalUnicast6, 3)) return 'reserved';
  return undefined;
}

function parseAllowList(entries: string[]) {
  const hosts: HostEntry[] = [];
  const ranges: [Address, number][] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.includes('/')) {
      const [network, bits] = ipaddr.parseCIDR(entry);
      ranges.push([network, bits]);
      continue;
    }
    if (parseAddress(entry)) {
      hosts.push({ host: stripBrackets(entry) });
      continue;
    }
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(entry);
    if (bracketed) {
      hosts.push({ host: bracketed[1], port: bracketed[2] });
      continue;
    }
    const withPort = /^([^:]+):(\d+)$/.exec(entry);
    if (withPort) hosts.push({ host: withPort[1], port: withPort[2] });
    else hosts.push({ host: entry });
  }
  return { hosts, ranges };
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

function refusal(message: string): OutboundCheck {
  return { ok: false, code: 'URL_NOT_ALLOWED', message };
}

function refusalError(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = 'URL_NOT_ALLOWED';
  return error;
}

/** Builds the guard from the allow-list (hosts, host:port or CIDRs; see {@link OutboundGuardOptions}). */
export function createOutboundGuard(options: OutboundGuardOptions): OutboundGuard {
  const { hosts, ranges } = parseAllowList(options.allowHosts);
  const resolve =
    options.resolve ?? ((hostname: string) => dnsPromises.lookup(hostname, { all: true, verbatim: true }));

  const sameHost = (a: string, b: string) => {
    const left = parseAddress(a);
    const right = parseAddress(b);
    if (left && right) return left.kind() === right.kind() && left.toNormalizedString() === right.toNormalizedString();
    return a === b;
  };
  // An entry bound to a port holds only where the port is known to be that one.
  const hostListed = (host: string, port?: string) =>
    hosts.some((entry) => sameHost(entry.host, host) && (entry.port === undefined || entry.port === port));
  const inAllowedRange = (address: Address) =>
    ranges.some(([network, bits]) => address.kind() === network.kind() && address.match(network, bits));

  /** Undefined when the address may be connected to (for this host name), else why not. */
  function judge(hostname: string, address: Address, port?: string): string | undefined {
    const reason = forbiddenReason(address);
    if (reason === undefined) return undefined;
    if (inAllowedRange(address) || hostListed(hostname, port) || hostListed(address.toString(), port)) return undefined;
    return `${hostname} resolves to ${address.toString()} (${reason}), which is not allowed`;
  }

  async function check(url: URL): Promise<OutboundCheck> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return refusal(`${url.protocol} URLs are not fetched`);
    const hostname = stripBrackets(url.hostname.toLowerCase());
    const port = url.port || defaultPort(url.protocol);
    const literal = parseAddress(hostname);
    if (literal) {
      const why = judge(hostname, literal, port);
      return why ? refusal(why) : { ok: true };
    }
    if (hostListed(hostname, port)) return { ok: true };
    let addresses: LookupAddress[];
    try {
      addresses = await resolve(hostname);
    } catch {
      // Unresolvable now: the request itself fails at its own lookup, which checks again.
      return { ok: true };
    }
    for (const { address } of addresses) {
      const parsed = parseAddress(address);
      // The port counts: `repo.internal:8443` allowed does not open repo.internal:6379 (and
      // `lookupFor` holds the same at connect time).
      const why = parsed ? judge(hostname, parsed, port) : `${hostname} resolves to ${address}, not an address`;
      if (why) return refusal(why);
    }
    return { ok: true };
  }

  /**
   * The connect-time lookup, judging with the port the connection goes to (undefined: unknown, and
   * then no entry bound to a port holds). check() lets a name that does not resolve pass, so this is
   * where a name that resolves only at connect time (rebinding) meets the port of its entry.
   */
  const lookupAt =
    (port: string | undefined): OutboundLookup =>
    (hostname, lookupOptions, callback) => {
      const settings: LookupOptions =
        typeof lookupOptions === 'number' ? { family: lookupOptions } : (lookupOptions ?? {});
      const name = stripBrackets(hostname.toLowerCase());
      const literal = parseAddress(name);
      const answer = literal
        ? Promise.resolve([{ address: literal.toString(), family: literal.kind() === 'ipv6' ? 6 : 4 }])
        : options.resolve
          ? options.resolve(name)
          : new Promise<LookupAddress[]>((done, fail) =>
              dnsLookup(name, { ...settings, all: true }, (error, addresses) =>
                error ? fail(error) : done(addresses),
              ),
            );
      answer.then(
        (addresses) => {
          const family = settings.family === 4 || settings.family === 6 ? settings.family : undefined;
          const usable = family ? addresses.filter((a) => a.family === family) : addresses;
          if (usable.length === 0) {
            const error: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
            error.code = 'ENOTFOUND';
            return callback(error, settings.all ? [] : '', undefined);
          }
          // Every address must pass: a name that answers one public and one private address is refused.
          for (const { address } of usable) {
            const parsed = parseAddress(address);
            const why = parsed ? judge(name, parsed, port) : `${hostname} resolves to ${address}, not an address`;
            if (why) return callback(refusalError(why), settings.all ? [] : '', undefined);
          }
          // The socket connects to exactly the addresses checked here; nothing resolves again.
          if (settings.all) callback(null, usable);
          else callback(null, usable[0].address, usable[0].family);
        },
        (error: NodeJS.ErrnoException) => callback(error, settings.all ? [] : '', undefined),
      );
    };

  return {
    check,
    lookup: lookupAt(undefined),
    lookupFor: (url) => lookupAt(url.port || defaultPort(url.protocol)),
  };
}
