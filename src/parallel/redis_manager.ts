/**
 * The manager for many machines: the root publishes chunks of rows to Redis (a stream with a
 * consumer group) and `psweep worker` daemons on any number of machines run them.
 *
 * One concept, though long: the root's side of the Redis protocol (publish, lease, reclaim,
 * collect, fail a chunk that kills its takers, resume after a root restart); the daemon's side is
 * `_redis_worker.ts`, the keys and messages `_redis_protocol.ts`, the connection `_redis_client.ts`.
 *
 * @module
 */

import { describe, invalid, knownKeys, positiveInteger, positiveNumber } from "../_describe.ts";
import { checkCloneable } from "../_cloneable.ts";
import { REDIS_DEFAULTS } from "../_defaults.ts";
import { ChunkSizer } from "./_chunk_sizer.ts";
import { toErrorInfo } from "./_errors.ts";
import { GROUP_OF_ONE } from "./_group_of_one.ts";
import { type Matrix, type ParameterRows, sliceRows, toMatrix, type TypedArray } from "./matrix.ts";
import {
  type BuildFunction,
  type Callable,
  CHUNK_ERROR_NAMES,
  type ErrorInfo,
  type ExecuteFunction,
  LocalResults,
  type ParallelManager,
  type ReceiveBufferSpec,
  type ScatterOptions,
} from "./parallel_manager.ts";
import { toWireFunction, type WireFunction } from "./_protocol.ts";
import { SharedRowsPart } from "./_partial_results.ts";
import { Buffer } from "node:buffer";
// The client (npm:ioredis) loads only when a sweep runs on Redis, not for every user of psweep;
// its types stay out of psweep's too (RootClient declares what the root uses).
type RedisConnection = RootConnection;
const CREATE = "create a Redis manager";
let client: RootClient | undefined;
async function loadClient(): Promise<RootClient> {
  return client ??= (await import("./_redis_client.ts")) as unknown as RootClient;
}
import {
  type ChunkPayload,
  decode,
  encode,
  GROUP,
  hashModule,
  hex,
  type JobSpec,
  keys,
  missingRuns,
  redactUrl,
  redisFailure,
  type RootClient,
  type RootConnection,
  rowBytes,
  toRemote,
} from "./_redis_protocol.ts";

/**
 * Options of {@linkcode RedisManager}.
 *
 * @example Options checked at construction
 * ```ts
 * import { RedisManager, type RedisManagerOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const options: RedisManagerOptions = { url: "redis://127.0.0.1:6390", leaseMs: 0 };
 * assert.throws(() => new RedisManager(options), /'leaseMs' must be a positive number/);
 * ```
 */
export interface RedisManagerOptions {
  /**
   * The Redis server: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. Redis 6.2
   * or later (or Valkey).
   */
  readonly url: string;
  /**
   * The sweep's name: daemons started with `--sweep NAME` join only sweeps of that name; others
   * join any. @default {"sweep"}
   */
  readonly name?: string;
  /** Prefix of every key psweep writes. @default {"psweep"} */
  readonly prefix?: string;
  /**
   * A chunk whose daemon has not renewed its lease for this long (ms) runs elsewhere; daemons
   * renew every third of it. @default {5000}
   */
  readonly leaseMs?: number;
  /**
   * A chunk taken by this many daemons that each stopped (were killed, or lost) before finishing
   * it is recorded as failed rows (`WorkerDiedError`) and the sweep goes on. @default {3}
   */
  readonly maxDeliveries?: number;
  /**
   * With work left and no daemon alive that runs it (none joined, all left, or all refused it)
   * for this long (ms), `gather` rejects, saying so; a daemon counts as gone 3 s after its last
   * heartbeat, so all dying is reported within this + 3 s. @default {30000}
   */
  readonly workerWaitMs?: number;
  /** Rows per chunk; when unset, chunks adapt to the measured cost of rows. @default {undefined} */
  readonly chunkSize?: number;
  /** What adaptive chunks aim to take on a daemon, in milliseconds. @default {200} */
  readonly chunkTargetMs?: number;
}

