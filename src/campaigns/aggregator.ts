import { DistinctCounter, HashedTopCounter } from '../detection/sketch.ts';
import { formatNumber } from '../numbering/numbers.ts';
import { decisionColumns, VERDICT_BLOCK } from '../screening/decision-columns.ts';
import { type Decision, type ReasonCode, reasonBit } from '../screening/types.ts';

/** The reasons that mark a call as spoofed: a domestic number arriving from abroad, or an origin its owner never started. */
export const spoofingReasons: readonly ReasonCode[] = ['SPOOFED_DOMESTIC_FROM_ABROAD', 'UNCONFIRMED_ORIGIN'];
const spoofingReasonBits = spoofingReasons.map(reasonBit);
const spoofingBits = spoofingReasonBits.reduce((bits, bit) => bits | bit, 0);

export const HOUR_MS = 3_600_000;
/** Carrier name for calls whose delivering carrier the terminating operator did not give. */
export const UNKNOWN_CARRIER = 'unknown';

interface CarrierTally {
  calls: number;
  numbers: DistinctCounter;
  /**
   * Distinct numbers of the hour as stored before a restart. The sketch itself cannot be rebuilt
   * from a count, so after a restart the hour reports the larger of this and the numbers seen
   * since: a lower bound (a number seen both before and after counts once, as it should, but new
   * numbers only raise the figure once they outnumber the stored ones).
   */
  distinctFloor: number;
  byReason: Map<ReasonCode, number>;
  victims: Map<string, number>;
}

interface HourBucket {
  hour: number;
  calls: number;
  shadow: number;
  byReason: Map<ReasonCode, number>;
  carriers: Map<string, CarrierTally>;
  numbers: HashedTopCounter;
  /** Top numbers loaded from the store at start (number → calls, in stored order), counted apart from those seen since. */
  restored: Map<number, number> | null;
  /** Changed since the last flush took the bucket. */
  changed: boolean;
}

/** One hour bucket as the records store keeps it: absolute figures, JSON as is. */
export interface CampaignHourState {
  calls: number;
  shadow: number;
  byReason: Record<string, number>;
  /** In the order the carriers first appeared in the hour (which orders ties in the report). */
  carriers: {
    carrier: string;
    calls: number;
    /** Rounded; a lower bound after a restart (see `restore`). */
    distinctNumbers: number;
    byReason: Record<string, number>;
    victims: Record<string, number>;
  }[];
  /** The hour's top numbers (at most `topNumbersPerHour`), in the order the bucket took them in. */
  topNumbers: { number: string; calls: number }[];
}

export interface CampaignHour {
  /** Start of the hour, ms since the epoch. */
  hour: number;
  state: CampaignHourState;
}

export interface CampaignReport {
  from: string;
  to: string;
  hours: number;
  /** Spoofed calls blocked (or that shadow mode would have blocked) in the window. */
  calls: number;
  /** Of which decided in shadow mode (counted, not enforced). */
  shadow: number;
  byReason: Record<string, number>;
  topCarriers: {
    carrier: string;
    calls: number;
    share: number;
    distinctNumbers: number;
    byReason: Record<string, number>;
    /** Terminating operators that received them. */
    victims: Record<string, number>;
  }[];
  topNumbers: { number: string; calls: number }[];
  perHour: { hour: string; calls: number }[];
}

/**
 * Spoofing campaigns from the decisions stream: blocked SPOOFED_DOMESTIC_FROM_ABROAD and
 * UNCONFIRMED_ORIGIN calls tallied per hour by the carrier that delivered them (`fromOperator`)
 * and by the spoofed number, over a sliding window of hourly buckets. Each bucket has a fixed size
 * (a top-k of numbers, a distinct counter per carrier), so memory does not grow with traffic.
 * The records store keeps the buckets across restarts (`store.ts`): `takeChanged` hands it the
 * hours changed since the last flush, `restore` loads them back at start. `add` itself does no I/O.
 */
export class SpoofingCampaigns {
  private readonly buckets = new Map<number, HourBucket>();
  private readonly keepHours: number;
  private readonly topNumbers: number;

  constructor(options: { keepHours?: number; topNumbersPerHour?: number } = {}) {
    this.keepHours = options.keepHours ?? 7 * 24;
    this.topNumbers = options.topNumbersPerHour ?? 1000;
  }

