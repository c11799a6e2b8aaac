/**
 * What a sweep that does not keep its rows returns: counts, each column's min, mean and max,
 * and the first failure, computed as the rows streamed to disk.
 *
 * @module
 */

import { ColumnStats } from "./_column_stats.ts";
import { goesFirst } from "./_first_failure.ts";
import type { SweepResult, SweepStats } from "./sweep_result.ts";

/**
 * A column's statistics over its values that are not NaN (failed rows and missing outputs are
 * NaN). The mean is the exact sum divided by `count`, rounded once, whatever the rows' order.
 *
 * @example Reading an output's range
 * ```ts
 * import type { ColumnSummary } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const y: ColumnSummary = { min: 0, mean: 1.5, max: 3, count: 4 };
 * assert.equal(y.max - y.min, 3);
 * ```
 */
export interface ColumnSummary {
  /** The smallest value (Infinity when `count` is 0). */
  readonly min: number;
  /** The mean (NaN when `count` is 0). */
  readonly mean: number;
  /** The largest value (-Infinity when `count` is 0). */
  readonly max: number;
  /** How many values are not NaN. */
  readonly count: number;
}

/**
 * A sweep's outcome without its rows: what {@linkcode parameterSweep} returns with
 * `keepResult: false`, its rows being in the results files only. {@linkcode summarizeResult}
 * makes the same from a {@linkcode SweepResult}.
 *
 * @example A sweep to CSV that keeps only its summary
 * ```ts
 * import { linearSample, parameterSweep } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: 2 * p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const summary = await parameterSweep({
 *   model, params: { x: linearSample(0, 1, 3) }, workers: 1,
 *   csv: `${dir}/r.csv`, keepResult: false,
 * });
 * assert.equal(summary.rows, 3);
 * assert.deepEqual(summary.outputs.y, { min: 0, mean: 1, max: 2, count: 3 });
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export interface SweepSummary {
  /** Parameter names, in column order. */
  readonly paramNames: readonly string[];
  /** Output names, in column order. */
  readonly outputNames: readonly string[];
  /** Each parameter's statistics. */
  readonly params: Readonly<Record<string, ColumnSummary>>;
  /** Each output's statistics. */
  readonly outputs: Readonly<Record<string, ColumnSummary>>;
  /** The first failed row (lowest index) and its message; undefined when none failed. */
  readonly firstError: { readonly row: number; readonly message: string } | undefined;
  /** As {@linkcode SweepResult.warnings}. */
  readonly warnings: readonly string[];
  /** As {@linkcode SweepResult.stacks}. */
  readonly stacks?: ReadonlyMap<number, string>;
  /** The seed of the random draws (undefined for fixed samplers). */
  readonly seed: number | undefined;
  /** Number of rows. */
  readonly rows: number;
  /** Counts and timings. */
  readonly stats: SweepStats;
  /** As {@linkcode SweepResult.samples}. */
  readonly samples?: SweepResult["samples"];
}

/**
 * The summary of a result held in memory: the same as a sweep with `keepResult: false` returns
 * for the same rows.
 *
 * @param result A sweep's result.
 * @returns Its counts, column statistics and first failure.
 *
 * @example Summarizing a result
 * ```ts
 * import { fixedSample, parameterSweep, summarizeResult } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => { if (p.x < 0) throw new Error('negative'); return { y: p.x }; };"],
 *   { type: "text/javascript" },
 * ));
 * const result = await parameterSweep({ model, params: { x: fixedSample([-1, 1, 3]) }, workers: 1 });
 * const summary = summarizeResult(result);
 * assert.deepEqual(summary.outputs.y, { min: 1, mean: 2, max: 3, count: 2 });
 * assert.match(summary.firstError!.message, /negative/);
 * URL.revokeObjectURL(model);
 * ```
 */
export function summarizeResult(result: SweepResult): SweepSummary {
  const of = (values: Float64Array): ColumnSummary => {
    const stats = new ColumnStats();
    stats.addAll(values);
    return stats.summary();
  };
  let firstError: SweepSummary["firstError"];
  for (const [row, message] of result.errors) {
    if (goesFirst(firstError, row, message)) firstError = { row, message };
  }
  return {
    paramNames: result.paramNames,
    outputNames: result.outputNames,
    params: Object.fromEntries(result.paramNames.map((n) => [n, of(result.params[n])])),
    outputs: Object.fromEntries(result.outputNames.map((n) => [n, of(result.outputs[n])])),
    firstError,
    warnings: result.warnings,
    ...(result.stacks ? { stacks: result.stacks } : {}),
    seed: result.seed,
    rows: result.rows,
    stats: result.stats,
    ...(result.samples ? { samples: result.samples } : {}),
  };
}
