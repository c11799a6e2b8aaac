// Internal: the machinery every sweep shares: validating options into a plan, and running rows
// of parameter values on a manager while their results stream into a SweepSink.
// One concept, though long: what happens between a sweep's options and its sink (the plan, the
// manager, the scatter, vetting each chunk, the build-failure and abort paths) is one sequence.
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { describe, knownKeys } from "../_describe.ts";
import { checkCloneable } from "../_cloneable.ts";
import { MAX_OUTPUT_NAMES, MAX_WORKERS } from "../_limits.ts";
import { fillIndex } from "../_hot_loops.ts";
import { columnOf } from "../_columns.ts";
import { createParallelManager } from "../parallel/create_parallel_manager.ts";
import { RandomState } from "../sampling/random_state.ts";
import { assertSeed } from "../sampling/_seed.ts";
import { startWorkers } from "../parallel/_start_workers.ts";
import { MpiManager } from "../parallel/mpi_manager.ts";
import { underMpiLauncher, worldPeers } from "../parallel/_mpi_ffi.ts";
import {
  CHUNK_ERROR_NAMES,
  LocalResults,
  type ParallelManager,
} from "../parallel/parallel_manager.ts";
import { checkChunkOutput } from "./_check_chunk.ts";
import type { Sampler } from "../sampling/samplers.ts";
import type { ChunkOutput, DriverOptions, SharedMeta } from "./_driver.ts";
import { SharedRowsPart } from "../parallel/_partial_results.ts";
import type { SweepResult } from "./sweep_result.ts";
import type { SweepSummary } from "./sweep_summary.ts";
import { type ParamRows, paramRowsOf } from "./_param_rows.ts";
import { OUTPUT_PREFIX } from "../io/_rows.ts";
import { STREAM_DEFAULTS } from "../_defaults.ts";
import { type SinkOptions, SweepSink } from "./_sink.ts";
import {
  checkCommandModel,
  COMMAND_BUILD,
  COMMAND_CHUNK_MS,
  COMMAND_DRIVER,
  COMMAND_EXECUTE,
  commandBuildOptions,
  commandLabel,
  isCommandModel,
  withRunPermission,
} from "../command/_command_model.ts";
import { extensionText, formatOfPath } from "../io/_formats.ts";
import type { StreamedSweepOptions, SweepOptions as KeptSweepOptions } from "./sweep_options.ts";

// Within the machinery, options of either kind: whether rows are kept is `keepResult`'s.
type SweepOptions = KeptSweepOptions | StreamedSweepOptions;
import { checkInterpolation, writeInterpolated } from "./_interpolated_files.ts";
import type { ExtraColumns } from "./_extra_columns.ts";
import { checkPublishAddress, ProgressPublisher } from "../io/publish_progress.ts";

/** A validated sweep, ready to run rows. */
export interface Plan {
  options: SweepOptions;
  model: string;
  paramNames: string[];
  outputs: string[] | undefined;
  /** A command model's words (then `model` is the module that drives it). */
  command?: string[];
  /** The model as messages and metadata name it. */
  label: string;
}

/**
 * The options as read once: their own fields, `params`' own fields and each plain sampler
 * object's, copied, so that a getter (or a Proxy) gives the sweep one value rather than one each
 * time it is read (the rows from one, the metadata file from another). Anything else is returned
 * as it is, for planSweep to refuse.
 */
export function settleOptions<T>(options: T, extraKeys: readonly string[] = []): T {
  if (typeof options !== "object" || options === null) return options;
  // Own fields (unknown ones too, for planSweep to name), and known options found anywhere on
  // the prototype chain (a class's getters, Object.create(defaults)).
  const copy = { ...options } as Record<string, unknown>;
  for (const key of [...SWEEP_OPTION_KEYS, ...extraKeys]) {
    if (!Object.hasOwn(copy, key) && key in options) {
      copy[key] = (options as Record<string, unknown>)[key];
    }
  }
  const params = copy.params;
  if (typeof params === "object" && params !== null && !Array.isArray(params)) {
    copy.params = Object.fromEntries(
      Object.keys(params).map((name) => {
        const value = (params as Record<string, unknown>)[name];
        const plain = typeof value === "object" && value !== null &&
          Object.getPrototypeOf(value) === Object.prototype;
        return [name, plain ? { ...value } : value];
      }),
    );
  }
  return copy as T;
}

