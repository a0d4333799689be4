/**
 * Reputation of a number from citizens' reports, built so that reports alone cannot poison it:
 * each reporter counts once per number, anonymous web reports together can never make a number
 * more than "medium", a reporter whose reports analysts rejected weighs less, evidence from
 * screening and detection multiplies the score, and everything decays with time.
 * Pure: the same inputs give the same risk.
 */
import type { Risk } from '../screening/reputation.ts';

export interface ReportForScore {
  at: number;
  reporterKey: string;
  verified: boolean;
  /** Trust of the channel that delivered it (1 = ordinary). */
  trust: number;
}

export interface ReporterRecord {
  confirmed: number;
  rejected: number;
}

export interface Corroboration {
  /** Detection alerts of fraud kinds about the number. */
  alerts: number;
  /** Recent screening decisions that found the number suspicious (spoofed, unconfirmed, burst). */
  suspiciousDecisions: number;
}

/**
 * Reasons that say the call did not come from the number's owner: someone else used the number.
 * Such a call is evidence against the spoofer, never against the owner.
 */
const spoofedReasons = new Set([
  'SPOOFED_DOMESTIC_FROM_ABROAD',
  'UNCONFIRMED_ORIGIN',
  'ORIGIN_NOT_PARTICIPATING',
  'IDENTITY_INVALID',
  'DNO_CLI',
  'MALFORMED_CLI',
  'UNALLOCATED_CLI',
]);
/** Reasons that, on a call the owner really made, say something about the caller. */
const suspiciousReasons = new Set(['CALL_BURST', 'BLOCKLISTED_CLI']);

/** Whether a screened call counts as evidence against the number it came from. */
export function isEvidenceAgainstCaller(reasons: readonly string[]): boolean {
  if (reasons.some((r) => spoofedReasons.has(r))) return false;
  return reasons.some((r) => suspiciousReasons.has(r));
}

export const reputationSettings = {
  halfLifeDays: 14,
  anonymousWeight: 0.25,
  verifiedWeight: 1,
  /** Sum of all anonymous contributions: below the "high" threshold on purpose. */
  anonymousCap: 1.5,
  /** One verified reporter, or several anonymous ones. */
  medium: 0.9,
  /** Three verified reporters, or one with evidence from screening or detection. */
  high: 2.5,
};

/** Reliability of a reporter from its history: 1 with no history, between 0.2 and 1.5 after. */
export function reporterReliability(history: ReporterRecord | undefined): number {
  if (!history) return 1;
  const r = (2 * (history.confirmed + 1)) / (history.confirmed + history.rejected + 2);
  return Math.min(1.5, Math.max(0.2, r));
}

export function reputationScore(
  reports: ReportForScore[],
  history: (reporterKey: string) => ReporterRecord | undefined,
  corroboration: Corroboration,
  now: number,
  settings = reputationSettings,
): number {
  const decayPerMs = Math.LN2 / (settings.halfLifeDays * 86_400_000);
  // One reporter counts once: the strongest of its reports about this number.
  const best = new Map<string, { weight: number; verified: boolean }>();
  for (const r of reports) {
    const age = Math.max(0, now - r.at);
    const base = r.verified ? settings.verifiedWeight * r.trust : settings.anonymousWeight;
    const weight = base * reporterReliability(history(r.reporterKey)) * Math.exp(-decayPerMs * age);
    const current = best.get(r.reporterKey);
    if (!current || weight > current.weight) best.set(r.reporterKey, { weight, verified: r.verified });
  }
  let anonymous = 0;
  let verified = 0;
  for (const { weight, verified: v } of best.values()) {
    if (v) verified += weight;
    else anonymous += weight;
  }
  let score = verified + Math.min(anonymous, settings.anonymousCap);
  if (score > 0 && (corroboration.alerts > 0 || corroboration.suspiciousDecisions > 0)) {
    score = score * 2 + 1;
  }
  return score;
}

export function riskOf(score: number, settings = reputationSettings): Risk {
  if (score >= settings.high) return 'high';
  if (score >= settings.medium) return 'medium';
  if (score > 0) return 'low';
  return 'unknown';
}
