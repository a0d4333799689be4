import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPlan } from '../numbering/plan.ts';
import { intFlag, parseFlags, runCommand } from '../platform/cli.ts';
import { isTestSubscriber, type LabelledSet, simulatorAvailable } from './dataset.ts';
import { SIM_MODEL_INPUTS, SOURCE_MODEL_INPUTS, simGates } from './detectors.ts';
import { labelledDir, type SimulatedRun, scoreRun, simulatedRun, summarise, sumScores } from './evaluate.ts';
import { probabilities, standardise, trainLinearModel } from './model.ts';
import { type DetectionModels, MODEL_PATH } from './pipeline.ts';

/** Model schema: 2 = inputs are trait strengths. */
const MODEL_SCHEMA = 2;
/** Randomised simulator runs the shipped model is trained on (seeds never used by `eval`). */
export function trainingRuns(count: number, subscribers: number, days: number, families?: string[]): SimulatedRun[] {
  // The named scenarios once each (plain, evasive, heavy legitimate users), then randomised runs.
  const runs: SimulatedRun[] = families
    ? []
    : ['baseline', 'evasive', 'heavy-legit'].map((scenario, k) => ({ scenario, subscribers, days, seed: 11 + k }));
  for (let k = 0; k < count; k++)
    runs.push({ scenario: 'random', subscribers, days, seed: 101 + k, ...(families ? { families } : {}) });
  return runs;
}
/** Held-out runs whose scores the model file carries as its metrics. */
const METRIC_RUNS: SimulatedRun[] = [
  { scenario: 'random', subscribers: 4000, days: 3, seed: 9001 },
  { scenario: 'random', subscribers: 4000, days: 3, seed: 9002 },
  { scenario: 'heavy-legit', subscribers: 4000, days: 3, seed: 9003 },
];

const SIM_CLASSES = ['none', 'simbox', 'fraud_caller'];
const SOURCE_CLASSES = ['none', 'wangiri'];
/**
 * Lowest alert threshold: an alert asks an operator to act on a subscriber, so it needs a
 * confident model; lower scores are for analyst review, not alerts.
 */
const MIN_THRESHOLD = 0.8;
/** An analyst's decision counts as this many simulated examples. */
const DECISION_WEIGHT = 5;
const PLAN_PATH = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');

/** Labelled examples from analysts' decisions: confirmed alerts of their kind, dismissed ones as none. */
export interface DecisionExamples {
  simRows: Record<string, number>[];
  simKinds: string[];
  sourceRows: Record<string, number>[];
  sourceKinds: string[];
}

/**
 * Lowest probability threshold (not below `floor`) at which the training predictions of a class
 * reach the wanted precision; keeps alerts conservative where the data cannot tell.
 */
function chooseThreshold(scores: number[], positive: boolean[], precision: number, floor: number): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let fp = 0;
  let cut = -1;
  order.forEach((i, rank) => {
    if (positive[i]) tp++;
    else fp++;
    if (positive[i] && tp / (tp + fp) >= precision) cut = rank;
  });
  if (cut < 0) return 0.99;
  const below = cut + 1 < order.length ? scores[order[cut + 1]] : 0;
  return Math.max(floor, Math.min(0.99, (scores[order[cut]] + below) / 2));
}

