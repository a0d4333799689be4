/**
 * CDR analysis benchmark: end-to-end CDRs/s (parse → features → alerts) and peak memory on a
 * large generated CDR set, next to DuckDB computing a plain per-SIM GROUP BY of the same files in
 * the same run, as a reference ratio.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCdrFiles, simulate, simulatorAvailable } from '../src/detection/dataset.ts';
import { analyzeFilesThreaded } from '../src/detection/parallel.ts';
import { loadModels } from '../src/detection/pipeline.ts';
import { writeSynthetic } from '../src/detection/synthetic.ts';
import { loadPlan } from '../src/numbering/plan.ts';

const PLAN_PATH = join(import.meta.dirname, '..', 'data', 'numbering', 'kz.json');

/** Generates about `targetCdrs` CDRs: with the simulator when present, else the synthetic generator. */
async function generate(targetCdrs: number): Promise<{ dir: string; files: string[]; source: string }> {
  if (simulatorAvailable()) {
    // The simulator makes about 23 CDRs per subscriber and day.
    const subscribers = Math.max(1000, Math.round(targetCdrs / 23 / 2));
    const dir = simulate('baseline', subscribers, 2, 4242);
    return { dir, files: findCdrFiles(dir), source: `simulator baseline ${subscribers}×2 days` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'callshield-bench-'));
  const file = join(dir, 'cdr-synthetic.csv');
  const subscribers = Math.max(1000, Math.round(targetCdrs / 15 / 2));
  await writeSynthetic(file, join(dir, 'truth.csv'), { subscribers, days: 2, seed: 4242 });
  return { dir, files: [file], source: `synthetic ${subscribers}×2 days` };
}

async function duckdbGroupBy(files: string[]): Promise<{ seconds: number; sims: number } | string> {
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch {
    return 'not installed';
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  const started = performance.now();
  const reader = await connection.runAndReadAll(
    `SELECT msisdn, count(*) AS events, count(*) FILTER (WHERE event = 'voice' AND direction = 'out') AS voice_out,
            count(DISTINCT other_party) AS distinct_others, sum(duration_s) AS seconds
       FROM read_csv([${list}], header = true, all_varchar = false) GROUP BY msisdn`,
  );
  const sims = reader.getRows().length;
  const seconds = (performance.now() - started) / 1000;
  connection.closeSync();
  return { seconds, sims };
}

/** Runs the benchmark; `targetCdrs` defaults to 3 M (10 M takes about half a minute more to generate). */
export async function benchDetection(targetCdrs = 3_000_000): Promise<Record<string, number | string>> {
  const generatedAt = performance.now();
  const { dir, files, source } = await generate(targetCdrs);
  const generateSeconds = (performance.now() - generatedAt) / 1000;
  const plan = loadPlan(PLAN_PATH);
  const models = loadModels();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const started = performance.now();
  const result = await analyzeFilesThreaded(files, PLAN_PATH, plan, models, {
    onProgress: () => {
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const duck = await duckdbGroupBy(files);
  if (existsSync(dir) && readdirSync(dir).length > 0) rmSync(dir, { recursive: true, force: true });
  const out: Record<string, number | string> = {
    'detection data': source,
    'detection generate s': Math.round(generateSeconds * 10) / 10,
    'detection CDRs': result.rows,
    'detection SIMs': result.store.sims.size,
    'detection alerts': result.alerts.length,
    'detection end-to-end s': Math.round(seconds * 100) / 100,
    'detection CDRs/s (target ≥ 300000)': Math.round(result.rows / seconds),
    'detection peak RSS MB': Math.round(peakRss / 1048576),
  };
  if (typeof duck === 'string') out['duckdb group-by'] = duck;
  else {
    out['duckdb group-by s'] = Math.round(duck.seconds * 100) / 100;
    out['duckdb CDRs/s'] = Math.round(result.rows / duck.seconds);
    out['detection / duckdb speed'] = Math.round((duck.seconds / seconds) * 100) / 100;
  }
  return out;
}

if (import.meta.main) {
  const target = Number(process.argv[2] ?? 3_000_000);
  console.log(await benchDetection(target));
}
