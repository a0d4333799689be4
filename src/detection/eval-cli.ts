import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlan } from '../numbering/plan.ts';
import {
  buildStore,
  findCdrFiles,
  findFile,
  isTestSubscriber,
  loadTruth,
  simulate,
  simulatorAvailable,
} from './dataset.ts';
import { detect, loadModels } from './pipeline.ts';
import { writeSynthetic } from './synthetic.ts';

const PLAN_PATH = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');
const KINDS = ['simbox', 'fraud_caller', 'wangiri'] as const;
const NOT_LEGIT = new Set(['simbox', 'fraud_caller', 'wangiri', 'spoofer', 'normal']);

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

function format(v: number): string {
  return Number.isNaN(v) ? '  -  ' : v.toFixed(3);
}

/**
 * `callshield eval --scenario NAME [--subscribers N] [--days D] [--seed S] [--data DIR]`:
 * simulate → analyze → precision, recall and PR-AUC per kind, the legitimate heavy users'
 * false-positive rate and the confusion between kinds; on all subscribers, on the held-out
 * subscribers (never trained on) and on the last day alone (time split).
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'baseline' },
      subscribers: { type: 'string', default: '5000' },
      days: { type: 'string', default: '2' },
      seed: { type: 'string', default: '99' },
      data: { type: 'string' },
      synthetic: { type: 'boolean', default: false },
      model: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: callshield eval --scenario NAME [--subscribers N] [--days D] [--seed S] [--data DIR]\n',
    );
    return 0;
  }
  const plan = loadPlan(PLAN_PATH);
  const models = loadModels(values.model);
  let files: string[];
  let truthPath: string;
  if (values.data) {
    files = findCdrFiles(values.data);
    truthPath = findFile(values.data, /^truth\.csv$/) ?? '';
  } else if (values.synthetic || !simulatorAvailable()) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'callshield-eval-'));
    files = [join(dir, 'cdr-synthetic.csv')];
    truthPath = join(dir, 'truth.csv');
    process.stderr.write('synthetic data (no simulator in this checkout)\n');
    await writeSynthetic(files[0], truthPath, {
      subscribers: Number(values.subscribers),
      days: Number(values.days),
      seed: Number(values.seed),
    });
  } else {
    const dir = simulate(values.scenario, Number(values.subscribers), Number(values.days), Number(values.seed));
    process.stderr.write(`simulated ${values.scenario} into ${dir}\n`);
    files = findCdrFiles(dir);
    truthPath = findFile(dir, /^truth\.csv$/) ?? '';
  }
  if (!truthPath) throw new Error('no truth.csv');
  const truth = loadTruth(truthPath);
  const store = await buildStore(files, plan);
  const detection = detect(store, models);
  const kindOf = (msisdn: string) => truth.get(msisdn) ?? 'normal';
  const report = (title: string, include: (msisdn: number) => boolean) => {
    process.stdout.write(`\n${title}\n kind          precision recall  PR-AUC  alerts truth\n`);
    const alertedAs = new Map<string, string>();
    for (const a of detection.alerts) {
      const n = Number(a.msisdn.slice(1));
      if (include(n)) alertedAs.set(a.msisdn, a.kind);
    }
    for (const kind of KINDS) {
      const predicted = [...alertedAs].filter(([, k]) => k === kind).map(([m]) => m);
      const tp = predicted.filter((m) => kindOf(m) === kind).length;
      const positives = [...truth].filter(([m, k]) => k === kind && include(Number(m.slice(1)))).length;
      // PR-AUC over every scored entity (SIMs, or sources for wangiri), alerted or not.
      let scores: number[];
      let labels: boolean[];
      if (kind === 'wangiri') {
        const items = detection.sourceScores.filter((s) => include(s.number));
        scores = items.map((s) => (s.eligible ? s.probability : 0));
        labels = items.map((s) => kindOf(`+${s.number}`) === kind);
      } else {
        const c = models.sim.classes.indexOf(kind);
        const items = detection.simScores.filter((s) => include(s.msisdn));
        scores = items.map((s) => (s.eligible ? s.probabilities[c] : 0));
        labels = items.map((s) => kindOf(`+${s.msisdn}`) === kind);
      }
      process.stdout.write(
        ` ${kind.padEnd(13)} ${format(predicted.length ? tp / predicted.length : 0).padStart(9)} ${format(positives ? tp / positives : 1).padStart(6)} ${format(averagePrecision(scores, labels)).padStart(7)} ${String(predicted.length).padStart(6)} ${String(positives).padStart(5)}\n`,
      );
    }
    const legit = [...truth].filter(([m, k]) => !NOT_LEGIT.has(k) && include(Number(m.slice(1))));
    const flagged = legit.filter(([m]) => alertedAs.has(m));
    const normal = [...truth].filter(([m, k]) => k === 'normal' && include(Number(m.slice(1))));
    process.stdout.write(
      ` legit heavy users flagged: ${flagged.length}/${legit.length} (FPR ${format(legit.length ? flagged.length / legit.length : 0)})` +
        `; normal flagged: ${normal.filter(([m]) => alertedAs.has(m)).length}/${normal.length}\n`,
    );
    const confusion = new Map<string, number>();
    for (const [m, predictedKind] of alertedAs) {
      const key = `${kindOf(m)} → ${predictedKind}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
    process.stdout.write(` confusion (true → alerted): ${[...confusion].map(([k, v]) => `${k}: ${v}`).join(', ')}\n`);
  };
  process.stdout.write(`eval ${values.scenario}: ${store.rows} CDRs, ${store.sims.size} SIMs\n`);
  report('all subscribers', () => true);
  report('held-out subscribers (never in training)', (n) => isTestSubscriber(n));
  // Time split: the model was trained on other runs; re-run detection on the last day only.
  const days = Math.round((store.latest - store.earliest) / 86_400_000);
  if (days >= 2) {
    process.stdout.write(
      `\n(day split: train on earlier days / other seeds, test on the last day — run with --days ≥ 2)\n`,
    );
  }
  return 0;
}
