/**
 * `parameterSweep`: WaterTAP's `parameter_sweep()` on psweep's managers, with
 * rows streamed to disk as they finish and every failure recorded.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { createParallelManager } from "../parallel/create_parallel_manager.ts";
import { CHUNK_ERROR_NAMES, type WorkerPermissions } from "../parallel/deno_worker_manager.ts";
import type { LocalResults, ParallelManager } from "../parallel/parallel_manager.ts";
import { buildCombinations } from "../sampling/build_combinations.ts";
import type { Sampler } from "../sampling/samplers.ts";
import { RandomState } from "../sampling/random_state.ts";
import type { ChunkOutput, DriverOptions } from "./_driver.ts";
import type { SweepResult } from "./sweep_result.ts";
import { type ProgressInfo, SweepSink } from "./_sink.ts";

export type { ProgressInfo } from "./_sink.ts";

/** Options of {@linkcode parameterSweep}. */
export interface SweepOptions {
  /** Path or URL of the model module (see {@linkcode SweepModel}); relative paths resolve against the working directory. */
  readonly model: string | URL;
  /** Passed to the model's `build`. @default {{}} */
  readonly buildOptions?: Record<string, unknown>;
  /** The parameters and their samplers, in column order. */
  readonly params: Record<string, Sampler>;
  /**
   * Outputs to record. A row missing one, or with a non-finite value for one,
   * fails. @default {the keys of the first successful evaluation}
   */
  readonly outputs?: readonly string[];
  /** Seed of random and LHS samplers. @default {a fresh seed, reported in the result} */
  readonly seed?: number;
  /** The manager to run on; the caller keeps ownership. @default {a DenoWorkerManager on `workers` workers} */
  readonly manager?: ParallelManager;
  /** Workers of the manager psweep creates; 1 runs serially. @default {navigator.hardwareConcurrency} */
  readonly workers?: number;
  /** Permissions of the workers psweep creates. @default {read access to the model's directory} */
  readonly permissions?: WorkerPermissions;
  /**
   * Time limit per point in milliseconds; a point over it fails as timed out.
   * Points then run one per message, which costs throughput on tiny points.
   * @default {Infinity}
   */
  readonly timeout?: number;
  /** Rebuild the model after a failed point, as WaterTAP does. @default {true} */
  readonly rebuildOnFailure?: boolean;
  /** Stops the sweep; finished rows stay on disk for `resume`. @default {undefined} */
  readonly signal?: AbortSignal;
  /** Receives progress at most every `progressIntervalMs`. @default {undefined} */
  readonly onProgress?: (progress: ProgressInfo) => void;
  /** Minimum milliseconds between `onProgress` calls. @default {200} */
  readonly progressIntervalMs?: number;
  /** Path of a CSV file to write rows to as they finish. @default {undefined} */
  readonly csv?: string;
  /** Path of a JSON Lines file to write rows to as they finish. @default {undefined} */
  readonly jsonl?: string;
  /** Continue the sweep recorded in `csv`/`jsonl`: only missing rows are computed. @default {false} */
  readonly resume?: boolean;
  /** Replace existing output files (without `resume`). @default {false} */
  readonly overwrite?: boolean;
}

/**
 * Runs a model over every combination of its parameters, in parallel.
 *
 * Rows come back in the order of {@linkcode buildCombinations} whatever the
 * manager; failed rows keep their parameters, have NaN outputs and an error
 * message. With `csv` or `jsonl`, every finished row is on disk as soon as
 * it exists, and the file is rewritten in row order at the end.
 *
 * @param options What to sweep and where the results go.
 * @returns The rows' parameters, outputs and outcomes as columns.
 * @throws {TypeError | RangeError} When an option is invalid, naming it.
 * @throws {Error} When the model cannot be built.
 *
 * @example A serial sweep of an inline model
 * ```ts
 * import { linearSample, parameterSweep } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.x * p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const result = await parameterSweep({ model, params: { x: linearSample(0, 2, 3) }, workers: 1 });
 * assert.deepEqual([...result.outputs.y], [0, 1, 4]);
 * URL.revokeObjectURL(model);
 * ```
 */
