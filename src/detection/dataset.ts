import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readCdrFile } from '../cdr/reader.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { modelInputs, simRecords } from './detectors.ts';
import { FeatureStore } from './features.ts';
import { hashNumber } from './sketch.ts';

/**
 * Labelled data for training and evaluation: a simulator run (CDR files + truth.csv) read into
 * feature windows, each SIM and each international source tagged with its true kind.
 */

/** msisdn ("+7…") → kind, from a truth.csv with columns msisdn,kind[,group]. */
export function loadTruth(path: string): Map<string, string> {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
  const columns = header.trim().split(',');
  const m = columns.indexOf('msisdn');
  const k = columns.indexOf('kind');
  const truth = new Map<string, string>();
  for (const line of lines) {
    if (!line.trim()) continue;
    const fields = line.split(',');
    const msisdn = fields[m].startsWith('+') ? fields[m] : `+${fields[m]}`;
    truth.set(msisdn, fields[k]);
  }
  return truth;
}

/** CDR files of a simulator output directory (cdr*.csv[.gz], any depth). */
export function findCdrFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findCdrFiles(path));
    else if (/^cdr.*\.(csv|jsonl)(\.gz)?$/i.test(basename(name))) out.push(path);
  }
  return out.sort();
}

export function findFile(dir: string, pattern: RegExp): string | null {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      const found = findFile(path, pattern);
      if (found) return found;
    } else if (pattern.test(name)) return path;
  }
  return null;
}

/** Reads CDR files into a fresh feature store. */
export async function buildStore(paths: string[], plan: NumberingPlan): Promise<FeatureStore> {
  const store = new FeatureStore(plan);
  for (const path of paths) await readCdrFile(path, plan, (batch) => store.addBatch(batch));
  return store;
}

export interface LabelledSet {
  simRows: Record<string, number>[];
  simKinds: string[];
  simNumbers: number[];
  sourceRows: Record<string, number>[];
  sourceKinds: string[];
  sourceNumbers: number[];
}

/** Features and true kinds of every SIM and source of a store. */
export function labelled(store: FeatureStore, truth: Map<string, string>): LabelledSet {
  const set: LabelledSet = {
    simRows: [],
    simKinds: [],
    simNumbers: [],
    sourceRows: [],
    sourceKinds: [],
    sourceNumbers: [],
  };
  for (const [msisdn, record] of simRecords(store)) {
    set.simRows.push(modelInputs(record));
    set.simKinds.push(truth.get(`+${msisdn}`) ?? 'normal');
    set.simNumbers.push(msisdn);
  }
  for (const [number, source] of store.sources) {
    set.sourceRows.push(store.sourceFeatures(source) as unknown as Record<string, number>);
    set.sourceKinds.push(truth.get(`+${number}`) ?? 'normal');
    set.sourceNumbers.push(number);
  }
  return set;
}

/** Split by subscriber: a stable fifth of the numbers is held out for testing. */
export function isTestSubscriber(msisdn: number): boolean {
  return hashNumber(msisdn) % 5 === 0;
}

/** Whether `bin/callshield simulate` exists in this checkout. */
export function simulatorAvailable(): boolean {
  return existsSync(join(import.meta.dirname, '..', 'sim', 'cli.ts'));
}

/** Runs the simulator into a fresh temporary directory and returns it. */
export function simulate(scenario: string, subscribers: number, days: number, seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), `callshield-${scenario}-`));
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'callshield');
  const result = spawnSync(
    bin,
    [
      'simulate',
      '--subscribers',
      String(subscribers),
      '--days',
      String(days),
      '--seed',
      String(seed),
      '--scenario',
      scenario,
      '--out',
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`simulate ${scenario} failed (exit ${result.status})`);
  return dir;
}
