/**
 * `parameterSweep`: WaterTAP's `parameter_sweep()` on psweep's managers, with
 * rows streamed to disk as they finish and every failure recorded.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { buildCombinations } from "../sampling/build_combinations.ts";
import { combine, rowsOf } from "../sampling/_combinations.ts";
import { parseSampler, type Sampler } from "../sampling/samplers.ts";
import { RandomState } from "../sampling/random_state.ts";
import type { SweepResult } from "./sweep_result.ts";
import type { SweepSummary } from "./sweep_summary.ts";
import { planSweep, runRows, settleOptions, sweepManager, sweepSeed } from "./_run.ts";
import { underMpiLauncher, worldPeers } from "../parallel/_mpi_ffi.ts";
import { RECURSIVE_MAX_ROUNDS } from "../_defaults.ts";
import { MAX_ROWS } from "../_limits.ts";
import type { StreamedSweepOptions, SweepOptions } from "./sweep_options.ts";
import type { Progress } from "../io/progress.ts";
import { recordedSeed } from "./_recorded_seed.ts";
import { columnRows, gridRows, heldRows } from "./_param_rows.ts";
import {
  type KeptStats,
  openRecursiveFiles,
  type RoundPart,
  roundPath,
} from "./_recursive_files.ts";
import { summarizeResult } from "./sweep_summary.ts";

/**
 * A sweep that keeps no rows in memory: they are in its results files (`csv`, `jsonl`, `arrow`,
 * `h5` and/or `parquet`).
 *
 * @param options What to sweep, `keepResult: false`, and at least one results file.
 * @returns The rows' counts, statistics and first failure.
 *
 * @example A sweep whose rows are only on disk
 * ```ts
 * import { linearSample, parameterSweep } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const summary = await parameterSweep({
 *   model, params: { x: linearSample(0, 2, 3) }, workers: 1, csv: `${dir}/r.csv`, keepResult: false,
 * });
 * assert.deepEqual([summary.rows, summary.stats.failed, summary.outputs.y.max], [3, 0, 2]);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export async function parameterSweep(options: StreamedSweepOptions): Promise<SweepSummary>;
/**
 * Runs a model over every combination of its parameters, in parallel.
 *
 * Rows come back in the order of {@linkcode buildCombinations} whatever the
 * manager; failed rows keep their parameters, have NaN outputs and an error
 * message. With `csv` or `jsonl`, finished rows go to disk as they come, in
 * row order (a chunk that finishes early waits up to 250 ms for the rows before
 * it); a file that got rows out of order is rewritten in row order at the end.
 *
 * With `keepResult: false` (and a results file of any format), the rows go to the files only:
 * the sweep returns a {@linkcode SweepSummary} (counts, each column's min, mean and max, the
 * first failure), computed as the rows stream, and its memory does not grow with the rows'
 * outputs.
 *
 * @param options What to sweep and where the results go.
 * @returns The rows' parameters, outputs and outcomes as columns; with `keepResult: false`,
 * their summary.
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
export async function parameterSweep(options: SweepOptions): Promise<SweepResult>;
export async function parameterSweep(
  options: SweepOptions | StreamedSweepOptions,
): Promise<SweepResult | SweepSummary> {
  // Read once: see settleOptions.
  options = settleOptions(options);
  const plan = planSweep(options);
  // Resumed without a seed, the sweep draws the rows again with the seed its file recorded.
  const seed = await sweepSeed(
    options,
    options.resume
      ? () => recordedSeed([options.jsonl, options.csv, options.arrow, options.h5, options.parquet])
      : undefined,
  );
  // A grid that keeps no rows is computed row by row, not held, and random draws are held as
  // their sorted columns only (see _param_rows.ts).
  const streamed = options.keepResult === false;
  const grid = streamed ? gridRows(options.params) : undefined;
  const source = () => {
    if (grid) return { data: grid, rows: grid.rows, seed: undefined };
    if (!streamed) {
      const made = buildCombinations(options.params, { seed });
      // A grid's rows are held for the result; its values go with them, so that its text is
      // made once per value (see _param_rows.ts).
      const values = gridRows(options.params)?.grid;
      if (!values) return made;
      return { ...made, data: { ...heldRows(made.data, made.rows, made.columns), grid: values } };
    }
    const made = combine(options.params, { seed }, "columns");
    return "cols" in made ? { ...made, data: columnRows(made.cols) } : made;
  };
  return await runRows(plan, source, {
    sampling: { params: options.params },
    rows: rowsOf(options.params),
  });
}

/**
 * Options of {@linkcode recursiveParameterSweep}.
 *
 * @example Collecting 3 rows from random samplers
 * ```ts
 * import {
 *   linearSample,
 *   recursiveParameterSweep,
 *   type RecursiveSweepOptions,
 *   uniformSample,
 * } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const options: RecursiveSweepOptions = {
 *   model, params: { x: uniformSample(0, 1, 10) }, numSamples: 3, seed: 1, workers: 1,
 * };
 * const result = await recursiveParameterSweep(options);
 * assert.equal(result.rows, 3);
 * // Only random samplers can be drawn again.
 * await assert.rejects(
 *   recursiveParameterSweep({ ...options, params: { x: linearSample(0, 1, 3) } }),
 *   /must be a random sampler/,
 * );
 * URL.revokeObjectURL(model);
 * ```
 */
