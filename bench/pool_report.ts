/**
 * Benchmarks of the worker pool (issue 3), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options bench/pool_report.ts
 * ```
 *
 * (a) 1,000,000 trivial rows: a plain loop on the main thread vs a warm 2-worker pool;
 * (b) 2000 rows of ≈ 1 ms: efficiency T1 / (2 T2);
 * (c) skewed rows: adaptive chunks vs two static contiguous chunks, against the ideal;
 * (d) startup to the first result; (e) peak RSS of a 1,000,000-row sweep with 3 outputs.
 *
 * Each timing is the median of several runs after warm-up runs. Parts (d) and (e) also run in
 * child processes of this script (`--sweep10`, `--rss`), so that they start from a clean process.
 *
 * @module
 */

import { DenoWorkerManager, type LocalResults, type Matrix } from "../mod.ts";
import * as w from "./workloads.ts";

const REPO = new URL("../", import.meta.url).pathname;
const WORKLOADS = new URL("./workloads.ts", import.meta.url).href;
const fn = (name: string) => ({ module: WORKLOADS, name });
const BUILD = fn("build");
const permissions = { read: [REPO] };

type Execute = (p: Matrix, k: number) => Float64Array;
const serialFunctions: Record<string, Execute> = {
  trivialInline: w.trivialInline,
  trivialPlain: w.trivialPlain,
  trivialReflect: w.trivialReflect,
  busyPlain: w.busyPlain,
  busyReflect: w.busyReflect,
  skewedPlain: w.skewedPlain,
  skewedReflect: w.skewedReflect,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Other processes on this machine skew every number here. Each timed run is checked against
// /proc/stat (Linux): a run during which other processes used the CPU is thrown away and redone
// once the machine is quiet, and each section reports how many runs that took.
interface CpuSample {
  total: number;
  busy: number;
  own: number;
}
function cpuSample(): CpuSample | undefined {
  try {
    const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
      .map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    const busy = total - cpu[3] - cpu[4];
    // utime, stime, cutime, cstime: this process's threads (workers too) and waited children.
    const self = Deno.readTextFileSync("/proc/self/stat");
    const f = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number);
    return { total, busy, own: f[11] + f[12] + f[13] + f[14] };
  } catch {
    return undefined;
  }
}
/** Clock ticks other processes used between two samples, and all ticks of all CPUs. */
function foreign(a: CpuSample | undefined, b: CpuSample | undefined): [number, number] {
  if (!a || !b) return [0, 0];
  return [Math.max(0, b.busy - a.busy - (b.own - a.own)), b.total - a.total];
}
// Ticks are 10 ms: a couple of foreign ticks is noise, more than 5% of the machine is not.
const disturbed = ([f, total]: [number, number]) => f > Math.max(2, 0.05 * total);

async function waitForQuiet(maxSeconds = 300): Promise<void> {
  let quiet = 0;
  const end = performance.now() + maxSeconds * 1000;
  while (quiet < 3 && performance.now() < end) {
    const a = cpuSample();
    if (!a) return;
    await new Promise((r) => setTimeout(r, 500));
    const [f, total] = foreign(a, cpuSample());
    quiet = f <= 0.05 * total ? quiet + 1 : 0;
  }
}

const stats = { redone: 0, foreignTicks: 0, totalTicks: 0 };

/** What `runs` calls of `once` return, after `warmup` calls; disturbed runs are redone. */
async function measure<T>(
  once: () => T | Promise<T>,
  runs: number,
  warmup: number,
): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: T[] = [];
  let redo = 0;
  while (times.length < runs) {
    const a = cpuSample();
    const result = await once();
    const ticks = foreign(a, cpuSample());
    if (disturbed(ticks) && redo < 5 * runs) {
      redo++;
      stats.redone++;
      await waitForQuiet();
      continue;
    }
    stats.foreignTicks += ticks[0];
    stats.totalTicks += ticks[1];
    times.push(result);
  }
  return times;
}

