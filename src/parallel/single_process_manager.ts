/**
 * The serial manager: everything runs in this thread as rank 0 of one.
 *
 * @module
 */

import { toErrorInfo } from "./_errors.ts";
import { gatherAlone, sumAlone } from "./_collective_checks.ts";
import { buildAndExecute } from "./build_and_execute.ts";
import { type ParameterRows, toMatrix, type TypedArray } from "./matrix.ts";
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
 * WaterTAP's single-process manager: rank 0, the root, one process; the
 * collectives act on this process alone and `scatter` runs every row here,
 * as one chunk.
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

  /** Always `true`. @returns `true`. */
  isRootProcess(): boolean {
    return true;
  }
  /** Always {@linkcode ROOT_PROCESS_RANK}. @returns 0. */
  getRank(): number {
    return ROOT_PROCESS_RANK;
  }
  /** Always 1. @returns 1. */
  numberOfWorkerProcesses(): number {
    return 1;
  }
  /** Nothing to wait for. */
  syncWithPeers(): Promise<void> {
    return Promise.resolve();
  }
  /** The root's array is already in place. @param _data The array. */
  syncArrayWithPeers(_data: TypedArray): Promise<void> {
    return Promise.resolve();
  }
  /**
   * Broadcast among one: the value itself.
   * @param obj The value.
   * @returns `obj`.
   */
  syncObjectWithPeers<T>(obj: T): Promise<T> {
    return Promise.resolve(obj);
  }
  /**
   * Allgather among one.
   * @param data This process's value.
   * @returns `[data]`.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return Promise.resolve([data]);
  }
  /**
   * Copies `sendbuf` into the receive buffer.
   * @param sendbuf What this process sends.
   * @param recvbufSpec The receive buffer and `[sendbuf.length]`.
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    return gatherAlone(sendbuf, recvbufSpec);
  }
  /**
   * Copies `sendbuf` into `recvbuf` (the sum over one process).
   * @param sendbuf The values.
   * @param recvbuf Receives the sum.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    return sumAlone(sendbuf, recvbuf);
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
    const parameters = toMatrix(allParameters);
    let result: LocalResults;
    if (options.signal?.aborted) {
      result = new LocalResults(0, parameters, undefined, toErrorInfo(options.signal.reason));
    } else {
      try {
        const out = await buildAndExecute(doBuild, doBuildKwargs, doExecute, parameters);
        result = new LocalResults(ROOT_PROCESS_RANK, parameters, out);
      } catch (e) {
        result = new LocalResults(ROOT_PROCESS_RANK, parameters, undefined, toErrorInfo(e));
      }
    }
    this.#results = [result];
    options.onResult?.(result);
  }
  /**
   * Returns the result of the last `scatter`.
   * @returns One chunk's result.
   */
  gather(): Promise<LocalResults[]> {
    const out = this.#results;
    this.#results = [];
    return Promise.resolve(out);
  }
  /**
   * The results of this process's subtree: all of them.
   * @param results The gathered results.
   * @returns A copy of them.
   */
  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[] {
    return [...results];
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
