/**
 * `interpolateNanOutputs`: WaterTAP's `interpolate_nan_outputs`, the outputs of
 * failed points filled in by linear interpolation from the points that succeeded.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import type { SweepResult } from "./sweep_result.ts";
import { delaunay } from "./_delaunay.ts";
import { locateInDelaunay } from "./_lifted_delaunay.ts";

/**
 * The most parameters that vary that {@linkcode interpolateNanOutputs} interpolates over. The
 * Delaunay triangulation grows quickly with the dimension; WaterTAP's sweeps of this feature
 * vary 2 or 3.
 */
export const MAX_INTERPOLATION_DIMENSIONS = 4;

/**
 * The fewest successful rows (with a value for the output) that {@linkcode interpolateNanOutputs}
 * interpolates an output from, as WaterTAP's `interpolate_nan_outputs`: with fewer, the output's
 * failed rows stay NaN and the result gets a warning.
 */
export const MIN_INTERPOLATION_ROWS = 4;

/**
 * Fills the outputs of failed rows by linear interpolation from the rows that
 * succeeded, as WaterTAP's `interpolate_nan_outputs` does with scipy's
 * `griddata(points, values, xi, method="linear", rescale=True)`.
 *
 * The points are the rows' parameter values; parameters that do not vary among the
 * successful rows are left out (a failed row that differs in one of them lies outside
 * them all). Each parameter is rescaled by the successful rows' mean and range, as
 * `rescale=True`, and a failed row takes the value of the linear function on the simplex
 * of their Delaunay triangulation (with one parameter: the segment) that holds it. A
 * failed row outside the successful rows' convex hull, or without enough successful rows
 * around it, stays NaN, as in scipy; so do all the failed rows of an output with fewer than
 * {@linkcode MIN_INTERPOLATION_ROWS} successful rows, as in WaterTAP, with a warning in the
 * result's `warnings`. Where the triangulation is not unique (points on a common sphere, as on
 * a regular grid) the simplex chosen may differ from Qhull's; the value then differs only
 * where the outputs are not linear.
 *
 * Only the outputs change: `success` and `errors` still tell which rows failed. An output
 * a successful row has as NaN does not take part in that output's interpolation.
 *
 * @param result A sweep's result.
 * @returns A copy of the result whose failed rows hold interpolated outputs (async: the
 * triangulation library loads on first use).
 * @throws {RangeError} When more than {@linkcode MAX_INTERPOLATION_DIMENSIONS}
 * parameters vary among the successful rows.
 *
 * @example WaterTAP's test_interp_nan_values: the centre of a cube and a repeated corner
 * ```ts
 * import { interpolateNanOutputs, type SweepResult } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const corners = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]];
 * const points = [...corners, [0.5, 0.5, 0.5], [1, 1, 1]];
 * const column = (c: number) => Float64Array.from(points, (p) => p[c]);
 * const result: SweepResult = {
 *   paramNames: ["a", "b", "c"],
 *   outputNames: ["y"],
 *   params: { a: column(0), b: column(1), c: column(2) },
 *   outputs: { y: Float64Array.of(0, 1, 2, 3, 4, 5, 6, 7, NaN, NaN) },
 *   success: Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
 *   errors: new Map([[8, "failed"], [9, "failed"]]),
 *   warnings: [],
 *   seed: undefined,
 *   rows: 10,
 *   stats: { succeeded: 8, failed: 2, resumed: 0, elapsedMs: 0, rowsPerSecond: 0 },
 * };
 * const filled = await interpolateNanOutputs(result);
 * assert.ok(Math.abs(filled.outputs.y[8] - 3.5) < 1e-12); // the mean of the corners
 * assert.ok(Math.abs(filled.outputs.y[9] - 7) < 1e-12); // the corner's own value
 * assert.ok(Number.isNaN(result.outputs.y[8])); // the result itself is left as it was
 * ```
 */
export async function interpolateNanOutputs(result: SweepResult): Promise<SweepResult> {
  const { rows, paramNames, success } = result;
  const failed: number[] = [];
  for (let r = 0; r < rows; r++) if (!success[r]) failed.push(r);
  const outputs: Record<string, Float64Array> = {};
  for (const name of result.outputNames) outputs[name] = Float64Array.from(result.outputs[name]);
  if (failed.length === 0) return { ...result, outputs };
  // Outputs known in the same rows share where each failed row lies (locating is the costly part).
  let shared: { known: number[]; at: Locator } | undefined;
  const warnings: string[] = [];
  for (const name of result.outputNames) {
    const values = result.outputs[name];
    const known: number[] = [];
    for (let r = 0; r < rows; r++) if (success[r] && Number.isFinite(values[r])) known.push(r);
    if (known.length < MIN_INTERPOLATION_ROWS) {
      // As WaterTAP, which interpolates nothing from fewer than 4 rows ("Too few points to
      // perform interpolation."): the failed rows stay NaN, said once per output.
      warnings.push(
        `Cannot interpolate output ${
          describe(name)
        } as it needs at least ${MIN_INTERPOLATION_ROWS} successful rows with a value: current value is ${known.length}; its failed rows stay NaN`,
      );
      continue;
    }
    if (!shared || !sameRows(shared.known, known)) {
      shared = { known, at: memoized(await locator(result, paramNames, known)) };
    }
    for (const r of failed) {
      const value = shared.at(r);
      outputs[name][r] = value === undefined ? NaN : value(values);
    }
  }
  return { ...result, outputs, warnings: [...result.warnings, ...warnings] };
}

