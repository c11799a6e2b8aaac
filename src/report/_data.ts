// Internal: what the report's page draws, computed in Deno from every row so that the page stays
// small and quick however many rows there are (the browser never sees the million rows):
//
// - each parameter cut into bins: a grid parameter's own values (neighbours merged when there are
//   more values than the page can show), a random one's range in equal steps (in log steps when
//   its values span decades and are skewed);
// - the cube: one cell per combination of bins, holding the rows, the failed rows and each
//   output's mean. The page slices and averages it for any pair of parameters;
// - a sample of rows for scatter plots (outputs on an axis), which includes every row on a
//   trade-off front and, up to a limit, the failed rows;
// - each output's colour scale, chosen from its distribution.

import { REPORT_DEFAULTS } from "../_defaults.ts";
import { Buffer } from "node:buffer";
import { argsortStable } from "../sampling/_argsort.ts";
import { type Axis, formatStat, quantile } from "./_stats.ts";

/** The report's columns (a subset of `ReportInput`). */
export interface Columns {
  paramNames: readonly string[];
  outputNames: readonly string[];
  params: Readonly<Record<string, Float64Array>>;
  outputs: Readonly<Record<string, Float64Array>>;
  success: Uint8Array;
}

/** How one parameter is cut into bins. */
export interface ParamBins {
  name: string;
  /** `values`: bins of the parameter's own values; `linear` / `log`: equal steps of its range. */
  kind: "values" | "linear" | "log";
  /** Number of bins. */
  bins: number;
  /** Smallest and largest value of each bin (equal for one value). */
  lo: number[];
  hi: number[];
  /** Distinct values of the parameter. */
  distinct: number;
  /** Whether charts draw its values on a log axis. */
  log: boolean;
}

/** Most cells of the cube: the page's size grows with them. */
export function cellBudget(outputs: number): number {
  const { minCells, maxCells, cubeNumbers } = REPORT_DEFAULTS;
  return Math.max(minCells, Math.min(maxCells, Math.floor(cubeNumbers / (outputs + 2))));
}

/** Most distinct values for which a parameter is binned by its values (a grid axis). */
const MAX_VALUE_BINS = REPORT_DEFAULTS.maxValueBins;

/** Most bins on one axis: about one per pixel of a chart. */
const MAX_AXIS_BINS = REPORT_DEFAULTS.maxAxisBins;

/** Rows of the scatter sample, before fronts and failed rows are added. */
export const SAMPLE_ROWS = REPORT_DEFAULTS.sampleRows;

/** Failed rows added to the sample beyond those drawn at random. */
export const SAMPLE_FAILED = REPORT_DEFAULTS.sampleFailed;

/** Outputs whose pairs get a trade-off front (the first ones). */
export const FRONT_OUTPUTS = REPORT_DEFAULTS.frontOutputs;

/** The bins of each parameter within a cell budget, fairly shared among varying ones. */
export function binParams(cols: Columns, axes: Map<string, Axis>, budget: number): ParamBins[] {
  const rows = cols.success.length;
  const continuousCap = Math.min(MAX_AXIS_BINS, Math.max(8, Math.round(Math.sqrt(rows / 4))));
  const plans = cols.paramNames.map((name) => {
    const axis = axes.get(name)!;
    const d = axis.values.length;
    const discrete = d <= MAX_VALUE_BINS &&
      (d <= 2 || 2 * d <= rows || axis.spacing === "linear" || axis.spacing === "geometric");
    return { name, axis, d, discrete, cap: d <= 1 ? 1 : discrete ? d : continuousCap };
  });
  // Water-filling: the parameters with fewer values than a fair share keep them all, and the
  // budget left is shared among the others.
  const bins = plans.map(() => 1);
  const open = plans.map((_, i) => i).filter((i) => plans[i].cap > 1)
    .sort((a, b) => plans[a].cap - plans[b].cap);
  let left = budget;
  for (let k = 0; k < open.length; k++) {
    const fair = Math.max(2, Math.floor(Math.pow(left, 1 / (open.length - k))));
    const i = open[k];
    bins[i] = Math.min(plans[i].cap, fair, MAX_AXIS_BINS);
    left = Math.max(1, left / bins[i]);
  }
  return plans.map(({ name, axis, d, discrete }, i) => {
    const b = bins[i];
    const v = axis.values;
    if (d === 0) {
      return { name, kind: "values", bins: 1, lo: [NaN], hi: [NaN], distinct: 0, log: false };
    }
    if (discrete || d <= 1) {
      const lo: number[] = [];
      const hi: number[] = [];
      for (let j = 0; j < b; j++) {
        lo.push(v[Math.ceil((j * d) / b)]);
        hi.push(v[Math.ceil(((j + 1) * d) / b) - 1]);
      }
      return {
        name,
        kind: "values",
        bins: b,
        lo,
        hi,
        distinct: d,
        log: axis.spacing === "geometric",
      };
    }
    const log = wantsLogScale(v);
    const f = log ? Math.log : (x: number) => x;
    const g = log ? Math.exp : (x: number) => x;
    const a = f(v[0]);
    const z = f(v[d - 1]);
    const lo: number[] = [];
    const hi: number[] = [];
    for (let j = 0; j < b; j++) {
      lo.push(j === 0 ? v[0] : g(a + ((z - a) * j) / b));
      hi.push(j === b - 1 ? v[d - 1] : g(a + ((z - a) * (j + 1)) / b));
    }
    return { name, kind: log ? "log" : "linear", bins: b, lo, hi, distinct: d, log };
  });
}