// Every option of RedisManagerOptions, as the compiler checks: a key outside them is a mistake.
const REDIS_OPTION_FIELDS: Record<keyof RedisManagerOptions, true> = {
  url: true,
  name: true,
  prefix: true,
  leaseMs: true,
  maxDeliveries: true,
  workerWaitMs: true,
  chunkSize: true,
  chunkTargetMs: true,
};

interface Job {
  id: string;
  /** This root's value of the sweep's lock: it acts on the sweep only while the lock holds it. */
  token: string;
  k: ReturnType<ReturnType<typeof keys>["job"]>;
  matrix: Matrix;
  spec: JobSpec;
  next: number;
  /** [start, end) of each published chunk, by chunk index. */
  ranges: number[];
  /** The results fields ("chunk:from:to") handed on. */
  seen: Set<string>;
  /** The runs of each chunk's rows handed on (`[from, to)` within it), by chunk index. */
  got: [number, number][][];
  /** Chunks whose every row was handed on. */
  complete: number;
  results: LocalResults[];
  onResult?: (r: LocalResults) => unknown;
  sizer: ChunkSizer;
  capacity: number;
  doneId: string;
  noWorkerSince: number | undefined;
  lastTick: number;
  aborted?: ErrorInfo;
  failure?: Error;
  callbackError?: { error: unknown };
  loop: Promise<void>;
}

/**
 * A {@linkcode ParallelManager} whose chunks run on `psweep worker` daemons, on any number of
 * machines, through Redis (streams with a consumer group). This process is the root: it
 * publishes the work, collects each chunk's result as it is recorded and never runs model code.
 *
 * - Rows travel as raw float64 and results in V8's structured-clone format: NaN, -0 and typed
 *   arrays arrive as they left.
 * - A daemon holds a lease on each chunk it runs and renews it from its main thread; a chunk
 *   whose daemon died or froze runs elsewhere once the lease ends. A result is recorded only by
 *   the daemon that holds the chunk, and only for rows not recorded before: no row is recorded
 *   twice.
 * - psweep's own sweeps may get a chunk in parts, as from the local pool: rows a daemon finished
 *   ahead of a slow row of their chunk reach `onResult` while that row runs, and a chunk taken
 *   over from a daemon that stopped runs only its rows not yet recorded.
 * - A sweep is identified by its inputs and the model's code: after the root is killed, the same
 *   call picks the sweep up in Redis and chunks already finished are not computed again.
 * - Daemons run only models under the locations they were started with, and refuse a model whose
 *   source differs from the root's.
 *
 * @example Running a sweep's chunks on daemons (needs Redis and `psweep worker` daemons)
 * ```ts ignore
 * import { parameterSweep, RedisManager, linearSample } from "@x/psweep";
 *
 * await using manager = new RedisManager({ url: "redis://:secret@127.0.0.1:6390" });
 * const result = await parameterSweep({
 *   model: "./model.ts",
 *   params: { x: linearSample(0, 1, 100) },
 *   manager,
 * });
 * console.log(result.rows);
 * ```
 */