export async function parameterSweep(options: SweepOptions): Promise<SweepResult> {
  const plan = planSweep(options);
  const combos = buildCombinations(options.params, { seed: options.seed });
  return await runRows(plan, combos.data, combos.rows, combos.seed, {
    sampling: { params: options.params, seed: combos.seed },
  });
}

/** Options of {@linkcode recursiveParameterSweep}. */
export interface RecursiveSweepOptions extends SweepOptions {
  /** How many successful rows to collect. */
  readonly numSamples: number;
}

/**
 * WaterTAP's recursive sweep: draws random samples, keeps the successes, and
 * draws `ceil(2 / max(p, 0.1) * remaining)` more (p the success ratio so far)
 * from the continuing stream, at most 10 rounds, trimmed to `numSamples`.
 * Every round runs in parallel.
 *
 * @param options The sweep, with random samplers, and `numSamples`.
 * @returns The successful rows (up to `numSamples`), in the order found.
 * @throws {RangeError} When `numSamples` is not a positive integer or a sampler is not random.
 *
 * @example Keep drawing until 5 points succeed
 * ```ts
 * import { recursiveParameterSweep, uniformSample } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => { if (p.x < 0.5) throw new Error('no'); return { y: p.x }; };"],
 *   { type: "text/javascript" },
 * ));
 * const result = await recursiveParameterSweep({
 *   model, params: { x: uniformSample(0, 1, 4) }, numSamples: 5, seed: 0, workers: 1,
 * });
 * assert.equal(result.rows, 5);
 * assert.ok([...result.params.x].every((x) => x >= 0.5));
 * URL.revokeObjectURL(model);
 * ```
 */
export async function recursiveParameterSweep(
  options: RecursiveSweepOptions,
): Promise<SweepResult> {
  const target = options.numSamples;
  if (!Number.isInteger(target) || target < 1) {
    throw new RangeError(
      `Cannot run a recursive sweep as 'numSamples' must be a positive integer: current value is ${
        describe(target)
      }`,
    );
  }
  if (options.csv || options.jsonl || options.resume) {
    throw new TypeError(
      "Cannot run a recursive sweep with 'csv', 'jsonl' or 'resume': rounds depend on earlier outcomes; write the result yourself",
    );
  }
  for (const [name, s] of Object.entries(options.params)) {
    if (s.kind !== "random") {
      throw new RangeError(
        `Cannot run a recursive sweep as 'params.${name}' must be a random sampler: current kind is ${
          describe(s.kind)
        }`,
      );
    }
  }
  const plan = planSweep(options);
  const rng = options.seed === undefined
    ? new RandomState(RandomState.randomSeed())
    : new RandomState(options.seed);
  const seed = rng.seed;
  const kept: { params: number[]; outputs: Record<string, number> }[] = [];
  let outputNames: readonly string[] | undefined;
  let drawn = 0;
  let succeeded = 0;
  let params = options.params;
  const t0 = performance.now();
  for (let round = 0; round < 10 && kept.length < target; round++) {
    if (round > 0) {
      const p = drawn === 0 ? 0 : succeeded / drawn;
      const n = Math.ceil((2 / Math.max(p, 0.1)) * (target - kept.length));
      params = Object.fromEntries(
        Object.entries(options.params).map(([k, s]) => [k, { ...s, n } as Sampler]),
      );
    }
    const combos = buildCombinations(params, { randomState: rng });
    const result = await runRows(plan, combos.data, combos.rows, seed, {});
    outputNames ??= result.outputNames.length ? result.outputNames : undefined;
    drawn += result.rows;
    for (let r = 0; r < result.rows; r++) {
      if (!result.success[r]) continue;
      succeeded++;
      kept.push({
        params: result.paramNames.map((n) => result.params[n][r]),
        outputs: Object.fromEntries(result.outputNames.map((n) => [n, result.outputs[n][r]])),
      });
    }
  }
  const rows = Math.min(kept.length, target);
  const names = plan.paramNames;
  const outs = outputNames ?? [];
  const elapsedMs = performance.now() - t0;
  return {
    paramNames: names,
    outputNames: outs,
    params: Object.fromEntries(
      names.map((n, c) => [n, Float64Array.from(kept.slice(0, rows), (k) => k.params[c])]),
    ),
    outputs: Object.fromEntries(
      outs.map((n) => [n, Float64Array.from(kept.slice(0, rows), (k) => k.outputs[n] ?? NaN)]),
    ),
    success: new Uint8Array(rows).fill(1),
    errors: new Map(),
    seed,
    rows,
    stats: {
      succeeded: rows,
      failed: 0,
      resumed: 0,
      elapsedMs,
      rowsPerSecond: drawn / (elapsedMs / 1000),
    },
  };
}

