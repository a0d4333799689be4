/**
 * Screening coverage, folded incrementally: for each operator, how many of its incoming
 * inter-operator and international voice CDRs match a verify that operator made for the same a, b
 * and time (±120 s). Neither side is rescanned: verifies wait in a compact per-operator index of
 * (a, b) hashes by minute, CDRs that arrive before their verify wait in a second one, and each
 * match is made once (a verify screens one call, a call is screened once).
 *
 * Memory: a key costs one slot of a per-minute open-addressing table (4-byte hash, 8-byte time,
 * 4-byte day/route tag: 16 bytes), the tables kept a quarter to a half full: 32–64 bytes a key
 * (`npm run bench -- compliance` prints it). Keys live `retentionMs` (default 48 h: CDRs come
 * minutes to hours after the call, and a day's files may be late by a day), and never more than
 * `maxKeys` in all (default 10 M, at most about 640 MB); past that the oldest minutes go first.
 */
import { DAY_MS } from './calendar.ts';

export const MATCH_WINDOW_MS = 120_000;
const MINUTE_MS = 60_000;
const EMPTY = 0;
const TAKEN = 1;
/**
 * At most this many slots of one (a, b) key in one minute: a redial or two is real traffic, a
 * thousand verifies of one pair in a minute are retries or a hostile client, and would otherwise
 * make one long probe run that every later key of that minute walks.
 */
export const MAX_EQUAL_KEYS_PER_MINUTE = 8;

export const ROUTE_INTERNATIONAL = 0;
export const ROUTE_DOMESTIC = 1;
export const coverageRoutes = ['international', 'domestic'] as const;
export type CoverageRoute = (typeof coverageRoutes)[number];

/** A 32-bit hash of a caller and callee (E.164 digits as integers), never 0 or 1. */
export function pairHash(a: number, b: number): number {
  let h = Math.imul((a % 0x100000000) ^ 0x9e3779b9, 0x85ebca6b);
  h ^= Math.floor(a / 0x100000000);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= b % 0x100000000;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= Math.floor(b / 0x100000000);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f);
  h = (h ^ (h >>> 16)) >>> 0;
  return h < 2 ? h + 2 : h;
}

/** Keys of one minute: an open-addressing table (linear probing; equal keys take several slots). */
class MinuteTable {
  keys: Uint32Array;
  times: Float64Array;
  tags: Int32Array;
  size = 0;
  /** Slots once used (taken ones stay as tombstones until the table grows). */
  used = 0;

  constructor(capacity = 16) {
    this.keys = new Uint32Array(capacity);
    this.times = new Float64Array(capacity);
    this.tags = new Int32Array(capacity);
  }

  /** Adds a key; false (and nothing stored) when the minute already holds the most of it. */
  insert(key: number, time: number, tag: number): boolean {
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let i = key & mask;
    let equal = 0;
    for (; this.keys[i] !== EMPTY; i = (i + 1) & mask) {
      if (this.keys[i] === key && ++equal >= MAX_EQUAL_KEYS_PER_MINUTE) return false;
    }
    this.keys[i] = key;
    this.times[i] = time;
    this.tags[i] = tag;
    this.size++;
    this.used++;
    return true;
  }

  /** Takes the key nearest `time` within the window; returns its tag, or -1 when none. */
  take(key: number, time: number): number {
    const mask = this.keys.length - 1;
    let best = -1;
    let bestGap = MATCH_WINDOW_MS + 1;
    for (let i = key & mask; this.keys[i] !== EMPTY; i = (i + 1) & mask) {
      if (this.keys[i] !== key) continue;
      const gap = Math.abs(this.times[i] - time);
      if (gap < bestGap) {
        best = i;
        bestGap = gap;
      }
    }
    if (best < 0) return -1;
    this.keys[best] = TAKEN;
    this.size--;
    return this.tags[best];
  }

  private grow(): void {
    // Taken slots are dropped on the way: the table is rebuilt a quarter to a half full.
    let capacity = 16;
    while (capacity < (this.size + 1) * 3) capacity *= 2;
    const { keys, times, tags } = this;
    this.keys = new Uint32Array(capacity);
    this.times = new Float64Array(capacity);
    this.tags = new Int32Array(capacity);
    this.size = 0;
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] > TAKEN) this.insert(keys[i], times[i], tags[i]);
  }

  get bytes(): number {
    return this.keys.length * 16;
  }
}

