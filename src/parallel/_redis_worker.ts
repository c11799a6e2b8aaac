// Internal: the `psweep worker` daemon. It joins sweeps that RedisManager roots publish, runs
// their chunks on local, permission-scoped pool workers (one single-worker pool per slot, so that
// chunks of different sizes run side by side) and keeps this thread free for the bookkeeping that
// must never wait on a model: renewing each held chunk's lease and saying it is alive.
import { hostname } from "node:os";
import { REDIS_DEFAULTS } from "../_defaults.ts";
import { toErrorInfo } from "./_errors.ts";
import type { WorkerPermissions } from "./_permissions.ts";
import { DenoWorkerManager } from "./deno_worker_manager.ts";
import type { LocalResults } from "./parallel_manager.ts";
import { SharedRowsPart } from "./_partial_results.ts";
import { type Buffer, closeRedis, connectRedis, type RedisConnection } from "./_redis_client.ts";
import {
  bytesToRows,
  type ChunkPayload,
  decode,
  encode,
  fromRemote,
  GROUP,
  hashModule,
  type JobSpec,
  keys,
  localModule,
  missingRuns,
  recordedRuns,
  redactUrl,
  redisFailure,
} from "./_redis_protocol.ts";

/** Options of a daemon. */
export interface RedisWorkerOptions {
  url: string;
  /** File URLs of directories (ending in "/") and URL prefixes whose modules this daemon runs. */
  models: string[];
  /** Chunks run at once (one pool worker each). */
  workers: number;
  permissions?: WorkerPermissions;
  /** Join only sweeps of this name. */
  sweep?: string;
  prefix?: string;
  /** This daemon's name in Redis. @default {`${hostname}-${pid}`} */
  name?: string;
  /** Where to say what it does. @default {console.error} */
  log?: (line: string) => void;
  /** The process runs with --unstable-worker-options --no-prompt, which it cannot read back. */
  assumeScoped?: boolean;
}

/** psweep's own functions that a daemon runs: the sweep driver's, and the command models'. */
const DRIVER = "sweep/_driver.ts";
const COMMAND_DRIVER = "command/_command_driver.ts";
const PSWEEP_FUNCTIONS = new Set([
  `${DRIVER}#buildSweep`,
  `${DRIVER}#executeSweep`,
  `${COMMAND_DRIVER}#buildCommandSweep`,
  `${COMMAND_DRIVER}#executeCommandSweep`,
]);

interface JobState {
  id: string;
  k: ReturnType<ReturnType<typeof keys>["job"]>;
  spec?: JobSpec;
  accepted: boolean;
  fresh: boolean;
  /** When this daemon last looked for chunks whose lease ended. */
  claimed: number;
}

interface Task {
  job: JobState;
  id: string;
  chunk: number;
  rows: number;
  data: Float64Array;
  lastRenew: number;
  lost: boolean;
  /** Taken over from a daemon that stopped: some of its rows may be recorded already. */
  claimed: boolean;
}

/** Runs a daemon until `signal` aborts; then it finishes the chunks it holds and returns. */
export async function runRedisWorker(
  options: RedisWorkerOptions,
  signal: AbortSignal,
): Promise<void> {
  const worker = new RedisWorker(options);
  await worker.run(signal);
}

class RedisWorker {
  readonly #o: RedisWorkerOptions;
  readonly #me: string;
  readonly #k: ReturnType<typeof keys>;
  readonly #log: (line: string) => void;
  #cmd!: RedisConnection;
  #blk: RedisConnection | undefined;
  readonly #jobs = new Map<string, JobState>();
  readonly #queue: Task[] = [];
  readonly #held = new Map<string, Task>();
  readonly #pools: { pool: DenoWorkerManager; busy: boolean }[] = [];
  #wake: PromiseWithResolvers<void> = Promise.withResolvers();
  #stopping = false;
  #refreshed = -Infinity;
  #running = new Set<Promise<void>>();

