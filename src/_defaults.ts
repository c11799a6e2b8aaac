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

/** WaterTAP's limit on a recursive sweep's rounds of drawing (`maxRounds`). */
export const RECURSIVE_MAX_ROUNDS = 10;

/** Defaults of the Redis manager and its `psweep worker` daemons. */
export const REDIS_DEFAULTS = {
  /** Key prefix of everything psweep stores in Redis. */
  prefix: "psweep",
  /**
   * Lease of a chunk in milliseconds: a chunk whose daemon has not renewed it for this long is
   * taken by another daemon (the daemon renews every third of it from its main thread).
   */
  leaseMs: 5_000,
  /** Deliveries after which a chunk that no daemon finished is recorded as failed rows. */
  maxDeliveries: 3,
  /** How long the root waits with no daemon taking its work before it reports that. */
  workerWaitMs: 30_000,
  /**
   * What adaptive chunks aim to take on a daemon (ms): each chunk costs a daemon a few ms of round
   * trips to Redis and a fresh build of the model.
   */
  chunkTargetMs: 200,
  /** How often daemons say they are alive (ms); one unseen for 3 of these counts as gone. */
  heartbeatMs: 1_000,
  /**
   * How long a daemon waits for Redis to answer one command (ms) before it counts Redis as
   * unreachable (blocking reads excepted): a partitioned daemon then retries, or stops when told.
   */
  commandTimeoutMs: 10_000,
  /** A sweep whose root has not been seen for this long (ms) is left alone by daemons. */
  rootStaleMs: 15_000,
  /** Finished or abandoned sweeps' keys expire after this long (ms) unless the root renews them. */
  keyTtlMs: 7 * 24 * 3600 * 1000,
} as const;
