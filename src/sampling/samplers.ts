/**
 * Samplers: how each swept parameter gets its values, as plain data objects
 * that can be posted to workers and written to sweep files.
 *
 * One concept, though long: the samplers, their constructors and the one parser that checks
 * them (with WaterTAP's names), each documented with an example.
 *
 * They mirror WaterTAP's `sampling_types`: fixed samplers (`LinearSample`,
 * `GeomSample`, `ReverseGeomSample`, `PredeterminedFixedSample`) make a full
 * factorial grid, random samplers (`UniformSample`, `NormalSample`,
 * `PredeterminedRandomSample`) make one row per sample, and
 * `LatinHypercubeSample` makes a Latin hypercube over all its parameters.
 *
 * @module
 */

import { invalid } from "../_describe.ts";
import { MAX_ROWS } from "../_limits.ts";

/**
 * The three families of samplers. All parameters of one sweep must belong to
 * the same family.
 *
 * @example Usage
 * ```ts
 * import { linearSample, SamplingType } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * assert.equal(linearSample(0, 1, 3).kind, SamplingType.FIXED);
 * ```
 */
export const SamplingType = {
  /** Every combination of every parameter's values (a full factorial grid). */
  FIXED: "fixed",
  /** Independent random samples, one row per sample. */
  RANDOM: "random",
  /** A Latin hypercube over all parameters together. */
  RANDOM_LHS: "lhs",
} as const;

/**
 * One of the values of {@linkcode SamplingType}: `"fixed"`, `"random"` or `"lhs"`.
 *
 * @example The sampling type of some combinations
 * ```ts
 * import { type SamplingType, uniformSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const kind: SamplingType = buildCombinations({ x: uniformSample(0, 1, 2) }, { seed: 0 }).kind;
 * assert.equal(kind, "random");
 * ```
 */
export type SamplingType = typeof SamplingType[keyof typeof SamplingType];

/**
 * `n` values from `lower` to `upper`, evenly (`linear`) or geometrically spaced.
 *
 * @example Made by a function or written as data
 * ```ts
 * import { type FixedRangeSampler, linearSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const linear: FixedRangeSampler = linearSample(0, 10, 3);
 * assert.deepEqual(linear, { kind: "fixed", sampler: "linear", lower: 0, upper: 10, n: 3 });
 * assert.deepEqual([...buildCombinations({ x: linear }).data], [0, 5, 10]);
 *
 * const geom: FixedRangeSampler = { kind: "fixed", sampler: "geom", lower: 1, upper: 100, n: 3 };
 * assert.deepEqual([...buildCombinations({ x: geom }).data], [1, 10, 100]);
 * ```
 */
export interface FixedRangeSampler {
  /** The family: every combination with the other parameters' values. */
  readonly kind: "fixed";
  /**
   * `linear` is `np.linspace`, `geom` is `np.geomspace`, and `reverseGeom`
   * mirrors `geom` so that the points crowd towards `upper`.
   */
  readonly sampler: "linear" | "geom" | "reverseGeom";
  /** The first value. */
  readonly lower: number;
  /** The last value. */
  readonly upper: number;
  /** How many values. */
  readonly n: number;
}

/**
 * Exactly the given values, combined with every other parameter's values.
 *
 * @example Two values of each of two parameters make four rows
 * ```ts
 * import { fixedSample, type FixedValuesSampler } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const a: FixedValuesSampler = fixedSample([0.1, 0.5]);
 * assert.deepEqual(a.values, [0.1, 0.5]);
 * assert.equal(buildCombinations({ a, b: fixedSample([1, 2]) }).rows, 4);
 * ```
 */
export interface FixedValuesSampler {
  /** The family: every combination with the other parameters' values. */
  readonly kind: "fixed";
  /** Predetermined values (WaterTAP's `PredeterminedFixedSample`). */
  readonly sampler: "fixed";
  /** The values, in order. */
  readonly values: readonly number[];
}

