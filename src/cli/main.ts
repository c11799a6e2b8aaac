// The psweep command line: `deno run -A jsr:@x/psweep [command] ...`. mod.ts loads this module
// only when run as a program, so library users never load CLI code.
import { basename, dirname, extname, join } from "node:path";
import { pathExists } from "../io/_fs.ts";
import { formatOfPath, resultsFormat, type ResultsFormatName } from "../io/_formats.ts";
import { describe } from "../_describe.ts";
import { linearSample } from "../sampling/samplers.ts";
import type { SweepResult } from "../sweep/sweep_result.ts";
import { parameterSweep, recursiveParameterSweep } from "../sweep/parameter_sweep.ts";
import type { SweepOptions } from "../sweep/sweep_options.ts";
import { formatProgressLine, type Progress } from "../io/progress.ts";
import { type FlagSpec, parseFlags } from "./_args.ts";
import { RunError, UsageError } from "./_errors.ts";
import { terminalSafe } from "./_terminal_text.ts";
import { canRunHere, followParent, relaunch, RELAUNCHED } from "./_relaunch.ts";
import { VERSION } from "./_version.ts";
import { launcherRank, underMpiLauncher } from "../parallel/_mpi_ffi.ts";
import {
  MAX_SEED,
  MAX_TIMEOUT_MS,
  MAX_WORKERS,
  PATH_PERMISSION_KINDS,
  PERMISSION_KINDS,
} from "../_limits.ts";
import { loadSweepFile, type SweepSpec } from "./sweep_file.ts";
import { writeInit } from "./init.ts";
import { asInvoked, invocationText, shellWord } from "./_invocation.ts";

const HELP = `psweep ${VERSION}: parameter sweeps in parallel, in permission-scoped workers

Usage:
  psweep                      run the demo: a reverse-osmosis model over a grid, on every core
  psweep run <sweep-file>     run a sweep described in a JSON or YAML file
  psweep init [dir]           write a starter model and sweep file
  psweep report <results.csv> write an HTML report of a results file
  psweep worker --redis <url> run points of sweeps published on Redis, on this machine
  psweep --help | --version

Run 'psweep <command> --help' for a command's options. Examples:
  deno run -A jsr:@x/psweep
  deno run -A jsr:@x/psweep init my-sweep
  deno run -A jsr:@x/psweep run my-sweep/sweep.yaml --workers 4 --out results.csv
`;

// The order a run names its results files in (the first is the one messages and --report use).
const FORMAT_ORDER: readonly ResultsFormatName[] = ["csv", "jsonl", "arrow", "h5", "parquet"];

const RUN_HELP = `psweep run <sweep-file> [options]

Runs the sweep a JSON or YAML file describes (see 'psweep init' for a starter file). Relative
paths in the file resolve against the file. Flags override the file.

Options:
  --workers <n>        workers to run on (default: the file's, else every core); under an MPI
                       launcher, each rank's (default: its share of the machine's cores)
  --mpi                require an MPI launcher (mpirun, srun): every rank runs this command,
                       rank 0 writes the files (found without the flag too; see the README)
  --seed <n>           seed of random and LHS samplers
  --out <path>         results file (.csv, .jsonl, .arrow, .h5 or .parquet); default: the file's
  --resume             continue an interrupted sweep: compute only the rows not on disk
  --overwrite          replace an existing results file
  --timeout <ms>       time limit per point
  --redis <url>        run the points on 'psweep worker' daemons through this Redis server
  --report             also write an HTML report next to the results
  --quiet              no progress and no summary
  --json               print a machine-readable summary on stdout
  --debug              show stack traces
  --allow-read[=<paths>], --allow-write[=<paths>], --allow-net[=<hosts>], --allow-env[=<names>],
  --allow-run[=<cmds>], --allow-sys, --allow-ffi, --allow-import[=<hosts>]
                       widen what the model may do (by default it may read only its own directory)

Examples:
  psweep run sweep.yaml
  psweep run sweep.json --workers 2 --seed 7 --out results.csv
  psweep run sweep.yaml --resume
  mpirun -n 4 deno run -A jsr:@x/psweep run sweep.yaml --mpi
`;

