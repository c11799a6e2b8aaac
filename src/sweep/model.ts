/**
 * The model contract: what a model module exports for psweep to sweep it.
 *
 * @module
 */

/**
 * A point: parameter names mapped to their values.
 *
 * @example What `evaluate` receives
 * ```ts
 * import type { Point, SweepModel } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model: SweepModel = { evaluate: (_, p: Point) => ({ area: p.width * p.height }) };
 * const point: Point = { width: 2, height: 3 };
 * assert.deepEqual(await model.evaluate(undefined, point), { area: 6 });
 * ```
 */
export type Point = Record<string, number>;

/**
 * What `evaluate` returns: output names mapped to numbers.
 *
 * @example Each output name becomes a column of the result
 * ```ts
 * import { linearSample, type Outputs, parameterSweep } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ double: 2 * p.x, square: p.x * p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const result = await parameterSweep({ model, params: { x: linearSample(1, 2, 2) }, workers: 1 });
 * assert.deepEqual(result.outputNames, ["double", "square"]);
 * const lastRow: Outputs = Object.fromEntries(
 *   result.outputNames.map((name) => [name, result.outputs[name][1]]),
 * );
 * assert.deepEqual(lastRow, { double: 4, square: 4 });
 * URL.revokeObjectURL(model);
 * ```
 */
export type Outputs = Record<string, number>;

/**
 * The exports of a model module. Only `evaluate` is required.
 *
 * @typeParam M The model state that `build` returns.
 *
 * @example A closed-form model module
 * ```ts
 * import type { SweepModel } from "@x/psweep";
 *
 * export const model: SweepModel<{ k: number }> = {
 *   build: (options) => ({ k: Number(options?.k ?? 1) }),
 *   evaluate: (m, p) => ({ y: m.k * p.x }),
 * };
 * ```
 */
export interface SweepModel<M = unknown> {
  /**
   * Builds the model state, once per worker and again after a failed point
   * (unless the sweep's `rebuildOnFailure` is false). Sync or async.
   */
  build?(options?: Record<string, unknown>): M | Promise<M>;
  /** Evaluates one point; a throw, a rejection or a non-finite requested output fails the point. */
  evaluate(model: M, point: Point): Outputs | Promise<Outputs>;
  /** Returns false to record the point as failed without evaluating it. */
  probe?(model: M, point: Point): boolean | Promise<boolean>;
  /**
   * Called after each build, before the next evaluate, with the point about to run (an empty
   * point when the sweep's `updateParamsBeforeInit` is false). Outputs it adds to the state and
   * `evaluate` returns are recorded like any other.
   */
  initialize?(model: M, point: Point): void | Promise<void>;
}
