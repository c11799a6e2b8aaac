// The shapes of rows as psweep writes and reads them: which format, the header (column names) and
// a batch of rows. Every results format (CSV, JSON Lines, and those to come) shares these types, so
// they live apart from any one writer.

/**
 * The formats of results files: `"csv"` or `"jsonl"` (JSON Lines).
 *
 * @example Usage
 * ```ts
 * import { type RowFormat, RowWriter } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * // An explicit format wins over the file's extension.
 * const format: RowFormat = "jsonl";
 * const w = await RowWriter.open(`${dir}/r.txt`, { paramNames: ["x"], outputNames: ["y"] }, { format });
 * await w.write({ rows: 1, params: Float64Array.of(1), outputs: Float64Array.of(2), success: Uint8Array.of(1) });
 * await w.close();
 * assert.equal(w.format, "jsonl");
 * assert.equal(await Deno.readTextFile(`${dir}/r.txt`), '{"params":{"x":1},"outputs":{"y":2},"success":true}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type RowFormat = "csv" | "jsonl";

/**
 * The column names of a results file.
 *
 * @example Usage
 * ```ts
 * import { type RowHeader, RowWriter } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const header: RowHeader = { extraNames: ["nominalIndex"], paramNames: ["a", "b"], outputNames: ["y"] };
 * const w = await RowWriter.open(`${dir}/r.csv`, header);
 * await w.close();
 * // Extra columns come first, then parameters, outputs and `success`.
 * assert.equal(await Deno.readTextFile(`${dir}/r.csv`), "nominalIndex,a,b,y,success\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RowHeader {
  /** Names of the parameter columns, in order. */
  readonly paramNames: readonly string[];
  /** Names of the output columns, in order. */
  readonly outputNames: readonly string[];
  /**
   * Names of extra numeric columns placed before the parameters, e.g.
   * `nominalIndex` and `differentialIndex` in differential sweeps.
   *
   * @default {[]}
   */
  readonly extraNames?: readonly string[];
}

/**
 * A batch of rows, column group by column group, in typed arrays.
 *
 * @example Usage
 * ```ts
 * import type { RowBatch } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * // Two rows of parameters (a, b) and one output y; the second row failed.
 * const batch: RowBatch = {
 *   rows: 2,
 *   params: Float64Array.of(1, 2, 1, 3),
 *   outputs: Float64Array.of(3, NaN),
 *   success: Uint8Array.of(1, 0),
 *   errors: [undefined, "did not converge"],
 * };
 * assert.equal(batch.params.length, batch.rows * 2);
 * ```
 */
export interface RowBatch {
  /** Number of rows. */
  readonly rows: number;
  /** `rows x paramNames.length` parameter values, row-major. */
  readonly params: Float64Array;
  /** `rows x outputNames.length` output values, row-major; NaN where missing or failed. */
  readonly outputs: Float64Array;
  /** 1 for each row that succeeded, 0 for each that failed. */
  readonly success: Uint8Array;
  /** Per row, the error message of a failed row (written to JSON Lines only). */
  readonly errors?: readonly (string | undefined)[];
  /** The extra columns named by `extraNames`, `rows` values each. */
  readonly extra?: Readonly<Record<string, Float64Array>>;
}

/**
 * A whole table of rows: column names and the rows' values.
 *
 * @example Usage
 * ```ts
 * import { finalizeRows, type RowTable } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const table: RowTable = {
 *   paramNames: ["x"],
 *   outputNames: ["y"],
 *   rows: 2,
 *   params: Float64Array.of(1, 2),
 *   outputs: Float64Array.of(1, NaN),
 *   success: Uint8Array.of(1, 0),
 *   errors: [undefined, "did not converge"],
 * };
 * await finalizeRows(`${dir}/r.jsonl`, table);
 * const lines = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n");
 * assert.deepEqual(JSON.parse(lines[1]), {
 *   params: { x: 2 },
 *   outputs: { y: "NaN" },
 *   success: false,
 *   error: "did not converge",
 * });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RowTable extends RowHeader, RowBatch {}
