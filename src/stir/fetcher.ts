/**
 * Fetches the certificate a PASSporT points to (its x5u). The URL comes from a caller we do not
 * trust yet, so the fetch is guarded: HTTPS only, redirects refused, a size cap, a time cap for the
 * whole exchange, and a cache with expiry so a busy verifier fetches each certificate rarely.
 * Failures are cached briefly, so a dead or hostile URL cannot make every call wait. The outbound
 * guard keeps x5u off loopback, private, link-local and metadata addresses (checked after DNS, and
 * the socket goes to the address checked), unless the host is allowed by setting.
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { OutboundGuard } from '../platform/outbound.ts';

export type FetchFailure =
  | 'X5U_NOT_HTTPS'
  | 'X5U_NOT_ALLOWED'
  | 'X5U_REDIRECT'
  | 'X5U_TOO_LARGE'
  | 'X5U_TIMEOUT'
  | 'X5U_UNAVAILABLE';

export type FetchResult = { ok: true; body: Buffer } | { ok: false; failure: FetchFailure; detail: string };

export interface FetcherOptions {
  timeoutMs: number;
  maxBytes: number;
  /** How long a fetched certificate is kept (shortened by the response's Cache-Control max-age). */
  cacheMs: number;
  /** How long a failure is remembered. */
  failureCacheMs: number;
  maxEntries: number;
  /** Extra TLS roots (PEM) trusted for x5u servers, besides the public ones. */
  tlsCa?: string[];
  /** Hosts (host or host:port, lower case) x5u may name; any when absent or empty. */
  allowedHosts?: string[];
  /** Refuses internal destinations (SSRF); built with the allowed hosts as its exceptions. */
  guard: OutboundGuard;
  clock: () => number;
}

interface Entry {
  until: number;
  result: FetchResult | Promise<FetchResult>;
}

export interface CertificateFetcher {
  fetch(url: string): FetchResult | Promise<FetchResult>;
  /** Fetched, not failed and not expired entries. */
  size(): number;
}

export function createCertificateFetcher(options: FetcherOptions): CertificateFetcher {
  const cache = new Map<string, Entry>();
  const ca = options.tlsCa && options.tlsCa.length > 0 ? [...rootCertificates, ...options.tlsCa] : undefined;
  const allowed = options.allowedHosts && options.allowedHosts.length > 0 ? new Set(options.allowedHosts) : undefined;

  async function get(url: URL): Promise<{ result: FetchResult; maxAgeMs?: number }> {
    const started = performance.now();
    const timedOut: FetchResult = {
      ok: false,
      failure: 'X5U_TIMEOUT',
      detail: `x5u did not answer within ${options.timeoutMs} ms`,
    };
    // The guard resolves the host name: that counts against the same time cap as the exchange.
    let checkTimer: NodeJS.Timeout | undefined;
    const checked = await Promise.race([
      options.guard.check(url),
      new Promise<'timeout'>((resolve) => {
        checkTimer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      }),
    ]);
    clearTimeout(checkTimer);
    if (checked === 'timeout') return { result: timedOut };
    if (!checked.ok) return { result: { ok: false, failure: 'X5U_NOT_ALLOWED', detail: checked.message } };
    const remainingMs = Math.max(1, options.timeoutMs - (performance.now() - started));
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: FetchResult, maxAgeMs?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ result, maxAgeMs });
      };
      const req = request(
        url,
        {
          method: 'GET',
          ca,
          headers: { accept: 'application/x-pem-file, application/pkix-cert' },
          // One certificate fetch is one short exchange: no pooled sockets to keep alive.
          agent: false,
          lookup: options.guard.lookupFor(url),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            response.destroy();
            return done({ ok: false, failure: 'X5U_REDIRECT', detail: `x5u answered a redirect (${status})` });
          }
          if (status !== 200) {
            response.destroy();
            return done({ ok: false, failure: 'X5U_UNAVAILABLE', detail: `x5u answered ${status}` });
          }
          const declared = Number(response.headers['content-length'] ?? 0);
          if (declared > options.maxBytes) {
            response.destroy();
            return done({
              ok: false,
              failure: 'X5U_TOO_LARGE',
              detail: `x5u is larger than ${options.maxBytes} bytes`,
            });
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxBytes) {
              response.destroy();
              done({ ok: false, failure: 'X5U_TOO_LARGE', detail: `x5u is larger than ${options.maxBytes} bytes` });
            } else chunks.push(chunk);
          });
          response.on('end', () => {
            const maxAge = /max-age=(\d+)/.exec(String(response.headers['cache-control'] ?? ''));
            done({ ok: true, body: Buffer.concat(chunks) }, maxAge ? Number(maxAge[1]) * 1000 : undefined);
          });
          response.on('error', (error) => done({ ok: false, failure: 'X5U_UNAVAILABLE', detail: error.message }));
        },
      );
      // The cap covers connecting, TLS, headers and body together: a slow drip cannot hold a verifier.
      const timer = setTimeout(() => {
        req.destroy();
        done(timedOut);
      }, remainingMs);
      req.on('error', (error: NodeJS.ErrnoException) =>
        done({
          ok: false,
          failure: error.code === 'URL_NOT_ALLOWED' ? 'X5U_NOT_ALLOWED' : 'X5U_UNAVAILABLE',
          detail: error.message,
        }),
      );
      req.end();
    });
  }

  function evict(now: number) {
    for (const [key, entry] of cache) if (entry.until <= now && !(entry.result instanceof Promise)) cache.delete(key);
    // Still full: drop the oldest entries (a Map iterates in insertion order).
    for (const key of cache.keys()) {
      if (cache.size < options.maxEntries) break;
      cache.delete(key);
    }
  }

  return {
    fetch(url) {
      const now = options.clock();
      const cached = cache.get(url);
      if (cached && (cached.result instanceof Promise || cached.until > now)) return cached.result;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return { ok: false, failure: 'X5U_NOT_HTTPS', detail: 'x5u is not a URL' };
      }
      if (parsed.protocol !== 'https:') return { ok: false, failure: 'X5U_NOT_HTTPS', detail: 'x5u must be https' };
      // URL drops the default port from `host`: an entry written `host:443` must still match.
      if (allowed && !allowed.has(parsed.hostname) && !allowed.has(`${parsed.hostname}:${parsed.port || '443'}`)) {
        return {
          ok: false,
          failure: 'X5U_NOT_ALLOWED',
          detail: `x5u host ${parsed.host} is not an allowed repository`,
        };
      }
      if (cache.size >= options.maxEntries) evict(now);
      const pending = get(parsed).then(({ result, maxAgeMs }) => {
        const lifetime = result.ok ? Math.min(options.cacheMs, maxAgeMs ?? options.cacheMs) : options.failureCacheMs;
        cache.set(url, { until: options.clock() + lifetime, result });
        return result;
      });
      cache.set(url, { until: Number.POSITIVE_INFINITY, result: pending });
      return pending;
    },
    size() {
      const now = options.clock();
      let n = 0;
      for (const entry of cache.values())
        if (!(entry.result instanceof Promise) && entry.result.ok && entry.until > now) n++;
      return n;
    },
  };
}
