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
 * (≈ 9 % standard error), 128 bytes whatever the number of values. The exact values sit in a
 * small array of doubles scanned linearly: for a few dozen numbers that beats a Set, which would
 * box every number above 2^31 on each call.
 */
export class DistinctCounter {
  private exact: number[] | null = [];
  private exactCount = 0;
  private registers: Uint8Array | null = null;
  private readonly exactLimit: number;

  constructor(exactLimit = 32) {
    this.exactLimit = exactLimit;
  }

  add(value: number): void {
    const exact = this.exact;
    if (exact !== null) {
      const n = this.exactCount;
      for (let i = 0; i < n; i++) if (exact[i] === value) return;
      if (n < this.exactLimit) {
        exact.push(value);
        this.exactCount = n + 1;
        return;
      }
      this.registers = new Uint8Array(HLL_REGISTERS);
      for (let i = 0; i < n; i++) this.addToRegisters(exact[i]);
      this.addToRegisters(value);
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
    const exact = this.exact;
    if (exact === null) return false;
    for (let i = 0; i < this.exactCount; i++) if (exact[i] === value) return true;
    return false;
  }

  get count(): number {
    if (this.exact !== null) return this.exactCount;
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
 * The last `capacity` distinct numbers seen, most recent last: seeing a number again moves it to
 * the end, and the oldest drops out when full (the recency order of a Map, without boxing).
 */
export class RecentNumbers {
  private readonly items: number[] = [];
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length;
  }

  has(value: number): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (items[i] === value) return true;
    return false;
  }

  /** The numbers held, oldest first. */
  values(): readonly number[] {
    return this.items;
  }

  touch(value: number): void {
    const items = this.items;
    const n = items.length;
    let at = -1;
    for (let i = 0; i < n; i++) {
      if (items[i] === value) {
        at = i;
        break;
      }
    }
    if (at >= 0) {
      for (let i = at; i < n - 1; i++) items[i] = items[i + 1];
      items[n - 1] = value;
      return;
    }
    if (n < this.capacity) {
      items.push(value);
      return;
    }
    for (let i = 0; i < n - 1; i++) items[i] = items[i + 1];
    items[n - 1] = value;
  }
}

/**
 * Space-Saving heavy hitters (Metwally et al.): at most `capacity` counters; a new key takes the
 * smallest counter's place. Counts of true heavy hitters are exact or slightly over. Keys and
 * counts sit in small arrays of doubles in insertion order (a replaced key moves to the end), scanned
 * linearly: for a handful of keys that beats a Map, which boxes every large number it is given.
 */
export class TopCounter {
  total = 0;
  private readonly keys: number[] = [];
  private readonly values: number[] = [];
  private length = 0;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.length;
  }

  add(key: number): void {
    this.total++;
    const keys = this.keys;
    const values = this.values;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      if (keys[i] === key) {
        values[i]++;
        return;
      }
    }
    if (n < this.capacity) {
      keys.push(key);
      values.push(1);
      this.length = n + 1;
      return;
    }
    let smallest = 0;
    for (let i = 1; i < n; i++) if (values[i] < values[smallest]) smallest = i;
    const count = values[smallest];
    for (let i = smallest; i < n - 1; i++) {
      keys[i] = keys[i + 1];
      values[i] = values[i + 1];
    }
    keys[n - 1] = key;
    values[n - 1] = count + 1;
  }

  has(key: number): boolean {
    for (let i = 0; i < this.length; i++) if (this.keys[i] === key) return true;
    return false;
  }

  /** The count of a key, 0 when it is not held. */
  get(key: number): number {
    for (let i = 0; i < this.length; i++) if (this.keys[i] === key) return this.values[i];
    return 0;
  }

  /** The keys held, in insertion order. */
  keyList(): number[] {
    return this.keys.slice(0, this.length);
  }

  /** Key → count, in insertion order. */
  get counts(): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < this.length; i++) out.set(this.keys[i], this.values[i]);
    return out;
  }

  /** The i-th key held, in insertion order (i < size). */
  keyAt(i: number): number {
    return this.keys[i];
  }

  /** The i-th key's count, in insertion order (i < size). */
  countAt(i: number): number {
    return this.values[i];
  }

  /**
   * Share of all additions that went to the `k` heaviest keys. The counts are whole numbers, so
   * their sum is exact in any order: the k largest are picked in place, without a sorted copy.
   */
  topShare(k: number): number {
    if (this.total === 0) return 0;
    const values = this.values;
    const n = this.length;
    let sum = 0;
    if (k >= n) for (let i = 0; i < n; i++) sum += values[i];
    else {
      // k rounds of "largest not taken yet" over at most a few dozen counts; taken ones are marked
      // in a bit set (capacities above 32 fall back to a scratch copy).
      if (n <= 32) {
        let taken = 0;
        for (let round = 0; round < k; round++) {
          let best = -1;
          for (let i = 0; i < n; i++) if ((taken & (1 << i)) === 0 && (best < 0 || values[i] > values[best])) best = i;
          taken |= 1 << best;
          sum += values[best];
        }
      } else {
        const sorted = values.slice(0, n).sort((a, b) => b - a);
        for (let i = 0; i < k; i++) sum += sorted[i];
      }
    }
    return Math.min(1, sum / this.total);
  }

  /** The heaviest key (the first of equals), or -1 when empty. */
  top(): number {
    let best = -1;
    let bestCount = -1;
    for (let i = 0; i < this.length; i++) {
      if (this.values[i] > bestCount) {
        bestCount = this.values[i];
        best = this.keys[i];
      }
    }
    return best;
  }
}