const DEMO_HELP = `psweep [options]

Runs the embedded demo: a reverse-osmosis desalination stage (feed pressure x salinity -> water
recovery, permeate flux, specific energy, permeate salinity) over a grid on every core. Writes
psweep-demo.csv in the current directory (or the next free name: it never overwrites a file).

Options: --workers <n>, --out <path>, --resume, --quiet, --json, --report, --debug

Examples:
  deno run -A jsr:@x/psweep
  deno run -A jsr:@x/psweep --workers 2 --out demo.csv --report
`;

const INIT_HELP = `psweep init [dir]

Writes a starter model (model.js) and sweep file (sweep.yaml) into dir (default: the current
directory) that 'psweep run' accepts as they are. Existing files are never overwritten.

Example:
  psweep init my-sweep && psweep run my-sweep/sweep.yaml
`;

const REPORT_HELP = `psweep report <results.csv> [--out <page.html>] [--overwrite]

Writes one self-contained HTML page for a results file (.csv, .jsonl, .arrow, .h5 or .parquet):
the sweep's settings, summary statistics, and a line chart (one swept parameter) or heatmap (two)
per output, with failed points marked.

Example:
  psweep report results.csv --out results.html
`;

// How the library words a recursive sweep's shortfall among its warnings.
const SHORTFALL = "the recursive sweep found ";

// numpy's seeds: 32-bit unsigned integers. The pool's limits: threads, and what timers hold.

const RUN_FLAGS: FlagSpec = {
  workers: { type: "string" },
  mpi: { type: "boolean" },
  seed: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  timeout: { type: "string" },
  redis: { type: "string" },
  report: { type: "boolean" },
  quiet: { type: "boolean" },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "allow-read": { type: "string", multiple: true },
  "allow-write": { type: "string", multiple: true },
  "allow-net": { type: "string", multiple: true },
  "allow-env": { type: "string", multiple: true },
  "allow-run": { type: "string", multiple: true },
  "allow-sys": { type: "string", multiple: true },
  "allow-ffi": { type: "string", multiple: true },
  "allow-import": { type: "string", multiple: true },
};

/** Runs the CLI with `args`; resolves with the process exit code. */
export async function main(args: string[]): Promise<number> {
  const relaunched = args[0] === RELAUNCHED;
  if (relaunched) args = args.slice(1);
  // A relaunched run must not outlive the psweep that started it.
  if (relaunched) followParent();
  const debug = args.includes("--debug");
  try {
    return await dispatch(args, relaunched);
  } catch (e) {
    const error = e as Error;
    // A model's text (its error messages) reaches the terminal only with its controls escaped.
    if (debug) console.error(terminalSafe(Deno.inspect(error)));
    else console.error(terminalSafe(`psweep: ${asInvoked(error?.message ?? String(e))}`));
    return e instanceof UsageError ? 2 : 1;
  }
}

async function dispatch(args: string[], relaunched: boolean): Promise<number> {
  const [command, ...rest] = args;
  if (command === "--version" || command === "-V") {
    console.log(`psweep ${VERSION}`);
    return 0;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(asInvoked(HELP));
    return 0;
  }
  if (command === undefined || command.startsWith("-") || command === "demo") {
    const demoArgs = command === "demo" ? rest : args;
    return await withScopedWorkers(args, relaunched, (scoped) => demo(demoArgs, scoped));
  }
  switch (command) {
    case "run":
      return await withScopedWorkers(args, relaunched, (scoped) => run(rest, scoped));
    case "init":
      return await init(rest);
    case "report":
      return await report(rest);
    case "worker":
      return await withScopedWorkers(args, relaunched, async (scoped) => {
        const { worker } = await import("./worker.ts");
        return await worker(rest, scoped);
      });
    default:
      throw new UsageError(
        `unknown command ${
          describe(command)
        }: expected run, init, report or worker (see 'psweep --help')`,
      );
  }
}

