/**
 * Peak memory of a sweep that keeps its rows (a `SweepResult`) and of one that keeps none
 * (`keepResult: false`, what the CLI runs), side by side in one run, for each results format
 * (issue 11 point 15):
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/memory_report.ts [rows,...] [format,...] [--random | --differential | --recursive]
 * ```
 *
 * Each case is a fresh process (peak RSS never goes down within one): a sweep of trivial rows (a
 * grid of two parameters, `x` of 1,000 values and `y` of rows / 1,000, and three outputs of a few
 * flops each, `bench/models/trivial3.ts`) on 2 workers to one results file (`r.csv`, `r.arrow`,
 * `r.h5` or `r.parquet`; Parquet streams to its `.partial.arrow` and is written from it at the
 * end) in a temporary directory. The child samples `Deno.memoryUsage().rss` every 20 ms and reads
 * the kernel's peak (VmHWM in /proc/self/status) at the end; the peak is the larger. Sizes default
 * to 1M, 5M and 10M rows, formats to csv, arrow, h5 and parquet. Growth per million rows is
 * measured from the first size. A sweep that keeps no rows also runs a second time with the
 * allocator settings the CLI gives the Deno it starts (`RELAUNCH_ENV` in src/_defaults.ts), so
 * that both what the library does in a plain process and what `psweep run` does are shown.
 * `--random`: one parameter of `rows` uniform draws instead of the grid (drawn rows are held as
 * their sorted column, 8 bytes a row). `--differential`: a differential sweep of `rows` rows, a
 * quarter of them nominal (the grid, `y` of rows / 4,000 values) and 3 uniform perturbations of
 * `x` around each (its nominal rows' parameters are held; its perturbation rows and index columns are computed
 * from the row index).
 * `--recursive`: a recursive sweep asking for `rows` successes of `x` and `y` uniform (`rows`
 * draws of each; every row succeeds, so one round), to CSV only (its rounds stream to CSV or JSON
 * Lines part files, which the results file is written from).
 *
 * @module
 */

import { childArgs } from "./_child.ts";
import {
  differentialParameterSweep,
  linearSample,
  parameterSweep,
  recursiveParameterSweep,
  type Sampler,
  summarizeResult,
  type SweepSummary,
  uniformSample,
} from "../mod.ts";
import { relaunchEnv } from "../src/cli/_relaunch.ts";

const MB = 1024 * 1024;
// Trivial rows: two parameters, three outputs of a few flops (the sweep benchmark's model).
const MODEL = new URL("./models/trivial3.ts", import.meta.url).pathname;
// The grid: x takes 1,000 values, y the rest.
const X = 1000;

type Format = "csv" | "arrow" | "h5" | "parquet";
const FORMATS: readonly Format[] = ["csv", "arrow", "h5", "parquet"];

// Each case runs kept, not kept, and not kept under the CLI's allocator settings.
const RUNS = ["kept", "not kept", "cli env"] as const;
type Run = typeof RUNS[number];

interface Peak {
  rows: number;
  format: Format;
  keep: boolean;
  run?: Run;
  peakMb: number;
  seconds: number;
  fileMb: number;
}

const MODES = ["--random", "--differential", "--recursive"];
const mode = Deno.args.find((a) => MODES.includes(a));
const random = mode === "--random";
const args = Deno.args.filter((a) => !MODES.includes(a));

