/**
 * CDR analysis benchmark: end-to-end CDRs/s (parse → features → alerts) and peak memory on a
 * large generated CDR set, next to DuckDB computing a plain per-SIM GROUP BY of the same files in
 * the same run, as a reference ratio. The two take turns on the files once they are on disk: run
 * right after they were written, the first read had shared the disk with their write-back.
 */
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCdrFiles, simulate, simulatorAvailable } from '../src/detection/dataset.ts';
import { analyzeFilesThreaded } from '../src/detection/parallel.ts';
import { loadModels } from '../src/detection/pipeline.ts';
import { writeSynthetic } from '../src/detection/synthetic.ts';
import { loadPlan } from '../src/numbering/plan.ts';
import { median } from './stats.ts';

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
  // Its memory and threads given back, so that the next round of analyze has the machine to itself.
  connection.closeSync();
  instance.closeSync();
  return { seconds, sims };
}

/** Writes the generated files' pages to disk, so that the machine's write-back does not run into a timed read. */
function flushToDisk(files: string[]): void {
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Runs the benchmark; `targetCdrs` defaults to 3 M (10 M takes about half a minute more to
 * generate). `analyze` and DuckDB take turns, `rounds` each, on the same files.
 */
export async function benchDetection(targetCdrs = 3_000_000, rounds = 2): Promise<Record<string, number | string>> {
  const generatedAt = performance.now();
  const { dir, files, source } = await generate(targetCdrs);
  const generateSeconds = (performance.now() - generatedAt) / 1000;
  flushToDisk(files);
  const plan = loadPlan(PLAN_PATH);
  const models = loadModels();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const analyzeSeconds: number[] = [];
  const duckSeconds: number[] = [];
  // What the first round found (later rounds find the same); its peak memory is the figure.
  let found: { rows: number; sims: number; alerts: number } | null = null;
  let duck: { seconds: number; sims: number } | string = 'not run';
  for (let round = 0; round < rounds; round++) {
    // Each round starts from a collected heap, as a `callshield analyze` of its own would: the last
    // round's feature store is garbage by now, and its collection is not this round's work.
    (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    const result = await analyzeFilesThreaded(files, PLAN_PATH, plan, models, {
      onProgress: () => {
        if (found !== null) return;
        const rss = process.memoryUsage.rss();
        if (rss > peakRss) peakRss = rss;
      },
    });
    analyzeSeconds.push((performance.now() - started) / 1000);
    if (found === null) {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      found = { rows: result.rows, sims: result.store.sims.size, alerts: result.alerts.length };
    }
    duck = await duckdbGroupBy(files);
    if (typeof duck !== 'string') duckSeconds.push(duck.seconds);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) rmSync(dir, { recursive: true, force: true });
  if (found === null) throw new Error('no round ran');
  const seconds = median(analyzeSeconds);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const out: Record<string, number | string> = {
    'detection data': source,
    'detection generate s': Math.round(generateSeconds * 10) / 10,
    'detection CDRs': found.rows,
    'detection SIMs': found.sims,
    'detection alerts': found.alerts,
    [`detection end-to-end s (median of ${rounds} rounds)`]: round2(seconds),
    'detection end-to-end s per round': analyzeSeconds.map(round2).join(', '),
    'detection CDRs/s (target ≥ 300000)': Math.round(found.rows / seconds),
    'detection peak RSS MB (first round)': Math.round(peakRss / 1048576),
  };
  if (typeof duck === 'string') out['duckdb group-by'] = duck;
  else {
    const duckMedian = median(duckSeconds);
    out['duckdb group-by s (median; rounds alternate with analyze)'] = round2(duckMedian);
    out['duckdb group-by s per round'] = duckSeconds.map(round2).join(', ');
    out['duckdb CDRs/s'] = Math.round(found.rows / duckMedian);
    out['detection / duckdb speed (medians)'] = round2(duckMedian / seconds);
  }
  return out;
}

if (import.meta.main) {
  const target = Number(process.argv[2] ?? 3_000_000);
  console.log(await benchDetection(target));
}
