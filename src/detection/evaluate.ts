import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NumberingPlan } from '../numbering/plan.ts';
import { buildStore, findCdrFiles, findFile, type LabelledSet, labelled, loadTruth } from './dataset.ts';
import type { FeatureStore } from './features.ts';
import { type DetectionModels, detect } from './pipeline.ts';

/**
 * Scoring of detection against ground truth, shared by `train` (the metrics the model file
 * carries) and `eval` (the leave-one-family-out table): the same definitions as the contract's
 * score.py — precision and recall per kind, any alert on a legitimate heavy user or an ordinary
 * subscriber is a false positive.
 */

export const KINDS = ['simbox', 'fraud_caller', 'wangiri'] as const;
/** Truth kinds that are not legitimate heavy users. */
const NOT_LEGIT = new Set(['simbox', 'fraud_caller', 'wangiri', 'spoofer', 'normal']);

export interface KindScore {
  precision: number;
  recall: number;
  /** Average precision of the detector's scores (alerted or not) against the truth. */
  prAuc: number;
  alerts: number;
  truth: number;
  truePositives: number;
}

export interface RunScore {
  kinds: Record<(typeof KINDS)[number], KindScore>;
  legitHeavy: number;
  legitHeavyFlagged: number;
  normal: number;
  normalFlagged: number;
}

/** Area under the precision–recall curve (average precision) of scores against labels. */
export function averagePrecision(scores: number[], positive: boolean[]): number {
  const total = positive.filter(Boolean).length;
  if (total === 0) return Number.NaN;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let sum = 0;
  order.forEach((i, rank) => {
    if (positive[i]) {
      tp++;
      sum += tp / (rank + 1);
    }
  });
  return sum / total;
}

/** Scores detection on one labelled store. */
export function scoreRun(store: FeatureStore, truth: Map<string, string>, models: DetectionModels): RunScore {
  const detection = detect(store, models);
  const kindOf = (msisdn: string) => truth.get(msisdn) ?? 'normal';
  const alertedAs = new Map<string, string>();
  for (const a of detection.alerts) alertedAs.set(a.msisdn, a.kind);
  const kinds = {} as RunScore['kinds'];
  for (const kind of KINDS) {
    const predicted = [...alertedAs].filter(([, k]) => k === kind).map(([m]) => m);
    const tp = predicted.filter((m) => kindOf(m) === kind).length;
    // SIMs and sources the run actually saw (a truth row without CDRs cannot be found).
    const seen = (m: string) => kind === 'wangiri' || store.sims.has(Number(m.slice(1)));
    const positives = [...truth].filter(([m, k]) => k === kind && seen(m)).length;
    let scores: number[];
    let labels: boolean[];
    if (kind === 'wangiri') {
      scores = detection.sourceScores.map((s) => (s.eligible ? s.probability : 0));
      labels = detection.sourceScores.map((s) => kindOf(`+${s.number}`) === kind);
    } else {
      // Alerted SIMs first (some are alerted through their device, below the gates), then the
      // trait score of the SIMs that pass the gates.
      scores = detection.simScores.map((s) => {
        const trait = kind === 'simbox' ? s.traits.simbox : s.traits.fraudCaller;
        if (alertedAs.get(`+${s.msisdn}`) === kind) return 1 + trait;
        return s.eligible ? trait : 0;
      });
      labels = detection.simScores.map((s) => kindOf(`+${s.msisdn}`) === kind);
    }
    kinds[kind] = {
      precision: predicted.length ? tp / predicted.length : positives === 0 ? 1 : 0,
      recall: positives ? tp / positives : 1,
      prAuc: averagePrecision(scores, labels),
      alerts: predicted.length,
      truth: positives,
      truePositives: tp,
    };
  }
  const legit = [...truth].filter(([m, k]) => !NOT_LEGIT.has(k) && store.sims.has(Number(m.slice(1))));
  const normal = [...store.sims.keys()].map((n) => `+${n}`).filter((m) => kindOf(m) === 'normal');
  return {
    kinds,
    legitHeavy: legit.length,
    legitHeavyFlagged: legit.filter(([m]) => alertedAs.has(m)).length,
    normal: normal.length,
    normalFlagged: normal.filter((m) => alertedAs.has(m)).length,
  };
}

