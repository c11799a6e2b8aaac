// Internal: CSV and JSON Lines text made off the calling thread, by workers of psweep's own.
//
// Text costs more than anything else a sweep does with its rows (a trivial model's CSV sweep
// spends about two thirds of its time formatting numbers). Model workers could encode their own
// rows, but what they send was made where model code runs, so the main thread would then have to
// check every byte against what only it holds (as long as encoding them itself). These workers
// run no model code: they get the main thread's own rows and return the text, which is trusted
// as the main thread's own would be. Batches go to the workers in turn (`lanes`), so that text
// keeps up with the model workers and the last batches of a run are made side by side; each
// file's writes stay in order while they wait for their text (RowWriter.writeEncoded). Where a
// worker cannot start (its module cannot be loaded, say), its batches are encoded on the calling
// thread instead.
import { ENCODER_DEFAULTS } from "../_defaults.ts";
import type { RowFormat, RowHeader } from "./row_types.ts";
import type { EncodeReply, EncodeRequest, EncodeRows } from "./_row_encoder_protocol.ts";
import { encodeRows } from "./_rows.ts";

export type { EncodeRows };

const WORKER_URL = new URL("./_row_encoder_worker.ts", import.meta.url).href;

type Waiting = PromiseWithResolvers<Uint8Array[]>;

/** Encodes row batches in workers; see the module comment. */
export class RowEncoder {
  readonly #lanes: Lane[];
  #next = 0;

  private constructor(lanes: Lane[]) {
    this.#lanes = lanes;
  }

  /**
   * A new encoder, or `undefined` where no worker can start at all (then the caller encodes
   * itself). Its workers inherit this thread's permissions: they load psweep's own modules and
   * nothing else. (`workerUrl` is for tests: a worker that cannot load.)
   */
  static open(
    lanes: number = ENCODER_DEFAULTS.workers,
    workerUrl: string = WORKER_URL,
  ): RowEncoder | undefined {
    const made: Lane[] = [];
    try {
      for (let i = 0; i < lanes; i++) made.push(new Lane(workerUrl));
    } catch {
      for (const lane of made) lane.close();
      return undefined;
    }
    return new RowEncoder(made);
  }

  /**
   * The rows as complete lines of each format, in that order. The rows' arrays move to a
   * worker (their buffers are detached here): give arrays of their own, as
   * `ResultColumns.textRows` makes them.
   */
  encode(formats: RowFormat[], header: RowHeader, batch: EncodeRows): Promise<Uint8Array[]> {
    const id = this.#next++;
    const request: EncodeRequest = {
      id,
      formats,
      header: {
        extraNames: [...(header.extraNames ?? [])],
        paramNames: [...header.paramNames],
        outputNames: [...header.outputNames],
      },
      batch,
    };
    return this.#lanes[id % this.#lanes.length].encode(request);
  }

  /** Ends the workers; encodings not yet returned fail. */
  close(): void {
    for (const lane of this.#lanes) lane.close();
  }
}

// One worker and the requests it was given.
class Lane {
  readonly #worker: Worker;
  // "starting" until the worker says it is ready (requests wait here, unsent), "ready" after,
  // "local" when it could not start (its requests are then encoded on this thread).
  #state: "starting" | "ready" | "local" = "starting";
  readonly #unsent: [EncodeRequest, Waiting][] = [];
  readonly #waiting = new Map<number, Waiting>();
  #failure: Error | undefined;

  constructor(url: string) {
    const worker = new Worker(url, { type: "module", name: "psweep-encoder" });
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent<EncodeReply | "ready">) => {
      if (e.data === "ready") {
        this.#state = "ready";
        for (const [request, waiting] of this.#unsent.splice(0)) this.#post(request, waiting);
        return;
      }
      const { id, bytes, error } = e.data;
      const waiting = this.#waiting.get(id);
      if (!waiting) return;
      this.#waiting.delete(id);
      if (bytes) waiting.resolve(bytes);
      else waiting.reject(new Error(`Cannot encode rows: ${error}`));
    };
    worker.onerror = (e: ErrorEvent) => {
      // Unhandled, a worker's error would end this process.
      e.preventDefault();
      if (this.#state === "starting") {
        // It never ran: this thread encodes, the waiting requests first.
        this.#state = "local";
        worker.terminate();
        for (const [request, waiting] of this.#unsent.splice(0)) this.#local(request, waiting);
        return;
      }
      this.#fail(new Error(`Cannot encode rows as the encoder worker failed: ${e.message}`));
    };
    worker.onmessageerror = () =>
      this.#fail(new Error("Cannot encode rows as a reply of the encoder was unreadable"));
  }

  encode(request: EncodeRequest): Promise<Uint8Array[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const waiting = Promise.withResolvers<Uint8Array[]>();
    if (this.#state === "ready") this.#post(request, waiting);
    else if (this.#state === "local") this.#local(request, waiting);
    else this.#unsent.push([request, waiting]);
    return waiting.promise;
  }

  #post(request: EncodeRequest, waiting: Waiting): void {
    const { batch } = request;
    // (A grid's values are the grid's own: copied, not moved.)
    const arrays = [
      ...(batch.params instanceof Float64Array ? [batch.params] : []),
      batch.success,
      ...(Array.isArray(batch.outputs) ? batch.outputs : [batch.outputs]),
      ...Object.values(batch.extra ?? {}),
    ];
    const transfer = [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
    this.#waiting.set(request.id, waiting);
    try {
      this.#worker.postMessage(request, transfer);
    } catch (error) {
      this.#waiting.delete(request.id);
      waiting.reject(error);
    }
  }

  #local(request: EncodeRequest, waiting: Waiting): void {
    try {
      waiting.resolve(encodeRows(request.formats, request.header, request.batch));
    } catch (error) {
      waiting.reject(error);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    for (const [, waiting] of this.#unsent.splice(0)) waiting.reject(error);
  }

  close(): void {
    this.#fail(new Error("Cannot encode rows as the encoder is closed"));
    this.#worker.terminate();
  }
}