/**
 * `n` uniform draws from [`lower`, `upper`).
 *
 * @example Every draw lies in the range
 * ```ts
 * import { type UniformSampler, uniformSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const x: UniformSampler = uniformSample(5, 10, 100);
 * const c = buildCombinations({ x }, { seed: 42 });
 * assert.equal(c.rows, 100);
 * assert.ok(c.data.every((v) => v >= 5 && v < 10));
 * ```
 */
export interface UniformSampler {
  /** The family: one row per sample. */
  readonly kind: "random";
  /** Uniform draws, as `np.random.uniform`. */
  readonly sampler: "uniform";
  /** The lower bound. */
  readonly lower: number;
  /** The upper bound. */
  readonly upper: number;
  /** How many draws. */
  readonly n: number;
}

/**
 * `n` normal draws.
 *
 * @example Made by a function or written as data
 * ```ts
 * import { type NormalSampler, normalSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const made: NormalSampler = normalSample(10, 2, 3);
 * assert.deepEqual(made, { kind: "random", sampler: "normal", mean: 10, sd: 2, n: 3 });
 * // With a standard deviation of 0, every draw is the mean.
 * const x: NormalSampler = { kind: "random", sampler: "normal", mean: 10, sd: 0, n: 3 };
 * assert.deepEqual([...buildCombinations({ x }, { seed: 0 }).data], [10, 10, 10]);
 * ```
 */
export interface NormalSampler {
  /** The family: one row per sample. */
  readonly kind: "random";
  /** Normal draws, as `np.random.normal`. */
  readonly sampler: "normal";
  /** The mean. */
  readonly mean: number;
  /** The standard deviation. */
  readonly sd: number;
  /** How many draws. */
  readonly n: number;
}

/**
 * Given values used as random samples: nothing is drawn.
 *
 * @example The given samples, sorted like drawn ones
 * ```ts
 * import { randomSample, type RandomValuesSampler } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const x: RandomValuesSampler = randomSample([0.3, 0.1, 0.2]);
 * assert.deepEqual([...buildCombinations({ x }).data], [0.1, 0.2, 0.3]);
 * ```
 */
export interface RandomValuesSampler {
  /** The family: one row per sample. */
  readonly kind: "random";
  /** Predetermined samples (WaterTAP's `PredeterminedRandomSample`). */
  readonly sampler: "random";
  /** The samples, in order. */
  readonly values: readonly number[];
}

/**
 * One dimension of a Latin hypercube of `n` points.
 *
 * @example One point in each quarter of each range
 * ```ts
 * import { type LatinHypercubeSampler, latinHypercubeSample } from "@x/psweep";
 * import { matrixToRows } from "@x/psweep/parallel";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const x: LatinHypercubeSampler = latinHypercubeSample(0, 1, 4);
 * const y: LatinHypercubeSampler = latinHypercubeSample(100, 200, 4);
 * const rows = matrixToRows(buildCombinations({ x, y }, { seed: 7 }));
 * const quarters = (values: number[], lower: number, upper: number) =>
 *   values.map((v) => Math.floor((v - lower) / (upper - lower) * 4)).sort();
 * assert.deepEqual(quarters(rows.map((r) => r[0]), 0, 1), [0, 1, 2, 3]);
 * assert.deepEqual(quarters(rows.map((r) => r[1]), 100, 200), [0, 1, 2, 3]);
 * ```
 */
export interface LatinHypercubeSampler {
  /** The family: a Latin hypercube over all parameters. */
  readonly kind: "lhs";
  /** Latin hypercube sampling, as IDAES pysmo's `LatinHypercubeSampling`. */
  readonly sampler: "lhs";
  /** The lower bound. */
  readonly lower: number;
  /** The upper bound. */
  readonly upper: number;
  /** How many points (the same for every parameter of the hypercube). */
  readonly n: number;
}

