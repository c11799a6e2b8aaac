// Internal: results as Parquet (`.parquet`), through `hyparquet-writer` (zstd via node:zlib)
// and, to read them back, `hyparquet`. A Parquet file is valid only once closed (its footer
// comes last), so while a sweep runs its rows stream to an Arrow IPC stream beside it,
// `<path>.partial.arrow`, which survives a crash and is what a resume reads; at the end the
// Parquet file is written, atomically, a row group at a time, and the stream removed. When the
// stream holds every row in order (a run that wrote them in order, without a resume) the file is
// written from the stream, read a batch at a time; when its batches came out of order, each a run
// of consecutive rows, the stream is first rewritten with them in row order (a batch at a time);
// otherwise (a resume, output names that appeared late) from the table of the sweep's rows.
// Either way the write holds one row group at a time, not the file's bytes nor column copies of
// the whole table: memory stays flat however many rows the sweep has.
//
// Columns: one DOUBLE per extra column, parameter and output, then `success` (BOOLEAN); the
// key-value metadata `psweep` holds the names by group as JSON, as in the Arrow stream.

import zlib from "node:zlib";
import { describe } from "../_describe.ts";
import { RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { writeFileAtomic } from "./atomic.ts";
import { pathExists } from "./_fs.ts";
import { type NormalizedHeader, normalizeHeader } from "./_rows.ts";
import { ARROW_META_KEY, openArrow, readArrow, reorderArrow } from "./_arrow.ts";
import { type BatchHeader, isPlainSchema, plainBatch } from "./_arrow_batches.ts";
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

/** One row group's columns: extra columns, parameters, outputs (file order), then success. */
interface ParquetGroup {
  readonly rows: number;
  readonly columns: readonly Float64Array[];
  readonly success: Uint8Array;
}

const HYPARQUET_WRITER = "npm:hyparquet-writer@0.17.0";

/**
 * The bytes of a Parquet file, a row group at a time, from groups of `ROW_GROUP_ROWS` rows (the
 * last may be shorter): what it holds at once is one row group and its encoding, whatever the
 * number of rows. hyparquet-writer's `ParquetWriter` is fed one row group per `write` and its
 * byte buffer emptied after each, so that the bytes are those `parquetWriteBuffer` makes of the
 * whole table (same schema, row groups, pages, statistics, indexes and footer).
 */
export async function* parquetChunks(
  header: RowHeader,
  groups: Iterable<ParquetGroup> | AsyncIterable<ParquetGroup>,
): AsyncGenerator<Uint8Array> {
  // Loaded only now: a sweep needs the writer at its end, not at its start.
  const { ByteWriter, ParquetWriter, schemaFromColumnData } = await import(HYPARQUET_WRITER);
  const names = normalizeHeader(header, "finalize results file");
  const columnName = columnNames(names);
  const width = columnName.length - 1; // the last is success
  const columnData = (group: ParquetGroup) => {
    const success: boolean[] = new Array(group.rows);
    for (let r = 0; r < group.rows; r++) success[r] = group.success[r] === 1;
    return [
      ...group.columns.map((data, i) => ({
        name: columnName[i],
        data,
        type: "DOUBLE" as const,
        nullable: false,
        // Sweep outputs rarely repeat: dictionary pages would cost time for nothing.
        encoding: "PLAIN" as const,
      })),
      { name: "success", data: success, type: "BOOLEAN" as const, nullable: false },
    ];
  };
  const empty: ParquetGroup = {
    rows: 0,
    columns: Array.from({ length: width }, () => new Float64Array(0)),
    success: new Uint8Array(0),
  };
  const bytes = new ByteWriter();
  const take = () => {
    const out = bytes.getBytes().slice();
    bytes.index = 0;
    return out;
  };
  const parquet = new ParquetWriter({
    writer: bytes,
    schema: schemaFromColumnData({ columnData: columnData(empty) }),
    codec: "ZSTD",
    compressors: { ZSTD: zstd },
    kvMetadata: [{
      key: ARROW_META_KEY,
      value: JSON.stringify({
        extraNames: names.extraNames,
        paramNames: names.paramNames,
        outputNames: names.outputNames,
      }),
    }],
  });
  for await (const group of groups) {
    if (group.rows === 0) continue;
    await parquet.write({ columnData: columnData(group), rowGroupSize: ROW_GROUP_ROWS });
    yield take();
  }
  await parquet.finish();
  yield take();
}

/** A whole table's rows as row groups, each column copied a row group at a time. */
function* tableGroups(table: RowTable): Generator<ParquetGroup> {
  const names = normalizeHeader(table, "finalize results file");
  const P = names.paramNames.length;
  const O = names.outputNames.length;
  const column = (matrix: Float64Array, width: number, j: number, from: number, rows: number) => {
    const out = new Float64Array(rows);
    for (let r = 0, at = from * width + j; r < rows; r++, at += width) out[r] = matrix[at];
    return out;
  };
  for (let from = 0; from < table.rows; from += ROW_GROUP_ROWS) {
    const rows = Math.min(ROW_GROUP_ROWS, table.rows - from);
    yield {
      rows,
      columns: [
        ...names.extraNames.map((n) => table.extra![n].slice(from, from + rows)),
        ...names.paramNames.map((_, j) => column(table.params, P, j, from, rows)),
        ...names.outputNames.map((_, j) => column(table.outputs, O, j, from, rows)),
      ],
      success: table.success.slice(from, from + rows),
    };
  }
}

/** The Parquet bytes of a whole table, a row group at a time (see `parquetChunks`). */
export function tableParquetChunks(table: RowTable): AsyncGenerator<Uint8Array> {
  return parquetChunks(table, tableGroups(table));
}

/**
 * The rows of an Arrow stream psweep wrote, as row groups of `ROW_GROUP_ROWS` rows whatever its
 * record batches' sizes, reading it a batch at a time. Throws unless it holds `header`'s columns
 * and `rows` rows.
 */
async function* streamGroups(
  path: string,
  header: NormalizedHeader,
  rows: number,
): AsyncGenerator<ParquetGroup> {
  const { AsyncMessageReader, MessageHeader } = await import("npm:apache-arrow@21.2.0");
  const width = header.extraNames.length + header.paramNames.length + header.outputNames.length;
  const file = await Deno.open(path, { read: true });
  const fail = (why: string) =>
    new Error(
      `Cannot write the Parquet file from the stream ${describe(path)} as ${why}`,
    );
  let group = newGroup(width, Math.min(ROW_GROUP_ROWS, rows));
  let filled = 0;
  let seen = 0;
  try {
    // Batch by batch, as psweep writes them (see _arrow_batches.ts: apache-arrow's own reader
    // costs fields² a batch).
    const reader = new AsyncMessageReader(file.readable);
    const schema = await reader.readSchema();
    const stored = schema?.metadata.get(ARROW_META_KEY);
    const expected = JSON.stringify({
      extraNames: header.extraNames,
      paramNames: header.paramNames,
      outputNames: header.outputNames,
    });
    if (stored !== expected) throw fail(`its columns ${stored} are not ${expected}`);
    if (!isPlainSchema(schema!, width)) throw fail("its columns are not float64 and a bool");
    for (
      let message = await reader.readMessage();
      message !== null;
      message = await reader.readMessage()
    ) {
      if (message.headerType !== MessageHeader.RecordBatch) {
        throw fail("it holds a message other than record batches");
      }
      const body = await reader.readMessageBody(message.bodyLength);
      const batch = plainBatch(message.header() as unknown as BatchHeader, body, width);
      if (batch === undefined) throw fail("a batch holds nulls or compressed columns");
      const { rows: n, columns, success } = batch;
      if (seen + n > rows) throw fail(`it holds more than the ${rows} rows of the sweep`);
      let at = 0;
      while (at < n) {
        const take = Math.min(n - at, group.rows - filled);
        for (let c = 0; c < width; c++) {
          group.columns[c].set(columns[c].subarray(at, at + take), filled);
        }
        group.success.set(success.subarray(at, at + take), filled);
        filled += take;
        at += take;
        seen += take;
        if (filled === group.rows) {
          yield group;
          // Encoded by the time the next group is asked for: its arrays are filled again.
          const next = Math.min(ROW_GROUP_ROWS, rows - seen);
          if (next !== group.rows) group = newGroup(width, next);
          filled = 0;
        }
      }
    }
  } finally {
    try {
      file.close();
    } catch {
      // Closed already by the reader reaching the end of the stream.
    }
  }
  if (seen !== rows) throw fail(`it holds ${seen} rows, not the ${rows} of the sweep`);
}

function newGroup(width: number, rows: number): ParquetGroup {
  return {
    rows,
    columns: Array.from({ length: width }, () => new Float64Array(rows)),
    success: new Uint8Array(rows),
  };
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
    await writeFileAtomic(path, tableParquetChunks(table), { overwrite: true });
    await removePartial(path);
  },
  async finalizeFromStream(path, header, rows) {
    const names = normalizeHeader(header, "finalize results file");
    await writeFileAtomic(
      path,
      parquetChunks(names, streamGroups(partialPath(path), names, rows)),
      {
        overwrite: true,
      },
    );
    await removePartial(path);
  },
  async finalizeFromBlocks(path, header, rows, blocks) {
    // The stream's batches put in row order (one at a time), then the file written from it.
    await reorderArrow(partialPath(path), blocks);
    await parquetFormat.finalizeFromStream!(path, header, rows);
  },
};

async function removePartial(path: string): Promise<void> {
  await Deno.remove(partialPath(path)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
