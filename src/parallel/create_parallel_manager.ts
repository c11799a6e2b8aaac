/**
 * The factory that picks a manager from options (WaterTAP's `create_parallel_manager`).
 *
 * @module
 */

import { describe } from "../_describe.ts";
import type { ParallelManager } from "./parallel_manager.ts";
import { SingleProcessManager } from "./single_process_manager.ts";
import { DenoWorkerManager, type DenoWorkerManagerOptions } from "./deno_worker_manager.ts";
import { MpiManager } from "./mpi_manager.ts";
import { underMpiLauncher } from "./_mpi_ffi.ts";

/**
 * Options of {@linkcode createParallelManager}.
 *
 * @example A serial manager, and a pool
 * ```ts
 * import {
 *   createParallelManager,
 *   type CreateParallelManagerOptions,
 *   DenoWorkerManager,
 *   SingleProcessManager,
 * } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const serial: CreateParallelManagerOptions = { workers: 1 };
 * await using one = createParallelManager(serial);
 * assert.ok(one instanceof SingleProcessManager);
 *
 * // The pool's own options pass through; no worker starts until work arrives.
 * const pool: CreateParallelManagerOptions = { workers: 2, timeout: 1000 };
 * await using two = createParallelManager(pool);
 * assert.ok(two instanceof DenoWorkerManager);
 * assert.equal(two.numberOfWorkerProcesses(), 2);
 * ```
 */
export interface CreateParallelManagerOptions extends DenoWorkerManagerOptions {
  /**
   * How many workers to use; 1 gives the serial {@linkcode SingleProcessManager}. With `mpi`,
   * the workers of each rank's local pool.
   * @default {navigator.hardwareConcurrency; with `mpi`, the machine's cores divided by its ranks}
   */
  readonly workers?: number;
  /**
   * Make an {@linkcode MpiManager} for this MPI rank.
   * @default {whether this process runs under an MPI launcher (mpirun, mpiexec, srun)}
   */
  readonly mpi?: boolean;
}

/**
 * A manager that can be closed, as every manager this factory makes is.
 *
 * @example A helper that uses a manager and closes it
 * ```ts
 * import { type ClosableParallelManager, createParallelManager, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * async function total(pm: ClosableParallelManager, xs: number[]): Promise<number> {
 *   try {
 *     const sum = (p: Matrix) => p.data.reduce((a, b) => a + b, 0);
 *     await pm.scatter(() => [], {}, sum, xs.map((x) => [x]));
 *     const chunks = await pm.gather();
 *     return chunks.reduce((acc, chunk) => acc + (chunk.results as number), 0);
 *   } finally {
 *     await pm.close();
 *   }
 * }
 *
 * assert.equal(await total(createParallelManager({ workers: 1 }), [1, 2, 3]), 6);
 * ```
 */
export type ClosableParallelManager = ParallelManager & AsyncDisposable & {
  close(): Promise<void>;
};

/**
 * Makes a manager: under an MPI launcher (or with `mpi: true`) an {@linkcode MpiManager} for this
 * rank, else the serial one for one worker (with `chunkTargetMs` if
 * given), otherwise a {@linkcode DenoWorkerManager} with the given options. One
 * worker with a finite `timeout` or with `permissions` is a pool of one: only a
 * worker can be stopped, or scoped.
 *
 * @param options How many workers, and the worker manager's options.
 * @returns A manager; close it (or `await using` it) when done.
 * @throws {RangeError} When `workers` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { createParallelManager, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * await using pm = createParallelManager({ workers: 1 });
 * assert.ok(pm instanceof SingleProcessManager);
 * ```
 */
export function createParallelManager(
  options: CreateParallelManagerOptions = {},
): ClosableParallelManager {
  const { mpi = underMpiLauncher(), ...rest } = options;
  const workers = options.workers ?? (mpi ? undefined : navigator.hardwareConcurrency);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    throw new RangeError(
      `Cannot create a parallel manager as 'workers' must be a positive integer: current value is ${
        describe(workers)
      }`,
    );
  }
  const needsWorker = (options.timeout !== undefined && Number.isFinite(options.timeout)) ||
    options.permissions !== undefined;
  if (mpi) return new MpiManager({ ...rest, workers });
  if (workers === 1 && !needsWorker) {
    return new SingleProcessManager({ chunkTargetMs: options.chunkTargetMs });
  }
  return new DenoWorkerManager({ ...rest, workers });
}