/** Keys of one operator by minute. */
class KeyIndex {
  readonly minutes = new Map<number, MinuteTable>();

  /** Adds a key; false when its minute already holds the most of it (see MAX_EQUAL_KEYS_PER_MINUTE). */
  add(key: number, time: number, tag: number): boolean {
    const minute = Math.floor(time / MINUTE_MS);
    let table = this.minutes.get(minute);
    if (!table) {
      table = new MinuteTable();
      this.minutes.set(minute, table);
    }
    return table.insert(key, time, tag);
  }

  /** Takes a key within ±120 s of `time`; its tag, or -1. */
  take(key: number, time: number): number {
    const first = Math.floor((time - MATCH_WINDOW_MS) / MINUTE_MS);
    const last = Math.floor((time + MATCH_WINDOW_MS) / MINUTE_MS);
    for (let m = first; m <= last; m++) {
      const table = this.minutes.get(m);
      if (table && table.size > 0) {
        const tag = table.take(key, time);
        if (tag >= 0) return tag;
      }
    }
    return -1;
  }
}

/** Calls and screened calls per (local day, operator, route), the unit the store keeps. */
export interface CoverageDelta {
  day: number;
  operator: string;
  route: CoverageRoute;
  calls: number;
  screened: number;
}

export interface CoverageOptions {
  /** Local day number of an instant (the calendar's `dayOf`). */
  dayOf: (ms: number) => number;
  retentionMs?: number;
  maxKeys?: number;
}

/**
 * The incremental join of verifies and CDRs. `verify` and `cdr` are the two inputs (in any order);
 * `takeDeltas` hands over the counts changed since the last call, for the store.
 */
export class CoverageJoin {
  private readonly verifies = new Map<string, KeyIndex>();
  private readonly waitingCdrs = new Map<string, KeyIndex>();
  private readonly deltas = new Map<string, CoverageDelta>();
  private readonly dayOf: (ms: number) => number;
  readonly retentionMs: number;
  readonly maxKeys: number;
  private keys = 0;

  constructor(options: CoverageOptions) {
    this.dayOf = options.dayOf;
    this.retentionMs = options.retentionMs ?? 2 * DAY_MS;
    this.maxKeys = options.maxKeys ?? 10_000_000;
  }

  private delta(day: number, operator: string, route: number): CoverageDelta {
    const key = `${day}|${operator}|${route}`;
    let d = this.deltas.get(key);
    if (!d) {
      d = { day, operator, route: coverageRoutes[route], calls: 0, screened: 0 };
      this.deltas.set(key, d);
    }
    return d;
  }

  private index(of: Map<string, KeyIndex>, operator: string): KeyIndex {
    let index = of.get(operator);
    if (!index) {
      index = new KeyIndex();
      of.set(operator, index);
    }
    return index;
  }

  /** A verify the operator made for a call from `a` to `b` at `time` (ms). */
  verify(operator: string, a: number, b: number, time: number): void {
    const key = pairHash(a, b);
    const waiting = this.waitingCdrs.get(operator);
    if (waiting) {
      const tag = waiting.take(key, time);
      if (tag >= 0) {
        this.keys--;
        this.delta(tag >> 1, operator, tag & 1).screened++;
        return;
      }
    }
    if (this.index(this.verifies, operator).add(key, time, 0)) this.keys++;
  }

  /** An incoming voice CDR of the operator: `a` called its subscriber `b` at `time`, entering by `route`. */
  cdr(operator: string, a: number, b: number, time: number, route: number): void {
    const day = this.dayOf(time);
    const d = this.delta(day, operator, route);
    d.calls++;
    const key = pairHash(a, b);
    const verifies = this.verifies.get(operator);
    if (verifies && verifies.take(key, time) >= 0) {
      this.keys--;
      d.screened++;
      return;
    }
    // The verify may still be on its way (a decision stream behind the CDR upload).
    if (this.index(this.waitingCdrs, operator).add(key, time, day * 2 + route)) this.keys++;
  }

