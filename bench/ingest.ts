/**
 * CDR ingestion over HTTP: rows/s of `POST /v1/cdr` into a real server (`bin/callshield serve`,
 * its own process, embedded records store: parse, validate, de-duplicate, journal, hand to
 * detection and link analysis), the same files sent again (all duplicates), and a detection run
 * over everything received. Calls are screened at a steady 2 000/s meanwhile: their latency
 * during the upload, next to the same load on the idle server, shows what an upload costs the
 * call path when everything runs in one process.
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { findCdrFiles, simulate } from '../src/detection/dataset.ts';
import { adminToken, key, load, startCallshield } from './http.ts';

const CALLS_PER_SECOND = 2000;

export async function benchIngest(subscribers = 20_000): Promise<Record<string, number | string>> {
  const simulated = simulate('baseline', subscribers, 1, 4243);
  const server = await startCallshield({
    CALLSHIELD_DETECTION_INTERVAL_SECONDS: '86400',
    CALLSHIELD_DETECTION_AFTER_CDRS: '1000000000',
  });
  try {
    const { url } = server;
    const call = async (path: string, init: RequestInit & { token: string }) => {
      const response = await fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${init.token}`, ...(init.headers as Record<string, string>) },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, number>>;
    };
    const files = findCdrFiles(simulated);
    const keys = new Map<string, string>();
    for (const file of files) keys.set(file, await key(url, /cdr-([A-Z0-9_]+)\./.exec(basename(file))?.[1] ?? ''));
    const bodies = files.map((f) => readFileSync(f));
    const upload = async () => {
      let rows = 0;
      let accepted = 0;
      const started = performance.now();
      for (let i = 0; i < files.length; i++) {
        const r = await call(`/v1/cdr?file=${basename(files[i])}`, {
          method: 'POST',
          token: keys.get(files[i])!,
          headers: { 'content-type': 'text/csv' },
          body: bodies[i],
        });
        rows += r.accepted + r.duplicates + r.quarantined;
        accepted += r.accepted;
      }
      return { rows, accepted, seconds: (performance.now() - started) / 1000 };
    };

    const screeningKey = await key(url, 'BEELINE');
    const at = new Date().toISOString();
    const calls = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({
        callId: `ingest-bench-${i}`,
        a: `+7916${String(1_000_000 + i)}`,
        b: `+7777${String(5_000_000 + i)}`,
        at,
        ingress: 'international',
      }),
    );
    const screen = (seconds: number) =>
      load(url, '/v1/calls/verify', screeningKey, calls, 10, seconds, { overallRate: CALLS_PER_SECOND });
    await screen(2); // warm-up
    const idle = await screen(4);
    // The calls go on for as long as the upload takes.
    let uploading = true;
    const busyRuns: Awaited<ReturnType<typeof screen>>[] = [];
    const screening = (async () => {
      while (uploading) busyRuns.push(await screen(2));
    })();
    const first = await upload().finally(() => {
      uploading = false;
    });
    await screening;
    const again = await upload();
    const detectStarted = performance.now();
    const run = await call('/v1/detection/run', { method: 'POST', token: adminToken });
    const detectSeconds = (performance.now() - detectStarted) / 1000;
    const worst = (pick: (r: (typeof busyRuns)[number]) => number) => Math.max(...busyRuns.map(pick));
    return {
      'ingest CDRs': first.rows,
      'ingest new CDRs/s over HTTP (PGlite)': Math.round(first.rows / first.seconds),
      'ingest re-sent CDRs/s (all duplicates)': Math.round(again.rows / again.seconds),
      'ingest accepted on re-send': again.accepted,
      'detection run over all, s': Math.round(detectSeconds * 100) / 100,
      'detection run alerts': run.alerts,
      [`verify p50/p99/max ms at ${CALLS_PER_SECOND}/s, idle server`]: `${idle.p50}/${idle.p99}/${idle.max}`,
      [`verify p50/p99/max ms at ${CALLS_PER_SECOND}/s, during the upload (worst 2 s)`]: `${worst((r) => r.p50)}/${worst((r) => r.p99)}/${worst((r) => r.max)}`,
      'verify errors during the upload': busyRuns.reduce((sum, r) => sum + r.errors, 0),
    };
  } finally {
    server.stop();
    rmSync(simulated, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await benchIngest(Number(process.argv[2] ?? 20_000)));
