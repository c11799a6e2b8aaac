/**
 * Row-major matrices of parameter values, the unit of work every manager
 * splits and hands out.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { assertMatrix, isMatrixShape } from "./_assert_matrix.ts";

/**
 * Any of JavaScript's typed arrays of numbers.
 *
 * @example The buffers of a manager's collectives
 * ```ts
 * import { SingleProcessManager, type TypedArray } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const sendbuf: TypedArray = new Int32Array([1, 2, 3]);
 * const recvbuf: TypedArray = new Int32Array(3);
 * await new SingleProcessManager().sumValuesAndSync(sendbuf, recvbuf);
 * assert.deepEqual([...recvbuf], [1, 2, 3]);
 * ```
 */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A dense row-major matrix of doubles: row `r`, column `c` is
 * `data[r * columns + c]`.
 *
 * Chunks handed to `doExecute` are views (`subarray`) of the original data,
 * so writing into them writes into the caller's matrix.
 *
 * @example Reading row 1, column 2
 * ```ts
 * import { isMatrix, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const m: Matrix = { rows: 2, columns: 3, data: new Float64Array([1, 2, 3, 4, 5, 6]) };
 * assert.ok(isMatrix(m));
 * assert.equal(m.data[1 * m.columns + 2], 6);
 * ```
 */
export interface Matrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly columns: number;
  /** The values, `rows * columns` of them, row after row. */
  readonly data: Float64Array;
}

/**
 * Parameters as accepted by `scatter`: a {@linkcode Matrix} or rows of numbers.
 *
 * @example Both forms hold the same parameters
 * ```ts
 * import { type ParameterRows, toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const rows: ParameterRows = [[1, 2], [3, 4]];
 * const matrix: ParameterRows = toMatrix(rows);
 * assert.deepEqual(toMatrix(rows), toMatrix(matrix));
 * // A matrix is taken as it is, without a copy.
 * assert.equal(toMatrix(matrix), matrix);
 * ```
 */
export type ParameterRows = Matrix | readonly (readonly number[])[];

/**
 * Checks whether a value has the shape of a {@linkcode Matrix}.
 *
 * @param value The value to test.
 * @returns `true` when `value` is a matrix whose data length matches its shape.
 *
 * @example Usage
 * ```ts
 * import { isMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isMatrix({ rows: 1, columns: 2, data: new Float64Array(2) }));
 * assert.ok(!isMatrix([[1, 2]]));
 * ```
 */
export function isMatrix(value: unknown): value is Matrix {
  return isMatrixShape(value);
}

/**
 * Converts rows of numbers to a {@linkcode Matrix}; a matrix is returned as is.
 *
 * @param rows A matrix, or an array of equally long arrays of numbers.
 * @param field The argument's name in error messages.
 * @returns The same values as a row-major matrix.
 * @throws {TypeError} When the rows are ragged or hold something other than numbers.
 *
 * @example Usage
 * ```ts
 * import { toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const m = toMatrix([[1, 2], [3, 4], [5, 6]]);
 * assert.equal(m.rows, 3);
 * assert.equal(m.columns, 2);
 * assert.deepEqual([...m.data], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function toMatrix(rows: ParameterRows, field = "allParameters"): Matrix {
  if (isMatrix(rows)) return rows;
  if (!Array.isArray(rows)) {
    throw new TypeError(
      `Cannot read parameters as '${field}' must be a Matrix or an array of rows: current value is ${
        describe(rows)
      }`,
    );
  }
  const list = rows as readonly (readonly number[])[];
  const columns = list.length === 0 ? 0 : (Array.isArray(list[0]) ? list[0].length : -1);
  const data = new Float64Array(list.length * Math.max(columns, 0));
  for (let r = 0; r < list.length; r++) {
    const row = list[r];
    if (!Array.isArray(row) || row.length !== columns) {
      throw new TypeError(
        `Cannot read parameters as row ${r} of '${field}' must be an array of ${columns} numbers: current value is ${
          describe(row)
        }`,
      );
    }
    for (let c = 0; c < columns; c++) {
      const v = row[c];
      if (typeof v !== "number") {
        throw new TypeError(
          `Cannot read parameters as '${field}[${r}][${c}]' must be a number: current value is ${
            describe(v)
          }`,
        );
      }
      data[r * columns + c] = v;
    }
  }
  return { rows: list.length, columns, data };
}

/**
 * A view of rows `start` (inclusive) to `end` (exclusive); no values are copied.
 *
 * @param matrix The matrix to take rows from.
 * @param start The first row of the view.
 * @param end One past the last row of the view.
 * @returns A matrix sharing `matrix.data`'s memory.
 * @throws {TypeError} When `matrix` is not a {@linkcode Matrix} (an array of rows, say).
 * @throws {RangeError} When the range is outside the matrix.
 *
 * @example Usage
 * ```ts
 * import { sliceRows, toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const view = sliceRows(toMatrix([[1], [2], [3]]), 1, 3);
 * assert.deepEqual([...view.data], [2, 3]);
 * ```
 */
export function sliceRows(matrix: Matrix, start: number, end: number): Matrix {
  assertMatrix(matrix, "matrix", "slice rows");
  if (
    !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start ||
    end > matrix.rows
  ) {
    throw new RangeError(
      `Cannot slice rows as the range must lie within 0..${matrix.rows}: current value is ${start}..${end}`,
    );
  }
  return {
    rows: end - start,
    columns: matrix.columns,
    data: matrix.data.subarray(start * matrix.columns, end * matrix.columns),
  };
}

/**
 * Returns the rows of a matrix as arrays of numbers.
 *
 * @param matrix The matrix to read.
 * @returns One array per row.
 * @throws {TypeError} When `matrix` is not a {@linkcode Matrix}.
 *
 * @example Usage
 * ```ts
 * import { matrixToRows, toMatrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(matrixToRows(toMatrix([[1, 2], [3, 4]])), [[1, 2], [3, 4]]);
 * ```
 */
export function matrixToRows(matrix: Matrix): number[][] {
  assertMatrix(matrix, "matrix", "read rows");
  const out: number[][] = [];
  for (let r = 0; r < matrix.rows; r++) {
    out.push(Array.from(matrix.data.subarray(r * matrix.columns, (r + 1) * matrix.columns)));
  }
  return out;
}

/**
 * Sizes of `parts` nearly equal consecutive pieces of `total` items, as numpy's
 * `array_split` makes them: the first `total % parts` pieces get one extra item.
 *
 * @param total The number of items to split.
 * @param parts The number of pieces.
 * @returns `parts` sizes that add up to `total`.
 * @throws {RangeError} When `parts` is not a positive integer or `total` is negative.
 *
 * @example Usage
 * ```ts
 * import { splitSizes } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitSizes(7, 3), [3, 2, 2]);
 * ```
 */
export function splitSizes(total: number, parts: number): number[] {
  if (!Number.isInteger(parts) || parts < 1) {
    throw new RangeError(
      `Cannot split rows as 'parts' must be a positive integer: current value is ${parts}`,
    );
  }
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(
      `Cannot split rows as 'total' must be a non-negative integer: current value is ${total}`,
    );
  }
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
