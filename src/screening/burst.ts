/**
 * Calls presented with one CLI across the platform in a sliding window, for CALL_BURST.
 * The window is approximated by two fixed windows, the previous one weighted by how much of it
 * still overlaps: one small record per active number, no per-call allocation.
 */
export interface BurstCounter {
  /** Counts one call from `e164` at `now` and returns the calls in the window, this one included. */
  hit(e164: number, now: number): number | Promise<number>;
  close(): void;
}

interface Slot {
  window: number;
  current: number;
  previous: number;
}

export function createMemoryBurstCounter(windowMs: number): BurstCounter {
  const slots = new Map<number, Slot>();
  const sweeper = setInterval(() => {
    const window = Math.floor(Date.now() / windowMs);
    for (const [n, s] of slots) if (s.window < window - 1) slots.delete(n);
  }, windowMs);
  sweeper.unref();
  return {
    hit(e164, now) {
      const window = Math.floor(now / windowMs);
      let s = slots.get(e164);
      if (!s) {
        s = { window, current: 0, previous: 0 };
        slots.set(e164, s);
      } else if (s.window !== window) {
        s.previous = s.window === window - 1 ? s.current : 0;
        s.current = 0;
        s.window = window;
      }
      s.current++;
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return s.current + Math.floor(s.previous * overlap);
    },
    close: () => clearInterval(sweeper),
  };
}
