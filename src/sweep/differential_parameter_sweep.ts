/**
 * `differentialParameterSweep`: WaterTAP's `DifferentialParameterSweep`, in
 * which every nominal row of a sweep is followed by a small sweep of
 * perturbations around it.
 *
 * @module
 */

import { describe, invalid } from "../_describe.ts";
import { MAX_ROWS } from "../_limits.ts";
import { STREAM_DEFAULTS } from "../_defaults.ts";
import { argsortStable } from "../sampling/_argsort.ts";
import { geomspace, linspace } from "../sampling/_spaces.ts";
import { buildCombinations } from "../sampling/build_combinations.ts";
import { RandomState } from "../sampling/random_state.ts";
import type { SweepOptions } from "./sweep_options.ts";
import type { SweepResult } from "./sweep_result.ts";
import type { SweepSummary } from "./sweep_summary.ts";
import { planSweep, runRows, settleOptions, sweepSeed } from "./_run.ts";
import type { ExtraColumns } from "./_extra_columns.ts";
import type { ParamRows } from "./_param_rows.ts";
import { recordedSeed } from "./_recorded_seed.ts";

// The columns a differential sweep writes before the parameters; no parameter may take their names.
const INDEX_COLUMNS = ["nominalIndex", "differentialIndex"];

/**
 * How one swept parameter is perturbed around each nominal value `v`
 * (WaterTAP's `differential_sweep_specs` entry; the WaterTAP names are given
 * in brackets).
 *
 * For `sample` `"uniform"`, `"linear"`, `"geom"` and `"reverseGeom"` the perturbations
 * span a range from `lower` to `upper` that `mode` makes of `v`:
 *
 * - `"sum"`: `v * (1 - relativeLower)` to `v * (1 + relativeUpper)`;
 * - `"product"`: `v * relativeLower` to `v * relativeUpper`;
 * - `"percentile"`: `v + |nominalUpper - nominalLower| * relativeLower` to
 *   `v + |nominalUpper - nominalLower| * relativeUpper`.
 *
 * For `sample` `"normal"` the perturbations are normal draws with mean `v`
 * and the absolute standard deviation `sd`, whatever `mode` says.
 *
 * @example Geometrically spaced values from a tenth to ten times the nominal value
 * ```ts
 * import { type DifferentialSpec, differentialParameterSweep, fixedSample } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const spec: DifferentialSpec = {
 *   mode: "product",
 *   sample: "geom",
 *   relativeLower: 0.1,
 *   relativeUpper: 10,
 * };
 * const result = await differentialParameterSweep({
 *   model, params: { x: fixedSample([10]) }, differential: { x: spec }, numDiffSamples: 3, workers: 1,
 * });
 * // The nominal row, then its perturbations.
 * assert.deepEqual([...result.params.x], [10, 1, 10, 100]);
 * URL.revokeObjectURL(model);
 * ```
 */
export interface DifferentialSpec {
  /**
   * How the range is made of the nominal value (`diff_mode`). Needed by every `sample` but
   * `"normal"`, which draws around the nominal value itself and ignores it (as WaterTAP's
   * `NormalSample` spec, which has no `diff_mode`).
   */
  readonly mode?: "sum" | "product" | "percentile";
  /**
   * How the perturbations are drawn (`diff_sample_type`): uniform or normal
   * draws, one row per sample, or evenly (`"linear"`, WaterTAP's `LinearSample`) or
   * geometrically spaced values (crowding towards `lower`, or towards `upper` for
   * `"reverseGeom"`) combined with the other perturbed parameters' values. Random and spaced
   * samples cannot be mixed in one sweep.
   */
  readonly sample: "uniform" | "normal" | "linear" | "geom" | "reverseGeom";
  /** The lower end of the range, relative to the nominal value as `mode` says (`relative_lb`). */
  readonly relativeLower?: number;
  /** The upper end of the range, relative to the nominal value as `mode` says (`relative_ub`). */
  readonly relativeUpper?: number;
  /** The standard deviation of `"normal"` samples, absolute and at least 0 (`std_dev`). */
  readonly sd?: number;
  /** Mode `"percentile"`: the lower end of the parameter's nominal range (`nominal_lb`). */
  readonly nominalLower?: number;
  /** Mode `"percentile"`: the upper end of the parameter's nominal range (`nominal_ub`). */
  readonly nominalUpper?: number;
}