/**
 * Whether positive values spanning two decades or more are better seen on a log scale: their
 * logarithms are less skewed than the values (robust skew: the 90th percentile's distance from
 * the median over the 10th's).
 */
function wantsLogScale(sorted: Float64Array): boolean {
  const n = sorted.length;
  if (n < 3 || !(sorted[0] > 0) || sorted[n - 1] / sorted[0] < 100) return false;
  const skew = (q: (p: number) => number): number => {
    const up = q(0.9) - q(0.5);
    const down = q(0.5) - q(0.1);
    return Math.abs(Math.log((up + 1e-300) / (down + 1e-300)));
  };
  const raw = skew((p) => quantile(sorted, p));
  const logged = skew((p) => Math.log(quantile(sorted, p)));
  return logged < raw;
}

/** Each row's bin of one parameter (-1 where the value is NaN). */
export function binIndex(bins: ParamBins, values: Float64Array, axis: Axis): Int32Array {
  const out = new Int32Array(values.length);
  const b = bins.bins;
  if (bins.kind === "values") {
    const d = axis.values.length;
    const index = new Map<number, number>();
    axis.values.forEach((v, k) => index.set(v, Math.floor((k * b) / d)));
    for (let r = 0; r < values.length; r++) out[r] = index.get(values[r]) ?? -1;
    return out;
  }
  const f = bins.kind === "log" ? Math.log : (x: number) => x;
  const a = f(bins.lo[0]);
  const span = f(bins.hi[b - 1]) - a;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v !== v) out[r] = -1;
    else out[r] = Math.min(b - 1, Math.max(0, Math.floor(((f(v) - a) / span) * b)));
  }
  return out;
}

/** The cube: rows, failed rows and each output's mean per cell (row-major, first parameter slowest). */
export interface Cube {
  dims: number[];
  count: Float32Array;
  fail: Float32Array;
  mean: Float32Array[];
}

export function buildCube(cols: Columns, bins: ParamBins[], index: Int32Array[]): Cube {
  const dims = bins.map((b) => b.bins);
  const cells = dims.reduce((a, b) => a * b, 1);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const rows = cols.success.length;
  const count = new Float32Array(cells);
  const fail = new Float32Array(cells);
  const outs = cols.outputNames.map((n) => cols.outputs[n]);
  const sums = outs.map(() => new Float64Array(cells));
  const ns = outs.map(() => new Float64Array(cells));
  for (let r = 0; r < rows; r++) {
    let c = 0;
    let ok = true;
    for (let i = 0; i < index.length; i++) {
      const k = index[i][r];
      if (k < 0) {
        ok = false;
        break;
      }
      c += k * strides[i];
    }
    if (!ok) continue;
    count[c]++;
    if (!cols.success[r]) {
      fail[c]++;
      continue;
    }
    for (let o = 0; o < outs.length; o++) {
      const v = outs[o][r];
      if (Number.isFinite(v)) {
        sums[o][c] += v;
        ns[o][c]++;
      }
    }
  }
  const mean = sums.map((s, o) => {
    const m = new Float32Array(cells);
    for (let c = 0; c < cells; c++) m[c] = ns[o][c] > 0 ? s[c] / ns[o][c] : NaN;
    return m;
  });
  return { dims, count, fail, mean };
}

/** One pair of parameters at a finer resolution than the cube: rows, failed rows, means. */
export interface PairCells {
  /** The two parameters (indices into the parameter list, `i < j`); cells are `a * bins[j] + b`. */
  i: number;
  j: number;
  count: Float32Array;
  fail: Float32Array;
  mean: Float32Array[];
}

/**
 * Every pair of the given parameters binned at their own finer bins: what the page draws when a
 * pair is seen averaged over all other parameters, since the cube of many parameters has few
 * bins on each.
 */
