/**
 * Benchmarks of command models (issue 17), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options bench/command_report.ts
 * ```
 *
 * One Python model (bench/models/busy_model.py: a CPU loop, calibrated to about 1 ms a unit)
 * (a) protocol overhead per point: a trivial point (no loop) on one warm worker, timed as
 *     (T(2N) - T(N)) / N so that start-up cancels, less Python's own evaluate per point;
 * (b) 1 ms points on 2 workers against the ideal: Python's serial time for the same points / 2;
 * (c) psweep against WaterTAP's pattern (bench/command_baseline.py: a warm ProcessPoolExecutor
 *     of 2 processes, one contiguous chunk each) on the uniform 1 ms points of (b) and on skewed
 *     costs (as in bench/pool_report.ts: a 100x spread, the expensive rows first: the first 10%
 *     of 200 points cost 100 units);
 * (d) (b) and (c) again with points that sleep instead of computing: a model waiting on a solver
 *     or on I/O, whose timing a busy machine hardly disturbs, so that the protocol's cost and the
 *     balance of the work show even where CPU-bound figures measure the machine.
 *
 * Runs alternate between the two sides, so that a busy machine slows both alike; each figure is
 * the best of the runs (the least disturbed by other work: on a shared machine the median moves
 * with the load), with the median beside it. The machine's load average is printed with them.
 *
 * @module
 */

import { DenoWorkerManager, linearSample, parameterSweep } from "../mod.ts";

const here = new URL("./", import.meta.url).pathname;
const MODEL = `${here}models/busy_model.py`;
const BASELINE = `${here}command_baseline.py`;
const RUNS = 5;

function best(xs: number[]): number {
  return Math.min(...xs);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function python(args: string[]): Promise<Record<string, number>> {
  const out = await new Deno.Command("python3", { args: [BASELINE, ...args], stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`python3 ${BASELINE} ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function sweep(
  manager: DenoWorkerManager,
  rows: number,
  options: Record<string, number>,
): Promise<number> {
  const t0 = performance.now();
  const result = await parameterSweep({
    model: { command: ["python3", MODEL] },
    buildOptions: options,
    params: { i: linearSample(0, rows - 1, rows) },
    outputs: ["y"],
    manager,
  });
  const ms = performance.now() - t0;
  if (result.stats.succeeded !== rows) {
    throw new Error(`${result.stats.failed} points failed: ${[...result.errors.values()][0]}`);
  }
  return ms;
}

function load(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

const permissions = { run: ["python3"] };
// What psweep's own managers use for command models (COMMAND_CHUNK_MS).
const chunkTargetMs = 100;
const { iterations } = await python(["calibrate"]);
console.log(
  `machine: ${navigator.hardwareConcurrency} cores, load average ${load()}; Python loop of ${iterations} steps ≈ 1 ms`,
);

// (a) Protocol overhead per point.
{
  const trivial = { iterations: 0 };
  const N = 4000;
  await using one = new DenoWorkerManager({ workers: 1, permissions, chunkTargetMs });
  await sweep(one, 100, trivial); // start the worker and the process
  const per: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t1 = await sweep(one, N, trivial);
    const t2 = await sweep(one, 2 * N, trivial);
    per.push((t2 - t1) * 1000 / N);
    direct.push((await python(["direct", String(N), JSON.stringify(trivial)])).ms * 1000 / N);
  }
  const p = best(per);
  const d = best(direct);
  console.log(
    `(a) trivial point, 1 worker: ${p.toFixed(1)} µs per point through psweep (median ${
      median(per).toFixed(1)
    }), of which ${d.toFixed(1)} µs Python's evaluate: protocol overhead ${
      (p - d).toFixed(1)
    } µs per point`,
  );
}

// (b), (c) and (d) on 2 workers.
{
  const cases: { name: string; rows: number; options: Record<string, number> }[] = [
    { name: "(b, c) uniform 1 ms", rows: 1000, options: { iterations } },
    { name: "(d) uniform 1 ms sleeps", rows: 1000, options: { iterations, sleep_ms: 1 } },
    {
      name: "(d) skewed sleeps (10% at 100x, first)",
      rows: 200,
      options: { iterations, heavy_rows: 20, heavy_units: 100, sleep_ms: 1 },
    },
    {
      name: "(c) skewed (10% at 100x, first)",
      rows: 200,
      options: { iterations, heavy_rows: 20, heavy_units: 100 },
    },
  ];
  await using two = new DenoWorkerManager({ workers: 2, permissions, chunkTargetMs });
  await sweep(two, 100, { iterations });
  const times = cases.map(() => ({
    ours: [] as number[],
    theirs: [] as number[],
    serial: [] as number[],
  }));
  for (let r = 0; r < RUNS; r++) {
    for (const [i, { rows, options }] of cases.entries()) {
      times[i].ours.push(await sweep(two, rows, options));
      times[i].theirs.push((await python(["pool", String(rows), JSON.stringify(options)])).ms);
      times[i].serial.push((await python(["direct", String(rows), JSON.stringify(options)])).ms);
    }
  }
  for (const [i, { name, rows }] of cases.entries()) {
    const x = times[i];
    for (const [label, pick] of [["best", best], ["median", median]] as const) {
      const ours = pick(x.ours);
      const theirs = pick(x.theirs);
      const ideal = pick(x.serial) / 2;
      console.log(
        `${name}, ${rows} points, 2 workers, ${label} of ${RUNS}: psweep ${ours.toFixed(0)} ms (${
          (ideal / ours).toFixed(2)
        } of ideal ${ideal.toFixed(0)} ms); ` +
          `ProcessPoolExecutor, contiguous chunks ${theirs.toFixed(0)} ms (${
            (ideal / theirs).toFixed(2)
          } of ideal): psweep ${(theirs / ours).toFixed(2)}x as fast`,
      );
    }
  }
}
console.log(`load average after: ${load()}`);