  /** Forgets minutes older than the retention before `now`, then the oldest until under the cap. */
  expire(now: number): void {
    const oldest = Math.floor((now - this.retentionMs) / MINUTE_MS);
    for (const side of [this.verifies, this.waitingCdrs])
      for (const index of side.values())
        for (const [minute, table] of index.minutes)
          if (minute < oldest) {
            this.keys -= table.size;
            index.minutes.delete(minute);
          }
    while (this.keys > this.maxKeys) {
      let min = Number.POSITIVE_INFINITY;
      for (const side of [this.verifies, this.waitingCdrs])
        for (const index of side.values()) for (const minute of index.minutes.keys()) if (minute < min) min = minute;
      if (min === Number.POSITIVE_INFINITY) break;
      for (const side of [this.verifies, this.waitingCdrs])
        for (const index of side.values()) {
          const table = index.minutes.get(min);
          if (table) {
            this.keys -= table.size;
            index.minutes.delete(min);
          }
        }
    }
  }

  /** Counts changed since the last call (then forgotten here). */
  takeDeltas(): CoverageDelta[] {
    const out = [...this.deltas.values()];
    this.deltas.clear();
    return out;
  }

  /** Puts counts back (a store write failed): they go with the next flush. */
  restoreDeltas(deltas: CoverageDelta[]): void {
    for (const d of deltas) {
      const own = this.delta(d.day, d.operator, coverageRoutes.indexOf(d.route));
      own.calls += d.calls;
      own.screened += d.screened;
    }
  }

  /**
   * The live keys of both indexes, to carry them over a restart: a JSON header (operator and side
   * of each run of keys) and the keys, times and tags as typed arrays.
   */
  snapshot(): Uint8Array {
    const runs: { side: number; operator: string; count: number }[] = [];
    const keys: number[] = [];
    const times: number[] = [];
    const tags: number[] = [];
    [this.verifies, this.waitingCdrs].forEach((side, sideIndex) => {
      for (const [operator, index] of side) {
        let count = 0;
        for (const table of index.minutes.values())
          for (let i = 0; i < table.keys.length; i++)
            if (table.keys[i] > TAKEN) {
              keys.push(table.keys[i]);
              times.push(table.times[i]);
              tags.push(table.tags[i]);
              count++;
            }
        if (count > 0) runs.push({ side: sideIndex, operator, count });
      }
    });
    const header = Buffer.from(JSON.stringify(runs), 'utf8');
    const headerEnd = Math.ceil((4 + header.length) / 8) * 8;
    const n = keys.length;
    const out = new Uint8Array(headerEnd + n * 16);
    new DataView(out.buffer).setUint32(0, header.length, true);
    out.set(header, 4);
    new Float64Array(out.buffer, headerEnd, n).set(times);
    new Uint32Array(out.buffer, headerEnd + n * 8, n).set(keys);
    new Int32Array(out.buffer, headerEnd + n * 12, n).set(tags);
    return out;
  }

  /** Puts back the keys of a snapshot (those still within the retention at `now`). */
  restore(bytes: Uint8Array, now: number): number {
    const copy = new Uint8Array(bytes);
    const headerLength = new DataView(copy.buffer).getUint32(0, true);
    const runs = JSON.parse(Buffer.from(copy.buffer, 4, headerLength).toString('utf8')) as {
      side: number;
      operator: string;
      count: number;
    }[];
    const headerEnd = Math.ceil((4 + headerLength) / 8) * 8;
    const n = runs.reduce((sum, r) => sum + r.count, 0);
    const times = new Float64Array(copy.buffer, headerEnd, n);
    const keys = new Uint32Array(copy.buffer, headerEnd + n * 8, n);
    const tags = new Int32Array(copy.buffer, headerEnd + n * 12, n);
    const oldest = now - this.retentionMs;
    let k = 0;
    let restored = 0;
    for (const run of runs) {
      const index = this.index(run.side === 0 ? this.verifies : this.waitingCdrs, run.operator);
      for (let end = k + run.count; k < end; k++) {
        if (times[k] < oldest) continue;
        if (index.add(keys[k], times[k], tags[k])) restored++;
      }
    }
    this.keys += restored;
    this.expire(now);
    return restored;
  }

  stats(): { keys: number; bytes: number } {
    let bytes = 0;
    for (const side of [this.verifies, this.waitingCdrs])
      for (const index of side.values()) for (const table of index.minutes.values()) bytes += table.bytes;
    return { keys: this.keys, bytes };
  }
}
