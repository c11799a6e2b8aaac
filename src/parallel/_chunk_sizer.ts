// Internal: how many rows the next chunk gets. A pure policy, apart from any manager, so that the
// pool, and managers that hand chunks to other processes or machines, size chunks alike and it
// can be tested without workers.
import { POOL_DEFAULTS } from "../_defaults.ts";

/** Options of {@linkcode ChunkSizer}. */
export interface ChunkSizerOptions {
  /** Workers that share the rows: the tail is split so that none is left with a large chunk. */
  readonly workers: number;
  /** What a chunk should take, in milliseconds. @default {POOL_DEFAULTS.chunkTargetMs} */
  readonly targetMs?: number;
  /** A fixed number of rows per chunk, which turns the adaptation off. @default {undefined} */
  readonly fixedRows?: number;
}

/**
 * Adaptive chunk sizes: one row first (slow rows then reach disk one by one), then chunks that
 * grow at most fourfold a time towards `targetMs` at the measured cost of a row, capped near the
 * end so that every worker gets a share of the tail.
 */
export class ChunkSizer {
  #workers: number;
  readonly #targetMs: number;
  readonly #fixedRows: number | undefined;
  #perRowMs: number | undefined;
  #lastRows = 0;

  constructor(options: ChunkSizerOptions) {
    this.#workers = options.workers;
    this.#targetMs = options.targetMs ?? POOL_DEFAULTS.chunkTargetMs;
    this.#fixedRows = options.fixedRows;
  }

  /** Workers that share the rows; managers whose workers come and go (Redis daemons) update it. */
  get workers(): number {
    return this.#workers;
  }
  set workers(n: number) {
    this.#workers = Math.max(1, n);
  }

  /** The measured cost of a row in milliseconds, once a chunk has been observed. */
  get perRowMs(): number | undefined {
    return this.#perRowMs;
  }

  /** Rows for the next chunk, when `remaining` rows are left (0 when none are). */
  next(remaining: number): number {
    if (remaining <= 0) return 0;
    let size: number;
    if (this.#fixedRows !== undefined) {
      size = this.#fixedRows;
    } else {
      const perRow = this.#perRowMs;
      const cap = Math.ceil(remaining / (this.#workers * POOL_DEFAULTS.balanceFactor));
      if (perRow === undefined) {
        size = POOL_DEFAULTS.firstChunkRows;
      } else {
        const byTime = Math.max(1, Math.floor(this.#targetMs / Math.max(perRow, 1e-9)));
        size = Math.min(byTime, Math.max(this.#lastRows * 4, POOL_DEFAULTS.firstChunkRows));
      }
      // The balancing cap shrinks chunks towards the end; a floor of about a tenth of the target
      // time keeps cheap rows from ending in hundreds of messages that each cost more than
      // their rows.
      const floor = perRow === undefined
        ? 1
        : Math.ceil(this.#targetMs / 10 / Math.max(perRow, 1e-9));
      size = Math.max(1, Math.min(size, Math.max(cap, floor)));
    }
    size = Math.min(size, remaining);
    this.#lastRows = size;
    return size;
  }

  /** Records that a chunk of `rows` rows took `elapsedMs` (a failed chunk tells nothing). */
  observe(rows: number, elapsedMs: number): void {
    if (rows > 0) this.#perRowMs = elapsedMs / rows;
  }
}