export interface RecursiveSweepOptions extends SweepOptions {
  /** How many successful rows to collect. */
  readonly numSamples: number;
  /**
   * The limit on draws: rounds of drawing before the sweep stops with what it found. A sweep
   * that stops short says so in `samples` and `warnings` (the CLI exits 1).
   * @default {10 (WaterTAP's)}
   */
  readonly maxRounds?: number;
}

/**
 * A recursive sweep that keeps no rows in memory (`keepResult: false`): each
 * round streams to its part files as the sweep that keeps its rows does, and
 * once the sweep is done every results file is written from the part files, a
 * batch at a time, with the first `numSamples` successful rows (the same
 * files as the sweep that keeps its rows writes). Needs `csv` or `jsonl`, as
 * the rounds stream to their part files; `interpolateNanOutputs` is refused.
 *
 * It returns the {@linkcode SweepSummary} of the rows kept (as
 * {@linkcode summarizeResult} makes of the kept result): each column's min,
 * mean and max taken as they were written, with `samples`, `warnings` and the
 * counts. What it holds per row drawn is the round's parameters (8 bytes
 * each), as a {@linkcode parameterSweep} of random samples does; a resume of
 * a finished sweep reads its rows back to summarize them.
 *
 * @param options The sweep, with random samplers, `numSamples`, `keepResult: false` and `csv` or `jsonl`.
 * @returns The summary of the successful rows kept.
 * @throws {TypeError | RangeError} As the sweep that keeps its rows, and when neither `csv` nor `jsonl` is named.
 *
 * @example Five successful points to CSV, keeping only their summary
 * ```ts
 * import { recursiveParameterSweep, uniformSample } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => { if (p.x < 0.5) throw new Error('no'); return { y: p.x }; };"],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const summary = await recursiveParameterSweep({
 *   model, params: { x: uniformSample(0, 1, 4) }, numSamples: 5, seed: 0, workers: 1,
 *   csv: `${dir}/r.csv`, keepResult: false,
 * });
 * assert.equal(summary.rows, 5);
 * assert.ok(summary.params.x.min >= 0.5);
 * assert.equal((await Deno.readTextFile(`${dir}/r.csv`)).trim().split("\n").length, 6);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export async function recursiveParameterSweep(
  options: Omit<RecursiveSweepOptions, "keepResult"> & { readonly keepResult: false },
): Promise<SweepSummary>;
/**
 * WaterTAP's recursive sweep: draws random samples, keeps the successes, and
 * draws `ceil(2 / max(p, 0.1) * remaining)` more (p the success ratio of the last round)
 * from the continuing stream, at most `maxRounds` (10) rounds, trimmed to `numSamples`.
 * A sweep that finds fewer says so: `samples.found < samples.requested`, and a warning.
 * Every round runs in parallel.
 *
 * With `csv` or `jsonl`, each round streams its rows to a part file beside the
 * results file (`.<name>.round-<r>.<ext>`); `resume` replays the rounds from them,
 * computing only the rows missing, and once the sweep is done every results file
 * (`arrow`, `h5` and `parquet` too, written only then) gets the rows kept, with its
 * metadata, and the part files are removed. A resume of a finished sweep reads its
 * results file back; a resume needs `csv` or `jsonl`. The sweep holds the lock of
 * each results file from its first look at them to its last write: a second run on
 * them fails at once, naming this one's pid. With `keepResult: false` the rows are
 * held nowhere but in those files (see the overload above).
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
): Promise<SweepResult>;
export async function recursiveParameterSweep(
  options:
    | RecursiveSweepOptions
    | Omit<RecursiveSweepOptions, "keepResult"> & { readonly keepResult: false },
): Promise<SweepResult | SweepSummary> {
  options = settleOptions(options, Object.keys(RECURSIVE_FIELDS));
  const plan = planSweep(options, Object.keys(RECURSIVE_FIELDS));
  const target = options.numSamples;
  if (!Number.isSafeInteger(target) || target < 1) {
    throw new RangeError(
      `Cannot run a recursive sweep as 'numSamples' must be a positive integer: current value is ${
        describe(target)
      }`,
    );
  }
  if (target > MAX_ROWS) {
    throw new RangeError(
      `Cannot run a recursive sweep as 'numSamples' asks for more rows than a sweep holds in memory (at most ${MAX_ROWS}): current value is ${target}`,
    );
  }
  const maxRounds = options.maxRounds ?? RECURSIVE_MAX_ROUNDS;
  if (!Number.isSafeInteger(maxRounds) || maxRounds < 1) {
    throw new RangeError(
      `Cannot run a recursive sweep as 'maxRounds' must be a positive integer: current value is ${
        describe(maxRounds)
      }`,
    );
  }
  const samplers = Object.entries(options.params).map(([name, value]) => {
    const sampler = parseSampler(value, `params.${name}`);
    // Each round draws anew: a sampler must draw, not hold a list of values.
    if (sampler.kind !== "random" || "values" in sampler) {
      throw new RangeError(
        `Cannot run a recursive sweep as 'params.${name}' must be a random sampler that draws (uniform or normal): current value is ${
          describe(sampler.sampler)
        }`,
      );
    }
    return [name, sampler] as const;
  });
  // Each round streams to part files beside the CSV and JSON Lines results files; every results
  // file gets the rows kept once the sweep is done (see _recursive_files.ts).
  const streamed = [options.csv, options.jsonl].filter((p): p is string => p !== undefined);
  const paths = [options.csv, options.jsonl, options.arrow, options.h5, options.parquet].filter((
    p,
  ): p is string => p !== undefined);
  const keep = options.keepResult !== false;
  if (!keep && streamed.length === 0) {
    throw new TypeError(
      "Cannot run a recursive sweep with 'keepResult: false' as neither 'csv' nor 'jsonl' names a results file: its rounds stream to CSV or JSON Lines part files, which the results files are written from; set 'csv' or 'jsonl', or leave 'keepResult' true",
    );
  }
  if (options.resume && streamed.length === 0) {
    throw new TypeError(
      "Cannot resume a recursive sweep as neither 'csv' nor 'jsonl' names a results file: its rounds stream to CSV or JSON Lines part files, and 'arrow', 'h5' and 'parquet' are written only once the sweep completes; set 'csv' or 'jsonl', or run it again without 'resume'",
    );
  }
  const meta = {
    model: plan.model,
    ...(options.buildOptions !== undefined ? { buildOptions: options.buildOptions } : {}),
    params: options.params,
    numSamples: target,
  };
  // Under an MPI launcher every rank runs this: the root alone locks, reads and writes the
  // files, and tells the other ranks whether the sweep had already finished.
  const peers = options.manager ?? (underMpiLauncher() ? worldPeers() : undefined);
  const root = peers?.isRootProcess() ?? true;
  const files = paths.length > 0 && root
    ? await openRecursiveFiles(
      paths,
      streamed,
      options.resume ?? false,
      options.overwrite ?? false,
      meta,
      options.seed,
    )
    : undefined;
  try {
    const finished = paths.length > 0 && peers
      ? await peers.syncObjectWithPeers(files?.finished ?? null)
      : files?.finished;
    // (A finished sweep's rows are read back whole: its summary is made of them.)
    if (finished) return keep ? finished : summarizeResult(finished);
    const drawn = await drawRounds(
      options as RecursiveSweepOptions,
      plan,
      samplers,
      target,
      maxRounds,
      meta,
      streamed,
      keep,
    );
    if (keep) {
      const result = drawn as SweepResult;
      await files?.write(result);
      return result;
    }
    const { parts, ...summary } = drawn as SweepSummary & { parts: RoundPart[] };
    // The root writes the files from the parts, and tells the other ranks their statistics, or
    // that it failed (they must not wait for it).
    let outcome: { stats: KeptStats } | { error: string } | null = null;
    if (files) {
      try {
        outcome = { stats: await files.writeFromParts(parts, summary) };
      } catch (error) {
        if (!peers) throw error;
        await peers.syncObjectWithPeers({ error: String(error) });
        throw error;
      }
    }
    if (peers) outcome = await peers.syncObjectWithPeers(outcome);
    if (outcome === null || "error" in outcome) {
      throw new Error(
        `Cannot write the recursive sweep's results files as rank 0 failed: ${
          outcome?.error ?? "it has no results files"
        }`,
      );
    }
    return { ...summary, params: outcome.stats.params, outputs: outcome.stats.outputs };
  } finally {
    files?.release();
  }
}

// The rounds of a recursive sweep, each streaming to the part files of `streamed`.
async function drawRounds(
  options: RecursiveSweepOptions,
  plan: ReturnType<typeof planSweep>,
  samplers: (readonly [string, Sampler])[],
  target: number,
  maxRounds: number,
  meta: Record<string, unknown>,
  streamed: string[],
  keep: boolean,
): Promise<SweepResult | SweepSummary & { parts: RoundPart[] }> {
  // Resumed without a seed, the rounds are drawn again with the seed the first round recorded.
  const recorded = options.resume
    ? () => recordedSeed(streamed.map((f) => roundPath(f, 0)))
    : undefined;
  const rng = new RandomState(
    (await sweepSeed(options, recorded)) ?? RandomState.randomSeed(),
  );
  const seed = rng.seed;
  let resumed = 0;
  const kept: { params: number[]; outputs: Record<string, number> }[] = [];
  // Without keeping rows: how many succeeded, and the part file of each round they are in.
  let found = 0;
  const parts: RoundPart[] = [];
  // Every output any round produced, in the order they first appeared (as parameterSweep).
  const outputNames: string[] = [];
  const warnings = new Set<string>();
  // The model's stacks of failed draws, by draw (every point drawn, counted from 0), first of
  // each kind of error (its first line up to the colon).
  const stacks = new Map<number, string>();
  const kinds = new Set<string>();
  let rounds = 0;
  let drawn = 0;
  let failedBefore = 0;
  // WaterTAP sizes each round from the success ratio of the round just run.
  let lastDrawn = 0;
  let lastSucceeded = 0;
  let params: Record<string, Sampler> = Object.fromEntries(samplers);
  // One manager for every round: starting a pool per round cost more than small rounds.
  const owned = options.manager ? undefined : sweepManager(options);
  const manager = options.manager ?? owned!;
  // Every round's rows succeed or not: there is nothing to interpolate in what is kept.
  const base: SweepOptions | StreamedSweepOptions = {
    ...options,
    keepResult: keep ? undefined : false,
    manager,
    workers: undefined,
    permissions: undefined,
    interpolateNanOutputs: undefined,
    // Written once the sweep is done, with the rows kept, not by each round.
    arrow: undefined,
    h5: undefined,
    parquet: undefined,
  };
  const round = { ...plan, options: base };
  const onProgress = options.onProgress;
  const t0 = performance.now();
  try {
    for (let r = 0; r < maxRounds && found < target; r++) {
      rounds++;
      if (r > 0) {
        const p = lastDrawn === 0 ? 0 : lastSucceeded / lastDrawn;
        const n = Math.min(Math.ceil((2 / Math.max(p, 0.1)) * (target - found)), MAX_ROWS);
        params = Object.fromEntries(samplers.map(([k, s]) => [k, { ...s, n } as Sampler]));
      }
      const combos = buildCombinations(params, { randomState: rng });
      // Progress over the whole sweep: rows of earlier rounds count, and the total grows with
      // each round's draw.
      const before = drawn;
      const failed = failedBefore;
      const part = (path: string | undefined) =>
        path === undefined ? undefined : roundPath(path, r);
      round.options = {
        ...base,
        csv: part(options.csv),
        jsonl: part(options.jsonl),
        onProgress: onProgress &&
          ((p: Progress) =>
            onProgress({
              ...p,
              done: before + p.done,
              failed: failed + p.failed,
              total: before + p.total,
            })),
      };
      // A round that keeps no rows returns their summary (keepResult false in base).
      const result = await runRows(round, () => ({ ...combos, seed }), {
        sampling: { params: options.params },
        meta: { ...meta, round: r },
      });
      resumed += result.stats.resumed;
      for (const warning of result.warnings) warnings.add(warning);
      for (const [row, stack] of result.stacks ?? []) {
        const kind = stack.slice(0, stack.indexOf(":"));
        if (kinds.has(kind)) continue;
        kinds.add(kind);
        stacks.set(drawn + row, stack);
      }
      for (const name of result.outputNames) {
        if (!outputNames.includes(name)) outputNames.push(name);
      }
      drawn += result.rows;
      failedBefore += result.stats.failed;
      lastDrawn = result.rows;
      lastSucceeded = result.stats.succeeded;
      found += lastSucceeded;
      if (!keep) {
        parts.push({ path: roundPath(streamed[0], r), outputNames: result.outputNames });
        continue;
      }
      const held = result as SweepResult;
      for (let i = 0; i < held.rows; i++) {
        if (!held.success[i]) continue;
        kept.push({
          params: held.paramNames.map((n) => held.params[n][i]),
          outputs: Object.fromEntries(held.outputNames.map((n) => [n, held.outputs[n][i]])),
        });
      }
    }
  } finally {
    await owned?.close();
  }
  const rows = Math.min(found, target);
  const names = plan.paramNames;
  const elapsedMs = performance.now() - t0;
  if (rows < target) {
    warnings.add(
      `the recursive sweep found ${rows} of the ${target} successful samples asked for, in ${rounds} round${
        rounds === 1 ? "" : "s"
      } of drawing (${drawn} drawn, ${drawn - found} failed); raise 'maxRounds' to draw more`,
    );
  }
  const stats = {
    succeeded: rows,
    failed: 0,
    resumed,
    elapsedMs,
    rowsPerSecond: (drawn - resumed) / (elapsedMs / 1000),
  };
  // What the summary and the result share.
  const common = {
    paramNames: names,
    outputNames,
    warnings: [...warnings],
    stacks,
    samples: { requested: target, found: rows, drawn, rounds },
    seed,
    rows,
    stats,
  };
  if (!keep) {
    // The columns' statistics are taken as the results files are written from the parts.
    return { ...common, params: {}, outputs: {}, firstError: undefined, parts };
  }
  const result: SweepResult = {
    ...common,
    params: Object.fromEntries(
      names.map((n, c) => [n, Float64Array.from(kept.slice(0, rows), (k) => k.params[c])]),
    ),
    outputs: Object.fromEntries(
      outputNames.map((
        n,
      ) => [n, Float64Array.from(kept.slice(0, rows), (k) => k.outputs[n] ?? NaN)]),
    ),
    success: new Uint8Array(rows).fill(1),
    errors: new Map(),
  };
  return result;
}

// The recursive sweep's own options, as the compiler checks (planSweep refuses other keys).
const RECURSIVE_FIELDS: Record<Exclude<keyof RecursiveSweepOptions, keyof SweepOptions>, true> = {
  numSamples: true,
  maxRounds: true,
};