/** A validated sweep, ready to run rows. */
interface Plan {
  options: SweepOptions;
  model: string;
  paramNames: string[];
  outputs: string[] | undefined;
}

function planSweep(options: SweepOptions): Plan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot run a sweep as 'options' must be an object: current value is ${describe(options)}`,
    );
  }
  const model = resolveModel(options.model);
  const params = options.params;
  if (typeof params !== "object" || params === null || Object.keys(params).length === 0) {
    throw new RangeError(
      `Cannot run a sweep as 'params' must name at least one parameter: current value is ${
        describe(params)
      }`,
    );
  }
  const paramNames = Object.keys(params);
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
      if (name in params) {
        throw new RangeError(
          `Cannot run a sweep as 'outputs' names ${
            describe(name)
          }, which is a parameter: outputs and parameters need distinct names`,
        );
      }
      seen.add(name);
    }
    outputs = [...options.outputs];
  }
  if (options.manager && (options.workers !== undefined || options.permissions !== undefined)) {
    throw new TypeError(
      "Cannot run a sweep with both 'manager' and 'workers' or 'permissions': configure the manager you pass instead",
    );
  }
  if (options.timeout !== undefined && !(options.timeout > 0)) {
    throw new RangeError(
      `Cannot run a sweep as 'timeout' must be a positive number of milliseconds: current value is ${
        describe(options.timeout)
      }`,
    );
  }
  if (options.resume && !options.csv && !options.jsonl) {
    throw new TypeError("Cannot resume a sweep as neither 'csv' nor 'jsonl' names a results file");
  }
  return { options, model, paramNames, outputs };
}

// Workers import the model through the driver, so they need read access to the model's
// directory (a model usually imports its siblings) on top of what the caller granted.
function withModelRead(
  permissions: WorkerPermissions | undefined,
  model: string,
): WorkerPermissions {
  if (permissions === "inherit") return permissions;
  const granted = permissions === undefined || permissions === "none" ? {} : permissions;
  const url = new URL(model);
  if (url.protocol !== "file:" || granted.read === true || granted.read === "inherit") {
    return granted;
  }
  const dir = decodeURIComponent(new URL(".", url).pathname).replace(/\/$/, "") || "/";
  return { ...granted, read: [...(Array.isArray(granted.read) ? granted.read : []), dir] };
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
  else url = new URL(model.startsWith("/") ? `file://${model}` : `file://${Deno.cwd()}/${model}`);
  if (url.protocol === "file:") {
    const path = decodeURIComponent(url.pathname);
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
const ROW_LEVEL_CHUNK_ERRORS = new Set<string>([
  CHUNK_ERROR_NAMES.timeout,
  CHUNK_ERROR_NAMES.workerDied,
  CHUNK_ERROR_NAMES.aborted,
]);

/** Where rows come from besides computing them, and what identifies the sweep on disk. */
interface RunContext {
  sampling?: { params: Record<string, Sampler>; seed: number | undefined };
}

// Runs `rows` rows of `data` (row-major, one column per parameter) and assembles the result.
async function runRows(
  plan: Plan,
  data: Float64Array,
  rows: number,
  seed: number | undefined,
  context: RunContext,
): Promise<SweepResult> {
  const { options, paramNames } = plan;
  const t0 = performance.now();
  const P = paramNames.length;
  const sink = await SweepSink.open({
    csv: options.csv,
    jsonl: options.jsonl,
    resume: options.resume ?? false,
    overwrite: options.overwrite ?? false,
    paramNames,
    outputs: plan.outputs,
    params: data,
    rows,
    meta: {
      model: plan.model,
      params: context.sampling?.params ?? null,
      seed: context.sampling?.seed ?? seed ?? null,
      rows,
    },
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs,
  });
  let manager: (ParallelManager & { close?(): Promise<void> }) | undefined;
  let owned = false;
  const abort = new AbortController();
  let buildError: string | undefined;
  try {
    // Column 0 carries each row's global index: results are placed by index, not arrival.
    const todo = sink.missingRows();
    const work = new Float64Array(todo.length * (P + 1));
    for (let i = 0; i < todo.length; i++) {
      const r = todo[i];
      work[i * (P + 1)] = r;
      work.set(data.subarray(r * P, (r + 1) * P), i * (P + 1) + 1);
    }
    if (todo.length > 0) {
      if (options.manager) {
        manager = options.manager;
      } else {
        manager = createParallelManager({
          workers: options.workers,
          permissions: withModelRead(options.permissions, plan.model),
          timeout: options.timeout,
          chunkSize: options.timeout !== undefined ? 1 : undefined,
        });
        owned = true;
      }
      const signal = options.signal
        ? AbortSignal.any([options.signal, abort.signal])
        : abort.signal;
      const kwargs: DriverOptions = {
        model: plan.model,
        buildOptions: options.buildOptions,
        paramNames,
        outputs: plan.outputs,
        rebuildOnFailure: options.rebuildOnFailure ?? true,
      };
      const pending: Promise<void>[] = [];
      const seen = new Set<number>();
      await manager.scatter(
        { module: DRIVER, name: "buildSweep" },
        kwargs as unknown as Record<string, unknown>,
        { module: DRIVER, name: "executeSweep" },
        { rows: todo.length, columns: P + 1, data: work },
        {
          signal,
          onResult: (chunk: LocalResults) => {
            // Rows fail one by one inside the driver; a whole chunk fails only when its worker
            // timed out, died or was aborted, or when the model could not be built.
            if (chunk.error && !ROW_LEVEL_CHUNK_ERRORS.has(chunk.error.name)) {
              buildError ??= chunk.error.message;
              abort.abort(new Error(`the model could not be built: ${chunk.error.message}`));
              return;
            }
            seen.add(chunk.processNumber);
            pending.push(sink.add(chunk as LocalResults<ChunkOutput>));
          },
        },
      );
      // In a peer group each rank sees only its own chunk as it finishes; the rest arrive here.
      for (const chunk of manager.resultsFromLocalTree(await manager.gather())) {
        if (!seen.has(chunk.processNumber)) {
          pending.push(sink.add(chunk as LocalResults<ChunkOutput>));
        }
      }
      await Promise.all(pending);
    }
    if (buildError !== undefined) {
      throw new Error(
        `Cannot run the sweep as the model ${plan.model} could not be built: ${buildError}`,
      );
    }
    options.signal?.throwIfAborted();
    const elapsedMs = performance.now() - t0;
    return await sink.finish(seed, elapsedMs);
  } finally {
    await sink.close();
    if (owned) await manager?.close?.();
  }
}
