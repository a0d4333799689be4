import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CdrBatch } from '../cdr/batch.ts';
import type { QuarantineItem } from '../cdr/types.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { anomalies } from './anomaly.ts';
import { readCdrFileBytes } from './csv-bytes.ts';
import {
  type Alert,
  recordsOf,
  type SimScore,
  type SourceScore,
  scoreSims,
  scoreSources,
  simAlerts,
  simPopulation,
  sourceAlerts,
} from './detectors.ts';
import { groupDevices } from './devices.ts';
import { FeatureStore } from './features.ts';
import type { LinearModel } from './model.ts';

/** The shipped models: one for SIMs (none / simbox / fraud_caller), one for wangiri sources. */
export interface DetectionModels {
  /** The model file's version (also on each model). */
  version?: string;
  sim: LinearModel;
  source: LinearModel;
}

/** Path of the shipped model file. */
export const MODEL_PATH = join(import.meta.dirname, 'model.json');

/** Loads the models from a JSON file (default: the shipped src/detection/model.json). */
export function loadModels(path = MODEL_PATH): DetectionModels {
  return JSON.parse(readFileSync(path, 'utf8')) as DetectionModels;
}

export interface Detection {
  alerts: Alert[];
  /** Low-priority population outliers (kind `anomaly`), when asked for; never among `alerts`. */
  anomalies: Alert[];
  simScores: SimScore[];
  sourceScores: SourceScore[];
}

/**
 * Runs every detector over the current feature windows: the batch end of `analyze`, and what an
 * ingest service calls periodically on its live FeatureStore.
 */
export function detect(store: FeatureStore, models: DetectionModels, options: { anomalies?: boolean } = {}): Detection {
  const population = simPopulation(store);
  const simScores = scoreSims(population, models.sim);
  const sourceScores = scoreSources(store, models.source);
  const alerts = [...simAlerts(store, simScores, models.sim), ...sourceAlerts(store, sourceScores, models.source)];
  alerts.push(...groupDevices(store, alerts));
  alerts.sort((a, b) => (a.kind === b.kind ? b.score - a.score : a.kind < b.kind ? -1 : 1));
  const found = options.anomalies ? anomalies(store, recordsOf(population), new Set(alerts.map((a) => a.msisdn))) : [];
  return { alerts, anomalies: found, simScores, sourceScores };
}

export interface AnalyzeProgress {
  rows: number;
  bad: number;
  file: string;
}

export interface AnalyzeResult extends Detection {
  store: FeatureStore;
  rows: number;
  bad: number;
  /** The first quarantined rows (up to `keepQuarantine`). */
  quarantine: QuarantineItem[];
}

/**
 * Reads CDR files into feature windows and runs the detectors (batch mode of the pipeline).
 * Files are read one after the other; memory is the feature store plus one batch.
 */
export async function analyzeFiles(
  paths: string[],
  plan: NumberingPlan,
  models: DetectionModels,
  options: { onProgress?: (p: AnalyzeProgress) => void; keepQuarantine?: number; anomalies?: boolean } = {},
): Promise<AnalyzeResult> {
  const store = new FeatureStore(plan);
  const quarantine: QuarantineItem[] = [];
  const keep = options.keepQuarantine ?? 1000;
  let rows = 0;
  let bad = 0;
  for (const path of paths) {
    await readCdrFileBytes(path, plan, (batch: CdrBatch) => {
      store.addBatch(batch);
      rows += batch.size;
      bad += batch.quarantine.length;
      for (const item of batch.quarantine) if (quarantine.length < keep) quarantine.push(item);
      options.onProgress?.({ rows, bad, file: path });
    });
  }
  return { ...detect(store, models, { anomalies: options.anomalies }), store, rows, bad, quarantine };
}
