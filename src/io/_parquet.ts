// Internal: results as Parquet (`.parquet`), through `hyparquet-writer` (zstd via node:zlib)
// and, to read them back, `hyparquet`. A Parquet file is valid only once closed (its footer
// comes last), so while a sweep runs its rows stream to an Arrow IPC stream beside it,
// `<path>.partial.arrow`, which survives a crash and is what a resume reads; at the end the
// Parquet file is written from the whole table, atomically, and the stream removed.
//
// Columns: one DOUBLE per extra column, parameter and output, then `success` (BOOLEAN); the
// key-value metadata `psweep` holds the names by group as JSON, as in the Arrow stream.

import zlib from "node:zlib";
import { describe } from "../_describe.ts";
import { RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { writeFileAtomic } from "./atomic.ts";
import { pathExists } from "./_fs.ts";
import { normalizeHeader } from "./_rows.ts";
import { ARROW_META_KEY, openArrow, readArrow } from "./_arrow.ts";
import {
  columnGroups,
  columnNames,
  type OpenResultsOptions,
  type ResultsFormatModule,
  type ResultsWriter,
  rowsOf,
} from "./_results_format.ts";
import type { ReadRowsOptions, ReadRowsResult } from "./read_rows.ts";
import type { RowHeader, RowTable } from "./row_types.ts";

/** The stream a sweep writes while it runs, beside the Parquet file it will write at the end. */
export function partialPath(path: string): string {
  return `${path}.partial.arrow`;
}

const ROW_GROUP_ROWS = RESULTS_FILE_DEFAULTS.parquet.rowGroupRows;

function zstd(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(zlib.zstdCompressSync(bytes));
}

/** The Parquet bytes of a whole table. */
export async function parquetBytes(table: RowTable): Promise<Uint8Array> {
  // Loaded only now: a sweep needs the writer at its end, not at its start.
  const { parquetWriteBuffer } = await import("npm:hyparquet-writer@0.17.0");
  const names = normalizeHeader(table, "finalize results file");
  const n = table.rows;
  const P = names.paramNames.length;
  const O = names.outputNames.length;
  const column = (matrix: Float64Array, width: number, j: number) => {
    const out = new Float64Array(n);
    for (let r = 0, at = j; r < n; r++, at += width) out[r] = matrix[at];
    return out;
  };
  const doubles = (name: string, data: Float64Array) => ({
    name,
    data,
    type: "DOUBLE" as const,
    nullable: false,
    // Sweep outputs rarely repeat: dictionary pages would cost time for nothing.
    encoding: "PLAIN" as const,
  });
  const columnName = columnNames(names);
  const success: boolean[] = new Array(n);
  for (let r = 0; r < n; r++) success[r] = table.success[r] === 1;
  const buffer = parquetWriteBuffer({
    codec: "ZSTD",
    compressors: { ZSTD: zstd },
    rowGroupSize: ROW_GROUP_ROWS,
    kvMetadata: [{
      key: ARROW_META_KEY,
      value: JSON.stringify({
        extraNames: names.extraNames,
        paramNames: names.paramNames,
        outputNames: names.outputNames,
      }),
    }],
    columnData: [
      ...names.extraNames.map((name, i) => doubles(columnName[i], table.extra![name].slice(0, n))),
      ...names.paramNames.map((_, j) =>
        doubles(columnName[names.extraNames.length + j], column(table.params, P, j))
      ),
      ...names.outputNames.map((_, j) =>
        doubles(columnName[names.extraNames.length + P + j], column(table.outputs, O, j))
      ),
      { name: "success", data: success, type: "BOOLEAN" as const, nullable: false },
    ],
  });
  return new Uint8Array(buffer);
}

/** Reads a Parquet results file written by psweep (or any with DOUBLE columns and `success`). */
export async function readParquet(
  path: string,
  options: ReadRowsOptions = {},
): Promise<ReadRowsResult> {
  const bytes = await Deno.readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { parquetMetadata, parquetRead } = await import("npm:hyparquet@1.33.0");
  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read results file ${describe(path)} as it is not a Parquet file: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  const rows = Number(metadata.num_rows);
  const fieldNames = metadata.schema.slice(1).map((e) => e.name);
  const stored = metadata.key_value_metadata?.find((kv) => kv.key === ARROW_META_KEY)?.value;
  const names = columnGroups(path, stored, fieldNames, options);
  const width = names.extraNames.length + names.paramNames.length + names.outputNames.length;
  // Columns by position: a parameter and an output may share a name.
  const columns = Array.from({ length: width }, () => new Float64Array(rows));
  const success = new Uint8Array(rows);
  await parquetRead({
    file,
    metadata,
    compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zlib.zstdDecompressSync(input)) },
    onChunk: ({ columnName, columnData, rowStart }) => {
      const at = fieldNames.indexOf(columnName);
      if (columnName === "success" && at === width) {
        for (let i = 0; i < columnData.length; i++) success[rowStart + i] = columnData[i] ? 1 : 0;
      } else if (at >= 0 && at < width) {
        const target = columns[at];
        for (let i = 0; i < columnData.length; i++) target[rowStart + i] = Number(columnData[i]);
      }
    },
  });
  const E = names.extraNames.length;
  const P = names.paramNames.length;
  const extra: Record<string, Float64Array> = {};
  names.extraNames.forEach((name, i) => (extra[name] = columns[i]));
  return {
    format: "parquet",
    truncated: false,
    extraNames: names.extraNames,
    paramNames: names.paramNames,
    outputNames: names.outputNames,
    extra,
    rows,
    params: rowsOf(columns.slice(E, E + P), rows),
    outputs: rowsOf(columns.slice(E + P), rows),
    success,
    errors: new Array(rows).fill(undefined),
  };
}

async function openParquet(
  path: string,
  header: RowHeader,
  options: OpenResultsOptions = {},
): Promise<ResultsWriter> {
  if (!options.append && !options.overwrite && await pathExists(path)) {
    throw new Deno.errors.AlreadyExists(
      `Cannot open results file as 'path' already exists: current value is ${
        describe(path)
      } (pass overwrite: true to replace it, or append: true to resume)`,
    );
  }
  const stream = await openArrow(partialPath(path), header, options);
  // The writer streams to the partial file but answers for the Parquet file.
  return {
    path,
    format: "parquet",
    streamPath: partialPath(path),
    get rowsWritten() {
      return stream.rowsWritten;
    },
    write: (batch) => stream.write(batch),
    writeColumns: (batch) => stream.writeColumns!(batch),
    close: () => stream.close(),
  };
}

/** Parquet files, written at the end from a stream kept beside them while the sweep runs. */
export const parquetFormat: ResultsFormatModule = {
  format: "parquet",
  streams: false,
  open: openParquet,
  async read(path, options, resume = false) {
    const partial = partialPath(path);
    const fromStream = resume ? await pathExists(partial) : !(await pathExists(path)) &&
      await pathExists(partial);
    if (fromStream) return { ...(await readArrow(partial, options)), format: "parquet" };
    return await readParquet(path, options);
  },
  exists: async (path) => await pathExists(path) || await pathExists(partialPath(path)),
  async finalize(path, table) {
    await writeFileAtomic(path, await parquetBytes(table), { overwrite: true });
    await Deno.remove(partialPath(path)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  },
};
