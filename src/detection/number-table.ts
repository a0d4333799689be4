/**
 * A hash table from non-negative integers up to 2^53 (MSISDNs, IMEIs) to objects, with the keys
 * in a Float64Array. A JavaScript Map boxes every number above 2^31 into a heap object on each
 * lookup, which is most of the cost of folding a CDR; this table looks keys up without
 * allocating. Deletion is by rebuilding (the feature windows evict in bulk, rarely).
 */
const EMPTY = -1;

export class NumberTable<T> {
  private keys: Float64Array;
  private slots: Int32Array;
  private values: T[] = [];
  private mask: number;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  get size(): number {
    return this.values.length;
  }

  private static hash(key: number): number {
    let h = (key >>> 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  get(key: number): T | undefined {
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = NumberTable.hash(key) & mask;
    for (;;) {
      const slot = slots[i];
      if (slot === EMPTY) return undefined;
      if (keys[i] === key) return this.values[slot];
      i = (i + 1) & mask;
    }
  }

  /** Adds a key that is not in the table yet. */
  add(key: number, value: T): void {
    if ((this.values.length + 1) * 2 > this.keys.length) this.grow();
    this.place(key, this.values.length);
    this.values.push(value);
  }

  private place(key: number, slot: number): void {
    const mask = this.mask;
    let i = NumberTable.hash(key) & mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
    this.keys[i] = key;
    this.slots[i] = slot;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.slots = new Int32Array(oldKeys.length * 2).fill(EMPTY);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldSlots[i] !== EMPTY) this.place(oldKeys[i], oldSlots[i]);
  }

  /** Empties the table and fills it from `entries` (after a bulk eviction). */
  rebuild(entries: Iterable<[number, T]>): void {
    this.values = [];
    this.slots.fill(EMPTY);
    for (const [key, value] of entries) this.add(key, value);
  }
}