if (args[0] === "--child") {
  const rows = Number(args[1]);
  const keep = args[2] === "keep";
  const format = args[3] as Format;
  const dir = await Deno.makeTempDir({ prefix: "psweep_bench_memory_" });
  let peak = 0;
  const sample = () => (peak = Math.max(peak, Deno.memoryUsage().rss));
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  try {
    const path = `${dir}/r.${format}`;
    const options = {
      model: MODEL,
      params: random
        ? <Record<string, Sampler>> { x: uniformSample(0, 1, rows) }
        : { x: linearSample(0, 1, X), y: linearSample(0, 1, rows / X) },
      seed: 1,
      workers: 2,
      [format]: path,
    };
    let out: SweepSummary;
    if (mode === "--differential") {
      const differential = {
        ...options,
        params: { x: linearSample(0, 1, X), y: linearSample(0, 1, rows / (4 * X)) },
        differential: {
          x: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.1 } as const,
        },
        numDiffSamples: 3,
      };
      out = keep
        ? summarizeResult(await differentialParameterSweep(differential))
        : await differentialParameterSweep({ ...differential, keepResult: false });
    } else if (mode === "--recursive") {
      const recursive = {
        ...options,
        params: { x: uniformSample(0, 1, rows), y: uniformSample(0, 1, rows) },
        numSamples: rows,
      };
      out = keep
        ? summarizeResult(await recursiveParameterSweep(recursive))
        : await recursiveParameterSweep({ ...recursive, keepResult: false });
    } else {
      out = keep
        ? summarizeResult(await parameterSweep({ ...options, keepResult: true }))
        : await parameterSweep({ ...options, keepResult: false });
    }
    if (out.rows !== rows || out.stats.failed !== 0) throw new Error("the sweep went wrong");
    const seconds = (performance.now() - t0) / 1000;
    sample();
    const status = await Deno.readTextFile("/proc/self/status");
    const hwm = Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
    const fileMb = (await Deno.stat(path)).size / MB;
    const result: Peak = { rows, format, keep, peakMb: Math.max(peak, hwm) / MB, seconds, fileMb };
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(timer);
    await Deno.remove(dir, { recursive: true });
  }
} else {
  const sizes = (args[0] ?? "1000000,5000000,10000000").split(",").map(Number);
  const formats = (args[1]?.split(",") ?? (mode === "--recursive" ? ["csv"] : FORMATS)) as Format[];
  if (mode === "--recursive" && formats.some((f) => f !== "csv")) {
    throw new Error("--recursive writes csv only (its rounds stream to CSV part files)");
  }
  for (const format of formats) {
    if (!FORMATS.includes(format)) {
      throw new Error(`unknown format ${format}: ${FORMATS.join(", ")}`);
    }
  }
  const peaks: Peak[] = [];
  for (const rows of sizes) {
    for (const format of formats) {
      for (const run of RUNS) {
        const keep = run === "kept";
        const out = await new Deno.Command(Deno.execPath(), {
          args: childArgs(
            import.meta.url,
            "--child",
            String(rows),
            keep ? "keep" : "stream",
            format,
            ...(mode ? [mode] : []),
          ),
          // The CLI's settings on top of this environment, as the CLI adds them.
          env: run === "cli env" ? relaunchEnv((name) => Deno.env.get(name)) : {},
          stdout: "piped",
          stderr: "inherit",
        }).output();
        if (!out.success) throw new Error(`the ${rows}-row ${format} case failed`);
        const peak: Peak = {
          ...JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!),
          run,
        };
        peaks.push(peak);
        console.error(
          `${rows} rows to ${format}, ${run}: ${peak.peakMb.toFixed(0)} MB peak RSS, ${
            peak.seconds.toFixed(1)
          } s`,
        );
      }
    }
  }
  const of = (rows: number, format: Format, run: Run) =>
    peaks.find((p) => p.rows === rows && p.format === format && p.run === run)!;
  console.log(
    `\npeak RSS of a ${
      mode === "--differential" ? "differential " : mode === "--recursive" ? "recursive " : ""
    }sweep of trivial rows (${
      random || mode === "--recursive"
        ? "uniform"
        : mode === "--differential"
        ? "x, y grid, 3 perturbations of x each"
        : "x, y grid"
    } -> a, b, c) to one results file on 2 workers, ${
      new Date().toISOString().slice(0, 10)
    }, ${Deno.build.os} ${navigator.hardwareConcurrency} cores`,
  );
  console.log(
    "rows        format    kept MB   not kept MB   not kept, CLI env MB   ratio   kept s   not kept s   file MB",
  );
  for (const rows of sizes) {
    for (const format of formats) {
      const k = of(rows, format, "kept"), s = of(rows, format, "not kept");
      const e = of(rows, format, "cli env");
      console.log(
        `${String(rows).padEnd(10)}  ${format.padEnd(7)}  ${k.peakMb.toFixed(0).padStart(7)}   ${
          s.peakMb.toFixed(0).padStart(11)
        }   ${e.peakMb.toFixed(0).padStart(20)}   ${
          (k.peakMb / s.peakMb).toFixed(2).padStart(5)
        }x  ${k.seconds.toFixed(1).padStart(7)}  ${s.seconds.toFixed(1).padStart(11)}   ${
          s.fileMb.toFixed(0).padStart(7)
        }`,
      );
    }
  }
  const first = sizes[0];
  for (const rows of sizes.slice(1)) {
    for (const format of formats) {
      const per = (run: Run) =>
        (of(rows, format, run).peakMb - of(first, format, run).peakMb) /
        ((rows - first) / 1e6);
      console.log(
        `growth from ${first} to ${rows} rows, ${format}: kept ${
          per("kept").toFixed(1)
        } MB, not kept ${per("not kept").toFixed(1)} MB (CLI env ${
          per("cli env").toFixed(1)
        } MB) per million rows`,
      );
    }
  }
}