export function buildPairs(
  cols: Columns,
  bins: ParamBins[],
  index: Int32Array[],
  params: number[],
): PairCells[] {
  const rows = cols.success.length;
  const outs = cols.outputNames.map((n) => cols.outputs[n]);
  const pairs: PairCells[] = [];
  for (let x = 0; x < params.length; x++) {
    for (let y = x + 1; y < params.length; y++) {
      const i = params[x];
      const j = params[y];
      const bj = bins[j].bins;
      const cells = bins[i].bins * bj;
      const count = new Float32Array(cells);
      const fail = new Float32Array(cells);
      const sums = outs.map(() => new Float64Array(cells));
      const ns = outs.map(() => new Float64Array(cells));
      for (let r = 0; r < rows; r++) {
        const a = index[i][r];
        const b = index[j][r];
        if (a < 0 || b < 0) continue;
        const c = a * bj + b;
        count[c]++;
        if (!cols.success[r]) {
          fail[c]++;
          continue;
        }
        for (let o = 0; o < outs.length; o++) {
          const v = outs[o][r];
          if (Number.isFinite(v)) {
            sums[o][c] += v;
            ns[o][c]++;
          }
        }
      }
      const mean = sums.map((sum, o) => {
        const m = new Float32Array(cells);
        for (let c = 0; c < cells; c++) m[c] = ns[o][c] > 0 ? sum[c] / ns[o][c] : NaN;
        return m;
      });
      pairs.push({ i, j, count, fail, mean });
    }
  }
  return pairs;
}

/** A small seeded generator (mulberry32) so that the same results give the same page. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `n` of the rows, drawn without replacement (all when there are no more), ascending. */
export function sampleRows(rows: number, n: number, seed = 1): number[] {
  if (rows <= n) return Array.from({ length: rows }, (_, i) => i);
  const next = random(seed);
  const chosen = new Set<number>();
  while (chosen.size < n) chosen.add(Math.floor(next() * rows));
  return [...chosen].sort((a, b) => a - b);
}

/** The successful rows with a finite value of `x`, in ascending order of `x`. */
export function sortedRows(x: Float64Array, success: Uint8Array): Uint32Array {
  let n = 0;
  const ok = new Uint32Array(x.length);
  for (let r = 0; r < x.length; r++) if (success[r] && Number.isFinite(x[r])) ok[n++] = r;
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = x[ok[k]];
  const order = argsortStable(keys);
  for (let k = 0; k < n; k++) order[k] = ok[order[k]];
  return order;
}

/**
 * The rows not dominated by any other for two outputs, for each of the four directions
 * (smaller or larger is better on each), among `order` (successful rows with a finite `x`, in
 * ascending order of `x`, as {@linkcode sortedRows} gives them) with a finite `y`. Every row on
 * a front is returned (ties included), so the page can mark the exact front of the rows it has.
 */
export function frontRows(order: Uint32Array, x: Float64Array, y: Float64Array): Set<number> {
  const n = order.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xs[k] = x[order[k]];
    ys[k] = y[order[k]];
  }
  const out = new Set<number>();
  for (const step of [1, -1]) {
    for (const sign of [1, -1]) {
      let best = Infinity;
      let k = step > 0 ? 0 : n - 1;
      while (k >= 0 && k < n) {
        // One group of equal x: its best y is on the front if it beats every x before it.
        const xv = xs[k];
        let end = k;
        let m = Infinity;
        while (end >= 0 && end < n && xs[end] === xv) {
          const v = sign * ys[end];
          if (v < m) m = v; // NaN never is
          end += step;
        }
        if (m < best) {
          for (let j = k; j !== end; j += step) if (sign * ys[j] === m) out.add(order[j]);
          best = m;
        }
        k = end;
      }
    }
  }
  return out;
}

/** How an output is coloured: the scale and why, with quantiles for the quantile scale. */
export interface ColourScale {
  scale: "linear" | "log" | "quantile";
  why: string;
  min: number;
  max: number;
  /** 65 quantiles (0, 1/64, ..., 1) of the finite values. */
  q: number[];
}

/**
 * The colour scale of an output, from its finite values in ascending order: log when positive values span two
 * decades or more and their logarithms are less skewed, quantile when a few extreme values would
 * squeeze the others into a sliver of the colours (the middle 80% of values within a fifth of the
 * range), linear otherwise.
 */
export function colourScale(sorted: Float64Array): ColourScale {
  const n = sorted.length;
  const q = Array.from({ length: 65 }, (_, k) => quantile(sorted, k / 64));
  const min = n ? sorted[0] : NaN;
  const max = n ? sorted[n - 1] : NaN;
  if (n < 3 || !(max > min)) return { scale: "linear", why: "linear", min, max, q };
  const middle = (quantile(sorted, 0.9) - quantile(sorted, 0.1)) / (max - min);
  if (wantsLogScale(sorted)) {
    const decades = Math.log10(max / min);
    return {
      scale: "log",
      why: `log: values from ${formatStat(min)} to ${formatStat(max)} span ${
        decades.toFixed(1)
      } decades and are skewed`,
      min,
      max,
      q,
    };
  }
  if (middle < 0.2) {
    return {
      scale: "quantile",
      why: `quantile: the middle 80% of values lie within ${
        Math.max(0.1, Math.round(middle * 1000) / 10)
      }% of the range (extreme values would wash out the rest)`,
      min,
      max,
      q,
    };
  }
  return { scale: "linear", why: "linear: values are spread evenly enough", min, max, q };
}

/** A typed array's bytes as base64 (the page decodes them into the same typed array). */
export function base64(
  a: Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array,
): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}
