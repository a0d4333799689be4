/**
 * A long run: verify load at 50 connections on one embedded node for `--minutes` (30 by default),
 * with the node's resident memory read from /proc at the start, every few minutes and at the end.
 * A node whose memory follows the load, not the time, ends where it settled after the first
 * minutes. Asked for by name only (`npm run bench -- soak [--minutes N]`): it is not part of the
 * default run.
 */
import { readFileSync } from 'node:fs';
import { cpuMsOf, key, load, startCallshield, verifyBodies } from './http.ts';

/** Resident memory of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

function minutesAsked(): number {
  const i = process.argv.indexOf('--minutes');
  if (i < 0) return 30;
  const minutes = Number(process.argv[i + 1]);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    process.stderr.write('--minutes wants a positive number of minutes\n');
    process.exit(2);
  }
  return minutes;
}

export async function benchSoak(): Promise<Record<string, number | string>> {
  const minutes = minutesAsked();
  const server = await startCallshield();
  try {
    const token = await key(server.url, 'BEELINE');
    // Distinct calls throughout (callIds and callees), so per-call state cannot hide in a reused key.
    const bodies = verifyBodies(400_000);
    // One minute of load settles the caches, pools and the young generation before the first reading.
    const warm = Math.min(60, minutes * 60);
    await load(server.url, '/v1/calls/verify', token, bodies, 50, warm);
    const start = rssMiB(server.pid);
    const readings: string[] = [`0 min ${start} MiB`];
    const step = Math.max(1, Math.round(minutes / 6));
    let offset = 0;
    let requests = 0;
    let errors = 0;
    const cpuBefore = cpuMsOf(server.pid);
    const startedAt = performance.now();
    for (let done = 0; done < minutes; done += step) {
      const chunk = Math.min(step, minutes - done);
      const r = await load(server.url, '/v1/calls/verify', token, bodies, 50, Math.round(chunk * 60), { offset });
      offset += r.requests;
      requests += r.requests;
      errors += r.errors;
      const m = Math.round((done + chunk) * 10) / 10;
      readings.push(`${m} min ${rssMiB(server.pid)} MiB`);
      process.stdout.write(`  … ${readings.at(-1)}, ${Math.round(r.rps)} req/s\n`);
    }
    const end = rssMiB(server.pid);
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      'node RSS after 1 min of warm-up (MiB)': start,
      [`node RSS after ${minutes} more minutes (MiB)`]: end,
      'growth (MiB)': end - start,
      readings: readings.join(', '),
      'verify requests / errors': `${requests} / ${errors}`,
      'mean req/s (50 conn)': Math.round(requests / seconds),
      'server CPU µs per request': Math.round(((cpuMsOf(server.pid) - cpuBefore) * 1000) / Math.max(1, requests)),
    };
  } finally {
    server.stop();
  }
}
