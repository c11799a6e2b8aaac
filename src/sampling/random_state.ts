/**
 * A random number generator that reproduces numpy's legacy `RandomState`
 * (the generator behind `np.random.seed` and `np.random.*`) bit for bit, so
 * that a seeded sweep draws exactly the values WaterTAP draws for that seed.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { assertSeed, MAX_SEED } from "./_seed.ts";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * Numpy's legacy `RandomState`: the MT19937 Mersenne Twister with numpy's
 * legacy conversions to doubles, Gaussian draws and shuffles.
 *
 * `new RandomState(s)` starts the same stream as Python's `np.random.seed(s)`,
 * and each method consumes the stream exactly as its numpy namesake does, so a
 * sequence of calls returns the same numbers, to the last bit, as the same
 * sequence of calls in numpy.
 *
 * One caveat: numpy's normal draws take the logarithm from the platform's C
 * library, and glibc's `log` is not always correctly rounded while
 * JavaScript's `Math.log` in V8 is (in our tests); so on Linux about one
 * normal draw in 2,800 differs from numpy's in its last bit. All other draws,
 * and the stream itself, always match.
 *
 * @example Usage
 * ```ts
 * import { RandomState } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * // np.random.seed(0); np.random.random_sample()
 * const rng = new RandomState(0);
 * assert.equal(rng.randomSample(), 0.5488135039273248);
 * assert.equal(rng.seed, 0);
 * ```
 */
export class RandomState {
  /** The seed this generator started from. */
  readonly seed: number;
  #mt = new Uint32Array(N);
  #pos = N;
  #hasGauss = false;
  #gauss = 0;

  /**
   * Starts the stream that `np.random.seed(seed)` starts.
   *
   * @param seed An integer from 0 to 2**32 - 1.
   * @throws {TypeError} When `seed` is not a number.
   * @throws {RangeError} When `seed` is not an integer from 0 to 2**32 - 1.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const a = new RandomState(42);
   * const b = new RandomState(42);
   * assert.equal(a.randomSample(), b.randomSample());
   * ```
   */
  constructor(seed: number) {
    assertSeed(seed, "seed");
    this.seed = seed;
    // numpy's legacy seeding of a scalar integer is MT19937's `init_genrand`,
    // not `init_by_array` (that one is only for array seeds).
    const mt = this.#mt;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
  }

  /**
   * Draws a fresh seed from the operating system's entropy source, for runs
   * that should differ yet stay repeatable once the seed is recorded.
   *
   * @returns An integer from 0 to 2**32 - 1.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const seed = RandomState.randomSeed();
   * assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1);
   * ```
   */
  static randomSeed(): number {
    return crypto.getRandomValues(new Uint32Array(1))[0];
  }

