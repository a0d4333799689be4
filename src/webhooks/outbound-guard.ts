/**
 * Stand-in for the platform's outbound guard (src/platform/outbound.ts, same API): refuses URLs
 * whose host resolves to loopback, private, link-local or otherwise non-public addresses unless
 * the host (or a CIDR holding its address) is allowed, and gives a DNS lookup that connects only
 * to addresses it checked, so a name cannot resolve to a public address at check time and to a
 * private one at connect time.
 */
import { promises as dns, lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export type OutboundCheck = { ok: true } | { ok: false; code: 'URL_NOT_ALLOWED'; message: string };

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

const nonPublic = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  nonPublic.addSubnet(net, bits, 'ipv6');

function mappedV4(address: string): string | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : null;
}

export function createOutboundGuard(options: { allowHosts: string[] }) {
  const allowedNames = new Set<string>();
  const allowedNets = new BlockList();
  for (const entry of options.allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)) {
    const [net, bits] = entry.split('/');
    const family = isIP(net);
    if (family && bits !== undefined) allowedNets.addSubnet(net, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    else if (family) allowedNets.addAddress(net, family === 4 ? 'ipv4' : 'ipv6');
    else allowedNames.add(entry);
  }

  const isAllowedAddress = (address: string): boolean => {
    const v4 = mappedV4(address);
    const a = v4 ?? address;
    const type = isIP(a) === 4 ? 'ipv4' : 'ipv6';
    if (allowedNets.check(a, type)) return true;
    return !nonPublic.check(a, type);
  };

  const hostOf = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

  async function resolveAll(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    const found = await dns.lookup(host, { all: true, verbatim: true });
    return found.map((f) => f.address);
  }

  return {
    async check(url: URL): Promise<OutboundCheck> {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return { ok: false, code: 'URL_NOT_ALLOWED', message: 'only http and https URLs are allowed' };
      if (url.username || url.password)
        return { ok: false, code: 'URL_NOT_ALLOWED', message: 'URLs with credentials are not allowed' };
      const host = hostOf(url.hostname);
      if (allowedNames.has(host)) return { ok: true };
      let addresses: string[];
      try {
        addresses = await resolveAll(host);
      } catch {
        return { ok: false, code: 'URL_NOT_ALLOWED', message: `the host "${host}" does not resolve` };
      }
      if (addresses.length === 0 || !addresses.every(isAllowedAddress))
        return {
          ok: false,
          code: 'URL_NOT_ALLOWED',
          message: `the host "${host}" resolves to a loopback, private or link-local address`,
        };
      return { ok: true };
    },

    /** A dns.lookup for http.request that only ever yields checked addresses. */
    lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
      const host = hostOf(hostname);
      dnsLookup(host, { ...options, all: true }, (error, found) => {
        if (error) return callback(error, '', undefined);
        const list = (found as LookupAddress[]).filter((f) => allowedNames.has(host) || isAllowedAddress(f.address));
        if (list.length === 0) {
          const refused: NodeJS.ErrnoException = new Error(`refused to connect to "${host}": not a public address`);
          refused.code = 'URL_NOT_ALLOWED';
          return callback(refused, '', undefined);
        }
        if (options.all) return callback(null, list);
        return callback(null, list[0].address, list[0].family);
      });
    },
  };
}

export type OutboundGuard = ReturnType<typeof createOutboundGuard>;
