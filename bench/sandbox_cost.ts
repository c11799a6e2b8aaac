/**
 * What the sandbox costs a tiny sweep (issue 11): `workers: 1` now runs the model in one
 * permission-scoped worker, where it ran unscoped on the main thread. Both in one process, side
 * by side, each the median of 7 runs of a whole `parameterSweep` (worker start included):
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/sandbox_cost.ts
 * ```
 *
 * @module
 */
import { linearSample, parameterSweep, SingleProcessManager } from "../mod.ts";

const model = new URL("./models/trivial3.ts", import.meta.url);

async function time(rows: number, scoped: boolean): Promise<number> {
  const t0 = performance.now();
  await parameterSweep({
    model,
    params: { x: linearSample(0, 1, rows), y: linearSample(0, 1, 1) },
    ...(scoped ? { workers: 1 } : { manager: new SingleProcessManager({ chunkTargetMs: 50 }) }),
  });
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log("rows      unscoped ms  scoped ms  ratio");
for (const rows of [1, 100, 10_000, 200_000]) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 7; i++) {
    a.push(await time(rows, false));
    b.push(await time(rows, true));
  }
  const [u, s] = [median(a), median(b)];
  console.log(
    `${String(rows).padEnd(9)} ${u.toFixed(1).padStart(11)} ${s.toFixed(1).padStart(10)} ${
      (s / u).toFixed(2).padStart(6)
    }`,
  );
}
