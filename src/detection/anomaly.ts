import { formatNumber } from '../numbering/numbers.ts';
import type { Alert, SimRecord } from './detectors.ts';
import type { FeatureStore } from './features.ts';

/**
 * The unsupervised backstop: how far each SIM sits from the population on the same features the
 * detectors use, as robust z-scores (distance from the median in MADs), against all SIMs and
 * against the SIMs of its own main cell. A behaviour no rule and no label foresaw still stands
 * out here, so it reaches analysts — as a low-priority `anomaly` with the unusual features named,
 * never as one of the fraud kinds, and only when asked for (`analyze --anomalies`): population
 * outliers include honest heavy users, so these are leads, not verdicts.
 */

/**
 * Features compared: whether counts are log-transformed, and which side is suspicious (+1 high,
 * -1 low, 0 either): a SIM with no IMEI (a fixed line) or with no mobility is not unusual for it.
 */
const ANOMALY_FEATURES: [keyof SimRecord, boolean, number][] = [
  ['outPerActiveDay', true, 1],
  ['outShare', false, 1],
  ['calleesPerOutCall', false, 1],
  ['distinctCallees', true, 1],
  ['answeredShare', false, 0],
  ['conversationShare', false, 0],
  ['lifePerCall', true, -1],
  ['simsPerImei', true, 1],
  ['imeisPerSim', true, 1],
  ['distinctCells', true, 1],
  ['nightShare', false, 1],
  ['sequentialShare', false, 1],
  ['colocatedBulkSims', true, 1],
];
/** |z| from which a feature counts as unusual. */
const UNUSUAL_Z = 6;
/** Unusual features a SIM needs to be reported. */
const MIN_UNUSUAL = 3;
/** Least voice calls for a SIM to be judged (the same floor as the detectors). */
const MIN_CALLS = 10;
/** At most this share of the active SIMs is reported, the most unusual first. */
const MAX_SHARE = 0.002;
/** Cells with fewer active SIMs are compared with the whole population only. */
const MIN_CELL_POPULATION = 30;

interface Scale {
  median: number;
  mad: number;
}

function scaleOf(values: Float64Array): Scale {
  if (values.length === 0) return { median: 0, mad: 1 };
  const sorted = Float64Array.from(values).sort();
  const median = sorted[sorted.length >> 1];
  const deviations = sorted.map((v) => Math.abs(v - median)).sort();
  // 1.4826 × MAD estimates a standard deviation; a floor keeps near-constant features from exploding.
  return { median, mad: Math.max(1.4826 * deviations[deviations.length >> 1], 0.05) };
}

function value(record: SimRecord, feature: keyof SimRecord, log: boolean): number {
  const v = Number(record[feature]) || 0;
  return log ? Math.log1p(Math.max(0, v)) : v;
}

export interface UnusualFeature {
  feature: string;
  value: number;
  median: number;
  z: number;
}

/** Anomaly alerts for SIMs not already alerted. */
export function anomalies(store: FeatureStore, records: Map<number, SimRecord>, alerted: Set<string>): Alert[] {
  const active: [number, SimRecord][] = [];
  for (const [msisdn, record] of records)
    if (record.voiceOut + record.voiceIn >= MIN_CALLS) active.push([msisdn, record]);
  if (active.length < 100) return [];
  const global = ANOMALY_FEATURES.map(([f, log]) => scaleOf(Float64Array.from(active, ([, r]) => value(r, f, log))));
  const byCell = new Map<number, [number, SimRecord][]>();
  for (const item of active) {
    const cell = store.sims.get(item[0])?.cellCounts.top() ?? -1;
    if (cell < 0) continue;
    const list = byCell.get(cell);
    if (list) list.push(item);
    else byCell.set(cell, [item]);
  }
  const cellScales = new Map<number, Scale[]>();
  for (const [cell, list] of byCell)
    if (list.length >= MIN_CELL_POPULATION)
      cellScales.set(
        cell,
        ANOMALY_FEATURES.map(([f, log]) => scaleOf(Float64Array.from(list, ([, r]) => value(r, f, log)))),
      );
  const found: { msisdn: number; unusual: UnusualFeature[]; score: number }[] = [];
  for (const [msisdn, record] of active) {
    if (alerted.has(formatNumber(msisdn))) continue;
    const cell = store.sims.get(msisdn)?.cellCounts.top() ?? -1;
    const local = cellScales.get(cell);
    const unusual: UnusualFeature[] = [];
    let score = 0;
    ANOMALY_FEATURES.forEach(([f, log, side], i) => {
      const v = value(record, f, log);
      const zGlobal = (v - global[i].median) / global[i].mad;
      // Unusual against the whole population and, where the cell is large enough, against its cell.
      const zLocal = local ? (v - local[i].median) / local[i].mad : zGlobal;
      const z = Math.abs(zGlobal) < Math.abs(zLocal) ? zGlobal : zLocal;
      if (Math.abs(z) >= UNUSUAL_Z && (side === 0 || Math.sign(z) === side)) {
        unusual.push({
          feature: f,
          value: Math.round(Number(record[f]) * 1000) / 1000,
          median: Math.round((log ? Math.expm1(global[i].median) : global[i].median) * 1000) / 1000,
          z: Math.round(z * 10) / 10,
        });
        score += Math.min(20, Math.abs(z));
      }
    });
    if (unusual.length >= MIN_UNUSUAL) found.push({ msisdn, unusual, score });
  }
  found.sort((a, b) => b.score - a.score);
  const limit = Math.max(1, Math.floor(active.length * MAX_SHARE));
  return found.slice(0, limit).map(({ msisdn, unusual, score }) => {
    const sim = store.sims.get(msisdn);
    return {
      kind: 'anomaly',
      msisdn: formatNumber(msisdn),
      score: Math.round(Math.min(1, score / (20 * ANOMALY_FEATURES.length)) * 1000) / 1000,
      evidence: {
        features: [],
        rules: [`${unusual.length} features far from the population (|robust z| ≥ ${UNUSUAL_Z})`],
        priority: 'low',
        unusual: unusual.sort((a, b) => Math.abs(b.z) - Math.abs(a.z)),
        detector: 'anomaly (robust z-scores per population and cell)',
      },
      firstSeen: sim ? new Date(sim.firstSeen).toISOString() : '',
      lastSeen: sim ? new Date(sim.lastSeen).toISOString() : '',
    };
  });
}