// Commands that start workers run in a process that can scope them; help needs none. `fn` learns
// whether this process is the CLI's own relaunch, started with --unstable-worker-options
// --no-prompt: its pools are then told so, as they cannot always read Deno's flags themselves.
async function withScopedWorkers(
  args: string[],
  relaunched: boolean,
  fn: (relaunched: boolean) => Promise<number>,
): Promise<number> {
  if (relaunched || canRunHere() || args.includes("--help") || args.includes("-h")) {
    return await fn(relaunched);
  }
  return await relaunch(args);
}

function intFlag(
  value: unknown,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  // Digits only: Number("") and Number(" ") are 0, and "1e3" or "0x10" are not what users type.
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${flag} must be an integer from ${min} to ${max}: current value is ${describe(value)}`,
    );
  }
  return n;
}

// Deno's --allow-x flags take an optional value; parseArgs needs one, so a bare flag gets "".
function allowFlags(args: string[]): string[] {
  return args.map((a) => (/^--allow-[a-z]+$/.test(a) ? `${a}=` : a));
}

async function demo(args: string[], relaunched: boolean): Promise<number> {
  const { flags } = parseFlags(allowFlags(args), RUN_FLAGS, "demo");
  if (flags.help) {
    console.log(asInvoked(DEMO_HELP));
    return 0;
  }
  // A resumed demo continues the first demo file; a new one never overwrites a file.
  const out = (flags.out as string | undefined) ??
    (flags.resume ? "psweep-demo.csv" : freeName("psweep-demo", ".csv"));
  const spec: SweepSpec = {
    model: new URL("./demo/ro_model.ts", import.meta.url).href,
    params: { pressure: linearSample(20, 80, 31), salinity: linearSample(2, 45, 25) },
    outputs: ["recovery", "fluxLmh", "energyKwhPerM3", "permeateMgPerL"],
  };
  if (!flags.quiet && !flags.json) {
    console.error(
      "psweep demo: a reverse-osmosis stage, feed pressure (bar) x feed salinity (g/L)",
    );
  }
  return await execute(
    spec,
    flags,
    out,
    "demo",
    flags.out === undefined ? [...args, "--out", out] : args,
    relaunched,
  );
}

async function run(args: string[], relaunched: boolean): Promise<number> {
  const { flags, positionals } = parseFlags(allowFlags(args), RUN_FLAGS, "run");
  if (flags.help) {
    console.log(asInvoked(RUN_HELP));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `run takes one sweep file: got ${positionals.length} arguments (see 'psweep run --help')`,
    );
  }
  const spec = await loadSweepFile(positionals[0]);
  let out = flags.out as string | undefined;
  const argv = ["run", ...args];
  if (out === undefined && FORMAT_ORDER.every((f) => spec[f] === undefined)) {
    // Nothing computed is thrown away: without a results file the rows go beside the sweep file,
    // in a new file (a resume continues the first one), and the resume hint names it.
    const file = positionals[0];
    const stem = join(dirname(file), basename(file, extname(file)));
    out = flags.resume ? `${stem}.csv` : freeName(stem, ".csv");
    argv.push("--out", out);
    if (!flags.quiet && !flags.json) {
      console.error(
        `psweep: the sweep file names no results file (csv, jsonl, arrow, h5, parquet) and no --out was given: writing ${out}`,
      );
    }
  }
  return await execute(spec, flags, out, positionals[0], argv, relaunched);
}

// `argv`: the command's words as typed (after `psweep`), repeated in the resume hint.
async function execute(
  spec: SweepSpec,
  flags: Record<string, unknown>,
  out: string | undefined,
  source: string,
  argv: string[],
  relaunched: boolean,
): Promise<number> {
  const workers = intFlag(flags.workers, "workers", 1, MAX_WORKERS) ?? spec.workers;
  const seed = intFlag(flags.seed, "seed", 0, MAX_SEED) ?? spec.seed;
  const timeout = flags.timeout === undefined ? spec.timeout : Number(flags.timeout);
  if (out !== undefined && formatOfPath(out) === undefined) {
    throw new UsageError(
      `--out must name a .csv or .jsonl results file, or an .arrow, .h5 or .parquet one: current value is ${
        describe(out)
      }`,
    );
  }
  if (timeout !== undefined && !(timeout > 0 && timeout <= MAX_TIMEOUT_MS)) {
    throw new UsageError(
      `--timeout must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}: current value is ${
        describe(flags.timeout)
      }`,
    );
  }
  // The results files by format: the sweep file's, or the one --out names instead.
  const files: Partial<Record<ResultsFormatName, string>> = out !== undefined
    ? { [formatOfPath(out)!]: out }
    : { csv: spec.csv, jsonl: spec.jsonl, arrow: spec.arrow, h5: spec.h5, parquet: spec.parquet };
  const { csv, jsonl } = files;
  const paths = FORMAT_ORDER.map((f) => files[f]).filter((p): p is string => p !== undefined);
  const recursive = spec.numSamples !== undefined;
  if (flags.resume && flags.overwrite) {
    throw new UsageError(
      "--resume and --overwrite exclude each other: --resume continues the results file, --overwrite replaces it",
    );
  }
  if (recursive && flags.resume) {
    throw new UsageError(
      "--resume cannot continue a recursive sweep (numSamples): each round depends on the last; run it again",
    );
  }
  if (flags.resume && paths.length === 0) {
    throw new UsageError(
      "--resume needs a results file: set csv, jsonl, arrow, h5 or parquet in the sweep file, or pass --out",
    );
  }
  // A report in the way is found before the sweep runs, not after.
  const where = paths[0];
  if (flags.report && where && !flags.overwrite && !flags.resume) {
    const { reportPath } = await import("./report.ts");
    await refuseExisting(reportPath(where), false);
  }
  if (flags.mpi && !underMpiLauncher()) {
    throw new UsageError(
      "--mpi needs an MPI launcher: run it as `mpirun -n <ranks> deno run -A jsr:@x/psweep run <file> --mpi` (or srun); no launcher's environment was found",
    );
  }
  // Under MPI every rank runs this command; only rank 0 prints, writes and reports.
  const follower = (launcherRank() ?? 0) !== 0 && underMpiLauncher();
  const quiet = Boolean(flags.quiet) || follower;
  const json = Boolean(flags.json) && !follower;
  const view = quiet || json ? undefined : new ProgressView();
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  // SIGTERM too (what `kill` sends, and what a relaunching parent passes on): rows are written
  // and the resume command printed either way.
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const redis = (flags.redis as string | undefined) ?? spec.redis;
  const manager = redis ? await redisManager(redis, flags, spec) : undefined;
  const options: SweepOptions = {
    model: spec.model,
    buildOptions: spec.buildOptions,
    params: spec.params,
    outputs: spec.outputs,
    seed,
    ...(manager ? { manager } : {
      workers,
      // Always given, so that one worker is a scoped worker too, never this thread's -A.
      permissions: widen(spec.permissions, flags) ?? "none",
      assumeWorkerOptions: relaunched,
      assumeNoPrompt: relaunched,
    }),
    timeout,
    // A recursive sweep's rows are known only at the end: the CLI writes them then.
    csv: recursive ? undefined : csv,
    jsonl: recursive ? undefined : jsonl,
    arrow: recursive ? undefined : files.arrow,
    h5: recursive ? undefined : files.h5,
    parquet: recursive ? undefined : files.parquet,
    resume: Boolean(flags.resume),
    // A recursive sweep's file is written here, at the end: the CLI checks it itself.
    overwrite: recursive ? undefined : Boolean(flags.overwrite),
    signal: controller.signal,
    onProgress: view ? (p) => view.update(p) : undefined,
    progressIntervalMs: Deno.stderr.isTerminal() ? 100 : 2000,
  };
  let result: SweepResult;
  try {
    if (recursive) {
      for (const path of paths) {
        if (!follower) await refuseExisting(path, Boolean(flags.overwrite));
      }
      result = await recursiveParameterSweep({
        ...options,
        numSamples: spec.numSamples!,
        maxRounds: spec.maxRounds,
      });
      for (const path of paths) if (!follower) await writeResult(path, result);
    } else {
      result = await parameterSweep(options);
    }
  } catch (e) {
    view?.end();
    if (controller.signal.aborted) {
      if (
        recursive || !where ||
        !await (await resultsFormat(formatOfPath(where)!)).exists(where)
      ) {
        console.error(terminalSafe(
          recursive
            ? "psweep: stopped. A recursive sweep writes its results only once it completes: nothing was written; run it again"
            : where
            ? `psweep: stopped before any row reached ${where}: nothing was written; run it again`
            : "psweep: stopped. No results file was set: nothing was written",
        ));
        return 130;
      }
      // The command as typed, so that the same flags (permissions, seed, timeout...) apply; a
      // sweep drawn with a fresh seed resumes with the one its file recorded.
      const again = [
        invocationText(),
        ...argv.filter((a) => a !== "--resume" && a !== "--overwrite").map(shellWord),
        "--resume",
      ].join(" ");
      console.error(
        terminalSafe(`psweep: stopped. Every finished row is in ${where}; resume with: ${again}`),
      );
      return 130;
    }
    throw cliWording(e, source === "demo" ? undefined : source);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    await manager?.close();
  }
  view?.end();
  const samples = result.samples;
  const short = samples !== undefined && samples.found < samples.requested;
  // Warnings go to stderr whatever --quiet or --json says: they qualify the numbers. A recursive
  // sweep's shortfall is the run's error line instead (below).
  for (const warning of result.warnings) {
    if (!(short && warning.startsWith(SHORTFALL))) console.error(`psweep: warning: ${warning}`);
  }
  if (json) {
    console.log(JSON.stringify(summaryJson(result, where)));
  } else if (!quiet) {
    console.error(terminalSafe(summaryTable(result, where)));
  }
  if (flags.debug) {
    // Where the model failed, from the worker: the first row of each kind of error.
    const which = result.samples ? "draw" : "row";
    for (const [row, stack] of result.stacks ?? []) {
      console.error(terminalSafe(`psweep: debug: ${which} ${row} failed in the model:\n${stack}`));
    }
  }
  if (flags.report && where && !follower) {
    const { writeReport } = await import("./report.ts");
    // The page is derived from the results: a resumed or replaced run rewrites it.
    const page = await writeReport(where, undefined, {
      overwrite: Boolean(flags.overwrite || flags.resume),
    }).catch((e) => {
      throw cliWording(e);
    });
    if (!quiet && !json) console.error(terminalSafe(`report: ${page}`));
  }
  if (short) {
    const said = result.warnings.find((w) => w.startsWith(SHORTFALL));
    throw new RunError(
      said ??
        `the recursive sweep found ${samples.found} of the ${samples.requested} samples asked for`,
    );
  }
  if (result.rows > 0 && result.stats.succeeded === 0) {
    throw new RunError(
      `all ${result.rows} points failed; first error: ${
        result.errors.values().next().value ?? "unknown"
      }`,
    );
  }
  return 0;
}

// With --redis, workers and permissions are the daemons' (psweep worker --workers, --allow-*).
async function redisManager(url: string, flags: Record<string, unknown>, spec: SweepSpec) {
  const local = ["workers", "timeout", ...Object.keys(flags).filter((f) => f.startsWith("allow-"))]
    .filter((f) => flags[f] !== undefined);
  if (local.length > 0 || spec.permissions !== undefined || spec.timeout !== undefined) {
    throw new UsageError(
      `--redis runs the points on 'psweep worker' daemons, which set their own workers and permissions (psweep worker --workers, --allow-*): drop ${
        local.length > 0
          ? local.map((f) => `--${f}`).join(", ")
          : "the sweep file's permissions/timeout"
      }`,
    );
  }
  const { RedisManager } = await import("../parallel/redis_manager.ts");
  try {
    return new RedisManager({ url });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

// The model's permissions: the sweep file's, widened by --allow-* flags (Deno's own syntax).
function widen(
  base: SweepSpec["permissions"],
  flags: Record<string, unknown>,
): SweepSpec["permissions"] {
  const out: Record<string, unknown> = base === undefined || base === "none"
    ? {}
    : { ...(base as object) };
  for (const kind of PERMISSION_KINDS) {
    const values = flags[`allow-${kind}`] as string[] | undefined;
    if (!values) continue;
    const list = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    if (values.some((v) => v === "") || list.length === 0) out[kind] = true;
    else if (out[kind] !== true) {
      const abs = PATH_PERMISSION_KINDS.includes(kind)
        ? list.map((p) => (p.startsWith("/") ? p : `${Deno.cwd()}/${p}`))
        : list;
      out[kind] = [...(Array.isArray(out[kind]) ? out[kind] as string[] : []), ...abs];
    }
  }
  return Object.keys(out).length ? out as Deno.PermissionOptionsObject : base;
}

async function init(args: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, {
    help: { type: "boolean", short: "h" },
    debug: { type: "boolean" },
  }, "init");
  if (flags.help) {
    console.log(asInvoked(INIT_HELP));
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError("init takes at most one directory (see 'psweep init --help')");
  }
  const files = await writeInit(positionals[0] ?? ".");
  console.log(
    terminalSafe(
      `wrote ${files.join(" and ")}\nnext: ${invocationText()} run ${shellWord(files[1])}`,
    ),
  );
  return 0;
}

async function report(args: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(
    args,
    {
      out: { type: "string" },
      overwrite: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      debug: { type: "boolean" },
    },
    "report",
  );
  if (flags.help) {
    console.log(asInvoked(REPORT_HELP));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError("report takes one results file (see 'psweep report --help')");
  }
  const { writeReport } = await import("./report.ts");
  if (!await pathExists(positionals[0])) {
    throw new UsageError(`Cannot read results file ${positionals[0]}: it does not exist`);
  }
  let page: string;
  try {
    page = await writeReport(positionals[0], flags.out as string | undefined, {
      overwrite: Boolean(flags.overwrite),
    });
  } catch (e) {
    throw cliWording(e);
  }
  console.log(terminalSafe(page));
  return 0;
}

// Library errors speak of options; on the command line they are flags. A file in the way and
// invalid settings (the library's TypeError and RangeError, raised before any work starts) are
// usage errors, prefixed with the sweep file's name when there is one.
function cliWording(e: unknown, sweepFile?: string): unknown {
  if (!(e instanceof Error)) return e;
  const message = e.message
    .replace(
      "pass resume to continue that sweep, or overwrite to replace it",
      "run again with --resume to continue that sweep, or --overwrite to replace it",
    )
    .replace("pass { overwrite: true } to replace it", "pass --overwrite to replace it");
  // A results file in the way, or held by another run (its lock).
  if (e instanceof Deno.errors.AlreadyExists || e instanceof Deno.errors.Busy) {
    return new UsageError(message, { cause: e });
  }
  // A results file that cannot be resumed (another sweep's, changed settings, no metadata) is
  // found before any work: the command was wrong, not the run.
  if (/^Cannot resume /.test(message)) return new UsageError(message, { cause: e });
  // Only the settings checks that run before any work: an error of the same class from a run
  // (out of memory, say) is not the user's typing.
  if (
    (e instanceof TypeError || e instanceof RangeError || e instanceof Deno.errors.NotFound) &&
    /^Cannot (run a (recursive |differential )?sweep|build combinations) as /.test(e.message)
  ) {
    return new UsageError(sweepFile ? `Invalid sweep file ${sweepFile}: ${message}` : message, {
      cause: e,
    });
  }
  if (message === e.message) return e;
  const copy = new Error(message, { cause: e });
  copy.name = e.name;
  return copy;
}

async function refuseExisting(path: string, overwrite: boolean): Promise<void> {
  if (overwrite || !await pathExists(path)) return;
  throw new UsageError(`${path} already exists: pass --overwrite to replace it`);
}

// A recursive sweep's result, written once it is complete (atomically).
async function writeResult(path: string, r: SweepResult): Promise<void> {
  const format = await resultsFormat(formatOfPath(path)!);
  const P = r.paramNames.length;
  const K = r.outputNames.length;
  const params = new Float64Array(r.rows * P);
  const outputs = new Float64Array(r.rows * K);
  for (let i = 0; i < r.rows; i++) {
    r.paramNames.forEach((n, c) => (params[i * P + c] = r.params[n][i]));
    r.outputNames.forEach((n, c) => (outputs[i * K + c] = r.outputs[n][i]));
  }
  await format.finalize(path, {
    paramNames: r.paramNames,
    outputNames: r.outputNames,
    rows: r.rows,
    params,
    outputs,
    success: r.success,
    errors: Array.from({ length: r.rows }, (_, i) => r.errors.get(i)),
  });
}

function freeName(stem: string, ext: string): string {
  for (let i = 0;; i++) {
    const name = i === 0 ? `${stem}${ext}` : `${stem}-${i}${ext}`;
    try {
      Deno.lstatSync(name);
    } catch {
      return name;
    }
  }
}

/** Progress on stderr: a bar on a terminal, a plain line otherwise. */
class ProgressView {
  #tty = Deno.stderr.isTerminal();
  #drawn = false;
  #encoder = new TextEncoder();
  update(p: Progress): void {
    if (this.#tty) {
      const line = `\r${formatProgressLine(p, { width: 30 })}  `;
      Deno.stderr.writeSync(this.#encoder.encode(line));
      this.#drawn = true;
    } else {
      console.error(`progress: ${formatProgressLine(p, { style: "plain" })}`);
    }
  }
  end(): void {
    if (this.#drawn) Deno.stderr.writeSync(this.#encoder.encode("\n"));
    this.#drawn = false;
  }
}

function stats(values: Float64Array): { min: number; mean: number; max: number; n: number } {
  let min = Infinity, max = -Infinity, sum = 0, n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    n++;
  }
  return { min, mean: n ? sum / n : NaN, max, n };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3)
    ? x.toExponential(3)
    : Number(x.toPrecision(4)).toString();
}

function summaryTable(r: SweepResult, where: string | undefined): string {
  const s = r.stats;
  const lines = [
    `${r.rows} points, ${s.succeeded} succeeded, ${s.failed} failed in ${
      (s.elapsedMs / 1000).toFixed(2)
    } s` +
    (s.resumed ? ` (${s.resumed} resumed from disk)` : "") +
    (r.seed !== undefined ? `, seed ${r.seed}` : ""),
  ];
  if (r.samples) {
    const { requested, found, drawn, rounds } = r.samples;
    lines.push(
      `recursive: ${found} of ${requested} successful samples found, ${drawn} drawn in ${rounds} round${
        rounds === 1 ? "" : "s"
      }`,
    );
  }
  const rows = [
    ["", "min", "mean", "max"],
    ...r.paramNames.map((n) => [n, ...minMeanMax(r.params[n])]),
    ...r.outputNames.map((n) => [n, ...minMeanMax(r.outputs[n])]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) {
    lines.push(
      "  " +
        row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(
          "  ",
        ),
    );
  }
  if (s.failed) lines.push(`first failure: ${r.errors.values().next().value}`);
  if (where) lines.push(`results: ${where}`);
  return lines.join("\n");
}

function minMeanMax(values: Float64Array): string[] {
  const { min, mean, max, n } = stats(values);
  return n ? [fmt(min), fmt(mean), fmt(max)] : ["-", "-", "-"];
}

function summaryJson(r: SweepResult, where: string | undefined): Record<string, unknown> {
  return {
    rows: r.rows,
    succeeded: r.stats.succeeded,
    failed: r.stats.failed,
    resumed: r.stats.resumed,
    elapsedMs: r.stats.elapsedMs,
    seed: r.seed ?? null,
    results: where ?? null,
    ...(r.samples ? { samples: r.samples } : {}),
    warnings: r.warnings,
    paramNames: r.paramNames,
    outputNames: r.outputNames,
    outputs: Object.fromEntries(r.outputNames.map((n) => {
      const { min, mean, max, n: count } = stats(r.outputs[n]);
      return [n, count ? { min, mean, max, count } : { count }];
    })),
  };
}