  #twist(): void {
    const mt = this.#mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.#pos = 0;
  }

  /**
   * The next raw 32-bit output of the Mersenne Twister.
   *
   * @returns An integer from 0 to 2**32 - 1.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * // np.random.seed(0); np.random.randint(0, 2**32, dtype=np.uint64) draws this word too
   * assert.equal(new RandomState(0).nextUint32(), 2357136044);
   * ```
   */
  nextUint32(): number {
    if (this.#pos >= N) this.#twist();
    let y = this.#mt[this.#pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) with 53 random bits, as `np.random.random_sample()`.
   *
   * @returns The next uniform double in [0, 1).
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const rng = new RandomState(1);
   * assert.equal(rng.randomSample(), 0.417022004702574);
   * ```
   */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * `n` consecutive draws of {@linkcode RandomState.prototype.randomSample}, as
   * `np.random.random_sample(n)`.
   *
   * @param n How many doubles to draw.
   * @returns A new array of `n` doubles in [0, 1).
   * @throws {RangeError} When `n` is not a non-negative integer.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const xs = new RandomState(0).randomSamples(2);
   * assert.deepEqual([...xs], [0.5488135039273248, 0.7151893663724195]);
   * ```
   */
  randomSamples(n: number): Float64Array {
    assertCount(n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.randomSample();
    return out;
  }

  /**
   * A uniform draw from [low, high), as `np.random.uniform(low, high)`:
   * `low + (high - low) * randomSample()`.
   *
   * @param low The lower bound.
   * @param high The upper bound.
   * @returns The next uniform draw.
   * @throws {RangeError} When `high - low` is not finite.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RandomState(0).uniform(-3, 5), 1.390508031418598);
   * ```
   */
  uniform(low: number, high: number): number {
    const range = high - low;
    if (!Number.isFinite(range)) {
      throw new RangeError(
        `Cannot draw a uniform number as 'high - low' must be finite: current value is ${range}`,
      );
    }
    return low + range * this.randomSample();
  }

  /**
   * A standard normal draw, as `np.random.standard_normal()`: the polar
   * Box-Muller method, which makes two draws at a time and keeps the second
   * for the next call, exactly as numpy's legacy generator does.
   *
   * @returns The next standard normal draw.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const rng = new RandomState(0);
   * assert.equal(rng.standardNormal(), 1.764052345967664);
   * assert.equal(rng.standardNormal(), 0.4001572083672233);
   * ```
   */
  standardNormal(): number {
    if (this.#hasGauss) {
      this.#hasGauss = false;
      const g = this.#gauss;
      this.#gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt(-2 * Math.log(r2) / r2);
    this.#gauss = f * x1;
    this.#hasGauss = true;
    return f * x2;
  }

  /**
   * A normal draw, as `np.random.normal(mean, sd)`: `mean + sd * standardNormal()`.
   *
   * @param mean The mean.
   * @param sd The standard deviation, at least 0.
   * @returns The next normal draw.
   * @throws {RangeError} When `sd` is negative or NaN.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RandomState(0).normal(10, 2), 13.528104691935328);
   * ```
   */
  normal(mean: number, sd: number): number {
    if (!(sd >= 0)) {
      throw new RangeError(
        `Cannot draw a normal number as 'sd' must be at least 0: current value is ${sd}`,
      );
    }
    return mean + sd * this.standardNormal();
  }

  /**
   * A uniform integer from 0 to `max` inclusive, as numpy's legacy
   * `random_interval`: masked rejection sampling on 32-bit words, or on
   * 64-bit words when `max` needs more than 32 bits.
   *
   * @param max The largest value to return, an integer from 0 to 2**53 - 1.
   * @returns The next integer in 0..max.
   * @throws {RangeError} When `max` is not a non-negative safe integer.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * const k = new RandomState(0).randomInterval(9);
   * assert.ok(Number.isInteger(k) && k >= 0 && k <= 9);
   * ```
   */
  randomInterval(max: number): number {
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(
        `Cannot draw an integer as 'max' must be a non-negative safe integer: current value is ${max}`,
      );
    }
    if (max === 0) return 0;
    if (max <= MAX_SEED) {
      let mask = max;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      mask >>>= 0;
      let value: number;
      do value = (this.nextUint32() & mask) >>> 0; while (value > max);
      return value;
    }
    // Above 32 bits numpy draws 64-bit words, high word first; only the low
    // 53 bits can matter for a safe integer, so the high word's top bits are
    // masked away like numpy's mask would.
    const hiMax = Math.floor(max / 4294967296);
    let hiMask = hiMax;
    hiMask |= hiMask >>> 1;
    hiMask |= hiMask >>> 2;
    hiMask |= hiMask >>> 4;
    hiMask |= hiMask >>> 8;
    hiMask |= hiMask >>> 16;
    hiMask >>>= 0;
    let value: number;
    do {
      const hi = (this.nextUint32() & hiMask) >>> 0;
      const lo = this.nextUint32();
      value = hi * 4294967296 + lo;
    } while (value > max);
    return value;
  }

  /**
   * Shuffles an array in place, as `np.random.shuffle` does a 1-D array:
   * Fisher-Yates from the last element down, each swap partner drawn with
   * {@linkcode RandomState.prototype.randomInterval}.
   *
   * @typeParam T The element type.
   * @param array The array (or typed array) to shuffle in place.
   * @returns The same array, shuffled.
   *
   * @example Usage
   * ```ts
   * import { RandomState } from "@x/psweep/sampling";
   * import assert from "node:assert/strict";
   *
   * // np.random.seed(0); x = np.arange(10); np.random.shuffle(x)
   * const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
   * new RandomState(0).shuffle(x);
   * assert.deepEqual(x, [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
   * ```
   */
  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i >= 1; i--) {
      const j = this.randomInterval(i);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

function assertCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(
      `Cannot draw samples as 'n' must be a non-negative integer: current value is ${describe(n)}`,
    );
  }
}
