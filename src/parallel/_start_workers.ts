// Internal: lets the sweep start a pool's workers before its first scatter, so that their
// start-up overlaps drawing the rows. The pool registers the hook (it reaches a private method);
// this module keeps it out of the public API that mod.ts re-exports from the pool's module.
import type { DenoWorkerManager } from "./deno_worker_manager.ts";

let hook: ((pool: DenoWorkerManager, modules: string[]) => void) | undefined;

/** Called once by DenoWorkerManager's static block. */
export function registerStartWorkers(
  fn: (pool: DenoWorkerManager, modules: string[]) => void,
): void {
  hook = fn;
}

/** Starts `pool`'s workers now, with read access to `modules` (as a scatter importing them would). */
export function startWorkers(pool: DenoWorkerManager, modules: readonly (string | URL)[]): void {
  hook?.(pool, modules.map(String));
}
