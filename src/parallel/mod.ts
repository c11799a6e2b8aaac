/**
 * The parallel layer of psweep, all of it: the {@linkcode ParallelManager} contract, the
 * managers (serial, Web Workers, Redis, MPI), matrices of rows, and `buildAndExecute`, the worker-side
 * loop that runs a chunk. The main entry (`@x/psweep`) re-exports what a sweep's user needs;
 * this one is for writing a manager or driving one directly.
 *
 * @example A pool of workers computes chunks of rows
 * ```ts
 * import { DenoWorkerManager, matrixToRows } from "@x/psweep/parallel";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(matrixToRows({ rows: 2, columns: 1, data: Float64Array.of(1, 2) }), [[1], [2]]);
 * await using pool = new DenoWorkerManager({ workers: 1 });
 * assert.equal(pool.numberOfWorkerProcesses(), 1);
 * ```
 *
 * @module
 */

export * from "./matrix.ts";
export * from "./parallel_manager.ts";
export * from "./build_and_execute.ts";
export * from "./single_process_manager.ts";
export * from "./deno_worker_manager.ts";
export * from "./create_parallel_manager.ts";
export * from "./redis_manager.ts";
export * from "./mpi_manager.ts";
