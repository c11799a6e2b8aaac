/**
 * Matching the rows a results file holds to the combinations of a sweep, so that a resumed
 * sweep computes only the rows missing.
 *
 * @module
 */

import { type ParameterRows, toMatrix } from "../parallel/matrix.ts";

/**
 * Options of {@linkcode matchRows}.
 *
 * @example Usage
 * ```ts
 * import { matchRows, type MatchRowsOptions } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const all = { rows: 2, columns: 2, data: Float64Array.of(0, 1, 1, 0) };
 * const stray = { rows: 1, columns: 2, data: Float64Array.of(2, 3) };
 * const options: MatchRowsOptions = { paramNames: ["a", "b"] };
 * assert.throws(() => matchRows(stray, all), /column 0=2, column 1=3/);
 * assert.throws(() => matchRows(stray, all, options), /a=2, b=3/);
 * ```
 */
export interface MatchRowsOptions {
  /**
   * Names of the columns, to show the values of an unmatched row by name.
   *
   * @default {"column 0", "column 1", ...}
   */
  readonly paramNames?: readonly string[];
}

/**
 * Maps each row already done to the index of the equal row among all of a
 * sweep's combinations, in O(rows) with a hash map keyed on the rows' bits.
 *
 * Rows are equal when every value is the same double (`Object.is`: `-0` is not
 * `0`, NaN equals NaN). Duplicates are matched in order: the k-th occurrence of
 * a row in `done` maps to the k-th occurrence in `all`.
 *
 * @param done The parameters of the rows already done, e.g. from {@linkcode readRows}: a Matrix or an array of rows.
 * @param all The parameters of all combinations of the sweep: a Matrix or an array of rows.
 * @param options Column names for error messages.
 * @returns For each done row, the index of its row in `all`.
 * @throws {Error} When a done row does not belong to the sweep (no unmatched equal row in `all`).
 * @throws {TypeError} When the two matrices have different numbers of columns, or either is
 * neither a Matrix nor an array of rows.
 *
 * @example Usage
 * ```ts
 * import { matchRows } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const all = { rows: 4, columns: 2, data: Float64Array.of(0, 0, 0, 1, 1, 0, 0, 1) };
 * const done = { rows: 3, columns: 2, data: Float64Array.of(0, 1, 1, 0, 0, 1) };
 * assert.deepEqual([...matchRows(done, all)], [1, 2, 3]);
 * assert.throws(
 *   () => matchRows({ rows: 1, columns: 2, data: Float64Array.of(5, 5) }, all, { paramNames: ["a", "b"] }),
 *   /a=5, b=5.*does not belong to this sweep/,
 * );
 * ```
 */
export function matchRows(
  done: ParameterRows,
  all: ParameterRows,
  options: MatchRowsOptions = {},
): Int32Array {
  // Arrays of rows as scatter takes them; anything else is a TypeError naming the argument.
  done = toMatrix(done, "done");
  all = toMatrix(all, "all");
  const P = all.columns;
  if (done.columns !== P) {
    throw new TypeError(
      `Cannot match rows as 'done' must have as many columns as 'all': current value is ${done.columns}, expected ${P}`,
    );
  }
  const scratch = new Float64Array(P);
  const units = new Uint16Array(scratch.buffer);
  const key = (data: Float64Array, row: number): string => {
    const o = row * P;
    for (let j = 0; j < P; j++) {
      const v = data[o + j];
      scratch[j] = v !== v ? NaN : v; // one NaN bit pattern
    }
    if (units.length <= 4096) return String.fromCharCode.apply(null, units as unknown as number[]);
    let text = "";
    for (let i = 0; i < units.length; i += 4096) {
      text += String.fromCharCode.apply(null, units.subarray(i, i + 4096) as unknown as number[]);
    }
    return text;
  };
  // Chain the done rows with equal keys, first occurrence first.
  const first = new Map<string, number>();
  const next = new Int32Array(done.rows);
  for (let k = done.rows - 1; k >= 0; k--) {
    const id = key(done.data, k);
    next[k] = first.get(id) ?? -1;
    first.set(id, k);
  }
  const result = new Int32Array(done.rows).fill(-1);
  let matched = 0;
  for (let i = 0; i < all.rows && matched < done.rows; i++) {
    const id = key(all.data, i);
    const k = first.get(id);
    if (k === undefined) continue;
    result[k] = i;
    matched++;
    if (next[k] < 0) first.delete(id);
    else first.set(id, next[k]);
  }
  if (matched < done.rows) {
    const k = result.indexOf(-1);
    const names = options.paramNames;
    const values = Array.from(
      done.data.subarray(k * P, k * P + P),
      (v, j) => `${names?.[j] ?? `column ${j}`}=${Object.is(v, -0) ? "-0" : v}`,
    ).join(", ");
    throw new Error(
      `Cannot match done row ${k} (${values}) as it does not belong to this sweep: no combination left has these values`,
    );
  }
  return result;
}
