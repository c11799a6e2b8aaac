// Internal: the entry module of every pool worker. It imports the job's modules, builds once
// per job (a ParallelActor), then executes chunks of rows it reads from shared memory.
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { toErrorInfo } from "./_errors.ts";
import { PeerGroupManager } from "./_peer_group.ts";
import type { FromWorker, JobMessage, PeerMessage, PortMessage, ToWorker } from "./_protocol.ts";
import { ParallelActor, resolveCallable } from "./build_and_execute.ts";
import { confineOutput } from "./_worker_output.ts";
import {
  claimPartialOutlet,
  COUNTS,
  HANDED,
  LAYOUT,
  type SharedLayout,
} from "./_partial_results.ts";

// The protocol runs over a private MessagePort that the pool transfers in its first message,
// before any model code runs here: model code can neither read the pool's messages nor forge
// its own (what it posts on `self` the pool ignores). Everything the harness needs from the
// global scope is bound now, before a model can replace it.
const realExit = Deno.exit;
// The prototype that defines close (the global's class), found wherever it sits on the chain.
let scope = Object.getPrototypeOf(self) as { close(): void };
while (scope && !Object.hasOwn(scope, "close")) scope = Object.getPrototypeOf(scope);
const realClose = self.close.bind(self);
const portPost = MessagePort.prototype.postMessage;
const bindPost = (port: MessagePort) =>
  portPost.bind(port) as (message: FromWorker, transfer: Transferable[]) => void;
let send: ((message: FromWorker, transfer: Transferable[]) => void) | undefined;
// The message queue and the chunk clock, which model code could otherwise replace mid-job.
const apply = Reflect.apply;
const then = Promise.prototype.then;
const now = performance.now.bind(performance);
const isInteger = Number.isInteger;
const atomicLoad = Atomics.load;
const atomicStore = Atomics.store;
const compareExchange = Atomics.compareExchange;
const post = (message: FromWorker, transfer: Transferable[] = []) => send?.(message, transfer);
// Claimed before any model code runs: a model can then neither claim it nor open it elsewhere.
const openOutlet = claimPartialOutlet();
// What a model prints goes to stderr, made safe for a terminal (see _worker_output.ts).
confineOutput();
// The Cache API needs no permission in Deno, yet stores what it is given on the disk
// (~/.cache/deno/location_data), unbounded and kept across sweeps: a model could fill the disk,
// or leave data for a later model granted the network. No model gets it.
delete (globalThis as { caches?: unknown }).caches;

// The listener goes in first: messages sent before it exists would be lost. Only the very
// first message is taken, and only if it carries the port.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<PortMessage>) => {
  self.onmessage = null;
  const port = e.data?.type === "port" ? e.data.port : undefined;
  if (!(port instanceof MessagePort)) return;
  send = bindPost(port);
  port.onmessage = (m: MessageEvent<ToWorker>) => {
    // One message at a time, in arrival order, even when handlers await.
    queue = apply(then, queue, [() => handle(m.data)]);
    queue = apply(then, queue, [undefined, (error: unknown) => dying(error)]);
  };
  post({ type: "ready" });
};

// Deno gives the pool no event when a worker ends itself, so say so first. Both the global's
// own close and its prototype's are replaced: model code could call either.
Deno.exit = ((code?: number) => {
  post({
    type: "dying",
    reason: { name: "WorkerExit", message: `Deno.exit(${code ?? ""}) was called in a worker` },
  });
  realExit(code);
}) as typeof Deno.exit;
const closing = () => {
  post({
    type: "dying",
    reason: { name: "WorkerExit", message: "self.close() was called in a worker" },
  });
  realClose();
};
self.close = closing;
if (scope) scope.close = closing;
self.addEventListener("error", (e) => {
  e.preventDefault();
  dying(e.error ?? new Error(e.message));
});
self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  dying(e.reason);
});

function dying(error: unknown): void {
  post({ type: "dying", reason: toErrorInfo(error) });
  realClose();
}

