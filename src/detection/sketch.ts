/**
 * Small fixed-size summaries used by the feature windows, so that an entity's memory does not
 * grow with its traffic: a HyperLogLog for distinct counts and a Space-Saving top-k for the
 * heaviest contacts / cells.
 *
 * Each summary keeps its numbers in a run of words of a Float64Array: an array of its own, or,
 * given `(words, at)`, a place in a larger block that holds many (a SIM's windows keep all their
 * summaries in one block, outside the garbage-collected heap: see features.ts). Its size in words
 * is fixed at construction (`wordsOf…`), so it never reallocates as it fills.
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
/** Words the registers take (a byte each). */
const HLL_WORDS = HLL_REGISTERS / 8;

/** Words a {@link DistinctCounter} of this exact limit takes: its count, then its values or registers. */
export function wordsOfDistinctCounter(exactLimit: number): number {
  return 1 + Math.max(exactLimit, HLL_WORDS);
}

/** Bytes over the same memory as `words`, from the same start (where a HyperLogLog's registers are read). */
export function bytesOf(words: Float64Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

// The summaries as functions of their words, for a fold that keeps many in one block and makes no
// object to update one (the classes below wrap the same functions). `at` is a summary's first word.

/** Whether one of the `words[at]` numbers after `at` is `value` (a distinct counter's exact values, a set, a recency list). */
export function numbersHave(words: Float64Array, at: number, value: number): boolean {
  const end = at + words[at];
  for (let i = at + 1; i <= end; i++) if (words[i] === value) return true;
  return false;
}

/**
 * Adds a value to the distinct counter at `at` (`bytes`: `bytesOf(words)`, or null to have it
 * made when the registers are read: a fold that keeps no bytes view of each summary's words).
 */
export function distinctAdd(
  words: Float64Array,
  bytes: Uint8Array | null,
  at: number,
  exactLimit: number,
  value: number,
): void {
  const n = words[at];
  if (n >= 0) {
    for (let i = at + 1; i <= at + n; i++) if (words[i] === value) return;
    if (n < exactLimit) {
      words[at + 1 + n] = value;
      words[at] = n + 1;
      return;
    }
    // Full: the exact values go into the registers, which take their place.
    const held = words.slice(at + 1, at + 1 + n);
    words.fill(0, at + 1, at + 1 + HLL_WORDS);
    words[at] = -1;
    bytes ??= bytesOf(words);
    for (let i = 0; i < n; i++) addToRegisters(bytes, at, held[i]);
  }
  addToRegisters(bytes ?? bytesOf(words), at, value);
}

function addToRegisters(bytes: Uint8Array, at: number, value: number): void {
  const h = hashNumber(value);
  const index = (at + 1) * 8 + (h >>> (32 - HLL_BITS));
  const rest = (h << HLL_BITS) | (1 << (HLL_BITS - 1));
  const rank = Math.clz32(rest) + 1;
  if (rank > bytes[index]) bytes[index] = rank;
}

/** The distinct count of the counter at `at`: exact, or the HyperLogLog's estimate (`bytes` as for `distinctAdd`). */
export function distinctCount(words: Float64Array, bytes: Uint8Array | null, at: number): number {
  const n = words[at];
  if (n >= 0) return n;
  bytes ??= bytesOf(words);
  const from = (at + 1) * 8;
  let sum = 0;
  let zeros = 0;
  for (let i = from; i < from + HLL_REGISTERS; i++) {
    sum += 2 ** -bytes[i];
    if (bytes[i] === 0) zeros++;
  }
  const estimate = (HLL_ALPHA * HLL_REGISTERS * HLL_REGISTERS) / sum;
  if (estimate <= 2.5 * HLL_REGISTERS && zeros > 0) return HLL_REGISTERS * Math.log(HLL_REGISTERS / zeros);
  return estimate;
}

/** Adds a number to the bounded set at `at` when it is not held and there is room. */
export function boundedAdd(words: Float64Array, at: number, capacity: number, value: number): void {
  const n = words[at];
  if (n < capacity && !numbersHave(words, at, value)) {
    words[at + 1 + n] = value;
    words[at] = n + 1;
  }
}

/** Moves a number to the recent end of the recency list at `at` (adding it, the oldest dropped when full). */
export function recentTouch(words: Float64Array, at: number, capacity: number, value: number): void {
  const first = at + 1;
  const n = words[at];
  const end = first + n;
  let i = first;
  while (i < end && words[i] !== value) i++;
  if (i === end && n < capacity) {
    words[end] = value;
    words[at] = n + 1;
    return;
  }
  // Seen again (from its place), or new while full (from the oldest's): the rest moves up one.
  if (i === end) i = first;
  words.copyWithin(i, i + 1, end);
  words[end - 1] = value;
}

/** Counts a key in the Space-Saving counter at `at`. */
export function topAdd(words: Float64Array, at: number, capacity: number, key: number): void {
  words[at]++;
  if (capacity === 0) return;
  const keys = at + 2;
  const values = keys + capacity;
  const n = words[at + 1];
  for (let i = 0; i < n; i++) {
    if (words[keys + i] === key) {
      words[values + i]++;
      return;
    }
  }
  if (n < capacity) {
    words[keys + n] = key;
    words[values + n] = 1;
    words[at + 1] = n + 1;
    return;
  }
  let smallest = 0;
  for (let i = 1; i < n; i++) if (words[values + i] < words[values + smallest]) smallest = i;
  const count = words[values + smallest];
  words.copyWithin(keys + smallest, keys + smallest + 1, keys + n);
  words.copyWithin(values + smallest, values + smallest + 1, values + n);
  words[keys + n - 1] = key;
  words[values + n - 1] = count + 1;
}

/** Whether the Space-Saving counter at `at` holds a key. */
export function topHas(words: Float64Array, at: number, key: number): boolean {
  const n = words[at + 1];
  for (let i = at + 2; i < at + 2 + n; i++) if (words[i] === key) return true;
  return false;
}

/**
 * Distinct counter: exact up to `exactLimit` values, then a 128-register HyperLogLog
 * (≈ 9 % standard error), 128 bytes whatever the number of values. The exact values sit in a
 * small run of doubles scanned linearly: for a few dozen numbers that beats a Set, which would
 * box every number above 2^31 on each call. Words: [count of exact values, or -1 once a
 * HyperLogLog][the values; then the registers, a byte each, in their place].
 */
export class DistinctCounter {
  private readonly words: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly at: number;
  private readonly exactLimit: number;

  /** Over words of its own, or at `at` of `words` (`bytes`: `bytesOf(words)`, when at hand). */
  constructor(exactLimit = 32, words?: Float64Array, at = 0, bytes?: Uint8Array) {
    this.exactLimit = exactLimit;
    this.words = words ?? new Float64Array(wordsOfDistinctCounter(exactLimit));
    this.bytes = bytes ?? bytesOf(this.words);
    this.at = at;
  }

  add(value: number): void {
    distinctAdd(this.words, this.bytes, this.at, this.exactLimit, value);
  }

  /** Whether a value is among the exact values (false once a HyperLogLog). */
  has(value: number): boolean {
    return numbersHave(this.words, this.at, value);
  }

  get count(): number {
    return distinctCount(this.words, this.bytes, this.at);
  }
}

/** Words a {@link BoundedSet} or a {@link RecentNumbers} of this capacity takes. */
export function wordsOfNumbers(capacity: number): number {
  return 1 + capacity;
}

/** Up to `capacity` numbers in a run of words: [size][the numbers]. */
class Numbers {
  protected readonly words: Float64Array;
  protected readonly at: number;
  protected readonly capacity: number;

  constructor(capacity: number, words?: Float64Array, at = 0) {
    this.capacity = capacity;
    this.words = words ?? new Float64Array(wordsOfNumbers(capacity));
    this.at = at;
  }

  get size(): number {
    return this.words[this.at];
  }

  has(value: number): boolean {
    return numbersHave(this.words, this.at, value);
  }

  /** The numbers held, in their order. */
  values(): number[] {
    return Array.from(this.words.subarray(this.at + 1, this.at + 1 + this.words[this.at]));
  }
}

/** Up to `capacity` distinct numbers, in the order added; more are not taken. */
export class BoundedSet extends Numbers {
  /** Adds a number not held yet while there is room. */
  add(value: number): void {
    boundedAdd(this.words, this.at, this.capacity, value);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.values()[Symbol.iterator]();
  }
}

/**
 * The last `capacity` distinct numbers seen, most recent last (its values oldest first): seeing a
 * number again moves it to the end, and the oldest drops out when full (the recency order of a
 * Map, without boxing).
 */
export class RecentNumbers extends Numbers {
  touch(value: number): void {
    recentTouch(this.words, this.at, this.capacity, value);
  }
}

/** Words a {@link TopCounter} of this capacity takes. */
export function wordsOfTopCounter(capacity: number): number {
  return 2 + 2 * capacity;
}

/**
 * Space-Saving heavy hitters (Metwally et al.): at most `capacity` counters; a new key takes the
 * smallest counter's place. Counts of true heavy hitters are exact or slightly over. Keys and
 * counts sit in runs of doubles in insertion order (a replaced key moves to the end), scanned
 * linearly: for a handful of keys that beats a Map, which boxes every large number it is given.
 * Words: [total][size][keys][counts].
 */
export class TopCounter {
  private readonly words: Float64Array;
  private readonly at: number;
  private readonly capacity: number;
  /** Where the keys and the counts start. */
  private readonly keys: number;
  private readonly counts0: number;

  constructor(capacity: number, words?: Float64Array, at = 0) {
    this.capacity = capacity;
    this.words = words ?? new Float64Array(wordsOfTopCounter(capacity));
    this.at = at;
    this.keys = at + 2;
    this.counts0 = at + 2 + capacity;
  }

  /** Additions so far. */
  get total(): number {
    return this.words[this.at];
  }

  get size(): number {
    return this.words[this.at + 1];
  }

  add(key: number): void {
    topAdd(this.words, this.at, this.capacity, key);
  }

  has(key: number): boolean {
    return topHas(this.words, this.at, key);
  }

  /** The count of a key, 0 when it is not held. */
  get(key: number): number {
    const words = this.words;
    const n = words[this.at + 1];
    for (let i = 0; i < n; i++) if (words[this.keys + i] === key) return words[this.counts0 + i];
    return 0;
  }

  /** The keys held, in insertion order. */
  keyList(): number[] {
    return Array.from(this.words.subarray(this.keys, this.keys + this.size));
  }

  /** Key → count, in insertion order. */
  get counts(): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < this.size; i++) out.set(this.keyAt(i), this.countAt(i));
    return out;
  }

  /** The i-th key held, in insertion order (i < size). */
  keyAt(i: number): number {
    return this.words[this.keys + i];
  }

  /** The i-th key's count, in insertion order (i < size). */
  countAt(i: number): number {
    return this.words[this.counts0 + i];
  }

  /**
   * Share of all additions that went to the `k` heaviest keys. The counts are whole numbers, so
   * their sum is exact in any order: the k largest are picked in place, without a sorted copy.
   */
  topShare(k: number): number {
    const total = this.total;
    if (total === 0) return 0;
    const words = this.words;
    const values = this.counts0;
    const n = this.size;
    let sum = 0;
    if (k >= n) for (let i = 0; i < n; i++) sum += words[values + i];
    else {
      // k rounds of "largest not taken yet" over at most a few dozen counts; taken ones are marked
      // in a bit set (capacities above 32 fall back to a sorted copy).
      if (n <= 32) {
        let taken = 0;
        for (let round = 0; round < k; round++) {
          let best = -1;
          for (let i = 0; i < n; i++)
            if ((taken & (1 << i)) === 0 && (best < 0 || words[values + i] > words[values + best])) best = i;
          taken |= 1 << best;
          sum += words[values + best];
        }
      } else {
        const sorted = words.slice(values, values + n).sort();
        for (let i = 0; i < k; i++) sum += sorted[n - 1 - i];
      }
    }
    return Math.min(1, sum / total);
  }

  /** The heaviest key (the first of equals), or -1 when empty. */
  top(): number {
    const words = this.words;
    let best = -1;
    let bestCount = -1;
    for (let i = 0; i < this.size; i++) {
      const count = words[this.counts0 + i];
      if (count > bestCount) {
        bestCount = count;
        best = words[this.keys + i];
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

  /**
   * Moves the slot at heap position i down to its place: the smaller child moves up into the hole
   * until none is smaller, and the slot is written once, at the end.
   */
  private siftDown(i: number): void {
    const { heap, place, values, takenIn } = this;
    const n = this.length;
    const slot = heap[i];
    const value = values[slot];
    const taken = takenIn[slot];
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      let childSlot = heap[left];
      let childValue = values[childSlot];
      const right = left + 1;
      if (right < n) {
        const rightSlot = heap[right];
        const rightValue = values[rightSlot];
        if (rightValue < childValue || (rightValue === childValue && takenIn[rightSlot] < takenIn[childSlot])) {
          child = right;
          childSlot = rightSlot;
          childValue = rightValue;
        }
      }
      if (!(childValue < value || (childValue === value && takenIn[childSlot] < taken))) break;
      heap[i] = childSlot;
      place[childSlot] = i;
      i = child;
    }
    heap[i] = slot;
    place[slot] = i;
  }
}
