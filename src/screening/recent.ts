import type { Decision } from './types.ts';

interface Ring {
  items: (Decision | undefined)[];
  next: number;
  total: number;
  /** Arrival number of each item, to merge the two rings in arrival order. */
  order: Float64Array;
}

const ring = (capacity: number): Ring => ({
  items: new Array(capacity),
  next: 0,
  total: 0,
  order: new Float64Array(capacity),
});

/**
 * The last decisions in memory, for the console's live feed and number lookups. Blocked and
 * labelled calls are kept longer than allowed ones: at national rates most calls are allowed,
 * and holding many of them just long enough to leave the young generation costs the call path
 * measurable garbage-collection time, while the ones an analyst looks for are the others.
 */
export function createRecentDecisions(capacity: number, allowedCapacity = Math.max(1, Math.floor(capacity / 10))) {
  const flagged = ring(capacity);
  const allowed = ring(allowedCapacity);
  let arrivals = 0;

  function put(r: Ring, d: Decision) {
    const size = r.items.length;
    r.items[r.next] = d;
    r.order[r.next] = arrivals++;
    r.next = (r.next + 1) % size;
    r.total++;
  }

  /** The k-th newest item of a ring (k from 1), or undefined past its content. */
  function newest(r: Ring, k: number): number {
    const size = r.items.length;
    return k > Math.min(r.total, size) ? -1 : (r.next - k + size) % size;
  }

  return {
    push(d: Decision) {
      put(d.verdict === 'allow' ? allowed : flagged, d);
    },
    /** Newest first, filtered. */
    list(filter: (d: Decision) => boolean, limit: number): Decision[] {
      const out: Decision[] = [];
      let i = 1;
      let j = 1;
      while (out.length < limit) {
        const a = newest(flagged, i);
        const b = newest(allowed, j);
        if (a < 0 && b < 0) break;
        let d: Decision;
        if (b < 0 || (a >= 0 && flagged.order[a] > allowed.order[b])) {
          d = flagged.items[a]!;
          i++;
        } else {
          d = allowed.items[b]!;
          j++;
        }
        if (filter(d)) out.push(d);
      }
      return out;
    },
  };
}
