// Internal: a column's min, mean and max, taken value by value in any order. The sum is exact, so
// that the mean is the same whether the values came in row order (a held result) or as chunks
// finished (a sweep that streams its rows), and is rounded once at the end, as Python's
// math.fsum and Math.sumPrecise round it.
//
// How: every finite double is an integer times a power of two, m 2^e with |m| < 2^53 and
// e >= -1074. The sum is kept as a fixed-point integer in units of 2^-1088, in 32-bit digits
// ("limbs", each a double holding an integer): a value is cut along the digit boundaries into at
// most three pieces, each under 2^32, and each piece is added to its digit, exactly. A digit can
// take 2^20 such pieces before it could pass 2^53 and round; then the carries are moved up and
// every digit is under 2^32 again. The digits become one number only for a summary, through a
// BigInt. This costs a few multiplications a value, a fixed amount, where Shewchuk's partials
// (fsum's method, used here before) cost a loop over up to 40 partials, about three times as
// much on a sweep's outputs: this runs for every value of every output of a streamed sweep, on
// the main thread.

// The digit the lowest piece of a value goes to is floor((e + 1088) / 32): 0 .. 64. Two more
// above it for its other pieces, and room for carries above those.
const LIMBS = 72;
// Pieces a digit takes before the carries are moved: fewer than 2^21 between two carries (up to
// 2^20 - 1, then at most 2^20 at once from addRepeated), each under 2^32, on a digit under 2^32:
// the digit stays under 2^53, where a double holds every integer.
const CARRY_EVERY = 2 ** 20;
const TWO32 = 2 ** 32;
const TWO_MINUS32 = 2 ** -32;
const TWO_MINUS64 = 2 ** -64;
// A value's bits, to read its exponent without a logarithm.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HIGH = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;
// x * SCALE[d] * SCALE[d] is x in units of digit d (2^(32 d - 1088)): an integer below 2^85.
// (Two factors: 2^(1088 - 32 d) itself is too large to be a double for the smallest digits.)
const SCALE = Float64Array.from({ length: 65 }, (_, d) => pow2((1088 - 32 * d) / 2));

/** min, mean, max and count of the non-NaN values seen; see the module comment. */
export class ColumnStats {
  #min = Infinity;
  #max = -Infinity;
  #count = 0;
  // The exact sum of the finite values, in units of 2^-1088: sum over d of #limbs[d] 2^(32 d).
  #limbs = new Float64Array(LIMBS);
  // Pieces added since the carries were last moved (see CARRY_EVERY).
  #pieces = 0;
  // Whether a value other than -0 was taken: a sum of -0s only is -0.
  #notNegativeZero = false;
  // Infinities are kept apart (+Infinity and -Infinity make NaN), as fsum does.
  #special = 0;

  /** Takes one value; NaN is skipped. */
  add(x: number): void {
    if (x !== x) return;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    this.#count++;
    this.#sum(x, 1);
  }

  /** Takes `x` `times` times (a non-negative integer): as many add(x), at the cost of one. */
  addRepeated(x: number, times: number): void {
    if (x !== x || times <= 0) return;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    this.#count += times;
    // Each piece times at most 2^20 stays exact (under 2^52).
    while (times > 0) {
      const k = times > CARRY_EVERY ? CARRY_EVERY : times;
      this.#sum(x, k);
      times -= k;
    }
  }

  /** Takes every value of a column. */
  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }

  // Adds `times` (at most CARRY_EVERY) x to the sum.
  #sum(x: number, times: number): void {
    if (x === 0) {
      if (1 / x > 0) this.#notNegativeZero = true;
      return;
    }
    this.#notNegativeZero = true;
    if (x - x !== 0) {
      // An infinity.
      this.#special += x;
      return;
    }
    addPieces(this.#limbs, x, times);
    this.#pieces += times;
    if (this.#pieces >= CARRY_EVERY) this.#carry();
  }

  #carry(): void {
    carry(this.#limbs);
    this.#pieces = 0;
  }

  /** Values taken (NaN aside). */
  get count(): number {
    return this.#count;
  }

  /** The smallest, the mean and the largest value; NaN mean when there are none. */
  summary(): { min: number; mean: number; max: number; count: number } {
    const count = this.#count;
    return { min: this.#min, mean: count ? this.#total() / count : NaN, max: this.#max, count };
  }

  // The exact sum, correctly rounded (to nearest, ties to even).
  #total(): number {
    if (this.#special !== 0 || Number.isNaN(this.#special)) return this.#special;
    this.#carry();
    let n = 0n;
    for (let d = LIMBS - 1; d >= 0; d--) n = (n << 32n) + BigInt(this.#limbs[d]);
    if (n === 0n) return this.#notNegativeZero ? 0 : -0;
    const negative = n < 0n;
    if (negative) n = -n;
    const bits = n.toString(2).length;
    // The sum is n 2^-1088; a double keeps 53 bits, or, below 2^-1022, bits down to 2^-1074.
    const drop = Math.max(bits - 53, 14);
    let q = n >> BigInt(drop);
    const rest = n - (q << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
    // q has at most 53 bits (54 when rounding carried into 2^53, still exact), so q 2^(drop -
    // 1088) is a double when it is no larger than the largest one: one product, exact; past
    // it, Infinity, as a sum that overflows gives.
    const sum = Number(q) * pow2(drop - 1088);
    return negative ? -sum : sum;
  }
}

// Adds `times` (at most CARRY_EVERY) x, finite and not zero, to the digits.
function addPieces(limbs: Float64Array, x: number, times: number): void {
  F64[0] = x;
  // The exponent field; subnormals (0) share the scale of the smallest normals.
  const biased = (U32[HIGH] >>> 20) & 0x7ff;
  const d = ((biased === 0 ? 1 : biased) + 13) >>> 5;
  const s = SCALE[d];
  // x in units of digit d, exactly (a power of two changes only the exponent), cut into three
  // pieces under 2^32, each with x's sign (truncated, so that no piece needs more than the 53
  // bits of x).
  const v = x * s * s;
  const p2 = Math.trunc(v * TWO_MINUS64);
  const rest = v - p2 * TWO32 * TWO32;
  const p1 = Math.trunc(rest * TWO_MINUS32);
  const p0 = rest - p1 * TWO32;
  limbs[d] += p0 * times;
  limbs[d + 1] += p1 * times;
  limbs[d + 2] += p2 * times;
}

// Moves each digit's excess over [0, 2^32) up to the next one (the top digit keeps the sign).
function carry(limbs: Float64Array): void {
  for (let d = 0; d < LIMBS - 1; d++) {
    const up = Math.floor(limbs[d] * TWO_MINUS32);
    if (up !== 0) {
      limbs[d] -= up * TWO32;
      limbs[d + 1] += up;
    }
  }
}

// 2^k exactly, for k from -1074 to 1023 (and Infinity above).
function pow2(k: number): number {
  if (k > 1023) return Infinity;
  if (k >= -1022) {
    F64[0] = 0;
    U32[HIGH] = (k + 1023) << 20;
    return F64[0];
  }
  // A subnormal power of two.
  return pow2(k + 52) * Number.EPSILON;
}
