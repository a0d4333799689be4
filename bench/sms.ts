/**
 * SMS screening: POST /v1/sms/verify over HTTP against the real server, next to a bare Fastify
 * handler in the same run (as bench/http.ts does for calls), the batch form in messages/s, and
 * submit_sm/s of an SMPP client through the SMPP firewall against the same upstream SMSC without it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import smpp, { type Session } from 'smpp';
import { adminToken, cpuMsOf, key, load, startCallshield } from './http.ts';
import { mean, median, medianAndRange, roundRatios, thousandsPerRound } from './stats.ts';

const root = new URL('..', import.meta.url).pathname;

function child(script: string, args: string[], pattern: RegExp): Promise<{ match: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) resolve({ match: m[1], process: proc });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

/** Messages as an SMS hub sees them: bank and state sender IDs, unknown ones, look-alikes, numbers, links. */
export function smsBodies(n: number): string[] {
  const at = new Date().toISOString();
  const senders = ['KASPI', 'EGOV', 'HALYK', 'ACMESHOP', 'KASPI-BANK', 'Kaspl', '+77011234567', '+79161234567'];
  const texts = [
    undefined,
    'Vash kod 4821. Ne soobshchaite ego nikomu.',
    'Ваш платёж принят. Подробнее в приложении https://kaspi.kz/',
    'Vash schet zablokirovan, podtverdite: https://kaspi-kz-bonus.top/login',
  ];
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      messageId: `bench-sms-${i}`,
      sender: senders[i % senders.length],
      b: `+7777${String(5_000_000 + i).padStart(7, '0')}`,
      at,
      ingress: i % 16 === 7 ? 'international' : 'domestic',
      ...(texts[(i >> 3) % texts.length] ? { text: texts[(i >> 3) % texts.length] } : {}),
    }),
  );
}

