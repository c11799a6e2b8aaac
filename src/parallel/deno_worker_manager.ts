/**
 * The worker pool: `buildAndExecute` on every core, in permission-scoped
 * module workers, with dynamic scheduling, retries, timeouts and peer groups.
 *
 * @module
 */

// One concept, the pool's scheduler, and why it runs past 500 lines: a scatter is a job whose
// chunks are handed to free workers, sent ahead, timed, retried row by row when a worker dies,
// aborted and gathered, and these steps share one job's state and one set of invariants
// (`pending`, `next`, `retry`), so they read and change together. About a quarter of the file is
// the public API's documentation. The rest lives beside it: the workers themselves in
// _worker_slots.ts, the options in _pool_options.ts, peer groups in _run_peers.ts, the
// collectives of a group of one in _group_of_one.ts and chunk sizes in _chunk_sizer.ts.

import { START_WORKERS } from "./_start_workers.ts";
import { POOL_DEFAULTS } from "../_defaults.ts";
import { ChunkSizer } from "./_chunk_sizer.ts";
import { SharedRows } from "./_shared_rows.ts";
import { checkCloneable } from "../_cloneable.ts";
import { toErrorInfo } from "./_errors.ts";
import { GROUP_OF_ONE } from "./_group_of_one.ts";
import { type DenoWorkerManagerOptions, poolSettings } from "./_pool_options.ts";
import { type FromWorker, toWireFunction, type WireFunction } from "./_protocol.ts";
import { type PeerSlot, runPeerGroup } from "./_run_peers.ts";
import { type WorkerSlot, WorkerSlots } from "./_worker_slots.ts";
import { type Matrix, type ParameterRows, sliceRows, toMatrix, type TypedArray } from "./matrix.ts";
import {
  type BuildFunction,
  type Callable,
  CHUNK_ERROR_NAMES,
  type ErrorInfo,
  type ExecuteFunction,
  LocalResults,
  type ModuleFunction,
  type ParallelManager,
  type ReceiveBufferSpec,
  type ScatterOptions,
} from "./parallel_manager.ts";

export type { WorkerPermissions } from "./_permissions.ts";
export type { DenoWorkerManagerOptions } from "./_pool_options.ts";

/**
 * Options of {@linkcode DenoWorkerManager.runPeers}.
 *
 * @example An aborted signal stops the call before any worker starts
 * ```ts
 * import { DenoWorkerManager, type RunPeersOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * await using pm = new DenoWorkerManager({ workers: 2 });
 * const options: RunPeersOptions = { signal: AbortSignal.abort(new Error("stop")) };
 * await assert.rejects(() => pm.runPeers({ module: "file:///m.ts", name: "f" }, [], options), /stop/);
 * ```
 */
export interface RunPeersOptions {
  /** Stops the peer group: its workers are ended and the call rejects. @default {undefined} */
  readonly signal?: AbortSignal;
  /**
   * Further modules (absolute URLs) the entry imports at run time: the workers get read access
   * to their directories too, as with `ScatterOptions.imports`. @default {[]}
   */
  readonly imports?: readonly (string | URL)[];
}

interface Chunk {
  /** Its processNumber, that of its first row. */
  index: number;
  start: number;
  end: number;
  /**
   * Its first row not yet handed on: rows before it went ahead of the chunk (`chunkPart`), each
   * run of them as a result of its own, and whatever happens to the chunk now (its end, a
   * timeout, a retry, an abort) concerns only the rows from here on.
   */
  done: number;
  attempts: number;
  /** The first row the worker was sent (`done` when the chunk was sent): its row 0. */
  sent?: number;
}

// The processNumber of a chunk's rows from `row` on: between the chunk's and the next chunk's, so
// that gather keeps row order when a chunk's rows arrive in parts or are retried one by one.
function partNumber(chunk: Chunk, row: number): number {
  return chunk.index + (row - chunk.start) / (chunk.end - chunk.start);
}

// The chunk's rows `start`..`end` as a chunk of their own, numbered as their part of it.
function partOf(chunk: Chunk, start: number, end: number, attempts: number): Chunk {
  return { index: partNumber(chunk, start), start, end, done: start, attempts };
}

