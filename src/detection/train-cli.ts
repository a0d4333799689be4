import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlan } from '../numbering/plan.ts';
import {
  buildStore,
  findCdrFiles,
  findFile,
  isTestSubscriber,
  type LabelledSet,
  labelled,
  loadTruth,
  simulate,
  simulatorAvailable,
} from './dataset.ts';
import { SIM_MODEL_INPUTS, SOURCE_MODEL_INPUTS, simGates, sourceGates } from './detectors.ts';
import { type LinearModel, probabilities, standardise, trainLinearModel } from './model.ts';
import { MODEL_PATH } from './pipeline.ts';
import { writeSynthetic } from './synthetic.ts';

/** Simulator runs the shipped model is trained on: several scenarios and seeds, none used by `eval`'s defaults. */
const DEFAULT_RUNS = [
  { scenario: 'baseline', subscribers: 6000, days: 3, seed: 11 },
  { scenario: 'evasive', subscribers: 6000, days: 3, seed: 12 },
  { scenario: 'heavy-legit', subscribers: 6000, days: 3, seed: 13 },
];

const SIM_CLASSES = ['none', 'simbox', 'fraud_caller'];
const SOURCE_CLASSES = ['none', 'wangiri'];
/**
 * Lowest alert threshold: an alert asks an operator to act on a subscriber, so it needs a
 * confident model; lower scores are for analyst review, not alerts.
 */
const MIN_THRESHOLD = 0.8;
const PLAN_PATH = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');

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
  // Halfway to the next lower score, so that the boundary is not exactly on a training example.
  const below = cut + 1 < order.length ? scores[order[cut + 1]] : 0;
  return Math.max(floor, Math.min(0.99, (scores[order[cut]] + below) / 2));
}

/** Fits both models on the training half (by subscriber) of labelled sets. */
export function fitModels(sets: LabelledSet[]): { sim: LinearModel; source: LinearModel } {
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
    positives: SIM_CLASSES.map((_, c) => simLabels.filter((y) => y === c).length),
  };
  source.trainedOn = { examples: sourceRows.length, positives: sourceLabels.filter((y) => y === 1).length };
  void sourceGates;
  return { sim, source };
}

/**
 * `callshield train [--data DIR…] [--synthetic] [--out model.json]`: builds labelled sets
 * (given simulator output directories, or fresh simulator runs of several scenarios and seeds,
 * or the built-in synthetic generator), fits the models and writes the model file.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', multiple: true },
      synthetic: { type: 'boolean', default: false },
      out: { type: 'string', default: MODEL_PATH },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: callshield train [--data DIR …] [--synthetic] [--out FILE]\n' +
        '  DIR: simulator output (CDR files + truth.csv) or an operator export with a truth.csv of labels\n',
    );
    return 0;
  }
  const plan = loadPlan(PLAN_PATH);
  const sets: LabelledSet[] = [];
  const describe: unknown[] = [];
  let dirs = values.data ?? [];
  if (dirs.length === 0 && !values.synthetic) {
    if (simulatorAvailable()) {
      dirs = DEFAULT_RUNS.map((r) => {
        process.stderr.write(`simulate ${r.scenario} ${r.subscribers}×${r.days} seed ${r.seed}\n`);
        describe.push(r);
        return simulate(r.scenario, r.subscribers, r.days, r.seed);
      });
    } else {
      process.stderr.write('no simulator in this checkout: training on the synthetic generator\n');
      values.synthetic = true;
    }
  }
  for (const dir of dirs) {
    const truthPath = findFile(dir, /^truth\.csv$/);
    if (!truthPath) throw new Error(`no truth.csv under ${dir}`);
    process.stderr.write(`features of ${dir}\n`);
    sets.push(labelled(await buildStore(findCdrFiles(dir), plan), loadTruth(truthPath)));
  }
  if (values.synthetic) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'callshield-synthetic-'));
    for (const seed of [1, 2]) {
      const cdrPath = join(dir, `cdr-${seed}.csv`);
      const truthPath = join(dir, `truth-${seed}.csv`);
      await writeSynthetic(cdrPath, truthPath, { subscribers: 4000, days: 2, seed });
      sets.push(labelled(await buildStore([cdrPath], plan), loadTruth(truthPath)));
      describe.push({ synthetic: true, subscribers: 4000, days: 2, seed });
    }
  }
  const models = fitModels(sets);
  models.sim.trainedOn = { runs: describe, ...(models.sim.trainedOn as object) };
  models.source.trainedOn = { runs: describe, ...(models.source.trainedOn as object) };
  writeFileSync(values.out, `${JSON.stringify(models, null, 1)}\n`);
  process.stderr.write(
    `wrote ${values.out}: thresholds ${JSON.stringify({ ...models.sim.thresholds, ...models.source.thresholds })}\n`,
  );
  return 0;
}
