// An outlet as the pool's worker opens it (see src/parallel/_partial_results.ts), for tests that
// run the driver on their own thread: it takes every row the driver sends ahead.
import type { ChunkOutput } from "../src/sweep/_driver.ts";
import { COUNTS, HANDED, type PartialOutlet } from "../src/parallel/_partial_results.ts";

/**
 * Opens, through `open` (the thread's claimPartialOutlet()), an outlet whose rows are due at once
 * (holdMs 0: what goes ahead when depends only on where the driver looks). Returns the parts it
 * receives, in order; `delivered` hears the end of each.
 */
export function takeParts(
  open: (outlet: PartialOutlet | undefined) => void,
  delivered?: (to: number) => void,
): ChunkOutput[] {
  const parts: ChunkOutput[] = [];
  const counts = new Int32Array(new SharedArrayBuffer(4 * COUNTS));
  open({
    holdMs: 0,
    counts,
    share() {},
    claim(to) {
      const from = Atomics.load(counts, HANDED);
      if (from >= to) return -1;
      Atomics.store(counts, HANDED, to);
      return from;
    },
    deliver(_from, to, results) {
      parts.push(results as ChunkOutput);
      delivered?.(to);
      return true;
    },
  });
  return parts;
}