/** Fits both models on the training subscribers of labelled sets, plus analysts' decisions. */
export function fitModels(sets: LabelledSet[], decisions?: DecisionExamples): DetectionModels {
  const simRows: Record<string, number>[] = [];
  const simLabels: number[] = [];
  const sourceRows: Record<string, number>[] = [];
  const sourceLabels: number[] = [];
  for (const set of sets) {
    set.simRows.forEach((row, i) => {
      if (isTestSubscriber(set.simNumbers[i])) return;
      // Only SIMs that pass the gates can be alerted; training on them focuses the model on the hard cases.
      if (!simGates(row as never).eligible) return;
      simRows.push(row);
      simLabels.push(Math.max(0, SIM_CLASSES.indexOf(set.simKinds[i])));
    });
    set.sourceRows.forEach((row, i) => {
      if (isTestSubscriber(set.sourceNumbers[i])) return;
      sourceRows.push(row);
      sourceLabels.push(set.sourceKinds[i] === 'wangiri' ? 1 : 0);
    });
  }
  const simulated = simRows.length;
  if (decisions) {
    for (let r = 0; r < DECISION_WEIGHT; r++) {
      decisions.simRows.forEach((row, i) => {
        simRows.push(row);
        simLabels.push(Math.max(0, SIM_CLASSES.indexOf(decisions.simKinds[i])));
      });
      decisions.sourceRows.forEach((row, i) => {
        sourceRows.push(row);
        sourceLabels.push(decisions.sourceKinds[i] === 'wangiri' ? 1 : 0);
      });
    }
  }
  const sim = trainLinearModel(simRows, simLabels, {
    classes: SIM_CLASSES,
    features: SIM_MODEL_INPUTS.map(([f]) => f),
    transforms: SIM_MODEL_INPUTS.map(([, t]) => t),
    l2: 3e-3,
  });
  const source = trainLinearModel(sourceRows, sourceLabels, {
    classes: SOURCE_CLASSES,
    features: SOURCE_MODEL_INPUTS.map(([f]) => f),
    transforms: SOURCE_MODEL_INPUTS.map(([, t]) => t),
    l2: 3e-3,
  });
  for (let c = 1; c < SIM_CLASSES.length; c++) {
    const scores = simRows.map((r) => probabilities(sim, standardise(sim, r))[c]);
    sim.thresholds[SIM_CLASSES[c]] = chooseThreshold(
      scores,
      simLabels.map((y) => y === c),
      0.995,
      MIN_THRESHOLD,
    );
  }
  const sourceScores = sourceRows.map((r) => probabilities(source, standardise(source, r))[1]);
  source.thresholds.wangiri = chooseThreshold(
    sourceScores,
    sourceLabels.map((y) => y === 1),
    0.995,
    MIN_THRESHOLD,
  );
  sim.trainedOn = {
    examples: simRows.length,
    fromDecisions: simRows.length - simulated,
    perClass: Object.fromEntries(SIM_CLASSES.map((name, c) => [name, simLabels.filter((y) => y === c).length])),
  };
  source.trainedOn = { examples: sourceRows.length, positives: sourceLabels.filter((y) => y === 1).length };
  const version = `${MODEL_SCHEMA}.${createHash('sha256')
    .update(JSON.stringify([sim.weights, sim.bias, source.weights, source.bias]))
    .digest('hex')
    .slice(0, 8)}`;
  sim.version = version;
  source.version = version;
  return { version, sim, source };
}

/** Analysts' decisions in the records store, as examples (alerts that carry their trait inputs). */
export async function readDecisions(dataDir: string | undefined): Promise<DecisionExamples> {
  const { loadConfig } = await import('../config.ts');
  const { openPglite, openPostgres } = await import('../platform/sql.ts');
  const config = loadConfig({ ...(dataDir ? { dataDir } : {}), logLevel: 'silent' });
  const sql = config.databaseUrl
    ? await openPostgres(config.databaseUrl)
    : await openPglite(join(resolve(config.dataDir), 'pglite'));
  const out: DecisionExamples = { simRows: [], simKinds: [], sourceRows: [], sourceKinds: [] };
  try {
    const exists = await sql.query<{ t: unknown }>("select to_regclass('alerts') as t");
    if (!exists.rows[0]?.t) return out;
    const { rows } = await sql.query<{ kind: string; status: string; evidence: Record<string, unknown> }>(
      "select kind, status, evidence from alerts where status in ('confirmed', 'dismissed')",
    );
    for (const row of rows) {
      const evidence = typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence;
      const label = row.status === 'confirmed' ? row.kind : 'none';
      if (row.kind === 'wangiri') {
        const features = (evidence?.features ?? []) as { feature: string; value: number }[];
        if (features.length === 0) continue;
        out.sourceRows.push(Object.fromEntries(features.map((f) => [f.feature, f.value])));
        out.sourceKinds.push(label);
      } else if (evidence?.inputs && typeof evidence.inputs === 'object') {
        out.simRows.push(evidence.inputs as Record<string, number>);
        out.simKinds.push(label);
      }
    }
  } finally {
    await sql.close();
  }
  return out;
}

