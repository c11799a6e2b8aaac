// Internal: every default of psweep in one place, so that docs, options and code agree.

/** Defaults of the worker pool. */
export const POOL_DEFAULTS = {
  /** Retries of a chunk whose worker died, before the chunk is reported failed. */
  maxRetries: 2,
  /** Per-chunk time limit in milliseconds; Infinity means none. */
  timeout: Infinity,
  /** Adaptive chunks aim to take about this long (ms), so messaging stays a small cost. */
  chunkTargetMs: 5,
  /**
   * Rows in the first chunk a worker gets, before any timing is known: one, so that slow points
   * reach disk (and survive Ctrl-C) one by one; cheap ones grow their chunks fourfold each time.
   */
  firstChunkRows: 1,
  /** Adaptive chunks never exceed remaining / (workers * this), so the tail stays balanced. */
  balanceFactor: 4,
} as const;
