/**
 * The sampling layer of psweep: the samplers (equal to numpy's draws for the same seed), the
 * grid or sample they build, and numpy's legacy random generator. The main entry (`@x/psweep`)
 * re-exports the samplers; this one adds the generator and `buildCombinations`.
 *
 * @example The combinations of two samplers
 * ```ts
 * import { buildCombinations, normalSample, uniformSample } from "@x/psweep/sampling";
 * import assert from "node:assert/strict";
 *
 * // Random samplers draw one row each: the same seed gives numpy's draws.
 * const c = buildCombinations({ x: uniformSample(0, 1, 3), y: normalSample(0, 1, 3) }, { seed: 1 });
 * assert.equal(c.rows, 3);
 * ```
 *
 * @module
 */

export * from "./random_state.ts";
export * from "./samplers.ts";
export * from "./build_combinations.ts";
// What the combinations are made of: rows of a Matrix, as the managers take them.
export type { Matrix, TypedArray } from "../parallel/matrix.ts";
