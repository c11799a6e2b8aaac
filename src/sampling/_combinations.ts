// Internal: the work of buildCombinations (see build_combinations.ts for what it promises),
// able to return drawn rows as columns as well: a sweep that keeps no rows (keepResult: false)
// holds its random samples as the sorted columns they are drawn as, never also as a row-major
// copy (see sweep/_param_rows.ts).
import { invalid } from "../_describe.ts";
import { MAX_ROWS } from "../_limits.ts";
import { argsortStable } from "./_argsort.ts";
import { latinHypercubeColumns } from "./_lhs.ts";
import { assertSeed } from "./_seed.ts";
import { geomspace, linspace, reverseGeomspace } from "./_spaces.ts";
import { RandomState } from "./random_state.ts";
import { parseSampler, type Sampler, type SamplingType } from "./samplers.ts";

/** The options buildCombinations takes. */
export interface CombineOptions {
  readonly seed?: number;
  readonly randomState?: RandomState;
}

/** Combinations, row-major (`data`), or for drawn ones asked as columns, `cols` instead. */
export interface Combined {
  readonly rows: number;
  readonly columns: number;
  readonly data: Float64Array;
  readonly names: readonly string[];
  readonly kind: SamplingType;
  readonly seed: number | undefined;
}

/** Drawn combinations as sorted columns. */
export interface CombinedColumns extends Omit<Combined, "data"> {
  readonly cols: Float64Array[];
}

function drawn(
  sorted: Float64Array[],
  rows: number,
  columns: number,
  names: readonly string[],
  kind: SamplingType,
  seed: number,
  layout: "rows" | "columns",
): Combined | CombinedColumns {
  return layout === "columns"
    ? { rows, columns, cols: sorted, names, kind, seed }
    : { rows, columns, data: interleaved(sorted), names, kind, seed };
}

function fail(kind: "type" | "range", what: string, value: unknown): never {
  return invalid("build combinations", kind, what, value);
}

function allocate(rows: number, columns: number): Float64Array {
  const length = rows * columns;
  try {
    if (!Number.isSafeInteger(length)) throw new RangeError("too long");
    return new Float64Array(length);
  } catch {
    throw new RangeError(
      `Cannot build combinations as the parameters make too many to hold in memory: current value is ${rows} rows of ${columns}`,
    );
  }
}

// A sampler's values, or an error naming it when they are too many to hold in memory (the
// samplers' own checks have passed by then: a RangeError here is an allocation that failed).
function held<T>(name: string, sampler: Sampler, make: () => T): T {
  try {
    return make();
  } catch (error) {
    // V8's words for an allocation that failed; any other RangeError is the sampler's own.
    const allocation = /allocation failed|Invalid (typed )?array( buffer)? length/i;
    if (!(error instanceof RangeError) || !allocation.test(error.message)) throw error;
    const field = "values" in sampler ? `params.${name}.values` : `params.${name}.n`;
    return fail("range", `'${field}' asks for more values than memory holds`, countOf(sampler));
  }
}

function countOf(sampler: Sampler): number {
  return "values" in sampler ? sampler.values.length : sampler.n;
}

function fixedValues(sampler: Sampler): Float64Array {
  switch (sampler.sampler) {
    case "linear":
      return linspace(sampler.lower, sampler.upper, sampler.n);
    case "geom":
      return geomspace(sampler.lower, sampler.upper, sampler.n);
    case "reverseGeom":
      return reverseGeomspace(sampler.lower, sampler.upper, sampler.n);
    case "fixed":
      return Float64Array.from(sampler.values);
    default:
      throw new TypeError(`Unexpected sampler "${sampler.sampler}" among fixed samplers`);
  }
}

