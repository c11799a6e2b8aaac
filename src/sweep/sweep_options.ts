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
  /** Path or URL of the model module (see {@linkcode SweepModel}); relative paths resolve against the working directory. */
  readonly model: string | URL;
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
  /** Rebuild the model after a failed point, as WaterTAP does. @default {true} */
  readonly rebuildOnFailure?: boolean;
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
}
