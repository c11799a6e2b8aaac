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
  /**
   * Finished rows a worker has held this long (ms) while the rest of their chunk runs are sent to
   * the main thread ahead of it, so that a slow row does not hold the rows before it. Ten times the
   * chunk target: chunks of cheap rows end long before it, and a worker sends at most one extra
   * message per this many ms.
   */
  partialMs: 50,
} as const;

/** Defaults of an MPI rank's local pool (`MpiManager`), where they differ from the pool's. */
export const MPI_DEFAULTS = {
  /**
   * Adaptive chunks aim at this (ms) on a rank: each chunk also costs the rank's main thread an
   * encoding and a message to the root, and the root a decoding, all beside the model's workers.
   * With the pool's 5 ms, 2 ranks of 1 worker ran 1 ms points at 0.87x to 0.89x a local pool of 2
   * workers on a 2-core machine; with 20 ms, at 0.96x to 0.98x (bench/mpi_report.ts).
   */
  chunkTargetMs: 20,
  /**
   * How long (ms) a relaunched rank whose launcher process died gets to stop as SIGTERM stops it
   * (the root writes what it has) before it is killed: the other ranks may be gone too, and a
   * rank waiting on them in a collective would wait for ever (MPICH left such ranks running).
   */
  orphanGraceMs: 3000,
} as const;

