// The `run` command (and the demo, which is a run of a built-in sweep): flags and sweep file
// into sweep options, the sweep with its progress and Ctrl-C, the summary, the resume hint.
import { basename, dirname, extname, join } from "node:path";
import { pathExists } from "../io/_fs.ts";
import { formatOfPath, resultsFormat, type ResultsFormatName } from "../io/_formats.ts";
import { describe } from "../_describe.ts";
import { linearSample } from "../sampling/samplers.ts";
import { summarizeResult, type SweepSummary } from "../sweep/sweep_summary.ts";
import { parameterSweep, recursiveParameterSweep } from "../sweep/parameter_sweep.ts";
import type { SweepOptions } from "../sweep/sweep_options.ts";
import { differentialParameterSweep } from "../sweep/differential_parameter_sweep.ts";
import { roundPath } from "../sweep/_recursive_files.ts";
import { ALLOW_FLAGS, type FlagSpec, parseFlags } from "./_args.ts";
import { RunError, UsageError } from "./_errors.ts";
import { terminalSafe } from "../_terminal_text.ts";
import {
  MAX_SEED,
  MAX_TIMEOUT_MS,
  MAX_WORKERS,
  PATH_PERMISSION_KINDS,
  PERMISSION_KINDS,
} from "../_limits.ts";
import { loadSweepFile, type SweepSpec } from "./sweep_file.ts";
import { waterTapDiffWording } from "./_watertap_names.ts";
import { asInvoked, invocationText, shellWord } from "./_invocation.ts";
import { launcherRank, underMpiLauncher } from "../parallel/_mpi_ffi.ts";
import { redactUrl } from "../parallel/_redis_protocol.ts";
import { DEMO_HELP, RUN_HELP } from "./_help.ts";
import { summaryJson, summaryTable } from "./_summary.ts";
import { ProgressView } from "./_progress_view.ts";

// The order a run names its results files in (the first is the one messages and --report use).
const FORMAT_ORDER: readonly ResultsFormatName[] = ["csv", "jsonl", "arrow", "h5", "parquet"];

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
  ...ALLOW_FLAGS,
};

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

