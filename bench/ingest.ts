/**
 * CDR ingestion over HTTP: rows/s of `POST /v1/cdr` into a real server on the embedded records
 * store (parse, validate, de-duplicate against the records store, journal, hand to detection),
 * the same files sent again (all duplicates), and a detection run over everything received.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { findCdrFiles, simulate } from '../src/detection/dataset.ts';

const ADMIN = 'bench-admin-token-0123456789';

export async function benchIngest(subscribers = 20_000): Promise<Record<string, number | string>> {
  const simulated = simulate('baseline', subscribers, 1, 4243);
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-bench-ingest-'));
  const config = loadConfig(
    { logLevel: 'warn', adminToken: ADMIN, dataDir, detectionIntervalSeconds: 86_400, detectionAfterCdrs: 1e9 },
    {},
  );
  const app = await createApp(config);
  try {
    const url = await app.http.listen({ port: 0, host: '127.0.0.1' });
    const keys = new Map<string, string>();
    const call = async (path: string, init: RequestInit & { token: string }) => {
      const response = await fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${init.token}`, ...(init.headers as Record<string, string>) },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, number>>;
    };
    const files = findCdrFiles(simulated);
    for (const file of files) {
      const operator = /cdr-([A-Z0-9_]+)\./.exec(basename(file))?.[1] ?? '';
      const { apiKey } = (await call(`/v1/admin/operators/${operator}/keys`, {
        method: 'POST',
        token: ADMIN,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })) as unknown as { apiKey: string };
      keys.set(file, apiKey);
    }
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
    const first = await upload();
    const again = await upload();
    const detectStarted = performance.now();
    const run = await call('/v1/detection/run', { method: 'POST', token: ADMIN });
    const detectSeconds = (performance.now() - detectStarted) / 1000;
    return {
      'ingest CDRs': first.rows,
      'ingest new CDRs/s over HTTP (PGlite)': Math.round(first.rows / first.seconds),
      'ingest re-sent CDRs/s (all duplicates)': Math.round(again.rows / again.seconds),
      'ingest accepted on re-send': again.accepted,
      'detection run over all, s': Math.round(detectSeconds * 100) / 100,
      'detection run alerts': run.alerts,
    };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(simulated, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await benchIngest(Number(process.argv[2] ?? 20_000)));
