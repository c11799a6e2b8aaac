// Internal: the results formats by name. A format's module is imported only when a file of
// its format is used, so that a CSV sweep never loads the binary formats' libraries.

import type { ResultsFormatModule, ResultsFormatName } from "./_results_format.ts";

export {
  type ColumnBatch,
  extensionText,
  formatOfPath,
  type ResultsFormatModule,
  type ResultsFormatName,
  type ResultsWriter,
} from "./_results_format.ts";

/** The module of a format, imported on first use. */
export async function resultsFormat(format: ResultsFormatName): Promise<ResultsFormatModule> {
  switch (format) {
    case "csv":
    case "jsonl":
      return (await import("./_text_format.ts")).textFormat(format);
    case "arrow":
      return (await import("./_arrow.ts")).arrowFormat;
    case "h5":
      return (await import("./_h5.ts")).h5Format;
    case "parquet":
      return (await import("./_parquet.ts")).parquetFormat;
  }
}
