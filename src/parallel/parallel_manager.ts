/**
 * The contract every psweep manager implements: WaterTAP's `ParallelManager`
 * in camelCase, with functions given as module references so that they can
 * cross into workers and, later, to other machines.
 *
 * @module
 */

import type { Matrix, ParameterRows, TypedArray } from "./matrix.ts";
import { assertMatrix } from "./_assert_matrix.ts";

/**
 * The rank of the root process in every manager (WaterTAP's `ROOT_PROCESS_RANK`).
 *
 * @example The serial manager is the root
 * ```ts
 * import { ROOT_PROCESS_RANK, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const pm = new SingleProcessManager();
 * assert.equal(pm.getRank(), ROOT_PROCESS_RANK);
 * assert.ok(pm.isRootProcess());
 * ```
 */
export const ROOT_PROCESS_RANK = 0;

/**
 * A function named by the module that exports it, so that any thread or
 * machine can import it: `{ module: new URL("./model.ts", import.meta.url), name: "build" }`.
 *
 * @example Executing a function named by its module
 * ```ts
 * import { type ModuleFunction, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * // A module that exports the function, here written inline.
 * const module = URL.createObjectURL(new Blob(
 *   ["export const double = (p) => Array.from(p.data, (x) => 2 * x);"],
 *   { type: "text/javascript" },
 * ));
 * const double: ModuleFunction = { module, name: "double" };
 * const pm = new SingleProcessManager();
 * await pm.scatter(() => [], {}, double, [[1], [2]]);
 * const [chunk] = await pm.gather();
 * assert.deepEqual(chunk.results, [2, 4]);
 * URL.revokeObjectURL(module);
 * ```
 */
export interface ModuleFunction {
  /** Specifier or URL of the module; relative specifiers are not allowed. */
  readonly module: string | URL;
  /** Name of the export. */
  readonly name: string;
}

/**
 * `doBuild(kwargs)` returns the extra arguments that every `doExecute` call receives.
 *
 * @example Building an offset once for every chunk
 * ```ts
 * import { type BuildFunction, type Matrix, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const build: BuildFunction = ({ offset }) => [Number(offset)];
 * const pm = new SingleProcessManager();
 * await pm.scatter(
 *   build,
 *   { offset: 10 },
 *   (p: Matrix, offset: number) => Array.from(p.data, (x) => x + offset),
 *   [[1], [2]],
 * );
 * const [chunk] = await pm.gather();
 * assert.deepEqual(chunk.results, [11, 12]);
 * ```
 */
export type BuildFunction = (
  kwargs: Record<string, unknown>,
) => readonly unknown[] | Promise<readonly unknown[]>;

/**
 * `doExecute(localParameters, ...builtArguments)` computes one chunk's result.
 *
 * @example A chunk of rows scaled by a built factor
 * ```ts
 * import { type ExecuteFunction, type Matrix, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const scale: ExecuteFunction = (p: Matrix, k: number) => Array.from(p.data, (x) => x * k);
 * const pm = new SingleProcessManager();
 * await pm.scatter(() => [3], {}, scale, [[1], [2]]);
 * const [chunk] = await pm.gather();
 * assert.deepEqual(chunk.results, [3, 6]);
 * ```
 */
// deno-lint-ignore no-explicit-any
export type ExecuteFunction = (localParameters: Matrix, ...builtArguments: any[]) => unknown;

/**
 * A function given either as a {@linkcode ModuleFunction} or, for in-process managers, directly.
 *
 * @example Both forms
 * ```ts
 * import {
 *   type Callable,
 *   type ExecuteFunction,
 *   isModuleFunction,
 *   resolveCallable,
 *   toMatrix,
 * } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const byName: Callable<ExecuteFunction> = { module: "file:///model.ts", name: "execute" };
 * assert.ok(isModuleFunction(byName));
 * const direct: Callable<ExecuteFunction> = (p) => p.rows;
 * const execute = await resolveCallable(direct);
 * assert.equal(execute(toMatrix([[1], [2]])), 2);
 * ```
 */
export type Callable<F> = ModuleFunction | F;

