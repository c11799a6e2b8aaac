/**
 * `SweepOptions`: what every sweep takes (the model, its parameters, the manager, files, progress).
 * It lives apart from the sweeps so that their shared runner can use it without importing them.
 *
 * @module
 */

import type { WorkerPermissions } from "../parallel/deno_worker_manager.ts";
import type { ParallelManager } from "../parallel/parallel_manager.ts";
import type { Sampler } from "../sampling/samplers.ts";
import type { Progress } from "../io/progress.ts";
import type { CommandModel } from "../command/command_model.ts";

/**
 * Options of {@linkcode parameterSweep}.
 *
 * @example A serial sweep that builds its model and writes a CSV file
 * ```ts
 * import { linearSample, parameterSweep, type SweepOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   [`export const build = (o) => ({ k: o.k });
 *     export const evaluate = (m, p) => ({ y: m.k * p.x });`],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const options: SweepOptions = {
 *   model,
 *   buildOptions: { k: 3 },
 *   params: { x: linearSample(0, 1, 3) },
 *   outputs: ["y"],
 *   workers: 1,
 *   csv: `${dir}/sweep.csv`,
 * };
 * const result = await parameterSweep(options);
 * assert.deepEqual([...result.outputs.y], [0, 1.5, 3]);
 * const csv = await Deno.readTextFile(`${dir}/sweep.csv`);
 * assert.equal(csv.split("\n")[0], "x,y,success");
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export interface SweepOptions {
  /**
   * Path or URL of the model module (see {@linkcode SweepModel}); relative paths resolve against
   * the working directory. Or a program to run, `{ command: ["python3", "/abs/model.py"] }`
   * (see {@linkcode CommandModel}): each worker starts it once and sends it points.
   */
  readonly model: string | URL | CommandModel;
  /**
   * Passed to the model's `build`; plain data, as it is sent to the workers (a function in it
   * is an error, whatever the manager). @default {{}}
   */
  readonly buildOptions?: Record<string, unknown>;
  /** The parameters and their samplers, in column order. */
  readonly params: Record<string, Sampler>;
  /**
   * Outputs to record. A row that does not return one of them (a misspelt name, say) fails,
   * naming it and what the row did return; so does one whose value is not a number (NaN where
   * the model has no value) or a boolean (recorded as 1/0). Without this list, every key the
   * rows return is recorded in the order they first appear; values that are neither numbers nor
   * booleans are then NaN, and the result's `warnings` name each such output once.
   * @default {the keys of the first successful evaluation, then any key later rows add}
   */
  readonly outputs?: readonly string[];
  /** Seed of random and LHS samplers. @default {a fresh seed, reported in the result} */
  readonly seed?: number;
  /** The manager to run on; the caller keeps ownership. @default {a DenoWorkerManager on `workers` workers} */
  readonly manager?: ParallelManager;
  /**
   * Workers of the manager psweep creates: permission-scoped workers, one included (the model
   * never runs on this thread unless you pass an unscoped `SingleProcessManager` as `manager`).
   * @default {navigator.hardwareConcurrency}
   */
  readonly workers?: number;
  /** Permissions of the workers psweep creates. @default {read access to the model's directory} */
  readonly permissions?: WorkerPermissions;
  /**
   * Tell the pool psweep creates that Deno's `worker-options` feature is on, when psweep cannot
   * read Deno's flags (see {@linkcode DenoWorkerManagerOptions.assumeWorkerOptions}). @default {false}
   */
  readonly assumeWorkerOptions?: boolean;
  /**
   * Tell the pool psweep creates that no permission prompt can reach its workers (see
   * {@linkcode DenoWorkerManagerOptions.assumeNoPrompt}). @default {false}
   */
  readonly assumeNoPrompt?: boolean;
  /**
   * Time limit per point in milliseconds; a point over it fails as timed out.
   * Points then run one per message, which costs throughput on tiny points.
   * @default {Infinity}
   */
  readonly timeout?: number;
  /**
   * Rebuild the model after a failed point, as WaterTAP does (not after a point its `probe`
   * rejected: that leaves the model as it was, as in WaterTAP). Unlike WaterTAP, the failed point
   * is not solved again on the rebuilt model: it is recorded as failed, and the next point runs
   * on the rebuilt model. @default {true}
   */
  readonly rebuildOnFailure?: boolean;
  /**
   * Build and initialize the model afresh before every point, so that no point starts from the
   * state the one before left (WaterTAP's `initialize_before_sweep`). Without it the model is
   * built and initialized once per worker, and again after a failed point. @default {false}
   */
  readonly initializeBeforeSweep?: boolean;
  /**
   * Whether the model's `initialize` receives the point about to run, so that it initializes at
   * that point's values (WaterTAP's `update_sweep_params_before_init`); false gives it an empty
   * point, to initialize at the model's own values. Set to true, the model must export
   * `initialize`, as WaterTAP requires an initialize function. @default {true, without
   * requiring `initialize` (WaterTAP's default is false)}
   */
  readonly updateParamsBeforeInit?: boolean;
  /** Stops the sweep; finished rows stay on disk for `resume`. @default {undefined} */
  readonly signal?: AbortSignal;
  /** Receives progress at most every `progressIntervalMs`. @default {undefined} */
  readonly onProgress?: (progress: Progress) => void;
  /** Minimum milliseconds between `onProgress` calls. @default {200} */
  readonly progressIntervalMs?: number;
  /** Path of a CSV file to write rows to as they finish. @default {undefined} */
  readonly csv?: string;
  /** Path of a JSON Lines file to write rows to as they finish. @default {undefined} */
  readonly jsonl?: string;
  /**
   * Path of an Arrow IPC stream file (`.arrow`) to write rows to as they finish: a record
   * batch per chunk, readable by pyarrow and polars while the sweep runs and after a crash.
   * @default {undefined}
   */
  readonly arrow?: string;
  /**
   * Path of an HDF5 file (`.h5`) in WaterTAP's layout (`sweep_params/<name>/value`,
   * `outputs/<name>/value`, `solve_successful/solve_successful`), appended every 65,536 rows
   * or 250 ms, whichever comes first. Needs --allow-env besides read and write.
   * @default {undefined}
   */
  readonly h5?: string;
  /**
   * Path of a Parquet file (`.parquet`), written when the sweep ends; meanwhile rows stream to
   * `<path>.partial.arrow`, which a resume continues. @default {undefined}
   */
  readonly parquet?: string;
  /**
   * Continue the sweep recorded in a results file: only missing rows are computed. Without
   * `seed`, the seed the file recorded is used. @default {false}
   */
  readonly resume?: boolean;
  /** Replace existing output files (without `resume`). @default {false} */
  readonly overwrite?: boolean;
  /**
   * Keep every row in memory and return them as a {@linkcode SweepResult}: the only value a
   * `SweepOptions` takes. A sweep that keeps no rows is given {@linkcode StreamedSweepOptions}
   * (`keepResult: false`): its rows go to its results files only, in any of the formats (`csv`,
   * `jsonl`, `arrow`, `h5`, `parquet`), and it returns a {@linkcode SweepSummary}. @default {true}
   */
  readonly keepResult?: true;
  /**
   * Also write `interpolated_<name>` beside each of `csv` and `jsonl` once the sweep is
   * done: the same rows, with the outputs of failed rows linearly interpolated from the
   * successful ones (see {@linkcode interpolateNanOutputs}); their `success` column still
   * says which rows failed (WaterTAP's `interpolate_nan_outputs`). @default {false}
   */
  readonly interpolateNanOutputs?: boolean;
  /**
   * Publish each point's progress to this http(s) URL as it finishes, as WaterTAP's
   * `publish_progress` does to its `publish_address`: an HTTP PUT, form-encoded, with
   * `worker_number` (this process's rank), `iteration` (the row's index; in a recursive
   * sweep, within its round), `solve_status` (`True` or `False`) and `solve_time`
   * (seconds). Messages go out in the background, a few
   * at a time; a server that is down or slow never holds the sweep back or fails it (one
   * warning is printed, messages are dropped), and at the end what is still on its way gets
   * at most 2 seconds. Needs network permission for the address. @default {undefined}
   */
  readonly publishAddress?: string | URL;
}