// Where a row lies among the known rows: how to make its value from a column of outputs, or
// undefined where it lies outside them.
type Locator = (row: number) => ((values: Float64Array) => number) | undefined;

function memoized(at: Locator): Locator {
  const seen = new Map<number, ReturnType<Locator>>();
  return (row) => {
    if (!seen.has(row)) seen.set(row, at(row));
    return seen.get(row);
  };
}

function sameRows(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

// Linear interpolation over the rows `known`.
async function locator(
  result: SweepResult,
  paramNames: readonly string[],
  known: number[],
): Promise<Locator> {
  // Parameters that vary: the others must match exactly, or the row lies outside.
  const varying: Float64Array[] = [];
  const fixed: [Float64Array, number][] = [];
  for (const name of paramNames) {
    const col = result.params[name];
    const v0 = col[known[0]];
    if (known.some((r) => col[r] !== v0)) varying.push(col);
    else fixed.push([col, v0]);
  }
  const d = varying.length;
  if (d > MAX_INTERPOLATION_DIMENSIONS) {
    throw new RangeError(
      `Cannot interpolate NaN outputs as linear interpolation supports up to ${MAX_INTERPOLATION_DIMENSIONS} varying parameters: current value is ${d} (${
        paramNames.filter((n) => varying.includes(result.params[n])).map((n) => describe(n)).join(
          ", ",
        )
      })`,
    );
  }
  const inside = (row: number) => fixed.every(([col, v]) => col[row] === v);
  if (d === 0) {
    const r0 = known[0];
    return (row) => (inside(row) ? (v) => v[r0] : undefined);
  }
  // scipy's rescale: centred on the mean and divided by the range of the known points.
  const offset = varying.map((col) => known.reduce((s, r) => s + col[r], 0) / known.length);
  const scale = varying.map((col) => {
    let lo = Infinity, hi = -Infinity;
    for (const r of known) {
      lo = Math.min(lo, col[r]);
      hi = Math.max(hi, col[r]);
    }
    return hi - lo;
  });
  const point = (row: number) => varying.map((col, k) => (col[row] - offset[k]) / scale[k]);
  // One point per distinct place, standing for the first known row there.
  const seen = new Map<string, number>();
  const pts: number[][] = [];
  const rep: number[] = [];
  for (const r of known) {
    const p = point(r);
    const key = p.join(",");
    if (seen.has(key)) continue;
    seen.set(key, pts.length);
    pts.push(p);
    rep.push(r);
  }
  const combine = (vertices: readonly number[], weights: readonly number[]) => (v: Float64Array) =>
    weights.reduce((sum, wi, i) => sum + wi * v[rep[vertices[i]]], 0);
  // In 1-D every known row is a knot, repeated places too: scipy's 1-D griddata is np.interp
  // over them all (sorted, which keeps repeated places in row order for up to 16 rows, numpy's
  // insertion sort; an unstable sort beyond), not a triangulation that keeps one of them.
  if (d === 1) return linear1d(known.map((r) => point(r)[0]), known, point, inside);
  if (pts.length < d + 1) return () => undefined;
  if (d > 2) {
    const flat = Float64Array.from(pts.flat());
    return (row) => {
      if (!inside(row)) return undefined;
      const at = locateInDelaunay(flat, pts.length, d, point(row));
      return at && combine(at.vertices, at.weights);
    };
  }
  const simplices = (await delaunay(pts)).map((s) => simplex(s, pts)).filter((s) =>
    s !== undefined
  );
  const locate = gridIndex(simplices, pts, d);
  return (row) => {
    if (!inside(row)) return undefined;
    const q = point(row);
    for (const s of locate(q)) {
      const w = s.weights(q);
      if (w !== undefined) return combine(s.vertices, w);
    }
    return undefined;
  };
}

// A uniform grid over the points' bounding box, each cell listing the simplices whose bounding
// box meets it: a point is then tested against a few simplices, not all of them.
function gridIndex(
  simplices: Simplex[],
  pts: number[][],
  d: number,
): (q: number[]) => readonly Simplex[] {
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const p of pts) {
    for (let k = 0; k < d; k++) {
      lo[k] = Math.min(lo[k], p[k]);
      hi[k] = Math.max(hi[k], p[k]);
    }
  }
  const g = Math.max(1, Math.floor(Math.pow(simplices.length, 1 / d)));
  const cell = (x: number, k: number) =>
    Math.min(g - 1, Math.max(0, Math.floor(((x - lo[k]) / (hi[k] - lo[k])) * g)));
  const cells: Simplex[][] = Array.from({ length: g ** d }, () => []);
  const from = new Array<number>(d);
  const to = new Array<number>(d);
  for (const s of simplices) {
    for (let k = 0; k < d; k++) {
      from[k] = cell(s.lo[k], k);
      to[k] = cell(s.hi[k], k);
    }
    // Every cell of the box from..to, as an odometer.
    const at = [...from];
    for (;;) {
      let index = 0;
      for (let k = 0; k < d; k++) index = index * g + at[k];
      cells[index].push(s);
      let k = d - 1;
      while (k >= 0 && at[k] === to[k]) at[k] = from[k--];
      if (k < 0) break;
      at[k]++;
    }
  }
  const none: Simplex[] = [];
  return (q) => {
    let index = 0;
    for (let k = 0; k < d; k++) {
      // A small tolerance, as in the simplices' own test.
      if (q[k] < lo[k] - 1e-10 || q[k] > hi[k] + 1e-10) return none;
      index = index * g + cell(q[k], k);
    }
    return cells[index];
  };
}