/**
 * An error flattened so that it survives being posted between threads.
 *
 * @example The error of a failed chunk
 * ```ts
 * import { type ErrorInfo, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const pm = new SingleProcessManager();
 * await pm.scatter(() => [], {}, () => {
 *   throw new RangeError("x out of range");
 * }, [[1]]);
 * const [chunk] = await pm.gather();
 * const error: ErrorInfo | undefined = chunk.error;
 * assert.equal(error?.name, "RangeError");
 * assert.equal(error?.message, "x out of range");
 * assert.deepEqual(structuredClone(error), error);
 * ```
 */
export interface ErrorInfo {
  /** The error's class name, e.g. `"TypeError"` or `"NotCapable"`. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The stack trace, when one was available. */
  readonly stack?: string;
}

/**
 * The result of one chunk of work (WaterTAP's `LocalResults`): which process
 * (chunk) computed it, the parameters it was given and what `doExecute` returned.
 *
 * A chunk whose `doExecute` threw, timed out or whose worker died carries
 * `error` instead of `results`.
 *
 * @typeParam R What `doExecute` returns.
 *
 * @example Usage
 * ```ts
 * import { LocalResults, toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const r = new LocalResults(0, toMatrix([[1]]), [42]);
 * assert.equal(r.processNumber, 0);
 * assert.deepEqual(r.results, [42]);
 * assert.equal(r.error, undefined);
 * ```
 */
export class LocalResults<R = unknown> {
  /** Which chunk (or rank) produced these results; `gather` orders by it. */
  readonly processNumber: number;
  /** The parameters this chunk was given. */
  readonly parameters: Matrix;
  /** What `doExecute` returned; `undefined` when the chunk failed. */
  readonly results: R | undefined;
  /** Why the chunk failed, when it did. */
  readonly error: ErrorInfo | undefined;

  /**
   * Builds a chunk result.
   *
   * @param processNumber Which chunk or rank produced it.
   * @param parameters The chunk's parameters.
   * @param results What `doExecute` returned.
   * @param error Why the chunk failed, if it did.
   */
  constructor(processNumber: number, parameters: Matrix, results?: R, error?: ErrorInfo) {
    assertMatrix(parameters, "parameters", "record a chunk's results");
    this.processNumber = processNumber;
    this.parameters = parameters;
    this.results = results;
    this.error = error;
  }
}

/**
 * Per-call options of {@linkcode ParallelManager.scatter}, beyond WaterTAP's arguments.
 *
 * @example Streaming results, and aborting
 * ```ts
 * import { type LocalResults, type ScatterOptions, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const pm = new SingleProcessManager();
 * const seen: LocalResults[] = [];
 * const streaming: ScatterOptions = { onResult: (r) => seen.push(r) };
 * await pm.scatter(() => [], {}, (p) => p.rows, [[1], [2]], streaming);
 * assert.deepEqual(seen.map((r) => r.results), [2]);
 *
 * const aborted: ScatterOptions = { signal: AbortSignal.abort(new Error("stop")) };
 * await pm.scatter(() => [], {}, (p) => p.rows, [[1], [2]], aborted);
 * const [chunk] = await pm.gather();
 * assert.equal(chunk.error?.message, "stop");
 * ```
 */
export interface ScatterOptions<R = unknown> {
  /** Stops the work: chunks not yet finished are reported as aborted. @default {undefined} */
  readonly signal?: AbortSignal;
  /**
   * Called on the main thread with each chunk's result as soon as it exists,
   * in completion order, so that callers can stream results to disk. When it
   * returns a promise, the manager starts no further chunk until the promise
   * settles (chunks already running finish): a consumer slower than the
   * workers, such as a disk, then holds the work back instead of letting
   * results pile up in memory. What it throws, or rejects with, does not stop
   * the work: `gather` throws it (the first one) once the chunks have finished.
   * @default {undefined}
   */
  readonly onResult?: (result: LocalResults<R>) => unknown;
  /**
   * Further modules (absolute URLs) that `doBuild` or `doExecute` import at
   * run time (a sweep's model, say). Managers that scope permissions give their workers
   * read access to these modules' directories too.
   * @default {[]}
   */
  readonly imports?: readonly (string | URL)[];
}

/**
 * Where `gatherArraysToRoot` writes on the root: the buffer and each rank's count.
 *
 * @example Gathering on the serial manager
 * ```ts
 * import { type ReceiveBufferSpec, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const buffer = new Float64Array(3);
 * const spec: ReceiveBufferSpec = { buffer, sizes: [3] };
 * await new SingleProcessManager().gatherArraysToRoot(new Float64Array([1, 2, 3]), spec);
 * assert.deepEqual([...buffer], [1, 2, 3]);
 * ```
 */
