/**
 * verify over HTTP against the real server (bin/callshield serve, embedded storage), next to a
 * bare Fastify handler measured in the same run: requests/s at 50 connections, p50/p99 at 10,
 * and batch decisions/s. Both are measured warm, in alternating rounds. Both servers run as child
 * processes; autocannon runs here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Phase, phaseNames } from '../src/platform/phases.ts';
import { mean, median, medianAndRange, roundRatios, thousandsPerRound } from './stats.ts';

const root = new URL('..', import.meta.url).pathname;
export const adminToken = 'bench-admin-token-0123456789abcdef';

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onExit = (code: number | null) => reject(new Error(`server exited (${code}): ${seen.slice(-500)}`));
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (!m) return;
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      resolve(m[1] ?? m[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** A benchmarked server process: its URL, its pid, and a stop. */
export interface BenchServer {
  url: string;
  pid: number;
  /** The probe's figures since the last call (only when started with the phase probe). */
  phases(): Promise<ProbeFigures>;
  stop: () => void;
}

export interface ProbeFigures {
  requests: number;
  serverMs: number;
  cpuMs: number;
  phases: Record<string, number>;
  /** The wire path's turns: writes of a turn's answers, and answers written. */
  turns: { turns: number; answers: number };
}

const probe = join(root, 'bench/phase-probe.ts');

/**
 * `npm run bench -- http --cpu-prof`: the callshield processes write V8 CPU profiles here (on a
 * clean stop), for Chrome DevTools or `node --cpu-prof`'s usual readers.
 */
export const profileDir = join(tmpdir(), 'callshield-bench-profiles');
export const profileEnv: Record<string, string> = process.argv.includes('--cpu-prof')
  ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }
  : {};

function benchServer(child: ChildProcess, url: string, stop: () => void): BenchServer {
  return {
    url,
    pid: child.pid!,
    phases() {
      const line = waitForLine(child, /PHASES (\{.*\})\n/);
      child.kill('SIGUSR2');
      return line.then((json) => JSON.parse(json) as ProbeFigures);
    },
    stop,
  };
}

/**
 * bin/callshield serve on embedded storage in a temporary directory, as a child process;
 * `withProbe` preloads the phase probe.
 */
export async function startCallshield(env: Record<string, string> = {}, withProbe = false): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-bench-'));
  const child = spawn(
    join(root, 'bin/callshield'),
    ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    {
      env: {
        ...process.env,
        CALLSHIELD_ADMIN_TOKEN: adminToken,
        CALLSHIELD_LOG_LEVEL: 'info',
        ...(withProbe ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${probe}`.trim() } : profileEnv),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await waitForLine(child, /callshield listening on (http:\/\/[^\s]+)/);
  return benchServer(child, url, () => {
    child.kill('SIGTERM');
    setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 2000).unref();
  });
}

async function startBare(withProbe = false): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [...(withProbe ? ['--import', probe] : []), join(root, 'bench/bare-server.ts'), '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await waitForLine(child, /(http:\/\/127\.0\.0\.1:\d+)/);
  return benchServer(child, url, () => child.kill('SIGTERM'));
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A new API key of `operator`. */
export async function key(url: string, operator: string): Promise<string> {
  const r = await fetch(`${url}/v1/admin/operators/${operator}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return ((await r.json()) as { apiKey: string }).apiKey;
}

/** Calls that need no origin wait: Russian numbers, spoofed Kazakh numbers, on-net subscribers. */
export function verifyBodies(n: number): string[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 4;
    const a =
      kind === 0
        ? `+7916${String(1_000_000 + i).padStart(7, '0')}`
        : kind === 1
          ? `+7701${String(2_000_000 + i).padStart(7, '0')}`
          : kind === 2
            ? `+7777${String(3_000_000 + i).padStart(7, '0')}`
            : `+90532${String(4_000_000 + i).padStart(7, '0')}`;
    const ingress = kind === 2 ? 'on-net' : 'international';
    return JSON.stringify({
      callId: `bench-${i}`,
      a,
      b: `+7777${String(5_000_000 + i).padStart(7, '0')}`,
      at,
      ingress,
    });
  });
}

/**
 * POSTs the bodies in turn to `path` for `seconds` over `connections`; `offset` picks the first
 * body, `overallRate` caps the requests per second (otherwise as fast as the server answers).
 */
export async function load(
  url: string,
  path: string,
  token: string | undefined,
  bodies: string[],
  connections: number,
  seconds: number,
  options: { offset?: number; overallRate?: number } = {},
) {
  let i = options.offset ?? 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        setupRequest(request) {
          request.body = bodies[i++ % bodies.length];
          return request;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.non2xx,
  };
}

type Round = Awaited<ReturnType<typeof load>> & { cpuUsPerRequest: number };

/** One load round, with the server's CPU time per request over it. */
async function round(
  server: BenchServer,
  token: string | undefined,
  bodies: string[],
  connections: number,
  seconds: number,
) {
  const cpuBefore = cpuMsOf(server.pid);
  const result = await load(server.url, '/v1/calls/verify', token, bodies, connections, seconds);
  const cpuMs = cpuMsOf(server.pid) - cpuBefore;
  return { ...result, cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, result.rps * seconds) };
}