/**
 * Options of {@linkcode differentialParameterSweep}.
 *
 * @example Perturbing one of two parameters
 * ```ts
 * import {
 *   differentialParameterSweep,
 *   type DifferentialSweepOptions,
 *   fixedSample,
 * } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.a * p.b });"],
 *   { type: "text/javascript" },
 * ));
 * const options: DifferentialSweepOptions = {
 *   model,
 *   params: { a: fixedSample([1]), b: fixedSample([5]) },
 *   differential: {
 *     a: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.1 },
 *   },
 *   numDiffSamples: 4,
 *   seed: 1,
 *   workers: 1,
 * };
 * const result = await differentialParameterSweep(options);
 * // One nominal row, then 4 perturbations of `a` within 10% of it; `b` keeps its value.
 * assert.equal(result.rows, 5);
 * assert.ok(result.params.a.slice(1).every((a) => a >= 0.9 && a < 1.1));
 * assert.deepEqual([...result.params.b], [5, 5, 5, 5, 5]);
 * URL.revokeObjectURL(model);
 * ```
 */
export interface DifferentialSweepOptions extends SweepOptions {
  /** How each perturbed parameter is perturbed, by parameter name (each one of `params`). */
  readonly differential: Readonly<Record<string, DifferentialSpec>>;
  /**
   * Samples per perturbed parameter around each nominal row (`num_diff_samples`):
   * the number of perturbation rows of random samples, and the number of values
   * of each parameter in the grid of `"linear"`, `"geom"` and `"reverseGeom"` samples.
   * @default {1}
   */
  readonly numDiffSamples?: number;
}

const MODES = ["sum", "product", "percentile"] as const;
const SAMPLES = ["uniform", "normal", "linear", "geom", "reverseGeom"] as const;
const FIELDS = [
  "mode",
  "sample",
  "relativeLower",
  "relativeUpper",
  "sd",
  "nominalLower",
  "nominalUpper",
] as const;

// One perturbed parameter, validated.
interface Perturbation {
  readonly name: string;
  readonly column: number;
  readonly mode: DifferentialSpec["mode"] | undefined;
  readonly sample: DifferentialSpec["sample"];
  readonly relativeLower: number;
  readonly relativeUpper: number;
  readonly sd: number;
  readonly delta: number;
}

function fail(kind: "type" | "range", what: string, value: unknown): never {
  return invalid("run a differential sweep", kind, what, value);
}