export interface ReceiveBufferSpec {
  /** The receive buffer, at least `sum(sizes)` long. */
  readonly buffer: TypedArray;
  /** How many elements each rank sends, in rank order. */
  readonly sizes: readonly number[];
}

/**
 * WaterTAP's parallel-manager contract. A manager knows its rank among its
 * peers, offers MPI-style collectives, and spreads `buildAndExecute` over
 * chunks of parameter rows (`scatter`), whose results `gather` collects.
 *
 * @example Code that runs on any manager
 * ```ts
 * import { type Matrix, type ParallelManager, SingleProcessManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * async function squares(pm: ParallelManager, xs: number[]): Promise<number[]> {
 *   const square = (p: Matrix) => Array.from(p.data, (x) => x * x);
 *   await pm.scatter(() => [], {}, square, xs.map((x) => [x]));
 *   const chunks = pm.resultsFromLocalTree(await pm.gather());
 *   return chunks.flatMap((chunk) => chunk.results as number[]);
 * }
 *
 * assert.deepEqual(await squares(new SingleProcessManager(), [1, 2, 3]), [1, 4, 9]);
 * ```
 */
export interface ParallelManager {
  /** Whether this process is the root (rank {@linkcode ROOT_PROCESS_RANK}). */
  isRootProcess(): boolean;
  /** This process's rank among its peers. */
  getRank(): number;
  /** How many worker processes (or threads) this manager uses. */
  numberOfWorkerProcesses(): number;
  /** Barrier: resolves once every peer has reached it. */
  syncWithPeers(): Promise<void>;
  /** Broadcast: copies the root's array into every peer's `data`, in place. */
  syncArrayWithPeers(data: TypedArray): Promise<void>;
  /** Broadcast of a structured-cloneable value: every peer gets the root's. */
  syncObjectWithPeers<T>(obj: T): Promise<T>;
  /** Allgather: every peer gets every peer's value, in rank order. */
  combineDataWithPeers<T>(data: T): Promise<T[]>;
  /**
   * Gatherv: the root receives every peer's `sendbuf`, concatenated in rank
   * order, into `recvbufSpec.buffer`. Off the root `recvbufSpec` is ignored.
   * @throws {RangeError} When the sizes do not match what is sent.
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void>;
  /**
   * Allreduce-sum: `recvbuf[i]` becomes the sum over peers of `sendbuf[i]`.
   * @throws {RangeError} When the two buffers differ in length.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void>;
  /**
   * Starts running `doExecute` over the rows of `allParameters`, after
   * `doBuild(doBuildKwargs)` built the arguments it needs.
   */
  scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options?: ScatterOptions,
  ): Promise<void>;
  /** Waits for the scattered work and returns one result per chunk, ordered by `processNumber`. */
  gather(): Promise<LocalResults[]>;
  /** The results that belong to this process's subtree (WaterTAP passes them through). */
  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[];
}

/**
 * Errors a chunk can end with besides its own: names of `LocalResults.error`, the same for
 * every manager.
 *
 * @example Telling a timed-out chunk from a failing one
 * ```ts
 * import { CHUNK_ERROR_NAMES, LocalResults, toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const r = new LocalResults(0, toMatrix([[1]]), undefined, { name: "TimeoutError", message: "slow" });
 * assert.equal(r.error?.name, CHUNK_ERROR_NAMES.timeout);
 * ```
 */
export const CHUNK_ERROR_NAMES = {
  /** The chunk ran past `timeout`. */
  timeout: "TimeoutError",
  /** The scatter was aborted (signal or close) before the chunk finished. */
  aborted: "AbortError",
  /**
   * The chunk's worker died more than `maxRetries` times. In the worker pool, a chunk of several
   * rows whose worker died is first retried row by row, so that only a row that kills its
   * worker fails.
   */
  workerDied: "WorkerDiedError",
  /**
   * `doBuild` failed (or its module could not load) on the worker; in the worker pool also a
   * worker that died while building more than `maxRetries` times, or a build past
   * `buildTimeout`.
   */
  buildFailed: "BuildError",
} as const;