export function planSweep(
  options: SweepOptions,
  extraKeys: readonly string[] = [],
  extraColumns: readonly string[] = [],
): Plan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot run a sweep as 'options' must be an object: current value is ${describe(options)}`,
    );
  }
  knownKeys("run a sweep", options, [...SWEEP_OPTION_KEYS, ...extraKeys]);
  const command = isCommandModel(options.model) ? checkCommandModel(options.model) : undefined;
  const model = command ? COMMAND_DRIVER : resolveModel(options.model);
  const params = options.params;
  if (typeof params !== "object" || params === null || Object.keys(params).length === 0) {
    throw new RangeError(
      `Cannot run a sweep as 'params' must name at least one parameter: current value is ${
        describe(params)
      }`,
    );
  }
  const paramNames = Object.keys(params);
  for (const name of paramNames) {
    if (name === "" || name === RESERVED || name === "__proto__") {
      throw new RangeError(
        `Cannot run a sweep as 'params' must name its parameters with non-empty names other than "${RESERVED}" (a column of the results files) and "__proto__": current value is ${
          describe(name)
        }`,
      );
    }
    if (!name.isWellFormed()) {
      throw new RangeError(
        `Cannot run a sweep as 'params' must name its parameters with well-formed Unicode (results files hold names as UTF-8, which a lone surrogate has no form in): current value is ${
          describe(name)
        }`,
      );
    }
    // The results files name an output that shares a parameter's name `outputs.<name>`, so a
    // parameter of that shape could share a column's name with an output.
    if (name.startsWith(OUTPUT_PREFIX)) {
      throw new RangeError(
        `Cannot run a sweep as 'params' must name its parameters with names that do not start with "${OUTPUT_PREFIX}" (the results files' prefix for an output that has a parameter's name): current value is ${
          describe(name)
        }`,
      );
    }
    if (extraColumns.includes(name)) {
      throw new RangeError(
        `Cannot run a sweep as 'params' names ${
          describe(name)
        }, a column this sweep writes itself (${extraColumns.join(", ")})`,
      );
    }
  }
  let outputs: string[] | undefined;
  if (options.outputs !== undefined) {
    if (!Array.isArray(options.outputs)) {
      throw new TypeError(
        `Cannot run a sweep as 'outputs' must be an array of names: current value is ${
          describe(options.outputs)
        }`,
      );
    }
    const seen = new Set<string>();
    for (const name of options.outputs) {
      if (typeof name !== "string" || name === "") {
        throw new TypeError(
          `Cannot run a sweep as 'outputs' must hold non-empty strings: current value is ${
            describe(name)
          }`,
        );
      }
      if (seen.has(name)) {
        throw new RangeError(`Cannot run a sweep as 'outputs' names ${describe(name)} twice`);
      }
      if (!name.isWellFormed()) {
        throw new RangeError(
          `Cannot run a sweep as 'outputs' must hold well-formed Unicode (results files hold names as UTF-8, which a lone surrogate has no form in): current value is ${
            describe(name)
          }`,
        );
      }
      if (name === RESERVED || name === "__proto__") {
        throw new RangeError(
          `Cannot run a sweep as 'outputs' names ${
            describe(name)
          }, which no output may take: "${RESERVED}" is the results files' column of row outcomes, and "__proto__" no object's key`,
        );
      }
      seen.add(name);
    }
    if (options.outputs.length > MAX_OUTPUT_NAMES) {
      throw new RangeError(
        `Cannot run a sweep as 'outputs' must name at most ${MAX_OUTPUT_NAMES} outputs: current value names ${options.outputs.length}`,
      );
    }
    outputs = [...options.outputs];
  }
  if (options.manager && (options.workers !== undefined || options.permissions !== undefined)) {
    throw new TypeError(
      "Cannot run a sweep with both 'manager' and 'workers' or 'permissions': configure the manager you pass instead",
    );
  }
  if (options.seed !== undefined) assertSeed(options.seed, "seed");
  checkOptionTypes(options);
  if (options.timeout !== undefined && !(options.timeout > 0)) {
    throw new RangeError(
      `Cannot run a sweep as 'timeout' must be a positive number of milliseconds: current value is ${
        describe(options.timeout)
      }`,
    );
  }
  // The same for every manager, so that a sweep that runs serially also runs on workers.
  checkCloneable(options.buildOptions, "buildOptions", "run a sweep");
  // Each file's format is the option's: a path that says otherwise is a mistake, found before
  // any work (and before any metadata file is written beside it).
  for (const field of RESULTS_FIELDS) {
    const path = options[field];
    if (path !== undefined && (typeof path !== "string" || formatOfPath(path) !== field)) {
      throw new TypeError(
        `Cannot run a sweep as '${field}' must be the path of a ${
          extensionText(field)
        } file: current value is ${describe(path)}`,
      );
    }
  }
  for (
    const field of [
      "initializeBeforeSweep",
      "updateParamsBeforeInit",
      "interpolateNanOutputs",
    ] as const
  ) {
    const v = options[field];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(
        `Cannot run a sweep as '${field}' must be true or false: current value is ${describe(v)}`,
      );
    }
  }
  const interval = options.progressIntervalMs;
  if (interval !== undefined && !(typeof interval === "number" && interval >= 0)) {
    throw new RangeError(
      `Cannot run a sweep as 'progressIntervalMs' must be a non-negative number of milliseconds: current value is ${
        describe(interval)
      }`,
    );
  }
  checkPublishAddress(options.publishAddress);
  if (options.interpolateNanOutputs && !options.csv && !options.jsonl) {
    throw new TypeError(
      "Cannot run a sweep with 'interpolateNanOutputs' as neither 'csv' nor 'jsonl' names a results file to write interpolated beside (interpolateNanOutputs(result) interpolates a result)",
    );
  }
  if (options.keepResult === false) checkStreamed(options);
  if (options.resume && RESULTS_FIELDS.every((field) => !options[field])) {
    throw new TypeError(
      "Cannot resume a sweep as none of 'csv', 'jsonl', 'arrow', 'h5' and 'parquet' names a results file",
    );
  }
  if (command) commandBuildOptions(command, options.buildOptions, paramNames, options.timeout);
  const label = command ? commandLabel(command) : model;
  return { options, model, paramNames, outputs, command, label };
}

// Every option of SweepOptions, as the compiler checks: a key outside them is a mistake.
const SWEEP_OPTION_FIELDS: Record<keyof SweepOptions, true> = {
  model: true,
  buildOptions: true,
  params: true,
  outputs: true,
  seed: true,
  manager: true,
  workers: true,
  permissions: true,
  assumeWorkerOptions: true,
  assumeNoPrompt: true,
  timeout: true,
  rebuildOnFailure: true,
  initializeBeforeSweep: true,
  updateParamsBeforeInit: true,
  signal: true,
  onProgress: true,
  progressIntervalMs: true,
  csv: true,
  jsonl: true,
  arrow: true,
  h5: true,
  parquet: true,
  resume: true,
  overwrite: true,
  interpolateNanOutputs: true,
  publishAddress: true,
  keepResult: true,
};
const SWEEP_OPTION_KEYS = Object.keys(SWEEP_OPTION_FIELDS);

// Every option has its type checked, as the sweep file's settings are: a string "100" is no
// timeout and "false" is true, which would silently do what the caller did not ask.
function checkOptionTypes(options: SweepOptions): void {
  const o = options as unknown as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new TypeError(
      `Cannot run a sweep as '${field}' must be ${expected}: current value is ${
        describe(o[field])
      }`,
    );
  };
  for (
    const field of [
      "resume",
      "overwrite",
      "rebuildOnFailure",
      "assumeWorkerOptions",
      "assumeNoPrompt",
      "keepResult",
    ]
  ) {
    if (o[field] !== undefined && typeof o[field] !== "boolean") fail(field, "true or false");
  }
  if (o.timeout !== undefined && typeof o.timeout !== "number") {
    fail("timeout", "a positive number of milliseconds (Infinity for none)");
  }
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && (o.workers as number) > 0)) {
    fail("workers", "a positive integer");
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    fail("signal", "an AbortSignal");
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    fail("onProgress", "a function");
  }
  const build = o.buildOptions;
  if (
    build !== undefined && (typeof build !== "object" || build === null || Array.isArray(build))
  ) {
    fail("buildOptions", "an object of plain data");
  }
  const manager = o.manager as Record<string, unknown> | undefined;
  if (
    manager !== undefined &&
    (typeof manager !== "object" || manager === null || typeof manager.scatter !== "function" ||
      typeof manager.gather !== "function")
  ) {
    fail("manager", "a ParallelManager (an object with scatter and gather)");
  }
}

// A sweep that does not keep its result writes its rows to files only (any format: each streams,
// and Parquet is written at the end from its partial stream); interpolated files are made from
// every row held in memory.
function checkStreamed(options: SweepOptions): void {
  if (RESULTS_FIELDS.every((field) => !options[field])) {
    throw new TypeError(
      "Cannot run a sweep with 'keepResult: false' as none of 'csv', 'jsonl', 'arrow', 'h5' and 'parquet' names a results file: its rows would be kept nowhere; set one of them, or leave 'keepResult' true",
    );
  }
  if (options.interpolateNanOutputs) {
    throw new TypeError(
      "Cannot run a sweep with 'keepResult: false' and 'interpolateNanOutputs' as interpolating needs every row in memory: leave 'keepResult' true, or interpolate the results file afterwards",
    );
  }
}

function resolveModel(model: unknown): string {
  if (typeof model !== "string" && !(model instanceof URL)) {
    throw new TypeError(
      `Cannot run a sweep as 'model' must be a path or URL of a module: current value is ${
        describe(model)
      }`,
    );
  }
  let url: URL;
  if (model instanceof URL) url = model;
  else if (/^[a-z][a-z0-9+.-]*:/i.test(model) && !/^[a-z]:[\\/]/i.test(model)) url = new URL(model);
  // A path, made a URL with its "#", "%" and "?" escaped (they would start a fragment, an
  // escape and a query).
  else url = pathToFileURL(resolve(model));
  if (url.protocol === "file:") {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      // A URL no path can spell (an encoded "/"): checked as it is written.
      path = decodeURIComponent(url.pathname);
    }
    let isFile = false;
    try {
      isFile = Deno.statSync(path).isFile;
    } catch {
      // reported below
    }
    if (!isFile) {
      throw new Deno.errors.NotFound(
        `Cannot run a sweep as 'model' must name an existing module file: current value is ${
          describe(String(model))
        }`,
      );
    }
  }
  return url.href;
}

const DRIVER = new URL("./_driver.ts", import.meta.url).href;
/** The options that name results files, each named after its format. */
export const RESULTS_FIELDS = ["csv", "jsonl", "arrow", "h5", "parquet"] as const;
// The results files' column of row outcomes: no parameter or output may take its name.
const RESERVED = "success";
// A chunk whose results the main thread refused (see _check_chunk.ts): its rows fail.
const REFUSED = "RefusedResultsError";
const ROW_LEVEL_CHUNK_ERRORS = new Set<string>([
  REFUSED,
  CHUNK_ERROR_NAMES.timeout,
  CHUNK_ERROR_NAMES.workerDied,
  CHUNK_ERROR_NAMES.aborted,
]);

/**
 * Rows a sweep that keeps no rows scatters at a time (STREAM_DEFAULTS.windowRows); tests make it
 * small to run many windows over few rows.
 */
export const streamWindow: { rows: number } = { rows: STREAM_DEFAULTS.windowRows };

/** Where rows come from besides computing them, and what identifies the sweep on disk. */
export interface RunContext {
  sampling?: { params: Record<string, Sampler> };
  /** Extra numeric columns of every row, written before the parameters (differential sweeps). */
  extra?: ExtraColumns;
  /** More of what identifies the sweep on disk (checked on resume). */
  meta?: Record<string, unknown>;
  /** How many rows the sweep makes, where known before they are made (see sweepManager). */
  rows?: number;
}

/**
 * The rows a sweep runs: `rows` rows of `data` (row-major, one column per parameter), or rows
 * computed by index (see _param_rows.ts).
 */
export interface SweepRows {
  data: Float64Array | ParamRows;
  rows: number;
  seed: number | undefined;
}

/**
 * The manager a sweep makes when it is given none: a pool of `workers` permission-scoped
 * workers, one included. Model code never runs on this thread unless the caller passes an
 * unscoped manager (a `SingleProcessManager`) itself.
 */
export function sweepManager(
  options: SweepOptions,
  rows?: number,
): ParallelManager & { close(): Promise<void> } {
  // Under an MPI launcher each rank's pool defaults to its share of the machine's cores.
  const wanted = options.workers ??
    (underMpiLauncher() ? undefined : navigator.hardwareConcurrency);
  // No more workers than rows: the others would only start and stop (a 3-row sweep took 50 s
  // on 1,000 workers, and the default is every core). A value the pool refuses is left to it.
  const workers = wanted !== undefined && Number.isSafeInteger(wanted) && wanted >= 1 &&
      wanted <= MAX_WORKERS && rows !== undefined && rows >= 1
    ? Math.min(wanted, rows)
    : wanted;
  const command = isCommandModel(options.model) ? options.model.command : undefined;
  // Infinity, as no timeout at all. A command model's worker enforces the timeout itself, point
  // by point (it waits on a process it can kill), so its chunks need not be single points.
  const timeout = !command && options.timeout !== undefined && Number.isFinite(options.timeout)
    ? options.timeout
    : undefined;
  return createParallelManager({
    workers,
    // A command model runs in a worker (one too) allowed to run that command and nothing more.
    permissions: command
      ? withRunPermission(options.permissions, checkCommandModel({ command })[0])
      : options.permissions,
    assumeWorkerOptions: options.assumeWorkerOptions,
    assumeNoPrompt: options.assumeNoPrompt,
    timeout,
    chunkSize: timeout !== undefined ? 1 : undefined,
    // A command model's worker sends each point of a chunk ahead, but not the next chunk's
    // first: long chunks make that one wait rare (5 ms chunks of 1 ms points cost 9%).
    chunkTargetMs: command ? COMMAND_CHUNK_MS : undefined,
  });
}

/**
 * The seed a sweep draws with when none is given. Given a manager, the root's fresh seed goes
 * to every rank: in a peer group, ranks drawing their own would sweep different rows.
 */
export async function sweepSeed(
  options: SweepOptions,
  recorded?: () => Promise<number | undefined>,
): Promise<number | undefined> {
  if (options.seed !== undefined) return options.seed;
  // Under an MPI launcher the sweep makes an MpiManager: its ranks agree on the seed too.
  const peers = options.manager ?? (underMpiLauncher() ? worldPeers() : undefined);
  // Only the root reads the results file: other ranks may not see it (a machine's own disk).
  const fromFile = recorded && (peers?.isRootProcess() ?? true) ? await recorded() : undefined;
  if (!peers) return fromFile;
  return await peers.syncObjectWithPeers(fromFile ?? RandomState.randomSeed());
}

// Runs the rows `source` makes and assembles the result. The pool's workers start first, so
// that their start-up overlaps drawing the rows and opening the files.
export async function runRows(
  plan: Plan,
  source: () => SweepRows,
  context: RunContext,
): Promise<SweepResult | SweepSummary> {
  const { options, paramNames } = plan;
  const keepRows = options.keepResult ?? true;
  const t0 = performance.now();
  const P = paramNames.length;
  let manager: (ParallelManager & { close?(): Promise<void> }) | undefined = options.manager;
  let owned = false;
  if (!manager) {
    manager = sweepManager(options, context.rows);
    owned = true;
  }
  // The ranks of an MPI job all run this; the root alone writes files and reports progress,
  // and tells the others which rows are missing and what the sweep's result is.
  const spmd = manager instanceof MpiManager && manager.numberOfWorkerProcesses() > 1;
  const root = manager.isRootProcess();
  let sink: SweepSink | undefined;
  // Checked by planSweep already: this does not throw.
  const publishUrl = checkPublishAddress(options.publishAddress);
  const publisher = publishUrl ? new ProgressPublisher(publishUrl) : undefined;
  const abort = new AbortController();
  let buildError: string | undefined;
  // The worker's own stack of the failed build, kept as the error's cause (shown by --debug).
  let buildStack: string | undefined;
  // Work the manager stopped though this sweep was not stopped (another MPI rank's signal, a
  // manager closed by its owner): its rows were never computed, so the sweep cannot finish.
  let stoppedElsewhere: string | undefined;
  const body = async (): Promise<SweepResult | SweepSummary> => {
    // The same modules as the scatter below imports, so that the workers serve it.
    if (owned) startWorkers(manager, [DRIVER, plan.command ? COMMAND_DRIVER : DRIVER, plan.model]);
    const { data: given, rows, seed } = source();
    const data = paramRowsOf(given, rows, P);
    const files = [options.csv, options.jsonl].filter((p): p is string => p !== undefined);
    if (options.interpolateNanOutputs && root) {
      await checkInterpolation(
        files,
        data.held(),
        paramNames,
        rows,
        (options.overwrite ?? false) || (options.resume ?? false),
      );
    }
    let openFailure: { error: unknown } | undefined;
    sink = await openSink(root, spmd, {
      csv: options.csv,
      jsonl: options.jsonl,
      arrow: options.arrow,
      h5: options.h5,
      parquet: options.parquet,
      resume: options.resume ?? false,
      overwrite: options.overwrite ?? false,
      paramNames,
      outputs: plan.outputs,
      params: given,
      extra: context.extra,
      rows,
      meta: {
        ...context.meta,
        model: plan.label,
        // Only when given, so that files of sweeps without them read as before.
        ...(options.buildOptions !== undefined ? { buildOptions: options.buildOptions } : {}),
        params: context.sampling?.params ?? null,
        seed: seed ?? null,
        rows,
      },
      onProgress: options.onProgress,
      progressIntervalMs: options.progressIntervalMs,
      keepRows,
      // What waits for the disk is a fixed cost: smaller without a result to hold.
      ...(keepRows ? {} : {
        holdBytes: STREAM_DEFAULTS.holdBytes,
        backlogBytes: STREAM_DEFAULTS.backlogBytes,
      }),
    }).catch((error) => {
      openFailure = { error };
      return undefined;
    });
    let todo = sink?.missingRows();
    if (spmd) {
      // The root's files decide whether the sweep starts, and which rows it computes.
      const agreed = await manager.syncObjectWithPeers(
        openFailure ? { error: errorText(openFailure.error) } : { todo },
      );
      if (agreed.error !== undefined && !openFailure) {
        throw new Error(
          `Cannot run the sweep as rank 0 could not open its results files: ${agreed.error}`,
        );
      }
      todo = agreed.todo;
    }
    if (openFailure) throw openFailure.error;
    // Column 0 carries each row's global index: results are placed by index, not arrival.
    const open = sink!;
    const count = todo?.length ?? rows;
    if (count > 0) {
      const signal = options.signal
        ? AbortSignal.any([options.signal, abort.signal])
        : abort.signal;
      const kwargs: DriverOptions = {
        model: plan.model,
        buildOptions: plan.command
          ? commandBuildOptions(
            plan.command,
            options.buildOptions,
            paramNames,
            options.timeout,
          ) as unknown as Record<string, unknown>
          : options.buildOptions,
        paramNames,
        outputs: plan.outputs,
        rebuildOnFailure: options.rebuildOnFailure ?? true,
        initializeBeforeSweep: options.initializeBeforeSweep ?? false,
        updateParamsBeforeInit: options.updateParamsBeforeInit,
        timeRows: publisher !== undefined,
      };
      const pending: Promise<void>[] = [];
      const rank = publisher ? manager.getRank() : 0;
      // A write that fails (a full disk, say) stops the sweep; rows already written stay.
      let writeError: { error: unknown } | undefined;
      const take = (chunk: LocalResults): Promise<void> => {
        if (chunk.error?.name === CHUNK_ERROR_NAMES.timeout) {
          const message = timeoutWords(chunk, paramNames, chunk.error.message);
          chunk = { ...chunk, error: { ...chunk.error, message } };
        }
        const added = open.add(chunk as LocalResults<ChunkOutput>).catch((error) => {
          writeError ??= { error };
          abort.abort(error);
        });
        pending.push(added);
        return added;
      };
      // A sweep that keeps no rows scatters them a window at a time, so that the rows handed to
      // the workers do not grow with the sweep (each window builds the model again). Under MPI
      // the ranks scatter once, as they agreed.
      const window = keepRows || spmd ? count : Math.min(count, streamWindow.rows);
      // Shared memory: the pool hands it to workers as it is, without another copy. One buffer
      // serves every window: a worker lets go of a buffer it was sent only when it collects
      // garbage, which a worker making little garbage seldom does.
      const shared = new Float64Array(new SharedArrayBuffer(window * (P + 1) * 8));
      for (let base = 0; base < count && !signal.aborted; base += window) {
        const n = Math.min(window, count - base);
        const work = shared.subarray(0, n * (P + 1));
        fillWork(work, data, base, n, todo);
        const seen = new Set<number>();
        // What a worker returns is checked against what only this thread holds, and the chunk's
        // parameters are this thread's copy: workers can write the shared rows they read.
        const vet = (chunk: LocalResults): LocalResults =>
          vetChunk(chunk, work, todo, data, plan, base);
        await manager.scatter(
          plan.command ? COMMAND_BUILD : { module: DRIVER, name: "buildSweep" },
          kwargs as unknown as Record<string, unknown>,
          plan.command ? COMMAND_EXECUTE : { module: DRIVER, name: "executeSweep" },
          { rows: n, columns: P + 1, data: work },
          {
            // Workers import the model through the driver: they need to read its directory. A
            // command model's driver is psweep's own module, which the build names itself.
            imports: plan.command ? [] : [plan.model],
            signal,
            onResult: (received: LocalResults) => {
              const chunk = vet(received);
              seen.add(received.processNumber);
              // A stopped run's unfinished chunks stay missing, so that a resume computes them,
              // whatever the reason the signal carries.
              if (chunk.error && signal.aborted) return;
              if (chunk.error?.name === CHUNK_ERROR_NAMES.aborted) {
                stoppedElsewhere ??= chunk.error.message;
              }
              // Rows fail one by one inside the driver; a whole chunk fails only when its worker
              // timed out, died or was aborted, or when the model could not be built.
              if (chunk.error && !ROW_LEVEL_CHUNK_ERRORS.has(chunk.error.name)) {
                buildError ??= chunk.error.message;
                buildStack ??= chunk.error.stack;
                abort.abort(new Error(`the model could not be built: ${chunk.error.message}`));
                return;
              }
              if (publisher) {
                publishChunk(publisher, rank, chunk as LocalResults<ChunkOutput>, options.timeout);
              }
              const added = take(chunk);
              // Workers that outrun the disk wait for it, rather than text piling up in memory.
              return open.backlogged ? added : undefined;
            },
          },
        );
        // In a peer group each rank sees only its own chunk as it finishes; the rest arrive here.
        for (const received of manager.resultsFromLocalTree(await manager.gather())) {
          const chunk = seen.has(received.processNumber) ? received : vet(received);
          if (chunk.error && signal.aborted) continue;
          if (chunk.error?.name === CHUNK_ERROR_NAMES.aborted) {
            stoppedElsewhere ??= chunk.error.message;
          }
          // Chunks whose model could not be built stay missing, so that a resume computes them.
          const unbuilt = chunk.error !== undefined &&
            !ROW_LEVEL_CHUNK_ERRORS.has(chunk.error.name);
          if (unbuilt) {
            buildError ??= chunk.error!.message;
            buildStack ??= chunk.error!.stack;
          } else if (!seen.has(received.processNumber)) take(chunk);
        }
      }
      // Chunks held back for a row that never came (the model could not be built, or the run
      // stopped), and rows that waited for output names that never came, go to disk now.
      open.drain();
      await Promise.all(pending);
      if (writeError) throw writeError.error;
    }
    // A stop, whatever its reason, is reported as such, not as what the stop left undone.
    options.signal?.throwIfAborted();
    if (stoppedElsewhere !== undefined && buildError === undefined) {
      // Its rows stay missing (the sink leaves aborted chunks out), for a resume to compute:
      // finishing would record them as failed rows.
      throw new Error(
        `Cannot finish the sweep as its manager stopped part of the work (${stoppedElsewhere}): the rows it did not compute are missing from the results; resume the sweep to compute them`,
      );
    }
    if (buildError !== undefined) {
      let cause: Error | undefined;
      if (buildStack) {
        cause = new Error(buildError);
        cause.name = "ModelBuildError";
        cause.stack = buildStack;
      }
      throw new Error(
        `Cannot run the sweep as the model ${plan.label} could not be built: ${buildError}`,
        cause ? { cause } : undefined,
      );
    }
    const elapsedMs = performance.now() - t0;
    const warnings: string[] = [];
    let result: SweepResult | SweepSummary;
    if (!keepRows) {
      result = await open.finishSummary(seed, elapsedMs);
    } else {
      result = await open.finish(seed, elapsedMs);
      if (options.interpolateNanOutputs && root) {
        warnings.push(...await writeInterpolated(files, result, context.extra));
      }
    }
    // Progress messages still on their way get their grace now, so that the result can say
    // which were not delivered.
    await publisher?.close();
    const unpublished = publisher?.warning();
    if (unpublished !== undefined) warnings.push(unpublished);
    return warnings.length > 0
      ? { ...result, warnings: [...result.warnings, ...warnings] }
      : result;
  };
  try {
    if (!spmd) return await body();
    // Every rank returns the root's result (with the rows a resume read back), or fails with it.
    let mine: { result: SweepResult | SweepSummary } | { error: unknown };
    try {
      mine = { result: await body() };
    } catch (error) {
      mine = { error };
    }
    const agreed = await manager.syncObjectWithPeers(
      root ? ("error" in mine ? { error: errorText(mine.error) } : mine) : null,
    ) as { result: SweepResult | SweepSummary } | { error: string };
    if ("error" in mine) throw mine.error;
    if ("error" in agreed) {
      throw new Error(`Cannot run the sweep as it failed on rank 0: ${agreed.error}`);
    }
    return agreed.result;
  } finally {
    try {
      await sink?.close();
    } finally {
      try {
        if (owned) await manager.close?.();
      } finally {
        await publisher?.close();
      }
    }
  }
}

// Under MPI only rank 0 has files and progress (the other ranks keep what a sink needs to build
// the result: a list of what to keep, so that a new kind of file stays on rank 0 too), and the
// other ranks' rows, which arrive ahead of rank 0's, go to disk at once rather than waiting in
// memory for their turn: a job that dies loses none that arrived.
function openSink(root: boolean, spmd: boolean, o: SinkOptions): Promise<SweepSink> {
  if (!spmd) return SweepSink.open(o);
  if (root) return SweepSink.open({ ...o, holdMs: 0 });
  const { paramNames, outputs, params, rows, meta, progressIntervalMs, keepRows } = o;
  return SweepSink.open({
    paramNames,
    outputs,
    params,
    rows,
    meta,
    progressIntervalMs,
    keepRows,
    resume: false,
    overwrite: false,
  });
}

// Rows copied into the shared buffer a block at a time (see fillWork).
const FILL_BLOCK_ROWS = 8192;

/**
 * Lays out `n` rows of a window for the workers, from row `base` of the rows to compute (`todo`,
 * else every row): each row's global index, then its parameters. (A function of its own: see
 * _hot_loops.ts.)
 */
function fillWork(
  work: Float64Array,
  data: ParamRows,
  base: number,
  n: number,
  todo: Int32Array | undefined,
): void {
  const P = data.columns;
  if (todo) {
    for (let i = 0, w = 0; i < n; i++, w += P + 1) {
      work[w] = todo[base + i];
      data.copyRow(todo[base + i], work, w + 1);
    }
    return;
  }
  // Consecutive rows, a block at a time (a grid's rows are then counted along, not computed one
  // by one).
  for (let from = 0; from < n; from += FILL_BLOCK_ROWS) {
    const m = Math.min(FILL_BLOCK_ROWS, n - from);
    const rows = data.view?.(base + from, m) ?? data.slice(base + from, m);
    for (let i = 0, w = from * (P + 1), k = 0; i < m; i++) {
      work[w++] = base + from + i;
      for (let c = 0; c < P; c++) work[w++] = rows[k++];
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The pool speaks of chunks of its matrix; a sweep's user thinks in rows and their parameters:
// "row 17 (pressure=42, salinity=7) ran past its 1000 ms limit".
function timeoutWords(chunk: LocalResults, paramNames: string[], message: string): string {
  const ms = message.match(/ran past the (\S+) ms (build )?timeout/);
  if (!ms) return message;
  const { rows, columns, data } = chunk.parameters;
  if (rows === 0) return message;
  const first = data[0];
  const which = rows === 1
    ? `row ${first} (${paramNames.map((n, c) => `${n}=${data[c + 1]}`).join(", ")})`
    : `rows ${first}..${data[(rows - 1) * columns]} (run together in one chunk)`;
  return ms[2]
    ? `the model's build before ${which} ran past its ${ms[1]} ms build limit`
    : `${which} ran past ${rows === 1 ? "its" : "their"} ${ms[1]} ms limit`;
}

