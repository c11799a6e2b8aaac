/**
 * The benchmark workloads: per-row functions (what a user writes) and per-chunk
 * `doExecute` functions (module exports that pool workers import).
 *
 * Every workload reads matrices of two columns and returns one `Float64Array`
 * value per row (three for {@linkcode trivial3}):
 *
 * - trivial: `x * y + sin(x)` for the row `[x, y]`;
 * - busy: a deterministic loop of `Math` calls, `iterations` long (calibrated to ≈ 1 ms);
 * - skewed: the row `[units, x]` costs `units * unitIterations` of the busy loop.
 *
 * The chunk loops come in two kinds, because V8's mid-tier compiler (Maglev)
 * may inline the user's per-row function into the loop that calls it, which
 * the project's notes found to run about 2x slower:
 *
 * - `…Plain`: calls the per-row function directly, `f(a, b, k)`;
 * - `…Reflect`: calls it through `Reflect.apply(f, undefined, [a, b, k])`.
 *
 * The per-row function arrives as a parameter of the loop, as it would in a
 * library that maps a user's function over rows. Each workload has its own
 * loops, so that no call site sees more than one function.
 *
 * @module
 */

import type { Matrix } from "../mod.ts";

/** A user's per-row function: the row's two values and one constant from the build. */
export type RowFunction = (a: number, b: number, k: number) => number;

/** `doBuild` of every workload: `{ k }` → `[k]` (iterations for busy, per unit for skewed). */
export function build(kwargs: Record<string, unknown>): unknown[] {
  return [typeof kwargs.k === "number" ? kwargs.k : 0];
}

// ---------------------------------------------------------------------------------------------
// Per-row functions (the user's code).

/** Trivial row: `x * y + sin(x)`. */
export function trivialRow(x: number, y: number, _k: number): number {
  return x * y + Math.sin(x);
}

/** A deterministic CPU-bound loop of `iterations` steps of `Math` calls. */
export function busyRow(x: number, _y: number, iterations: number): number {
  let s = x;
  for (let i = 0; i < iterations; i++) s += Math.sqrt(i + s) * 1e-6;
  return s;
}

