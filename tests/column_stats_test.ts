// The running statistics a sweep that keeps no rows reports (src/sweep/_column_stats.ts): the
// mean's sum is exact, so that it does not depend on the order rows finish in, and rounded once,
// as Math.sumPrecise rounds it.
import { assert, assertEquals } from "./_assert.ts";
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
  // ... but only when the exact sum does: not for a sum that passes the largest double on its
  // way (a plain sum in this order would be Infinity).
  assertEquals(stats([1.7e308, 1.7e308, -1.7e308]).mean, 1.7e308 / 3);
});

const sumPrecise = (Math as unknown as { sumPrecise(v: Iterable<number>): number }).sumPrecise;

Deno.test("ColumnStats: zeros keep their sign as a sum gives it; ties round to even; subnormal sums", () => {
  assertEquals(Object.is(stats([-0, -0]).mean, -0), true);
  assertEquals(Object.is(stats([-0, 0]).mean, 0), true);
  assertEquals(Object.is(stats([1, -1]).mean, 0), true);
  assertEquals(Object.is(stats([-0, 5, -5]).mean, 0), true);
  // Exactly half-way between two doubles: to the even one.
  for (
    const values of [
      [1, 2 ** -53],
      [1 + 2 ** -52, 2 ** -53],
      [-1, -(2 ** -53)],
      [2 ** 53, 1],
      [2 ** 53 + 2, 1],
      [1, 2 ** -53, 2 ** -1074],
    ]
  ) {
    assertEquals(stats(values).mean, sumPrecise(values) / values.length, `${values}`);
  }
  // Subnormals, and normal values whose sum is subnormal: exact, and rounded at 2^-1074.
  const tiny = [5e-324, -3 * 5e-324, 2.2250738585072014e-308, -2.225073858507201e-308, 1e-310];
  assertEquals(stats(tiny).mean, sumPrecise(tiny) / tiny.length);
  assertEquals(stats([2.2250738585072014e-308, -2.225073858507201e-308]).mean, 5e-324 / 2);
  // The largest double, its neighbour below, and a sum that rounds up to Infinity.
  const big = [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE];
  assertEquals(stats(big).mean, Number.MAX_VALUE / 3);
  assertEquals(stats([Number.MAX_VALUE, 2 ** 970]).mean, Infinity);
  assertEquals(stats([Number.MAX_VALUE, 2 ** 969]).mean, Number.MAX_VALUE / 2);
});

Deno.test("ColumnStats: millions of values carry exactly, and addRepeated is as many adds", () => {
  // Values with every mantissa bit set, of both signs and far apart, 3,000,000 in all: the
  // running digits must carry (every 2^20 values) without losing a bit.
  const cycle = [2 ** 53 - 1, -(2 ** -1022) * (2 ** 52 - 1), 1e300 * (1 - 2 ** -53), -0.1, 7e-310];
  const values = Array.from({ length: 3_000_000 }, (_, i) => cycle[i % cycle.length]);
  const s = new ColumnStats();
  s.addAll(values);
  assertEquals(s.summary().mean, sumPrecise(values) / values.length);
  // addRepeated(x, n) gives what n adds of x give, bit for bit, past a carry (2^20) and not.
  for (const times of [1, 3, 2 ** 20 + 3, 3 * 2 ** 20 + 5]) {
    for (const x of [2 ** 53 - 1, -Math.PI, 5e-324, -1.7e308, 0.1, -0]) {
      const once = new ColumnStats();
      once.add(1 / 3);
      once.addRepeated(x, times);
      const each = new ColumnStats();
      each.add(1 / 3);
      for (let i = 0; i < times; i++) each.add(x);
      const a = once.summary();
      const b = each.summary();
      assertEquals(a, b, `${x} x ${times}`);
      assert(Object.is(a.mean, b.mean));
    }
  }
  const none = new ColumnStats();
  none.addRepeated(NaN, 5);
  none.addRepeated(2, 0);
  assertEquals(none.count, 0);
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
    assertEquals(stats(values).mean, sumPrecise(values) / values.length, `set ${set}`);
  }
});
