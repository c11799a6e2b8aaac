/**
 * The serial manager: everything runs in this thread as rank 0 of one.
 *
 * @module
 */

import { abortFailure, buildFailure, toErrorInfo } from "./_errors.ts";
import { GROUP_OF_ONE } from "./_group_of_one.ts";
import { ParallelActor } from "./build_and_execute.ts";
import { type ParameterRows, sliceRows, toMatrix, type TypedArray } from "./matrix.ts";
import { positiveNumber } from "../_describe.ts";
import {
  type BuildFunction,
  type Callable,
  type ExecuteFunction,
  LocalResults,
  type ParallelManager,
  type ReceiveBufferSpec,
  ROOT_PROCESS_RANK,
  type ScatterOptions,
} from "./parallel_manager.ts";

/**
 * Options of {@linkcode SingleProcessManager}.
 *
 * @example Rows in chunks of about 20 ms, each reported as it finishes
 * ```ts
 * import { SingleProcessManager, type SingleProcessManagerOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const options: SingleProcessManagerOptions = { chunkTargetMs: 20 };
 * const pm = new SingleProcessManager(options);
 * const seen: number[] = [];
 * await pm.scatter(() => [], {}, (p) => p.data.slice(), [[1], [2], [3]], {
 *   onResult: (r) => seen.push(r.parameters.rows),
 * });
 * assert.equal(seen.reduce((a, b) => a + b), 3);
 * ```
 */
export interface SingleProcessManagerOptions {
  /**
   * When set, rows run in chunks of about this many milliseconds (built once),
   * each reported through `onResult` as it finishes, with the event loop free
   * between chunks so that an abort stops the work there. When unset, every
   * row runs as one chunk, as in WaterTAP.
   * @default {undefined}
   */
  readonly chunkTargetMs?: number;
}

/**
 * WaterTAP's single-process manager: rank 0, the root, one process; the
 * collectives act on this process alone and `scatter` runs every row here,
 * as one chunk (or, with `chunkTargetMs`, in chunks reported as they finish).
 *
 * **Unscoped**: model code runs on this thread with every permission this
 * process has (files, network, subprocesses, FFI). psweep never picks this
 * manager for you; pass it only for code you trust.
 *
 * A chunk whose `doExecute` throws is reported through `LocalResults.error`
 * rather than thrown, as with every psweep manager.
 *
 * @example WaterTAP's scenario
 * ```ts
 * import { SingleProcessManager, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const pm = new SingleProcessManager();
 * await pm.scatter(
 *   ({ base }) => [base, -1],
 *   { base: 100 },
 *   (p: Matrix, base: number, mult: number) => Array.from(p.data, (x) => (base + x) * mult),
 *   [[1], [2], [3], [4], [5]],
 * );
 * const [chunk] = await pm.gather();
 * assert.deepEqual(chunk.results, [-101, -102, -103, -104, -105]);
 * ```
 */
export class SingleProcessManager implements ParallelManager {
  #results: LocalResults[] = [];
  #callbackError: { error: unknown } | undefined;
  readonly #chunkTargetMs: number | undefined;

  /**
   * Makes a serial manager.
   *
   * @param options How to cut the rows into chunks.
   * @throws {RangeError} When `chunkTargetMs` is not a positive number.
   */
  constructor(options: SingleProcessManagerOptions = {}) {
    const target = options.chunkTargetMs;
    if (target !== undefined) positiveNumber("create a serial manager", "chunkTargetMs", target);
    this.#chunkTargetMs = target;
  }

