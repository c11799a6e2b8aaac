// The running statistics a sweep that keeps no rows reports (src/sweep/_column_stats.ts): the
// mean's sum is exact, so that it does not depend on the order rows finish in.
import { assertEquals } from "./_assert.ts";
import { ColumnStats } from "../src/sweep/_column_stats.ts";

const stats = (values: number[]) => {
  const s = new ColumnStats();
  for (const v of values) s.add(v);
  return s.summary();
};

Deno.test("ColumnStats: an exact sum, whatever the order; NaN skipped; infinities and overflow as a sum gives them", () => {
  // A float sum in this order gives 0 (1 vanishes beside 1e100); the exact sum is 1.
  assertEquals(stats([1e100, 1, -1e100]), { min: -1e100, mean: 1 / 3, max: 1e100, count: 3 });
  assertEquals(stats([0.1, 0.2, 0.3]).mean, stats([0.3, 0.2, 0.1]).mean);
  // Python's math.fsum([0.1] * 10) is exactly 1.0.
  assertEquals(stats(Array(10).fill(0.1)).mean, 0.1);
  // Many magnitudes, every order: the same mean to the bit.
  const values = Array.from({ length: 200 }, (_, i) => (i % 2 ? -1 : 1) * 1.1 ** i / 3);
  const forward = stats(values).mean;
  assertEquals(stats([...values].reverse()).mean, forward);
  assertEquals(stats([...values].sort((a, b) => a - b)).mean, forward);
  assertEquals(stats([NaN, 2, NaN, 4]), { min: 2, mean: 3, max: 4, count: 2 });
  assertEquals(stats([]).count, 0);
  assertEquals(Number.isNaN(stats([NaN]).mean), true);
  assertEquals(stats([1, Infinity]).mean, Infinity);
  assertEquals(Number.isNaN(stats([Infinity, -Infinity]).mean), true);
  // Finite values whose sum overflows: that infinity, as a plain sum would give.
  assertEquals(stats([1.7e308, 1.7e308, -1]).mean, Infinity);
});

Deno.test("ColumnStats: the sum is the correctly rounded exact sum (as Math.sumPrecise gives it)", () => {
  // Values of every sign and of magnitudes from 1e-300 to 1e300, a few thousand at a time, from
  // a fixed generator: each set's mean is its exact sum, rounded once, over its count.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let set = 0; set < 20; set++) {
    const values = Array.from(
      { length: 3000 },
      () => (next() < 0.5 ? -1 : 1) * next() * 10 ** Math.floor(600 * next() - 300),
    );
    const sumPrecise = (Math as unknown as { sumPrecise(v: number[]): number }).sumPrecise;
    assertEquals(stats(values).mean, sumPrecise(values) / values.length, `set ${set}`);
  }
});
