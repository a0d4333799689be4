/**
 * Numbers that citizens' reports have made risky, as screening reads them (REPORTED_CLI).
 * The reports module decides the risk (weighted, decayed, hard to poison) and sets it here.
 */
export type Risk = 'unknown' | 'low' | 'medium' | 'high';

export function createReputationIndex() {
  const risky = new Map<number, Risk>();
  /** Numbers escalated from outside the reports (bank incidents, src/banks): high whatever reports say. */
  const escalated = new Set<number>();
  return {
    set(e164: number, risk: Risk) {
      if (risk === 'unknown') risky.delete(e164);
      else risky.set(e164, risk);
    },
    /** Hook for bank escalations: the number reads as high risk until withdrawn. */
    escalate(e164: number, on = true) {
      if (on) escalated.add(e164);
      else escalated.delete(e164);
    },
    risk: (e164: number): Risk => (escalated.has(e164) ? 'high' : (risky.get(e164) ?? 'unknown')),
    /** Labelled only at high risk: reports alone never block. */
    isReported: (e164: number) => escalated.has(e164) || risky.get(e164) === 'high',
    size: () => risky.size,
  };
}

export type ReputationIndex = ReturnType<typeof createReputationIndex>;