function randomValues(sampler: Sampler, rng: RandomState): Float64Array {
  switch (sampler.sampler) {
    case "uniform": {
      const out = new Float64Array(sampler.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(sampler.lower, sampler.upper);
      return out;
    }
    case "normal": {
      const out = new Float64Array(sampler.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(sampler.mean, sampler.sd);
      return out;
    }
    case "random":
      return Float64Array.from(sampler.values);
    default:
      throw new TypeError(`Unexpected sampler "${sampler.sampler}" among random samplers`);
  }
}

// Full factorial in numpy's meshgrid(indexing="ij") order: the last column varies fastest.
function fullFactorial(columns: readonly Float64Array[]): { rows: number; data: Float64Array } {
  const width = columns.length;
  const rows = columns.reduce((product, values) => product * values.length, 1);
  // One column is its own grid: no second copy of what may be millions of values.
  if (width === 1) return { rows, data: columns[0] };
  const data = allocate(rows, width);
  let stride = rows;
  for (let c = 0; c < width; c++) {
    const values = columns[c];
    const n = values.length;
    stride /= n;
    let index = 0;
    let run = 0;
    for (let at = c; at < data.length; at += width) {
      data[at] = values[index];
      if (++run === stride) {
        run = 0;
        index = index + 1 === n ? 0 : index + 1;
      }
    }
  }
  return { rows, data };
}

// Rows ordered by the first column, as WaterTAP's argsort does; ties keep their order. The
// columns are sorted where they lie (one column) or replaced one at a time by their sorted
// copies, so that sorting holds little more than the columns themselves: for ten million rows
// of one parameter, its 80 MB and nothing else.
function sortedColumns(columns: Float64Array[]): Float64Array[] {
  if (columns.length === 1) {
    sortInPlace(columns[0]);
    return columns;
  }
  const order = argsortStable(columns[0]);
  for (let c = 0; c < columns.length; c++) {
    const values = columns[c];
    const sorted = new Float64Array(values.length);
    for (let r = 0; r < sorted.length; r++) sorted[r] = values[order[r]];
    columns[c] = sorted;
  }
  return columns;
}

// One column sorted in place. Its equal values are alike but for the sign of zero: the stable
// sort keeps -0 and 0 in the order drawn (they compare equal, as numpy has them), where the
// typed array's own sort puts every -0 first, so the zeros' signs are put back in that order.
function sortInPlace(values: Float64Array): void {
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  const signs = new Uint8Array(zeros);
  for (let i = 0, z = 0; i < values.length; i++) {
    if (values[i] === 0) signs[z++] = Object.is(values[i], -0) ? 1 : 0;
  }
  values.sort();
  let at = 0;
  while (at < values.length && !(values[at] === 0)) at++;
  for (let z = 0; z < zeros; z++) values[at + z] = signs[z] ? -0 : 0;
}

// Columns as a row-major matrix.
function interleaved(columns: readonly Float64Array[]): Float64Array {
  const width = columns.length;
  if (width === 1) return columns[0];
  const rows = columns[0].length;
  const data = allocate(rows, width);
  for (let c = 0; c < width; c++) {
    const values = columns[c];
    for (let r = 0, at = c; r < rows; r++, at += width) data[at] = values[r];
  }
  return data;
}

function sameCount(names: readonly string[], samplers: readonly Sampler[]): number {
  const n = countOf(samplers[0]);
  for (let i = 1; i < samplers.length; i++) {
    const m = countOf(samplers[i]);
    if (m !== n) {
      fail(
        "range",
        `'params.${names[i]}' must have as many samples as 'params.${names[0]}' (${n})`,
        m,
      );
    }
  }
  return n;
}

/**
 * How many rows `params` make (a grid's product of sizes, else the samplers' common count),
 * without making them; undefined where the parameters are not valid (combine says why).
 */
export function rowsOf(params: Record<string, unknown>): number | undefined {
  try {
    const samplers = Object.keys(params).map((name) => parseSampler(params[name], name));
    if (samplers.length === 0) return undefined;
    if (samplers[0].kind === "fixed") return samplers.reduce((n, s) => n * countOf(s), 1);
    return countOf(samplers[0]);
  } catch {
    return undefined;
  }
}

/**
 * buildCombinations' work; with layout "columns", drawn combinations (random, lhs) come as
 * their sorted columns (`cols`) and a grid as rows (`data`).
 */
export function combine(
  params: Readonly<Record<string, Sampler>>,
  options: CombineOptions,
  layout: "rows" | "columns",
): Combined | CombinedColumns {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    fail("type", "'params' must be an object of samplers by parameter name", params);
  }
  if (typeof options !== "object" || options === null) {
    fail("type", "'options' must be an object", options);
  }
  const { seed, randomState } = options;
  if (seed !== undefined) assertSeed(seed, "options.seed");
  if (randomState !== undefined && !(randomState instanceof RandomState)) {
    fail("type", "'options.randomState' must be a RandomState", randomState);
  }

  const names = Object.keys(params);
  if (names.length === 0) fail("range", "'params' must have at least one parameter", params);
  const samplers = names.map((name) => {
    if (name === "") fail("range", "parameter names must be non-empty strings", name);
    return parseSampler(params[name], `params.${name}`);
  });
  const kind = samplers[0].kind;
  for (let i = 1; i < samplers.length; i++) {
    if (samplers[i].kind !== kind) {
      fail(
        "type",
        `'params.${names[i]}' must use the same sampling type as 'params.${
          names[0]
        }' ("${kind}"), as types cannot be mixed`,
        samplers[i].kind,
      );
    }
  }
  const frozenNames = Object.freeze(names);
  const columns = names.length;

  if (kind === "fixed") {
    // A product of grid sizes beyond what memory holds is refused before any value is made.
    const rows = samplers.reduce((product, s) => product * countOf(s), 1);
    if (rows > MAX_ROWS) {
      fail(
        "range",
        `the grid of ${
          names.map((name, i) => `'params.${name}' (${countOf(samplers[i])})`).join(" x ")
        } makes more rows than a sweep holds in memory (at most ${MAX_ROWS})`,
        rows,
      );
    }
    const { data } = fullFactorial(
      samplers.map((s, i) => held(names[i], s, () => fixedValues(s))),
    );
    return { rows, columns, data, names: frozenNames, kind, seed: undefined };
  }

  const n = sameCount(names, samplers);
  const rng = randomState ?? new RandomState(seed ?? RandomState.randomSeed());
  if (kind === "random") {
    const sorted = sortedColumns(
      samplers.map((s, i) => held(names[i], s, () => randomValues(s, rng))),
    );
    return drawn(sorted, n, columns, frozenNames, kind, rng.seed, layout);
  }

  const lhs = samplers as readonly { lower: number; upper: number }[];
  const sorted = sortedColumns(
    held(
      names[0],
      samplers[0],
      () => latinHypercubeColumns(rng, n, lhs.map((s) => s.lower), lhs.map((s) => s.upper)),
    ),
  );
  return drawn(sorted, n, columns, frozenNames, kind, rng.seed, layout);
}
