/**
 * `MpiManager`: the {@linkcode ParallelManager} of one MPI rank, over the
 * system's MPI library (Open MPI or the MPICH family) through Deno's FFI, so
 * that `mpirun -n 64 deno run -A sweep.ts` sweeps as WaterTAP does on a cluster.
 *
 * One concept, though long: one rank's side of the contract (its share of the rows on a local
 * pool, chunks streamed to the root, every collective, failure that ends the job); the binding to
 * the library is `_mpi_ffi.ts`.
 *
 * @module
 */

import { toErrorInfo } from "./_errors.ts";
import { checkReceiveSpec, checkSumBuffers, copyInto } from "./_collective_checks.ts";
import {
  fromBytes,
  localRanks,
  managerClosed,
  managerOpened,
  type MpiWorld,
  mpiWorld,
  toBytes,
} from "./_mpi_ffi.ts";
import { type ParameterRows, sliceRows, splitSizes, toMatrix, type TypedArray } from "./matrix.ts";
import {
  type BuildFunction,
  type Callable,
  type ExecuteFunction,
  LocalResults,
  type LocalResults as LocalResultsType,
  type ParallelManager,
  type ReceiveBufferSpec,
  ROOT_PROCESS_RANK,
  type ScatterOptions,
} from "./parallel_manager.ts";
import { cpus } from "node:os";
import { START_WORKERS, startWorkers } from "./_start_workers.ts";
import { DenoWorkerManager, type DenoWorkerManagerOptions } from "./deno_worker_manager.ts";
import { SharedRowsPart } from "./_partial_results.ts";
import { MPI_DEFAULTS } from "../_defaults.ts";
import { knownKeys } from "../_describe.ts";
import { POOL_OPTION_KEYS } from "./_pool_options.ts";

/**
 * Options of {@linkcode MpiManager}: the MPI library, and the local pool each rank runs its
 * share on (the pool's own options pass through).
 *
 * @example One worker per rank, the library named
 * ```ts
 * import type { MpiManagerOptions } from "@x/psweep";
 *
 * const options: MpiManagerOptions = { workers: 1, library: "libmpi.so.40" };
 * ```
 */
export interface MpiManagerOptions extends DenoWorkerManagerOptions {
  /**
   * Path or soname of the MPI library.
   * @default {$PSWEEP_MPI_LIBRARY, else the library of the launcher's family (Open MPI or MPICH), else the first of libmpi.so.40, libmpi.so, libmpich.so.12, libmpi.so.12, libmpich.so that loads}
   */
  readonly library?: string;
  /**
   * Workers of this rank's local pool of permission-scoped workers (one included: model code
   * never runs on the rank's main thread).
   * @default {the cores the launcher bound this rank to; unbound, this machine's cores divided by the job's ranks on it (at least 1)}
   */
  readonly workers?: number;
  /**
   * What adaptive chunks aim to take on this rank, in milliseconds (more than a local pool's 5:
   * each chunk also travels to the root).
   * @default {20}
   */
  readonly chunkTargetMs?: number;
}

const DONE: Promise<undefined> = Promise.resolve(undefined);

// Results stream from each rank to the root on this tag, in order (MPI keeps the order of
// messages from one sender on one tag): chunk results, then an empty message for "done".
const STREAM_TAG = 7101;
// How often the root looks for streamed results while nothing arrives (it backs off to this).
const MAX_POLL_MS = 8;
// Rank 0 tells the others on this tag that the chunks are ready to go out: until then they wait
// without blocking in MPI, where a waiting rank spins on a core (which, on a shared machine, a
// rank still computing needs).
const READY_TAG = 7102;

interface WireResult {
  processNumber: number;
  parameters: { rows: number; columns: number; data: Float64Array };
  results: unknown;
  error: LocalResultsType["error"];
  /** Whether `results` are rows the rank's pool took from a worker's shared memory. */
  shared?: boolean;
}

interface Job {
  // Root only: every rank's results as sent (the callback may change what it is given), and how
  // many ranks have said they are done.
  received: { processNumber: number; bytes: Uint8Array }[];
  done: number;
  callbackError: { error: unknown } | undefined;
  callbacks: Promise<unknown>[];
  onResult: ScatterOptions["onResult"];
  polling: boolean;
  wake: (() => void) | undefined;
  finished: Promise<void>;
}

