import type { Decision } from '../screening/types.ts';

/** A blocked call spoofing `a`, decided at `at`, delivered by `fromOperator`, for the campaigns tests. */
export function spoofedCall(
  at: number,
  a: string,
  fromOperator: string | undefined,
  over: Partial<Decision> = {},
): Decision {
  return {
    decisionId: `d${at}${a}`,
    callId: 'c',
    operator: 'KCELL',
    fromOperator,
    a,
    b: '+77011234567',
    ingress: 'international',
    at: new Date(at).toISOString(),
    decidedAt: new Date(at).toISOString(),
    verdict: 'block',
    reasons: ['SPOOFED_DOMESTIC_FROM_ABROAD'],
    shadow: false,
    latencyUs: 10,
    ...over,
  };
}