const us = (ms: number, requests: number) => ((ms * 1000) / Math.max(1, requests)).toFixed(2);

/**
 * Rounds alternating between the bare handler and verify at `connections`, so that a busy moment
 * of the machine hits both alike; each verify round is compared with the bare round just before.
 */
async function alternate(
  bare: BenchServer,
  server: BenchServer,
  token: string,
  bodies: string[],
  connections: number,
  rounds: number,
  seconds: number,
) {
  const bareRuns: Round[] = [];
  const verifyRuns: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    bareRuns.push(await round(bare, undefined, bodies, connections, seconds));
    verifyRuns.push(await round(server, token, bodies, connections, seconds));
  }
  const bareRps = mean(bareRuns.map((r) => r.rps));
  const verifyRps = mean(verifyRuns.map((r) => r.rps));
  const bareCpu = median(bareRuns.map((r) => r.cpuUsPerRequest));
  const verifyCpu = median(verifyRuns.map((r) => r.cpuUsPerRequest));
  const c = `(${connections} conn)`;
  return {
    [`bare fastify req/s ${c}`]: Math.round(bareRps),
    [`verify req/s ${c}`]: Math.round(verifyRps),
    [`verify / bare ratio ${c}, all rounds`]: (verifyRps / bareRps).toFixed(2),
    [`verify / bare per round ${c}, ${rounds} rounds`]: medianAndRange(roundRatios(verifyRuns, bareRuns)),
    [`p50/p99 ms bare | verify ${c}, median round`]: `${median(bareRuns.map((r) => r.p50))}/${median(bareRuns.map((r) => r.p99))} | ${median(verifyRuns.map((r) => r.p50))}/${median(verifyRuns.map((r) => r.p99))}`,
    [`verify p99 ms ${c}, worst round`]: Math.max(...verifyRuns.map((r) => r.p99)),
    [`server CPU µs/request bare | verify ${c}`]: `${bareCpu.toFixed(1)} | ${verifyCpu.toFixed(1)} (bare/verify ${(bareCpu / verifyCpu).toFixed(2)})`,
    [`verify errors ${c}`]: verifyRuns.reduce((sum, r) => sum + r.errors, 0),
  };
}

/**
 * Where a verify's time goes: both servers again, with the phase probe preloaded (its hooks cost
 * a little, so these runs are apart from the throughput rounds), at each connection count.
 */