const USAGE = `usage: callshield train [--runs N] [--subscribers N] [--days D] [--data DIR …] [--from-decisions [--data-dir DIR]] [--out FILE]
  --runs N            randomised simulator runs to train on (default 10; behaviour drawn per run)
  --data DIR          also train on a labelled directory (CDR files + truth.csv)
  --from-decisions    also train on analysts' confirmed and dismissed alerts in the records store
                      (--data-dir, or DATABASE_URL), each counting as ${DECISION_WEIGHT} simulated examples
  --out FILE          model file (default src/detection/model.json)
`;

/**
 * \`callshield train\`: builds labelled sets from many randomised simulator runs (and given
 * directories, and analysts' decisions), fits the models, scores them on held-out runs and writes
 * the model file with its version, training summary and metrics.
 */
export async function run(argv: string[]): Promise<number> {
  return runCommand('train', USAGE, () => train(argv));
}

async function train(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runCount = intFlag('runs', values.runs, 10, 0, 10_000);
  const subscribers = intFlag('subscribers', values.subscribers, 4000, 10, 50_000_000);
  const days = intFlag('days', values.days, 3, 1, 366);
  const out = values.out ?? MODEL_PATH;
  const plan = loadPlan(PLAN_PATH);
  const sets: LabelledSet[] = [];
  const runs = trainingRuns(runCount, subscribers, days);
  if (!simulatorAvailable() && !values.data?.length && !values['from-decisions']) {
    process.stderr.write('no simulator in this checkout: give --data DIR or --from-decisions\n');
    return 2;
  }
  const described: unknown[] = [];
  if (simulatorAvailable())
    for (const r of runs) {
      const labelledRun = await simulatedRun(r, plan);
      process.stderr.write(`trained on ${labelledRun.name}: ${labelledRun.store.rows} CDRs\n`);
      described.push({ ...r, name: labelledRun.name });
      sets.push(labelledRun.set);
    }
  for (const dir of values.data ?? []) {
    sets.push((await labelledDir(dir, plan)).set);
    described.push({ dir });
  }
  let decisions: DecisionExamples | undefined;
  if (values['from-decisions']) {
    decisions = await readDecisions(values['data-dir']);
    process.stderr.write(
      `analysts' decisions: ${decisions.simRows.length} SIM alerts, ${decisions.sourceRows.length} wangiri alerts\n`,
    );
  }
  const models = fitModels(sets, decisions);
  const metrics: Record<string, unknown> = {};
  if (simulatorAvailable()) {
    const scores = [];
    for (const r of METRIC_RUNS) {
      const held = await simulatedRun(r, plan);
      scores.push(scoreRun(held.store, held.truth, models));
    }
    Object.assign(metrics, { heldOutRuns: METRIC_RUNS, ...summarise(sumScores(scores)) });
  }
  const file = {
    version: models.version,
    trainedOn: {
      runs: described,
      decisions: decisions ? { sim: decisions.simRows.length, wangiri: decisions.sourceRows.length } : null,
      sim: models.sim.trainedOn,
      source: models.source.trainedOn,
    },
    metrics,
    sim: models.sim,
    source: models.source,
  };
  writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
  process.stderr.write(
    `wrote ${out}: model ${models.version}, thresholds ${JSON.stringify({ ...models.sim.thresholds, ...models.source.thresholds })}\n` +
      `held-out metrics: ${JSON.stringify(metrics)}\n`,
  );
  return 0;
}

function parse(argv: string[]) {
  return parseFlags(argv, {
    runs: { type: 'string' },
    subscribers: { type: 'string' },
    days: { type: 'string' },
    data: { type: 'string', multiple: true },
    'from-decisions': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
}