/** Median ms of `runs` calls of a workload on the main thread, after `warmup` calls. */
async function timeSerial(
  name: string,
  m: Matrix,
  k: number,
  runs: number,
  warmup: number,
): Promise<number> {
  const f = serialFunctions[name];
  let sink = 0;
  const times = await measure(
    () => {
      const t0 = performance.now();
      sink += f(m, k)[0];
      return performance.now() - t0;
    },
    runs,
    warmup,
  );
  if (Number.isNaN(sink)) console.log("");
  return median(times);
}

interface PoolTiming {
  ms: number;
  chunks: number;
  sizes: number[];
}

/** Median ms of `runs` scatter→gather rounds on a warm pool, after `warmup` rounds. */
async function timePool(
  pm: DenoWorkerManager,
  name: string,
  m: Matrix,
  k: number,
  runs: number,
  warmup: number,
): Promise<PoolTiming> {
  let last: LocalResults[] = [];
  const times = await measure(
    async () => {
      const t0 = performance.now();
      await pm.scatter(BUILD, { k }, fn(name), m);
      last = await pm.gather();
      const ms = performance.now() - t0;
      const failed = last.find((r) => r.error);
      if (failed) throw new Error(`${name}: ${failed.error!.name}: ${failed.error!.message}`);
      return ms;
    },
    runs,
    warmup,
  );
  return { ms: median(times), chunks: last.length, sizes: last.map((r) => r.parameters.rows) };
}

/** Runs a section once the machine is quiet, then says how quiet its timed runs were. */
async function section(run: () => Promise<void>): Promise<void> {
  await waitForQuiet();
  Object.assign(stats, { redone: 0, foreignTicks: 0, totalTicks: 0 });
  await run();
  if (stats.totalTicks > 0) {
    console.log(
      `  other processes: ${fmt(100 * stats.foreignTicks / stats.totalTicks)}% of the CPU ` +
        `during the timed runs kept; ${stats.redone} disturbed runs redone`,
    );
  }
}

function pool(workers: number, chunkSize?: number): DenoWorkerManager {
  return new DenoWorkerManager({ workers, permissions, chunkSize });
}

const fmt = (x: number, d = 1) => x.toFixed(d);
const rate = (rows: number, ms: number) => `${fmt(rows / ms / 1000, 2)} M/s`;
const say = (line: string) => console.log(line);

function table(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  for (const r of cells) {
    say(
      "  " + r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  "),
    );
  }
}
function sizesSummary(sizes: number[]): string {
  const small = sizes.filter((s) => s < 1000).length;
  return `${sizes.length} chunks, first ${sizes.slice(0, 9).join(",")}…, largest ${
    Math.max(...sizes)
  }, ${small} under 1000 rows`;
}

// ---------------------------------------------------------------------------------------------
// (a) trivial rows

async function trivial(): Promise<void> {
  const rows = 1_000_000;
  const m = w.xyRows(rows);
  const runs = 9, warmup = 3;
  say(`\n(a) trivial rows: ${rows.toLocaleString("en")} rows [x, y] → x*y + sin(x)`);
  const out: (string | number)[][] = [];
  const serial = await timeSerial("trivialInline", m, 0, runs, warmup);
  out.push([
    "serial loop, main thread (hand-written)",
    fmt(serial),
    rate(rows, serial),
    "1.00",
    "-",
  ]);
  for (const name of ["trivialPlain", "trivialReflect"]) {
    const ms = await timeSerial(name, m, 0, runs, warmup);
    out.push([
      `serial loop, main thread (${name})`,
      fmt(ms),
      rate(rows, ms),
      fmt(serial / ms, 2),
      "-",
    ]);
  }
  let adaptive: number[] = [];
  for (const chunkSize of [undefined, 1000, 62_500]) {
    await using pm = pool(2, chunkSize);
    const names = chunkSize === undefined
      ? ["trivialInline", "trivialPlain", "trivialReflect"]
      : ["trivialInline"];
    for (const name of names) {
      const t = await timePool(pm, name, m, 0, runs, warmup);
      if (chunkSize === undefined && name === "trivialInline") adaptive = t.sizes;
      const label =
        `2 workers, ${chunkSize === undefined ? "adaptive" : `chunkSize ${chunkSize}`}` +
        ` (${name})`;
      out.push([label, fmt(t.ms), rate(rows, t.ms), fmt(serial / t.ms, 2), t.chunks]);
    }
  }
  table(["case", "ms", "rows/s", "vs serial", "chunks"], out);
  say(`  adaptive chunks: ${sizesSummary(adaptive)}`);
}

