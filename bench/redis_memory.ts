/**
 * The root's memory while rows stream from Redis (issue 13), side by side with a local pool in one
 * run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt --v8-flags=--expose-gc bench/redis_memory.ts
 * ```
 *
 * It uses the Redis server at PSWEEP_REDIS_URL, or starts its own on 127.0.0.1:6392
 * (PSWEEP_TEST_REDIS_PORT + 1); two `psweep worker` daemons of one worker each run the rows.
 *
 * Each sweep has many trivial rows (no busy time) of one parameter and two outputs; the same sweep
 * runs on a local `DenoWorkerManager` of two workers and on the daemons, at two sizes. The root's
 * `Deno.memoryUsage()` is sampled every 20 ms during the run; the figures are the peaks over a
 * baseline taken after a full GC before the sweep. `heapUsed` is where an object or promise per row
 * would show; `external` holds the typed arrays of the rows and results (the sweep's own data, 8
 * bytes per column per row, kept by both managers); RSS is the process (for the local pool, its
 * workers' threads too). Growth per million rows is (peak at the larger size - peak at the
 * smaller) / (difference in millions of rows).
 *
 * @module
 */

import { DenoWorkerManager, linearSample, parameterSweep, RedisManager } from "../mod.ts";
import type { ParallelManager } from "../src/parallel/parallel_manager.ts";
import { Daemon, MODEL, RedisServer, testPort } from "../tests/_redis.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc (a full GC before each baseline)");

const SIZES = (Deno.args[0] ?? "200000,1000000").split(",").map(Number);
const MB = 1024 * 1024;

let url = Deno.env.get("PSWEEP_REDIS_URL");
let server: RedisServer | undefined;
let dir: string | undefined;
if (!url) {
  dir = await Deno.makeTempDir({ prefix: "psweep_bench_redis_memory_" });
  server = new RedisServer(testPort(1), dir);
  await server.start();
  url = server.url;
}
const prefix = `psweep_bench_memory_${Deno.pid}`;
const daemons = [
  new Daemon({ prefix, url, name: "memory-a" }),
  new Daemon({ prefix, url, name: "memory-b" }),
];
await Promise.all(daemons.map((d) => d.ready()));

interface Peak {
  rss: number;
  heapUsed: number;
  external: number;
  /** What stays after a full GC with the result and the manager still held. */
  retainedHeap: number;
  retainedExternal: number;
  /** What stays once the manager is closed and dropped, the result still held. */
  droppedExternal: number;
  /** The bytes of the result's columns (x, y, z, success). */
  resultBytes: number;
  samples: number;
  ms: number;
}

async function measure(rows: number, open: () => ParallelManager & AsyncDisposable): Promise<Peak> {
  for (let i = 0; i < 3; i++) gc!();
  const base = Deno.memoryUsage();
  const peak: Peak = {
    rss: 0,
    heapUsed: 0,
    external: 0,
    retainedHeap: 0,
    retainedExternal: 0,
    droppedExternal: 0,
    resultBytes: 0,
    samples: 0,
    ms: 0,
  };
  const sample = () => {
    const m = Deno.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss - base.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed - base.heapUsed);
    peak.external = Math.max(peak.external, m.external - base.external);
    peak.samples++;
  };
  let manager: (ParallelManager & AsyncDisposable) | undefined = open();
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  let result;
  try {
    result = await parameterSweep({
      model: MODEL,
      params: { x: linearSample(1, rows, rows) },
      manager,
    });
    sample();
    peak.ms = performance.now() - t0;
  } finally {
    clearInterval(timer);
  }
  if (result.stats.succeeded !== rows) throw new Error(`only ${result.stats.succeeded} rows`);
  for (let i = 0; i < 3; i++) gc!();
  const held = Deno.memoryUsage();
  peak.retainedHeap = held.heapUsed - base.heapUsed;
  peak.retainedExternal = held.external - base.external;
  await manager[Symbol.asyncDispose]();
  manager = undefined;
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) gc!();
  peak.droppedExternal = Deno.memoryUsage().external - base.external;
  // The result is held until here: what it takes is part of every figure above.
  peak.resultBytes = [result.params.x, result.outputs.y, result.outputs.z, result.success]
    .reduce((a, c) => a + c.byteLength, 0);
  return peak;
}

function local(rows: number): Promise<Peak> {
  return measure(rows, () => new DenoWorkerManager({ workers: 2 }));
}

function redis(rows: number): Promise<Peak> {
  return measure(rows, () => new RedisManager({ url: url!, prefix }));
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

try {
  // Warm-up: modules compiled, the daemons' workers started once.
  await local(20_000);
  await redis(20_000);
  const peaks: Record<"local" | "redis", Peak[]> = { local: [], redis: [] };
  for (const rows of SIZES) {
    peaks.local.push(await local(rows));
    peaks.redis.push(await redis(rows));
  }
  console.log(
    "rows      | manager | time    | peak heapUsed | peak external | peak RSS  | samples | " +
      "held after GC: heapUsed, external; external once the manager is dropped | result's columns",
  );
  for (let i = 0; i < SIZES.length; i++) {
    for (const name of ["local", "redis"] as const) {
      const p = peaks[name][i];
      console.log(
        `${String(SIZES[i]).padEnd(9)} | ${name.padEnd(7)} | ${
          (p.ms / 1000).toFixed(1).padStart(5)
        } s | ${mb(p.heapUsed).padStart(13)} | ${mb(p.external).padStart(13)} | ${
          mb(p.rss).padStart(9)
        } | ${String(p.samples).padStart(7)} | ${mb(p.retainedHeap)}, ${mb(p.retainedExternal)}; ${
          mb(p.droppedExternal)
        } | ${mb(p.resultBytes)}`,
      );
    }
  }
  const millions = (SIZES[SIZES.length - 1] - SIZES[0]) / 1e6;
  const growth = (
    name: "local" | "redis",
    field: Exclude<keyof Peak, "samples" | "ms" | "resultBytes">,
  ) => (peaks[name][SIZES.length - 1][field] - peaks[name][0][field]) / millions;
  for (
    const field of ["heapUsed", "external", "rss", "retainedHeap", "retainedExternal"] as const
  ) {
    const l = growth("local", field);
    const r = growth("redis", field);
    console.log(
      `growth per million rows, ${field}: local ${mb(l)}, Redis ${mb(r)} ` +
        `(Redis / local ${(r / l).toFixed(2)}; ${(r / 1e6).toFixed(1)} bytes per row on Redis)`,
    );
  }
} finally {
  await Promise.all(daemons.map((d) => d.stop()));
  await server?.stop();
  if (dir) await Deno.remove(dir, { recursive: true });
}