/** Skewed row `[units, x]`: the busy loop, `units * unitIterations` steps long. */
export function skewedRow(units: number, x: number, unitIterations: number): number {
  let s = x;
  const n = units * unitIterations;
  for (let i = 0; i < n; i++) s += Math.sqrt(i + s) * 1e-6;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Chunk loops. Written out per workload and per call kind so every call site stays monomorphic.

function mapTrivialPlain(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) out[r] = f(d[i], d[i + 1], k);
  return out;
}
function mapTrivialReflect(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) {
    out[r] = Reflect.apply(f, undefined, [d[i], d[i + 1], k]);
  }
  return out;
}
function mapBusyPlain(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) out[r] = f(d[i], d[i + 1], k);
  return out;
}
function mapBusyReflect(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) {
    out[r] = Reflect.apply(f, undefined, [d[i], d[i + 1], k]);
  }
  return out;
}
function mapSkewedPlain(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) out[r] = f(d[i], d[i + 1], k);
  return out;
}
function mapSkewedReflect(p: Matrix, f: RowFunction, k: number): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) {
    out[r] = Reflect.apply(f, undefined, [d[i], d[i + 1], k]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// doExecute exports.

/** Trivial rows as one hand-written loop, no per-row function: the plain serial baseline. */
export function trivialInline(p: Matrix): Float64Array {
  const out = new Float64Array(p.rows);
  const d = p.data;
  for (let r = 0, i = 0; r < p.rows; r++, i += 2) out[r] = d[i] * d[i + 1] + Math.sin(d[i]);
  return out;
}

/** Trivial rows with three outputs per row (`x * y + sin(x)`, `x + y`, `x - y`), row-major. */
export function trivial3(p: Matrix): Float64Array {
  const out = new Float64Array(p.rows * 3);
  const d = p.data;
  for (let r = 0, i = 0, o = 0; r < p.rows; r++, i += 2, o += 3) {
    const x = d[i], y = d[i + 1];
    out[o] = x * y + Math.sin(x);
    out[o + 1] = x + y;
    out[o + 2] = x - y;
  }
  return out;
}

/** Trivial rows through a plain call of {@linkcode trivialRow}. */
export function trivialPlain(p: Matrix, k: number): Float64Array {
  return mapTrivialPlain(p, trivialRow, k);
}
/** Trivial rows through `Reflect.apply` of {@linkcode trivialRow}. */
export function trivialReflect(p: Matrix, k: number): Float64Array {
  return mapTrivialReflect(p, trivialRow, k);
}
/** ≈ 1 ms rows through a plain call of {@linkcode busyRow}; `k` is the iteration count. */
export function busyPlain(p: Matrix, k: number): Float64Array {
  return mapBusyPlain(p, busyRow, k);
}
/** ≈ 1 ms rows through `Reflect.apply` of {@linkcode busyRow}. */
export function busyReflect(p: Matrix, k: number): Float64Array {
  return mapBusyReflect(p, busyRow, k);
}
/** Skewed rows through a plain call of {@linkcode skewedRow}; `k` is iterations per unit. */
export function skewedPlain(p: Matrix, k: number): Float64Array {
  return mapSkewedPlain(p, skewedRow, k);
}
/** Skewed rows through `Reflect.apply` of {@linkcode skewedRow}. */
export function skewedReflect(p: Matrix, k: number): Float64Array {
  return mapSkewedReflect(p, skewedRow, k);
}

// ---------------------------------------------------------------------------------------------
// Parameters.

/**
 * A matrix of `rows` rows `[x, y]` with x, y in [0, 1), deterministic.
 *
 * @param rows How many rows.
 * @param shared Back it with a `SharedArrayBuffer` (the pool then copies nothing).
 * @returns The matrix.
 */
export function xyRows(rows: number, shared = true): Matrix {
  const bytes = rows * 2 * Float64Array.BYTES_PER_ELEMENT;
  const data = new Float64Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  let s = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) {
    // xorshift32: cheap and deterministic
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = (s >>> 0) / 4294967296;
  }
  return { rows, columns: 2, data };
}

/**
 * Skewed rows `[units, x]`: the first `expensiveShare` of the rows cost
 * `expensiveUnits` units, the others one unit.
 *
 * @param rows How many rows.
 * @param expensiveShare The share of expensive rows, clustered at the start.
 * @param expensiveUnits What an expensive row costs, in units.
 * @returns The matrix (shared memory).
 */
export function skewedRows(rows: number, expensiveShare = 0.1, expensiveUnits = 100): Matrix {
  const m = xyRows(rows);
  const expensive = Math.round(rows * expensiveShare);
  for (let r = 0; r < rows; r++) m.data[r * 2] = r < expensive ? expensiveUnits : 1;
  return m;
}

/** Total units of work in a skewed matrix. @param m The matrix. @returns The sum of units. */
export function totalUnits(m: Matrix): number {
  let s = 0;
  for (let r = 0; r < m.rows; r++) s += m.data[r * m.columns];
  return s;
}

/**
 * Iterations of {@linkcode busyRow} that take about `targetMs` on this thread,
 * measured (after warm-up) as the median of a few timings.
 *
 * @param targetMs The time one row should take.
 * @returns The iteration count.
 */
export function calibrate(targetMs: number): number {
  let iterations = 1000;
  // Warm up and find the rough rate.
  for (let round = 0; round < 6; round++) {
    const t0 = performance.now();
    busyRow(0.5, 0, iterations);
    const ms = performance.now() - t0;
    if (ms > 0.05) iterations = Math.max(1, Math.round(iterations * targetMs / ms));
    else iterations *= 10;
  }
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    for (let j = 0; j < 10; j++) busyRow(0.5 + j, 0, iterations);
    times.push((performance.now() - t0) / 10);
  }
  times.sort((a, b) => a - b);
  return Math.max(1, Math.round(iterations * targetMs / times[3]));
}