  constructor(options: RedisWorkerOptions) {
    this.#o = options;
    this.#me = options.name ?? `${hostname()}-${Deno.pid}`;
    this.#k = keys(options.prefix ?? REDIS_DEFAULTS.prefix);
    this.#log = options.log ?? ((line) => console.error(line));
    for (let i = 0; i < options.workers; i++) {
      this.#pools.push({
        pool: new DenoWorkerManager({
          workers: 1,
          permissions: options.permissions,
          // One chunk of a daemon is one chunk of its pool, whatever its size.
          chunkSize: 2 ** 30,
          assumeWorkerOptions: options.assumeScoped,
          assumeNoPrompt: options.assumeScoped,
        }),
        busy: false,
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const onStop = () => {
      this.#stopping = true;
      this.#blk?.disconnect();
      this.#wake.resolve();
    };
    signal.addEventListener("abort", onStop, { once: true });
    this.#cmd = connectRedis(this.#o.url, { commandTimeoutMs: REDIS_DEFAULTS.commandTimeoutMs });
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let renewal: ReturnType<typeof setInterval> | undefined;
    try {
      try {
        await this.#heartbeat();
      } catch (e) {
        throw new Error(
          `Cannot start the worker on Redis at ${redactUrl(this.#o.url)}: ${redisFailure(e)}`,
          { cause: e },
        );
      }
      this.#log(
        `psweep worker ${this.#me}: ${this.#o.workers} worker(s), waiting for sweeps on ${
          redactUrl(this.#o.url)
        }`,
      );
      heartbeat = setInterval(() => this.#heartbeat().catch(() => {}), REDIS_DEFAULTS.heartbeatMs);
      renewal = setInterval(() => this.#renew().catch(() => {}), 100);
      while (!this.#stopping && !signal.aborted) {
        try {
          await this.#step();
        } catch (e) {
          if (this.#stopping) break;
          // Redis restarted or unreachable for a while: say so, and try again shortly.
          this.#log(`psweep worker ${this.#me}: ${redisFailure(e)}; retrying`);
          await this.#pause(500);
        }
      }
    } finally {
      signal.removeEventListener("abort", onStop);
      this.#stopping = true;
      // Chunks already received are finished and recorded; those not started go back to Redis
      // when their lease ends.
      this.#queue.length = 0;
      await Promise.allSettled([...this.#running]);
      clearInterval(heartbeat);
      clearInterval(renewal);
      try {
        await this.#cmd.multi().zrem(this.#k.workers, this.#me).hdel(this.#k.slots, this.#me)
          .exec();
      } catch {
        // leaving anyway
      }
      for (const { pool } of this.#pools) await pool.close();
      await closeRedis(this.#blk);
      await closeRedis(this.#cmd);
    }
  }

  // Waits `ms`, or less when a slot frees or the daemon stops.
  async #pause(ms: number): Promise<void> {
    this.#wake = Promise.withResolvers();
    const timer = setTimeout(() => this.#wake.resolve(), ms);
    await this.#wake.promise;
    clearTimeout(timer);
  }

  async #heartbeat(): Promise<void> {
    await this.#cmd.psweepHeartbeat(this.#k.workers, this.#k.slots, this.#me, this.#o.workers);
  }

  async #step(): Promise<void> {
    // Sweeps come and go rarely: look every half heartbeat, not between every two chunks.
    if (performance.now() - this.#refreshed >= REDIS_DEFAULTS.heartbeatMs / 2) {
      await this.#refreshJobs();
      this.#refreshed = performance.now();
    }
    // No chunk waits here for a slot: a chunk held but not started would count a delivery, and
    // a daemon that dies would make an innocent chunk look like one that kills its workers.
    const free = this.#pools.length - this.#held.size;
    const active = [...this.#jobs.values()].filter((j) => j.accepted && j.fresh);
    if (free <= 0) {
      await this.#pause(REDIS_DEFAULTS.heartbeatMs);
      return;
    }
    if (active.length === 0) {
      // Idle: wait for a root to announce a sweep, then look at once.
      const blk = this.#blk ??= connectRedis(this.#o.url);
      await blk.xread("BLOCK", REDIS_DEFAULTS.heartbeatMs, "STREAMS", this.#k.announce, "$")
        .catch((e) => {
          if (!this.#stopping) throw e;
        });
      this.#refreshed = -Infinity;
      return;
    }
    let room = free;
    // Chunks whose lease ended (their daemon died or froze) first; looked for every quarter
    // of a lease, not between every two chunks (a round trip each time).
    for (const job of active) {
      if (room <= 0) break;
      if (performance.now() - job.claimed < job.spec!.leaseMs / 4) continue;
      job.claimed = performance.now();
      const spec = job.spec!;
      const claimed = await this.#cmd.psweepClaimBuffer(
        job.k.tasks,
        GROUP,
        this.#me,
        spec.leaseMs,
        room,
        spec.maxDeliveries,
      ).catch((e) => {
        if (sweepEnded(e)) {
          this.#refreshed = -Infinity;
          return [];
        }
        throw e;
      });
      for (const entry of claimed) {
        if (entry) room -= this.#take(job, entry[0].toString(), entry[1], true);
      }
    }
    if (room <= 0 || this.#stopping) return;
    const blk = this.#blk ??= connectRedis(this.#o.url);
    const reply = await blk.xreadgroupBuffer(
      "GROUP",
      GROUP,
      this.#me,
      "COUNT",
      room,
      "BLOCK",
      // Short enough that a chunk whose lease ended is claimed soon after (the loop looks then).
      Math.max(10, Math.min(REDIS_DEFAULTS.heartbeatMs, ...active.map((j) => j.spec!.leaseMs / 4))),
      "STREAMS",
      ...active.map((j) => j.k.tasks),
      ...active.map(() => ">"),
    ).catch((e) => {
      if (this.#stopping) return null;
      if (sweepEnded(e)) {
        this.#jobs.clear();
        this.#refreshed = -Infinity;
        return null;
      }
      throw e;
    });
    if (!reply) return;
    for (const [stream, entries] of reply as [Buffer, [Buffer, Buffer[]][]][]) {
      const job = active.find((j) => j.k.tasks === stream.toString());
      if (!job) continue;
      for (const [id, fields] of entries) this.#take(job, id.toString(), fields);
    }
  }

  // Queues a received chunk; returns 1 when it holds it.
  #take(job: JobState, id: string, fields: Buffer[], claimed = false): number {
    const get = (name: string) => {
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i].toString() === name) return fields[i + 1];
      }
      throw new Error(`chunk ${id} of sweep ${job.id} has no field '${name}'`);
    };
    const key = `${job.id}:${id}`;
    if (this.#held.has(key)) return 0;
    const task: Task = {
      job,
      id,
      chunk: Number(get("c").toString()),
      rows: Number(get("n").toString()),
      data: bytesToRows(get("d")),
      lastRenew: performance.now(),
      lost: false,
      claimed,
    };
    this.#held.set(key, task);
    this.#queue.push(task);
    this.#pump();
    return 1;
  }

  #pump(): void {
    for (const slot of this.#pools) {
      if (slot.busy || this.#queue.length === 0) continue;
      const task = this.#queue.shift()!;
      if (task.lost) {
        this.#held.delete(`${task.job.id}:${task.id}`);
        this.#log(this.#discarded(task));
        continue;
      }
      slot.busy = true;
      const done = this.#runTask(slot.pool, task).finally(() => {
        slot.busy = false;
        this.#held.delete(`${task.job.id}:${task.id}`);
        this.#running.delete(done);
        this.#pump();
        this.#wake.resolve();
      });
      this.#running.add(done);
    }
  }

  // Runs the chunk's rows not yet recorded and records them as the pool hands them on: rows that
  // finished ahead of a slow row of their chunk (see _partial_results.ts) reach Redis, and the
  // root, while that row runs, rather than with the whole chunk.
  //
  // A chunk taken over from a daemon that stopped runs only the rows that daemon did not record.
  // Not the whole chunk, with the root dropping rows it already has: what doExecute returns is
  // the model's own (one value for many rows), which neither the root nor a daemon can cut into
  // rows; and the rows that went ahead are those before a slow row, which would run again. The
  // lease makes it exact: only the daemon holding the chunk records its rows, and it reads what
  // is recorded after it took the chunk, when the daemon before it can record no more.
  async #runTask(pool: DenoWorkerManager, task: Task): Promise<void> {
    const spec = task.job.spec!;
    const t0 = performance.now();
    let todo: [number, number][] = [[0, task.rows]];
    if (task.claimed) {
      try {
        const recorded = await this.#cmd.hget(task.job.k.parts, String(task.chunk));
        todo = missingRuns(recordedRuns(recorded), task.rows);
      } catch (e) {
        // The chunk stays pending in Redis and runs again once its lease ends.
        this.#log(`psweep worker ${this.#me}: could not read chunk ${task.chunk}: ${e}`);
        return;
      }
    }
    const rows = todo.reduce((sum, [from, to]) => sum + to - from, 0);
    let handed = 0;
    let recording = Promise.resolve();
    // Records rows `from`..`to` of the chunk, after those handed on before them.
    const forward = (from: number, to: number, part: Partial<LocalResults>) => {
      handed += to - from;
      // The part that completes the rows this daemon ran carries their time, for chunk sizes.
      const last = handed === rows;
      const shared = part.results instanceof SharedRowsPart;
      const payload: ChunkPayload = {
        results: part.results instanceof SharedRowsPart
          ? { meta: part.results.meta, columns: part.results.columns, errors: part.results.errors }
          : part.results,
        ...(shared ? { shared } : {}),
        error: part.error,
        elapsed: last ? performance.now() - t0 : 0,
        rows: last ? rows : 0,
        worker: this.#me,
      };
      recording = recording.then(() => this.#record(task, from, to, payload));
      return recording;
    };
    for (const [from, to] of todo) {
      if (task.lost) break;
      const n = to - from;
      // Runs of this range handed on, within it.
      const done: [number, number][] = [];
      try {
        await pool.scatter(
          fromRemote(spec.build),
          spec.kwargs,
          fromRemote(spec.execute),
          {
            rows: n,
            columns: spec.columns,
            data: task.data.subarray(from * spec.columns, to * spec.columns),
          },
          {
            imports: spec.imports,
            // The pool runs the range as one chunk (numbered 0): a part's number is its first
            // row's place in it, as a fraction of the chunk.
            onResult: (part) => {
              const at = Math.min(n, Math.max(0, Math.round(part.processNumber * n)));
              const end = Math.min(n, at + part.parameters.rows);
              done.push([at, end]);
              return forward(from + at, from + end, part);
            },
          },
        );
        await pool.gather();
      } catch (e) {
        // The rows of the range not handed on fail, with why.
        const error = toErrorInfo(e);
        for (const [a, b] of missingRuns(done.sort((x, y) => x[0] - y[0]), n)) {
          forward(from + a, from + b, { error });
        }
      }
    }
    await recording;
    if (task.lost) this.#log(this.#discarded(task));
  }

  // Records rows `from`..`to` of the task's chunk, unless the daemon no longer holds the chunk.
  async #record(task: Task, from: number, to: number, payload: ChunkPayload): Promise<void> {
    if (task.lost) return;
    let bytes: Buffer;
    try {
      bytes = encode(payload);
    } catch (e) {
      // Results that cannot travel (a function, say) fail their rows.
      bytes = encode(
        {
          ...payload,
          results: undefined,
          shared: undefined,
          error: {
            name: "DataCloneError",
            message: `the results of psweep worker ${this.#me} cannot be sent to the root: ${
              toErrorInfo(e).message
            }`,
          },
        } satisfies ChunkPayload,
      );
    }
    try {
      const recorded = await this.#cmd.psweepRecord(
        task.job.k.tasks,
        task.job.k.results,
        task.job.k.done,
        task.job.k.parts,
        GROUP,
        this.#me,
        task.id,
        String(task.chunk),
        from,
        to,
        task.rows,
        bytes,
      );
      if (recorded === 0) task.lost = true;
      if (recorded === -1) {
        this.#log(
          `psweep worker ${this.#me}: rows ${from}..${
            to - 1
          } of chunk ${task.chunk} were recorded already; discarded`,
        );
      }
    } catch (e) {
      // The rows stay unrecorded and the chunk pending in Redis: once this daemon lets go of it
      // (its lease ends), a daemon takes it and runs the rows not recorded.
      this.#log(
        `psweep worker ${this.#me}: could not record rows ${from}..${
          to - 1
        } of chunk ${task.chunk}: ${e}`,
      );
    }
  }

  #discarded(task: Task): string {
    return `psweep worker ${this.#me}: chunk ${task.chunk} of sweep ${task.job.id} was taken over while it ran (its lease ended); its rows not recorded by then are discarded`;
  }

