/**
 * De-duplication of re-sent CDRs by (operator, record_id) for the ingest path. The seen set is
 * bounded: keys are kept per time bucket (e.g. per day of event time) and whole buckets older
 * than the retention are dropped, so memory follows the re-send horizon, not the CDR count.
 * A persistent store can replace it behind the same two methods.
 */
export class RecordDeduplicator {
  private readonly buckets = new Map<number, Set<string>>();
  private readonly bucketMs: number;
  private readonly retainBuckets: number;
  private newestBucket = Number.NEGATIVE_INFINITY;

  /**
   * @param bucketMs width of a bucket of event time (default one day)
   * @param retainBuckets buckets kept behind the newest one (default 7)
   */
  constructor(bucketMs = 86_400_000, retainBuckets = 7) {
    this.bucketMs = bucketMs;
    this.retainBuckets = retainBuckets;
  }

  /**
   * Records the key and says whether it is new. A record older than the retention is reported
   * new (it cannot be checked); the ingest path should keep the retention above its re-send window.
   */
  firstSeen(operator: string, recordId: string, eventTimeMs: number): boolean {
    const key = `${operator}\u0000${recordId}`;
    const bucket = Math.floor(eventTimeMs / this.bucketMs);
    for (const [b, keys] of this.buckets) {
      if (Math.abs(b - bucket) <= this.retainBuckets && keys.has(key)) return false;
    }
    let keys = this.buckets.get(bucket);
    if (!keys) {
      keys = new Set();
      this.buckets.set(bucket, keys);
      if (bucket > this.newestBucket) {
        this.newestBucket = bucket;
        for (const b of this.buckets.keys()) if (b < bucket - this.retainBuckets) this.buckets.delete(b);
      }
    }
    keys.add(key);
    return true;
  }

  /** Number of keys held. */
  get size(): number {
    let n = 0;
    for (const keys of this.buckets.values()) n += keys.size;
    return n;
  }
}