async function breakdown(bodies: string[], seconds: number): Promise<Record<string, string>> {
  const bare = await startBare(true);
  const server = await startCallshield({}, true);
  try {
    const token = await key(server.url, 'BEELINE');
    await load(bare.url, '/v1/calls/verify', undefined, bodies, 50, 2);
    await load(server.url, '/v1/calls/verify', token, bodies, 50, 2);
    const columns: { bare: ProbeFigures; verify: ProbeFigures }[] = [];
    for (const connections of [10, 50]) {
      await bare.phases();
      await load(bare.url, '/v1/calls/verify', undefined, bodies, connections, seconds);
      const bareFigures = await bare.phases();
      await server.phases();
      await load(server.url, '/v1/calls/verify', token, bodies, connections, seconds);
      columns.push({ bare: bareFigures, verify: await server.phases() });
    }
    const rows: Record<string, string> = {};
    const both = (f: (c: { bare: ProbeFigures; verify: ProbeFigures }) => string) => columns.map(f).join(' | ');
    rows['breakdown, µs per request (10 conn | 50 conn)'] = 'probe preloaded; marks cost ≈ 0.1 µs each';
    rows['  bare handler: server time (parse → answer sent)'] = both((c) => us(c.bare.serverMs, c.bare.requests));
    rows['  bare handler: CPU'] = both((c) => us(c.bare.cpuMs, c.bare.requests));
    rows['  verify: server time (parse → answer sent)'] = both((c) => us(c.verify.serverMs, c.verify.requests));
    rows['  verify: CPU'] = both((c) => us(c.verify.cpuMs, c.verify.requests));
    let named = columns.map(() => 0);
    for (const name of Object.keys(columns[0].verify.phases)) {
      rows[`    ${name}`] = both((c) => us(c.verify.phases[name], c.verify.requests));
      named = named.map((sum, i) => sum + columns[i].verify.phases[name]);
    }
    rows['    logging'] = 'none: no log line for a 2xx at info';
    rows['    rest (Node HTTP, and each answer waiting for the writes before it; server time − phases)'] = columns
      .map((c, i) => {
        const inRequest = named[i] - c.verify.phases[phaseNames[Phase.delivery]];
        return us(c.verify.serverMs - inRequest, c.verify.requests);
      })
      .join(' | ');
    // What one write costs: the first of a turn usually finds the client waiting and wakes it (on
    // the 2 vCPU machine of 7 December, 27 µs against 12–14 µs for each later one of the turn).
    rows['  wire path: answers per turn; µs a write, first of a turn | later ones'] = columns
      .map(({ verify: v }) => {
        const later = v.turns.answers - v.turns.turns;
        const first = us(v.phases[phaseNames[Phase.writeFirst]], v.turns.turns);
        const rest = us(v.phases[phaseNames[Phase.write]], later);
        return `${(v.turns.answers / Math.max(1, v.turns.turns)).toFixed(1)}; ${first} | ${rest}`;
      })
      .join(' — ');
    return rows;
  } finally {
    bare.stop();
    server.stop();
  }
}

export async function benchHttp(seconds = 8): Promise<Record<string, number | string>> {
  const bodies = verifyBodies(4000);
  const bare = await startBare();
  const server = await startCallshield();
  const figures: Record<string, number | string> = {};
  try {
    const token = await key(server.url, 'BEELINE');
    // Both servers are warmed at full load first: the JIT, the young generation and the server's
    // caches settle in the first seconds, and a short warm-up measured callshield half-cold.
    await load(bare.url, '/v1/calls/verify', undefined, bodies, 50, 3);
    await load(server.url, '/v1/calls/verify', token, bodies, 50, 3);
    Object.assign(figures, await alternate(bare, server, token, bodies, 50, 6, 2));
    Object.assign(figures, await alternate(bare, server, token, bodies, 10, 6, 2));
    const batchSize = 500;
    const batches = Array.from({ length: 8 }, (_, k) =>
      JSON.stringify({ calls: bodies.slice(k * batchSize, (k + 1) * batchSize).map((b) => JSON.parse(b)) }),
    );
    await load(bare.url, '/v1/calls/verify/batch', undefined, batches, 8, 2);
    await load(server.url, '/v1/calls/verify/batch', token, batches, 8, 2);
    // Four rounds, each figure printed: the machine's speed moves by a third from one stretch of
    // seconds to the next, and the rounds show how far (as the sms part's batch rounds do). Each
    // round follows one of the bare batch handler, which only parses the body and answers each
    // item: the machine's speed of the moment, as the bare handler is for single verifies.
    const bareBatchRuns: Awaited<ReturnType<typeof load>>[] = [];
    const batchRuns: Awaited<ReturnType<typeof load>>[] = [];
    for (let r = 0; r < 4; r++) {
      bareBatchRuns.push(await load(bare.url, '/v1/calls/verify/batch', undefined, batches, 8, seconds / 2));
      batchRuns.push(await load(server.url, '/v1/calls/verify/batch', token, batches, 8, seconds / 2));
    }
    figures['batch decisions/s (500 per request, 8 conn), 4 rounds'] = Math.round(
      mean(batchRuns.map((b) => b.rps * batchSize)),
    );
    figures['batch decisions/s per round (k/s)'] = thousandsPerRound(batchRuns, batchSize);
    figures['bare batch handler items/s per round (k/s)'] = thousandsPerRound(bareBatchRuns, batchSize);
    figures['batch / bare batch per round'] = medianAndRange(roundRatios(batchRuns, bareBatchRuns));
    figures['batch p99 ms (worst round)'] = Math.max(...batchRuns.map((b) => b.p99));
    figures['batch errors'] = batchRuns.reduce((sum, b) => sum + b.errors, 0);
  } finally {
    bare.stop();
    server.stop();
  }
  Object.assign(figures, await breakdown(bodies, seconds / 2));
  return figures;
}