function toWire(r: LocalResults): WireResult {
  const p = r.parameters;
  return {
    processNumber: r.processNumber,
    // Only this chunk's rows: a view would send its whole buffer.
    parameters: {
      rows: p.rows,
      columns: p.columns,
      data: p.data.slice(0, p.rows * p.columns),
    },
    // Rows the rank's pool took from a worker (made on its main thread, a class of its own)
    // travel as their fields and are made one again at the root.
    ...(r.results instanceof SharedRowsPart
      ? {
        results: { meta: r.results.meta, columns: r.results.columns, errors: r.results.errors },
        shared: true,
      }
      : { results: r.results }),
    error: r.error,
  };
}

// A chunk's result as bytes; results that cannot be sent (a function, say) fail their chunk.
function encodeResult(result: LocalResults, rank: number): Uint8Array {
  try {
    return toBytes(toWire(result));
  } catch (e) {
    return toBytes(toWire(
      new LocalResults(result.processNumber, result.parameters, undefined, {
        name: "DataCloneError",
        message: `the results of rank ${rank} cannot be sent between ranks: ${
          toErrorInfo(e).message
        }`,
      }),
    ));
  }
}

function fromWire(w: WireResult): LocalResults {
  const results = w.shared
    ? new SharedRowsPart(
      (w.results as SharedRowsPart).meta,
      (w.results as SharedRowsPart).columns,
      (w.results as SharedRowsPart).errors,
    )
    : w.results;
  return new LocalResults(w.processNumber, toMatrix(w.parameters), results, w.error);
}

/**
 * The {@linkcode ParallelManager} of one MPI rank: every rank of the job runs
 * the same program (SPMD), each with its own manager.
 *
 * - The collectives are MPI's, on `MPI_COMM_WORLD`, blocking on the main thread
 *   (as mpi4py's): arrays go as their bytes, other values in V8's structured
 *   clone format (NaN, -0, typed arrays and BigInt survive).
 * - `scatter` splits the rows as WaterTAP does (contiguous, the first
 *   `rows % size` ranks one more); each rank runs its share on a local pool
 *   ({@linkcode DenoWorkerManager} of permission-scoped workers, one
 *   included), and
 *   streams each finished chunk to the root, whose `onResult` sees every
 *   rank's chunks as they finish (so that a sweep's root writes them to disk at
 *   once; a sweep's chunk may come in parts, its finished rows ahead of a slow
 *   one). `gather` returns every chunk on every rank, ordered by
 *   `processNumber` (a chunk's number is its first row's share offset plus its
 *   local number).
 * - A rank that fails (an uncaught error, an exit before `close`, a non-zero
 *   exit) ends the whole job with `MPI_Abort` and a message naming the rank;
 *   one killed by a signal is ended by the launcher. Nothing hangs, and the
 *   job's exit status is non-zero.
 * - MPI is initialised once per process, by the first manager, and finalised
 *   when the process exits normally: managers may come and go.
 *
 * Launch one rank per machine (`mpirun --map-by ppr:1:node --bind-to none`)
 * to run threads inside each, or one per core with `workers: 1`.
 *
 * @example Every rank runs this (`mpirun -n 4 deno run -A sweep.ts`)
 * ```ts ignore
 * import { MpiManager, parameterSweep, uniformSample } from "@x/psweep";
 *
 * await using pm = new MpiManager();
 * const result = await parameterSweep({
 *   model: "./model.ts",
 *   params: { x: uniformSample(0, 1, 1000) },
 *   seed: 1,
 *   manager: pm,
 *   csv: "out.csv", // written by rank 0
 * });
 * if (pm.isRootProcess()) console.log(result.stats);
 * ```
 */
export class MpiManager implements ParallelManager, AsyncDisposable {
  readonly #world: MpiWorld;
  readonly #local: DenoWorkerManager;
  readonly #workers: number;
  #job: Job | undefined;
  #localFailed = false;
  #closed = false;

