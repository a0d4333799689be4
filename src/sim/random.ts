/**
 * Seeded pseudo-random numbers for the simulator. The output of a run must be byte-identical for
 * a seed, so nothing in the simulator may call Math.random or read the clock; everything draws
 * from one of these streams, in a fixed order.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator): 128 bits of state, a period far
 * beyond the ~10^9 draws of a national run (mulberry32's 2^32 would wrap), and only 32-bit
 * integer operations, which V8 compiles to a handful of machine instructions.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the whole state, so seeds 1 and 2 give unrelated streams.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A derived, independent stream: lets one part of the simulation draw without shifting another's. */
  fork(salt: number): Random {
    return new Random((this.uint32() ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }

  uint32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = ((c << 21) | (c >>> 11)) + t;
    this.c |= 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n < 2^31. */
  int(n: number): number {
    return ((this.uint32() / 4294967296) * n) | 0;
  }

  /** Uniform integer in [from, to]. */
  between(from: number, to: number): number {
    return from + this.int(to - from + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box–Muller; one of the pair is dropped to keep the stream order simple). */
  normal(): number {
    let u = this.next();
    if (u < 1e-12) u = 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and log-space spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count; Knuth's product method for the small means of one hour, normal beyond. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) {
      const n = Math.round(mean + Math.sqrt(mean) * this.normal());
      return Math.max(0, n);
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Index drawn from cumulative weights (ascending, last = total). */
  weighted(cumulative: ArrayLike<number>): number {
    const x = this.next() * cumulative[cumulative.length - 1];
    let i = 0;
    while (cumulative[i] <= x) i++;
    return i;
  }
}

/** Cumulative sums of weights, for Random.weighted. */
export function cumulate(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    out[i] = sum;
  }
  return out;
}