  // Renews, every third of a lease, the leases of the chunks this daemon holds (queued ones too).
  async #renew(): Promise<void> {
    const now = performance.now();
    const due = new Map<JobState, Task[]>();
    for (const task of this.#held.values()) {
      if (task.lost || now - task.lastRenew < task.job.spec!.leaseMs / 3) continue;
      const list = due.get(task.job) ?? [];
      list.push(task);
      due.set(task.job, list);
    }
    for (const [job, tasks] of due) {
      const lost = new Set(
        await this.#cmd.psweepRenew(job.k.tasks, GROUP, this.#me, ...tasks.map((t) => t.id)),
      );
      for (const task of tasks) {
        task.lastRenew = now;
        if (lost.has(task.id)) task.lost = true;
      }
    }
  }

  async #refreshJobs(): Promise<void> {
    const ids = new Set(await this.#cmd.smembers(this.#k.jobs));
    for (const id of this.#jobs.keys()) if (!ids.has(id)) this.#jobs.delete(id);
    const now = await this.#cmd.psweepNow();
    for (const id of ids) {
      let job = this.#jobs.get(id);
      if (!job) {
        job = { id, k: this.#k.job(id), accepted: false, fresh: false, claimed: -Infinity };
        const bytes = await this.#cmd.hgetBuffer(job.k.meta, "spec");
        if (!bytes) {
          // Expired (a sweep abandoned long ago): forget it for everyone.
          if (!await this.#cmd.exists(job.k.meta)) await this.#cmd.srem(this.#k.jobs, id);
          continue;
        }
        job.spec = decode<JobSpec>(bytes);
        this.#jobs.set(id, job);
        if (this.#o.sweep !== undefined && job.spec.name !== this.#o.sweep) continue;
        const reason = await this.#refusal(job.spec);
        if (reason) {
          await this.#cmd.hset(job.k.refused, this.#me, reason);
          this.#log(
            `psweep worker ${this.#me}: refusing sweep ${id} (${job.spec.name}): ${reason}`,
          );
          continue;
        }
        await this.#cmd.hset(job.k.joined, this.#me, "1");
        job.accepted = true;
        this.#log(`psweep worker ${this.#me}: joined sweep ${id} (${job.spec.name})`);
      }
      if (job.accepted) {
        const seen = Number(await this.#cmd.hget(job.k.meta, "rootSeen"));
        job.fresh = now - seen < REDIS_DEFAULTS.rootStaleMs;
      }
    }
  }

  // Why this daemon will not run a sweep, or undefined when it will.
  async #refusal(spec: JobSpec): Promise<string | undefined> {
    const functions = [spec.build, spec.execute];
    for (const fn of functions) {
      if (fn.psweep && !PSWEEP_FUNCTIONS.has(`${fn.module}#${fn.name}`)) {
        return `psweep's own ${fn.module}#${fn.name} is not a function workers run`;
      }
    }
    const userModules = [
      ...functions.filter((f) => !f.psweep).map((f) => f.module),
      ...spec.imports,
    ];
    if (spec.build.psweep && spec.build.module === DRIVER) {
      // The driver imports the model named in its options: it must be one of the checked imports.
      // (A command model's build imports psweep's own command driver, whatever the options say;
      // the command it starts is what this daemon's --allow-run lets its workers run.)
      const model = (spec.kwargs as { model?: unknown }).model;
      if (typeof model !== "string" || !spec.imports.includes(model)) {
        return `the sweep's model ${String(model)} is not among the modules it declares`;
      }
    }
    for (const url of userModules) {
      if (!this.#o.models.some((prefix) => url.startsWith(prefix))) {
        return `the module ${url} is not under the locations this worker runs (--models ${
          this.#o.models.join(", ")
        })`;
      }
    }
    for (const [name, theirs] of Object.entries(spec.hashes)) {
      const psweep = functions.some((f) => f.psweep && f.module === name);
      const url = localModule(name, psweep);
      const ours = await hashModule(url);
      if (theirs !== null && ours !== theirs) {
        return `the module ${url} differs from the root's (sha-256 ${
          ours === null ? "unreadable" : ours.slice(0, 12)
        } here, ${theirs.slice(0, 12)} on the root)${
          psweep ? ": the root and this worker run different psweep versions" : ""
        }: every machine must hold the same code at the same path`;
      }
    }
    return undefined;
  }
}

/**
 * Whether a Redis error says that a sweep finished meanwhile and took its stream (and group) with
 * it: NOGROUP for a command sent after, and (Redis 7) UNBLOCKED for a blocking read waiting when
 * the stream was deleted. Either way the daemon looks for sweeps again at once; taken as an
 * outage, it paused half a second before every sweep that followed another.
 */
function sweepEnded(e: unknown): boolean {
  return /NOGROUP|UNBLOCKED/.test(String(e));
}
