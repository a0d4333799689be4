/**
 * Potential-victim warnings (DESIGN.md §3.1): verify requests/s while warnings flow, next to the
 * same server's requests/s without them (alternating rounds), and warnings delivered per second to
 * a local webhook receiver. With warnings, one call in `share` comes from a number a bank named in
 * an incident to a bank's customer: each such call queues a signed delivery to the bank and one to
 * the subscriber's operator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminToken, cpuMsOf, key, load, startCallshield } from './http.ts';
import { mean, medianAndRange } from './stats.ts';

const SUSPECTS = 50;
const suspect = (i: number) => `+90532${String(4_100_000 + (i % SUSPECTS)).padStart(7, '0')}`;

async function api(url: string, method: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Calls to distinct subscribers (a warning is sent once per caller and subscriber an hour). */
function bodies(n: number, first: number, warningEvery: number): string[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, k) => {
    const i = first + k;
    const warns = warningEvery > 0 && i % warningEvery === 0;
    return JSON.stringify({
      callId: `w-${i}`,
      a: warns ? suspect(i) : `+7916${String(1_000_000 + (i % 100_000)).padStart(7, '0')}`,
      b: `+7777${String(5_000_000 + i).padStart(7, '0')}`,
      at,
      ingress: 'international',
    });
  });
}

async function deliveredTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
  const m = text.match(/^callshield_webhook_deliveries_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m);
  return m ? Number(m[1]) : 0;
}

export async function benchWarnings(seconds = 2, share = 100): Promise<Record<string, number | string>> {
  let received = 0;
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const server = await startCallshield({ CALLSHIELD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', CALLSHIELD_LOG_LEVEL: 'warn' });
  try {
    const token = await key(server.url, 'BEELINE');
    await api(server.url, 'POST', '/v1/admin/banks', adminToken, { id: 'BENCHBANK', name: 'Bench Bank' });
    const bankKey = (await api(server.url, 'POST', '/v1/admin/banks/BENCHBANK/keys', adminToken, {})).apiKey as string;
    await api(server.url, 'POST', '/v1/bank/incidents', bankKey, {
      incidentId: 'bench-1',
      victim: '+77770000001',
      at: new Date().toISOString(),
      kind: 'transfer',
      suspectNumbers: Array.from({ length: SUSPECTS }, (_, i) => suspect(i)),
    });
    const rounds = 6;
    const perRound = 40_000;
    // Every subscriber of the run is a customer of the bank.
    const all = rounds * perRound * 2 + 60_000;
    for (let start = 0; start < all; start += 50_000) {
      const add = Array.from(
        { length: Math.min(50_000, all - start) },
        (_, k) => `+7777${String(5_000_000 + start + k).padStart(7, '0')}`,
      );
      await api(server.url, 'PUT', '/v1/bank/customers', bankKey, { add });
    }
    for (const [owner, secret] of [
      [bankKey, 'bench-bank-secret-0123456789'],
      [token, 'bench-operator-secret-0123456789'],
    ])
      await api(server.url, 'POST', '/v1/webhooks', owner, {
        url: `${hookUrl}/hook`,
        events: ['potential_victim'],
        secret,
      });

    let next = 0;
    const take = (warningEvery: number) => {
      const b = bodies(perRound, next, warningEvery);
      next += perRound;
      return b;
    };
    await load(server.url, '/v1/calls/verify', token, take(0), 50, 2);
    const quiet: number[] = [];
    const flowing: number[] = [];
    const deliveredBefore = await deliveredTotal(server.url);
    // Server CPU per request, the steadiest figure when the machine is shared: [ms, requests].
    const cpu = { quiet: [0, 0], flowing: [0, 0] };
    const measured = async (bodies: string[], into: number[], side: number[]) => {
      const before = cpuMsOf(server.pid);
      const r = await load(server.url, '/v1/calls/verify', token, bodies, 50, seconds);
      side[0] += cpuMsOf(server.pid) - before;
      side[1] += r.requests;
      into.push(r.rps);
    };
    for (let round = 0; round < rounds; round++) {
      await measured(take(0), quiet, cpu.quiet);
      await measured(take(share), flowing, cpu.flowing);
    }
    const ratios = flowing.map((f, i) => f / quiet[i]);

    // Delivery rate: a burst of warnings (every call warns), then the time until all are delivered.
    const settle = async () => {
      let last = -1;
      for (;;) {
        const now = await deliveredTotal(server.url);
        if (now === last) return now;
        last = now;
        await new Promise((r) => setTimeout(r, 1500));
      }
    };
    await settle();
    const startDelivered = await deliveredTotal(server.url);
    const started = performance.now();
    const burst = await load(server.url, '/v1/calls/verify', token, take(1), 20, 1);
    const expected = Math.round(burst.rps) * 2;
    let delivered = 0;
    while (performance.now() - started < 120_000) {
      delivered = (await deliveredTotal(server.url)) - startDelivered;
      if (delivered >= expected * 0.98) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      [`verify req/s without warnings (50 conn, ${rounds} rounds)`]: Math.round(mean(quiet)),
      [`verify req/s with warnings (1 call in ${share})`]: Math.round(mean(flowing)),
      'with / without per round': medianAndRange(ratios),
      'server CPU µs per request without | with warnings': `${((cpu.quiet[0] * 1000) / cpu.quiet[1]).toFixed(1)} | ${((cpu.flowing[0] * 1000) / cpu.flowing[1]).toFixed(1)}`,
      'deliveries during the rounds': (await deliveredTotal(server.url)) - deliveredBefore,
      'warnings delivered/s (burst, 2 deliveries a warning)': Math.round(delivered / elapsed),
      'burst deliveries': `${delivered} of ${expected} in ${elapsed.toFixed(1)} s`,
      'receiver got': received,
    };
  } finally {
    server.stop();
    receiver.close();
  }
}
