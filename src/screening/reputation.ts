/**
 * Numbers that citizens' reports have made risky, as screening reads them (REPORTED_CLI).
 * The reports module decides the risk (weighted, decayed, hard to poison) and sets it here.
 */
export type Risk = 'unknown' | 'low' | 'medium' | 'high';

export function createReputationIndex() {
  const risky = new Map<number, Risk>();
  return {
    set(e164: number, risk: Risk) {
      if (risk === 'unknown') risky.delete(e164);
      else risky.set(e164, risk);
    },
    risk: (e164: number): Risk => risky.get(e164) ?? 'unknown',
    /** Labelled only at high risk: reports alone never block. */
    isReported: (e164: number) => risky.get(e164) === 'high',
    size: () => risky.size,
  };
}

export type ReputationIndex = ReturnType<typeof createReputationIndex>;
