// Internal: the report's reader for the columnar results formats (Arrow IPC stream, HDF5,
// Parquet), through the results-format layer. These files name their parameter and output
// columns themselves, so nothing is inferred; their extra columns (a differential sweep's
// index columns) come along, as from JSON Lines.

import { resultsFormat, type ResultsFormatName } from "../io/_formats.ts";
import { type ColumnNames, type ResultsTable, tableOf } from "./_read.ts";

/**
 * Reads an Arrow, HDF5 or Parquet results file as columns by name; a partial last batch (an
 * interrupted write) is left out and marked `partial`.
 *
 * @param names The column names expected (from the metadata file), checked by the format.
 */
export async function readColumnar(
  path: string,
  format: ResultsFormatName,
  names: ColumnNames = {},
): Promise<ResultsTable> {
  const { truncated, ...table } = tableOf(await (await resultsFormat(format)).read(path, names));
  return { ...table, partial: truncated };
}
