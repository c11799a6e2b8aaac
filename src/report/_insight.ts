// Internal: the report's analyses: which parameters drive each output (Spearman rank correlation
// and standardized rank regression), failures grouped by message with numbers masked, and which
// parameters best separate failed points from successful ones.

import { REPORT_DEFAULTS } from "../_defaults.ts";
import type { Columns, Cube } from "./_data.ts";
import { sampleRows } from "./_data.ts";
import { argsortStable } from "../sampling/_argsort.ts";

/** Most rows the rank statistics are computed over (a seeded random sample beyond). */
export const SENSITIVITY_ROWS = REPORT_DEFAULTS.sensitivityRows;

/** Each row's rank among finite `values` (1-based, ties given their average rank). */
export function ranks(values: Float64Array): Float64Array {
  const order = argsortStable(values);
  const out = new Float64Array(values.length);
  for (let k = 0; k < order.length;) {
    let end = k + 1;
    while (end < order.length && values[order[end]] === values[order[k]]) end++;
    const rank = (k + end + 1) / 2; // the average of ranks k + 1 .. end
    for (let j = k; j < end; j++) out[order[j]] = rank;
    k = end;
  }
  return out;
}

/** Pearson correlation (NaN when either has no spread). */
export function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination; undefined if singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-10) return undefined;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The sensitivity of one output to each varying parameter. */
export interface Sensitivity {
  output: string;
  /** Rows used (successful, with a finite value). */
  rows: number;
  /** Spearman's rank correlation per parameter (same order as `params`). */
  rho: number[];
  /** Standardized rank regression coefficient per parameter (NaN when the ranks are collinear). */
  srrc: number[];
  /** R² of the rank regression: the share of the output's rank variance the parameters explain. */
  r2: number;
}

/**
 * Spearman's rank correlation of each output with each parameter, and the standardized rank
 * regression coefficients (SRRC: the output's ranks regressed on the parameters' ranks, all
 * standardized), over the successful rows with a finite value (a seeded sample of
 * {@linkcode SENSITIVITY_ROWS} rows when there are more).
 */
export function sensitivity(cols: Columns, params: readonly string[]): Sensitivity[] {
  const rowsAll = cols.success.length;
  const pick = rowsAll > SENSITIVITY_ROWS ? sampleRows(rowsAll, SENSITIVITY_ROWS, 7) : undefined;
  return cols.outputNames.map((output) => {
    const y = cols.outputs[output];
    const all = pick ?? { length: rowsAll };
    const buffer = new Uint32Array(all.length);
    let n = 0;
    for (let k = 0; k < all.length; k++) {
      const r = pick ? pick[k] : k;
      if (cols.success[r] && Number.isFinite(y[r])) buffer[n++] = r;
    }
    const kept = buffer.subarray(0, n);
    const take = (a: Float64Array) => {
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) out[k] = a[kept[k]];
      return out;
    };
    if (kept.length < 3) {
      return {
        output,
        rows: kept.length,
        rho: params.map(() => NaN),
        srrc: params.map(() => NaN),
        r2: NaN,
      };
    }
    const ry = ranks(take(y));
    const rx = params.map((p) => ranks(take(cols.params[p])));
    const rho = rx.map((x) => correlation(x, ry));
    const rxx = rx.map((a) => rx.map((b) => (a === b ? 1 : correlation(a, b))));
    const ok = rho.every((v) => Number.isFinite(v)) &&
      rxx.every((row) => row.every(Number.isFinite));
    const srrc = ok ? solve(rxx, rho) : undefined;
    const r2 = srrc ? srrc.reduce((s, b, i) => s + b * rho[i], 0) : NaN;
    return { output, rows: kept.length, rho, srrc: srrc ?? params.map(() => NaN), r2 };
  });
}

/** A number in a message: masked to group messages that differ only in their numbers. */
const NUMBER =
  /(?<![A-Za-z_\d.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_\d])|(?<![A-Za-z_\d])[-+]?Infinity\b|\b(?:NaN|0x[0-9a-fA-F]+)\b/g;