// The chunk as this thread knows it: its parameters from this thread's own copy, and its results
// refused (its rows failed) when they do not check out. Rows of a manager that hands back
// copies (another process's) are known by the index they carry.
function vetChunk(
  chunk: LocalResults,
  work: Float64Array,
  todo: Int32Array | undefined,
  data: ParamRows,
  plan: Plan,
  base: number,
): LocalResults {
  const P = plan.paramNames.length;
  const given = chunk.parameters;
  const n = given.rows;
  let index: Float64Array;
  if (given.data.buffer === work.buffer) {
    index = new Float64Array(n);
    fillIndex(index, base + given.data.byteOffset / 8 / (P + 1), todo);
  } else {
    index = columnOf(given.data, given.columns, 0, n);
  }
  // The chunk's rows from this thread's own copy, for a chunk that failed whole (its rows'
  // failures name their parameters). A chunk with results is known by its index alone: nothing
  // downstream reads its parameters, which the files take from this thread's copy by row.
  const ownRows = () => {
    const own = new Float64Array(n * (P + 1));
    for (let i = 0, w = 0; i < n; i++, w += P + 1) {
      own[w] = index[i];
      data.copyRow(index[i], own, w + 1);
    }
    return { rows: n, columns: P + 1, data: own };
  };
  // Chunks are numbered across windows (a window's have numbers below its row count).
  const number = chunk.processNumber + base;
  if (chunk.error || chunk.results === undefined) {
    return new LocalResults(number, ownRows(), undefined, chunk.error);
  }
  // Rows the pool took from the worker's shared memory: laid out as a chunk's results here, with
  // this thread's own index and every row a success (the pool takes no other).
  const results = chunk.results instanceof SharedRowsPart
    ? sharedOutput(chunk.results, index)
    : chunk.results;
  const why = checkChunkOutput(results, { index, outputs: plan.outputs });
  if (why === undefined) {
    // This thread's own index from here on: the rows are placed and written by it.
    (results as ChunkOutput).index = index;
    return new LocalResults(number, { rows: n, columns: 1, data: index }, results);
  }
  return new LocalResults(number, ownRows(), undefined, {
    name: REFUSED,
    message: `the worker's results for these rows were refused: ${why}`,
  });
}