export async function demo(args: string[], relaunched: boolean): Promise<number> {
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

/**
 * Whether `psweep run ARGS` grants its model the network or remote imports (`--allow-net`,
 * `--allow-import`, or the sweep file's `permissions`): only then may the relaunched run fetch
 * the model's `npm:` and remote imports; otherwise it runs `--cached-only`. Arguments that do not
 * parse say yes: the relaunched run reports them before it runs any model.
 */
export async function runMayFetch(args: string[]): Promise<boolean> {
  try {
    const { flags, positionals } = parseFlags(allowFlags(args), RUN_FLAGS, "run");
    if (flags.help || positionals.length !== 1) return true;
    const spec = await loadSweepFile(positionals[0]);
    const granted = widen(spec.permissions, flags);
    if (typeof granted !== "object" || granted === null) return false;
    const grants = granted as Record<string, unknown>;
    return Boolean(grants.net || grants.import);
  } catch {
    return true;
  }
}

export async function run(args: string[], relaunched: boolean): Promise<number> {
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
  if (recursive && flags.resume && !csv && !jsonl) {
    throw new UsageError(
      "--resume continues a recursive sweep (numSamples) from its rounds' part files, which only csv and jsonl results have: set csv or jsonl, or run it again",
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
    const { reportPath } = await import("../report/report.ts");
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
    csv,
    jsonl,
    // A recursive sweep streams its rounds to csv and jsonl part files; the library writes the
    // other formats once it is complete.
    arrow: files.arrow,
    h5: files.h5,
    parquet: files.parquet,
    resume: Boolean(flags.resume),
    overwrite: Boolean(flags.overwrite),
    initializeBeforeSweep: spec.initializeBeforeSweep,
    updateParamsBeforeInit: spec.updateParamsBeforeInit,
    interpolateNanOutputs: spec.interpolateNanOutputs,
    publishAddress: spec.publishAddress,
    signal: controller.signal,
    onProgress: view ? (p) => view.update(p) : undefined,
    progressIntervalMs: Deno.stderr.isTerminal() ? 100 : 2000,
  };
  const streamed = streamsRows(spec, paths);
  let result: SweepSummary;
  try {
    if (recursive) {
      const recursiveOptions = {
        ...options,
        numSamples: spec.numSamples!,
        maxRounds: spec.maxRounds,
      };
      result = streamed
        ? await recursiveParameterSweep({ ...recursiveOptions, keepResult: false })
        : summarizeResult(await recursiveParameterSweep(recursiveOptions));
    } else if (spec.differential !== undefined) {
      const differentialOptions = {
        ...options,
        differential: spec.differential,
        numDiffSamples: spec.numDiffSamples,
      };
      result = streamed
        ? await differentialParameterSweep({ ...differentialOptions, keepResult: false })
        : summarizeResult(await differentialParameterSweep(differentialOptions));
    } else if (streamed) {
      result = await parameterSweep({ ...options, keepResult: false });
    } else {
      result = summarizeResult(await parameterSweep({ ...options, keepResult: true }));
    }
  } catch (e) {
    view?.end();
    if (controller.signal.aborted) {
      // A recursive sweep's rows are in its rounds' part files (csv, jsonl) until it completes.
      const part = csv ?? jsonl;
      const written = recursive
        ? part !== undefined && await pathExists(roundPath(part, 0))
        : where !== undefined && await (await resultsFormat(formatOfPath(where)!)).exists(where);
      if (!written) {
        console.error(terminalSafe(
          recursive && part === undefined
            ? "psweep: stopped. A recursive sweep without csv or jsonl writes its results only once it completes: nothing was written; run it again"
            : where
            ? `psweep: stopped before any row reached ${where}: nothing was written; run it again`
            : "psweep: stopped. No results file was set: nothing was written",
        ));
        return 130;
      }
      // The command as typed, so that the same flags (permissions, seed, timeout...) apply; a
      // sweep drawn with a fresh seed resumes with the one its file recorded.
      // A Redis password is not repeated on stderr (logs keep it): the user types it again.
      const typed = argv.filter((a) => a !== "--resume" && a !== "--overwrite");
      const words = typed.map(hidePassword);
      const again = [invocationText(), ...words.map(shellWord), "--resume"].join(" ");
      const hidden = words.some((w, i) => w !== typed[i]);
      // (Under MPI the launcher's command comes first, which this process cannot see.)
      const how = underMpiLauncher()
        ? `run the same mpirun (or srun) command, each rank running: ${again}`
        : `resume with: ${again}`;
      console.error(
        terminalSafe(
          `psweep: stopped. Every finished row is in ${
            recursive ? `the round files beside ${part}` : where
          }; ${how}${hidden ? " (with the Redis password in place of ***)" : ""}`,
        ),
      );
      return 130;
    }
    throw cliWording(
      spec.differentialAsWritten && e instanceof Error
        ? reworded(e, waterTapDiffWording(e.message, spec.differentialAsWritten))
        : e,
      source === "demo" ? undefined : source,
    );
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
    const { writeReport } = await import("../report/report.ts");
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
      `all ${result.rows} points failed; first error: ${result.firstError?.message ?? "unknown"}`,
    );
  }
  return 0;
}

/**
 * Whether a run keeps no rows in memory (the library's keepResult: false): the summary is all it
 * prints, so a sweep with a results file, of any format, streams its rows to disk and its memory
 * does not grow with them; a recursive sweep needs a CSV or JSON Lines file among them (its
 * rounds stream to their part files). Interpolation needs every row: such a sweep keeps them,
 * and its summary is made from the result.
 */
export function streamsRows(spec: SweepSpec, paths: readonly string[]): boolean {
  if (paths.length === 0 || spec.interpolateNanOutputs) return false;
  if (spec.numSamples === undefined) return true;
  return paths.some((path) => formatOfPath(path) === "csv" || formatOfPath(path) === "jsonl");
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

// The same error with another message: its class (its prototype, whatever its constructor
// takes) and name kept, for cliWording.
function reworded(e: Error, message: string): Error {
  if (message === e.message) return e;
  const copy = Object.setPrototypeOf(new Error(message, { cause: e }), Object.getPrototypeOf(e));
  Object.defineProperty(copy, "name", { value: e.name, configurable: true, writable: true });
  return copy;
}

// Library errors speak of options; on the command line they are flags. A file in the way, a
// results file's missing directory and invalid settings (the library's TypeError and RangeError,
// raised before any work starts) are usage errors, prefixed with the sweep file's name when there
// is one.
export function cliWording(e: unknown, sweepFile?: string): unknown {
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
  // A results file whose directory is missing (or not a directory), a report's path that is a
  // directory: found before any work.
  if (
    (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
      e instanceof Deno.errors.IsADirectory) &&
    /^Cannot write (results to|report as) /.test(message)
  ) {
    return new UsageError(message, { cause: e });
  }
  // A results file that cannot be resumed (another sweep's, changed settings, no metadata) is
  // found before any work: the command was wrong, not the run.
  if (/^Cannot resume /.test(message)) return new UsageError(message, { cause: e });
  // Only the settings checks that run before any work: an error of the same class from a run
  // (out of memory, say) is not the user's typing.
  if (
    (e instanceof TypeError || e instanceof RangeError || e instanceof Deno.errors.NotFound) &&
    /^Cannot (run a (recursive |differential )?sweep( with '\w+')?|build combinations) as /.test(
      e.message,
    )
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

// A redis:// or rediss:// URL (alone or as --redis=URL) with its password as ***.
export function hidePassword(word: string): string {
  const at = word.search(/rediss?:\/\//);
  if (at < 0 || (at > 0 && !word.startsWith("--redis="))) return word;
  return word.slice(0, at) + redactUrl(word.slice(at));
}

async function refuseExisting(path: string, overwrite: boolean): Promise<void> {
  if (overwrite || !await pathExists(path)) return;
  throw new UsageError(`${path} already exists: pass --overwrite to replace it`);
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