  /** Folds decisions in; those that are not blocked spoofing calls are ignored. */
  add(decisions: readonly Decision[]): void {
    const { size, verdict, shadowVerdict, sms, reasons, decidedAt, a, operator, fromOperator } =
      decisionColumns(decisions);
    for (let i = 0; i < size; i++) {
      const enforced = verdict[i] === VERDICT_BLOCK;
      if (!enforced && shadowVerdict[i] !== VERDICT_BLOCK) continue;
      // Campaigns count spoofed calls; screened messages (SMS) have their own figures in the stats.
      // Every decision of the platform passes here: the ones skipped are read from the columns alone.
      if (sms[i] === 1 || !(reasons[i] & spoofingBits) || Number.isNaN(decidedAt[i])) continue;
      const bucket = this.bucketOf(Math.floor(decidedAt[i] / HOUR_MS));
      bucket.changed = true;
      bucket.calls++;
      if (!enforced) bucket.shadow++;
      const carrier = fromOperator[i] || UNKNOWN_CARRIER;
      let tally = bucket.carriers.get(carrier);
      if (!tally) {
        tally = newTally();
        bucket.carriers.set(carrier, tally);
      }
      tally.calls++;
      tally.victims.set(operator[i], (tally.victims.get(operator[i]) ?? 0) + 1);
      for (let k = 0; k < spoofingReasons.length; k++) {
        if (!(reasons[i] & spoofingReasonBits[k])) continue;
        const r = spoofingReasons[k];
        bucket.byReason.set(r, (bucket.byReason.get(r) ?? 0) + 1);
        tally.byReason.set(r, (tally.byReason.get(r) ?? 0) + 1);
      }
      // A malformed caller ID is not a number to rank.
      const number = a[i];
      if (Number.isSafeInteger(number) && number > 0) {
        bucket.numbers.add(number);
        tally.numbers.add(number);
      }
    }
  }

  private bucketOf(hour: number): HourBucket {
    let bucket = this.buckets.get(hour);
    if (!bucket) {
      bucket = this.newBucket(hour);
      this.buckets.set(hour, bucket);
      for (const h of this.buckets.keys()) if (h <= hour - this.keepHours) this.buckets.delete(h);
    }
    return bucket;
  }

  private newBucket(hour: number): HourBucket {
    return {
      hour,
      calls: 0,
      shadow: 0,
      byReason: new Map(),
      carriers: new Map(),
      numbers: new HashedTopCounter(this.topNumbers),
      restored: null,
      changed: false,
    };
  }

  /** Start of the oldest hour of the window that ends at `now` (ms since the epoch). */
  windowStart(now: number): number {
    return (Math.floor(now / HOUR_MS) - this.keepHours + 1) * HOUR_MS;
  }

  /**
   * The hours changed since the last call, as absolute figures, oldest first; they count as
   * unchanged afterwards (a flush that fails hands them back to `markChanged`).
   */
  takeChanged(): CampaignHour[] {
    const changed: CampaignHour[] = [];
    for (const bucket of this.buckets.values()) {
      if (!bucket.changed) continue;
      bucket.changed = false;
      changed.push({ hour: bucket.hour * HOUR_MS, state: this.stateOf(bucket) });
    }
    return changed.sort((a, b) => a.hour - b.hour);
  }

  /** Marks hours (starts, in ms) changed again, so that the next `takeChanged` returns them. */
  markChanged(hours: readonly number[]): void {
    for (const hour of hours) {
      const bucket = this.buckets.get(Math.floor(hour / HOUR_MS));
      if (bucket) bucket.changed = true;
    }
  }

  /**
   * Adds stored hours to the figures (once, at start, before decisions arrive); hours outside the
   * window ending at `now` are left out. Counters and top numbers come back as they were; a
   * carrier's distinct-number sketch cannot, so its stored count becomes a floor (see
   * `CarrierTally.distinctFloor`).
   */
  restore(hours: readonly CampaignHour[], now: number): void {
    const oldest = Math.floor(this.windowStart(now) / HOUR_MS);
    for (const { hour: start, state } of hours) {
      const hour = Math.floor(start / HOUR_MS);
      if (!(hour >= oldest)) continue;
      let bucket = this.buckets.get(hour);
      if (!bucket) {
        bucket = this.newBucket(hour);
        this.buckets.set(hour, bucket);
      }
      bucket.calls += state.calls;
      bucket.shadow += state.shadow;
      addCounts(bucket.byReason as Map<string, number>, state.byReason);
      for (const stored of state.carriers) {
        let tally = bucket.carriers.get(stored.carrier);
        if (!tally) {
          tally = newTally();
          bucket.carriers.set(stored.carrier, tally);
        }
        tally.calls += stored.calls;
        tally.distinctFloor = Math.max(tally.distinctFloor, stored.distinctNumbers);
        addCounts(tally.byReason as Map<string, number>, stored.byReason);
        addCounts(tally.victims, stored.victims);
      }
      bucket.restored ??= new Map();
      const numbers = bucket.restored;
      for (const { number, calls } of state.topNumbers) {
        const e164 = Number(number);
        if (Number.isSafeInteger(e164) && e164 > 0) numbers.set(e164, (numbers.get(e164) ?? 0) + calls);
      }
    }
  }

