// Internal: how a chunk's doExecute hands finished rows to the pool before the whole chunk is
// done, so that one slow row does not hold the rows of its chunk that finished before it. Only
// the pool's worker (_worker.ts) opens the outlet, for the chunk it runs; anywhere else (the
// main thread, an MPI rank's root, a Redis daemon's own thread) there is none, and doExecute
// returns every row at the end as before.
//
// Two ways out. The worker sends rows itself (`deliver`) between rows, once they have waited
// `holdMs`. A synchronous row holds the worker's thread, though, however long it runs: so
// doExecute may also `share` where its finished rows lie in shared memory, and the pool's main
// thread then takes (`SharedRowsPart`) the rows that have waited too long. Each row goes out
// exactly once: the index of the first row not yet handed on (`counts[HANDED]`) moves only by
// compareExchange, from the worker (`claim`) or from the main thread.

/** Index in `PartialOutlet.counts` of the chunk's rows finished so far (doExecute's to write). */
export const FINISHED = 0;
/** Index in `PartialOutlet.counts` of the chunk's first row not yet handed on. */
export const HANDED = 1;
/** Index in `PartialOutlet.counts` of the version of the layout last shared. */
export const LAYOUT = 2;
/** How many Int32 counts a chunk shares. */
export const COUNTS = 3;

/** Flag of a finished row the pool may take as a success. */
export const TAKE_OK = 1;
/** Flag of a finished row the pool may take as a failure, its message in `text` at `spans`. */
export const TAKE_FAILED = 2;

/** Where a chunk's finished rows lie in shared memory (every array on a SharedArrayBuffer). */
export interface SharedLayout {
  /** The rows' values, each column the chunk's rows long. */
  columns: Float64Array[];
  /**
   * One per row: TAKE_OK or TAKE_FAILED for a finished row the pool may take; any other value
   * stops the pool at that row, for the worker to send it.
   */
  flags: Uint8Array;
  /** UTF-8 failure messages. */
  text: Uint8Array;
  /** Two per row: where its failure message starts in `text`, and its length in bytes. */
  spans: Int32Array;
  /** What goes (cloned) with every part the pool takes. */
  meta: unknown;
}

/** Where a running chunk's finished rows go ahead of the chunk. */
export interface PartialOutlet {
  /** How long (ms) finished rows may wait for the rest of their chunk before they are sent. */
  readonly holdMs: number;
  /**
   * The chunk's counts (see FINISHED, HANDED, LAYOUT) on shared memory: doExecute stores
   * (Atomics.store) how many rows have finished as each finishes, once it has shared a layout.
   */
  readonly counts: Int32Array;
  /**
   * Tells the pool where the chunk's finished rows lie, for rows `0..counts[FINISHED]` (see
   * SharedLayout). Called again when the layout grows (a new output name), before any row that
   * needs it is counted as finished.
   */
  share(layout: SharedLayout): void;
  /**
   * Takes the chunk's rows from the first not yet handed on up to `to` (exclusive, counted
   * within the chunk) for this thread to send, so that the pool cannot take them too.
   * @returns The first row taken, or -1 when none is left below `to`.
   */
  claim(to: number): number;
  /**
   * Sends the rows `from`..`to` just claimed with `results`, what doExecute would return for
   * just those rows. At least one row of the chunk must remain for doExecute's own return.
   * @returns Whether they were sent; if not, the claim is undone and they stay with the chunk.
   */
  deliver(from: number, to: number, results: unknown): boolean;
}

/**
 * Rows of a chunk the pool's main thread took from the worker's shared memory while the worker
 * was busy in a row: copies of the columns doExecute shared, for the rows handed on, and the
 * `meta` it gave with them. Made only on the main thread (a worker's results, cloned, are never
 * one), and all of it is the model's doing: only the rows it stands for are the pool's own.
 */
export class SharedRowsPart {
  /**
   * @param meta What doExecute shared with the layout.
   * @param columns The rows' values, one array per shared column.
   * @param errors [row within the part, message] for each failed row.
   */
  constructor(
    readonly meta: unknown,
    readonly columns: Float64Array[],
    readonly errors: [number, string][],
  ) {}
}

let current: PartialOutlet | undefined;
let claimed = false;

/**
 * The outlet of the chunk running on this thread, if any, taken: the doExecute the worker calls
 * takes it before any model code of the chunk runs, so that neither a model nor a sweep it runs
 * itself (on a SingleProcessManager, say) can send rows through it.
 */
export function takePartialOutlet(): PartialOutlet | undefined {
  const outlet = current;
  current = undefined;
  return outlet;
}

/**
 * Takes the right to open and close the outlet: once per thread, by the pool's worker before any
 * model code runs, so that a model cannot point it elsewhere.
 * @throws {Error} When it was already taken.
 */
export function claimPartialOutlet(): (outlet: PartialOutlet | undefined) => void {
  if (claimed) throw new Error("Cannot claim the partial-results outlet twice");
  claimed = true;
  return (outlet) => {
    current = outlet;
  };
}
