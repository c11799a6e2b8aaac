/**
 * The sweep layer's cost (issue 4), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/sweep_report.ts
 * ```
 *
 * 1,000,000 points of a trivial 3-output model on 2 workers:
 * - `raw`: the raw worker pool running the model per row, results kept in memory;
 * - `raw+csv`: the same, with each chunk also encoded as CSV in its worker and appended to a
 *   file by the main thread as chunks arrive (what a user of the raw manager would write by
 *   hand: no row order, no resume, no progress);
 * - `sweep`, `sweep+csv`, `sweep+jsonl`: `parameterSweep` without files, and streaming to CSV
 *   and to JSON Lines; `stream+csv`: streaming to CSV with `keepResult: false` (what the CLI
 *   runs: no rows kept in memory, statistics as rows stream);
 * - `sweep+arrow`, `sweep+h5`, `sweep+parquet`: streaming to an Arrow IPC stream, to HDF5 (appended
 *   every 65,536 rows or 250 ms) and to Parquet (streamed to `.partial.arrow`, then written a
 *   row group at a time at the end). "vs sweep" is each case's time over the sweep without files.
 *
 * Each case runs in a fresh child process (so that start-up, JIT warm-up and peak RSS are those
 * of a real run), in 5 rounds of every case in turn (so that a round's cases share the load of
 * a shared machine); the table shows the median of the 5, and the lines under it the ratios of
 * `sweep+csv` to `raw+csv` (and `sweep` to `raw`) round by round, their spread. `--cases
 * raw+csv,sweep,sweep+csv` runs some cases only (`raw` always). At the end `raw+csv` and
 * `sweep+csv` run once more and their files are compared: the same header and the same lines,
 * byte for byte (the baseline writes them in the order chunks arrive), or the bench fails. "CPU ms" is the process's CPU time over
 * the run, every thread, user and system: on a machine with C cores no schedule can finish in
 * less than CPU / C. For the sweeps, "RSS 25/50/100%" is the
 * resident memory when a quarter, half and all of the rows were on disk (or in the result):
 * flat memory means it grows by no more than the result's own columns.
 *
 * A last line measures the floor under any text output: formatting the 1M rows as CSV in one
 * warm thread.
 *
 * @module
 */

import { childArgs } from "./_child.ts";
import process from "node:process";
import { DenoWorkerManager, linearSample, parameterSweep, type SweepOptions } from "../mod.ts";
import { buildCombinations } from "../src/sampling/mod.ts";
import { encodeBatch } from "../src/io/_rows.ts";

const MODEL = new URL("./models/trivial3.ts", import.meta.url);
const REPO = new URL("../", import.meta.url).pathname;
const params = { x: linearSample(0, 1, 1000), y: linearSample(0, 1, 1000) };
const CASES = [
  "raw",
  "raw+csv",
  "sweep",
  "sweep+csv",
  "stream+csv",
  "sweep+jsonl",
  "sweep+arrow",
  "sweep+h5",
  "sweep+parquet",
] as const;
type Case = typeof CASES[number];
interface Run {
  ms: number;
  /** CPU time of the whole process (every thread, user + system) over the run. */
  cpuMs: number;
  rss: number;
  at: number[];
}

function statusMb(field: "VmHWM" | "VmRSS"): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Deno.memoryUsage().rss / 2 ** 20;
}