/**
 * The first line of a message, numbers masked with `#`, then shortened: masked first, so that
 * messages differing only in their numbers (of any length) are cut alike.
 */
export function maskNumbers(message: string): string {
  return shorten(message.split("\n", 1)[0].replace(NUMBER, "#"));
}

/** The first line of a message, shortened (stack traces and model dumps would swamp a table). */
export function firstLine(message: string): string {
  return shorten(message.split("\n", 1)[0]);
}

function shorten(line: string): string {
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

/** Failures that share a message once its numbers are masked. */
export interface FailureGroup {
  pattern: string;
  rows: number;
  /** The first failed row of the group. */
  example: number;
}

/** Failed rows grouped by their masked message, most frequent first. */
export function groupFailures(
  success: Uint8Array,
  errors: readonly (string | undefined)[],
): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (let r = 0; r < success.length; r++) {
    if (success[r]) continue;
    const pattern = maskNumbers(errors[r] ?? "");
    const g = groups.get(pattern);
    if (g) g.rows++;
    else groups.set(pattern, { pattern, rows: 1, example: r });
  }
  return [...groups.values()].sort((a, b) => b.rows - a.rows || a.example - b.example);
}

/** How well a parameter (or pair) separates failed points from successful ones. */
export interface Separation {
  params: number[];
  /** Share of the uncertainty about failure that knowing the parameter's bin removes (0 to 1). */
  score: number;
}

function entropy(p: number): number {
  return p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** Most groups per parameter when measuring separation: fewer, fuller cells bias it less. */
const SEPARATION_GROUPS = REPORT_DEFAULTS.separationGroups;

/**
 * Mutual information between failure and the bins of each parameter and of each pair of
 * parameters, over the cube's cells (each parameter's bins merged into at most 12 groups), as a
 * share of the entropy of failure (the uncertainty coefficient): 1 when the groups tell failed
 * from successful points exactly, 0 when they say nothing. Both entropies get the Miller-Madow
 * correction (half a bit over the rows for each cell holding both outcomes, in natural units),
 * so that scattered failures over many sparse cells do not read as structure. Single parameters
 * first (best first), then pairs (best first).
 */
export function separation(
  cube: Cube,
  varying: number[],
): { single: Separation[]; pairs: Separation[] } {
  const { dims, count, fail } = cube;
  let total = 0;
  let failed = 0;
  for (let c = 0; c < count.length; c++) {
    total += count[c];
    failed += fail[c];
  }
  const correction = 1 / (2 * total * Math.LN2); // bits, per cell holding both outcomes
  const mixed = (n: number, f: number) => (f > 0 && f < n ? 1 : 0);
  const h = entropy(failed / total) + mixed(total, failed) * correction;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const groups = dims.map((d) => Math.min(d, SEPARATION_GROUPS));
  const score = (ps: number[]): number => {
    if (h === 0) return 0;
    const size = ps.reduce((a, p) => a * groups[p], 1);
    const n = new Float64Array(size);
    const f = new Float64Array(size);
    for (let c = 0; c < count.length; c++) {
      if (!count[c]) continue;
      let k = 0;
      for (const p of ps) {
        const bin = Math.floor(c / strides[p]) % dims[p];
        k = k * groups[p] + Math.floor((bin * groups[p]) / dims[p]);
      }
      n[k] += count[c];
      f[k] += fail[c];
    }
    let conditional = 0;
    for (let k = 0; k < size; k++) {
      if (n[k]) {
        conditional += (n[k] / total) * entropy(f[k] / n[k]) + mixed(n[k], f[k]) * correction;
      }
    }
    return Math.min(1, Math.max(0, (h - conditional) / h));
  };
  const single = varying.map((p) => ({ params: [p], score: score([p]) }))
    .sort((a, b) => b.score - a.score);
  const pairs: Separation[] = [];
  for (let i = 0; i < varying.length; i++) {
    for (let j = i + 1; j < varying.length; j++) {
      pairs.push({ params: [varying[i], varying[j]], score: score([varying[i], varying[j]]) });
    }
  }
  pairs.sort((a, b) => b.score - a.score);
  return { single, pairs };
}
