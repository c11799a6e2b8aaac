// Internal: the pool's worker slots. A slot is one permission-scoped module worker and the private
// MessagePort its protocol runs over: spawned, posted to, ended (terminated and unreferenced) and
// replaced here. What runs on a slot (chunks, time limits, retries, peer groups) is the
// scheduler's: it keeps that state on the slot itself and hears of messages and deaths through
// the hooks it gives here.
import type { ErrorInfo } from "./parallel_manager.ts";
import { type WorkerPermissions, workerPermissions } from "./_permissions.ts";
import type { FromWorker, PortMessage, ToWorker } from "./_protocol.ts";

const WORKER_URL = new URL("./_worker.ts", import.meta.url);
// The worker imports modules from all of src/, so its read grant covers that directory.
const WORKER_MODULES = [WORKER_URL, new URL("../_defaults.ts", import.meta.url)];

/** One worker of the pool and the end of its protocol channel that this thread holds. */
export interface WorkerSlot {
  readonly worker: Worker;
  /** The private end of the protocol: what model code posts on its global scope never arrives here. */
  readonly port: MessagePort;
  /** The worker has taken its port and can be sent work. */
  ready: boolean;
  /** The slot was ended: nothing it sends is heard any more. */
  dead: boolean;
}

/** What the scheduler adds to the slots and hears from them. */
export interface SlotHooks<S extends WorkerSlot> {
  /** Makes a new slot into the scheduler's: `base` with the scheduler's own fields added. */
  create(base: WorkerSlot): S;
  /** A protocol message from a live slot's worker. */
  message(slot: S, message: FromWorker): void;
  /** A worker failed (an uncaught error, or a message that could not be read). */
  death(slot: S, reason: ErrorInfo): void;
  /** A slot is being ended: whatever the scheduler keeps running for it (timers) must stop. */
  ending(slot: S): void;
}

/**
 * The pool's workers, `size` of them once started, all with the same permissions: what the user
 * granted plus read access to the modules they import. A worker's permissions are fixed at
 * creation, so a call that needs other modules gets a fresh set of workers.
 */
export class WorkerSlots<S extends WorkerSlot> {
  readonly #size: number;
  readonly #requested: WorkerPermissions | undefined;
  readonly #hooks: SlotHooks<S>;
  #slots: S[] = [];
  #key = "";
  #permissions: WorkerPermissions | undefined;
  #closed = false;

  /**
   * Starts no worker yet.
   * @throws {Deno.errors.NotCapable} When `permissions` asks for more than this process has.
   */
  constructor(size: number, permissions: WorkerPermissions | undefined, hooks: SlotHooks<S>) {
    this.#size = size;
    this.#requested = permissions;
    this.#hooks = hooks;
    // Checked now so that a request beyond this process's permissions fails at construction.
    workerPermissions(permissions, WORKER_MODULES);
  }

  /**
   * The slots, in rank order: the same array until the workers are started afresh, with a
   * replaced slot's successor in its place.
   */
  get all(): S[] {
    return this.#slots;
  }

  /** Starts the missing workers, with read access to `modules` (all anew if that changes it). */
  ensure(modules: readonly string[]): void {
    const permissions = workerPermissions(this.#requested, [...WORKER_MODULES, ...modules]);
    const key = JSON.stringify(permissions);
    if (key !== this.#key) {
      this.endAll();
      this.#key = key;
      this.#permissions = permissions;
    }
    while (this.#slots.length < this.#size) this.#slots.push(this.#spawn());
  }

  /** Sends `message` to the slot's worker over its protocol port. */
  post(slot: S, message: ToWorker, transfer: Transferable[] = []): void {
    slot.port.postMessage(message, transfer);
  }

  /** Ends the slot's worker and, unless closed, puts a fresh worker in its place. */
  replace(slot: S): void {
    const i = this.#slots.indexOf(slot);
    this.#kill(slot);
    if (i >= 0 && !this.#closed) this.#slots[i] = this.#spawn();
  }

  /** From now on no slot is replaced; {@linkcode WorkerSlots.endAll} ends what is left. */
  close(): void {
    this.#closed = true;
  }

  /** Ends every worker and empties the pool. */
  endAll(): void {
    for (const slot of this.#slots) this.#kill(slot);
    this.#slots = [];
  }

  #spawn(): S {
    const worker = new Worker(WORKER_URL, {
      type: "module",
      name: "psweep",
      deno: { permissions: this.#permissions },
    } as WorkerOptions);
    // The protocol's own channel, handed over before the worker can import any model: a
    // model's self.postMessage (a forged "chunkDone", say) reaches no handler of the pool.
    const channel = new MessageChannel();
    const slot = this.#hooks.create({ worker, port: channel.port1, ready: false, dead: false });
    const port: PortMessage = { type: "port", port: channel.port2 };
    worker.postMessage(port, [channel.port2]);
    channel.port1.onmessage = (e: MessageEvent<FromWorker>) => {
      if (!slot.dead) this.#hooks.message(slot, e.data);
    };
    channel.port1.onmessageerror = () => {
      this.#hooks.death(slot, {
        name: "DataCloneError",
        message: "A worker's message could not be read",
      });
    };
    worker.onerror = (e: ErrorEvent) => {
      // Unhandled, a worker's error would end this process.
      e.preventDefault();
      this.#hooks.death(slot, { name: "WorkerError", message: e.message });
    };
    return slot;
  }

  #kill(slot: S): void {
    slot.dead = true;
    this.#hooks.ending(slot);
    slot.port.onmessage = null;
    slot.port.onmessageerror = null;
    slot.port.close();
    slot.worker.onerror = (e: ErrorEvent) => e.preventDefault();
    slot.worker.terminate();
    unrefWorker(slot.worker);
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
