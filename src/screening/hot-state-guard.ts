/**
 * The failure policy at the hot-state ports. A distributed adapter may fail (Redis down) or be
 * slow (each command has a timeout); screening must still answer within its budget. While the
 * store is down, or after a failure until it answers again, calls do not try it at all:
 * - an origin check is 'unavailable' and the policy decides (ORIGIN_CHECK_UNAVAILABLE: allowed
 *   and noted when failing open, blocked when failing closed);
 * - a burst count that answers at once (the Redis counter counts in memory and sends its counts
 *   in the background) goes on: this node's calls are a lower bound of the platform's, so a burst
 *   it sees alone is one, and they are added to the platform's count once the store is back; one
 *   that would wait on the store is not waited for (0: no CALL_BURST);
 * - an originate is refused with DEPENDENCY_UNAVAILABLE, so the operator knows it did not count.
 * Every fallback is reported (metrics), and nothing here needs a restart to recover.
 */
import { AppError } from '../errors.ts';
import type { BurstCounter } from './burst.ts';
import type { OriginCheck, OriginRegistry } from './origins.ts';

export interface HotStateHealth {
  readonly up: boolean;
  /** A call failed: count the store down until it answers again. */
  failed(): void;
}

export type Fallback = 'origin_check' | 'origin_register' | 'burst_count';

export function guardOriginRegistry(
  inner: OriginRegistry,
  health: HotStateHealth,
  onFallback: (operation: Fallback) => void,
): OriginRegistry {
  const unavailable = (): 'unavailable' => {
    onFallback('origin_check');
    return 'unavailable';
  };
  const failedCheck = (): 'unavailable' => {
    health.failed();
    return unavailable();
  };
  const refuse = (): never => {
    onFallback('origin_register');
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'origin registrations are unavailable for a moment; send it again');
  };
  return {
    register(a, b, operator, callId) {
      if (!health.up) refuse();
      try {
        const done = inner.register(a, b, operator, callId);
        return done instanceof Promise
          ? done.catch(() => {
              health.failed();
              refuse();
            })
          : done;
      } catch {
        health.failed();
        return refuse();
      }
    },
    consume(a, b, operator): OriginCheck | Promise<OriginCheck> {
      if (!health.up) return unavailable();
      try {
        const result = inner.consume(a, b, operator);
        return typeof result === 'object' ? result.catch(failedCheck) : result;
      } catch {
        return failedCheck();
      }
    },
    waitFor(a, b, operator, timeoutMs) {
      if (!health.up) return Promise.resolve(unavailable());
      return inner.waitFor(a, b, operator, timeoutMs).catch(failedCheck);
    },
    ...(inner.consumeOrWait
      ? {
          consumeOrWait(a: number, b: number, operator: string, timeoutMs: number) {
            if (!health.up) return Promise.resolve(unavailable());
            return inner.consumeOrWait!(a, b, operator, timeoutMs).catch(failedCheck);
          },
        }
      : {}),
    size: () => inner.size(),
    close: () => inner.close(),
  };
}

export function guardBurstCounter(
  inner: BurstCounter,
  health: HotStateHealth,
  onFallback: (operation: Fallback) => void,
): BurstCounter {
  const skipped = () => {
    onFallback('burst_count');
    return 0;
  };
  return {
    hit(e164, now) {
      const count = inner.hit(e164, now);
      if (typeof count === 'number') {
        // Counted without the platform's latest totals while the store is away: noted, not lost.
        if (!health.up) onFallback('burst_count');
        return count;
      }
      if (!health.up) {
        count.catch(() => {});
        return skipped();
      }
      return count.catch(() => {
        health.failed();
        return skipped();
      });
    },
    close: () => inner.close(),
  };
}
