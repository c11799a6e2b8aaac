// Internal: WaterTAP's progress publishing (`publish_progress` / `publish_address`): one HTTP PUT
// per finished point, form-encoded with WaterTAP's fields. It must never hold the sweep back
// nor fail it: requests go out in the background, a few at a time, a full queue drops its
// oldest messages, a server that fails is left alone for a while, and at the end what is still
// queued gets a short grace before it is given up.
import { describe } from "../_describe.ts";
import { PUBLISH_DEFAULTS } from "../_defaults.ts";

/** One point's progress, WaterTAP's payload. */
export interface PublishedPoint {
  /** The rank of the process that ran it (WaterTAP's `worker_number`). */
  workerNumber: number;
  /** The row's index in the sweep (WaterTAP's `iteration`). */
  iteration: number;
  /** Whether it succeeded (WaterTAP's `solve_status`). */
  solveStatus: boolean;
  /** Seconds it took (WaterTAP's `solve_time`). */
  solveTime: number;
}

// At most this many requests at once, this many waiting, a pause after a failure, and a grace
// at the end for what is still on its way.
const {
  concurrency: CONCURRENCY,
  queue: QUEUE,
  backoffMs: BACKOFF_MS,
  graceMs: GRACE_MS,
} = PUBLISH_DEFAULTS;

/** Checks a `publishAddress` option: an http(s) URL. */
export function checkPublishAddress(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = value instanceof URL ? value : typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(
      `Cannot run a sweep as 'publishAddress' must be an http or https URL: current value is ${
        describe(value)
      }`,
    );
  }
  return url;
}

/** Publishes points in the background; see the module comment. */
export class ProgressPublisher {
  readonly #url: string;
  // The address as messages show it: a password in it is not repeated.
  readonly #shown: string;
  readonly #abort = new AbortController();
  readonly #queue: string[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #pausedUntil = 0;
  #warned = false;
  #closed = false;
  // Why the first message that was not delivered was not.
  #why: string | undefined;
  /** Messages dropped (queue full, server failing, or given up at the end). */
  dropped = 0;
  /** Messages the server accepted (a 2xx answer). */
  sent = 0;

  constructor(url: URL) {
    this.#url = url.href;
    const shown = new URL(url.href);
    if (shown.password) shown.password = "***";
    this.#shown = shown.href;
  }

  /** Queues one point's message; returns at once. */
  publish(point: PublishedPoint): void {
    if (this.#closed) return;
    if (performance.now() < this.#pausedUntil) {
      this.dropped++;
      return;
    }
    // WaterTAP sends what `requests.put(url, data=dict)` makes: a form with Python's spellings.
    const body = new URLSearchParams({
      worker_number: String(point.workerNumber),
      iteration: String(point.iteration),
      solve_status: point.solveStatus ? "True" : "False",
      solve_time: String(point.solveTime),
    }).toString();
    if (this.#queue.length >= QUEUE) {
      this.#queue.shift();
      this.dropped++;
      this.#why ??= `more than ${QUEUE} messages waited for the server`;
    }
    this.#queue.push(body);
    this.#pump();
  }

  #pump(): void {
    while (this.#inflight.size < CONCURRENCY && this.#queue.length > 0) {
      const body = this.#queue.shift()!;
      const request = this.#send(body);
      this.#inflight.add(request);
      request.finally(() => {
        this.#inflight.delete(request);
        this.#pump();
      });
    }
  }

  async #send(body: string): Promise<void> {
    try {
      const response = await fetch(this.#url, {
        method: "PUT",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal: this.#abort.signal,
      });
      // The answer's body is not needed, but must be consumed to free the connection.
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      this.sent++;
    } catch (error) {
      this.dropped++;
      if (this.#abort.signal.aborted) {
        this.#why ??= `the server had not answered ${GRACE_MS / 1000} s after the sweep ended`;
        return;
      }
      this.#why ??= (error as Error).message;
      // A failing server is not asked again for a while: messages meanwhile are dropped.
      this.#pausedUntil = performance.now() + BACKOFF_MS;
      this.dropped += this.#queue.length;
      this.#queue.length = 0;
      if (!this.#warned) {
        this.#warned = true;
        console.warn(
          `psweep: warning: cannot publish progress to ${this.#shown} (${
            (error as Error).message
          }); the sweep goes on without it`,
        );
      }
    }
  }

  /**
   * Stops publishing: what is queued or on its way gets a short grace, then is given up.
   * Never rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const timer = setTimeout(() => this.#abort.abort(), GRACE_MS);
    try {
      while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    } finally {
      clearTimeout(timer);
      this.#closed = true;
      if (this.#queue.length > 0) {
        this.#why ??= `the server had not answered ${GRACE_MS / 1000} s after the sweep ended`;
      }
      this.dropped += this.#queue.length;
      this.#queue.length = 0;
      this.#abort.abort();
    }
  }

  /**
   * After `close`: a warning for the sweep's result when some messages were not delivered
   * (a server that was down, failing, or too slow to answer), else undefined.
   */
  warning(): string | undefined {
    if (this.dropped === 0) return undefined;
    return `Cannot publish all progress to ${this.#shown}: ${this.dropped} of ${
      this.dropped + this.sent
    } messages were not delivered (first: ${this.#why ?? "unknown"})`;
  }
}
