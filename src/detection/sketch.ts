/**
 * Small fixed-size summaries used by the feature windows, so that an entity's memory does not
 * grow with its traffic: a HyperLogLog for distinct counts and a Space-Saving top-k for the
 * heaviest contacts / cells.
 */

/** 32-bit mix of a non-negative integer up to 2^53 (phone numbers, IMEIs). */
export function hashNumber(value: number): number {
  let h = (value >>> 0) ^ Math.imul(Math.floor(value / 4294967296) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const HLL_BITS = 7;
const HLL_REGISTERS = 1 << HLL_BITS;
const HLL_ALPHA = 0.7213 / (1 + 1.079 / HLL_REGISTERS);

/**
 * Distinct counter: exact up to `exactLimit` values, then a 128-register HyperLogLog
 * (≈ 9 % standard error), 128 bytes whatever the number of values.
 */
export class DistinctCounter {
  private exact: Set<number> | null = new Set();
  private registers: Uint8Array | null = null;
  private readonly exactLimit: number;

  constructor(exactLimit = 32) {
    this.exactLimit = exactLimit;
  }

  add(value: number): void {
    if (this.exact !== null) {
      this.exact.add(value);
      if (this.exact.size <= this.exactLimit) return;
      this.registers = new Uint8Array(HLL_REGISTERS);
      for (const v of this.exact) this.addToRegisters(v);
      this.exact = null;
      return;
    }
    this.addToRegisters(value);
  }

  private addToRegisters(value: number): void {
    const h = hashNumber(value);
    const index = h >>> (32 - HLL_BITS);
    const rest = (h << HLL_BITS) | (1 << (HLL_BITS - 1));
    const rank = Math.clz32(rest) + 1;
    const registers = this.registers!;
    if (rank > registers[index]) registers[index] = rank;
  }

  has(value: number): boolean {
    return this.exact?.has(value) ?? false;
  }

  get count(): number {
    if (this.exact !== null) return this.exact.size;
    const registers = this.registers!;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      sum += 2 ** -registers[i];
      if (registers[i] === 0) zeros++;
    }
    const estimate = (HLL_ALPHA * HLL_REGISTERS * HLL_REGISTERS) / sum;
    if (estimate <= 2.5 * HLL_REGISTERS && zeros > 0) return HLL_REGISTERS * Math.log(HLL_REGISTERS / zeros);
    return estimate;
  }
}

/**
 * Space-Saving heavy hitters (Metwally et al.): at most `capacity` counters; a new key takes the
 * smallest counter's place. Counts of true heavy hitters are exact or slightly over.
 */
export class TopCounter {
  readonly counts = new Map<number, number>();
  total = 0;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(key: number): void {
    this.total++;
    const current = this.counts.get(key);
    if (current !== undefined) {
      this.counts.set(key, current + 1);
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, 1);
      return;
    }
    let minKey = 0;
    let minCount = Number.POSITIVE_INFINITY;
    for (const [k, c] of this.counts) {
      if (c < minCount) {
        minCount = c;
        minKey = k;
      }
    }
    this.counts.delete(minKey);
    this.counts.set(key, minCount + 1);
  }

  /** Share of all additions that went to the `k` heaviest keys. */
  topShare(k: number): number {
    if (this.total === 0) return 0;
    const values = [...this.counts.values()].sort((a, b) => b - a);
    let sum = 0;
    for (let i = 0; i < k && i < values.length; i++) sum += values[i];
    return Math.min(1, sum / this.total);
  }

  /** The heaviest key, or -1 when empty. */
  top(): number {
    let best = -1;
    let bestCount = -1;
    for (const [k, c] of this.counts) {
      if (c > bestCount) {
        bestCount = c;
        best = k;
      }
    }
    return best;
  }
}
