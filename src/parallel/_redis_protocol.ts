// Internal: what the Redis manager (the root) and `psweep worker` daemons store in Redis, and how.
// Numbers travel as raw float64 bytes (rows) or V8's structured-clone serialization (job spec,
// results), never JSON: NaN, -0 and typed arrays survive.
//
// Keys, under a prefix (default "psweep"):
//   <p>:jobs                  set of sweep ids that daemons may join
//   <p>:announce              stream: a sweep was published (wakes idle daemons at once)
//   <p>:workers               sorted set: daemon name -> last heartbeat (server ms)
//   <p>:workers:slots         hash: daemon name -> how many chunks it runs at once
//   <p>:job:<id>              hash: spec (serialized), rows, next, chunks, name, rootSeen
//   <p>:job:<id>:ranges       string: uint32 pairs [start, end) per published chunk
//   <p>:job:<id>:tasks        stream of chunks (c, s, n, k, d), consumer group "workers"
//   <p>:job:<id>:results      hash: "chunk:from:to" -> serialized ChunkPayload of those rows of
//                             the chunk (a chunk comes whole or in parts, each row in one of them)
//   <p>:job:<id>:parts        hash: chunk -> the runs of its rows recorded so far ("from-to,...")
//   <p>:job:<id>:done         stream: one entry per recorded part (c: chunk, f: its results field)
//   <p>:job:<id>:refused      hash: daemon name -> why it will not run this sweep
//   <p>:job:<id>:root         string: the running root's token (expires unless renewed)
//   <p>:job:<id>:joined       hash: daemon name -> 1, for each daemon that runs this sweep
import { deserialize, serialize } from "node:v8";
import { fileURLToPath } from "node:url";
import type { ErrorInfo } from "./parallel_manager.ts";
import type { WireFunction } from "./_protocol.ts";
import { Buffer } from "node:buffer";

/** The consumer group of every task stream. */
export const GROUP = "workers";

/** The keys of one prefix. */
export function keys(prefix: string) {
  return {
    jobs: `${prefix}:jobs`,
    announce: `${prefix}:announce`,
    workers: `${prefix}:workers`,
    slots: `${prefix}:workers:slots`,
    job: (id: string) => {
      const base = `${prefix}:job:${id}`;
      return {
        meta: base,
        ranges: `${base}:ranges`,
        tasks: `${base}:tasks`,
        results: `${base}:results`,
        parts: `${base}:parts`,
        done: `${base}:done`,
        refused: `${base}:refused`,
        joined: `${base}:joined`,
        root: `${base}:root`,
      };
    },
  };
}

/** psweep's own modules travel as paths under psweep's src/, so a daemon uses its own copy. */
const SRC = new URL("../", import.meta.url).href;

/** A function as it crosses machines: psweep's own by path under src/, others by URL. */
export interface RemoteFunction {
  /** Absolute URL of a user's module, or a path under psweep's src/ when `psweep` is true. */
  module: string;
  name: string;
  psweep: boolean;
}

/** What a daemon needs to run a sweep's chunks. */
export interface JobSpec {
  name: string;
  build: RemoteFunction;
  execute: RemoteFunction;
  kwargs: Record<string, unknown>;
  /** Further user modules the functions import (a sweep's model). */
  imports: string[];
  /** sha-256 (hex) of each module's source, by the module's wire name; null when unreadable. */
  hashes: Record<string, string | null>;
  /** Columns of each row. */
  columns: number;
  leaseMs: number;
  maxDeliveries: number;
}

/** What a daemon records for a run of a chunk's rows (the whole chunk, or a part of it). */
export interface ChunkPayload {
  results?: unknown;
  /**
   * Whether `results` are the fields of a `SharedRowsPart` (rows the daemon's pool took from its
   * worker's shared memory), to be made one again at the root.
   */
  shared?: boolean;
  error?: ErrorInfo;
  /**
   * Milliseconds the daemon took for the rows it ran of the chunk (build included), on the part
   * that completed them; 0 on the parts before it.
   */
  elapsed: number;
  /** The rows the daemon ran of the chunk (on the part that completed them). */
  rows: number;
  worker: string;
}

/**
 * The runs of a chunk's rows recorded so far (`[from, to)` within the chunk), sorted, from the
 * text `<p>:job:<id>:parts` holds for it.
 */
export function recordedRuns(text: string | null): [number, number][] {
  const runs: [number, number][] = [];
  for (const m of (text ?? "").matchAll(/(\d+)-(\d+)/g)) runs.push([Number(m[1]), Number(m[2])]);
  return runs.sort((a, b) => a[0] - b[0]);
}

/** The runs of `0..total` that `runs` (sorted) leave out. */
export function missingRuns(runs: readonly [number, number][], total: number): [number, number][] {
  const gaps: [number, number][] = [];
  let at = 0;
  for (const [from, to] of runs) {
    if (from > at) gaps.push([at, from]);
    at = Math.max(at, to);
  }
  if (at < total) gaps.push([at, total]);
  return gaps;
}

export function toRemote(fn: WireFunction): RemoteFunction {
  if (fn.module.startsWith(SRC)) {
    return { module: fn.module.slice(SRC.length), name: fn.name, psweep: true };
  }
  return { module: fn.module, name: fn.name, psweep: false };
}

