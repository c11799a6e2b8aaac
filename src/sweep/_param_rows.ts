// Internal: a sweep's parameter rows, by row index: held in memory (row-major), or, for a grid of
// fixed samplers, computed from the index (the first parameter varies slowest, as
// buildCombinations lays them out). A sweep that keeps no rows (keepResult: false) sweeps a grid
// of ten million rows without holding its 80 MB a parameter; what needs every row at once (a
// resume matching rows, a rewrite from disk) makes them then.
import { buildCombinations } from "../sampling/build_combinations.ts";
import { parseSampler, type Sampler } from "../sampling/samplers.ts";
import { MAX_ROWS } from "../_limits.ts";
import { spaceAt } from "../sampling/_spaces.ts";
import { ENCODER_DEFAULTS } from "../_defaults.ts";

// Spaced ranges longer than this are computed value by value rather than held.
const SPACED = 4096;

/** Parameter rows; see the module comment. */
export interface ParamRows {
  readonly rows: number;
  readonly columns: number;
  /** Row `r`'s value of parameter `c`. */
  value(r: number, c: number): number;
  /** Copies row `r`'s values into `out` from `at`. */
  copyRow(r: number, out: Float64Array, at: number): void;
  /** Rows `first` to `first + n`, row-major, in an array of their own. */
  slice(first: number, n: number): Float64Array;
  /** For rows held as they are: the same rows as `slice`, a view of them (to read, not keep). */
  view?(first: number, n: number): Float64Array;
  /** Every row, row-major: the rows held, or made now (each call makes them again). */
  held(): Float64Array;
  /**
   * For a grid: each parameter's values, and how many rows each value lasts (the first
   * parameter varies slowest), so that text can be made once per value (see GridSlice).
   * Undefined for rows that are not a grid's, and for a grid with a parameter computed value by
   * value or more values in all than ENCODER_DEFAULTS.gridValues. (A grid's rows held for a kept
   * result carry it too: see parameterSweep.)
   */
  readonly grid?: { readonly values: Float64Array[]; readonly strides: number[] };
}

/** The rows of `data`, row-major, `columns` values a row. */
export function heldRows(data: Float64Array, rows: number, columns: number): ParamRows {
  return {
    rows,
    columns,
    value: (r, c) => data[r * columns + c],
    copyRow: (r, out, at) => {
      for (let c = 0, d = r * columns; c < columns; c++) out[at + c] = data[d + c];
    },
    slice: (first, n) => data.slice(first * columns, (first + n) * columns),
    view: (first, n) => data.subarray(first * columns, (first + n) * columns),
    held: () => data,
  };
}

/**
 * Rows held as columns (a sweep's sorted random draws, as they were drawn): never also held
 * row-major, except by `held()` when something needs every row at once.
 */
export function columnRows(cols: readonly Float64Array[]): ParamRows {
  const columns = cols.length;
  const rows = cols[0].length;
  return {
    rows,
    columns,
    value: (r, c) => cols[c][r],
    copyRow: (r, out, at) => {
      for (let c = 0; c < columns; c++) out[at + c] = cols[c][r];
    },
    slice: (first, n) => {
      const out = new Float64Array(n * columns);
      for (let c = 0; c < columns; c++) {
        const values = cols[c];
        for (let i = 0, w = c; i < n; i++, w += columns) out[w] = values[first + i];
      }
      return out;
    },
    held: () => {
      const data = new Float64Array(rows * columns);
      for (let c = 0; c < columns; c++) {
        const values = cols[c];
        for (let r = 0, w = c; r < rows; r++, w += columns) data[w] = values[r];
      }
      return data;
    },
  };
}

/** Rows as given: a held array (of `columns` values a row) or rows already. */
export function paramRowsOf(
  params: Float64Array | ParamRows,
  rows: number,
  columns: number,
): ParamRows {
  return params instanceof Float64Array ? heldRows(params, rows, columns) : params;
}

/**
 * The grid of `params` computed row by row, when every sampler is fixed and the grid within the
 * limit; otherwise undefined (then buildCombinations makes the rows, or says why it cannot).
 */
export function gridRows(params: Readonly<Record<string, Sampler>>): ParamRows | undefined {
  const names = Object.keys(params);
  if (names.length === 0) return undefined;
  try {
    if (!names.every((name) => parseSampler(params[name], `params.${name}`).kind === "fixed")) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  // Each parameter's values, as buildCombinations makes them for a grid of that one parameter;
  // long spaced ranges (parseSampler checked their bounds) are computed value by value instead,
  // the same bits, so that not even one parameter's 80 MB of ten million values is held.
  const held: (Float64Array | undefined)[] = [];
  const spaced: ((i: number) => number)[] = [];
  const lengths = names.map((name, c) => {
    const sampler = params[name] as Sampler & { lower: number; upper: number; n: number };
    const kind = sampler.sampler;
    if ((kind === "linear" || kind === "geom" || kind === "reverseGeom") && sampler.n > SPACED) {
      const { lower, upper, n } = sampler;
      spaced[c] = (i) => spaceAt(kind, lower, upper, n, i);
      return n;
    }
    held[c] = buildCombinations({ [name]: params[name] }).data;
    return held[c]!.length;
  });
  const rows = lengths.reduce((product, n) => product * n, 1);
  if (rows > MAX_ROWS) return undefined;
  const columns = lengths.length;
  // How many rows each value of a parameter lasts for.
  const strides = new Float64Array(columns);
  for (let c = columns - 1, s = 1; c >= 0; s *= lengths[c], c--) strides[c] = s;
  // (`held` has a hole for each spaced parameter: `every` would skip it.)
  const values = lengths.every((_, c) => held[c] !== undefined) &&
      lengths.reduce((sum, n) => sum + n, 0) <= ENCODER_DEFAULTS.gridValues
    ? held as Float64Array[]
    : undefined;
  const value = (r: number, c: number) => {
    const i = Math.floor(r / strides[c]) % lengths[c];
    const values = held[c];
    return values ? values[i] : spaced[c](i);
  };
  return {
    rows,
    columns,
    ...(values ? { grid: { values, strides: [...strides] } } : {}),
    value,
    copyRow: (r, out, at) => {
      for (let c = 0; c < columns; c++) out[at + c] = value(r, c);
    },
    // Consecutive rows column by column, each value held for its stride of rows: no division
    // per value (about five times faster than value() for each).
    slice: (first, n) => {
      const out = new Float64Array(n * columns);
      for (let c = 0; c < columns; c++) {
        const stride = strides[c];
        const length = lengths[c];
        const values = held[c];
        let i = Math.floor(first / stride) % length;
        let left = stride - (first % stride);
        let x = values ? values[i] : spaced[c](i);
        for (let r = 0, w = c; r < n; r++, w += columns) {
          out[w] = x;
          if (--left === 0) {
            left = stride;
            i = i + 1 === length ? 0 : i + 1;
            x = values ? values[i] : spaced[c](i);
          }
        }
      }
      return out;
    },
    held: () => {
      const data = new Float64Array(rows * columns);
      for (let r = 0, w = 0; r < rows; r++) {
        for (let c = 0; c < columns; c++) data[w++] = value(r, c);
      }
      return data;
    },
  };
}
