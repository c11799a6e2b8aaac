/**
 * The matrix of parameter combinations a sweep runs, built from samplers the
 * way WaterTAP's `_build_combinations` builds it, seed for seed.
 *
 * @module
 */

import { invalid } from "../_describe.ts";
import { MAX_ROWS } from "../_limits.ts";
import type { Matrix } from "../parallel/matrix.ts";
import { argsortStable } from "./_argsort.ts";
import { latinHypercubeColumns } from "./_lhs.ts";
import { assertSeed } from "./_seed.ts";
import { geomspace, linspace, reverseGeomspace } from "./_spaces.ts";
import { RandomState } from "./random_state.ts";
import { parseSampler, type Sampler, type SamplingType } from "./samplers.ts";

/**
 * Options of {@linkcode buildCombinations}.
 *
 * @example A seed repeats the draws; a shared generator continues them
 * ```ts
 * import { uniformSample } from "@x/psweep";
 * import { type BuildCombinationsOptions, buildCombinations, RandomState } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const params = { x: uniformSample(0, 1, 3) };
 * const bySeed: BuildCombinationsOptions = { seed: 7 };
 * const first = buildCombinations(params, bySeed);
 * assert.deepEqual(buildCombinations(params, bySeed).data, first.data);
 *
 * const shared: BuildCombinationsOptions = { randomState: new RandomState(7) };
 * assert.deepEqual(buildCombinations(params, shared).data, first.data);
 * const next = buildCombinations(params, shared);
 * assert.notDeepEqual(next.data, first.data);
 * assert.equal(next.seed, 7);
 * ```
 */
export interface BuildCombinationsOptions {
  /**
   * The seed of random and Latin hypercube samplers, an integer from 0 to
   * 2**32 - 1: the same seed as `np.random.seed(seed)` in WaterTAP gives the
   * same combinations. Without it (and without `randomState`) a fresh seed is
   * drawn and reported in {@linkcode Combinations.seed}.
   */
  readonly seed?: number;
  /**
   * A generator to draw from instead of a freshly seeded one; its stream
   * continues from call to call, as numpy's global generator does across
   * WaterTAP's recursive sweeps. It takes precedence over `seed`.
   */
  readonly randomState?: RandomState;
}

/**
 * The combinations to sweep: one row per run, one column per parameter.
 *
 * @example Reading a parameter of a row by name
 * ```ts
 * import { fixedSample } from "@x/psweep";
 * import { buildCombinations, type Combinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c: Combinations = buildCombinations({ a: fixedSample([1, 2]), b: fixedSample([10, 20]) });
 * assert.deepEqual([c.rows, c.columns, c.kind, c.seed], [4, 2, "fixed", undefined]);
 * // Rows are [1, 10], [1, 20], [2, 10], [2, 20].
 * assert.equal(c.data[2 * c.columns + c.names.indexOf("b")], 10);
 * ```
 */
export interface Combinations extends Matrix {
  /** The parameter names, in column order. */
  readonly names: readonly string[];
  /** The sampling type shared by all the parameters. */
  readonly kind: SamplingType;
  /**
   * The seed the random draws came from (the seed given, or a freshly drawn
   * one), so that the run can be repeated; with a `randomState` given, the seed
   * that state was created with, which repeats the draws only from a fresh
   * state. `undefined` for fixed samplers, which draw nothing.
   */
  readonly seed: number | undefined;
}

function fail(kind: "type" | "range", what: string, value: unknown): never {
  return invalid("build combinations", kind, what, value);
}

function allocate(rows: number, columns: number): Float64Array {
  const length = rows * columns;
  try {
    if (!Number.isSafeInteger(length)) throw new RangeError("too long");
    return new Float64Array(length);
  } catch {
    throw new RangeError(
      `Cannot build combinations as the parameters make too many to hold in memory: current value is ${rows} rows of ${columns}`,
    );
  }
}

// A sampler's values, or an error naming it when they are too many to hold in memory (the
// samplers' own checks have passed by then: a RangeError here is an allocation that failed).
function held<T>(name: string, sampler: Sampler, make: () => T): T {
  try {
    return make();
  } catch (error) {
    // V8's words for an allocation that failed; any other RangeError is the sampler's own.
    const allocation = /allocation failed|Invalid (typed )?array( buffer)? length/i;
    if (!(error instanceof RangeError) || !allocation.test(error.message)) throw error;
    const field = "values" in sampler ? `params.${name}.values` : `params.${name}.n`;
    return fail("range", `'${field}' asks for more values than memory holds`, countOf(sampler));
  }
}