function oneOf(values: readonly string[]): string {
  const quoted = values.map((v) => `"${v}"`);
  return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

function choice<T extends string>(value: unknown, field: string, values: readonly T[]): T {
  if (typeof value !== "string" || !values.includes(value as T)) {
    fail(
      typeof value === "string" ? "range" : "type",
      `'${field}' must be ${oneOf(values)}`,
      value,
    );
  }
  return value as T;
}

function finite(value: unknown, field: string, needed: string): number {
  if (typeof value !== "number") fail("type", `'${field}' must be a number ${needed}`, value);
  if (!Number.isFinite(value)) fail("range", `'${field}' must be a finite number`, value);
  return value;
}

function unused(value: unknown, field: string, onlyWith: string): void {
  if (value !== undefined) fail("type", `'${field}' is only used with ${onlyWith}`, value);
}

function checkSpec(value: unknown, name: string, column: number): Perturbation {
  const at = `differential.${name}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("type", `'${at}' must be an object with 'sample' (and 'mode')`, value);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      fail(
        "type",
        `'${at}.${key}' is not a field of a differential spec (expected ${
          FIELDS.map((f) => `'${f}'`).join(", ")
        })`,
        o[key],
      );
    }
  }
  const sample = choice(o.sample, `${at}.sample`, SAMPLES);
  if (sample === "normal") {
    // A normal draw is centred on the nominal value: a mode, if given, must still be valid.
    const mode = o.mode === undefined ? undefined : choice(o.mode, `${at}.mode`, MODES);
    const sd = finite(o.sd, `${at}.sd`, 'for sample "normal"');
    if (sd < 0) fail("range", `'${at}.sd' must be at least 0`, sd);
    for (const key of ["relativeLower", "relativeUpper", "nominalLower", "nominalUpper"]) {
      unused(o[key], `${at}.${key}`, 'samples other than "normal"');
    }
    return { name, column, mode, sample, relativeLower: 0, relativeUpper: 0, sd, delta: 0 };
  }
  unused(o.sd, `${at}.sd`, 'sample "normal"');
  const mode = choice(o.mode, `${at}.mode`, MODES);
  const needed = `for sample "${sample}"`;
  const relativeLower = finite(o.relativeLower, `${at}.relativeLower`, needed);
  const relativeUpper = finite(o.relativeUpper, `${at}.relativeUpper`, needed);
  let delta = 0;
  if (mode === "percentile") {
    const lower = finite(o.nominalLower, `${at}.nominalLower`, 'for mode "percentile"');
    const upper = finite(o.nominalUpper, `${at}.nominalUpper`, 'for mode "percentile"');
    delta = Math.abs(upper - lower);
  } else {
    unused(o.nominalLower, `${at}.nominalLower`, 'mode "percentile"');
    unused(o.nominalUpper, `${at}.nominalUpper`, 'mode "percentile"');
  }
  return { name, column, mode, sample, relativeLower, relativeUpper, sd: 0, delta };
}

function checkDifferential(
  differential: unknown,
  paramNames: readonly string[],
): Perturbation[] {
  if (typeof differential !== "object" || differential === null || Array.isArray(differential)) {
    fail("type", "'differential' must be an object of specs by parameter name", differential);
  }
  const names = Object.keys(differential);
  if (names.length === 0) {
    fail("range", "'differential' must name at least one parameter", differential);
  }
  const perturbations = names.map((name) => {
    const column = paramNames.indexOf(name);
    if (column < 0) {
      fail(
        "range",
        `every key of 'differential' must be a parameter of 'params' (${
          paramNames.map((n) => describe(n)).join(", ")
        })`,
        name,
      );
    }
    return checkSpec((differential as Record<string, unknown>)[name], name, column);
  });
  const first = perturbations[0];
  for (const p of perturbations) {
    if (isRandom(p) !== isRandom(first)) {
      fail(
        "type",
        `'differential.${p.name}.sample' must ${
          isRandom(first) ? "draw at random" : "be spaced"
        } like 'differential.${first.name}.sample' ("${first.sample}"), as sampling types cannot be mixed`,
        p.sample,
      );
    }
  }
  return perturbations;
}

function isRandom(p: Perturbation): boolean {
  return p.sample === "uniform" || p.sample === "normal";
}

// The range WaterTAP's `_create_differential_sweep_params` makes of a nominal value.
function rangeOf(p: Perturbation, nominal: number, row: number): [number, number] {
  let lower: number;
  let upper: number;
  switch (p.mode) {
    case "sum":
      lower = nominal * (1 - p.relativeLower);
      upper = nominal * (1 + p.relativeUpper);
      break;
    case "product":
      lower = nominal * p.relativeLower;
      upper = nominal * p.relativeUpper;
      break;
    default:
      // "percentile" (a normal sample, which may have no mode, never comes here)
      lower = nominal + p.delta * p.relativeLower;
      upper = nominal + p.delta * p.relativeUpper;
      break;
  }
  if (!Number.isFinite(upper - lower)) {
    throw new RangeError(
      `Cannot run a differential sweep as 'differential.${p.name}' makes the range ${lower} to ${upper} of nominal row ${row} (${p.name} = ${nominal}), which must be finite`,
    );
  }
  return [lower, upper];
}

// `np.linspace(lower, upper, n)` (WaterTAP's LinearSample), or `np.geomspace(lower, upper, n)` for
// bounds of one sign, in either order, or its mirror image (WaterTAP's ReverseGeomSample).
function spaced(p: Perturbation, nominal: number, row: number, n: number): Float64Array {
  const [lower, upper] = rangeOf(p, nominal, row);
  if (p.sample === "linear") return linspace(lower, upper, n);
  if (lower === 0 || Math.sign(lower) !== Math.sign(upper)) {
    throw new RangeError(
      `Cannot run a differential sweep as 'differential.${p.name}' makes the geometric range ${lower} to ${upper} of nominal row ${row} (${p.name} = ${nominal}), which must not include or cross zero`,
    );
  }
  const sign = Math.sign(lower);
  const values = geomspace(lower / sign, upper / sign, n);
  for (let i = 0; i < n; i++) values[i] *= sign;
  if (p.sample === "geom") return values;
  const sum = upper + lower;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sum - values[n - 1 - i];
  return out;
}

// The draws of a generator seeded with `seed` that every nominal row's random perturbations are
// made of, perturbed parameter by parameter, `n` each: RandomState's randomSample for a uniform
// sample (uniform(lower, upper) is lower + (upper - lower) * randomSample()) and standardNormal
// for a normal one (normal(mean, sd) is mean + sd * standardNormal()). Drawn once, not reseeded
// for every nominal row. Undefined for spaced samples.
function unitDraws(
  perturbations: readonly Perturbation[],
  seed: number,
  n: number,
): Float64Array[] | undefined {
  if (!isRandom(perturbations[0])) return undefined;
  const rng = new RandomState(seed);
  return perturbations.map((p) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = p.sample === "normal" ? rng.standardNormal() : rng.randomSample();
    }
    return values;
  });
}

// Reused arrays for perturb's values, one per perturbed parameter: perturb runs for every nominal
// row, several times when the rows are not kept, and allocating them each time cost more than
// filling them.
const scratchColumns: Float64Array[] = [];
function scratch(j: number, n: number): Float64Array {
  let values = scratchColumns[j];
  if (values === undefined || values.length !== n) scratchColumns[j] = values = new Float64Array(n);
  return values;
}

// The order of the unit draws (a stable argsort), by their array: every nominal row's first
// perturbed values are an increasing affine map of the same draws, so they mostly sort alike.
const unitOrders = new WeakMap<Float64Array, Uint32Array>();

// argsortStable(values), where values are units[i] mapped by one affine function: the units'
// own order when the values are non-decreasing along it with equal values in draw order (what
// the stable sort gives); else sorted anew (a decreasing map, or ties that rounding made).
function sortedOrder(values: Float64Array, units: Float64Array): Uint32Array {
  let order = unitOrders.get(units);
  if (order === undefined) unitOrders.set(units, order = argsortStable(units));
  for (let r = 1; r < order.length; r++) {
    const a = values[order[r - 1]], b = values[order[r]];
    if (a > b || (a === b && order[r - 1] > order[r])) return argsortStable(values);
  }
  return order;
}

// The perturbation rows of one nominal row, written into `out` from `at` (row-major, P wide).
function perturb(
  perturbations: readonly Perturbation[],
  nominal: Float64Array,
  row: number,
  units: readonly Float64Array[] | undefined,
  n: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  const P = nominal.length;
  for (let r = 0; r < count; r++) out.set(nominal, at + r * P);
  if (units !== undefined) {
    // WaterTAP's nested sweep reseeds numpy with the sweep's seed for every nominal row, draws
    // each parameter's samples in turn and sorts the rows by the first parameter's values: the
    // same unit draws for every nominal row (see unitDraws), made into its values here as
    // RandomState's uniform and normal make them, bit for bit.
    const columns = perturbations.map((p, j) => {
      const values = scratch(j, n);
      const nominalValue = nominal[p.column];
      const u = units[j];
      if (p.sample === "normal") {
        for (let i = 0; i < n; i++) values[i] = nominalValue + p.sd * u[i];
      } else {
        const [lower, upper] = rangeOf(p, nominalValue, row);
        const range = upper - lower;
        for (let i = 0; i < n; i++) values[i] = lower + range * u[i];
      }
      return values;
    });
    const order = sortedOrder(columns[0], units[0]);
    for (let j = 0; j < perturbations.length; j++) {
      const c = perturbations[j].column;
      for (let r = 0; r < n; r++) out[at + r * P + c] = columns[j][order[r]];
    }
    return;
  }
  // Spaced values make every combination, the last parameter varying fastest.
  const columns = perturbations.map((p) => spaced(p, nominal[p.column], row, n));
  let stride = count;
  for (let j = 0; j < perturbations.length; j++) {
    stride /= n;
    const c = perturbations[j].column;
    for (let r = 0; r < count; r++) out[at + r * P + c] = columns[j][Math.floor(r / stride) % n];
  }
}

/**
 * A differential sweep that keeps no rows in memory (`keepResult: false`): its
 * rows, with their `nominalIndex` and `differentialIndex` columns, are in its
 * results files only (at least one of `csv`, `jsonl`, `arrow`, `h5` and
 * `parquet`), byte for byte those of the same sweep keeping its rows.
 *
 * It returns the {@linkcode SweepSummary} of every row, nominal and
 * perturbation alike (as {@linkcode summarizeResult} makes of the kept
 * result): counts, each parameter's and output's min, mean and max, and the
 * first failure. The index columns are computed from each row's index as it
 * is written, not held, and so are the perturbation rows (each nominal row's
 * made again when asked for, a scatter window's worth kept): what the sweep
 * holds per row is a nominal row's parameters (8 bytes each).
 * `interpolateNanOutputs` needs every row held, and is refused.
 *
 * @param options The sweep, `differential`, `numDiffSamples`, `keepResult: false` and a results file.
 * @returns The summary of the nominal and perturbation rows.
 * @throws {TypeError | RangeError} As the sweep that keeps its rows, and when no results file is named.
 *
 * @example Perturbations to CSV, keeping only their summary
 * ```ts
 * import { differentialParameterSweep, fixedSample } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: 2 * p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const dir = await Deno.makeTempDir();
 * const summary = await differentialParameterSweep({
 *   model,
 *   params: { x: fixedSample([10, 20]) },
 *   differential: { x: { mode: "product", sample: "geom", relativeLower: 0.5, relativeUpper: 2 } },
 *   numDiffSamples: 3,
 *   workers: 1,
 *   csv: `${dir}/r.csv`,
 *   keepResult: false,
 * });
 * // 2 nominal rows and 3 perturbations of each.
 * assert.equal(summary.rows, 8);
 * assert.deepEqual([summary.params.x.min, summary.params.x.max], [5, 40]);
 * assert.match(await Deno.readTextFile(`${dir}/r.csv`), /^nominalIndex,differentialIndex,x,y,success\n/);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export async function differentialParameterSweep(
  options: Omit<DifferentialSweepOptions, "keepResult"> & { readonly keepResult: false },
): Promise<SweepSummary>;
/**
 * WaterTAP's differential sweep: runs the nominal rows of a sweep and, around
 * each of them, a small sweep of perturbations of the parameters named in
 * `differential`, all in parallel.
 *
 * The nominal rows are those of {@linkcode parameterSweep} for the same
 * `params` and `seed`. Around each nominal row, the perturbed parameters take
 * `numDiffSamples` samples each, as {@linkcode DifferentialSpec} describes,
 * while the other parameters keep their nominal values. As in WaterTAP, the
 * perturbations of every nominal row are drawn from a generator freshly seeded
 * with `seed` (without `seed`, one fresh seed serves the whole sweep and is
 * reported, where WaterTAP would draw fresh entropy for every nominal row),
 * random samples are sorted by the first perturbed parameter, and spaced samples (`"geom"`, `"reverseGeom"`) make every combination, so
 * `numDiffSamples ** k` rows for `k` perturbed parameters. A nominal row that
 * fails is perturbed all the same.
 *
 * All rows run in one parallel sweep. The result holds the `N` nominal rows
 * first, then the perturbation rows of nominal row 0, of row 1, and so on
 * (WaterTAP's order on one process), whatever the number of workers. Its
 * index columns are WaterTAP's `nominal_idx` and `differential_idx`:
 * `nominalIndex` is a nominal row's own index and NaN for perturbation rows;
 * `differentialIndex` is NaN for nominal rows and, for a perturbation row, the
 * index of the nominal row it perturbs.
 *
 * With a results file (`csv`, `jsonl`, `arrow`, `h5`, `parquet`), rows stream
 * to disk as in {@linkcode parameterSweep}, with the columns `nominalIndex` and
 * `differentialIndex` before the parameters, and `resume` continues such a file.
 *
 * @param options The sweep, `differential` and `numDiffSamples`.
 * @returns The nominal rows, then the perturbation rows, with `nominalIndex`
 * and `differentialIndex`.
 * @throws {TypeError} When an option has the wrong type, a differential spec
 * has an unknown or unused field, or random and spaced samples are mixed.
 * @throws {RangeError} When `numDiffSamples` is not a positive integer, a key
 * of `differential` is not a swept parameter, a mode, sample or number is out
 * of range, or a nominal row makes a range that is not finite or a geometric
 * range that includes or crosses zero.
 * @throws {Error} When the model cannot be built.
 *
 * @example Two uniform perturbations of `x` around each nominal value
 * ```ts
 * import { differentialParameterSweep, fixedSample } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: 2 * p.x });"],
 *   { type: "text/javascript" },
 * ));
 * const result = await differentialParameterSweep({
 *   model,
 *   params: { x: fixedSample([10, 20]) },
 *   differential: {
 *     x: { mode: "product", sample: "uniform", relativeLower: 1, relativeUpper: 1.5 },
 *   },
 *   numDiffSamples: 2,
 *   seed: 0,
 *   workers: 1,
 * });
 * assert.equal(result.rows, 6);
 * assert.deepEqual([...result.params.x.slice(0, 2)], [10, 20]);
 * // Around 10 the draws fall in [10, 15), around 20 in [20, 30).
 * assert.ok(result.params.x.slice(2, 4).every((x) => x >= 10 && x < 15));
 * assert.ok(result.params.x.slice(4).every((x) => x >= 20 && x < 30));
 * assert.deepEqual([...result.nominalIndex!], [0, 1, NaN, NaN, NaN, NaN]);
 * assert.deepEqual([...result.differentialIndex!], [NaN, NaN, 0, 0, 1, 1]);
 * assert.deepEqual([...result.outputs.y], [...result.params.x].map((x) => 2 * x));
 * URL.revokeObjectURL(model);
 * ```
 */
export async function differentialParameterSweep(
  options: DifferentialSweepOptions,
): Promise<SweepResult>;
export async function differentialParameterSweep(
  options:
    | DifferentialSweepOptions
    | Omit<DifferentialSweepOptions, "keepResult"> & { readonly keepResult: false },
): Promise<SweepResult | SweepSummary> {
  options = settleOptions(options, Object.keys(DIFFERENTIAL_FIELDS));
  const plan = planSweep(options, Object.keys(DIFFERENTIAL_FIELDS), INDEX_COLUMNS);
  // WaterTAP's num_diff_samples defaults to 1.
  const n = options.numDiffSamples === undefined ? 1 : options.numDiffSamples;
  if (typeof n !== "number") {
    fail("type", "'numDiffSamples' must be a number", n);
  }
  if (!Number.isSafeInteger(n) || n < 1) {
    fail("range", "'numDiffSamples' must be a positive integer", n);
  }
  const perturbations = checkDifferential(options.differential, plan.paramNames);
  const random = isRandom(perturbations[0]);
  const count = random ? n : n ** perturbations.length;
  // Resumed without a seed, the sweep draws the rows again with the seed its file recorded.
  const seed = (await sweepSeed(
    options,
    options.resume
      ? () => recordedSeed([options.jsonl, options.csv, options.arrow, options.h5, options.parquet])
      : undefined,
  )) ?? RandomState.randomSeed();
  const nominal = buildCombinations(options.params, { seed });
  const N = nominal.rows;
  const P = plan.paramNames.length;
  const rows = N * (1 + count);
  if (rows > MAX_ROWS) {
    fail(
      "range",
      `'numDiffSamples' makes ${N} nominal rows with ${count} perturbations each, ${rows} rows: more than a sweep holds in memory (at most ${MAX_ROWS})`,
      n,
    );
  }
  const units = unitDraws(perturbations, seed, n);
  // Kept rows are made once, held; a sweep that keeps no rows makes each nominal row's
  // perturbations when a row of them is asked for (see perturbedRows).
  let data: Float64Array | ParamRows;
  if (options.keepResult === false) {
    data = perturbedRows(nominal.data, N, P, count, (k, out) => {
      perturb(perturbations, nominal.data.subarray(k * P, (k + 1) * P), k, units, n, count, out, 0);
    });
  } else {
    try {
      if (!Number.isSafeInteger(rows * P)) throw new RangeError("too long");
      data = new Float64Array(rows * P);
    } catch {
      throw new RangeError(
        `Cannot run a differential sweep as it makes too many rows to hold in memory: current value is ${N} nominal rows with ${count} perturbations each`,
      );
    }
    data.set(nominal.data);
    for (let k = 0; k < N; k++) {
      const row = nominal.data.subarray(k * P, (k + 1) * P);
      perturb(perturbations, row, k, units, n, count, data, (N + k * count) * P);
    }
  }
  const reportedSeed = nominal.seed !== undefined || random ? seed : undefined;
  // Files carry the index columns first, as WaterTAP's nominal_idx and differential_idx,
  // computed from the row index (a sweep that keeps no rows holds none of them).
  const extra: ExtraColumns = {
    names: [...INDEX_COLUMNS],
    value: (r, c) => {
      if (c === 0) return r < N ? r : NaN;
      return r < N ? NaN : Math.floor((r - N) / count);
    },
  };
  const done = await runRows(plan, () => ({ data, rows, seed: reportedSeed }), {
    sampling: { params: options.params },
    extra,
    // What else makes the rows: a resume checks it is the same sweep.
    meta: { differential: options.differential, numDiffSamples: n },
    rows,
  });
  if (options.keepResult === false) return done as SweepSummary;
  const nominalIndex = new Float64Array(rows);
  const differentialIndex = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    nominalIndex[r] = extra.value(r, 0);
    differentialIndex[r] = extra.value(r, 1);
  }
  return { ...(done as SweepResult), nominalIndex, differentialIndex };
}

/**
 * How many perturbation rows a sweep that keeps no rows holds at a time: as many as it scatters
 * at a time (STREAM_DEFAULTS.windowRows), so that the rows of a window, made when the window is
 * filled, are still there when its chunks come back. Tests make it small.
 */
export const perturbedCache: { rows: number } = { rows: STREAM_DEFAULTS.windowRows };

// The rows of a differential sweep by index (`_param_rows.ts`): the `N` nominal rows held, and
// each nominal row's `count` perturbation rows made by `make(k, out)` when asked for, kept in a
// cache of perturbedCache.rows rows (nominal row k's in slot k modulo its size: consecutive
// nominal rows never evict each other). Every nominal row's perturbations are made once first,
// so that a nominal row whose range is not finite fails before any work, as when rows are held.
function perturbedRows(
  nominal: Float64Array,
  N: number,
  P: number,
  count: number,
  make: (k: number, out: Float64Array) => void,
): ParamRows {
  const width = count * P;
  const slots = Math.max(1, Math.min(N, Math.floor(perturbedCache.rows / count)));
  const cache = new Float64Array(slots * width);
  const held = new Float64Array(slots).fill(-1);
  for (let k = 0; k < N; k++) make(k, cache.subarray(0, width));
  // Where nominal row k's perturbations start in the cache, made now if they are not there.
  const block = (k: number): number => {
    const slot = k % slots;
    const at = slot * width;
    if (held[slot] !== k) {
      make(k, cache.subarray(at, at + width));
      held[slot] = k;
    }
    return at;
  };
  const rows = N * (1 + count);
  return {
    rows,
    columns: P,
    value: (r, c) => {
      if (r < N) return nominal[r * P + c];
      const q = r - N;
      const k = Math.floor(q / count);
      return cache[block(k) + (q - k * count) * P + c];
    },
    copyRow: (r, out, at) => {
      if (r < N) {
        for (let c = 0; c < P; c++) out[at + c] = nominal[r * P + c];
        return;
      }
      const q = r - N;
      const k = Math.floor(q / count);
      const from = block(k) + (q - k * count) * P;
      for (let c = 0; c < P; c++) out[at + c] = cache[from + c];
    },
    slice(first, n) {
      const out = new Float64Array(n * P);
      for (let i = 0; i < n; i++) this.copyRow(first + i, out, i * P);
      return out;
    },
    held: () => {
      const data = new Float64Array(rows * P);
      data.set(nominal);
      for (let k = 0; k < N; k++) {
        make(k, data.subarray((N + k * count) * P, (N + (k + 1) * count) * P));
      }
      return data;
    },
  };
}

// The differential sweep's own options, as the compiler checks (planSweep refuses other keys).
const DIFFERENTIAL_FIELDS: Record<
  Exclude<keyof DifferentialSweepOptions, keyof SweepOptions>,
  true
> = { differential: true, numDiffSamples: true };
