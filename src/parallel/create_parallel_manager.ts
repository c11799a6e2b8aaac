/**
 * The factory that picks a manager from options (WaterTAP's `create_parallel_manager`).
 *
 * @module
 */

import { knownKeys, positiveInteger } from "../_describe.ts";
import { POOL_OPTION_KEYS } from "./_pool_options.ts";
import type { ParallelManager } from "./parallel_manager.ts";
import { DenoWorkerManager, type DenoWorkerManagerOptions } from "./deno_worker_manager.ts";
import { MpiManager } from "./mpi_manager.ts";
import { underMpiLauncher } from "./_mpi_ffi.ts";

/**
 * Options of {@linkcode createParallelManager}.
 *
 * @example Pools of one and of two
 * ```ts
 * import {
 *   createParallelManager,
 *   type CreateParallelManagerOptions,
 *   DenoWorkerManager,
 * } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * // One worker is still a permission-scoped worker, never this thread.
 * const single: CreateParallelManagerOptions = { workers: 1 };
 * await using one = createParallelManager(single);
 * assert.ok(one instanceof DenoWorkerManager);
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
   * How many workers to use. One is a pool of one permission-scoped worker: the unscoped
   * serial {@linkcode SingleProcessManager} is never chosen for you (construct it yourself).
   * With `mpi`, the workers of each rank's local pool.
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
 * import { type ClosableParallelManager, createParallelManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const source = `
 *   export const build = () => [];
 *   export const sum = (p) => p.data.reduce((a, b) => a + b, 0);`;
 * const module = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
 *
 * async function total(pm: ClosableParallelManager, xs: number[]): Promise<number> {
 *   try {
 *     await pm.scatter({ module, name: "build" }, {}, { module, name: "sum" }, xs.map((x) => [x]));
 *     const chunks = await pm.gather();
 *     return chunks.reduce((acc, chunk) => acc + (chunk.results as number), 0);
 *   } finally {
 *     await pm.close();
 *   }
 * }
 *
 * const pm = createParallelManager({ workers: 1, permissions: { import: true } });
 * assert.equal(await total(pm, [1, 2, 3]), 6);
 * URL.revokeObjectURL(module);
 * ```
 */
export type ClosableParallelManager = ParallelManager & AsyncDisposable & {
  close(): Promise<void>;
};

/**
 * Makes a manager: under an MPI launcher (or with `mpi: true`) an {@linkcode MpiManager} for
 * this rank (whose local pool is such a pool), else a {@linkcode DenoWorkerManager} with the
 * given options, for one worker too: model code then runs in a permission-scoped worker on every
 * path. The serial {@linkcode SingleProcessManager} runs model code unscoped on this thread; it
 * is used only when you construct it yourself.
 *
 * @param options How many workers, and the worker manager's options.
 * @returns A manager; close it (or `await using` it) when done.
 * @throws {RangeError} When `workers` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { createParallelManager, DenoWorkerManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * await using pm = createParallelManager({ workers: 1 });
 * assert.ok(pm instanceof DenoWorkerManager);
 * ```
 */
export function createParallelManager(
  options: CreateParallelManagerOptions = {},
): ClosableParallelManager {
  knownKeys("create a parallel manager", options ?? {}, ["mpi", ...POOL_OPTION_KEYS]);
  const { mpi = underMpiLauncher(), ...rest } = options;
  // With MPI, no `workers` lets each rank's pool take its share of the machine's cores.
  const workers = options.workers === undefined && mpi ? undefined : positiveInteger(
    "create a parallel manager",
    "workers",
    options.workers ?? navigator.hardwareConcurrency,
  );
  if (mpi) return new MpiManager({ ...rest, workers });
  return new DenoWorkerManager({ ...rest, workers });
}
