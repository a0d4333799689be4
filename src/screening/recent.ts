import type { Decision } from './types.ts';

/** The last decisions in memory, for the console's live feed and number lookups. */
export function createRecentDecisions(capacity: number) {
  const ring: (Decision | undefined)[] = new Array(capacity);
  let next = 0;
  let total = 0;
  return {
    push(d: Decision) {
      ring[next] = d;
      next = (next + 1) % capacity;
      total++;
    },
    /** Newest first, filtered. */
    list(filter: (d: Decision) => boolean, limit: number): Decision[] {
      const out: Decision[] = [];
      const n = Math.min(total, capacity);
      for (let i = 1; i <= n && out.length < limit; i++) {
        const d = ring[(next - i + capacity) % capacity]!;
        if (filter(d)) out.push(d);
      }
      return out;
    },
  };
}