  /** Always `true`. @returns `true`. */
  isRootProcess(): boolean {
    return GROUP_OF_ONE.isRootProcess();
  }
  /** Always {@linkcode ROOT_PROCESS_RANK}. @returns 0. */
  getRank(): number {
    return GROUP_OF_ONE.getRank();
  }
  /** Always 1. @returns 1. */
  numberOfWorkerProcesses(): number {
    return 1;
  }
  /** Nothing to wait for. */
  syncWithPeers(): Promise<void> {
    return GROUP_OF_ONE.syncWithPeers();
  }
  /** The root's array is already in place. @param data The array. */
  syncArrayWithPeers(data: TypedArray): Promise<void> {
    return GROUP_OF_ONE.syncArrayWithPeers(data);
  }
  /**
   * Broadcast among one: the value itself.
   * @param obj The value.
   * @returns `obj`.
   */
  syncObjectWithPeers<T>(obj: T): Promise<T> {
    return GROUP_OF_ONE.syncObjectWithPeers(obj);
  }
  /**
   * Allgather among one.
   * @param data This process's value.
   * @returns `[data]`.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return GROUP_OF_ONE.combineDataWithPeers(data);
  }
  /**
   * Copies `sendbuf` into the receive buffer.
   * @param sendbuf What this process sends.
   * @param recvbufSpec The receive buffer and `[sendbuf.length]` (or any sizes that sum to it, as WaterTAP).
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    return GROUP_OF_ONE.gatherArraysToRoot(sendbuf, recvbufSpec);
  }
  /**
   * Copies `sendbuf` into `recvbuf` (the sum over one process).
   * @param sendbuf The values.
   * @param recvbuf Receives the sum.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    return GROUP_OF_ONE.sumValuesAndSync(sendbuf, recvbuf);
  }
  /**
   * Builds and executes every row here, as chunk 0.
   *
   * @param doBuild Builds the extra arguments of `doExecute`.
   * @param doBuildKwargs The arguments of `doBuild`.
   * @param doExecute Computes the chunk.
   * @param allParameters The rows.
   * @param options Abort signal and per-chunk callback.
   */
  async scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options: ScatterOptions = {},
  ): Promise<void> {
    // A copy, as the pool's workers get one: what doExecute does to its rows stays there.
    const given = toMatrix(allParameters);
    const parameters = { ...given, data: given.data.slice() };
    const results: LocalResults[] = [];
    this.#results = results;
    this.#callbackError = undefined;
    // The callback's promise, if any, is awaited before the next chunk starts. What it throws
    // does not stop the work: gather throws it.
    const report = async (result: LocalResults) => {
      results.push(result);
      try {
        await options.onResult?.(result);
      } catch (error) {
        this.#callbackError ??= { error };
      }
    };
    const target = this.#chunkTargetMs;
    // No rows, no chunk (as the pool): nothing to build or to report.
    if (parameters.rows === 0) return;
    if (options.signal?.aborted) {
      await report(new LocalResults(0, parameters, undefined, abortFailure(options.signal.reason)));
      return;
    }
    // Built once; a build that fails is reported as the pool reports it, for every row.
    const actor = new ParallelActor(doBuild, doBuildKwargs, doExecute);
    try {
      await actor.buildModel();
    } catch (e) {
      await report(new LocalResults(ROOT_PROCESS_RANK, parameters, undefined, buildFailure(e)));
      return;
    }
    if (target === undefined) {
      // WaterTAP's single-process manager: every row in one chunk.
      let result: LocalResults;
      try {
        result = new LocalResults(ROOT_PROCESS_RANK, parameters, await actor.execute(parameters));
      } catch (e) {
        result = new LocalResults(ROOT_PROCESS_RANK, parameters, undefined, toErrorInfo(e));
      }
      await report(result);
      return;
    }
    let start = 0;
    let size = 1;
    for (let chunk = 0; start < parameters.rows; chunk++) {
      const end = Math.min(parameters.rows, start + size);
      const rows = sliceRows(parameters, start, end);
      if (options.signal?.aborted) {
        // The rest was never run: one chunk reports it.
        const rest = sliceRows(parameters, start, parameters.rows);
        await report(new LocalResults(chunk, rest, undefined, abortFailure(options.signal.reason)));
        return;
      }
      const t0 = performance.now();
      let result: LocalResults;
      try {
        result = new LocalResults(chunk, rows, await actor.execute(rows));
      } catch (e) {
        result = new LocalResults(chunk, rows, undefined, toErrorInfo(e));
      }
      const elapsed = Math.max(performance.now() - t0, 0.01);
      await report(result);
      // Chunks of about `target` ms: large enough to cost nothing, small enough to stream.
      size = Math.max(1, Math.min(size * 4, Math.floor(size * (target / elapsed))));
      start = end;
      // Let timers and signals (an abort, Ctrl-C) run between chunks.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  /**
   * Returns the result of the last `scatter`.
   * @returns Its chunks' results.
   * @throws {unknown} What `onResult` threw or rejected with (the first such error).
   */
  gather(): Promise<LocalResults[]> {
    const out = this.#results;
    const failed = this.#callbackError;
    this.#results = [];
    this.#callbackError = undefined;
    return failed ? Promise.reject(failed.error) : Promise.resolve(out);
  }
  /**
   * The results of this process's subtree: all of them.
   * @param results The gathered results.
   * @returns A copy of them.
   */
  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[] {
    return GROUP_OF_ONE.resultsFromLocalTree(results);
  }
  /** Nothing to release; present so that every manager can be closed alike. */
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** Same as {@linkcode SingleProcessManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