// A part the pool took from shared memory, as a chunk's results (checked as any other).
function sharedOutput(part: SharedRowsPart, index: Float64Array): unknown {
  const meta = part.meta as Partial<SharedMeta> | null;
  if (typeof meta !== "object" || meta === null || !Array.isArray(meta.names)) return undefined;
  const n = index.length;
  const names = meta.names.length;
  const extra = meta.seconds === true ? 1 : 0;
  if (part.columns.length !== names + extra) return undefined;
  const out: ChunkOutput = {
    index,
    names: meta.names,
    firstNames: meta.firstNames,
    values: part.columns.slice(0, names),
    success: new Uint8Array(n).fill(1),
    errors: part.errors,
  };
  for (const [r] of part.errors) out.success[r] = 0;
  if (extra) out.seconds = part.columns[names];
  return out;
}

// WaterTAP publishes each point as it finishes: here, each point of a chunk as the chunk comes.
function publishChunk(
  publisher: ProgressPublisher,
  rank: number,
  chunk: LocalResults<ChunkOutput>,
  timeoutMs: number | undefined,
): void {
  const out = chunk.results;
  if (chunk.error || !out) {
    // A chunk that failed whole: its rows failed. A point over its time limit (such points run
    // one per chunk) ran for that limit, which WaterTAP would have sent as its solve time; a
    // dead worker's rows ran for no time that was measured.
    const p = chunk.parameters;
    const seconds = chunk.error?.name === CHUNK_ERROR_NAMES.timeout && timeoutMs !== undefined
      ? timeoutMs / 1000
      : NaN;
    for (let i = 0; i < p.rows; i++) {
      publisher.publish({
        workerNumber: rank,
        iteration: p.data[i * p.columns],
        solveStatus: false,
        solveTime: seconds,
      });
    }
    return;
  }
  for (let i = 0; i < out.index.length; i++) {
    publisher.publish({
      workerNumber: rank,
      iteration: out.index[i],
      solveStatus: out.success[i] === 1,
      solveTime: out.seconds?.[i] ?? NaN,
    });
  }
}