function countOf(sampler: Sampler): number {
  return "values" in sampler ? sampler.values.length : sampler.n;
}

function fixedValues(sampler: Sampler): Float64Array {
  switch (sampler.sampler) {
    case "linear":
      return linspace(sampler.lower, sampler.upper, sampler.n);
    case "geom":
      return geomspace(sampler.lower, sampler.upper, sampler.n);
    case "reverseGeom":
      return reverseGeomspace(sampler.lower, sampler.upper, sampler.n);
    case "fixed":
      return Float64Array.from(sampler.values);
    default:
      throw new TypeError(`Unexpected sampler "${sampler.sampler}" among fixed samplers`);
  }
}

function randomValues(sampler: Sampler, rng: RandomState): Float64Array {
  switch (sampler.sampler) {
    case "uniform": {
      const out = new Float64Array(sampler.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(sampler.lower, sampler.upper);
      return out;
    }
    case "normal": {
      const out = new Float64Array(sampler.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(sampler.mean, sampler.sd);
      return out;
    }
    case "random":
      return Float64Array.from(sampler.values);
    default:
      throw new TypeError(`Unexpected sampler "${sampler.sampler}" among random samplers`);
  }
}

// Full factorial in numpy's meshgrid(indexing="ij") order: the last column varies fastest.
function fullFactorial(columns: readonly Float64Array[]): { rows: number; data: Float64Array } {
  const width = columns.length;
  const rows = columns.reduce((product, values) => product * values.length, 1);
  // One column is its own grid: no second copy of what may be millions of values.
  if (width === 1) return { rows, data: columns[0] };
  const data = allocate(rows, width);
  let stride = rows;
  for (let c = 0; c < width; c++) {
    const values = columns[c];
    const n = values.length;
    stride /= n;
    let index = 0;
    let run = 0;
    for (let at = c; at < data.length; at += width) {
      data[at] = values[index];
      if (++run === stride) {
        run = 0;
        index = index + 1 === n ? 0 : index + 1;
      }
    }
  }
  return { rows, data };
}

// Rows ordered by the first column, as WaterTAP's argsort does; ties keep their order.
function sortedByFirst(columns: readonly Float64Array[]): Float64Array {
  const width = columns.length;
  const rows = columns[0].length;
  const order = argsortStable(columns[0]);
  const data = allocate(rows, width);
  for (let c = 0; c < width; c++) {
    const values = columns[c];
    for (let r = 0, at = c; r < rows; r++, at += width) data[at] = values[order[r]];
  }
  return data;
}

function sameCount(names: readonly string[], samplers: readonly Sampler[]): number {
  const n = countOf(samplers[0]);
  for (let i = 1; i < samplers.length; i++) {
    const m = countOf(samplers[i]);
    if (m !== n) {
      fail(
        "range",
        `'params.${names[i]}' must have as many samples as 'params.${names[0]}' (${n})`,
        m,
      );
    }
  }
  return n;
}

/**
 * Builds the combinations of parameter values to sweep, as WaterTAP's
 * `_build_combinations` does, with the same numbers for the same seed.
 *
 * Columns follow the key order of `params`. All samplers must share one
 * {@linkcode SamplingType}:
 *
 * - `"fixed"`: every combination of the parameters' values (a full factorial
 *   grid), the last parameter varying fastest; a parameter with one value
 *   makes a constant column. Nothing is drawn and `seed` is `undefined`.
 * - `"random"`: each parameter in turn makes all its samples from one stream
 *   (predetermined samples draw nothing); all must have the same number of
 *   samples; rows are then sorted by the first column.
 * - `"lhs"`: one Latin hypercube over all parameters with IDAES pysmo's
 *   algorithm; all must have the same `n`; rows are sorted by the first column.
 *
 * Rows with equal first values keep their order (a stable sort); WaterTAP's
 * default numpy sort does not promise any order for them.
 *
 * @param params The samplers, by parameter name; untrusted values are validated
 * as by {@linkcode parseSampler}.
 * @param options The seed or generator of random draws.
 * @returns The combinations, a row-major matrix with the names, the sampling
 * type and the seed used.
 * @throws {TypeError} When `params` or `options` has the wrong type, a sampler
 * is malformed, or sampling types are mixed.
 * @throws {RangeError} When `params` is empty, a name is empty, a sampler's
 * numbers are out of range, the numbers of samples differ, or the seed is not
 * an integer from 0 to 2**32 - 1.
 *
 * @example Full factorial
 * ```ts
 * import { fixedSample, linearSample } from "@x/psweep";
 * import { matrixToRows } from "@x/psweep/parallel";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const c = buildCombinations({ a: linearSample(0, 1, 2), b: fixedSample([5, 6, 7]) });
 * assert.deepEqual(c.names, ["a", "b"]);
 * assert.equal(c.kind, "fixed");
 * assert.equal(c.seed, undefined);
 * assert.deepEqual(matrixToRows(c), [[0, 5], [0, 6], [0, 7], [1, 5], [1, 6], [1, 7]]);
 * ```
 *
 * @example Random draws, repeatable by seed
 * ```ts
 * import { normalSample, uniformSample } from "@x/psweep";
 * import { buildCombinations } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * const params = { a: uniformSample(0, 1, 100), b: normalSample(2, 0.5, 100) };
 * const first = buildCombinations(params);
 * assert.equal(first.rows, 100);
 * const again = buildCombinations(params, { seed: first.seed });
 * assert.deepEqual(again.data, first.data);
 * ```
 */
export function buildCombinations(
  params: Readonly<Record<string, Sampler>>,
  options: BuildCombinationsOptions = {},
): Combinations {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    fail("type", "'params' must be an object of samplers by parameter name", params);
  }
  if (typeof options !== "object" || options === null) {
    fail("type", "'options' must be an object", options);
  }
  const { seed, randomState } = options;
  if (seed !== undefined) assertSeed(seed, "options.seed");
  if (randomState !== undefined && !(randomState instanceof RandomState)) {
    fail("type", "'options.randomState' must be a RandomState", randomState);
  }

  const names = Object.keys(params);
  if (names.length === 0) fail("range", "'params' must have at least one parameter", params);
  const samplers = names.map((name) => {
    if (name === "") fail("range", "parameter names must be non-empty strings", name);
    return parseSampler(params[name], `params.${name}`);
  });
  const kind = samplers[0].kind;
  for (let i = 1; i < samplers.length; i++) {
    if (samplers[i].kind !== kind) {
      fail(
        "type",
        `'params.${names[i]}' must use the same sampling type as 'params.${
          names[0]
        }' ("${kind}"), as types cannot be mixed`,
        samplers[i].kind,
      );
    }
  }
  const frozenNames = Object.freeze(names);
  const columns = names.length;

  if (kind === "fixed") {
    // A product of grid sizes beyond what memory holds is refused before any value is made.
    const rows = samplers.reduce((product, s) => product * countOf(s), 1);
    if (rows > MAX_ROWS) {
      fail(
        "range",
        `the grid of ${
          names.map((name, i) => `'params.${name}' (${countOf(samplers[i])})`).join(" x ")
        } makes more rows than a sweep holds in memory (at most ${MAX_ROWS})`,
        rows,
      );
    }
    const { data } = fullFactorial(
      samplers.map((s, i) => held(names[i], s, () => fixedValues(s))),
    );
    return { rows, columns, data, names: frozenNames, kind, seed: undefined };
  }

  const n = sameCount(names, samplers);
  const rng = randomState ?? new RandomState(seed ?? RandomState.randomSeed());
  if (kind === "random") {
    const data = sortedByFirst(
      samplers.map((s, i) => held(names[i], s, () => randomValues(s, rng))),
    );
    return { rows: n, columns, data, names: frozenNames, kind, seed: rng.seed };
  }

  const lhs = samplers as readonly { lower: number; upper: number }[];
  const data = sortedByFirst(
    held(
      names[0],
      samplers[0],
      () => latinHypercubeColumns(rng, n, lhs.map((s) => s.lower), lhs.map((s) => s.upper)),
    ),
  );
  return { rows: n, columns, data, names: frozenNames, kind, seed: rng.seed };
}
