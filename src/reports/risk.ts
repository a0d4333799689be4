/**
 * One number, one risk: the public page and the console both ask this function, so a citizen and
 * an analyst never see two answers about the same number. Pure: lists and reputation are read
 * through the views it is given.
 */
import type { ListView } from '../screening/engine.ts';
import type { ReputationIndex, Risk } from '../screening/reputation.ts';

/** Why a number has its risk (the public page turns it into a label, the console into a word). */
export type RiskReason = 'DOES_NOT_CALL' | 'BLOCKLISTED' | 'VERIFIED' | 'REPORTED_HIGH' | 'REPORTED';

export interface NumberRisk {
  risk: Risk;
  reason?: RiskReason;
  /** The verified owner's name, for an allowlisted number. */
  displayName?: string;
}

export interface RiskSources {
  views: { blocklist: ListView; dno: ListView; allowlist: ListView };
  reputation: ReputationIndex;
}

/**
 * The risk of a number: a do-not-originate or blocklisted number is high, a verified caller low,
 * otherwise the citizens' reputation decides.
 */
export function numberRisk(n: number, sources: RiskSources, now: number): NumberRisk {
  if (sources.views.dno.find(n, now)) return { risk: 'high', reason: 'DOES_NOT_CALL' };
  if (sources.views.blocklist.find(n, now)) return { risk: 'high', reason: 'BLOCKLISTED' };
  const allowed = sources.views.allowlist.find(n, now);
  if (allowed?.displayName) return { risk: 'low', reason: 'VERIFIED', displayName: allowed.displayName };
  const risk = sources.reputation.risk(n);
  if (risk === 'high') return { risk, reason: 'REPORTED_HIGH' };
  if (risk === 'medium') return { risk, reason: 'REPORTED' };
  return { risk: risk === 'low' ? 'low' : 'unknown' };
}