export class RedisManager implements ParallelManager, AsyncDisposable {
  readonly #url: string;
  readonly #name: string;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #maxDeliveries: number;
  readonly #workerWaitMs: number;
  readonly #chunkSize: number | undefined;
  readonly #chunkTargetMs: number;
  #cmd: RedisConnection | undefined;
  #blk: RedisConnection | undefined;
  #job: Job | undefined;
  #lastResults: LocalResults[] | undefined;
  #capacity = 0;
  #closed = false;
  get #lockMs(): number {
    return Math.max(3000, 3 * Math.min(1000, Math.floor(this.#leaseMs / 2)));
  }

  /**
   * Checks the options; connects to Redis only when work is scattered.
   *
   * @param options The server, and how leases, retries and chunks behave.
   * @throws {TypeError} When `url` is not a redis:// or rediss:// URL.
   * @throws {RangeError} When a numeric option is out of range.
   */
  constructor(options: RedisManagerOptions) {
    if (typeof options === "object" && options !== null) {
      knownKeys("create a Redis manager", options, Object.keys(REDIS_OPTION_FIELDS));
    }
    const url = options?.url;
    if (typeof url !== "string" || !/^rediss?:\/\//.test(url) || !URL.canParse(url)) {
      throw new TypeError(
        `Cannot create a Redis manager as 'url' must be a redis:// or rediss:// URL: current value is ${
          describe(typeof url === "string" ? redactUrl(url) : url)
        }`,
      );
    }
    this.#url = url;
    this.#name = text("name", options.name ?? "sweep");
    this.#prefix = text("prefix", options.prefix ?? REDIS_DEFAULTS.prefix);
    this.#leaseMs = positiveNumber(CREATE, "leaseMs", options.leaseMs ?? REDIS_DEFAULTS.leaseMs);
    this.#maxDeliveries = positiveInteger(
      CREATE,
      "maxDeliveries",
      options.maxDeliveries ?? REDIS_DEFAULTS.maxDeliveries,
    );
    this.#workerWaitMs = positiveNumber(
      CREATE,
      "workerWaitMs",
      options.workerWaitMs ?? REDIS_DEFAULTS.workerWaitMs,
    );
    if (options.chunkSize !== undefined) positiveInteger(CREATE, "chunkSize", options.chunkSize);
    this.#chunkSize = options.chunkSize;
    this.#chunkTargetMs = positiveNumber(
      CREATE,
      "chunkTargetMs",
      options.chunkTargetMs ?? REDIS_DEFAULTS.chunkTargetMs,
    );
  }

  /** Always `true`: this process is the root. @returns `true`. */
  isRootProcess(): boolean {
    return GROUP_OF_ONE.isRootProcess();
  }
  /** Always {@linkcode ROOT_PROCESS_RANK}. @returns 0. */
  getRank(): number {
    return GROUP_OF_ONE.getRank();
  }
  /**
   * How many chunks the daemons last seen alive run at once (1 before any was seen).
   * @returns The daemons' slots.
   */
  numberOfWorkerProcesses(): number {
    return Math.max(1, this.#capacity);
  }
  /** The root's collectives involve the root alone: nothing to wait for. */
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
   * Allgather among one: the root alone.
   * @param data The root's value.
   * @returns `[data]`.
   */
  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return GROUP_OF_ONE.combineDataWithPeers(data);
  }
  /**
   * Copies `sendbuf` into the receive buffer (a group of one).
   * @param sendbuf What the root sends.
   * @param recvbufSpec The receive buffer and `[sendbuf.length]`.
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
   * Publishes the sweep to Redis (or finds it there, when the same sweep was started before and
   * not finished) and starts collecting results; resolves once the first chunks are published.
   *
   * @param doBuild Builds the extra arguments of `doExecute`, on each daemon.
   * @param doBuildKwargs The arguments of `doBuild` (structured-cloned to each daemon).
   * @param doExecute Computes a chunk.
   * @param allParameters The rows.
   * @param options Abort signal, a callback for each chunk as it is recorded, and the modules
   *   `doBuild` and `doExecute` import (daemons check them like the functions' own modules).
   * @throws {TypeError} When a function is not a module reference with an absolute URL, or when
   *   `doBuildKwargs` cannot be structured-cloned.
   * @throws {Error} When a scatter is already running, the manager is closed, or Redis cannot
   *   be reached.
   */
  async scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options: ScatterOptions = {},
  ): Promise<void> {
    if (this.#closed) throw new Error("Cannot scatter as the Redis manager is closed");
    if (this.#job) {
      throw new Error("Cannot scatter as the previous scatter has not been gathered yet");
    }
    const build = wire(doBuild, "doBuild");
    const execute = wire(doExecute, "doExecute");
    checkCloneable(doBuildKwargs, "doBuildKwargs", "scatter");
    const imports = (options.imports ?? []).map((m) =>
      wire({ module: m, name: "" }, "imports").module
    );
    const matrix = toMatrix(allParameters);
    this.#lastResults = undefined;
    if (matrix.rows === 0) {
      this.#lastResults = [];
      return;
    }
    const remote = [toRemote(build), toRemote(execute)];
    const hashes: Record<string, string | null> = {};
    for (
      const [wireName, url] of [
        [remote[0].module, build.module],
        [remote[1].module, execute.module],
        ...imports.map((m) => [m, m]),
      ]
    ) {
      hashes[wireName] = await hashModule(url);
    }
    const spec: JobSpec = {
      name: this.#name,
      build: remote[0],
      execute: remote[1],
      kwargs: doBuildKwargs,
      imports,
      hashes,
      columns: matrix.columns,
      leaseMs: this.#leaseMs,
      maxDeliveries: this.#maxDeliveries,
    };
    const specBytes = encode(spec);
    const rows = rowBytes(matrix.data, 0, matrix.rows, matrix.columns);
    const identity = new Uint8Array(specBytes.byteLength + rows.byteLength);
    identity.set(specBytes, 0);
    identity.set(rows, specBytes.byteLength);
    const id = hex(await crypto.subtle.digest("SHA-256", identity)).slice(0, 32);

    const { connectRedis } = await loadClient();
    const cmd = this.#cmd ??= connectRedis(this.#url);
    const all = keys(this.#prefix);
    const k = all.job(id);
    let next = 0;
    let ranges: number[] = [];
    const token = crypto.randomUUID();
    try {
      // One root per sweep: a second one would publish chunks under the same numbers. A root
      // that was killed leaves its lock to expire within `#lockMs`.
      const deadline = performance.now() + this.#lockMs + 1000;
      while (await cmd.set(k.root, token, "PX", this.#lockMs, "NX") !== "OK") {
        if (performance.now() > deadline) {
          throw new Error(
            "the same sweep is running from another root (its lock in Redis is held and renewed); wait for it to finish, or stop it",
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const existing = await cmd.hget(k.meta, "rows");
      if (existing === String(matrix.rows)) {
        // The same sweep, started before and not finished: carry on where it is.
        next = Number(await cmd.hget(k.meta, "next"));
        await cmd.sadd(all.jobs, id);
        const packed = await cmd.getBuffer(k.ranges);
        if (packed) ranges = Array.from(new Uint32Array(new Uint8Array(packed).buffer));
      } else {
        const now = await cmd.psweepNow();
        await cmd.multi()
          .del(k.meta, k.ranges, k.tasks, k.results, k.parts, k.done, k.refused, k.joined)
          .set(k.root, token, "PX", this.#lockMs)
          .hset(k.meta, {
            spec: specBytes,
            name: this.#name,
            rows: String(matrix.rows),
            next: "0",
            rootSeen: String(now),
          })
          .xgroup("CREATE", k.tasks, GROUP, "$", "MKSTREAM")
          .sadd(all.jobs, id)
          .xadd(all.announce, "MAXLEN", "~", "100", "*", "j", id)
          .exec();
      }
    } catch (e) {
      throw this.#redisError(e);
    }
    const job: Job = {
      id,
      token,
      k,
      matrix,
      spec,
      next,
      ranges,
      seen: new Set(),
      got: [],
      complete: 0,
      results: [],
      onResult: options.onResult,
      sizer: new ChunkSizer({
        workers: 1,
        targetMs: this.#chunkTargetMs,
        fixedRows: this.#chunkSize,
      }),
      capacity: 0,
      doneId: "0-0",
      noWorkerSince: undefined,
      lastTick: 0,
      loop: Promise.resolve(),
    };
    this.#job = job;
    const signal = options.signal;
    const onAbort = () => this.#abort(job, toErrorInfo(signal!.reason));
    if (signal?.aborted) {
      onAbort();
    } else {
      signal?.addEventListener("abort", onAbort, { once: true });
    }
    job.loop = this.#run(job).finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /**
   * Waits for every chunk to be recorded; one result per chunk, in row order.
   *
   * @returns The chunks' results ordered by `processNumber`.
   * @throws {Error} When nothing was scattered; when no daemon ran the work for `workerWaitMs`
   *   (the message says why, with any daemon's refusal); when Redis was lost.
   * @throws {unknown} What `onResult` threw (the first such error).
   */
  async gather(): Promise<LocalResults[]> {
    const job = this.#job;
    if (!job) {
      if (this.#lastResults) return this.#lastResults;
      throw new Error("Cannot gather as nothing was scattered");
    }
    await job.loop;
    this.#job = undefined;
    if (job.failure) throw job.failure;
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

  /** Stops collecting (unfinished chunks are reported as aborted) and closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const job = this.#job;
    if (job) {
      this.#abort(job, {
        name: CHUNK_ERROR_NAMES.aborted,
        message: "The Redis manager was closed",
      });
      await job.loop;
    }
    await client?.closeRedis(this.#blk);
    await client?.closeRedis(this.#cmd);
    this.#blk = this.#cmd = undefined;
  }

  /** Same as {@linkcode RedisManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #abort(job: Job, reason: ErrorInfo): void {
    if (job.aborted) return;
    job.aborted = reason;
    // Ends a blocking read at once; a fresh connection serves the next scatter.
    this.#blk?.disconnect();
    this.#blk = undefined;
  }

  #keysGone(cause?: unknown): Error {
    return new Error(
      `Cannot finish the sweep on Redis at ${
        redactUrl(this.#url)
      }: its keys are gone (Redis restarted without persistence, or they were deleted). Rows already in its results files are kept; run it again with resume (--resume on the command line) to compute the rest`,
      cause === undefined ? undefined : { cause },
    );
  }

  #redisError(e: unknown): Error {
    const message = e instanceof Error ? e.message : String(e);
    // A stream or group that vanished: Redis lost the sweep's keys (a restart without
    // persistence), whichever command met it first.
    if (/^NOGROUP\b/.test(message)) return this.#keysGone(e);
    return new Error(
      `Cannot run the sweep on Redis at ${redactUrl(this.#url)}: ${redisFailure(e)}`,
      {
        cause: e,
      },
    );
  }

  async #run(job: Job): Promise<void> {
    const total = job.matrix.rows;
    try {
      await this.#tick(job);
      await this.#publish(job);
      while (
        !job.aborted && !job.failure && (job.next < total || job.complete < job.ranges.length / 2)
      ) {
        const blk = this.#blk ??= client!.connectRedis(this.#url);
        const block = Math.max(10, Math.min(1000, Math.floor(this.#leaseMs / 2)));
        const reply = await blk.xreadBuffer(
          "COUNT",
          1000,
          "BLOCK",
          block,
          "STREAMS",
          job.k.done,
          job.doneId,
        ).catch((e) => {
          if (job.aborted) return null;
          throw e;
        });
        if (job.aborted) break;
        if (reply) {
          const entries = reply[0][1];
          job.doneId = entries[entries.length - 1][0].toString();
          // Each entry: c (the chunk), f (the results field of the part recorded).
          await this.#collect(
            job,
            entries.map(([, fields]) => (fields[3] ?? fields[1]).toString()),
          );
        }
        if (performance.now() - job.lastTick >= block) await this.#tick(job);
        await this.#publish(job);
      }
      if (job.aborted || job.failure) {
        // Left for a resume; the lock goes, so that the resume starts at once.
        if (job.aborted) this.#finishAborted(job);
        await this.#release(job, [job.k.root], "").catch(() => {});
      } else {
        // Done: the sweep's keys go (a rerun computes afresh).
        await this.#release(job, Object.values(job.k), job.id);
      }
    } catch (e) {
      if (job.aborted) this.#finishAborted(job);
      else job.failure = this.#redisError(e);
    }
  }

  // Reads and hands on the parts (results fields) not yet seen.
  async #collect(job: Job, fields: string[]): Promise<void> {
    const fresh = [...new Set(fields)].filter((f) => !job.seen.has(f));
    if (fresh.length === 0) return;
    const payloads = await this.#cmd!.hmgetBuffer(job.k.results, ...fresh);
    // Still this root's sweep after the read, so no other root published the chunks these
    // fields name (a lock once lost is never this root's again).
    if (!await this.#hold(job)) return;
    for (let i = 0; i < fresh.length; i++) {
      const bytes = payloads[i];
      if (!bytes || job.aborted) continue;
      await this.#deliver(job, fresh[i], decode<ChunkPayload>(bytes));
    }
  }

  // Hands on rows `from`..`to` of a chunk (its field "chunk:from:to"): the whole chunk, or the
  // part of it a daemon recorded ahead of a slow row, numbered as the pool numbers such parts.
  async #deliver(job: Job, field: string, payload: ChunkPayload): Promise<void> {
    if (job.seen.has(field)) return;
    job.seen.add(field);
    const [chunk, ...run] = field.split(":").map(Number);
    const start = job.ranges[2 * chunk];
    const end = job.ranges[2 * chunk + 1];
    // A field named by its chunk alone holds the whole chunk: how earlier versions recorded
    // chunks, in a sweep one of them left unfinished in Redis and this one resumes.
    const [from, to] = run.length === 2 ? run : [0, end - start];
    if (payload.error === undefined && payload.elapsed > 0 && payload.rows > 0) {
      job.sizer.observe(payload.rows, payload.elapsed);
    }
    const got = job.got[chunk] ??= [];
    got.push([from, to]);
    if (got.reduce((sum, [a, b]) => sum + b - a, 0) === end - start) job.complete++;
    const results = payload.shared
      ? new SharedRowsPart(
        (payload.results as SharedRowsPart).meta,
        (payload.results as SharedRowsPart).columns,
        (payload.results as SharedRowsPart).errors,
      )
      : payload.results;
    const result = new LocalResults(
      chunk + from / (end - start),
      sliceRows(job.matrix, start + from, start + to),
      payload.error ? undefined : results,
      payload.error,
    );
    await this.#hand(job, result);
  }

  async #hand(job: Job, result: LocalResults): Promise<void> {
    job.results.push(result);
    try {
      // Awaited: a consumer slower than the daemons (a disk) holds back reading and publishing.
      await job.onResult?.(result);
    } catch (e) {
      job.callbackError ??= { error: e };
    }
  }

  // Bookkeeping every half lease: the root says it is alive, counts the daemons that run this
  // sweep, fails chunks that too many daemons took and none finished, and catches up on results
  // whose notices it missed (after a Redis restart, say).
  async #tick(job: Job): Promise<void> {
    job.lastTick = performance.now();
    const cmd = this.#cmd!;
    const all = keys(this.#prefix);
    if (!await cmd.hexists(job.k.meta, "spec")) {
      job.failure = this.#keysGone();
      return;
    }
    if (!await this.#hold(job)) return;
    const now = await cmd.psweepNow();
    const ttl = REDIS_DEFAULTS.keyTtlMs;
    const live = await cmd.zrangebyscore(all.workers, now - 3 * REDIS_DEFAULTS.heartbeatMs, "+inf");
    const refused = await cmd.hgetall(job.k.refused);
    const joined = new Set(await cmd.hkeys(job.k.joined));
    const running = live.filter((name) => joined.has(name));
    const slots = running.length > 0 ? await cmd.hmget(all.slots, ...running) : [];
    job.capacity = this.#capacity = slots.reduce((a, s) => a + (Number(s) || 1), 0);
    job.sizer.workers = job.capacity;
    const m = cmd.multi()
      // Daemons that vanished without a goodbye, an hour ago or more.
      .zremrangebyscore(all.workers, "-inf", now - 3_600_000)
      .hset(job.k.meta, "rootSeen", String(now));
    for (const key of Object.values(job.k)) if (key !== job.k.root) m.pexpire(key, ttl);
    await m.exec();
    if (running.length === 0) {
      job.noWorkerSince ??= now;
      if (now - job.noWorkerSince >= this.#workerWaitMs) {
        const why = Object.entries(refused).map(([name, reason]) => `${name}: ${reason}`);
        job.failure = new Error(
          `Cannot finish the sweep on Redis at ${
            redactUrl(this.#url)
          }: no psweep worker ran its work for ${this.#workerWaitMs / 1000} s (${job.complete} of ${
            job.ranges.length / 2
          } published chunks recorded). ${
            why.length > 0
              ? `Workers refused it: ${why.join("; ")}`
              : live.length === 0
              ? "None is alive: start one on each machine with `psweep worker --redis URL --models DIR`"
              : "The workers alive do not take it (started with --sweep for another name?)"
          }. Rows recorded so far are kept; run the same sweep again to continue it (with resume, --resume on the command line, when it writes results files).`,
        );
        return;
      }
    } else {
      job.noWorkerSince = undefined;
    }
    // Chunks that every daemon taking them stopped on.
    const pending = await cmd.xpending(
      job.k.tasks,
      GROUP,
      "IDLE",
      this.#leaseMs,
      "-",
      "+",
      100,
    ) as [
      string,
      string,
      number,
      number,
    ][];
    for (const [id, , , deliveries] of pending) {
      if (deliveries < this.#maxDeliveries) continue;
      const entry = await cmd.xrange(job.k.tasks, id, id);
      if (entry.length === 0) continue;
      const fields = entry[0][1];
      const chunk = Number(fields[fields.indexOf("c") + 1]);
      // (Only chunks this root published: the lock check above makes them all its own.)
      if (!(chunk < job.ranges.length / 2)) continue;
      const start = job.ranges[2 * chunk];
      const end = job.ranges[2 * chunk + 1];
      const payload: ChunkPayload = {
        error: {
          name: CHUNK_ERROR_NAMES.workerDied,
          message: `The chunk of rows ${start}..${
            end - 1
          } was taken by ${deliveries} workers that each stopped before finishing it (maxDeliveries ${this.#maxDeliveries})`,
        },
        elapsed: 0,
        rows: end - start,
        worker: "",
      };
      // Only the rows no daemon recorded fail: those that went ahead of the chunk stay.
      await cmd.psweepFill(
        job.k.tasks,
        job.k.results,
        job.k.done,
        job.k.parts,
        GROUP,
        id,
        String(chunk),
        end - start,
        encode(payload),
      );
    }
    const recorded = await cmd.hlen(job.k.results);
    if (recorded > job.seen.size) {
      await this.#collect(job, await cmd.hkeys(job.k.results));
    }
  }

  // Keeps about two chunks per daemon slot published and not yet recorded.
  async #publish(job: Job): Promise<void> {
    const total = job.matrix.rows;
    const capacity = Math.max(1, job.capacity);
    const published = job.ranges.length / 2;
    const want = Math.min(2 * capacity, total) - (published - job.complete);
    if (want <= 0 || job.next >= total || job.aborted || job.failure) return;
    const chunks: (string | Buffer)[] = [];
    const packed: number[] = [];
    let next = job.next;
    for (let i = 0; i < want && next < total; i++) {
      const chunk = job.ranges.length / 2 + i;
      const start = next;
      const end = start + job.sizer.next(total - start);
      chunks.push(
        String(chunk),
        String(start),
        String(end - start),
        rowBytes(job.matrix.data, start, end, job.matrix.columns),
      );
      packed.push(start, end);
      next = end;
    }
    // Published only while this root holds the sweep: chunk numbers are its own.
    const done = await this.#cmd!.psweepPublish(
      job.k.root,
      job.k.tasks,
      job.k.ranges,
      job.k.meta,
      job.token,
      this.#lockMs,
      String(job.next),
      String(next),
      Buffer.from(new Uint32Array(packed).buffer),
      ...chunks,
    );
    if (done !== 1) {
      job.failure ??= await this.#lostLock(job);
      return;
    }
    job.ranges.push(...packed);
    job.next = next;
  }

  // Deletes `doomed` (the lock among them) and takes `id` (unless "") off the set of sweeps, if
  // this root still holds the sweep: one that another root took over is left to that root.
  async #release(job: Job, doomed: string[], id: string): Promise<void> {
    const all = keys(this.#prefix);
    const keyList = [job.k.root, all.jobs, ...doomed];
    await this.#cmd?.psweepRelease(keyList.length, ...keyList, job.token, id);
  }

  // Renews this root's lock on the sweep; false (and the sweep fails) when another root holds it.
  async #hold(job: Job): Promise<boolean> {
    const cmd = this.#cmd!;
    if (await cmd.psweepHold(job.k.root, job.k.meta, job.token, this.#lockMs, String(job.next))) {
      return true;
    }
    job.failure ??= await this.#lostLock(job);
    return false;
  }

  async #lostLock(job: Job): Promise<Error> {
    const cmd = this.#cmd!;
    if (!await cmd.hexists(job.k.meta, "spec")) return this.#keysGone();
    // Behind what this root published: Redis went back in time (restarted from a snapshot older
    // than the last publish), not another root's doing (which moves it on).
    const next = Number(await cmd.hget(job.k.meta, "next"));
    if (next < job.next) {
      return new Error(
        `Cannot finish the sweep on Redis at ${
          redactUrl(this.#url)
        }: its state went back (row ${next} is next in Redis, ${job.next} here: Redis restarted from an older snapshot?). Rows already in its results files are kept; run it again with resume (--resume on the command line) to compute the rest`,
      );
    }
    return new Error(
      `Cannot finish the sweep on Redis at ${
        redactUrl(this.#url)
      } as another root took it over: this one did not renew its lock for ${
        this.#lockMs / 1000
      } s (it was stopped, or cut off from Redis) and the same sweep was started again meanwhile. Rows recorded so far are kept; the other root carries the sweep on`,
    );
  }

  // Chunks not recorded when the scatter was stopped are reported as aborted, as the pool does.
  #finishAborted(job: Job): void {
    const error = {
      name: CHUNK_ERROR_NAMES.aborted,
      message: job.aborted!.message,
      stack: job.aborted!.stack,
    };
    const published = job.ranges.length / 2;
    const report = (processNumber: number, start: number, end: number) => {
      const result = new LocalResults(
        processNumber,
        sliceRows(job.matrix, start, end),
        undefined,
        error,
      );
      job.results.push(result);
      try {
        const r = job.onResult?.(result);
        if (r instanceof Promise) r.catch((e) => job.callbackError ??= { error: e });
      } catch (e) {
        job.callbackError ??= { error: e };
      }
    };
    for (let c = 0; c < published; c++) {
      const start = job.ranges[2 * c];
      const end = job.ranges[2 * c + 1];
      const got = (job.got[c] ?? []).toSorted((a, b) => a[0] - b[0]);
      for (const [from, to] of missingRuns(got, end - start)) {
        report(c + from / (end - start), start + from, start + to);
      }
    }
    if (job.next < job.matrix.rows) report(published, job.next, job.matrix.rows);
  }
}

// As the pool sends a function, and a module the daemons can load: not one of this process's own.
function wire(fn: unknown, field: string): WireFunction {
  const wired = toWireFunction(fn, field, "psweep workers");
  if (/^(blob|data):/.test(wired.module)) {
    throw new TypeError(
      `Cannot send '${field}' to psweep workers as 'module' must be an absolute file: or http(s): URL that the workers can load: current value is ${
        describe(wired.module)
      }`,
    );
  }
  return wired;
}

function text(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_.-]{1,100}$/.test(value)) {
    invalid(CREATE, "type", `'${field}' must be 1 to 100 letters, digits, '_', '.' or '-'`, value);
  }
  return value;
}
