/**
 * verify over HTTP against the real server (bin/callshield serve, embedded storage), next to a
 * bare Fastify handler measured in the same run: requests/s at 50 connections, p50/p99 at 10,
 * and batch decisions/s. Both are measured warm, in alternating rounds. Both servers run as child
 * processes; autocannon runs here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
export const adminToken = 'bench-admin-token-0123456789abcdef';

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) resolve(m[1] ?? m[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${seen.slice(-500)}`)));
  });
}

/** bin/callshield serve on embedded storage in a temporary directory, as a child process. */
export async function startCallshield(env: Record<string, string> = {}): Promise<{ url: string; stop: () => void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-bench-'));
  const child = spawn(
    join(root, 'bin/callshield'),
    ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    {
      env: { ...process.env, CALLSHIELD_ADMIN_TOKEN: adminToken, CALLSHIELD_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await waitForLine(child, /callshield listening on (http:\/\/[^\s]+)/);
  return {
    url,
    stop() {
      child.kill('SIGTERM');
      setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 2000).unref();
    },
  };
}

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, 'bench/bare-server.ts'), '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await waitForLine(child, /(http:\/\/127\.0\.0\.1:\d+)/);
  return { url, stop: () => child.kill('SIGTERM') };
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
function verifyBodies(n: number): string[] {
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
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.non2xx,
  };
}

export async function benchHttp(seconds = 8): Promise<Record<string, number | string>> {
  const bodies = verifyBodies(4000);
  const bare = await startBare();
  const server = await startCallshield();
  try {
    const token = await key(server.url, 'BEELINE');
    // Both servers are warmed at full load first: the JIT, the young generation and the server's
    // caches settle in the first seconds, and a short warm-up measured callshield half-cold.
    await load(bare.url, '/v1/calls/verify', undefined, bodies, 50, 3);
    await load(server.url, '/v1/calls/verify', token, bodies, 50, 3);
    // Rounds alternate between the two servers, so a busy moment of the machine hits both alike;
    // each round's ratio is taken against the bare round just before it.
    const rounds = 6;
    const roundSeconds = 2;
    const bareRuns: Awaited<ReturnType<typeof load>>[] = [];
    const verifyRuns: Awaited<ReturnType<typeof load>>[] = [];
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(await load(bare.url, '/v1/calls/verify', undefined, bodies, 50, roundSeconds));
      verifyRuns.push(await load(server.url, '/v1/calls/verify', token, bodies, 50, roundSeconds));
    }
    const mean = (runs: { rps: number }[]) => runs.reduce((sum, r) => sum + r.rps, 0) / runs.length;
    const ratios = verifyRuns.map((r, i) => r.rps / bareRuns[i].rps).sort((x, y) => x - y);
    const median = (ratios[(rounds - 1) >> 1] + ratios[rounds >> 1]) / 2;
    const bareLatency = await load(bare.url, '/v1/calls/verify', undefined, bodies, 10, seconds / 2);
    const latency = await load(server.url, '/v1/calls/verify', token, bodies, 10, seconds);
    const batchSize = 500;
    const batches = Array.from({ length: 8 }, (_, k) =>
      JSON.stringify({ calls: bodies.slice(k * batchSize, (k + 1) * batchSize).map((b) => JSON.parse(b)) }),
    );
    await load(server.url, '/v1/calls/verify/batch', token, batches, 8, 2);
    const batch = await load(server.url, '/v1/calls/verify/batch', token, batches, 8, seconds);
    const bareRps = mean(bareRuns);
    const verifyRps = mean(verifyRuns);
    return {
      'bare fastify req/s (50 conn)': Math.round(bareRps),
      'bare fastify p50/p99 ms (10 conn)': `${bareLatency.p50}/${bareLatency.p99}`,
      'verify req/s (50 conn)': Math.round(verifyRps),
      'verify p50/p99 ms (10 conn)': `${latency.p50}/${latency.p99}`,
      'verify / bare ratio (all rounds)': (verifyRps / bareRps).toFixed(2),
      [`verify / bare per round (${rounds} rounds)`]: `median ${median.toFixed(2)}, ${ratios[0].toFixed(2)}–${ratios[rounds - 1].toFixed(2)}`,
      'verify errors': latency.errors + verifyRuns.reduce((sum, r) => sum + r.errors, 0),
      'batch decisions/s (500 per request, 8 conn)': Math.round(batch.rps * batchSize),
      'batch p99 ms': batch.p99,
      'batch errors': batch.errors,
    };
  } finally {
    bare.stop();
    server.stop();
  }
}