// ---------------------------------------------------------------------------------------------
// (b) ≈ 1 ms rows

async function busy(iterations: number): Promise<void> {
  const rows = 2000;
  const m = w.xyRows(rows);
  const runs = 3, warmup = 1;
  say(
    `\n(b) ≈ 1 ms rows: ${rows} rows, busy loop of ${iterations} iterations` +
      " (calibrated on the main thread)",
  );
  const out: (string | number)[][] = [];
  for (const name of ["busyReflect", "busyPlain"]) {
    const serial = await timeSerial(name, m, iterations, runs, warmup);
    let t1: PoolTiming, t2: PoolTiming;
    {
      await using pm = pool(1);
      t1 = await timePool(pm, name, m, iterations, runs, warmup);
    }
    {
      await using pm = pool(2);
      t2 = await timePool(pm, name, m, iterations, runs, warmup);
    }
    out.push([
      name,
      fmt(serial / rows, 3),
      fmt(t1.ms),
      fmt(t2.ms),
      fmt(t1.ms / (2 * t2.ms), 3),
      fmt(serial / (2 * t2.ms), 3),
      `${t1.chunks} / ${t2.chunks}`,
    ]);
  }
  table(
    ["call", "serial ms/row", "T1 ms", "T2 ms", "T1/(2 T2)", "serial/(2 T2)", "chunks T1 / T2"],
    out,
  );
  say("  serial: all rows in one call on the main thread; T1, T2: 1- and 2-worker pools");
}

// ---------------------------------------------------------------------------------------------
// (c) skewed rows

async function skewed(unitIterations: number): Promise<void> {
  const rows = 1000;
  const m = w.skewedRows(rows, 0.1, 100);
  const runs = 3, warmup = 1;
  const units = w.totalUnits(m);
  say(
    `\n(c) skewed rows: ${rows} rows, first 10% cost 100 units, the rest 1 unit (${units} units;` +
      ` unit = ${unitIterations} iterations ≈ 0.1 ms)`,
  );
  const out: (string | number)[][] = [];
  const name = "skewedReflect";
  const serial = await timeSerial(name, m, unitIterations, runs, warmup);
  const ideal = serial / 2;
  out.push(["serial loop, main thread", fmt(serial), "-", "-"]);
  out.push(["ideal on 2 workers (serial / 2)", fmt(ideal), "1.00", "-"]);
  for (
    const [label, chunkSize] of [["adaptive (dynamic)", undefined], [
      `static: chunkSize ${Math.ceil(rows / 2)} (numpy.array_split, 2 futures)`,
      Math.ceil(rows / 2),
    ]] as const
  ) {
    await using pm = pool(2, chunkSize);
    const t = await timePool(pm, name, m, unitIterations, runs, warmup);
    out.push([`2 workers, ${label}`, fmt(t.ms), fmt(t.ms / ideal, 3), t.chunks]);
  }
  table(["case", "ms", "vs ideal", "chunks"], out);
}

// ---------------------------------------------------------------------------------------------
// (d) startup

async function firstResult(): Promise<number> {
  const m = w.xyRows(10);
  const t0 = performance.now();
  await using pm = pool(2);
  const first = Promise.withResolvers<number>();
  await pm.scatter(BUILD, {}, fn("trivialInline"), m, {
    onResult: () => first.resolve(performance.now() - t0),
  });
  const ms = await first.promise;
  await pm.gather();
  return ms;
}

