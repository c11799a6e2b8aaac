// Internal: the numbers of the report: summary statistics of outputs, the distinct values and
// spacing of parameters, and how numbers are written in the page's tables.

/** Summary statistics of one output over the successful rows. */
export interface OutputStats {
  /** Successful rows whose value is finite: the rows the statistics are taken over. */
  count: number;
  /** Rows that failed. */
  failed: number;
  /** Successful rows whose value is NaN or infinite. */
  noValue: number;
  /** Smallest value (NaN when `count` is 0, as for every statistic below). */
  min: number;
  /** 25th percentile. */
  p25: number;
  /** Median. */
  median: number;
  /** 75th percentile. */
  p75: number;
  /** Largest value. */
  max: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator; NaN for fewer than two values). */
  std: number;
}

/** Statistics of `values` over the rows where `success` is 1 and the value is finite. */
export function outputStats(values: Float64Array, success: Uint8Array): OutputStats {
  return statsOfSorted(values, success, finiteSorted(values, success));
}

/** The values of the successful rows that are finite, ascending. */
export function finiteSorted(values: Float64Array, success: Uint8Array): Float64Array {
  const kept = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    if (success[i] && Number.isFinite(values[i])) kept[k++] = values[i];
  }
  return kept.slice(0, k).sort();
}

/** {@linkcode outputStats} given the sorted finite values ({@linkcode finiteSorted}). */
export function statsOfSorted(
  values: Float64Array,
  success: Uint8Array,
  sorted: Float64Array,
): OutputStats {
  let failed = 0;
  let noValue = 0;
  for (let i = 0; i < values.length; i++) {
    if (!success[i]) failed++;
    else if (!Number.isFinite(values[i])) noValue++;
  }
  const n = sorted.length;
  let mean = NaN;
  let std = NaN;
  if (n > 0) {
    // Two passes: the mean first, then squared deviations from it, which stays accurate when
    // the values are large and close together (the one-pass formula cancels catastrophically).
    let sum = 0;
    for (const v of sorted) sum += v;
    mean = sum / n;
    if (n > 1) {
      let ss = 0;
      for (const v of sorted) ss += (v - mean) ** 2;
      std = Math.sqrt(ss / (n - 1));
    }
  }
  return {
    count: n,
    failed,
    noValue,
    min: n > 0 ? sorted[0] : NaN,
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    max: n > 0 ? sorted[n - 1] : NaN,
    mean,
    std,
  };
}

/** The q-quantile of sorted values, interpolating linearly (numpy's default); NaN if empty. */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** How the distinct values of a parameter are spaced, which decides the axis scale. */
export type Spacing = "single" | "linear" | "geometric" | "irregular";

/** The distinct values of one parameter and how they are spaced. */
export interface Axis {
  /** Distinct values, ascending (NaN left out). */
  values: Float64Array;
  /** Spacing of the values. */
  spacing: Spacing;
}

/** The distinct values of a column, ascending, and their spacing. */
export function axisOf(column: Float64Array): Axis {
  // Sorting a copy and dropping repeats is many times faster than a Set on a million rows.
  const sorted = Float64Array.from(column).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v !== v) break; // NaN sorts last
    if (n === 0 || v !== sorted[n - 1]) sorted[n++] = v; // -0 and 0 are one value
  }
  const values = sorted.slice(0, n);
  return { values, spacing: spacingOf(values) };
}

/** Relative tolerance when deciding that gaps or ratios are equal (samplers round at 1e-16). */
const TOLERANCE = 1e-9;

function spacingOf(values: Float64Array): Spacing {
  const n = values.length;
  if (n < 2) return "single";
  if (n === 2) return "linear";
  const step = (values[n - 1] - values[0]) / (n - 1);
  let linear = true;
  for (let i = 1; i < n && linear; i++) {
    const gap = values[i] - values[i - 1];
    linear = Math.abs(gap - step) <= TOLERANCE * Math.max(Math.abs(step), Math.abs(values[i]));
  }
  if (linear) return "linear";
  if (values[0] > 0) {
    const ratio = Math.pow(values[n - 1] / values[0], 1 / (n - 1));
    let geometric = true;
    for (let i = 1; i < n && geometric; i++) {
      geometric = Math.abs(values[i] / values[i - 1] - ratio) <= TOLERANCE * ratio;
    }
    if (geometric) return "geometric";
  }
  return "irregular";
}

/**
 * Whether a chart axis of this parameter should be logarithmic: its values are geometrically
 * spaced (as `geomSample` makes them), so that a log axis spaces them evenly where a linear one
 * would crowd the small values into one corner.
 */
export function wantsLog(axis: Axis): boolean {
  return axis.spacing === "geometric";
}

/**
 * Edges of the cells centred on each distinct value: midway between neighbours (geometrically
 * on a log axis), and half a gap beyond the first and last values. Length is `values.length + 1`.
 */
export function cellEdges(values: Float64Array, log: boolean): Float64Array {
  const n = values.length;
  const edges = new Float64Array(n + 1);
  const t = log ? Math.log : (v: number): number => v;
  const u = log ? Math.exp : (v: number): number => v;
  if (n === 1) {
    // A lone value gets a unit-wide cell (a factor of e either side on a log axis).
    edges[0] = u(t(values[0]) - 0.5);
    edges[1] = u(t(values[0]) + 0.5);
    return edges;
  }
  for (let i = 1; i < n; i++) edges[i] = u((t(values[i - 1]) + t(values[i])) / 2);
  edges[0] = u(t(values[0]) - (t(values[1]) - t(values[0])) / 2);
  edges[n] = u(t(values[n - 1]) + (t(values[n - 1]) - t(values[n - 2])) / 2);
  return edges;
}

/**
 * Writes a number for a table: up to six significant digits, in exponent form below 0.001 or
 * from a million on; an em dash for NaN (no value).
 */
export function formatStat(x: number): string {
  if (Number.isNaN(x)) return "—";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  const text = a >= 1e6 || a < 1e-3
    ? x.toExponential(4).replace(/\.?0+e/, "e").replace("e+", "e")
    : String(Number(x.toPrecision(6)));
  // A true minus sign reads better than a hyphen in tables.
  return text.replace(/^-/, "−");
}