export async function register(url: string, senderId: string, owner: string) {
  await fetch(`${url}/v1/admin/sms-senders/${senderId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ owner, routes: ['domestic', 'on-net'] }),
  });
}

/** submit_sm/s of one bound ESME keeping `window` submits in flight for `seconds`. */
async function submitRate(port: number, seconds: number, window = 200): Promise<{ rate: number; errors: number }> {
  const session: Session = smpp.connect({ host: '127.0.0.1', port });
  session.on('error', () => {});
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  const send = session as unknown as Record<string, (o: object, cb: (pdu: { command_status: number }) => void) => void>;
  await new Promise<void>((resolve, reject) =>
    send.bind_transceiver({ system_id: 'bench', password: 'bench' }, (pdu) =>
      pdu.command_status === 0 ? resolve() : reject(new Error(`bind refused: ${pdu.command_status}`)),
    ),
  );
  const senders = ['KASPI', 'EGOV', 'ACMESHOP', '77011234567'];
  let done = 0;
  let errors = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const next = () => {
      while (inFlight < window && performance.now() < end) {
        inFlight++;
        const sender = senders[i++ % senders.length];
        send.submit_sm(
          {
            source_addr: sender,
            source_addr_ton: /^\d+$/.test(sender) ? 1 : 5,
            destination_addr: `7777${String(5_000_000 + (i % 100_000)).padStart(7, '0')}`,
            dest_addr_ton: 1,
            short_message: 'Vash kod 4821. Ne soobshchaite ego nikomu.',
          },
          (pdu) => {
            inFlight--;
            done++;
            if (pdu.command_status !== 0) errors++;
            if (performance.now() < end) next();
            else if (inFlight === 0) resolve();
          },
        );
      }
    };
    next();
  });
  session.destroy();
  return { rate: done / seconds, errors };
}

export async function benchSms(seconds = 8): Promise<Record<string, number | string>> {
  const bodies = smsBodies(4000);
  // Calls decided without an origin wait (foreign and spoofed numbers), as bench/http.ts sends.
  const callBodies = Array.from({ length: 4000 }, (_, i) =>
    JSON.stringify({
      callId: `bench-call-${i}`,
      a: i % 2 ? `+7916${String(1_000_000 + i).padStart(7, '0')}` : `+7701${String(2_000_000 + i).padStart(7, '0')}`,
      b: `+7777${String(5_000_000 + i).padStart(7, '0')}`,
      at: new Date().toISOString(),
      ingress: 'international',
    }),
  );
  const bare = await child('bench/bare-server.ts', ['0'], /(http:\/\/127\.0\.0\.1:\d+)/);
  const bareUrl = bare.match;
  const smsc = await child('bench/smsc.ts', ['0'], /smsc (127\.0\.0\.1:\d+)/);
  const smppPort = 20_000 + Math.floor(Math.random() * 20_000);
  const server = await startCallshield({
    CALLSHIELD_ROLES: 'screening,console,smpp',
    CALLSHIELD_SMPP_PORT: String(smppPort),
    CALLSHIELD_SMPP_UPSTREAM: smsc.match,
    CALLSHIELD_SMPP_SYSTEM_ID: 'callshield',
    CALLSHIELD_SMPP_PASSWORD: 'pw',
    CALLSHIELD_SMPP_ACCOUNTS: 'bench:bench',
    CALLSHIELD_SMPP_OPERATOR: 'BEELINE',
    // The bench sends from a few senders only: no burst reason.
    CALLSHIELD_SMS_BURST_THRESHOLD: '1000000',
  });
  try {
    const token = await key(server.url, 'BEELINE');
    for (const [id, owner] of [
      ['KASPI', 'Kaspi Bank'],
      ['EGOV', 'eGov'],
      ['HALYK', 'Halyk Bank'],
    ])
      await register(server.url, id, owner);
    await load(bareUrl, '/v1/calls/verify', undefined, bodies, 50, 3);
    await load(server.url, '/v1/sms/verify', token, bodies, 50, 3);
    await load(server.url, '/v1/calls/verify', token, callBodies, 50, 2);
    // Rounds alternate between the bare handler, call verify and SMS verify, so that a busy moment
    // of the machine hits all three alike.
    const rounds = 4;
    // Each round also takes the server's CPU time per request (user + system, from /proc): on a
    // shared machine that is steadier than requests/s.
    type Run = Awaited<ReturnType<typeof load>> & { cpuUs: number };
    const measured = async (url: string, pid: number, path: string, t: string | undefined, b: string[]) => {
      const before = cpuMsOf(pid);
      const run = await load(url, path, t, b, 50, 2);
      return { ...run, cpuUs: ((cpuMsOf(pid) - before) * 1000) / Math.max(1, run.requests) };
    };
    const bareRuns: Run[] = [];
    const callRuns: Run[] = [];
    const smsRuns: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(await measured(bareUrl, bare.process.pid!, '/v1/calls/verify', undefined, bodies));
      callRuns.push(await measured(server.url, server.pid, '/v1/calls/verify', token, callBodies));
      smsRuns.push(await measured(server.url, server.pid, '/v1/sms/verify', token, bodies));
    }
    const meanRps = (runs: { rps: number }[]) => mean(runs.map((r) => r.rps));
    const medianCpu = (runs: Run[]) => median(runs.map((r) => r.cpuUs));
    const latency = await load(server.url, '/v1/sms/verify', token, bodies, 10, seconds / 2);
    const batchSize = 500;
    const batches = Array.from({ length: 8 }, (_, k) =>
      JSON.stringify({ messages: bodies.slice(k * batchSize, (k + 1) * batchSize).map((b) => JSON.parse(b)) }),
    );
    const callBatches = Array.from({ length: 8 }, (_, k) =>
      JSON.stringify({ calls: callBodies.slice(k * batchSize, (k + 1) * batchSize).map((b) => JSON.parse(b)) }),
    );
    await load(bareUrl, '/v1/sms/verify/batch', undefined, batches, 8, 2);
    await load(server.url, '/v1/sms/verify/batch', token, batches, 8, 2);
    await load(server.url, '/v1/calls/verify/batch', token, callBatches, 8, 2);
    // The batch forms in alternating rounds too: the machine's speed moves by a third within a run.
    // The bare batch handler (parse the SMS batch, answer each message) gives the speed of the
    // moment, and the call batch is the reference the SMS batch is read against.
    const bareBatchRuns: Awaited<ReturnType<typeof load>>[] = [];
    const batchRuns: Awaited<ReturnType<typeof load>>[] = [];
    const callBatchRuns: Awaited<ReturnType<typeof load>>[] = [];
    for (let round = 0; round < rounds; round++) {
      bareBatchRuns.push(await load(bareUrl, '/v1/sms/verify/batch', undefined, batches, 8, seconds / 2));
      batchRuns.push(await load(server.url, '/v1/sms/verify/batch', token, batches, 8, seconds / 2));
      callBatchRuns.push(await load(server.url, '/v1/calls/verify/batch', token, callBatches, 8, seconds / 2));
    }

    // SMPP: the same client and window straight to the SMSC, then through the firewall.
    const smscPort = Number(smsc.match.split(':')[1]);
    await submitRate(smscPort, 2);
    const direct = await submitRate(smscPort, seconds / 2);
    await submitRate(smppPort, 2);
    const through = await submitRate(smppPort, seconds / 2);
    const bareRps = meanRps(bareRuns);
    const smsRps = meanRps(smsRuns);
    return {
      'bare fastify req/s (50 conn)': Math.round(bareRps),
      'call verify req/s (50 conn, same rounds)': Math.round(meanRps(callRuns)),
      'call verify / bare ratio': (meanRps(callRuns) / bareRps).toFixed(2),
      'sms verify req/s (50 conn)': Math.round(smsRps),
      'sms verify / bare ratio': (smsRps / bareRps).toFixed(2),
      // Each round's SMS verify against the bare handler measured just before it: a slow stretch of
      // the machine lands on both of a pair more often than on both sides of the means.
      [`sms verify / bare per round, ${rounds} rounds`]: medianAndRange(roundRatios(smsRuns, bareRuns)),
      'server CPU µs/request bare | call verify | sms verify (50 conn, median round)': `${medianCpu(bareRuns).toFixed(1)} | ${medianCpu(callRuns).toFixed(1)} | ${medianCpu(smsRuns).toFixed(1)}`,
      'sms verify p50/p99 ms (10 conn)': `${latency.p50}/${latency.p99}`,
      'sms verify errors': latency.errors + smsRuns.reduce((sum, r) => sum + r.errors, 0),
      'call batch decisions/s (500 per request, 8 conn)': Math.round(meanRps(callBatchRuns) * batchSize),
      'sms batch messages/s (500 per request, 8 conn)': Math.round(meanRps(batchRuns) * batchSize),
      [`sms | call batch per round, ${rounds} alternating rounds (k/s)`]: `${thousandsPerRound(batchRuns, batchSize)} | ${thousandsPerRound(callBatchRuns, batchSize)}`,
      'sms / call batch per round': medianAndRange(roundRatios(batchRuns, callBatchRuns)),
      'bare batch handler messages/s per round (k/s)': thousandsPerRound(bareBatchRuns, batchSize),
      'sms batch / bare batch per round': medianAndRange(roundRatios(batchRuns, bareBatchRuns)),
      'sms batch p99 ms (worst round)': Math.max(...batchRuns.map((r) => r.p99)),
      'sms batch errors': batchRuns.reduce((sum, r) => sum + r.errors, 0),
      'smpp submit_sm/s straight to the SMSC (window 200)': Math.round(direct.rate),
      'smpp submit_sm/s through the firewall (window 200)': Math.round(through.rate),
      'smpp through / straight ratio': (through.rate / direct.rate).toFixed(2),
      'smpp errors (through)': through.errors,
    };
  } finally {
    bare.process.kill('SIGTERM');
    smsc.process.kill('SIGTERM');
    server.stop();
  }
}
