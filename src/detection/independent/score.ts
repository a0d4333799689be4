/**
 * Scores alerts against the independent generator's truth: per kind as the contract's score.py
 * does (precision, recall, legitimate heavy users and ordinary subscribers flagged), and per
 * behaviour family (how many SIMs of each family were alerted, and as which kind).
 */
import { readFileSync } from 'node:fs';

const FRAUD_KINDS = ['simbox', 'fraud_caller', 'wangiri'] as const;
/** Kinds that are neither fraud nor ordinary: legitimate heavy users (score.py's rule). */
const NOT_LEGIT = new Set<string>([...FRAUD_KINDS, 'spoofer', 'normal']);

export interface TruthRow {
  msisdn: string;
  kind: string;
  family: string;
}

export interface KindScore {
  precision: number;
  recall: number;
  alerts: number;
  truth: number;
}

export interface FamilyScore {
  kind: string;
  truth: number;
  alerted: number;
  /** Alerted SIMs of the family by the kind they were alerted as. */
  alertedAs: Record<string, number>;
}

export interface IndependentScore {
  kinds: Record<(typeof FRAUD_KINDS)[number], KindScore>;
  legitHeavyFpr: number;
  normalFpr: number;
  families: Record<string, FamilyScore>;
}

function plus(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}

export function scoreAlerts(alerts: { kind?: string; msisdn?: string }[], truth: TruthRow[]): IndependentScore {
  const predicted = new Map<string, Set<string>>();
  const alertedKinds = new Map<string, Set<string>>();
  for (const alert of alerts) {
    if (!alert.msisdn || !alert.kind) continue;
    const msisdn = plus(alert.msisdn);
    if (!predicted.has(alert.kind)) predicted.set(alert.kind, new Set());
    predicted.get(alert.kind)!.add(msisdn);
    if (!alertedKinds.has(msisdn)) alertedKinds.set(msisdn, new Set());
    alertedKinds.get(msisdn)!.add(alert.kind);
  }
  const kinds = {} as IndependentScore['kinds'];
  for (const kind of FRAUD_KINDS) {
    const positives = new Set(truth.filter((t) => t.kind === kind).map((t) => t.msisdn));
    const flagged = predicted.get(kind) ?? new Set<string>();
    let hits = 0;
    for (const m of flagged) if (positives.has(m)) hits++;
    kinds[kind] = {
      precision: flagged.size > 0 ? hits / flagged.size : 0,
      recall: positives.size > 0 ? hits / positives.size : 1,
      alerts: flagged.size,
      truth: positives.size,
    };
  }
  const legit = truth.filter((t) => !NOT_LEGIT.has(t.kind));
  const normal = truth.filter((t) => t.kind === 'normal');
  const share = (rows: TruthRow[]) =>
    rows.length > 0 ? rows.filter((t) => alertedKinds.has(t.msisdn)).length / rows.length : 0;
  const families: Record<string, FamilyScore> = {};
  for (const t of truth) {
    if (!families[t.family]) families[t.family] = { kind: t.kind, truth: 0, alerted: 0, alertedAs: {} };
    const family = families[t.family];
    family.truth++;
    const as = alertedKinds.get(t.msisdn);
    if (!as) continue;
    family.alerted++;
    for (const kind of as) family.alertedAs[kind] = (family.alertedAs[kind] ?? 0) + 1;
  }
  return { kinds, legitHeavyFpr: share(legit), normalFpr: share(normal), families };
}

/** Reads alerts.jsonl (one alert a line) and truth.csv (msisdn,kind,family) and scores them. */
export function scoreFiles(alertsPath: string, truthPath: string): IndependentScore {
  const alerts = readFileSync(alertsPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { kind?: string; msisdn?: string });
  const [header, ...lines] = readFileSync(truthPath, 'utf8').trim().split('\n');
  const names = header.split(',');
  const column = (name: string) => names.indexOf(name);
  const [m, k, f] = [column('msisdn'), column('kind'), column('family')];
  const truth = lines.map((line) => {
    const cells = line.split(',');
    return { msisdn: plus(cells[m]), kind: cells[k], family: f >= 0 ? cells[f] : cells[k] };
  });
  return scoreAlerts(alerts, truth);
}