  private stateOf(bucket: HourBucket): CampaignHourState {
    let numbers = [...numberCounts(bucket)];
    if (numbers.length > this.topNumbers) {
      // Restored and new numbers together may outgrow the top-k: keep the heaviest, in their order.
      const kept = new Set(
        numbers
          .map((entry, i) => [entry[1], i])
          .sort((a, b) => b[0] - a[0])
          .slice(0, this.topNumbers)
          .map(([, i]) => i),
      );
      numbers = numbers.filter((_, i) => kept.has(i));
    }
    return {
      calls: bucket.calls,
      shadow: bucket.shadow,
      byReason: Object.fromEntries(bucket.byReason),
      carriers: [...bucket.carriers].map(([carrier, tally]) => ({
        carrier,
        calls: tally.calls,
        distinctNumbers: Math.round(distinctOf(tally)),
        byReason: Object.fromEntries(tally.byReason),
        victims: Object.fromEntries(tally.victims),
      })),
      topNumbers: numbers.map(([number, calls]) => ({ number: formatNumber(number), calls })),
    };
  }

  /** The window of the last `hours` hours up to `now`, with the top `limit` carriers and numbers. */
  report(now: number, hours: number, limit = 20): CampaignReport {
    const last = Math.floor(now / HOUR_MS);
    const first = last - Math.min(hours, this.keepHours) + 1;
    let calls = 0;
    let shadow = 0;
    const byReason: Record<string, number> = {};
    const carriers = new Map<
      string,
      { calls: number; approxNumbers: number; byReason: Record<string, number>; victims: Record<string, number> }
    >();
    const numbers = new Map<number, number>();
    const perHour: { hour: string; calls: number }[] = [];
    for (let h = first; h <= last; h++) {
      const bucket = this.buckets.get(h);
      perHour.push({ hour: new Date(h * HOUR_MS).toISOString(), calls: bucket?.calls ?? 0 });
      if (!bucket) continue;
      calls += bucket.calls;
      shadow += bucket.shadow;
      for (const [r, n] of bucket.byReason) byReason[r] = (byReason[r] ?? 0) + n;
      for (const [number, n] of numberCounts(bucket)) numbers.set(number, (numbers.get(number) ?? 0) + n);
      for (const [name, tally] of bucket.carriers) {
        let c = carriers.get(name);
        if (!c) {
          c = { calls: 0, approxNumbers: 0, byReason: {}, victims: {} };
          carriers.set(name, c);
        }
        c.calls += tally.calls;
        // Distinct numbers over several hours: the largest hourly count is a lower bound.
        c.approxNumbers = Math.max(c.approxNumbers, distinctOf(tally));
        for (const [r, n] of tally.byReason) c.byReason[r] = (c.byReason[r] ?? 0) + n;
        for (const [v, n] of tally.victims) c.victims[v] = (c.victims[v] ?? 0) + n;
      }
    }
    const topCarriers = [...carriers]
      .sort((a, b) => b[1].calls - a[1].calls)
      .slice(0, limit)
      .map(([carrier, c]) => ({
        carrier,
        calls: c.calls,
        share: calls > 0 ? Math.round((c.calls / calls) * 1000) / 1000 : 0,
        distinctNumbers: Math.round(c.approxNumbers),
        byReason: c.byReason,
        victims: c.victims,
      }));
    const topNumbers = [...numbers]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([number, n]) => ({ number: formatNumber(number), calls: n }));
    return {
      from: new Date(first * HOUR_MS).toISOString(),
      to: new Date((last + 1) * HOUR_MS).toISOString(),
      hours: last - first + 1,
      calls,
      shadow,
      byReason,
      topCarriers,
      topNumbers,
      perHour,
    };
  }
}

function newTally(): CarrierTally {
  return { calls: 0, numbers: new DistinctCounter(64), distinctFloor: 0, byReason: new Map(), victims: new Map() };
}

/** Distinct numbers of a carrier in one hour: the sketch, or the stored count if larger. */
function distinctOf(tally: CarrierTally): number {
  return Math.max(tally.distinctFloor, tally.numbers.count);
}

function addCounts(into: Map<string, number>, counts: Record<string, number>): void {
  for (const [key, n] of Object.entries(counts)) into.set(key, (into.get(key) ?? 0) + n);
}

/** An hour's top numbers: those restored at start, then those seen since, summed. */
function numberCounts(bucket: HourBucket): Map<number, number> {
  if (!bucket.restored) return bucket.numbers.counts;
  const counts = new Map(bucket.restored);
  for (const [number, n] of bucket.numbers.counts) counts.set(number, (counts.get(number) ?? 0) + n);
  return counts;
}
