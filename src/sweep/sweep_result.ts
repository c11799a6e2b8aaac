/**
 * What a sweep returns: every row's parameters, outputs and outcome, as columns.
 *
 * @module
 */

/**
 * The result of {@linkcode parameterSweep} and its variants, in combination order.
 *
 * @example A sweep with one failed row
 * ```ts
 * import { linearSample, parameterSweep, type SweepResult } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   [`export const evaluate = (_, p) => {
 *     if (p.x === 0) throw new Error("x is 0");
 *     return { inv: 1 / p.x };
 *   };`],
 *   { type: "text/javascript" },
 * ));
 * const result: SweepResult = await parameterSweep({
 *   model, params: { x: linearSample(0, 2, 3) }, workers: 1,
 * });
 * assert.equal(result.rows, 3);
 * assert.deepEqual([result.paramNames, result.outputNames], [["x"], ["inv"]]);
 * assert.deepEqual([...result.params.x], [0, 1, 2]);
 * assert.deepEqual([...result.outputs.inv], [NaN, 1, 0.5]);
 * assert.deepEqual([...result.success], [0, 1, 1]);
 * assert.match(result.errors.get(0)!, /x is 0/);
 * assert.equal(result.seed, undefined);
 * URL.revokeObjectURL(model);
 * ```
 */
export interface SweepResult {
  /** Parameter names, in column order. */
  readonly paramNames: readonly string[];
  /** Output names, in column order. */
  readonly outputNames: readonly string[];
  /** The applied value of each parameter, one per row. */
  readonly params: Readonly<Record<string, Float64Array>>;
  /** Each output, one per row; NaN for failed rows and for outputs a row did not produce. */
  readonly outputs: Readonly<Record<string, Float64Array>>;
  /** 1 where the row succeeded, 0 where it failed. */
  readonly success: Uint8Array;
  /** The error message of each failed row, by row index. */
  readonly errors: ReadonlyMap<number, string>;
  /**
   * What the run recorded differently from what the model returned, one line each: an output
   * (found, not named in `outputs`) that some successful row returned as neither a number nor a
   * boolean, recorded as NaN; a recursive sweep that found fewer successes than it was asked
   * for. Empty when every recorded number is what the model returned.
   */
  readonly warnings: readonly string[];
  /**
   * Where the model failed: its own stack trace (with file:line in the model's module) for the
   * first failed row of each kind of error, by row index (a recursive sweep, whose rows are its
   * successes: by draw, every point drawn counted from 0). Rows the pool failed (a timeout, a
   * worker that died) have none. The CLI prints them under `--debug`.
   */
  readonly stacks?: ReadonlyMap<number, string>;
  /** The seed of the random draws (undefined for fixed samplers). */
  readonly seed: number | undefined;
  /** Number of rows. */
  readonly rows: number;
  /** Counts and timings. */
  readonly stats: SweepStats;
  /**
   * Recursive sweeps: how many successful samples were asked for and found (fewer when the
   * rounds ran out), how many points were drawn in all, and in how many rounds.
   */
  readonly samples?: {
    readonly requested: number;
    readonly found: number;
    readonly drawn: number;
    readonly rounds: number;
  };
  /** Differential sweeps: a nominal row's own index; NaN for perturbation rows (WaterTAP's `nominal_idx`). */
  readonly nominalIndex?: Float64Array;
  /** Differential sweeps: the nominal row a perturbation row perturbs; NaN for nominal rows (WaterTAP's `differential_idx`). */
  readonly differentialIndex?: Float64Array;
}

/**
 * Counts and timings of a sweep.
 *
 * @example Counting failed rows
 * ```ts
 * import { fixedSample, parameterSweep, type SweepStats } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => { if (p.x < 0) throw new RangeError('x < 0'); return { root: Math.sqrt(p.x) }; };"],
 *   { type: "text/javascript" },
 * ));
 * const { stats } = await parameterSweep({
 *   model, params: { x: fixedSample([-1, 4, 9]) }, outputs: ["root"], workers: 1,
 * });
 * const s: SweepStats = stats;
 * // x = -1 throws, which fails its row.
 * assert.deepEqual([s.succeeded, s.failed, s.resumed], [2, 1, 0]);
 * assert.ok(s.elapsedMs >= 0 && s.rowsPerSecond > 0);
 * URL.revokeObjectURL(model);
 * ```
 */
export interface SweepStats {
  /** Rows that succeeded. */
  readonly succeeded: number;
  /** Rows that failed. */
  readonly failed: number;
  /** Rows read back from disk by `resume` rather than computed. */
  readonly resumed: number;
  /** Wall-clock milliseconds of the sweep. */
  readonly elapsedMs: number;
  /** Rows computed per second. */
  readonly rowsPerSecond: number;
}
