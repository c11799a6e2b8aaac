/**
 * What a sweep returns: every row's parameters, outputs and outcome, as columns.
 *
 * @module
 */

/** The result of {@linkcode parameterSweep} and its variants, in combination order. */
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
  /** The seed of the random draws (undefined for fixed samplers). */
  readonly seed: number | undefined;
  /** Number of rows. */
  readonly rows: number;
  /** Counts and timings. */
  readonly stats: SweepStats;
  /** Differential sweeps: a nominal row's own index; NaN for perturbation rows (WaterTAP's `nominal_idx`). */
  readonly nominalIndex?: Float64Array;
  /** Differential sweeps: the nominal row a perturbation row perturbs; NaN for nominal rows (WaterTAP's `differential_idx`). */
  readonly differentialIndex?: Float64Array;
}

/** Counts and timings of a sweep. */
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
