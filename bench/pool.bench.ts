/**
 * `deno task bench`: 1,000,000 trivial rows on the main thread vs a 2-worker pool.
 *
 * Every iteration of a pool case starts its own pool, warms it up with a few
 * untimed sweeps, times one scatter→gather between `b.start()` and `b.end()`,
 * and closes the pool, so no bench leaves workers behind. The side-by-side
 * report with all workloads is `bench/pool_report.ts`.
 *
 * @module
 */

import { DenoWorkerManager } from "../mod.ts";
import { trivialInline, xyRows } from "./workloads.ts";

const ROWS = 1_000_000;
const WARM_SWEEPS = 3;
const permissions = { read: [new URL("../", import.meta.url).pathname] };
const module = new URL("./workloads.ts", import.meta.url).href;
const matrix = xyRows(ROWS);
const group = "trivial rows: 1,000,000 × x*y + sin(x)";

Deno.bench({
  name: "serial loop on the main thread",
  group,
  baseline: true,
  n: 30,
  warmup: 5,
  fn() {
    trivialInline(matrix);
  },
});

async function poolCase(b: Deno.BenchContext, chunkSize?: number): Promise<void> {
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize });
  const sweep = async () => {
    await pm.scatter({ module, name: "build" }, {}, { module, name: "trivialInline" }, matrix);
    const results = await pm.gather();
    if (results.some((r) => r.error)) throw new Error("a chunk failed");
  };
  for (let i = 0; i < WARM_SWEEPS; i++) await sweep();
  b.start();
  await sweep();
  b.end();
}

Deno.bench({
  name: "2-worker pool, adaptive chunks",
  group,
  n: 10,
  warmup: 1,
  fn: (b) => poolCase(b),
});

Deno.bench({
  name: "2-worker pool, chunkSize 1000",
  group,
  n: 10,
  warmup: 1,
  fn: (b) => poolCase(b, 1000),
});