export function fromRemote(fn: RemoteFunction): WireFunction {
  return { module: fn.psweep ? new URL(fn.module, SRC).href : fn.module, name: fn.name };
}

/** The module a wire name stands for, on this machine. */
export function localModule(name: string, psweep: boolean): string {
  return psweep ? new URL(name, SRC).href : name;
}

/** sha-256 of a module's source: file URLs are read, others (http) are not checked (null). */
export async function hashModule(url: string): Promise<string | null> {
  if (!url.startsWith("file:")) return null;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(fileURLToPath(url));
  } catch {
    return null;
  }
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

export function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function encode(value: unknown): Buffer {
  return serialize(value);
}

/**
 * The value `encode` made. Node's deserializer returns an aligned typed array as a view of the
 * message (or of a pooled copy of it): one array kept (a chunk's success flags, once the sweep let
 * go of its outputs) would keep the whole message alive, so each such array gets memory of its own.
 * (Views that shared a buffer were serialized apart: none shares one here.)
 */
export function decode<T>(bytes: Uint8Array): T {
  return own(deserialize(bytes), new Set()) as T;
}

const typedSlice = Object.getPrototypeOf(Uint8Array.prototype).slice as (
  this: ArrayBufferView,
) => ArrayBufferView;

// Replaces, in plain objects, arrays and maps, every view of part of a buffer by a copy.
function own(value: unknown, seen: Set<object>): unknown {
  if (ArrayBuffer.isView(value)) {
    if (value.byteLength === value.buffer.byteLength) return value;
    if (value instanceof DataView) {
      return new DataView(
        value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
      );
    }
    // %TypedArray%.prototype.slice copies (a Buffer's own slice would not).
    return typedSlice.call(value);
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = own(value[i], seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, own(v, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = own(record[key], seen);
    }
  }
  return value;
}

/** Rows as their raw float64 bytes (a copy: the source may be shared memory). */
export function rowBytes(data: Float64Array, start: number, end: number, columns: number): Buffer {
  const view = new Uint8Array(
    data.buffer,
    data.byteOffset + start * columns * 8,
    (end - start) * columns * 8,
  );
  return Buffer.from(view);
}

export function bytesToRows(bytes: Uint8Array): Float64Array {
  // A copy into a fresh, aligned buffer: Redis replies share unaligned pool memory.
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The URL with its password hidden, for messages. */
/**
 * The client's error message, said plainly where it is one of the usual ways a connection fails
 * (the client speaks of its own options, which psweep's users do not set).
 */
export function redisFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^(WRONGPASS|NOAUTH)\b/.test(message)) {
    return `Redis refused the credentials (${message}): give the password in the URL, redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port for an ACL user`;
  }
  if (
    /max retries per request|Command timed out|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH/.test(
      message,
    )
  ) {
    return `cannot reach Redis (${message}): is redis-server running there, and is its port open to this machine?`;
  }
  return message;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return "(an invalid URL)";
  }
}

// What the root uses of a connection, declared here so that type-checking psweep (which exports
// RedisManager) does not pull in the Redis client's types; `_redis_client.ts` provides it.
type Arg = string | number | Buffer;
/** A MULTI being built: every command queues and returns the chain. */
export interface RootChain {
  del(...keys: string[]): RootChain;
  hset(key: string, ...fieldsOrObject: (Arg | Record<string, Arg>)[]): RootChain;
  xgroup(...args: Arg[]): RootChain;
  sadd(key: string, ...members: string[]): RootChain;
  srem(key: string, ...members: string[]): RootChain;
  xadd(key: string, ...args: Arg[]): RootChain;
  set(key: string, ...args: Arg[]): RootChain;
  zremrangebyscore(key: string, min: Arg, max: Arg): RootChain;
  pexpire(key: string, ms: number): RootChain;
  append(key: string, value: Buffer): RootChain;
  exec(): Promise<unknown>;
}
/** The commands the root sends. */
export interface RootConnection {
  set(key: string, ...args: Arg[]): Promise<string | null>;
  hget(key: string, field: string): Promise<string | null>;
  getBuffer(key: string): Promise<Buffer | null>;
  sadd(key: string, ...members: string[]): Promise<number>;
  hexists(key: string, field: string): Promise<number>;
  zrangebyscore(key: string, min: Arg, max: Arg): Promise<string[]>;
  hgetall(key: string): Promise<Record<string, string>>;
  hkeys(key: string): Promise<string[]>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  hmgetBuffer(key: string, ...fields: string[]): Promise<(Buffer | null)[]>;
  hlen(key: string): Promise<number>;
  xpending(...args: Arg[]): Promise<unknown>;
  xrange(key: string, start: string, end: string): Promise<[string, string[]][]>;
  xreadBuffer(...args: Arg[]): Promise<[Buffer, [Buffer, Buffer[]][]][] | null>;
  del(...keys: string[]): Promise<number>;
  multi(): RootChain;
  disconnect(): void;
  psweepNow(): Promise<number>;
  psweepFill(...args: Arg[]): Promise<number>;
  psweepHold(root: string, meta: string, token: string, ms: number, next: string): Promise<number>;
  psweepPublish(...args: Arg[]): Promise<number>;
  psweepRelease(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number>;
}
/** The client module, as the root loads it. */
export interface RootClient {
  connectRedis(url: string): RootConnection;
  closeRedis(client: RootConnection | undefined): Promise<void>;
}