async function child(flag: string): Promise<{ wall: number; stdout: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-worker-options", new URL(import.meta.url).pathname, flag],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const wall = performance.now() - t0;
  if (!out.success) throw new Error(`child ${flag} failed with code ${out.code}`);
  return { wall, stdout: new TextDecoder().decode(out.stdout) };
}

async function startup(): Promise<void> {
  say("\n(d) startup, 2 workers, 10 trivial rows");
  const inProcess = await measure(firstResult, 7, 1);
  const children = await measure(() => child("--sweep10"), 5, 1);
  const whole = children.map((c) => c.wall);
  const childFirst = children.map((c) => Number(c.stdout.trim()));
  table(["case", "ms"], [
    [
      "new pool → first onResult, in this process (median of 7 after 1)",
      fmt(median(inProcess)),
    ],
    ["new pool → first onResult, fresh process (median of 5 after 1)", fmt(median(childFirst))],
    ["whole `deno run` of a 10-row sweep, spawn to exit (median of 5 after 1)", fmt(median(whole))],
  ]);
}

// Child: a whole 10-row sweep; prints the time from new pool to first result.
async function sweep10(): Promise<void> {
  console.log(fmt(await firstResult(), 2));
}

// ---------------------------------------------------------------------------------------------
// (e) peak RSS

function vmHwm(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// Child: one 1M-row sweep with 3 outputs per row, sampling RSS.
async function rssChild(): Promise<void> {
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const sample = () => {
    const rss = Deno.memoryUsage().rss;
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, 1);
  const m = w.xyRows(1_000_000);
  sample();
  const t0 = performance.now();
  await using pm = pool(2);
  await pm.scatter(BUILD, {}, fn("trivial3"), m, { onResult: sample });
  const results = await pm.gather();
  const ms = performance.now() - t0;
  sample();
  let values = 0;
  for (const r of results) values += (r.results as Float64Array).length;
  clearInterval(timer);
  console.log(JSON.stringify({ before, peak, hwm: vmHwm(), values, ms, chunks: results.length }));
}

async function rss(): Promise<void> {
  say("\n(e) peak RSS: 1,000,000 rows, 3 outputs per row, 2 workers, fresh process");
  const samples: { before: number; peak: number; hwm?: number; values: number; ms: number }[] =
    (await measure(() => child("--rss"), 3, 0)).map((c) => JSON.parse(c.stdout));
  const mb = (b: number) => fmt(b / 2 ** 20);
  table(["run", "RSS at start MB", "peak RSS sampled MB", "VmHWM MB", "outputs", "sweep ms"], [
    ...samples.map((s, i) => [
      String(i + 1),
      mb(s.before),
      mb(s.peak),
      s.hwm === undefined ? "-" : mb(s.hwm),
      s.values,
      fmt(s.ms),
    ]),
  ]);
}

// ---------------------------------------------------------------------------------------------

// `deno bench bench/` loads this file too (its name ends in _bench.ts): run only as a script.
if (!import.meta.main) {
  // nothing: imported, not run
} else if (Deno.args.includes("--sweep10")) {
  await sweep10();
} else if (Deno.args.includes("--rss")) {
  await rssChild();
} else {
  const t0 = performance.now();
  console.log(
    `psweep pool benchmark: Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ` +
      `${navigator.hardwareConcurrency} CPUs, ${Deno.build.target}`,
  );
  // Calibrated on the main thread with direct calls of busyRow.
  await waitForQuiet();
  const iterations = w.calibrate(1);
  const unitIterations = Math.round(iterations / 10);
  await section(startup);
  await section(rss);
  await section(trivial);
  await section(() => busy(iterations));
  await section(() => skewed(unitIterations));
  console.log(`\ntotal ${fmt((performance.now() - t0) / 1000)} s`);
}
