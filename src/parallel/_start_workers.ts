// Internal: lets the sweep start a manager's workers before its first scatter, so that their
// start-up overlaps drawing the rows. A manager that can do so implements the method keyed by this
// symbol; the symbol stays out of mod.ts, so the method is not part of the public API, and this
// module imports no manager (a new manager opts in without an import circle).

/** The key of the optional early-start method of a manager. */
export const START_WORKERS: unique symbol = Symbol("psweep.startWorkers");

/** A manager that can start its workers ahead of the first scatter. */
interface EarlyStart {
  [START_WORKERS](modules: readonly string[]): void;
}

/** Starts `manager`'s workers now, with read access to `modules` (as a scatter importing them would). */
export function startWorkers(manager: object, modules: readonly (string | URL)[]): void {
  const early = manager as Partial<EarlyStart>;
  if (typeof early[START_WORKERS] === "function") early[START_WORKERS](modules.map(String));
}
