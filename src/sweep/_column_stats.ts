// Internal: a column's min, mean and max, taken value by value in any order. The sum is exact
// (Shewchuk's partials, as Python's math.fsum), so that the mean is the same whether the values
// came in row order (a held result) or as chunks finished (a sweep that streams its rows).

/** min, mean, max and count of the non-NaN values seen; see the module comment. */
export class ColumnStats {
  #min = Infinity;
  #max = -Infinity;
  #count = 0;
  // Non-overlapping partial sums, increasing in magnitude, in #partials[0, #n): their exact sum
  // is the values'. A typed array and a count, not an array that grows and shrinks: this runs
  // for every value of every column of a streamed sweep, on the main thread. (Partials number at
  // most about 40, 2,098 exponents over 53 bits; the array grows if ever needed.)
  #partials = new Float64Array(8);
  #n = 0;
  // Infinities and NaN from overflowing sums are kept apart, as fsum does.
  #special = 0;

  /** Takes one value; NaN is skipped. */
  add(x: number): void {
    if (x !== x) return;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    this.#count++;
    if (x - x !== 0) {
      // An infinity.
      this.#special += x;
      return;
    }
    const p = this.#partials;
    const n = this.#n;
    let i = 0;
    for (let j = 0; j < n; j++) {
      const y = p[j];
      const hi = x + y;
      if (hi - hi !== 0) {
        // The sum overflows: it is that infinity, whatever else comes (as a held sum would be).
        this.#special += hi;
        this.#n = 0;
        return;
      }
      // The rounding error of hi, exactly (Knuth's TwoSum: no comparison of magnitudes, which
      // made this loop about a third slower).
      const back = hi - x;
      const lo = (x - (hi - back)) + (y - back);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (i === p.length) {
      this.#partials = new Float64Array(2 * p.length);
      this.#partials.set(p);
    }
    this.#partials[i] = x;
    this.#n = i + 1;
  }

  /** Takes every value of a column. */
  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }

  /** Values taken (NaN aside). */
  get count(): number {
    return this.#count;
  }

  /** The smallest, the mean and the largest value; NaN mean when there are none. */
  summary(): { min: number; mean: number; max: number; count: number } {
    const count = this.#count;
    return { min: this.#min, mean: count ? this.#sum() / count : NaN, max: this.#max, count };
  }

  // The partials' sum, correctly rounded (fsum's final step).
  #sum(): number {
    if (this.#special !== 0 || Number.isNaN(this.#special)) return this.#special;
    const p = this.#partials;
    let n = this.#n;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-way cases: round as the remaining partials say.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
