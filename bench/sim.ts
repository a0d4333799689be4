/**
 * Simulator benchmark: generates a baseline country (200 k subscribers × 1 day by default) to a
 * temporary directory and reports CDRs generated per second and the process's peak resident
 * memory, sampled after every simulated hour (the run is in-process, so the figure includes the
 * process's memory from before the run, reported separately).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan } from '../src/numbering/plan.ts';
import { SCENARIOS } from '../src/sim/scenarios.ts';
import { simulate } from '../src/sim/simulate.ts';

const PLAN_PATH = join(import.meta.dirname, '..', 'data', 'numbering', 'kz.json');

export async function benchSimulator(subscribers = 200_000, days = 1): Promise<Record<string, number | string>> {
  const plan = loadPlan(PLAN_PATH);
  const out = mkdtempSync(join(tmpdir(), 'callshield-bench-sim-'));
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  try {
    const started = performance.now();
    const summary = await simulate({
      plan,
      scenario: SCENARIOS.baseline,
      subscribers,
      days,
      seed: 4242,
      out,
      onProgress: () => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      'simulator run': `baseline ${subscribers} subscribers × ${days} day`,
      'simulator CDRs': summary.rows,
      'simulator seconds': Math.round(seconds * 10) / 10,
      'simulator CDRs/s': Math.round(summary.rows / seconds),
      'simulator peak RSS MB': Math.round(peakRss / 1e6),
      'simulator RSS before MB': Math.round(rssBefore / 1e6),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const subscribers = Number(process.argv[2] ?? 200_000);
  console.log(await benchSimulator(subscribers));
}
