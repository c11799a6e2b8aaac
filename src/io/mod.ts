/**
 * The results files of psweep, for reading and writing them outside a sweep: numbers as text
 * that round-trips, streamed rows (CSV, JSON Lines), reading them back, matching them to a
 * sweep's combinations, the metadata file beside them, atomic writes and progress lines.
 *
 * @example Rows written, then read back
 * ```ts
 * import { readRows, RowWriter } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const w = await RowWriter.open(`${dir}/r.csv`, { paramNames: ["x"], outputNames: ["y"] });
 * await w.write({ rows: 1, params: Float64Array.of(1), outputs: Float64Array.of(-0), success: Uint8Array.of(1) });
 * await w.close();
 * const r = await readRows(`${dir}/r.csv`, { paramNames: ["x"], outputNames: ["y"] });
 * assert.ok(Object.is(r.outputs[0], -0));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./format.ts";
export * from "./row_types.ts";
export * from "./row_writer.ts";
export * from "./read_rows.ts";
export * from "./match_rows.ts";
export * from "./sweep_meta.ts";
export * from "./atomic.ts";
export * from "./progress.ts";
// Rows as matchRows takes them: a Matrix or an array of rows.
export type { Matrix, ParameterRows, TypedArray } from "../parallel/matrix.ts";