interface Job {
  id: number;
  matrix: Matrix;
  shared: Float64Array;
  build: WireFunction;
  kwargs: Record<string, unknown>;
  execute: WireFunction;
  next: number;
  chunks: number;
  retry: Chunk[];
  /** Workers that died while building this job's model: past maxRetries the build failed. */
  buildDeaths: number;
  results: LocalResults[];
  pending: number;
  sizer: ChunkSizer;
  onResult?: (r: LocalResults) => unknown;
  /** Promises returned by onResult that have not settled: no chunk is sent meanwhile. */
  paused: number;
  /** Those promises, which gather waits for: a late rejection must still reach it. */
  callbacks: Promise<unknown>[];
  done: PromiseWithResolvers<void>;
  finished: boolean;
  abort?: () => void;
  signal?: AbortSignal;
  callbackError?: { error: unknown };
}

// A worker slot with what the scheduler keeps on it.
interface Slot extends WorkerSlot, PeerSlot {
  /** The job whose chunks the worker was last sent: its model is built or being built. */
  job: number;
  /** The job whose doBuild finished on this worker: chunks' time limits start after it. */
  built: number;
  /** The chunk the worker is running. */
  chunk: Chunk | undefined;
  /** A chunk sent ahead, which the worker starts as soon as `chunk` is done. */
  next: Chunk | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Where `chunk`'s finished rows lie in shared memory, once its worker said so. */
  shared?: SharedRows;
}

/**
 * A {@linkcode ParallelManager} backed by a pool of permission-scoped module
 * workers. The main thread is the root (rank 0): it schedules chunks of rows,
 * collects results and never runs model code.
 *
 * - `scatter` hands contiguous chunks to whichever worker is free; chunk size
 *   adapts to the measured cost of rows. `gather` returns one
 *   {@linkcode LocalResults} per chunk in row order. (psweep's own sweeps,
 *   which stream through `onResult`, may get a chunk in parts: rows that
 *   finished 50 ms ago go ahead of a slow row of their chunk.) Parameters reach workers
 *   through shared memory; typed arrays that a `doExecute` returns, and that
 *   own their whole buffer, are moved (transferred) back rather than copied,
 *   so `doExecute` must not reuse them.
 * - A chunk that throws, times out or whose worker keeps dying carries
 *   `error` instead of `results`; every other chunk keeps its results.
 * - `runPeers` runs an SPMD entry on every worker with real collectives.
 * - The collectives of the pool itself involve the main thread alone, like
 *   WaterTAP's concurrent-futures manager.
 *
 * `worker.terminate()` cannot stop a worker stuck in a CPU loop (Deno 2.9):
 * a timed-out worker is dropped from the pool and replaced, its thread runs on
 * until its loop ends, and it holds no promise the sweep or process waits on.
 * A worker that runs out of memory ends the whole process in Deno 2.9.
 *
 * @example Scatter and gather on two workers
 * ```ts
 * import { DenoWorkerManager } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * // A module that exports the build and execute functions, here written inline.
 * const source = `
 *   export const build = ({ k }) => [k];
 *   export const scale = (p, k) => p.data.map((x) => x * k);`;
 * const module = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
 * await using pm = new DenoWorkerManager({ workers: 2, permissions: { import: true } });
 * await pm.scatter({ module, name: "build" }, { k: 10 }, { module, name: "scale" }, [[1], [2], [3]]);
 * const results = await pm.gather();
 * assert.deepEqual(results.flatMap((r) => [...(r.results as Float64Array)]), [10, 20, 30]);
 * URL.revokeObjectURL(module);
 * ```
 */
export class DenoWorkerManager implements ParallelManager, AsyncDisposable {
  readonly #workers: number;
  readonly #timeout: number;
  readonly #buildTimeout: number;
  readonly #maxRetries: number;
  readonly #chunkSize: number | undefined;
  readonly #chunkTargetMs: number;
  readonly #slots: WorkerSlots<Slot>;
  #job: Job | undefined;
  // Looks at the workers' shared rows every partialMs while some chunk has shared them.
  #sharedTimer: ReturnType<typeof setTimeout> | undefined;
  #lastResults: LocalResults[] | undefined;
  #jobIds = 0;
  #closed = false;
  #peersRunning = false;