async function runCase(which: Case, withMarks: boolean, keep?: string): Promise<Run> {
  const dir = await Deno.makeTempDir();
  const at: number[] = [];
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (which.startsWith("raw")) {
      const combos = buildCombinations(params);
      await using pm = new DenoWorkerManager({ workers: 2, permissions: { read: [REPO] } });
      const module = MODEL.href;
      if (which === "raw") {
        await pm.scatter({ module, name: "build" }, {}, { module, name: "executeRows" }, combos);
        await pm.gather();
      } else {
        using file = await Deno.open(`${dir}/r.csv`, { write: true, createNew: true });
        let tail = file.write(new TextEncoder().encode("x,y,a,b,c,success\n")).then(() => {});
        await pm.scatter(
          { module, name: "build" },
          {},
          { module, name: "executeRowsCsv" },
          combos,
          {
            onResult: (chunk) => {
              const { csv } = chunk.results as { csv: Uint8Array };
              tail = tail.then(async () => {
                for (let at = 0; at < csv.length;) at += await file.write(csv.subarray(at));
              });
            },
          },
        );
        await pm.gather();
        await tail;
      }
    } else {
      const rows = 1e6;
      const marks = [0.25, 0.5];
      // (Typed as a kept sweep: the cases differ in keepResult at run time.)
      await parameterSweep(
        <SweepOptions> {
          model: MODEL,
          params,
          workers: 2,
          // What the CLI runs: the same sweep keeping no rows in memory (the summary only).
          ...(which === "stream+csv" ? { keepResult: false } : {}),
          csv: which === "sweep+csv" || which === "stream+csv" ? `${dir}/r.csv` : undefined,
          jsonl: which === "sweep+jsonl" ? `${dir}/r.jsonl` : undefined,
          arrow: which === "sweep+arrow" ? `${dir}/r.arrow` : undefined,
          h5: which === "sweep+h5" ? `${dir}/r.h5` : undefined,
          parquet: which === "sweep+parquet" ? `${dir}/r.parquet` : undefined,
          // Only in the run that samples memory: progress costs a little time.
          progressIntervalMs: withMarks ? 0 : undefined,
          onProgress: withMarks
            ? (p) => {
              while (marks.length > 0 && p.done >= marks[0] * rows) {
                marks.shift();
                at.push(statusMb("VmRSS"));
              }
            }
            : undefined,
        },
      );
      if (withMarks) at.push(statusMb("VmRSS"));
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (keep) await Deno.copyFile(`${dir}/r.csv`, keep);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1e3, rss: statusMb("VmHWM"), at };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function textFloorMs(): number {
  const combos = buildCombinations(params);
  const rows = combos.rows;
  const outputs = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const x = combos.data[2 * r], y = combos.data[2 * r + 1];
    outputs.set([x * y + Math.sin(x), x - y, 2 * x], 3 * r);
  }
  const header = { extraNames: [], paramNames: ["x", "y"], outputNames: ["a", "b", "c"] };
  const success = new Uint8Array(rows).fill(1);
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    for (let r0 = 0; r0 < rows; r0 += 20_000) {
      const r1 = Math.min(rows, r0 + 20_000);
      encodeBatch("csv", header, {
        rows: r1 - r0,
        params: combos.data.subarray(2 * r0, 2 * r1),
        outputs: outputs.subarray(3 * r0, 3 * r1),
        success: success.subarray(r0, r1),
      });
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Runs one case in a fresh process. */
async function child(which: Case, ...flags: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: childArgs(import.meta.url, "--case", which, ...flags),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`case ${which} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

// The baseline is fair only if it writes what the sweep writes: the same header and the same
// lines, byte for byte (the hand-written one in the order chunks arrive, the sweep in row order).
async function sameCsv(): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const lines = async (which: Case) => {
      await child(which, "--keep", `${dir}/${which}.csv`);
      const text = await Deno.readTextFile(`${dir}/${which}.csv`);
      const all = text.split("\n");
      return { header: all[0], rows: all.slice(1, -1).sort(), bytes: text.length };
    };
    const raw = await lines("raw+csv");
    const sweep = await lines("sweep+csv");
    const same = raw.header === sweep.header && raw.bytes === sweep.bytes &&
      raw.rows.length === sweep.rows.length && raw.rows.every((l, i) => l === sweep.rows[i]);
    if (!same) {
      throw new Error("raw+csv and sweep+csv wrote different CSV: the baseline is not fair");
    }
    return `raw+csv and sweep+csv wrote the same header and the same ${raw.rows.length} lines (${raw.bytes} bytes)`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (Deno.args[0] === "--case") {
  const keep = Deno.args.indexOf("--keep");
  console.log(
    JSON.stringify(
      await runCase(
        Deno.args[1] as Case,
        Deno.args.includes("--marks"),
        keep > 0 ? Deno.args[keep + 1] : undefined,
      ),
    ),
  );
} else if (import.meta.main) {
  // `--cases raw,raw+csv,...` runs some of the cases (raw always, as the reference).
  const only = Deno.args.indexOf("--cases");
  const cases = only >= 0
    ? CASES.filter((c) => c === "raw" || Deno.args[only + 1].split(",").includes(c))
    : [...CASES];
  const ROUNDS = 5;
  // Rounds of every case in turn, so that each round's cases ran under the same load; the
  // ratios of each round then show the spread a shared machine gives them.
  const runs = new Map<Case, Run[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of cases) runs.get(which)!.push(await child(which));
  }
  const ats = new Map<Case, number[]>();
  // Then one run of each sweep that samples memory as rows finish.
  for (const which of cases) {
    if (which.startsWith("sweep") || which.startsWith("stream")) {
      ats.set(which, (await child(which, "--marks")).at);
    }
  }
  const rows: string[][] = [];
  const medians = new Map<Case, number>();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const which of cases) {
    const mine = runs.get(which)!;
    const ms = median(mine.map((r) => r.ms));
    const rss = median(mine.map((r) => r.rss));
    const cpuMs = median(mine.map((r) => r.cpuMs));
    const at = ats.get(which) ?? [];
    medians.set(which, ms);
    const raw = medians.get("raw")!;
    const rawCsv = medians.get("raw+csv");
    const sweep = medians.get("sweep");
    rows.push([
      which,
      ms.toFixed(0),
      `${(1e6 / ms / 1e3).toFixed(2)} M/s`,
      (ms / raw).toFixed(2),
      which.endsWith("csv") && rawCsv ? (ms / rawCsv).toFixed(2) : "",
      which.startsWith("sweep+") && sweep ? (ms / sweep).toFixed(2) : "",
      cpuMs.toFixed(0),
      rss.toFixed(0),
      at.map((x) => x.toFixed(0)).join(" / "),
    ]);
  }
  const head = [
    "case (1M points, 2 workers)",
    "ms",
    "points/s",
    "vs raw",
    "vs raw+csv",
    "vs sweep",
    "CPU ms",
    "peak RSS MB",
    "RSS 25/50/100% MB",
  ];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [head, ...rows]) {
    console.log(r.map((x, c) => c ? x.padStart(widths[c]) : x.padEnd(widths[c])).join("  "));
  }
  const perRound = (a: Case, b: Case) => {
    const x = runs.get(a), y = runs.get(b);
    if (!x || !y) return;
    const wall = x.map((r, i) => r.ms / y[i].ms);
    const cpu = x.map((r, i) => r.cpuMs / y[i].cpuMs);
    const show = (v: number[]) =>
      `${v.map((r) => r.toFixed(2)).join(", ")} (median ${median(v).toFixed(2)})`;
    console.log(`${a} / ${b}, each round: wall ${show(wall)}; CPU ${show(cpu)}`);
  };
  perRound("sweep+csv", "raw+csv");
  perRound("stream+csv", "raw+csv");
  perRound("sweep", "raw");
  if (cases.includes("raw+csv") && cases.includes("sweep+csv")) console.log(await sameCsv());
  console.log(
    `Formatting the 1M rows as CSV in one warm thread (the floor of any text output): ${
      textFloorMs().toFixed(0)
    } ms`,
  );
}
