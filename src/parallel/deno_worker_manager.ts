/**
 * The worker pool: `buildAndExecute` on every core, in permission-scoped
 * module workers, with dynamic scheduling, retries, timeouts and peer groups.
 *
 * @module
 */

import { START_WORKERS } from "./_start_workers.ts";
import { CHUNK_ERROR_NAMES } from "./parallel_manager.ts";
import { ChunkSizer } from "./_chunk_sizer.ts";
import { describe } from "../_describe.ts";
import { checkCloneable } from "../_cloneable.ts";
import { POOL_DEFAULTS } from "../_defaults.ts";
import { MAX_TIMEOUT_MS, MAX_WORKERS } from "../_limits.ts";
import { RemoteError, toErrorInfo } from "./_errors.ts";
import { gatherAlone, sumAlone } from "./_collective_checks.ts";
import {
  detectWorkerOptions,
  promptsDisabled,
  promptsPossibleMessage,
  workerOptionsMissingMessage,
  type WorkerPermissions,
  workerPermissions,
} from "./_permissions.ts";
import type { FromWorker, PortMessage, ToWorker, WireFunction } from "./_protocol.ts";
import { isModuleFunction } from "./build_and_execute.ts";
import { type Matrix, type ParameterRows, sliceRows, toMatrix, type TypedArray } from "./matrix.ts";
import {
  type BuildFunction,
  type Callable,
  type ErrorInfo,
  type ExecuteFunction,
  LocalResults,
  type ModuleFunction,
  type ParallelManager,
  type ReceiveBufferSpec,
  ROOT_PROCESS_RANK,
  type ScatterOptions,
} from "./parallel_manager.ts";

export type { WorkerPermissions } from "./_permissions.ts";

/**
 * Options of {@linkcode DenoWorkerManager}.
 *
 * @example Options checked at construction
 * ```ts
 * import { DenoWorkerManager, type DenoWorkerManagerOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const options: DenoWorkerManagerOptions = { workers: 0 };
 * assert.throws(() => new DenoWorkerManager(options), /'workers' must be a positive integer/);
 * ```
 */
export interface DenoWorkerManagerOptions {
  /** Number of workers in the pool. @default {navigator.hardwareConcurrency} */
  readonly workers?: number;
  /**
   * Deno permissions the workers get. Workers always get read access to the
   * directories of the modules they import, and nothing else unless granted
   * here; asking for more than this process has throws `NotCapable`.
   * @default {"none"}
   */
  readonly permissions?: WorkerPermissions;
  /**
   * Time limit of one chunk in milliseconds, counted once its worker has built the model; a
   * chunk over it is reported as timed out and its worker replaced.
   * @default {Infinity}
   */
  readonly timeout?: number;
  /**
   * With a `timeout`, how long a worker may take to build the model before its chunk is
   * reported as timed out (a build that never ends would otherwise hold the sweep).
   * @default {the longer of 60 s and 10 times `timeout`}
   */
  readonly buildTimeout?: number;
  /**
   * How often a row whose worker died is retried before it is reported failed (a chunk of
   * several rows is first split into single rows), and how often a worker may die while
   * building the model before the build is reported failed.
   * @default {2}
   */
  readonly maxRetries?: number;
  /**
   * Rows per chunk. When unset, chunks adapt to the measured cost of rows so
   * that each takes about `chunkTargetMs` and the tail stays balanced.
   * @default {undefined}
   */
  readonly chunkSize?: number;
  /** What adaptive chunks aim to take, in milliseconds. @default {5} */
  readonly chunkTargetMs?: number;
  /**
   * Skip the check that Deno's `worker-options` unstable feature is enabled.
   * Only set it when you enable the feature in a way psweep cannot see: without
   * the feature, Deno ends the process (exit code 70) when a worker starts.
   * @default {false}
   */
  readonly assumeWorkerOptions?: boolean;
  /**
   * Skip the check that no worker can prompt for a permission. Workers prompt
   * on a terminal unless Deno runs with `--no-prompt` (or `DENO_NO_PROMPT`),
   * even under `-A`; only set this when prompts are off in a way psweep cannot see.
   * @default {false}
   */
  readonly assumeNoPrompt?: boolean;
}

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
  index: number;
  start: number;
  end: number;
  attempts: number;
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