function linear1d(
  xs: number[],
  rep: number[],
  point: (row: number) => number[],
  inside: (row: number) => boolean,
): Locator {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const x = order.map((i) => xs[i]);
  const r = order.map((i) => rep[i]);
  return (row) => {
    if (!inside(row)) return undefined;
    const q = point(row)[0];
    if (!(q >= x[0] && q <= x[x.length - 1])) return undefined;
    // The first knot above q (x.length when none is), so that q lies from the last knot at or
    // below it: as np.interp (scipy's 1-D griddata) takes it, the last of repeated values of the
    // parameter gives the value at them, and the one before and after them each its side.
    let lo = 0, hi = x.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[mid] <= q) lo = mid + 1;
      else hi = mid;
    }
    const r0 = r[lo - 1];
    if (x[lo - 1] === q) return (v) => v[r0];
    const r1 = r[lo];
    const t = (q - x[lo - 1]) / (x[lo] - x[lo - 1]);
    return (v) => v[r0] + t * (v[r1] - v[r0]);
  };
}

interface Simplex {
  vertices: number[];
  /** The simplex's bounding box. */
  lo: Float64Array;
  hi: Float64Array;
  /** Barycentric weights of `q` when it lies in the simplex, else undefined. */
  weights(q: number[]): number[] | undefined;
}

// Barycentric coordinates through the inverse of the matrix of edge vectors from vertex 0. A
// bounding box test first: most simplices are far from a given point.
function simplex(vertices: number[], pts: number[][]): Simplex | undefined {
  const d = vertices.length - 1;
  const p0 = pts[vertices[0]];
  const m = Array.from(
    { length: d },
    (_, i) => Array.from({ length: d }, (_, j) => pts[vertices[j + 1]][i] - p0[i]),
  );
  const inv = invert(m);
  if (!inv) return undefined;
  // A point on a shared face belongs to both simplices: a small tolerance keeps it in one.
  const eps = 1e-10;
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const v of vertices) {
    for (let k = 0; k < d; k++) {
      lo[k] = Math.min(lo[k], pts[v][k]);
      hi[k] = Math.max(hi[k], pts[v][k]);
    }
  }
  return {
    vertices,
    lo,
    hi,
    weights(q) {
      for (let k = 0; k < d; k++) {
        if (q[k] < lo[k] - eps || q[k] > hi[k] + eps) return undefined;
      }
      const w = new Array<number>(d + 1);
      let sum = 0;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += inv[i][j] * (q[j] - p0[j]);
        if (s < -eps) return undefined;
        w[i + 1] = s;
        sum += s;
      }
      w[0] = 1 - sum;
      return w[0] < -eps ? undefined : w;
    },
  };
}

// Gauss-Jordan with partial pivoting; undefined for a (near) singular matrix, a flat simplex.
function invert(m: number[][]): number[][] | undefined {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-14) return undefined;
    [a[c], a[p]] = [a[p], a[c]];
    const f = a[c][c];
    for (let k = 0; k < 2 * n; k++) a[c][k] /= f;
    for (let r = 0; r < n; r++) {
      if (r === c || a[r][c] === 0) continue;
      const g = a[r][c];
      for (let k = 0; k < 2 * n; k++) a[r][k] -= g * a[c][k];
    }
  }
  return a.map((row) => row.slice(n));
}
