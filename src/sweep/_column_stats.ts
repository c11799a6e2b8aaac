// Internal: a column's min, mean and max, taken value by value in any order. The sum is exact
// (Shewchuk's partials, as Python's math.fsum), so that the mean is the same whether the values
// came in row order (a held result) or as chunks finished (a sweep that streams its rows).

/** min, mean, max and count of the non-NaN values seen; see the module comment. */
export class ColumnStats {
  #min = Infinity;
  #max = -Infinity;
  #count = 0;
  // Non-overlapping partial sums, increasing in magnitude: their exact sum is the values'.
  readonly #partials: number[] = [];
  // Infinities and NaN from overflowing sums are kept apart, as fsum does.
  #special = 0;

  /** Takes one value; NaN is skipped. */
  add(x: number): void {
    if (Number.isNaN(x)) return;
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    this.#count++;
    if (!Number.isFinite(x)) {
      this.#special += x;
      return;
    }
    const p = this.#partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      if (!Number.isFinite(hi)) {
        // The sum overflows: it is that infinity, whatever else comes (as a held sum would be).
        this.#special += hi;
        p.length = 0;
        return;
      }
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
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
    let n = p.length;
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
