// Internal: the pool's side of a chunk's shared rows (see _partial_results.ts). A worker busy
// in a synchronous row cannot send the rows that finished before it; the main thread takes them
// from the shared columns the worker's doExecute writes. Model code shares the worker and may
// write anywhere in that memory: nothing read here is trusted beyond "these are the model's
// outputs for rows of this chunk". Counts are clamped to the chunk, a row is taken only while
// the worker agrees on the rows handed on (compareExchange), and values are copied out.
import {
  COUNTS,
  FINISHED,
  HANDED,
  LAYOUT,
  SharedRowsPart,
  TAKE_FAILED,
  TAKE_OK,
} from "./_partial_results.ts";
import type { ChunkSharedMessage } from "./_protocol.ts";

// Bound at load, as everything this thread calls on shared memory.
const load = Atomics.load;
const compareExchange = Atomics.compareExchange;
const decoder = new TextDecoder();

function onShared(v: unknown, type: typeof Float64Array | typeof Uint8Array | typeof Int32Array) {
  return v instanceof type && v.buffer instanceof SharedArrayBuffer;
}

/** One running chunk's shared rows, as the pool's main thread reads them. */
export class SharedRows {
  readonly #counts: Int32Array;
  readonly #version: number;
  readonly #columns: Float64Array[];
  readonly #flags: Uint8Array;
  readonly #text: Uint8Array;
  readonly #spans: Int32Array;
  readonly #meta: unknown;
  readonly #rows: number;
  // The rows seen finished at the last look: they have waited at least since then.
  #seen = 0;

  private constructor(message: ChunkSharedMessage, rows: number, seen: number) {
    this.#counts = message.counts;
    this.#version = message.version;
    const layout = message.layout;
    this.#columns = layout.columns;
    this.#flags = layout.flags;
    this.#text = layout.text;
    this.#spans = layout.spans;
    this.#meta = layout.meta;
    this.#rows = rows;
    this.#seen = seen;
  }

  /**
   * The layout a worker shared for a chunk of `rows` rows, or undefined when it is not one (the
   * pool then leaves the chunk's rows to the worker). `before`, the chunk's previous layout,
   * passes on what it saw.
   */
  static of(
    message: ChunkSharedMessage,
    rows: number,
    before?: SharedRows,
  ): SharedRows | undefined {
    const { counts, version, layout } = message;
    if (typeof layout !== "object" || layout === null) return undefined;
    const { columns, flags, text, spans } = layout;
    if (
      !onShared(counts, Int32Array) || counts.length < COUNTS || !Number.isInteger(version) ||
      !onShared(flags, Uint8Array) || flags.length !== rows || !Array.isArray(columns) ||
      !columns.every((c) => onShared(c, Float64Array) && c.length === rows) ||
      !onShared(text, Uint8Array) || !onShared(spans, Int32Array) ||
      (spans.length !== 0 && spans.length !== 2 * rows)
    ) {
      return undefined;
    }
    return new SharedRows(message, rows, before ? before.#seen : 0);
  }

  /**
   * Takes the rows from `handed` (the chunk's first row not yet handed on, counted within it)
   * that were finished at the previous look and that the layout can carry, unless the worker
   * has handed on rows the pool has not had yet, or has shared a layout not yet here.
   * @returns Where the rows taken end and what they are; undefined when none are taken.
   */
  take(handed: number): { end: number; part: SharedRowsPart } | undefined {
    const counts = this.#counts;
    const rows = this.#rows;
    // Finished first, then the layout: a row counted finished was laid out as that layout says
    // or an older one.
    const finished = load(counts, FINISHED);
    const current = load(counts, LAYOUT) === this.#version;
    // At least one row is left for the chunk's own end.
    const to = Math.min(this.#seen, rows - 1);
    this.#seen = Number.isInteger(finished) && finished > 0 ? Math.min(finished, rows) : 0;
    if (!current || to <= handed || load(counts, HANDED) !== handed) return undefined;
    // Only rows the worker marked as takeable (a failed row whose message did not fit it sends
    // itself), and only failures whose message lies within the text.
    const flags = this.#flags;
    const spans = this.#spans;
    const text = this.#text;
    const failed: number[] = [];
    let end = handed;
    for (; end < to; end++) {
      const flag = flags[end];
      if (flag === TAKE_OK) continue;
      if (flag !== TAKE_FAILED || spans.length === 0) break;
      const at = spans[2 * end];
      const length = spans[2 * end + 1];
      if (!(at >= 0 && length >= 0 && at + length <= text.length)) break;
      failed.push(end);
    }
    if (end === handed || compareExchange(counts, HANDED, handed, end) !== handed) {
      return undefined;
    }
    // Copied out, then read: the model's thread may write on.
    const columns = this.#columns.map((c) => c.slice(handed, end));
    const errors: [number, string][] = failed.map((r) => {
      const bytes = text.slice(spans[2 * r], spans[2 * r] + spans[2 * r + 1]);
      return [r - handed, decoder.decode(bytes)];
    });
    return { end, part: new SharedRowsPart(this.#meta, columns, errors) };
  }
}
