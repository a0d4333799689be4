import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan } from '../numbering/plan.ts';
import { intFlag, parseFlags, runCommand, usageError } from '../platform/cli.ts';
import { simulatorAvailable } from './dataset.ts';
import {
  averagePrecision,
  KINDS,
  labelledDir,
  type RunScore,
  type SimulatedRun,
  scoreRun,
  simulatedRun,
  sumScores,
} from './evaluate.ts';
import { type DetectionModels, loadModels } from './pipeline.ts';
import { writeSynthetic } from './synthetic.ts';
import { fitModels, trainingRuns } from './train-cli.ts';

export { averagePrecision };

const PLAN_PATH = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');

const USAGE = `usage: callshield eval [--leave-out FAMILY,…] [--runs N] [--test-runs N] [--subscribers N] [--days D]
                      [--data DIR …] [--no-independent] [--json FILE]
  Leave-one-family-out: for each behaviour family (default: every family), trains the model on
  randomised simulator runs without it and tests on runs of that family only; then the shipped
  model (or --model FILE) on the independent generators (src/detection/synthetic.ts, and
  src/detection/independent/ when present) and on any labelled --data DIR (CDR files + truth.csv).
  Prints precision, recall and PR-AUC per family and kind, and the share of legitimate heavy users
  and of ordinary subscribers flagged.
`;

export interface TableRow {
  family: string;
  kind: string;
  precision: number;
  recall: number;
  prAuc: number;
  alerts: number;
  truth: number;
  legitHeavyFpr: number;
  normalFpr: number;
}

function rowsOf(family: string, score: RunScore, kinds: readonly string[]): TableRow[] {
  return kinds.map((kind) => {
    const k = score.kinds[kind as (typeof KINDS)[number]];
    return {
      family,
      kind,
      precision: k.precision,
      recall: k.recall,
      prAuc: k.prAuc,
      alerts: k.alerts,
      truth: k.truth,
      legitHeavyFpr: score.legitHeavy ? score.legitHeavyFlagged / score.legitHeavy : 0,
      normalFpr: score.normal ? score.normalFlagged / score.normal : 0,
    };
  });
}

function f3(v: number): string {
  return Number.isNaN(v) ? '  -  ' : v.toFixed(3);
}

/** The table as Markdown (for the README and the report). */
export function formatTable(rows: TableRow[]): string {
  const lines = [
    '| family (left out / data set) | kind | precision | recall | PR-AUC | alerts | truth | legit heavy flagged | ordinary flagged |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.family} | ${r.kind} | ${f3(r.precision)} | ${f3(r.recall)} | ${f3(r.prAuc)} | ${r.alerts} | ${r.truth} | ${(r.legitHeavyFpr * 100).toFixed(2)} % | ${(r.normalFpr * 100).toFixed(3)} % |`,
    );
  return `${lines.join('\n')}\n`;
}

/** The independent generator of another author, when present in this checkout (never trained on). */
async function independentGenerator(): Promise<
  ((o: { seed: number; subscribers: number; days: number; outDir: string }) => Promise<unknown>) | null
> {
  const folder = join(import.meta.dirname, 'independent');
  if (!existsSync(folder)) return null;
  for (const name of ['index.ts', 'module.ts', ...readdirSync(folder).filter((n) => n.endsWith('.ts'))]) {
    const path = join(folder, name);
    if (!existsSync(path) || name.endsWith('.test.ts')) continue;
    const module = (await import(path)) as Record<string, unknown>;
    if (typeof module.writeIndependentDataset === 'function')
      return module.writeIndependentDataset as (o: {
        seed: number;
        subscribers: number;
        days: number;
        outDir: string;
      }) => Promise<unknown>;
  }
  return null;
}

