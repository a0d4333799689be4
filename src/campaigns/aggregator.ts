import { DistinctCounter, TopCounter } from '../detection/sketch.ts';
import { formatNumber } from '../numbering/numbers.ts';
import { type ParsedTime, parseOffsetTime } from '../platform/iso-time.ts';
import type { Decision, ReasonCode } from '../screening/types.ts';

/** The reasons that mark a call as spoofed: a domestic number arriving from abroad, or an origin its owner never started. */
export const spoofingReasons: readonly ReasonCode[] = ['SPOOFED_DOMESTIC_FROM_ABROAD', 'UNCONFIRMED_ORIGIN'];
const isSpoofingReason = (r: ReasonCode) => spoofingReasons.includes(r);

const HOUR_MS = 3_600_000;
/** Carrier name for calls whose delivering carrier the terminating operator did not give. */
export const UNKNOWN_CARRIER = 'unknown';

interface CarrierTally {
  calls: number;
  numbers: DistinctCounter;
  byReason: Map<ReasonCode, number>;
  victims: Map<string, number>;
}

interface HourBucket {
  hour: number;
  calls: number;
  shadow: number;
  byReason: Map<ReasonCode, number>;
  carriers: Map<string, CarrierTally>;
  numbers: TopCounter;
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
 */
export class SpoofingCampaigns {
  private readonly buckets = new Map<number, HourBucket>();
  private readonly keepHours: number;
  private readonly topNumbers: number;
  private readonly decidedAt: ParsedTime = { timeMs: 0, localHour: 0 };

  constructor(options: { keepHours?: number; topNumbersPerHour?: number } = {}) {
    this.keepHours = options.keepHours ?? 7 * 24;
    this.topNumbers = options.topNumbersPerHour ?? 1000;
  }

  /** Folds decisions in; those that are not blocked spoofing calls are ignored. */
  add(decisions: readonly Decision[]): void {
    for (const d of decisions) {
      const enforced = d.verdict === 'block';
      if (!enforced && d.shadowVerdict !== 'block') continue;
      // Every decision of the platform passes here: no allocation for the ones that are skipped.
      if (!d.reasons.some(isSpoofingReason)) continue;
      if (!parseOffsetTime(d.decidedAt, 0, d.decidedAt.length, this.decidedAt)) continue;
      const bucket = this.bucketOf(Math.floor(this.decidedAt.timeMs / HOUR_MS));
      bucket.calls++;
      if (!enforced) bucket.shadow++;
      const carrier = d.fromOperator || UNKNOWN_CARRIER;
      let tally = bucket.carriers.get(carrier);
      if (!tally) {
        tally = { calls: 0, numbers: new DistinctCounter(64), byReason: new Map(), victims: new Map() };
        bucket.carriers.set(carrier, tally);
      }
      tally.calls++;
      tally.victims.set(d.operator, (tally.victims.get(d.operator) ?? 0) + 1);
      for (const r of d.reasons) {
        if (!isSpoofingReason(r)) continue;
        bucket.byReason.set(r, (bucket.byReason.get(r) ?? 0) + 1);
        tally.byReason.set(r, (tally.byReason.get(r) ?? 0) + 1);
      }
      // "+E.164" as screening writes it; a malformed caller ID is not a number to rank.
      const number = d.a.charCodeAt(0) === 43 ? Number(d.a) : Number.NaN;
      if (Number.isSafeInteger(number) && number > 0) {
        bucket.numbers.add(number);
        tally.numbers.add(number);
      }
    }
  }

  private bucketOf(hour: number): HourBucket {
    let bucket = this.buckets.get(hour);
    if (!bucket) {
      bucket = {
        hour,
        calls: 0,
        shadow: 0,
        byReason: new Map(),
        carriers: new Map(),
        numbers: new TopCounter(this.topNumbers),
      };
      this.buckets.set(hour, bucket);
      for (const h of this.buckets.keys()) if (h <= hour - this.keepHours) this.buckets.delete(h);
    }
    return bucket;
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
      for (const [number, n] of bucket.numbers.counts) numbers.set(number, (numbers.get(number) ?? 0) + n);
      for (const [name, tally] of bucket.carriers) {
        let c = carriers.get(name);
        if (!c) {
          c = { calls: 0, approxNumbers: 0, byReason: {}, victims: {} };
          carriers.set(name, c);
        }
        c.calls += tally.calls;
        // Distinct numbers over several hours: the largest hourly count is a lower bound.
        c.approxNumbers = Math.max(c.approxNumbers, tally.numbers.count);
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
