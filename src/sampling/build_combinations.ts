/**
 * The matrix of parameter combinations a sweep runs, built from samplers the
 * way WaterTAP's `_build_combinations` builds it, seed for seed.
 *
 * @module
 */

import type { Matrix } from "../parallel/matrix.ts";
import { combine } from "./_combinations.ts";
import type { RandomState } from "./random_state.ts";
import type { Sampler, SamplingType } from "./samplers.ts";

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
  return combine(params, options, "rows") as Combinations;
}