/** `callshield eval`: the leave-one-family-out table and the independent generators. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('eval', USAGE, () => evaluate(argv));
}

async function evaluate(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runs = intFlag('runs', values.runs, 6, 0, 10_000);
  const testRuns = intFlag('test-runs', values['test-runs'], 2, 1, 10_000);
  const subscribers = intFlag('subscribers', values.subscribers, 3000, 10, 50_000_000);
  const days = intFlag('days', values.days, 3, 1, 366);
  const plan = loadPlan(PLAN_PATH);
  const rows: TableRow[] = [];
  const print = (newRows: TableRow[]) => {
    rows.push(...newRows);
    for (const r of newRows)
      process.stdout.write(
        `${r.family.padEnd(28)} ${r.kind.padEnd(13)} P ${f3(r.precision)}  R ${f3(r.recall)}  PR-AUC ${f3(r.prAuc)}  ${String(r.alerts).padStart(4)}/${String(r.truth).padEnd(4)}  legit ${(r.legitHeavyFpr * 100).toFixed(2)} %  ordinary ${(r.normalFpr * 100).toFixed(3)} %\n`,
      );
  };
  if (simulatorAvailable() && values['leave-out'] !== 'none') {
    const { FAMILIES } = await import('../sim/scenarios.ts');
    const leaveOut = values['leave-out'] ? values['leave-out'].split(',') : [...FAMILIES];
    const unknown = leaveOut.filter((f) => !(FAMILIES as readonly string[]).includes(f));
    if (unknown.length > 0)
      throw usageError(`--leave-out: unknown families ${unknown.join(', ')} (known: ${FAMILIES.join(', ')})`);
    for (const family of leaveOut) {
      const others = FAMILIES.filter((f) => f !== family);
      const sets = [];
      for (const r of trainingRuns(runs, subscribers, days, others)) sets.push((await simulatedRun(r, plan)).set);
      const models = fitModels(sets);
      const scores: RunScore[] = [];
      for (let k = 0; k < testRuns; k++) {
        const test: SimulatedRun = { scenario: 'random', subscribers, days, seed: 5001 + k, families: [family] };
        const held = await simulatedRun(test, plan);
        scores.push(scoreRun(held.store, held.truth, models));
      }
      print(rowsOf(family, sumScores(scores), [family.startsWith('simbox') ? 'simbox' : 'fraud_caller']));
    }
  }
  const models: DetectionModels = loadModels(values.model);
  const dataSets: { name: string; dir: string; remove: boolean }[] = [];
  if (!values['no-independent']) {
    const dir = mkdtempSync(join(tmpdir(), 'callshield-synthetic-'));
    await writeSynthetic(join(dir, 'cdr-synthetic.csv'), join(dir, 'truth.csv'), {
      subscribers: Math.max(subscribers, 4000),
      days,
      seed: 4242,
    });
    dataSets.push({ name: 'synthetic.ts (textbook generator)', dir, remove: true });
    const writeIndependent = await independentGenerator();
    if (writeIndependent) {
      for (const [n, d, seed] of [
        [4000, 3, 1],
        [10000, 5, 2],
        [6000, 4, 7],
      ]) {
        const out = mkdtempSync(join(tmpdir(), 'callshield-independent-'));
        await writeIndependent({ seed, subscribers: n, days: d, outDir: out });
        dataSets.push({ name: `independent generator ${n}×${d} seed ${seed}`, dir: out, remove: true });
      }
    } else process.stderr.write('no independent generator in src/detection/independent/ yet: skipped\n');
  }
  for (const dir of values.data ?? []) dataSets.push({ name: dir, dir, remove: false });
  for (const set of dataSets) {
    try {
      const { store, truth } = await labelledDir(set.dir, plan);
      print(rowsOf(set.name, scoreRun(store, truth, models), KINDS));
    } finally {
      if (set.remove) rmSync(set.dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\n${formatTable(rows)}`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(rows, null, 1)}\n`);
  return 0;
}

function parse(argv: string[]) {
  return parseFlags(argv, {
    'leave-out': { type: 'string' },
    runs: { type: 'string' },
    'test-runs': { type: 'string' },
    subscribers: { type: 'string' },
    days: { type: 'string' },
    data: { type: 'string', multiple: true },
    'no-independent': { type: 'boolean', default: false },
    model: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
}
