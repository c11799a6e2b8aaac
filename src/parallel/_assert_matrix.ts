// Internal: the shape check of a Matrix, and the error every public function that takes one
// throws for anything else. No import of matrix.ts: it imports this module.
import { describe } from "../_describe.ts";

/** A Matrix's shape (see matrix.ts), spelled out here so that this module imports none. */
interface MatrixShape {
  readonly rows: number;
  readonly columns: number;
  readonly data: Float64Array;
}

/** Whether `value` is a row-major matrix whose data length matches its shape. */
export function isMatrixShape(value: unknown): value is MatrixShape {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<MatrixShape>;
  return m.data instanceof Float64Array && Number.isInteger(m.rows) &&
    Number.isInteger(m.columns) && (m.rows as number) >= 0 && (m.columns as number) >= 0 &&
    m.data.length === (m.rows as number) * (m.columns as number);
}

/**
 * Throws a TypeError naming `field` unless `value` is a Matrix, so that a list of rows where a
 * matrix is expected is an error rather than an empty result.
 */
export function assertMatrix(value: unknown, field: string, action: string): void {
  if (!isMatrixShape(value)) {
    throw new TypeError(
      `Cannot ${action} as '${field}' must be a Matrix ({ rows, columns, data: Float64Array }; toMatrix converts an array of rows): current value is ${
        describe(value)
      }`,
    );
  }
}
