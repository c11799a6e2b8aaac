// Internal: Latin hypercube points as IDAES pysmo's `LatinHypercubeSampling` ("creation" mode)
// makes them, before WaterTAP sorts the rows. Kept apart from buildCombinations so the tests
// can compare the unsorted points with numpy's.

import type { RandomState } from "./random_state.ts";
import { toRows } from "../_columns.ts";

/**
 * Latin hypercube points as columns of `n` values, one column per bound, not sorted.
 *
 * The order of the draws is pysmo's: every stratum of the first column, then of the second, and
 * so on; only then is each column shuffled, in turn. Each point is `j * (1/n) + rand() * (1/n)`
 * in stratum `j`, pysmo's exact arithmetic (it differs in the last bit from `(j + rand()) / n`
 * and from `j/n + rand()/n`), then `lower + x * (upper - lower)`.
 */
export function latinHypercubeColumns(
  rng: RandomState,
  n: number,
  lower: readonly number[],
  upper: readonly number[],
): Float64Array[] {
  const strata = 1 / n;
  const columns: Float64Array[] = [];
  for (let c = 0; c < lower.length; c++) {
    const col = new Float64Array(n);
    for (let j = 0; j < n; j++) col[j] = j * strata + rng.randomSample() * strata;
    columns.push(col);
  }
  for (let c = 0; c < lower.length; c++) {
    const col = rng.shuffle(columns[c]);
    const lo = lower[c];
    const span = upper[c] - lo;
    for (let j = 0; j < n; j++) col[j] = lo + col[j] * span;
  }
  return columns;
}

/** The same points as {@linkcode latinHypercubeColumns}, as a row-major `n` by `lower.length` array. */
export function latinHypercube(
  rng: RandomState,
  n: number,
  lower: readonly number[],
  upper: readonly number[],
): Float64Array {
  const columns = latinHypercubeColumns(rng, n, lower, upper);
  return toRows(columns, n);
}
