// Internal: a sweep's result (columns, as the user reads it) as the table of rows that results
// files are written from.
import { toRows } from "../_columns.ts";
import type { RowTable } from "../io/row_types.ts";
import type { SweepResult } from "./sweep_result.ts";

/** The rows of `result`, with its failed rows' messages and any `extra` columns files carry. */
export function resultTable(
  result: SweepResult,
  extra?: Record<string, Float64Array>,
): RowTable {
  const { rows, paramNames, outputNames } = result;
  return {
    paramNames,
    outputNames,
    rows,
    params: toRows(paramNames.map((n) => result.params[n]), rows),
    outputs: toRows(outputNames.map((n) => result.outputs[n]), rows),
    success: result.success,
    errors: Array.from({ length: rows }, (_, r) => result.errors.get(r)),
    ...(extra ? { extraNames: Object.keys(extra), extra } : {}),
  };
}
