/**
 * The model contract: what a model module exports for psweep to sweep it.
 *
 * @module
 */

/** A point: parameter names mapped to their values. */
export type Point = Record<string, number>;

/** What `evaluate` returns: output names mapped to numbers. */
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
  /** Called after each build, before the next evaluate, with the point about to run. */
  initialize?(model: M, point: Point): void | Promise<void>;
}