/**
 * Any sampler: a plain, JSON-serialisable description of a parameter's values.
 *
 * @example Samplers as data
 * ```ts
 * import { linearSample, type Sampler } from "@x/psweep";
 * import { buildCombinations, parseSampler } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const params: Record<string, Sampler> = {
 *   pressure: linearSample(1, 3, 3),
 *   recovery: parseSampler({ sampler: "fixed", values: [0.5] }, "params.recovery"),
 * };
 * assert.deepEqual(JSON.parse(JSON.stringify(params)), params);
 * assert.equal(buildCombinations(params).rows, 3);
 * ```
 */
export type Sampler =
  | FixedRangeSampler
  | FixedValuesSampler
  | UniformSampler
  | NormalSampler
  | RandomValuesSampler
  | LatinHypercubeSampler;

/** The name in a sweep file of each sampler, with its family. */
const KINDS: Readonly<Record<Sampler["sampler"], SamplingType>> = {
  linear: "fixed",
  geom: "fixed",
  reverseGeom: "fixed",
  fixed: "fixed",
  uniform: "random",
  normal: "random",
  random: "random",
  lhs: "lhs",
};

const FIELDS: Readonly<Record<Sampler["sampler"], readonly string[]>> = {
  linear: ["lower", "upper", "n"],
  geom: ["lower", "upper", "n"],
  reverseGeom: ["lower", "upper", "n"],
  fixed: ["values"],
  uniform: ["lower", "upper", "n"],
  normal: ["mean", "sd", "n"],
  random: ["values"],
  lhs: ["lower", "upper", "n"],
};

const NAMES = Object.keys(KINDS).map((k) => `"${k}"`).join(", ");

