/**
 * Calls presented with one CLI across the platform in a sliding window, for CALL_BURST.
 * The window is approximated by two fixed windows, the previous one weighted by how much of it
 * still overlaps: one slot per active number, no per-call allocation.
 */
export interface BurstCounter {
  /** Counts one call from `e164` at `now` and returns the calls in the window, this one included. */
  hit(e164: number, now: number): number | Promise<number>;
  close(): void;
}

/**
 * The counts by number in an open-addressing table over typed arrays (linear probing): a lookup
 * touches one or two cache lines, where a Map of records costs a miss for its bucket, the key's
 * boxed number and the record — and each call's lookup comes after work that evicted them.
 * Keys are never 0: numbers are positive, SMS sender-ID keys negative.
 */
class Slots {
  keys = new Float64Array(1024);
  windows = new Float64Array(1024);
  current = new Uint32Array(1024);
  previous = new Uint32Array(1024);
  size = 0;

  /** The slot of `key`, added (with zero counts in `window`) when absent. */
  slot(key: number, window: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.rebuild(this.keys.length * 2, Number.NEGATIVE_INFINITY);
    const mask = this.keys.length - 1;
    let i = hashOf(key) & mask;
    for (let k = this.keys[i]; k !== 0; k = this.keys[i]) {
      if (k === key) return i;
      i = (i + 1) & mask;
    }
    this.keys[i] = key;
    this.windows[i] = window;
    this.current[i] = 0;
    this.previous[i] = 0;
    this.size++;
    return i;
  }

  /** Keeps the slots of windows from `oldest` on, in a table of `capacity` slots (a power of 2). */
  rebuild(capacity: number, oldest: number): void {
    const { keys, windows, current, previous } = this;
    let live = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0 && windows[i] >= oldest) live++;
    while (capacity > 1024 && live * 4 < capacity) capacity >>= 1;
    while ((live + 1) * 2 > capacity) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.windows = new Float64Array(capacity);
    this.current = new Uint32Array(capacity);
    this.previous = new Uint32Array(capacity);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0 || windows[i] < oldest) continue;
      const j = this.slot(keys[i], windows[i]);
      this.current[j] = current[i];
      this.previous[j] = previous[i];
    }
  }
}

/** The key of the number 0 (keys are whole numbers; 0 marks an empty slot). */
const ZERO = 0.5;

/** A 32-bit mix of a number's integer value (E.164 numbers exceed 32 bits). */
function hashOf(key: number): number {
  let h = Math.imul((key % 0x100000000) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ Math.floor(key / 0x100000000) ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function createMemoryBurstCounter(windowMs: number): BurstCounter {
  const slots = new Slots();
  const sweeper = setInterval(() => {
    slots.rebuild(slots.keys.length, Math.floor(Date.now() / windowMs) - 1);
  }, windowMs);
  sweeper.unref();
  return {
    hit(e164, now) {
      const window = Math.floor(now / windowMs);
      // 0 marks an empty slot: a number 0, were one ever asked, is kept under a key no number has.
      const i = slots.slot(e164 === 0 ? ZERO : e164, window);
      if (slots.windows[i] !== window) {
        slots.previous[i] = slots.windows[i] === window - 1 ? slots.current[i] : 0;
        slots.current[i] = 0;
        slots.windows[i] = window;
      }
      const current = ++slots.current[i];
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return current + Math.floor(slots.previous[i] * overlap);
    },
    close: () => clearInterval(sweeper),
  };
}