/** Limits of the report page (`psweep report`, `writeReport`): what keeps it small and quick. */
export const REPORT_DEFAULTS = {
  /** Cells of the cube (bins of every parameter combined): between these, about 800,000 numbers. */
  minCells: 16_000,
  maxCells: 160_000,
  cubeNumbers: 800_000,
  /** Bins on one axis: about one per pixel of a chart. */
  maxAxisBins: 400,
  /** Most distinct values for which a parameter is binned by its values (a grid axis). */
  maxValueBins: 4096,
  /** Rows of the scatter sample, and failed rows added to it beyond those. */
  sampleRows: 20_000,
  sampleFailed: 5_000,
  /** Outputs (the first ones) whose pairs get exact trade-off fronts. */
  frontOutputs: 6,
  /** Rows the rank statistics are computed over (a seeded sample beyond). */
  sensitivityRows: 100_000,
  /** Groups per parameter when measuring how well it separates failures. */
  separationGroups: 12,
  /** Outputs given a chart of their own in the overview, and failure groups listed. */
  overviewCharts: 12,
  failureGroups: 12,
  /** Perturbed rows drawn against their nominal point. */
  diffPoints: 20_000,
  /** Bins per axis of each pair of parameters when the cube has fewer (many parameters). */
  pairBins: 48,
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

/** Defaults of command models (command/_process.ts). */
export const COMMAND_DEFAULTS = {
  /**
   * The longest line (bytes) a model program may write to psweep: a reply of 1,024 outputs with
   * names of 16 KiB each fits. A longer one fails its point and the process is stopped, rather
   * than psweep holding an endless line in memory.
   */
  maxLineBytes: 16 * 2 ** 20,
  /** Lines a program prints before it greets psweep that are kept for a message (the last ones). */
  chatterLines: 5,
} as const;

/** Defaults of how a sweep writes its results files. */
/**
 * The workers that make CSV and JSON Lines text (io/_row_encoder.ts), taking batches in turn. One:
 * it keeps up with about 2.5 million rows a second of 2 parameters and 3 outputs. (On 2 cores, 1M
 * rows of a trivial model to CSV, two took 0.95x the wall time of one and 1.04x the CPU, but held
 * 25 to 35 MB more: a 10M-row sweep that keeps no rows then peaked at 265 MB against 234 to 242.)
 */
export const ENCODER_DEFAULTS = {
  workers: 1,
  /**
   * A sweep of fewer rows encodes them on the main thread and starts no encoder: a worker's
   * start would cost a 10-row sweep to CSV about a third of its time. A larger sweep starts its
   * encoder as its files open and sends it every batch, the first small ones too: encoding those
   * here cost the main thread 25 to 50 ms on a 1M-row sweep, most of it compiling the encoder's
   * code a second time, for less than 1% of the rows.
   */
  minRows: 2048,
  /**
   * A grid's parameters are sent to the encoder as their values, each formatted once (not once
   * per row), when they have at most this many values in all (and only with batches of at least
   * as many rows as they have values).
   */
  gridValues: 65536,
} as const;

export const RESULTS_FILE_DEFAULTS = {
  /**
   * How long a chunk that arrives ahead of its turn may wait in memory (ms) for the rows before
   * it, so that the files are written in row order and need no rewrite at the end.
   */
  holdMs: 250,
  /** How many bytes of such chunks may wait in all, so that memory stays flat. */
  holdBytes: 32 * 2 ** 20,
  /**
   * Rows waiting to be written (bytes: their values, and for each text file their text, counted
   * at `textFieldBytes` a field plus JSON Lines' keys) beyond which the sweep stops sending work.
   */
  backlogBytes: 32 * 2 ** 20,
  /** A field's text, as the backlog counts it: a double's is at most 24 bytes, a grid's often 10. */
  textFieldBytes: 20,
  /**
   * Bytes a CSV or JSON Lines writer writes between flushes it starts while writing on, so that
   * the flush at the end (a sweep's file is flushed to the disk before the sweep returns) waits
   * for the last of them only.
   */
  syncAheadBytes: 16 * 2 ** 20,
  h5: {
    /**
     * Rows buffered before an append, and the longest a row waits in the buffer (ms). Each append
     * costs a few milliseconds per dataset whatever its size (1M rows of 6 columns: 2.8 s in
     * appends of 10,000 rows, 0.4 s in appends of 65,536), so rows are appended in large runs,
     * and the timer bounds what a crash loses.
     */
    flushRows: 65_536,
    flushMs: 250,
    /**
     * The most bytes of rows buffered, fewer rows per append where there are many outputs. A
     * sweep gives its writer half its backlog instead (see `backlogBytes`; 4 MiB for a sweep
     * that keeps no rows), so that the workers never wait for an append's timer.
     */
    flushBytes: 64 * 2 ** 20,
    /** HDF5 chunk length of the extendable datasets (128 KiB of doubles). */
    chunkRows: 16_384,
    /**
     * With many outputs, chunks shorter than `chunkRows` (not below `minChunkRows`) so that one
     * chunk of every dataset holds at most `chunkBudget` bytes: HDF5 stores whole chunks.
     */
    minChunkRows: 512,
    chunkBudget: 16 * 2 ** 20,
    /**
     * Files of at most this many rows are put in order a dataset at a time, each read whole
     * (32 MiB of doubles): copying block by block costs every dataset a read and a write per
     * block, which for a thousand outputs and rows out of order took minutes.
     */
    reorderWholeRows: 1 << 22,
    /**
     * An append waits at least this many times as long as the last one took: with a thousand
     * outputs an append takes longer than `flushMs`, and at most a fifth of the main thread then
     * goes to appends.
     */
    flushSpacing: 4,
  },
  parquet: {
    /** Rows per row group: large enough for compression, small enough for readers to skip. */
    rowGroupRows: 1 << 17,
  },
  arrow: {
    /** Rows per record batch when a whole table is written. */
    tableBatchRows: 1 << 16,
  },
} as const;

/** Defaults of progress publishing (`publishAddress`). */
export const PUBLISH_DEFAULTS = {
  /** Requests in flight at once. */
  concurrency: 4,
  /** Messages waiting; past it the oldest are dropped. */
  queue: 10_000,
  /** Pause after a failed request (ms): a server that fails is left alone for a while. */
  backoffMs: 1_000,
  /** Grace at the end of the sweep for what is still on its way (ms), then it is given up. */
  graceMs: 2_000,
} as const;

/**
 * How a sweep that keeps no result (`keepResult: false`) bounds its memory: what it holds does
 * not grow with the rows, so its budgets are smaller than a kept sweep's.
 */
export const STREAM_DEFAULTS = {
  /**
   * Rows handed to the workers at a time: their parameters are copied into memory the workers
   * share (16 bytes a row and 8 more per parameter); each window builds the model again on every
   * worker.
   */
  windowRows: 1 << 18,
  /** Bytes of chunks that arrived ahead of their turn that may wait in memory in all. */
  holdBytes: 8 * 2 ** 20,
  /**
   * Rows waiting to be written (bytes: their values, and their text as
   * `RESULTS_FILE_DEFAULTS.backlogBytes` counts it) beyond which the sweep stops sending work.
   */
  backlogBytes: 8 * 2 ** 20,
} as const;

/**
 * Environment the CLI gives the Deno it starts again (unless the user set these): glibc's
 * allocator otherwise keeps an arena per thread that ever allocated (each worker, each of
 * Deno's own threads) and keeps freed memory in them, which is about 35 MB of a 10M-row sweep's
 * peak RSS (measured: a one-parameter grid to CSV peaked at 243 MB without, 208-222 MB with).
 * Other C libraries ignore them.
 */
export const RELAUNCH_ENV = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_TRIM_THRESHOLD_: "131072",
} as const;