interface Slot {
  worker: Worker;
  /** The private end of the protocol: what model code posts on its global scope never arrives here. */
  port: MessagePort;
  ready: boolean;
  dead: boolean;
  job: number;
  /** The job whose doBuild finished on this worker: chunks' time limits start after it. */
  built: number;
  /** The chunk the worker is running. */
  chunk: Chunk | undefined;
  /** A chunk sent ahead, which the worker starts as soon as `chunk` is done. */
  next: Chunk | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  onPeerDone?: (m: FromWorker & { type: "peerDone" }) => void;
  onDeath?: (reason: ErrorInfo) => void;
}

// Limits past which options are surely mistakes: thousands of threads, and timers that the
// platform cannot hold.

const WORKER_URL = new URL("./_worker.ts", import.meta.url);
// The worker imports modules from all of src/, so its read grant covers that directory.
const WORKER_MODULES = [WORKER_URL, new URL("../_defaults.ts", import.meta.url)];

/**
 * A {@linkcode ParallelManager} backed by a pool of permission-scoped module
 * workers. The main thread is the root (rank 0): it schedules chunks of rows,
 * collects results and never runs model code.
 *
 * - `scatter` hands contiguous chunks to whichever worker is free; chunk size
 *   adapts to the measured cost of rows. `gather` returns one
 *   {@linkcode LocalResults} per chunk in row order. Parameters reach workers
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
  readonly #permissions: WorkerPermissions | undefined;
  readonly #timeout: number;
  readonly #buildTimeout: number;
  readonly #maxRetries: number;
  readonly #chunkSize: number | undefined;
  readonly #chunkTargetMs: number;
  #slots: Slot[] = [];
  #poolKey = "";
  #poolPermissions: WorkerPermissions | undefined;
  #job: Job | undefined;
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
    const workers = options.workers ?? navigator.hardwareConcurrency;
    positiveInteger("workers", workers);
    if (workers > MAX_WORKERS) {
      throw new RangeError(
        `Cannot create a worker pool as 'workers' must be at most ${MAX_WORKERS}: current value is ${workers}`,
      );
    }
    this.#workers = workers;
    const timeout = options.timeout ?? POOL_DEFAULTS.timeout;
    timeLimit("timeout", timeout);
    this.#timeout = timeout;
    const buildTimeout = options.buildTimeout ??
      Math.min(MAX_TIMEOUT_MS, Math.max(60_000, 10 * timeout));
    timeLimit("buildTimeout", buildTimeout);
    this.#buildTimeout = buildTimeout;
    const maxRetries = options.maxRetries ?? POOL_DEFAULTS.maxRetries;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RangeError(
        `Cannot create a worker pool as 'maxRetries' must be a non-negative integer: current value is ${
          describe(maxRetries)
        }`,
      );
    }
    this.#maxRetries = maxRetries;
    if (options.chunkSize !== undefined) positiveInteger("chunkSize", options.chunkSize);
    this.#chunkSize = options.chunkSize;
    const target = options.chunkTargetMs ?? POOL_DEFAULTS.chunkTargetMs;
    if (typeof target !== "number" || !(target > 0) || !Number.isFinite(target)) {
      throw new RangeError(
        `Cannot create a worker pool as 'chunkTargetMs' must be a positive number: current value is ${
          describe(target)
        }`,
      );
    }
    this.#chunkTargetMs = target;
    // "false" would be true: a check skipped that the caller meant to keep.
    for (const field of ["assumeWorkerOptions", "assumeNoPrompt"] as const) {
      const value = options[field];
      if (value !== undefined && typeof value !== "boolean") {
        throw new TypeError(
          `Cannot create a worker pool as '${field}' must be true or false: current value is ${
            describe(value)
          }`,
        );
      }
    }
    if (!options.assumeWorkerOptions && detectWorkerOptions() === undefined) {
      throw new Error(workerOptionsMissingMessage());
    }
    if (!options.assumeNoPrompt && !promptsDisabled()) {
      throw new Error(promptsPossibleMessage());
    }
    this.#permissions = options.permissions;
    // Checked now so that a request beyond this process's permissions fails at construction.
    workerPermissions(options.permissions, WORKER_MODULES);
  }

  /** Always `true`: the main thread is the root. @returns `true`. */
  isRootProcess(): boolean {
    return true;
  }
  /** Always {@linkcode ROOT_PROCESS_RANK}. @returns 0. */
  getRank(): number {
    return ROOT_PROCESS_RANK;
  }
  /** The number of workers in the pool. @returns The pool size. */
  numberOfWorkerProcesses(): number {
    return this.#workers;
  }
  /** The pool's collectives involve the main thread alone: nothing to wait for. */
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
   * Allgather among one: the main thread alone.
   * @param data This thread's value.
   * @returns `[data]`.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return Promise.resolve([data]);
  }
  /**
   * Copies `sendbuf` into the receive buffer (a group of one).
   * @param sendbuf What the root sends.
   * @param recvbufSpec The receive buffer and `[sendbuf.length]`.
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    return gatherAlone(sendbuf, recvbufSpec);
  }
  /**
   * Copies `sendbuf` into `recvbuf` (a group of one).
   * @param sendbuf The values.
   * @param recvbuf Receives them.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    return sumAlone(sendbuf, recvbuf);
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
    const build = wire(doBuild, "doBuild");
    const execute = wire(doExecute, "doExecute");
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
      this.#ensurePool([build.module, execute.module, ...(options.imports ?? []).map(String)]);
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
    return [...results];
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
    const target = wire(entry, "entry");
    // Posted to every worker below, where a clone error would leave the pool marked busy.
    checkCloneable(args, "args", "run peers");
    options.signal?.throwIfAborted();
    this.#ensurePool([target.module, ...(options.imports ?? []).map(String)]);
    this.#peersRunning = true;
    const slots = this.#slots;
    const size = slots.length;
    const results: T[] = new Array(size);
    let remaining = size;
    const finished = Promise.withResolvers<T[]>();
    const fail = (reason: ErrorInfo) => {
      // A rank that failed leaves the others waiting in a collective: end the whole group.
      for (const s of slots) this.#replace(s);
      finished.reject(new RemoteError(reason));
    };
    const onAbort = () => fail(toErrorInfo(options.signal!.reason));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const channels = Array.from({ length: size - 1 }, () => new MessageChannel());
    slots.forEach((slot, rank) => {
      slot.onPeerDone = (m) => {
        slot.onPeerDone = undefined;
        slot.onDeath = undefined;
        if (m.error) return fail(m.error);
        results[rank] = m.result as T;
        if (--remaining === 0) finished.resolve(results);
      };
      slot.onDeath = (reason) => fail(reason);
      const ports = rank === 0 ? channels.map((c) => c.port1) : [channels[rank - 1].port2];
      this.#post(slot, { type: "peer", rank, size, ports, entry: target, args: [...args] }, ports);
    });
    try {
      return await finished.promise;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      for (const s of slots) {
        s.onPeerDone = undefined;
        s.onDeath = undefined;
      }
      this.#peersRunning = false;
    }
  }

  /** Ends every worker; unfinished chunks are reported as aborted. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#job && !this.#job.finished) {
      this.#abortJob(this.#job, {
        name: CHUNK_ERROR_NAMES.aborted,
        message: "The pool was closed",
      });
    }
    for (const slot of this.#slots) {
      slot.onDeath?.({ name: CHUNK_ERROR_NAMES.aborted, message: "The pool was closed" });
      this.#kill(slot);
    }
    this.#slots = [];
    return Promise.resolve();
  }

  /** Same as {@linkcode DenoWorkerManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new Error(`Cannot ${what} as the worker pool is closed`);
  }

  // Workers are created with the permissions of the modules they must import; a job that needs
  // other modules gets a fresh pool, since a worker's permissions are fixed at creation.
  /**
   * Starts the workers ahead of the first scatter, with read access to `modules`; internal to
   * psweep (the sweep overlaps the workers' start-up with drawing the rows).
   *
   * @param modules Modules the coming scatter imports.
   */
  [START_WORKERS](modules: readonly string[]): void {
    this.#ensurePool([...modules]);
  }

  #ensurePool(modules: string[]): void {
    const permissions = workerPermissions(this.#permissions, [...WORKER_MODULES, ...modules]);
    const key = JSON.stringify(permissions);
    if (key !== this.#poolKey) {
      for (const slot of this.#slots) this.#kill(slot);
      this.#slots = [];
      this.#poolKey = key;
      this.#poolPermissions = permissions;
    }
    while (this.#slots.length < this.#workers) this.#slots.push(this.#spawn());
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      type: "module",
      name: "psweep",
      deno: { permissions: this.#poolPermissions },
    } as WorkerOptions);
    // The protocol's own channel, handed over before the worker can import any model: a
    // model's self.postMessage (a forged "chunkDone", say) reaches no handler of the pool.
    const channel = new MessageChannel();
    const slot: Slot = {
      worker,
      port: channel.port1,
      ready: false,
      dead: false,
      job: 0,
      built: 0,
      chunk: undefined,
      next: undefined,
      timer: undefined,
    };
    const port: PortMessage = { type: "port", port: channel.port2 };
    worker.postMessage(port, [channel.port2]);
    channel.port1.onmessage = (e: MessageEvent<FromWorker>) => this.#onMessage(slot, e.data);
    channel.port1.onmessageerror = () => {
      this.#onDeath(slot, {
        name: "DataCloneError",
        message: "A worker's message could not be read",
      });
    };
    worker.onerror = (e: ErrorEvent) => {
      // Unhandled, a worker's error would end this process.
      e.preventDefault();
      this.#onDeath(slot, { name: "WorkerError", message: e.message });
    };
    return slot;
  }

  #kill(slot: Slot): void {
    slot.dead = true;
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.port.onmessage = null;
    slot.port.onmessageerror = null;
    slot.port.close();
    slot.worker.onerror = (e: ErrorEvent) => e.preventDefault();
    slot.worker.terminate();
    unrefWorker(slot.worker);
  }

  // Puts a fresh worker in the place of `slot`.
  #replace(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    this.#kill(slot);
    if (i >= 0 && !this.#closed) this.#slots[i] = this.#spawn();
  }

  #post(slot: Slot, message: ToWorker, transfer: Transferable[] = []): void {
    slot.port.postMessage(message, transfer);
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (slot.dead) return;
    switch (message.type) {
      case "ready":
        slot.ready = true;
        this.#dispatch();
        return;
      case "built":
        slot.built = message.job;
        if (slot.chunk && this.#job?.id === message.job) this.#arm(slot, slot.chunk);
        return;
      case "chunkDone": {
        const job = this.#job;
        const chunk = slot.chunk;
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

  #onDeath(slot: Slot, reason: ErrorInfo): void {
    if (slot.dead) return;
    const chunk = slot.chunk;
    const next = slot.next;
    const onDeath = slot.onDeath;
    // A worker that dies before its model is built (a model that exits at import, say) says
    // nothing about the chunk's rows: past maxRetries such deaths, the job's build failed.
    const building = slot.built !== slot.job;
    slot.chunk = slot.next = undefined;
    this.#replace(slot);
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
      } else if (chunk.end - chunk.start > 1) {
        // Which row ended the worker is unknown: each row of the chunk is tried again on its
        // own, so that only the row that kills its worker fails. Their processNumbers lie
        // between the chunk's and the next chunk's, so that gather keeps row order.
        const rows = chunk.end - chunk.start;
        job.pending--;
        for (let i = 0; i < rows; i++) {
          job.retry.push({
            index: chunk.index + i / rows,
            start: chunk.start + i,
            end: chunk.start + i + 1,
            attempts: chunk.attempts,
          });
        }
      } else if (++chunk.attempts > this.#maxRetries) {
        this.#record(job, chunk, undefined, {
          name: CHUNK_ERROR_NAMES.workerDied,
          message: `The worker running this chunk died ${chunk.attempts} times; last: ${last}`,
          stack: reason.stack,
        });
      } else {
        job.pending--;
        job.retry.push(chunk);
      }
    }
    this.#dispatch();
  }

  #record(job: Job, chunk: Chunk, results: unknown, error: ErrorInfo | undefined): void {
    const parameters = sliceRows(job.matrix, chunk.start, chunk.end);
    const result = new LocalResults(chunk.index, parameters, error ? undefined : results, error);
    job.results.push(result);
    job.pending--;
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
    if (job.pending === 0 && job.next >= job.matrix.rows && job.retry.length === 0) {
      this.#finishJob(job);
    }
  }

  #finishJob(job: Job): void {
    if (job.finished) return;
    job.finished = true;
    job.abort?.();
    job.done.resolve();
  }

  #abortJob(job: Job, reason: ErrorInfo): void {
    if (job.finished) return;
    const error = { name: CHUNK_ERROR_NAMES.aborted, message: reason.message, stack: reason.stack };
    for (const slot of this.#slots) {
      if (slot.chunk) {
        const { chunk, next } = slot;
        slot.chunk = slot.next = undefined;
        this.#replace(slot);
        this.#record(job, chunk, undefined, error);
        if (next) this.#record(job, next, undefined, error);
      }
    }
    for (const chunk of job.retry.splice(0)) {
      job.pending++;
      this.#record(job, chunk, undefined, error);
    }
    if (job.next < job.matrix.rows) {
      const chunk = { index: job.chunks++, start: job.next, end: job.matrix.rows, attempts: 0 };
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
      for (const slot of this.#slots) {
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
      this.#post(slot, {
        type: "job",
        job: job.id,
        build: job.build,
        kwargs: job.kwargs,
        execute: job.execute,
        rows: { data: job.shared, columns: job.matrix.columns },
      });
    }
    if (slot.chunk) {
      slot.next = chunk;
    } else {
      slot.chunk = chunk;
      this.#arm(slot, chunk);
    }
    job.pending++;
    this.#post(slot, {
      type: "chunk",
      job: job.id,
      chunk: chunk.index,
      start: chunk.start,
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
    this.#replace(slot);
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
          message: `The chunk of rows ${chunk.start}..${
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
    const chunk = { index: job.chunks++, start: job.next, end: job.next + size, attempts: 0 };
    job.next += size;
    return chunk;
  }
}

// Deno 2.9's terminate() cannot stop a thread stuck in a CPU loop, and such a thread keeps the
// process alive forever. Deno's Worker carries an internal ref/unref method under a nameless
// symbol (what node:worker_threads' unref() uses); unreferencing lets the process exit. If a
// later Deno drops it, nothing breaks but that guarantee.
const refSymbol = Object.getOwnPropertySymbols(Worker.prototype).find((s) =>
  s.description === undefined &&
  typeof (Worker.prototype as unknown as Record<symbol, unknown>)[s] === "function"
);
function unrefWorker(worker: Worker): void {
  if (!refSymbol) return;
  try {
    (worker as unknown as Record<symbol, (ref: boolean) => void>)[refSymbol](false);
  } catch {
    // best effort
  }
}

// Timers hold at most 2**31 - 1 ms; a longer one would fire at once.
function timeLimit(field: string, value: unknown): void {
  if (
    typeof value !== "number" || !(value > 0) || (value > MAX_TIMEOUT_MS && value !== Infinity)
  ) {
    throw new RangeError(
      `Cannot create a worker pool as '${field}' must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, or Infinity for none: current value is ${
        describe(value)
      }`,
    );
  }
}

function positiveInteger(field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(
      `Cannot create a worker pool as '${field}' must be a positive integer: current value is ${
        describe(value)
      }`,
    );
  }
}

function wire(fn: unknown, field: string): WireFunction {
  if (!isModuleFunction(fn)) {
    throw new TypeError(
      `Cannot send '${field}' to workers as it must be a module reference { module, name } (functions cannot cross threads): current value is ${
        describe(fn)
      }`,
    );
  }
  let module: string;
  try {
    module = new URL(fn.module).href;
  } catch {
    throw new TypeError(
      `Cannot send '${field}' to workers as 'module' must be an absolute URL (e.g. new URL("./model.ts", import.meta.url)): current value is ${
        describe(fn.module)
      }`,
    );
  }
  return { module, name: fn.name };
}
