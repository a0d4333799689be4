/**
 * Screening engine in process, one core: decisions per second of assessCall + concludeCall on a
 * realistic mix (domestic confirmed, spoofed from abroad, Russian numbers, blocklisted, lists of
 * 100 k entries), without HTTP.
 */
import { ListCache } from '../src/lists/cache.ts';
import { formatNumber } from '../src/numbering/numbers.ts';
import { loadPlan } from '../src/numbering/plan.ts';
import { assessCall, concludeCall, type ScreeningState } from '../src/screening/engine.ts';
import { compilePolicy } from '../src/screening/policy.ts';
import type { CallToVerify, Ingress } from '../src/screening/types.ts';

export function benchEngine(seconds = 3): Record<string, number | string> {
  const plan = loadPlan(new URL('../data/numbering/kz.json', import.meta.url).pathname);
  const cache = new ListCache(plan.parse);
  const entry = (number: string, version: number) => ({
    number,
    reason: 'bench',
    source: 'bench',
    createdBy: 'bench',
    createdAt: new Date().toISOString(),
    version,
  });
  for (let i = 0; i < 100_000; i++) {
    const number = formatNumber(77070000000 + i * 7);
    cache.apply({ list: 'blocklist', version: i + 1, op: 'add', number, entry: entry(number, i + 1) });
  }
  const state: ScreeningState = {
    plan,
    ownerOf: plan.rangeOwner,
    isParticipating: () => true,
    allowlist: cache.view('allowlist'),
    dno: cache.view('dno'),
    blocklist: cache.view('blocklist'),
    protectedNumbers: cache.view('protected'),
    isRoaming: () => false,
    isReported: () => false,
  };
  const policy = compilePolicy();
  const ingress: Ingress[] = ['domestic', 'international', 'on-net', 'international'];
  const prefixes = [7701, 7777, 7916, 7707, 7747, 7172];
  const calls: CallToVerify[] = Array.from({ length: 4096 }, (_, i) => ({
    callId: `c${i}`,
    a: prefixes[i % prefixes.length] * 10_000_000 + ((i * 7919) % 10_000_000),
    b: 77770000000 + i,
    at: Date.now(),
    ingress: ingress[i % ingress.length],
    operator: 'BEELINE',
  }));
  const now = Date.now();
  let decisions = 0;
  let blocked = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i];
      const assessment = assessCall(c, state, policy, now, 1, 100);
      const conclusion = concludeCall(assessment, assessment.confirmingOperator ? (i & 1) === 0 : null, policy);
      if (conclusion.verdict === 'block') blocked++;
    }
    decisions += calls.length;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    'engine decisions/s (1 core)': Math.round(decisions / elapsed),
    'engine ns/decision': Math.round((elapsed * 1e9) / decisions),
    'blocked share': (blocked / decisions).toFixed(2),
  };
}
