// Internal: the report's reader for the columnar results formats (Arrow IPC stream, HDF5,
// Parquet), through the results-format layer. These files name their parameter and output
// columns themselves, so nothing is inferred.

import { resultsFormat, type ResultsFormatName } from "../io/_formats.ts";

/** What the report takes from a columnar file (the fields of its `ReportInput`). */
export interface ColumnarRead {
  paramNames: string[];
  outputNames: string[];
  params: Record<string, Float64Array>;
  outputs: Record<string, Float64Array>;
  success: Uint8Array;
  /** A partial last batch (an interrupted write) was left out. */
  truncated: boolean;
}

/** Reads an Arrow, HDF5 or Parquet results file as columns by name. */
export async function readColumnar(
  path: string,
  format: ResultsFormatName,
): Promise<ColumnarRead> {
  const read = await (await resultsFormat(format)).read(path);
  const columns = (names: readonly string[], matrix: Float64Array) =>
    Object.fromEntries(names.map((name, j) => {
      const column = new Float64Array(read.rows);
      for (let r = 0, at = j; r < read.rows; r++, at += names.length) column[r] = matrix[at];
      return [name, column];
    }));
  return {
    paramNames: [...read.paramNames],
    outputNames: [...read.outputNames],
    params: columns(read.paramNames, read.params),
    outputs: columns(read.outputNames, read.outputs),
    success: read.success,
    truncated: read.truncated,
  };
}