/**
 * Options of a {@linkcode parameterSweep} that keeps no rows in memory: they go to its results
 * files only, any of `csv`, `jsonl`, `arrow`, `h5` and `parquet` (at least one is required; Parquet
 * is written at the end from the Arrow stream beside it, a row group at a time), and the sweep
 * returns a {@linkcode SweepSummary} computed as the rows stream. `interpolateNanOutputs` needs
 * every row held, and is refused. Its memory then does not grow with the rows' outputs: what it
 * holds per row is its parameters (8 bytes each), and for a grid of fixed samplers not even
 * those. Files whose rows reached them out of order are put in row order at the end from their
 * own batches, one at a time; after a resume, or when output names appeared late, their rows are
 * read back from the file that records most (JSON Lines, then CSV, Arrow, HDF5, Parquet's
 * stream). `differentialParameterSweep` and `recursiveParameterSweep` take `keepResult: false`
 * as well (see each). Rows go to the workers a window of 262,144 at a time,
 * and each window builds the model again on every worker.
 *
 * @example Ten thousand rows to CSV, keeping only their summary
 * ```ts
 * import { linearSample, parameterSweep, type StreamedSweepOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const options: StreamedSweepOptions = {
 *   model, params: { x: linearSample(0, 1, 10_000) }, workers: 1,
 *   csv: `${dir}/r.csv`, keepResult: false,
 * };
 * const summary = await parameterSweep(options);
 * assert.deepEqual([summary.rows, summary.outputs.y.min, summary.outputs.y.max], [10_000, 0, 1]);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export interface StreamedSweepOptions extends Omit<SweepOptions, "keepResult"> {
  /** Keep no rows in memory (see the interface). */
  readonly keepResult: false;
}