/** Sums run scores (micro-averaged precision and recall; PR-AUC averaged over runs with positives). */
export function sumScores(runs: RunScore[]): RunScore {
  const total: RunScore = {
    kinds: {} as RunScore['kinds'],
    legitHeavy: 0,
    legitHeavyFlagged: 0,
    normal: 0,
    normalFlagged: 0,
  };
  for (const kind of KINDS) {
    let alerts = 0;
    let truth = 0;
    let tp = 0;
    const aucs: number[] = [];
    for (const r of runs) {
      alerts += r.kinds[kind].alerts;
      truth += r.kinds[kind].truth;
      tp += r.kinds[kind].truePositives;
      if (!Number.isNaN(r.kinds[kind].prAuc)) aucs.push(r.kinds[kind].prAuc);
    }
    total.kinds[kind] = {
      precision: alerts ? tp / alerts : truth === 0 ? 1 : 0,
      recall: truth ? tp / truth : 1,
      prAuc: aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : Number.NaN,
      alerts,
      truth,
      truePositives: tp,
    };
  }
  for (const r of runs) {
    total.legitHeavy += r.legitHeavy;
    total.legitHeavyFlagged += r.legitHeavyFlagged;
    total.normal += r.normal;
    total.normalFlagged += r.normalFlagged;
  }
  return total;
}

/** Plain numbers of a score, for the model file. */
export function summarise(score: RunScore): Record<string, unknown> {
  const round = (v: number) => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);
  return {
    ...Object.fromEntries(
      KINDS.map((k) => [
        k,
        {
          precision: round(score.kinds[k].precision),
          recall: round(score.kinds[k].recall),
          prAuc: round(score.kinds[k].prAuc),
          alerts: score.kinds[k].alerts,
          truth: score.kinds[k].truth,
        },
      ]),
    ),
    legitHeavyFpr: round(score.legitHeavy ? score.legitHeavyFlagged / score.legitHeavy : 0),
    normalFpr: round(score.normal ? score.normalFlagged / score.normal : 0),
  };
}

/** A simulator run described by its settings. */
export interface SimulatedRun {
  scenario: string;
  subscribers: number;
  days: number;
  seed: number;
  /** For `scenario: 'random'`: the behaviour families drawn from. */
  families?: string[];
}

/** One labelled simulator run, simulated in-process into a temporary directory (removed after). */
export async function simulatedRun(
  run: SimulatedRun,
  plan: NumberingPlan,
): Promise<{ store: FeatureStore; truth: Map<string, string>; set: LabelledSet; name: string }> {
  const { simulate } = await import('../sim/simulate.ts');
  const { SCENARIOS, randomScenario } = await import('../sim/scenarios.ts');
  const scenario =
    run.scenario === 'random'
      ? randomScenario(run.seed, run.families as Parameters<typeof randomScenario>[1])
      : SCENARIOS[run.scenario];
  if (!scenario) throw new Error(`unknown scenario ${run.scenario}`);
  const dir = mkdtempSync(join(tmpdir(), 'callshield-run-'));
  try {
    await simulate({ plan, scenario, subscribers: run.subscribers, days: run.days, seed: run.seed, out: dir });
    return { ...(await labelledDir(dir, plan)), name: scenario.name };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A directory of CDR files with a truth.csv, read into features. */
export async function labelledDir(
  dir: string,
  plan: NumberingPlan,
): Promise<{ store: FeatureStore; truth: Map<string, string>; set: LabelledSet }> {
  const truthPath = findFile(dir, /^truth\.csv$/);
  if (!truthPath) throw new Error(`no truth.csv under ${dir}`);
  const truth = loadTruth(truthPath);
  const { resolveInputs } = await import('./inputs.ts');
  const { files } = await resolveInputs([dir]);
  const store = await buildStore(files.length > 0 ? files : findCdrFiles(dir), plan);
  return { store, truth, set: labelled(store, truth) };
}