/**
 * The same Space-Saving counter as {@link TopCounter}, for capacities in the hundreds or more
 * (the campaigns' top numbers per hour): a Map finds a key and a binary min-heap on
 * (count, order taken in) finds the smallest counter, so an addition costs O(log capacity) instead
 * of a scan. Replacement, insertion order and ties are exactly those of `TopCounter`: the victim
 * is the smallest counter taken in first, and the key that replaces it moves to the end.
 */
export class HashedTopCounter {
  total = 0;
  private readonly slotOf = new Map<number, number>();
  private readonly keys: Float64Array;
  private readonly values: Float64Array;
  /** When each slot took its key in (a running number): the insertion order. */
  private readonly takenIn: Float64Array;
  /** Heap of slots, smallest (value, takenIn) first, and each slot's place in it. */
  private readonly heap: Int32Array;
  private readonly place: Int32Array;
  private length = 0;
  private nextTakenIn = 0;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.takenIn = new Float64Array(capacity);
    this.heap = new Int32Array(capacity);
    this.place = new Int32Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  add(key: number): void {
    this.total++;
    const slot = this.slotOf.get(key);
    if (slot !== undefined) {
      this.values[slot]++;
      this.siftDown(this.place[slot]);
      return;
    }
    if (this.capacity === 0) return;
    const n = this.length;
    if (n < this.capacity) {
      this.keys[n] = key;
      this.values[n] = 1;
      this.takenIn[n] = this.nextTakenIn++;
      this.heap[n] = n;
      this.place[n] = n;
      this.length = n + 1;
      this.slotOf.set(key, n);
      // A new counter of 1 taken in last sorts after every other counter of 1: sift it up.
      this.siftUp(n);
      return;
    }
    const victim = this.heap[0];
    this.slotOf.delete(this.keys[victim]);
    this.slotOf.set(key, victim);
    this.keys[victim] = key;
    this.values[victim]++;
    this.takenIn[victim] = this.nextTakenIn++;
    this.siftDown(0);
  }

  has(key: number): boolean {
    return this.slotOf.has(key);
  }

  /** The count of a key, 0 when it is not held. */
  get(key: number): number {
    const slot = this.slotOf.get(key);
    return slot === undefined ? 0 : this.values[slot];
  }

  /** Slots in insertion order. */
  private ordered(): number[] {
    const slots = Array.from({ length: this.length }, (_, i) => i);
    return slots.sort((a, b) => this.takenIn[a] - this.takenIn[b]);
  }

  /** The keys held, in insertion order. */
  keyList(): number[] {
    return this.ordered().map((slot) => this.keys[slot]);
  }

  /** Key → count, in insertion order. */
  get counts(): Map<number, number> {
    const out = new Map<number, number>();
    for (const slot of this.ordered()) out.set(this.keys[slot], this.values[slot]);
    return out;
  }

  /** Share of all additions that went to the `k` heaviest keys. */
  topShare(k: number): number {
    if (this.total === 0) return 0;
    const values = Array.from(this.values.subarray(0, this.length)).sort((a, b) => b - a);
    let sum = 0;
    for (let i = 0; i < k && i < values.length; i++) sum += values[i];
    return Math.min(1, sum / this.total);
  }

  /** The heaviest key (the first of equals in insertion order), or -1 when empty. */
  top(): number {
    let best = -1;
    for (let slot = 0; slot < this.length; slot++) {
      if (
        best < 0 ||
        this.values[slot] > this.values[best] ||
        (this.values[slot] === this.values[best] && this.takenIn[slot] < this.takenIn[best])
      ) {
        best = slot;
      }
    }
    return best < 0 ? -1 : this.keys[best];
  }

  private less(a: number, b: number): boolean {
    const va = this.values[a];
    const vb = this.values[b];
    return va < vb || (va === vb && this.takenIn[a] < this.takenIn[b]);
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const a = heap[i];
    const b = heap[j];
    heap[i] = b;
    heap[j] = a;
    this.place[b] = i;
    this.place[a] = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i], this.heap[parent])) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      let child = left;
      if (right < n && this.less(this.heap[right], this.heap[left])) child = right;
      if (!this.less(this.heap[child], this.heap[i])) return;
      this.swap(i, child);
      i = child;
    }
  }
}
