// Internal: CSV and JSON Lines behind the results-format layer: the streaming RowWriter, the
// chunked reader readRows and the atomic finalizeRows, as they are.

import { finalizeRows, writeFileAtomic } from "./atomic.ts";
import { blockBytes, pathExists } from "./_fs.ts";
import { readRows } from "./read_rows.ts";
import { RowWriter } from "./row_writer.ts";
import type { ResultsFormatModule } from "./_results_format.ts";

const modules = new Map<"csv" | "jsonl", ResultsFormatModule>();

/** The module of CSV or JSON Lines files. */
export function textFormat(format: "csv" | "jsonl"): ResultsFormatModule {
  let module = modules.get(format);
  if (module === undefined) {
    module = {
      format,
      streams: true,
      open: (path, header, options = {}) => RowWriter.open(path, header, { ...options, format }),
      read: (path, options = {}) => readRows(path, { ...options, format }),
      exists: (path) => pathExists(path),
      finalize: (path, table) => finalizeRows(path, table, { format, overwrite: true }),
      // The header, then the blocks of lines in the order given.
      finalizeFromBlocks: (path, _header, _rows, blocks) =>
        writeFileAtomic(path, blockBytes(path, blocks), { overwrite: true }),
    };
    modules.set(format, module);
  }
  return module;
}
