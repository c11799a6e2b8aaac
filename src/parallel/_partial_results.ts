// Internal: how a chunk's doExecute hands finished rows to the pool before the whole chunk is
// done, so that one slow row does not hold the rows of its chunk that finished before it. Only
// the pool's worker (_worker.ts) opens the outlet, for the chunk it runs; anywhere else (the
// main thread, an MPI rank's root, a Redis daemon's own thread) there is none, and doExecute
// returns every row at the end as before.

/** Where a running chunk's finished rows go ahead of the chunk. */
export interface PartialOutlet {
  /** How long (ms) finished rows may wait for the rest of their chunk before they are sent. */
  readonly holdMs: number;
  /**
   * Sends the chunk's rows from the first not yet sent up to `to` (exclusive, counted within the
   * chunk) with `results`, what doExecute would return for just those rows. At least one row of
   * the chunk must remain for doExecute's own return.
   * @returns Whether they were sent: only then must doExecute leave them out of what it returns.
   */
  deliver(to: number, results: unknown): boolean;
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
