// Internal: every message between the pool (deno_worker_manager.ts, over _worker_slots.ts) and
// its workers (_worker.ts), and between peers of a peer group (_peer_group.ts); and how a function
// reference enters it. Numbers travel as typed arrays.
import { describe } from "../_describe.ts";
import { isModuleFunction } from "./build_and_execute.ts";
import type { ErrorInfo } from "./parallel_manager.ts";
import type { SharedLayout } from "./_partial_results.ts";

/** A function reference as it crosses threads: always an absolute URL string. */
export interface WireFunction {
  module: string;
  name: string;
}

/** The rows every chunk of one scatter reads, shared by all workers. */
export interface WireRows {
  /** Row-major values; backed by a SharedArrayBuffer so chunks cost no copy. */
  data: Float64Array;
  columns: number;
}

/** Pool -> worker: import and build for a new scatter (once per worker per scatter). */
export interface JobMessage {
  type: "job";
  job: number;
  build: WireFunction;
  kwargs: Record<string, unknown>;
  execute: WireFunction;
  rows: WireRows;
  /**
   * How long (ms) a chunk's finished rows may wait for the rest of it before they are sent
   * ahead (`chunkPart`); undefined when the scatter streams nothing (no `onResult`), and so
   * every chunk comes back whole.
   */
  partialMs?: number;
}

/** Pool -> worker: execute rows `start`..`end` of the current job. */
export interface ChunkMessage {
  type: "chunk";
  job: number;
  chunk: number;
  start: number;
  end: number;
}

/** Pool -> worker: run a peer-group entry as `rank` of `size`. */
export interface PeerMessage {
  type: "peer";
  rank: number;
  size: number;
  /** On rank 0, one port per other rank (index r - 1); elsewhere, the single port to rank 0. */
  ports: MessagePort[];
  entry: WireFunction;
  args: unknown[];
}

/**
 * Pool -> worker, on the worker's global scope, first and only there: the private port every
 * other message of the protocol (both ways) travels on.
 */
export interface PortMessage {
  type: "port";
  port: MessagePort;
}

/** Everything the pool sends to a worker over its private port. */
export type ToWorker = JobMessage | ChunkMessage | PeerMessage;

/** Worker -> pool: the worker's listener is installed and it is ready for work. */
export interface ReadyMessage {
  type: "ready";
}

/** Worker -> pool: the job's doBuild finished; a chunk's time limit runs from here on. */
export interface BuiltMessage {
  type: "built";
  job: number;
}

/**
 * Worker -> pool: a chunk finished, with what doExecute returned (for the rows after the last
 * `chunkPart` of the chunk, if any), or why it failed.
 */
export interface ChunkDoneMessage {
  type: "chunkDone";
  job: number;
  chunk: number;
  results?: unknown;
  error?: ErrorInfo;
  /** Milliseconds the chunk took inside the worker, for chunk sizing. */
  elapsed: number;
}

/**
 * Worker -> pool: rows `start`..`end` (exclusive, rows of the whole job) of the running chunk
 * finished while the rest of the chunk runs, with what doExecute made of just them. `start` is
 * the chunk's first row not yet delivered, and `end` leaves at least one row for its
 * `chunkDone`, which then carries only the rows from `end` on; the pool checks both.
 */
export interface ChunkPartMessage {
  type: "chunkPart";
  job: number;
  chunk: number;
  start: number;
  end: number;
  results: unknown;
}

/**
 * Worker -> pool: where the running chunk's finished rows lie in shared memory (see
 * _partial_results.ts), so that the pool can take those that wait behind a slow row. Sent
 * again, with the next `version`, when the layout grows.
 */
export interface ChunkSharedMessage {
  type: "chunkShared";
  job: number;
  chunk: number;
  /** The chunk's counts (FINISHED, HANDED, LAYOUT), on a SharedArrayBuffer. */
  counts: Int32Array;
  /** The layout's version, as counts[LAYOUT] holds it while this layout stands. */
  version: number;
  /** Where the rows lie (cloned: the arrays stay on their shared memory). */
  layout: SharedLayout;
}

/** Worker -> pool: the job's build failed; no chunk of this job can run on this worker. */
export interface BuildFailedMessage {
  type: "buildFailed";
  job: number;
  error: ErrorInfo;
}

/** Worker -> pool: a peer entry finished. */
export interface PeerDoneMessage {
  type: "peerDone";
  result?: unknown;
  error?: ErrorInfo;
}

/** Worker -> pool: the worker is about to end (self.close or Deno.exit in user code), or crashed. */
export interface DyingMessage {
  type: "dying";
  reason: ErrorInfo;
}

/** Everything a worker sends to the pool over its private port. */
export type FromWorker =
  | ReadyMessage
  | BuiltMessage
  | ChunkDoneMessage
  | ChunkPartMessage
  | ChunkSharedMessage
  | BuildFailedMessage
  | PeerDoneMessage
  | DyingMessage;

/** Peer <-> peer over a MessageChannel port: one step of a collective. */
export interface PeerStep {
  /** Which collective call this step belongs to (every rank counts calls alike). */
  seq: number;
  op: string;
  value: unknown;
}

/**
 * A function reference as the pool (or, `to` "psweep workers", the Redis manager) sends it:
 * `{ module, name }` with the module an absolute URL. `field` names it in the error (functions
 * themselves cannot cross threads, let alone machines).
 */
export function toWireFunction(fn: unknown, field: string, to = "workers"): WireFunction {
  if (!isModuleFunction(fn)) {
    throw new TypeError(
      `Cannot send '${field}' to ${to} as it must be a module reference { module, name } (functions cannot cross threads): current value is ${
        describe(fn)
      }`,
    );
  }
  let module: string;
  try {
    module = new URL(fn.module).href;
  } catch {
    throw new TypeError(
      `Cannot send '${field}' to ${to} as 'module' must be an absolute URL (e.g. new URL("./model.ts", import.meta.url)): current value is ${
        describe(fn.module)
      }`,
    );
  }
  return { module, name: fn.name };
}