function path(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

function fail(kind: "type" | "range", what: string, value: unknown): never {
  return invalid("create sampler", kind, what, value);
}

function finite(value: unknown, field: string): number {
  if (typeof value !== "number") fail("type", `'${field}' must be a number`, value);
  if (!Number.isFinite(value)) fail("range", `'${field}' must be a finite number`, value);
  return value;
}

function count(value: unknown, field: string, sampler: string): number {
  if (typeof value !== "number") fail("type", `'${field}' must be a number`, value);
  if (!Number.isSafeInteger(value) || value < 1) {
    fail("range", `'${field}' must be a positive integer`, value);
  }
  // Refused here, before anything is drawn: 1e9 draws would take minutes and gigabytes first.
  if (value > MAX_ROWS) {
    fail(
      "range",
      `'${field}' of the ${sampler} sampler asks for ${value} rows, more than a sweep holds in memory (at most ${MAX_ROWS})`,
      value,
    );
  }
  return value;
}

function bounds(
  lower: unknown,
  upper: unknown,
  prefix: string,
  geometric: boolean,
): [number, number] {
  const lo = finite(lower, path(prefix, "lower"));
  const hi = finite(upper, path(prefix, "upper"));
  // A geometric sequence cannot include or cross zero (numpy's geomspace refuses it too); one of
  // negative numbers is numpy's, sign and all.
  if (geometric && !(lo > 0 || hi < 0)) {
    if (lo === 0) {
      fail("range", `'${path(prefix, "lower")}' must not be 0 for a geometric sampler`, lo);
    }
    fail(
      "range",
      `'${path(prefix, "upper")}' must be below 0, as '${
        path(prefix, "lower")
      }' (${lo}) is, for a geometric sampler: a geometric sequence cannot cross 0`,
      hi,
    );
  }
  if (lo > hi) {
    fail(
      "range",
      `'${path(prefix, "lower")}' must be at most '${path(prefix, "upper")}' (${hi})`,
      lo,
    );
  }
  return [lo, hi];
}

function valueList(values: unknown, prefix: string): readonly number[] {
  const field = path(prefix, "values");
  // Any array-like of numbers, as the type says: arrays, typed arrays, { length, 0: ..., ... }.
  const isList = Array.isArray(values) ||
    (ArrayBuffer.isView(values) && !(values instanceof DataView)) ||
    (typeof values === "object" && values !== null &&
      Number.isSafeInteger((values as { length?: unknown }).length) &&
      ((values as { length: number }).length >= 0));
  if (!isList) fail("type", `'${field}' must be an array of numbers`, values);
  const list = values as ArrayLike<unknown>;
  if (list.length === 0) fail("range", `'${field}' must not be empty`, values);
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = finite(list[i], `${field}[${i}]`);
  return Object.freeze(out);
}

function range<S extends "linear" | "geom" | "reverseGeom" | "uniform" | "lhs">(
  sampler: S,
  lower: unknown,
  upper: unknown,
  n: unknown,
  prefix: string,
) {
  const geometric = sampler === "geom" || sampler === "reverseGeom";
  const [lo, hi] = bounds(lower, upper, prefix, geometric);
  // Values are lower + t (upper - lower): a width past the largest double would make NaN and
  // Infinity values (numpy's linspace and uniform make them too, with a warning at most).
  if (!geometric && !Number.isFinite(hi - lo)) {
    fail(
      "range",
      `'${path(prefix, "upper")}' - '${
        path(prefix, "lower")
      }' must be a finite number (at most ${Number.MAX_VALUE})`,
      hi - lo,
    );
  }
  const count_ = count(n, path(prefix, "n"), sampler);
  return Object.freeze({ kind: KINDS[sampler], sampler, lower: lo, upper: hi, n: count_ });
}

function normal(mean: unknown, sd: unknown, n: unknown, prefix: string): NormalSampler {
  const m = finite(mean, path(prefix, "mean"));
  const s = finite(sd, path(prefix, "sd"));
  if (s < 0) fail("range", `'${path(prefix, "sd")}' must be at least 0`, s);
  const count_ = count(n, path(prefix, "n"), "normal");
  return Object.freeze({ kind: "random", sampler: "normal", mean: m, sd: s, n: count_ });
}

/**
 * `n` evenly spaced values from `lower` to `upper`, both included, exactly as
 * `np.linspace(lower, upper, n)` (WaterTAP's `LinearSample`).
 *
 * @param lower The first value, finite.
 * @param upper The last value, finite and at least `lower`.
 * @param n How many values, a positive integer.
 * @returns A fixed sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When a bound is not finite, `lower > upper`, or `n` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { linearSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: linearSample(0, 1, 5) });
 * assert.deepEqual([...c.data], [0, 0.25, 0.5, 0.75, 1]);
 * ```
 */
export function linearSample(lower: number, upper: number, n: number): FixedRangeSampler {
  return range("linear", lower, upper, n, "") as FixedRangeSampler;
}

/**
 * `n` geometrically spaced values from `lower` to `upper`, both included, as
 * `np.geomspace(lower, upper, n)` (WaterTAP's `GeomSample`).
 *
 * The ends are exactly `lower` and `upper`. The points between are
 * `10 ** linspace(log10(lower), log10(upper))` as numpy computes it, but the
 * powers and logarithms come from JavaScript's `Math`, which can differ in the
 * last bit from the platform's math library (numpy itself differs between
 * machines here, as it uses SIMD versions on some processors).
 *
 * @param lower The first value, finite and not 0 (of the sign of `upper`).
 * @param upper The last value, finite and at least `lower`.
 * @param n How many values, a positive integer.
 * @returns A fixed sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When a bound is not finite, the bounds' signs differ or one is 0,
 * `lower > upper`, or `n` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { geomSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: geomSample(1, 1000, 4) });
 * assert.deepEqual([...c.data], [1, 10, 100, 1000]);
 * ```
 */
export function geomSample(lower: number, upper: number, n: number): FixedRangeSampler {
  return range("geom", lower, upper, n, "") as FixedRangeSampler;
}

/**
 * `n` values from `lower` to `upper` that crowd towards `upper`: the mirror
 * image of {@linkcode geomSample}, `((upper + lower) - geomspace)` reversed
 * (WaterTAP's `ReverseGeomSample`).
 *
 * @param lower The first value, finite and not 0 (of the sign of `upper`).
 * @param upper The last value, finite and at least `lower`.
 * @param n How many values, a positive integer.
 * @returns A fixed sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When a bound is not finite, the bounds' signs differ or one is 0,
 * `lower > upper`, or `n` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { reverseGeomSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: reverseGeomSample(1, 1000, 4) });
 * assert.deepEqual([...c.data], [1, 901, 991, 1000]);
 * ```
 */
export function reverseGeomSample(lower: number, upper: number, n: number): FixedRangeSampler {
  return range("reverseGeom", lower, upper, n, "") as FixedRangeSampler;
}

/**
 * Exactly the given values, combined with every other parameter's values
 * (WaterTAP's `PredeterminedFixedSample`).
 *
 * @param values The values, in order: a non-empty array (or typed array) of finite numbers.
 * @returns A fixed sampler holding a frozen copy of `values`.
 * @throws {TypeError} When `values` is not an array, or holds something other than numbers.
 * @throws {RangeError} When `values` is empty or holds a number that is not finite.
 *
 * @example Usage
 * ```ts
 * import { fixedSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ a: fixedSample([1, 2]), b: fixedSample([10, 20]) });
 * assert.deepEqual([...c.data], [1, 10, 1, 20, 2, 10, 2, 20]);
 * ```
 */
export function fixedSample(values: ArrayLike<number>): FixedValuesSampler {
  return Object.freeze({ kind: "fixed", sampler: "fixed", values: valueList(values, "") });
}

/**
 * `n` uniform draws from [`lower`, `upper`), as `np.random.uniform(lower, upper, n)`
 * (WaterTAP's `UniformSample`).
 *
 * @param lower The lower bound, finite.
 * @param upper The upper bound, finite and at least `lower`.
 * @param n How many draws, a positive integer.
 * @returns A random sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When a bound is not finite, `lower > upper`, or `n` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { uniformSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: uniformSample(0, 1, 3) }, { seed: 0 });
 * // np.random.seed(0); np.sort(np.random.uniform(0, 1, 3))
 * assert.deepEqual([...c.data], [0.5488135039273248, 0.6027633760716439, 0.7151893663724195]);
 * ```
 */
export function uniformSample(lower: number, upper: number, n: number): UniformSampler {
  return range("uniform", lower, upper, n, "") as UniformSampler;
}

/**
 * `n` normal draws, as `np.random.normal(mean, sd, n)` (WaterTAP's `NormalSample`).
 *
 * @param mean The mean, finite.
 * @param sd The standard deviation, finite and at least 0.
 * @param n How many draws, a positive integer.
 * @returns A random sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When `mean` or `sd` is not finite, `sd` is negative, or `n`
 * is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { normalSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: normalSample(10, 2, 1) }, { seed: 0 });
 * assert.deepEqual([...c.data], [13.528104691935328]);
 * ```
 */
export function normalSample(mean: number, sd: number, n: number): NormalSampler {
  return normal(mean, sd, n, "");
}

/**
 * The given values used as random samples: nothing is drawn, and the values
 * take part in the sort by the first column like drawn ones
 * (WaterTAP's `PredeterminedRandomSample`).
 *
 * @param values The samples: a non-empty array (or typed array) of finite numbers.
 * @returns A random sampler holding a frozen copy of `values`.
 * @throws {TypeError} When `values` is not an array, or holds something other than numbers.
 * @throws {RangeError} When `values` is empty or holds a number that is not finite.
 *
 * @example Usage
 * ```ts
 * import { randomSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ a: randomSample([3, 1, 2]), b: randomSample([30, 10, 20]) });
 * assert.deepEqual([...c.data], [1, 10, 2, 20, 3, 30]);
 * ```
 */
export function randomSample(values: ArrayLike<number>): RandomValuesSampler {
  return Object.freeze({ kind: "random", sampler: "random", values: valueList(values, "") });
}

/**
 * One dimension of a Latin hypercube of `n` points; every parameter of the
 * hypercube must have the same `n` (WaterTAP's `LatinHypercubeSample`, drawn
 * with IDAES pysmo's algorithm).
 *
 * @param lower The lower bound, finite.
 * @param upper The upper bound, finite and at least `lower`.
 * @param n How many points, a positive integer.
 * @returns A Latin hypercube sampler.
 * @throws {TypeError} When an argument is not a number.
 * @throws {RangeError} When a bound is not finite, `lower > upper`, or `n` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { latinHypercubeSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ x: latinHypercubeSample(0, 10, 5) }, { seed: 1 });
 * // one point in each fifth of [0, 10)
 * assert.deepEqual([...c.data].map((x) => Math.floor(x / 2)), [0, 1, 2, 3, 4]);
 * ```
 */
export function latinHypercubeSample(
  lower: number,
  upper: number,
  n: number,
): LatinHypercubeSampler {
  return range("lhs", lower, upper, n, "") as LatinHypercubeSampler;
}

/**
 * Validates an untrusted description of a sampler, such as one read from a
 * JSON or YAML sweep file, and returns it as a {@linkcode Sampler}.
 *
 * The object names its sampler in `sampler` (`"linear"`, `"geom"`,
 * `"reverseGeom"`, `"fixed"`, `"uniform"`, `"normal"`, `"random"` or `"lhs"`)
 * and holds that sampler's fields; `kind` may be left out, since the sampler
 * implies it. As in WaterTAP, an array `[lower, upper, n]` is short for a
 * linear sampler. Unknown fields are refused, so that typos do not pass
 * silently.
 *
 * @param value The untrusted value.
 * @param field The value's name in error messages, such as `"params.pressure"`.
 * @returns A frozen, validated sampler.
 * @throws {TypeError} When `value` or one of its fields has the wrong type, a
 * field is unknown, or `kind` does not match `sampler`.
 * @throws {RangeError} When the sampler is unknown or a number is out of range.
 *
 * @example Usage
 * ```ts
 * import { parseSampler } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const s = parseSampler({ sampler: "linear", lower: 1, upper: 2, n: 5 }, "params.pressure");
 * assert.deepEqual(s, { kind: "fixed", sampler: "linear", lower: 1, upper: 2, n: 5 });
 * assert.throws(
 *   () => parseSampler({ sampler: "linear", lower: 1, upper: 2, n: 0 }, "params.pressure"),
 *   /'params\.pressure\.n' must be a positive integer: current value is 0/,
 * );
 * ```
 */
export function parseSampler(value: unknown, field: string): Sampler {
  if (Array.isArray(value)) {
    if (value.length !== 3) {
      fail("type", `'${field}' must be a sampler object or an array [lower, upper, n]`, value);
    }
    return range("linear", value[0], value[1], value[2], field) as FixedRangeSampler;
  }
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) {
    fail("type", `'${field}' must be a sampler object or an array [lower, upper, n]`, value);
  }
  const o = value as Record<string, unknown>;
  const name = o.sampler;
  if (typeof name !== "string") fail("type", `'${path(field, "sampler")}' must be a string`, name);
  if (!Object.hasOwn(KINDS, name)) {
    fail("range", `'${path(field, "sampler")}' must be one of ${NAMES}`, name);
  }
  const sampler = name as Sampler["sampler"];
  const kind = KINDS[sampler];
  if (o.kind !== undefined && o.kind !== kind) {
    fail(
      "type",
      `'${path(field, "kind")}' must be "${kind}" for sampler "${sampler}" or be left out`,
      o.kind,
    );
  }
  const allowed = FIELDS[sampler];
  for (const key of Object.keys(o)) {
    if (key !== "kind" && key !== "sampler" && !allowed.includes(key)) {
      fail(
        "type",
        `'${path(field, key)}' is not a field of sampler "${sampler}" (expected ${
          allowed.map((f) => `'${f}'`).join(", ")
        })`,
        o[key],
      );
    }
  }
  switch (sampler) {
    case "fixed":
    case "random":
      return Object.freeze({ kind, sampler, values: valueList(o.values, field) }) as Sampler;
    case "normal":
      return normal(o.mean, o.sd, o.n, field);
    default:
      return range(sampler, o.lower, o.upper, o.n, field) as Sampler;
  }
}