  /**
   * Initialises MPI (once per process) and makes this rank's local pool (its workers start
   * with the first scatter).
   *
   * @param options The library, and the local pool's options.
   * @throws {Error} When no MPI library is found (the message says what to install), or the
   *   library does not match the launcher (every rank would be a world of one).
   */
  constructor(options: MpiManagerOptions = {}) {
    knownKeys("create an MPI manager", options, ["library", ...POOL_OPTION_KEYS]);
    const { library, ...pool } = options;
    this.#world = mpiWorld(library);
    const workers = pool.workers ?? defaultWorkers();
    if (this.#world.rank === ROOT_PROCESS_RANK) warnIfBound(workers);
    // One worker too is a permission-scoped worker: model code never runs on a rank's main
    // thread, which also stays free to move rows to the root while the model computes.
    this.#local = new DenoWorkerManager({
      chunkTargetMs: MPI_DEFAULTS.chunkTargetMs,
      ...pool,
      workers,
    });
    this.#workers = workers;
    managerOpened();
  }

  /** Starts this rank's workers ahead of the first scatter (see _start_workers.ts). */
  [START_WORKERS](modules: readonly string[]): void {
    startWorkers(this.#local, modules);
  }

  /** The MPI library in use, e.g. `"Open MPI v4.1.4, ..."`. @returns Its version line. */
  get library(): string {
    return this.#world.version;
  }

  /** Workers of this rank's local pool. @returns Their number. */
  get localWorkers(): number {
    return this.#workers;
  }

  /** Whether this rank is rank 0. @returns Whether it is the root. */
  isRootProcess(): boolean {
    return this.#world.rank === ROOT_PROCESS_RANK;
  }
  /** This process's rank in `MPI_COMM_WORLD`. @returns The rank. */
  getRank(): number {
    return this.#world.rank;
  }
  /** The number of ranks (WaterTAP: the communicator's size). @returns The world size. */
  numberOfWorkerProcesses(): number {
    return this.#world.size;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new Error(`Cannot ${what} as the MpiManager is closed`);
  }

  /** `MPI_Barrier`. */
  syncWithPeers(): Promise<void> {
    return this.#run("sync with peers", () => this.#world.barrier());
  }

  /**
   * `MPI_Bcast` of the root's array into `data` on every rank.
   * @param data The root's values; elsewhere, overwritten with them.
   * @throws {RangeError} Off the root, when `data` is not as long as the root's array.
   */
  syncArrayWithPeers(data: TypedArray): Promise<void> {
    return this.#run("sync array", () => {
      const w = this.#world;
      // The root's length and element type first, so that a mismatch is an error on that rank
      // rather than memory read past an array's end.
      const [length, kind] = w.bcastNumbers([data.length, kindOf(data)]);
      const sameKind = kind === kindOf(data) && length === data.length;
      const target = sameKind ? data : new (ARRAY_KINDS[kind])(length);
      w.bcastBytes(new Uint8Array(target.buffer, target.byteOffset, target.byteLength));
      if (length !== data.length) {
        throw new RangeError(
          `Cannot sync array as 'data' must have the root's length (${length}): current length is ${data.length}`,
        );
      }
      if (!sameKind) copyInto(data, target);
    });
  }

  /**
   * Broadcast of a value: every rank gets the root's.
   * @param obj The root's value (ignored elsewhere).
   * @returns The root's value.
   */
  syncObjectWithPeers<T>(obj: T): Promise<T> {
    return this.#run("sync object", () => this.#world.bcastObject(obj, "sync object"));
  }

  /**
   * Allgather: every rank's value, in rank order.
   * @param data This rank's value.
   * @returns Every rank's value.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return this.#run("combine data", () => this.#world.allgatherObjects(data, "combine data"));
  }

  /**
   * `MPI_Gatherv` to the root. Every rank sends its length first, so that a receive spec that
   * does not match fails on the root (each rank stays in step).
   * @param sendbuf This rank's values (every rank the same element type).
   * @param recvbufSpec On the root: the buffer and each rank's count.
   */
  gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    return this.#run("gather arrays", () => {
      const w = this.#world;
      const kind = kindOf(sendbuf);
      const counts = w.gatherPairs(sendbuf.length, kind);
      if (w.rank !== ROOT_PROCESS_RANK) {
        w.gathervBytes(sendbuf, undefined);
        return;
      }
      const size = w.size;
      const element = sendbuf.BYTES_PER_ELEMENT;
      let problem: Error | undefined;
      let spec: ReceiveBufferSpec | undefined;
      try {
        spec = checkReceiveSpec(recvbufSpec, size, 0, sendbuf.length);
        for (let r = 0; r < size; r++) {
          if (counts[2 * r + 1] !== kind) {
            throw new TypeError(
              `Cannot gather arrays as every rank must send the root's element type (${sendbuf.constructor.name}): rank ${r} sent ${
                ARRAY_KINDS[counts[2 * r + 1]]?.name
              }`,
            );
          }
          if (counts[2 * r] !== spec.sizes[r]) {
            throw new RangeError(
              `Cannot gather arrays as 'recvbufSpec.sizes[${r}]' must equal the length sent by rank ${r} (${
                counts[2 * r]
              }): current value is ${spec.sizes[r]}`,
            );
          }
        }
      } catch (e) {
        problem = e as Error;
      }
      const direct = problem === undefined &&
        Object.getPrototypeOf(spec!.buffer) === Object.getPrototypeOf(sendbuf);
      let total = 0;
      if (!direct) { for (let r = 0; r < size; r++) total += counts[2 * r] * element; }
      // Straight into the caller's buffer when it has the sent type (no view or copy: this is
      // the path whose latency is compared with C's); else through a scratch buffer (also when
      // the spec is wrong: the others' bytes must still be taken).
      const recv = direct ? spec!.buffer : new Uint8Array(total);
      w.gathervBytes(sendbuf, recv, counts, 2, element);
      if (problem) throw problem;
      if (!direct) {
        copyInto(
          spec!.buffer,
          new (ARRAY_KINDS[kind])(recv.buffer, 0, total / element) as TypedArray,
        );
      }
    });
  }

  /**
   * `MPI_Allreduce` with `MPI_SUM`: doubles for every element type but 64-bit integers, which
   * add up exactly (and wrap, as their arrays do). Every rank must pass the same length.
   * @param sendbuf This rank's values.
   * @param recvbuf Receives the sums.
   * @throws {RangeError} When the two buffers differ in length.
   */
  sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    return this.#run("sum values", () => {
      checkSumBuffers(sendbuf, recvbuf);
      const n = sendbuf.length;
      // Every rank's length and kind of sum first (MPI would add a longer array's head to a
      // shorter one's, or integers' bits as doubles, silently): the same error on every rank, and
      // the ranks stay in step for the next collective.
      const exact = sendbuf instanceof BigInt64Array || sendbuf instanceof BigUint64Array;
      const lengths = this.#world.allgatherInt(n);
      const kinds = this.#world.allgatherInt(
        exact ? (sendbuf instanceof BigInt64Array ? 1 : 2) : 0,
      );
      if (lengths.some((m) => m !== n) || kinds.some((k) => k !== kinds[0])) {
        throw new RangeError(
          `Cannot sum values as every rank must pass an array of the same length and kind (64-bit integers, or any other, summed as doubles): current value is lengths ${
            [...lengths].join(", ")
          } and kinds ${
            [...kinds].map((k) => ["double", "int64", "uint64"][k]).join(", ")
          } by rank`,
        );
      }
      if (sendbuf instanceof BigInt64Array || sendbuf instanceof BigUint64Array) {
        const type = sendbuf instanceof BigInt64Array ? "int64" : "uint64";
        const out = new (sendbuf.constructor as BigInt64ArrayConstructor)(n);
        this.#world.allreduceSum(sendbuf, out, n, type);
        copyInto(recvbuf, out);
        return;
      }
      const send = sendbuf instanceof Float64Array ? sendbuf : Float64Array.from(sendbuf);
      const direct = recvbuf instanceof Float64Array && recvbuf.buffer !== send.buffer;
      const out = direct ? recvbuf : new Float64Array(n);
      this.#world.allreduceSum(send, out, n, "double");
      if (!direct) copyInto(recvbuf, out);
    });
  }

  // Runs a collective now (MPI calls block this thread), so that collectives started together
  // without awaiting happen in the order they were called, on every rank.
  #run<T>(what: string, body: () => T): Promise<T> {
    try {
      this.#checkOpen(what);
      const value = body();
      // One settled promise serves every call that returns nothing: a collective of 1k doubles
      // takes about a microsecond, so an allocation per call shows in its latency.
      return value === undefined ? DONE as Promise<T> : Promise.resolve(value);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Runs this rank's share of the rows on its local pool. Each finished chunk goes to the root,
   * whose `onResult` receives every rank's chunks (this rank's `onResult`, its own).
   *
   * @param doBuild Builds the extra arguments of `doExecute`, once per worker.
   * @param doBuildKwargs The arguments of `doBuild`.
   * @param doExecute Computes a chunk.
   * @param allParameters Every row (the same on every rank, as in WaterTAP).
   * @param options Abort signal (this rank's work), streaming callback, and imports.
   * @throws {Error} When the previous scatter has not been gathered, or the manager is closed.
   */
  async scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options: ScatterOptions = {},
  ): Promise<void> {
    this.#checkOpen("scatter");
    if (this.#job) {
      throw new Error("Cannot scatter as the previous scatter has not been gathered yet");
    }
    const w = this.#world;
    const all = toMatrix(allParameters);
    const sizes = splitSizes(all.rows, w.size);
    const start = sizes.slice(0, w.rank).reduce((a, b) => a + b, 0);
    const mine = sliceRows(all, start, start + sizes[w.rank]);
    const root = w.rank === ROOT_PROCESS_RANK;
    const job: Job = {
      received: [],
      done: 0,
      callbackError: undefined,
      callbacks: [],
      onResult: options.onResult,
      polling: false,
      wake: undefined,
      finished: Promise.resolve(),
    };
    this.#job = job;
    const onResult = (local: LocalResults): unknown => {
      // Numbered by share offset: unique across ranks, and ordered by rank then chunk.
      const result = new LocalResults(
        start + local.processNumber,
        local.parameters,
        local.results,
        local.error,
      );
      const bytes = encodeResult(result, w.rank);
      if (root) {
        job.received.push({ processNumber: result.processNumber, bytes });
        return this.#deliver(job, result);
      }
      w.post(bytes, ROOT_PROCESS_RANK, STREAM_TAG);
      // What was sent is already bytes: the callback may do what it likes with the result.
      return this.#deliver(job, result);
    };
    // The root takes the others' results while its own share runs.
    if (root) this.#poll(job);
    try {
      await this.#local.scatter(doBuild, doBuildKwargs, doExecute, mine, {
        signal: options.signal,
        imports: options.imports,
        onResult,
      });
    } catch (e) {
      // This rank cannot run its share (a function that is not a module reference, say): its
      // rows fail as one chunk, so that the others are not left waiting for it.
      this.#localFailed = true;
      if (mine.rows > 0) onResult(new LocalResults(0, mine, undefined, toErrorInfo(e)));
    }
  }

  // Hands a result to the caller's onResult; what it throws is kept for gather, and a promise
  // it returns holds back the next delivery of streamed results.
  #deliver(job: Job, result: LocalResults): unknown {
    if (!job.onResult) return undefined;
    try {
      const out = job.onResult(result);
      if (out instanceof Promise) {
        const settled = out.catch((error) => {
          job.callbackError ??= { error };
        });
        job.callbacks.push(settled);
        return settled;
      }
      return out;
    } catch (error) {
      job.callbackError ??= { error };
      return undefined;
    }
  }

  // The root takes streamed results as they arrive, without blocking its thread: its own pool
  // and the sweep's writes go on meanwhile.
  #poll(job: Job): void {
    if (job.polling || this.#world.size === 1) return;
    job.polling = true;
    const w = this.#world;
    let delay = 0;
    const step = async () => {
      while (job.done < w.size - 1) {
        const message = w.tryReceive(STREAM_TAG);
        if (!message) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              job.wake = undefined;
              resolve();
            }, delay);
            job.wake = () => {
              clearTimeout(timer);
              job.wake = undefined;
              resolve();
            };
          });
          delay = Math.min(MAX_POLL_MS, Math.max(1, delay * 2));
          continue;
        }
        delay = 0;
        if (message.bytes.length === 0) {
          job.done++;
          continue;
        }
        const result = fromWire(fromBytes(message.bytes) as WireResult);
        job.received.push({ processNumber: result.processNumber, bytes: message.bytes });
        const held = this.#deliver(job, result);
        if (held instanceof Promise) await held;
      }
    };
    job.finished = step();
    // Awaited by gather; a failure before then must not count as an unhandled rejection (which
    // ends the job).
    job.finished.catch(() => {});
  }

  /**
   * Waits for every rank's share; every rank gets every chunk, ordered by `processNumber`.
   *
   * @returns Every rank's chunks.
   * @throws {Error} When nothing was scattered.
   * @throws {unknown} What this rank's `onResult` threw (the first such error), once every rank
   *   has its results.
   */
  async gather(): Promise<LocalResults[]> {
    this.#checkOpen("gather");
    const job = this.#job;
    // Every rank is in the same case (SPMD), so all of them throw here and none waits.
    if (!job) throw new Error("Cannot gather as nothing was scattered");
    const w = this.#world;
    let localError: { error: unknown } | undefined;
    try {
      if (!this.#localFailed) await this.#local.gather();
    } catch (error) {
      // Only onResult's errors reach here: onResult is ours, and rethrows nothing.
      localError = { error };
    }
    await Promise.allSettled(job.callbacks);
    // Every rank gets every chunk as the root received it: the lengths, then the bytes.
    let blobs: Uint8Array;
    let lengths: number[];
    if (w.rank !== ROOT_PROCESS_RANK) {
      w.post(new Uint8Array(0), ROOT_PROCESS_RANK, STREAM_TAG);
      for (let delay = 0; !w.tryReceive(READY_TAG); delay = Math.min(MAX_POLL_MS, delay + 1)) {
        w.progressPosted();
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      // The root took every message before it said ready: the posted sends are complete.
      while (w.progressPosted() > 0) { /* completes at once */ }
      lengths = w.bcastObject<number[] | null>(null, "gather")!;
      blobs = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
    } else {
      if (w.size > 1) {
        job.wake?.();
        await job.finished;
      }
      await Promise.allSettled(job.callbacks);
      const sorted = job.received.sort((a, b) => a.processNumber - b.processNumber);
      for (let r = 1; r < w.size; r++) w.send(new Uint8Array(0), r, READY_TAG);
      lengths = w.bcastObject(sorted.map((r) => r.bytes.length), "gather");
      blobs = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
      let offset = 0;
      for (const r of sorted) {
        blobs.set(r.bytes, offset);
        offset += r.bytes.length;
      }
    }
    w.bcastBytes(blobs);
    const all: LocalResults[] = [];
    for (let i = 0, offset = 0; i < lengths.length; offset += lengths[i], i++) {
      all.push(fromWire(fromBytes(blobs.subarray(offset, offset + lengths[i])) as WireResult));
    }
    this.#job = undefined;
    this.#localFailed = false;
    const failed = job.callbackError ?? localError;
    if (failed) throw failed.error;
    return all;
  }

  /**
   * Every rank holds every chunk after `gather`: all of them.
   * @param results The gathered results.
   * @returns A copy of them.
   */
  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[] {
    return [...results];
  }

  /**
   * Closes this rank's local pool. MPI itself stays up for later managers and is finalised
   * when the process exits.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#local.close();
    } finally {
      managerClosed();
    }
  }

  /** Closes the manager (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// The cores this process may use (Deno counts those of its CPU affinity), and the machine's.
function cores(): { allowed: number; total: number } {
  const allowed = navigator.hardwareConcurrency;
  let total = allowed;
  try {
    total = Math.max(allowed, cpus().length);
  } catch {
    // without --allow-sys: the affinity's count is all we know
  }
  return { allowed, total };
}

// A rank bound to some cores (srun --cpus-per-task, say) uses them all; an unbound one its share
// of the machine.
function defaultWorkers(): number {
  const { allowed, total } = cores();
  if (allowed < total) return allowed;
  return Math.max(1, Math.floor(total / (localRanks() ?? 1)));
}

let warned = false;
// Open MPI's mpirun binds each rank to one core by default: a rank's pool would share that core,
// or the machine would sit mostly idle. Said once, by rank 0.
function warnIfBound(workers: number): void {
  const { allowed, total } = cores();
  const ranks = localRanks() ?? 1;
  if (warned || allowed >= total || (workers <= allowed && allowed * ranks >= total)) return;
  warned = true;
  console.warn(
    `psweep: MPI rank 0 may use ${allowed} of this machine's ${total} cores (the launcher bound it) and runs ${workers} worker(s); with Open MPI's mpirun pass --bind-to none (one rank per machine: --map-by ppr:1:node --bind-to none)`,
  );
}

// Element types by a number that travels with arrays.
const ARRAY_KINDS = [
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
] as unknown as (new (...args: unknown[]) => TypedArray)[];

function kindOf(a: TypedArray): number {
  const k = (ARRAY_KINDS as unknown[]).indexOf(a.constructor);
  if (k < 0) throw new TypeError(`Cannot send a ${a.constructor.name} between MPI ranks`);
  return k;
}