let job: JobMessage | undefined;
let built: Promise<ParallelActor> | undefined;

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "job": {
      job = message;
      const actor = new ParallelActor(message.build, message.kwargs, message.execute);
      built = actor.buildModel().then(() => {
        post({ type: "built", job: message.job });
        return actor;
      });
      // Failures surface when the first chunk awaits the build; avoid an unhandled rejection now.
      built.catch(() => {});
      return;
    }
    case "chunk": {
      if (!job || job.job !== message.job || !built) {
        throw new Error(`chunk ${message.chunk} of job ${message.job} arrived before its job`);
      }
      let actor: ParallelActor;
      try {
        actor = await built;
      } catch (error) {
        post({ type: "buildFailed", job: message.job, error: toErrorInfo(error) });
        return;
      }
      const { data, columns } = job.rows;
      const rows = {
        rows: message.end - message.start,
        columns,
        data: data.subarray(message.start * columns, message.end * columns),
      };
      const t0 = now();
      // Finished rows of this chunk may go ahead of it (see _partial_results.ts): sent from
      // here, or taken by the pool from shared memory. `counts[HANDED]` rows of it have gone,
      // and its chunkDone then carries only the rest.
      let live = true;
      const { job: jobId, chunk, start } = message;
      const count = message.end - message.start;
      const holdMs = job.partialMs;
      if (holdMs !== undefined) {
        const counts = new Int32Array(new SharedArrayBuffer(COUNTS * 4));
        let version = 0;
        openOutlet({
          holdMs,
          counts,
          share(layout: SharedLayout): void {
            if (!live) return;
            // The version moves first: the pool takes no row under an older layout than the
            // one whose message it has.
            atomicStore(counts, LAYOUT, ++version);
            try {
              post({
                type: "chunkShared",
                job: jobId,
                chunk,
                counts,
                version,
                layout,
              });
            } catch {
              // A layout that cannot be sent is not used: the worker sends its rows itself.
            }
          },
          claim(to: number): number {
            if (!live || !isInteger(to) || to > count) return -1;
            for (;;) {
              const from = atomicLoad(counts, HANDED);
              if (from >= to) return -1;
              if (compareExchange(counts, HANDED, from, to) === from) return from;
            }
          },
          deliver(from: number, to: number, results: unknown): boolean {
            // A model that kept the outlet past its chunk, or asks for rows that are not there,
            // gets nothing sent.
            if (
              !live || !isInteger(from) || !isInteger(to) || from < 0 || to <= from ||
              to >= count || atomicLoad(counts, HANDED) !== to
            ) {
              return false;
            }
            try {
              post(
                {
                  type: "chunkPart",
                  job: jobId,
                  chunk,
                  start: start + from,
                  end: start + to,
                  results,
                },
                transferables(results),
              );
            } catch {
              // Results that cannot be sent stay with the chunk, whose chunkDone reports them:
              // the claim is undone (the pool takes no row while its rows are out of step).
              compareExchange(counts, HANDED, to, from);
              return false;
            }
            return true;
          },
        });
      }
      try {
        const results = await actor.execute(rows);
        const elapsed = now() - t0;
        post(
          { type: "chunkDone", job: message.job, chunk: message.chunk, results, elapsed },
          transferables(results),
        );
      } catch (error) {
        const elapsed = now() - t0;
        post({
          type: "chunkDone",
          job: message.job,
          chunk: message.chunk,
          error: toErrorInfo(error),
          elapsed,
        });
      } finally {
        live = false;
        openOutlet(undefined);
      }
      return;
    }
    case "peer":
      return await runPeer(message);
  }
}

async function runPeer(message: PeerMessage): Promise<void> {
  const peers = new PeerGroupManager(message.rank, message.size, message.ports);
  try {
    const entry = await resolveCallable<(...args: unknown[]) => unknown>(message.entry, "entry");
    const result = await Reflect.apply(entry, undefined, [peers, ...message.args]);
    post({ type: "peerDone", result }, transferables(result));
  } catch (error) {
    post({ type: "peerDone", error: toErrorInfo(error) });
  } finally {
    peers.close();
  }
}

// Typed arrays that own their whole (non-shared) buffer move instead of being copied: at the top
// level of the result, as items of an array, as values of a plain object, or as items of an
// array that is such a value ({ columns: [Float64Array, ...] }).
function transferables(value: unknown): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const consider = (v: unknown) => {
    if (
      ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 &&
      v.byteLength === v.buffer.byteLength && v.byteLength > 0
    ) {
      out.add(v.buffer);
    }
  };
  consider(value);
  if (Array.isArray(value)) value.forEach(consider);
  else if (
    value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const v of Object.values(value)) {
      if (Array.isArray(v)) v.forEach(consider);
      else consider(v);
    }
  }
  return [...out];
}