  /**
   * Checks the options and the permissions; starts no worker yet.
   *
   * @param options Pool size, permissions, timeouts and chunking.
   * @throws {RangeError} When a numeric option is out of range.
   * @throws {Deno.errors.NotCapable} When `permissions` asks for more than this process has.
   * @throws {Error} When Deno's `worker-options` feature is not enabled, or workers could prompt
   *   for permissions on this terminal (the message says how to fix either).
   */
  constructor(options: DenoWorkerManagerOptions = {}) {
    const settings = poolSettings(options);
    this.#workers = settings.workers;
    this.#timeout = settings.timeout;
    this.#buildTimeout = settings.buildTimeout;
    this.#maxRetries = settings.maxRetries;
    this.#chunkSize = settings.chunkSize;
    this.#chunkTargetMs = settings.chunkTargetMs;
    this.#slots = new WorkerSlots<Slot>(settings.workers, settings.permissions, {
      create: (base) =>
        Object.assign(base, {
          job: 0,
          built: 0,
          chunk: undefined,
          next: undefined,
          timer: undefined,
        }),
      message: (slot, message) => this.#onMessage(slot, message),
      death: (slot, reason) => this.#onDeath(slot, reason),
      ending: (slot) => {
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.timer = undefined;
      },
    });
  }

  /** Always `true`: the main thread is the root. @returns `true`. */
  isRootProcess(): boolean {
    return GROUP_OF_ONE.isRootProcess();
  }
  /** Always {@linkcode ROOT_PROCESS_RANK}. @returns 0. */
  getRank(): number {
    return GROUP_OF_ONE.getRank();
  }
  /** The number of workers in the pool. @returns The pool size. */
  numberOfWorkerProcesses(): number {
    return this.#workers;
  }
  /** The pool's collectives involve the main thread alone: nothing to wait for. */
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
   * Allgather among one: the main thread alone.
   * @param data This thread's value.
   * @returns `[data]`.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return GROUP_OF_ONE.combineDataWithPeers(data);
  }
  /**
   * Copies `sendbuf` into the receive buffer (a group of one).
   * @param sendbuf What the root sends.
   * @param recvbufSpec The receive buffer and `[sendbuf.length]` (or any sizes that sum to it, as WaterTAP).
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    return GROUP_OF_ONE.gatherArraysToRoot(sendbuf, recvbufSpec);
  }
  /**
   * Copies `sendbuf` into `recvbuf` (a group of one).
   * @param sendbuf The values.
   * @param recvbuf Receives them.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    return GROUP_OF_ONE.sumValuesAndSync(sendbuf, recvbuf);
  }

  /**
   * Starts spreading `allParameters` over the workers; resolves once the work
   * is handed out. Call {@linkcode DenoWorkerManager.gather} for the results.
   *
   * @param doBuild Builds the extra arguments of `doExecute`, once per worker.
   * @param doBuildKwargs The arguments of `doBuild` (structured-cloned to each worker).
   * @param doExecute Computes a chunk.
   * @param allParameters The rows.
   * @param options Abort signal and a callback for each chunk as it finishes.
   * @throws {TypeError} When a function is not a {@linkcode ModuleFunction}, or when
   * `doBuildKwargs` cannot be structured-cloned (it holds a function, say).
   * @throws {Error} When a scatter is already running or the pool is closed.
   */
  async scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options: ScatterOptions = {},
  ): Promise<void> {
    this.#checkOpen("scatter");
    // Gathered, not only finished: a second scatter would drop the first's results.
    if (this.#job) {
      throw new Error("Cannot scatter as the previous scatter has not been gathered yet");
    }
    if (this.#peersRunning) throw new Error("Cannot scatter while runPeers is running");
    const build = toWireFunction(doBuild, "doBuild");
    const execute = toWireFunction(doExecute, "doExecute");
    // Posted later from an event handler, where a clone error could only crash the process.
    checkCloneable(doBuildKwargs, "doBuildKwargs", "scatter");
    const matrix = toMatrix(allParameters);
    let shared: Float64Array;
    if (matrix.data.buffer instanceof SharedArrayBuffer) {
      shared = matrix.data;
    } else {
      shared = new Float64Array(new SharedArrayBuffer(matrix.data.byteLength));
      shared.set(matrix.data);
    }
    // Workers first: if they cannot start (permissions, say), no half-made job is left behind.
    if (matrix.rows > 0) {
      this.#slots.ensure([build.module, execute.module, ...(options.imports ?? []).map(String)]);
    }
    const job: Job = {
      id: ++this.#jobIds,
      matrix,
      shared,
      build,
      kwargs: doBuildKwargs,
      execute,
      next: 0,
      chunks: 0,
      retry: [],
      buildDeaths: 0,
      results: [],
      pending: 0,
      sizer: new ChunkSizer({
        workers: this.#workers,
        targetMs: this.#chunkTargetMs,
        fixedRows: this.#chunkSize,
      }),
      onResult: options.onResult,
      paused: 0,
      callbacks: [],
      done: Promise.withResolvers<void>(),
      finished: false,
      signal: options.signal,
    };
    this.#job = job;
    this.#lastResults = undefined;
    if (options.signal) {
      const onAbort = () => this.#abortJob(job, toErrorInfo(options.signal!.reason));
      if (options.signal.aborted) {
        this.#abortJob(job, toErrorInfo(options.signal.reason));
        return;
      }
      options.signal.addEventListener("abort", onAbort, { once: true });
      job.abort = () => options.signal!.removeEventListener("abort", onAbort);
    }
    if (matrix.rows === 0) {
      this.#finishJob(job);
      return;
    }
    this.#dispatch();
    await Promise.resolve();
  }

  /**
   * Waits for the scattered work; one result per chunk, in row order.
   *
   * @returns The chunks' results ordered by `processNumber`.
   * @throws {Error} When nothing was scattered.
   * @throws {unknown} What `onResult` threw, once every chunk has finished (the first such error).
   */
  async gather(): Promise<LocalResults[]> {
    const job = this.#job;
    if (!job) {
      if (this.#lastResults) return this.#lastResults;
      throw new Error("Cannot gather as nothing was scattered");
    }
    await job.done.promise;
    await Promise.allSettled(job.callbacks);
    if (this.#job === job) this.#job = undefined;
    this.#lastResults = job.results.sort((a, b) => a.processNumber - b.processNumber);
    if (job.callbackError) throw job.callbackError.error;
    return this.#lastResults;
  }

  /**
   * The results of this process's subtree: all of them.
   * @param results The gathered results.
   * @returns A copy of them.
   */
  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[] {
    return GROUP_OF_ONE.resultsFromLocalTree(results);
  }

  /**
   * Runs `entry(peers, ...args)` on every worker at once, where `peers` is a
   * {@linkcode ParallelManager} for that worker's rank whose collectives go
   * over `MessageChannel` ports between the workers (the Deno counterpart of
   * `mpirun`).
   *
   * @typeParam T What the entry returns.
   * @param entry The function every rank runs, by module reference.
   * @param args Structured-cloneable arguments passed after `peers`.
   * @param options Abort signal, and modules the entry imports.
   * @returns Every rank's return value, in rank order.
   * @throws {Error} When a rank throws or its worker dies: the group's workers are replaced.
   * @throws {TypeError} When `args` cannot be structured-cloned (a function in them, say).
   *
   * @example Allreduce on two ranks
   * ```ts
   * import { DenoWorkerManager } from "@x/psweep";
   * import assert from "node:assert/strict";
   *
   * const source = `export async function entry(peers) {
   *   const out = new Float64Array(1);
   *   await peers.sumValuesAndSync(new Float64Array([peers.getRank() + 1]), out);
   *   return out[0];
   * }`;
   * const module = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
   * await using pm = new DenoWorkerManager({ workers: 2, permissions: { import: true } });
   * assert.deepEqual(await pm.runPeers({ module, name: "entry" }), [3, 3]);
   * URL.revokeObjectURL(module);
   * ```
   */
  async runPeers<T = unknown>(
    entry: ModuleFunction,
    args: readonly unknown[] = [],
    options: RunPeersOptions = {},
  ): Promise<T[]> {
    this.#checkOpen("runPeers");
    if ((this.#job && !this.#job.finished) || this.#peersRunning) {
      throw new Error("Cannot run peers while another scatter or peer group is running");
    }
    const target = toWireFunction(entry, "entry");
    // Posted to every worker below, where a clone error would leave the pool marked busy.
    checkCloneable(args, "args", "run peers");
    options.signal?.throwIfAborted();
    this.#slots.ensure([target.module, ...(options.imports ?? []).map(String)]);
    this.#peersRunning = true;
    try {
      return await runPeerGroup<T>(this.#slots, target, args, options.signal);
    } finally {
      this.#peersRunning = false;
    }
  }

  /** Ends every worker; unfinished chunks are reported as aborted. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#stopTakingShared();
    this.#slots.close();
    if (this.#job && !this.#job.finished) {
      this.#abortJob(this.#job, {
        name: CHUNK_ERROR_NAMES.aborted,
        message: "The pool was closed",
      });
    }
    for (const slot of this.#slots.all) {
      slot.onDeath?.({ name: CHUNK_ERROR_NAMES.aborted, message: "The pool was closed" });
    }
    this.#slots.endAll();
    return Promise.resolve();
  }

  /** Same as {@linkcode DenoWorkerManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new Error(`Cannot ${what} as the worker pool is closed`);
  }

  /**
   * Starts the workers ahead of the first scatter, with read access to `modules`; internal to
   * psweep (the sweep overlaps the workers' start-up with drawing the rows).
   *
   * @param modules Modules the coming scatter imports.
   */
  [START_WORKERS](modules: readonly string[]): void {
    this.#slots.ensure([...modules]);
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case "ready":
        slot.ready = true;
        this.#dispatch();
        return;
      case "built":
        slot.built = message.job;
        if (slot.chunk && this.#job?.id === message.job) this.#arm(slot, slot.chunk);
        return;
      case "chunkPart": {
        // Checked here, as model code runs in the worker: only the running chunk's next rows,
        // leaving at least one for its chunkDone; anything else is dropped unheard.
        const job = this.#job;
        const chunk = slot.chunk;
        if (
          !job || job.finished || job.id !== message.job || !chunk ||
          chunk.index !== message.chunk || message.start !== chunk.done ||
          !Number.isInteger(message.end) || message.end <= chunk.done || message.end >= chunk.end
        ) {
          return;
        }
        this.#handOn(job, chunk, message.end, message.results, undefined);
        chunk.done = message.end;
        return;
      }
      case "chunkShared": {
        const job = this.#job;
        const chunk = slot.chunk;
        if (
          !job || job.finished || job.id !== message.job || !chunk ||
          chunk.index !== message.chunk || chunk.sent === undefined
        ) {
          return;
        }
        slot.shared = SharedRows.of(message, chunk.end - chunk.sent, slot.shared);
        if (slot.shared && this.#sharedTimer === undefined) {
          this.#sharedTimer = setTimeout(() => this.#takeShared(), POOL_DEFAULTS.partialMs);
          Deno.unrefTimer(this.#sharedTimer);
        }
        return;
      }
      case "chunkDone": {
        const job = this.#job;
        const chunk = slot.chunk;
        slot.shared = undefined;
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.chunk = slot.next;
        slot.next = undefined;
        if (
          !job || job.finished || job.id !== message.job || !chunk || chunk.index !== message.chunk
        ) {
          this.#dispatch();
          return;
        }
        const rows = chunk.end - chunk.start;
        if (message.error === undefined) job.sizer.observe(rows, message.elapsed);
        this.#record(job, chunk, message.results, message.error);
        this.#dispatch();
        return;
      }
      case "buildFailed": {
        const job = this.#job;
        const chunk = slot.chunk;
        slot.shared = undefined;
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.chunk = slot.next;
        slot.next = undefined;
        if (job && !job.finished && chunk && job.id === message.job) {
          this.#record(job, chunk, undefined, {
            name: CHUNK_ERROR_NAMES.buildFailed,
            message: `${message.error.name}: ${message.error.message}`,
            stack: message.error.stack,
          });
        }
        this.#dispatch();
        return;
      }
      case "peerDone":
        slot.onPeerDone?.(message);
        return;
      case "dying":
        this.#onDeath(slot, message.reason);
        return;
    }
  }

  // Rows a worker's chunk shared that have waited since the last look (a synchronous row holds
  // the worker) are handed on from here; the timer runs only while some chunk has shared rows.
  #takeShared(): void {
    this.#sharedTimer = undefined;
    const job = this.#job;
    let more = false;
    for (const slot of this.#slots.all) {
      const shared = slot.shared;
      const chunk = slot.chunk;
      if (!shared) continue;
      if (!job || job.finished || slot.dead || !chunk || chunk.sent === undefined) {
        slot.shared = undefined;
        continue;
      }
      more = true;
      const taken = shared.take(chunk.done - chunk.sent);
      if (taken) {
        const end = chunk.sent + taken.end;
        this.#handOn(job, chunk, end, taken.part, undefined);
        chunk.done = end;
      }
    }
    if (more) {
      this.#sharedTimer = setTimeout(() => this.#takeShared(), POOL_DEFAULTS.partialMs);
      Deno.unrefTimer(this.#sharedTimer);
    }
  }

  #stopTakingShared(): void {
    if (this.#sharedTimer !== undefined) clearTimeout(this.#sharedTimer);
    this.#sharedTimer = undefined;
    for (const slot of this.#slots.all) slot.shared = undefined;
  }

  #onDeath(slot: Slot, reason: ErrorInfo): void {
    if (slot.dead) return;
    slot.shared = undefined;
    const chunk = slot.chunk;
    const next = slot.next;
    const onDeath = slot.onDeath;
    // A worker that dies before its model is built (a model that exits at import, say) says
    // nothing about the chunk's rows: past maxRetries such deaths, the job's build failed.
    const building = slot.built !== slot.job;
    slot.chunk = slot.next = undefined;
    this.#slots.replace(slot);
    onDeath?.(reason);
    const job = this.#job;
    if (next && job && !job.finished) {
      // Sent ahead but never started: it goes back to the queue as it was.
      job.pending--;
      job.retry.push(next);
    }
    if (chunk && job && !job.finished) {
      const last = `${reason.name}: ${reason.message}`;
      if (building) {
        if (++job.buildDeaths > this.#maxRetries) {
          this.#record(job, chunk, undefined, {
            name: CHUNK_ERROR_NAMES.buildFailed,
            message:
              `The worker died while building the model ${job.buildDeaths} times; last: ${last}`,
            stack: reason.stack,
          });
        } else {
          job.pending--;
          job.retry.push(chunk);
        }
      } else if (chunk.end - chunk.done > 1) {
        // Which row ended the worker is unknown: each row of the chunk not yet handed on is
        // tried again on its own, so that only the row that kills its worker fails.
        job.pending--;
        for (let row = chunk.done; row < chunk.end; row++) {
          job.retry.push(partOf(chunk, row, row + 1, chunk.attempts));
        }
      } else if (++chunk.attempts > this.#maxRetries) {
        this.#record(job, chunk, undefined, {
          name: CHUNK_ERROR_NAMES.workerDied,
          message: `The worker running this chunk died ${chunk.attempts} times; last: ${last}`,
          stack: reason.stack,
        });
      } else {
        job.pending--;
        // Its last row alone, when the rows before it were handed on.
        job.retry.push(
          chunk.done > chunk.start ? partOf(chunk, chunk.done, chunk.end, chunk.attempts) : chunk,
        );
      }
    }
    this.#dispatch();
  }

  // The chunk's end: its rows not yet handed on, with their results or why they failed.
  #record(job: Job, chunk: Chunk, results: unknown, error: ErrorInfo | undefined): void {
    job.pending--;
    this.#handOn(job, chunk, chunk.end, results, error);
    if (job.pending === 0 && job.next >= job.matrix.rows && job.retry.length === 0) {
      this.#finishJob(job);
    }
  }

  // Keeps the chunk's rows from `done` to `end` as one result and gives it to onResult.
  #handOn(
    job: Job,
    chunk: Chunk,
    end: number,
    results: unknown,
    error: ErrorInfo | undefined,
  ): void {
    const parameters = sliceRows(job.matrix, chunk.done, end);
    const result = new LocalResults(
      partNumber(chunk, chunk.done),
      parameters,
      error ? undefined : results,
      error,
    );
    job.results.push(result);
    // A failing callback must not lose the other chunks: the work goes on, and gather throws
    // the first such error once the job has finished.
    const failed = (e: unknown) => {
      job.callbackError ??= { error: e };
    };
    try {
      const returned = job.onResult?.(result);
      if (returned instanceof Promise) {
        // Backpressure: no new chunk until the callback is done with this one.
        job.paused++;
        job.callbacks.push(
          returned.catch(failed).finally(() => {
            job.paused--;
            this.#dispatch();
          }),
        );
      }
    } catch (e) {
      failed(e);
    }
  }

  #finishJob(job: Job): void {
    if (job.finished) return;
    job.finished = true;
    this.#stopTakingShared();
    job.abort?.();
    job.done.resolve();
  }

  #abortJob(job: Job, reason: ErrorInfo): void {
    if (job.finished) return;
    const error = { name: CHUNK_ERROR_NAMES.aborted, message: reason.message, stack: reason.stack };
    for (const slot of this.#slots.all) {
      if (slot.chunk) {
        const { chunk, next } = slot;
        slot.chunk = slot.next = undefined;
        this.#slots.replace(slot);
        this.#record(job, chunk, undefined, error);
        if (next) this.#record(job, next, undefined, error);
      }
    }
    for (const chunk of job.retry.splice(0)) {
      job.pending++;
      this.#record(job, chunk, undefined, error);
    }
    if (job.next < job.matrix.rows) {
      const chunk = {
        index: job.chunks++,
        start: job.next,
        end: job.matrix.rows,
        done: job.next,
        attempts: 0,
      };
      job.next = job.matrix.rows;
      job.pending++;
      this.#record(job, chunk, undefined, error);
    }
    this.#finishJob(job);
  }

  #dispatch(): void {
    const job = this.#job;
    if (!job || job.finished || this.#closed || job.paused > 0) return;
    // Each worker gets a second chunk ahead of time, so that it never waits for this thread
    // between chunks. Not under a timeout: its clock must start when the chunk does.
    const depth = Number.isFinite(this.#timeout) ? 1 : 2;
    for (let round = 0; round < depth; round++) {
      for (const slot of this.#slots.all) {
        // First every idle worker gets a chunk, then every busy one its next.
        const wants = round === 0 ? !slot.chunk : slot.chunk && !slot.next;
        if (!slot.ready || slot.dead || !wants) continue;
        const chunk = this.#nextChunk(job);
        if (!chunk) return;
        this.#send(job, slot, chunk);
      }
    }
  }

  #send(job: Job, slot: Slot, chunk: Chunk): void {
    if (slot.job !== job.id) {
      slot.job = job.id;
      this.#slots.post(slot, {
        type: "job",
        job: job.id,
        build: job.build,
        kwargs: job.kwargs,
        execute: job.execute,
        rows: { data: job.shared, columns: job.matrix.columns },
        // Only a scatter that streams its results gets them in parts: gather alone wants each
        // chunk whole.
        partialMs: job.onResult ? POOL_DEFAULTS.partialMs : undefined,
      });
    }
    chunk.sent = chunk.done;
    if (slot.chunk) {
      slot.next = chunk;
    } else {
      slot.chunk = chunk;
      this.#arm(slot, chunk);
    }
    job.pending++;
    this.#slots.post(slot, {
      type: "chunk",
      job: job.id,
      chunk: chunk.index,
      start: chunk.done,
      end: chunk.end,
    });
  }

  // Starts (or restarts) a chunk's time limit: the chunk's own once the worker has built the
  // job's model, the build's until then. A slow build (seconds, where points take
  // milliseconds) must not time out every chunk, nor may a build that never ends hold it.
  #arm(slot: Slot, chunk: Chunk): void {
    if (!Number.isFinite(this.#timeout)) return;
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    const building = slot.built !== slot.job;
    const ms = building ? this.#buildTimeout : this.#timeout;
    slot.timer = Number.isFinite(ms)
      ? setTimeout(() => this.#onTimeout(slot, chunk, building), ms)
      : undefined;
  }

  #onTimeout(slot: Slot, chunk: Chunk, building: boolean): void {
    slot.timer = undefined;
    const job = this.#job;
    if (slot.chunk !== chunk || !job || job.finished) return;
    slot.chunk = undefined;
    slot.shared = undefined;
    this.#slots.replace(slot);
    // A build past its limit is the model's failure, not the chunk's: reported as a failed
    // build, so that a sweep stops at once instead of paying the limit for every row.
    this.#record(
      job,
      chunk,
      undefined,
      building
        ? {
          name: CHUNK_ERROR_NAMES.buildFailed,
          message: `The model's build ran past the ${this.#buildTimeout} ms build timeout`,
        }
        : {
          name: CHUNK_ERROR_NAMES.timeout,
          message: `The chunk of rows ${chunk.done}..${
            chunk.end - 1
          } ran past the ${this.#timeout} ms timeout`,
        },
    );
    this.#dispatch();
  }

  #nextChunk(job: Job): Chunk | undefined {
    const retry = job.retry.shift();
    if (retry) return retry;
    const size = job.sizer.next(job.matrix.rows - job.next);
    if (size === 0) return undefined;
    const chunk = {
      index: job.chunks++,
      start: job.next,
      end: job.next + size,
      done: job.next,
      attempts: 0,
    };
    job.next += size;
    return chunk;
  }
}
