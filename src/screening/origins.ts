/**
 * Origin registrations: the owner of a number says "my subscriber a is calling b now"; the
 * terminating operator's verify for (a, b) consumes one confirmation. A registration expires and
 * confirms at most a bounded number of verifications, so a seen registration cannot be replayed.
 * verify and originate race (they come from two networks), so verify may wait a short while for it.
 *
 * An originate is counted once per (operator, callId) within the TTL: a switch sends it again when
 * the first answer was lost or late (a 503 or a timeout after the store had taken it), and a
 * registration counted twice would leave a confirmation over for a spoofed call of the same a→b.
 */

export interface OriginRegistryOptions {
  ttlMs: number;
  maxConfirmations: number;
  clock: () => number;
}

/**
 * Outcome of an origin check: confirmed, not confirmed, or 'unavailable' when the registrations
 * could not be read (distributed hot state down; see src/screening/hot-state-guard.ts).
 */
export type OriginCheck = boolean | 'unavailable';

/**
 * The hot-state port for registrations; the memory adapter is the embedded default, the Redis one
 * (origins-redis.ts) the distributed one. Adapters may reject when their store fails; the guard
 * turns that into 'unavailable' for the failure policy.
 */
export interface OriginRegistry {
  /**
   * Registers the call `callId` of `operator`'s subscriber a to b. The same (operator, callId)
   * again within the TTL (a retry) adds nothing; another callId for the same a→b is another call.
   */
  register(a: number, b: number, operator: string, callId: string): void | Promise<void>;
  /** Takes one confirmation of a live registration of (a, b) by `operator`; false when there is none. */
  consume(a: number, b: number, operator: string): OriginCheck | Promise<OriginCheck>;
  /** Resolves true when a registration arrives (and is consumed) within timeoutMs, else false. */
  waitFor(a: number, b: number, operator: string, timeoutMs: number): Promise<OriginCheck>;
  /**
   * `consume`, then `waitFor` when nothing was there, in one step: a remote store answers both in
   * one round trip. Optional: without it the service calls the two in turn.
   */
  consumeOrWait?(a: number, b: number, operator: string, timeoutMs: number): Promise<OriginCheck>;
  size(): number;
  close(): void | Promise<void>;
}

interface Registration {
  operator: string;
  expiresAt: number;
  remaining: number;
}

interface Waiter {
  operator: string;
  resolve: (confirmed: boolean) => void;
  timer: NodeJS.Timeout;
}

const key = (a: number, b: number) => `${a}:${b}`;
/** Operator ids have no ':' (^[A-Z0-9_]+$), so two (operator, callId) pairs never share a key. */
const callKey = (operator: string, callId: string) => `${operator}:${callId}`;

/** In-memory registry of one process. */
export function createMemoryOriginRegistry(options: OriginRegistryOptions): OriginRegistry {
  const registrations = new Map<string, Registration[]>();
  const waiters = new Map<string, Waiter[]>();
  /** Expiry of each call registered, by (operator, callId): a retry within it counts nothing. */
  const calls = new Map<string, number>();
  let count = 0;

  function take(k: string, operator: string): boolean {
    const list = registrations.get(k);
    if (!list) return false;
    const now = options.clock();
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.operator === operator && r.expiresAt > now && r.remaining > 0) {
        r.remaining--;
        if (r.remaining === 0) {
          list.splice(i, 1);
          count--;
          if (list.length === 0) registrations.delete(k);
        }
        return true;
      }
    }
    return false;
  }

  // Expired registrations are dropped in sweeps, so memory follows live traffic only.
  const sweeper = setInterval(
    () => {
      const now = options.clock();
      for (const [k, list] of registrations) {
        const live = list.filter((r) => r.expiresAt > now);
        count -= list.length - live.length;
        if (live.length === 0) registrations.delete(k);
        else if (live.length !== list.length) registrations.set(k, live);
      }
      // Calls are kept in the order they were registered, which is the order they expire in (a
      // clock set back only keeps a few a sweep longer): the sweep stops at the first live one.
      for (const [k, expiresAt] of calls) {
        if (expiresAt > now) break;
        calls.delete(k);
      }
    },
    Math.min(options.ttlMs, 5000),
  );
  sweeper.unref();

  return {
    register(a, b, operator, callId) {
      const now = options.clock();
      const call = callKey(operator, callId);
      const seen = calls.get(call);
      if (seen !== undefined && seen > now) return;
      // Deleted first, so that a call registered again after its expiry moves to the end.
      if (seen !== undefined) calls.delete(call);
      calls.set(call, now + options.ttlMs);
      const k = key(a, b);
      let remaining = options.maxConfirmations;
      // A verify already waiting for this registration takes its first confirmation.
      const pending = waiters.get(k);
      if (pending) {
        for (let i = 0; i < pending.length && remaining > 0; ) {
          const w = pending[i];
          if (w.operator === operator) {
            pending.splice(i, 1);
            clearTimeout(w.timer);
            w.resolve(true);
            remaining--;
          } else i++;
        }
        if (pending.length === 0) waiters.delete(k);
      }
      if (remaining === 0) return;
      const registration = { operator, expiresAt: now + options.ttlMs, remaining };
      const list = registrations.get(k);
      if (list) list.push(registration);
      else registrations.set(k, [registration]);
      count++;
    },
    consume: (a, b, operator) => take(key(a, b), operator),
    waitFor(a, b, operator, timeoutMs) {
      const k = key(a, b);
      if (take(k, operator)) return Promise.resolve(true);
      if (timeoutMs <= 0) return Promise.resolve(false);
      return new Promise((resolve) => {
        const waiter: Waiter = {
          operator,
          resolve,
          timer: setTimeout(() => {
            const list = waiters.get(k);
            if (list) {
              const i = list.indexOf(waiter);
              if (i >= 0) list.splice(i, 1);
              if (list.length === 0) waiters.delete(k);
            }
            resolve(false);
          }, timeoutMs),
        };
        const list = waiters.get(k);
        if (list) list.push(waiter);
        else waiters.set(k, [waiter]);
      });
    },
    size: () => count,
    close() {
      clearInterval(sweeper);
      for (const list of waiters.values())
        for (const w of list) {
          clearTimeout(w.timer);
          w.resolve(false);
        }
      waiters.clear();
      calls.clear();
    },
  };
}
