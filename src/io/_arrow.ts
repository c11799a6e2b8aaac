// Internal: results as an Arrow IPC *stream* (`.arrow`), through `apache-arrow`. The stream
// format (unlike Arrow's file format, Feather) is valid up to its last complete message, so a
// file streamed batch by batch survives `kill -9`: pyarrow and polars read every complete batch,
// and a resumed sweep drops a partial last one and appends after it.
//
// Layout: one float64 column per extra column, parameter and output (in that order), then
// `success` (bool). The schema's metadata key `psweep` holds the names by group as JSON
// (`{"extraNames":[],"paramNames":[...],"outputNames":[...]}`), so that a reader tells
// parameters from outputs without the `.meta.json` file.

import type { Float, Schema, Table } from "npm:apache-arrow@21.2.0";
import { type BatchHeader, isPlainSchema, type PlainBatch, plainBatch } from "./_arrow_batches.ts";
import { describe } from "../_describe.ts";
import { RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { writeFileAtomic } from "./atomic.ts";
import { blockBytes, pathExists, syncDirectory } from "./_fs.ts";
import { checkBatch, freeBytes, type NormalizedHeader, normalizeHeader } from "./_rows.ts";
import { FlushAhead } from "./_flush_ahead.ts";
import {
  type ColumnBatch,
  columnGroups,
  columnNames,
  columnsOf,
  type OpenResultsOptions,
  type ResultsFormatModule,
  type ResultsWriter,
  rowsOf,
} from "./_results_format.ts";
import type { ReadRowsOptions, ReadRowsResult } from "./read_rows.ts";
import type { RowBatch, RowHeader, RowTable } from "./row_types.ts";
import type { WrittenBlock } from "./row_writer.ts";
import { completeLength, encodeRecordBatch, encodeSchema, EOS } from "./_arrow_ipc.ts";
import { dirname } from "node:path";

/** The schema metadata key that holds the column names by group. */
export const ARROW_META_KEY = "psweep";
const TABLE_BATCH_ROWS = RESULTS_FILE_DEFAULTS.arrow.tableBatchRows;

/** The Arrow schema of a header as its encoded message, and its record batches. */
export class ArrowLayout {
  readonly schemaBytes: Uint8Array;
  constructor(readonly header: NormalizedHeader) {
    const metadata = JSON.stringify({
      extraNames: header.extraNames,
      paramNames: header.paramNames,
      outputNames: header.outputNames,
    });
    this.schemaBytes = encodeSchema({
      doubles: columnNames(header).slice(0, -1),
      metadata: new Map([[ARROW_META_KEY, metadata]]),
    });
  }

  /** The record batch message of some rows (see `encodeRecordBatch`). */
  encode(batch: ColumnBatch): Uint8Array {
    if (batch.rows === 0) return new Uint8Array(0);
    const columns = [...batch.extra, ...batch.params, ...batch.outputs];
    return encodeRecordBatch(batch.rows, columns, batch.success);
  }
}

/** apache-arrow, loaded when a file is first read. */
function arrowLibrary(): Promise<typeof import("npm:apache-arrow@21.2.0")> {
  return import("npm:apache-arrow@21.2.0");
}

function isDouble(type: unknown): boolean {
  const t = type as Float | undefined;
  // Type.Float and Precision.DOUBLE.
  return t?.typeId === 3 && t.precision === 2;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Streams rows to an Arrow IPC stream file, one record batch per write. */
class ArrowWriter implements ResultsWriter {
  readonly format = "arrow" as const;
  #rowsWritten = 0;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown = undefined;
  #closed = false;
  #newIn: string | undefined;
  // Where the next batch goes: the stream's length so far.
  #end: number;
  // The stream's data flushed ahead while it is written (unless every write is flushed).
  readonly #ahead: FlushAhead | undefined;

  constructor(
    readonly path: string,
    readonly file: Deno.FsFile,
    readonly layout: ArrowLayout,
    readonly sync: boolean,
    created: boolean,
    end: number,
  ) {
    if (created) this.#newIn = dirname(path);
    this.#end = end;
    this.#ahead = sync ? undefined : new FlushAhead(path);
  }

  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  write(batch: RowBatch): Promise<WrittenBlock> {
    try {
      checkBatch(batch, this.layout.header, "write rows");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.writeColumns(columnsOf(batch, this.layout.header));
  }

  writeColumns(batch: ColumnBatch): Promise<WrittenBlock> {
    if (this.#closed) {
      return Promise.reject(
        new Error(
          `Cannot write rows as the results file is closed: current value is ${
            describe(this.path)
          }`,
        ),
      );
    }
    // Encoded now, so that the caller may reuse its arrays once this returns.
    const bytes = this.layout.encode(batch);
    return this.#append(bytes, batch.rows);
  }

  // One write per batch, queued, so that batches never interleave; resolves to where it lies.
  #append(bytes: Uint8Array, rows: number): Promise<WrittenBlock> {
    const done = this.#tail.then(async (): Promise<WrittenBlock> => {
      // A flush ahead that failed fails the writer: the rows may not be on the disk.
      this.#failure ??= this.#ahead?.error;
      if (this.#failure !== undefined) {
        throw new Error(`Cannot write rows as an earlier write to ${describe(this.path)} failed`, {
          cause: this.#failure,
        });
      }
      try {
        await writeAll(this.file, bytes);
        if (this.sync) await this.#flush();
      } catch (error) {
        this.#failure = error;
        throw new Error(
          `Cannot write rows to ${describe(this.path)}: ${(error as Error)?.message}`,
          {
            cause: error,
          },
        );
      }
      this.#rowsWritten += rows;
      const block = { offset: this.#end, bytes: bytes.length };
      this.#end += bytes.length;
      this.#ahead?.wrote(bytes.length);
      // The batch's bytes (made for this write alone) go back now, not when this thread next
      // collects garbage (see freeBytes).
      freeBytes(bytes);
      return block;
    });
    this.#tail = done.then(() => {}, () => {});
    return done;
  }

  async #flush(): Promise<void> {
    await this.file.syncData();
    if (this.#newIn !== undefined) {
      await syncDirectory(this.#newIn);
      this.#newIn = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    try {
      await this.#ahead?.close();
      const failed = this.#ahead?.error;
      if (failed !== undefined) {
        throw new Error(
          `Cannot flush ${describe(this.path)} to the disk: ${(failed as Error)?.message}`,
          { cause: failed },
        );
      }
      if (this.#failure === undefined) {
        await writeAll(this.file, EOS);
        await this.#flush();
      }
    } finally {
      await this.#ahead?.close();
      this.file.close();
    }
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await file.write(bytes.subarray(at));
}

/** Opens an Arrow stream for appending rows (see `ResultsFormatModule.open`). */
export async function openArrow(
  path: string,
  header: RowHeader,
  options: OpenResultsOptions = {},
): Promise<ResultsWriter> {
  const action = "open results file";
  const layout = new ArrowLayout(normalizeHeader(header, action));
  const { append = false, overwrite = false, sync = false } = options;
  let file: Deno.FsFile;
  let fresh = true;
  let created = true;
  // The length of what the stream keeps: a resumed one's complete messages.
  let end = 0;
  if (append && await pathExists(path)) {
    created = false;
    file = await Deno.open(path, { read: true, write: true });
    try {
      const bytes = await Deno.readFile(path);
      const { keep, messages } = completeLength(bytes);
      if (messages > 0) {
        const schema = bytes.subarray(0, layout.schemaBytes.length);
        if (!sameBytes(schema, layout.schemaBytes)) {
          const names = await readNames(bytes.subarray(0, keep)).catch(() => undefined);
          throw new Error(
            `Cannot append to results file as its columns differ from the sweep's: current value is ${
              describe(names)
            }, expected ${describe(layout.header)} in ${describe(path)}`,
          );
        }
        fresh = false;
      } else if (
        bytes.length > 0 && !sameBytes(bytes, layout.schemaBytes.subarray(0, bytes.length))
      ) {
        throw new Error(
          `Cannot append to results file as it does not start like an Arrow stream of this sweep: current value is ${
            describe(path)
          }`,
        );
      }
      // Drops a partial last batch and the end-of-stream marker of a closed file.
      end = fresh ? 0 : keep;
      await file.truncate(end);
      await file.seek(0, Deno.SeekMode.End);
    } catch (error) {
      file.close();
      throw error;
    }
  } else {
    try {
      file = await Deno.open(path, {
        write: true,
        create: true,
        createNew: !overwrite,
        truncate: overwrite,
      });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new Deno.errors.AlreadyExists(
          `Cannot ${action} as 'path' already exists: current value is ${
            describe(path)
          } (pass overwrite: true to replace it, or append: true to resume)`,
        );
      }
      throw error;
    }
  }
  try {
    if (fresh) {
      await writeAll(file, layout.schemaBytes);
      end = layout.schemaBytes.length;
    }
  } catch (error) {
    file.close();
    throw error;
  }
  return new ArrowWriter(path, file, layout, sync, created, end);
}

async function readNames(bytes: Uint8Array): Promise<unknown> {
  const table = (await arrowLibrary()).tableFromIPC(bytes);
  return table.schema.metadata.get(ARROW_META_KEY) ?? table.schema.fields.map((f) => f.name);
}

/** Reads an Arrow stream's complete batches (see `ResultsFormatModule.read`). */
export async function readArrow(
  path: string,
  options: ReadRowsOptions = {},
): Promise<ReadRowsResult & { format: "arrow" }> {
  const bytes = await Deno.readFile(path);
  return await decodeArrow(path, bytes, options);
}

/** Decodes the complete batches of Arrow stream bytes into rows. */
export async function decodeArrow(
  path: string,
  bytes: Uint8Array,
  options: ReadRowsOptions = {},
): Promise<ReadRowsResult & { format: "arrow" }> {
  const { keep, messages } = completeLength(bytes);
  // Empty, or the start of a first message: what a stream cut before its schema was whole holds.
  const started = bytes.length < 4
    ? bytes.every((b) => b === 255)
    : new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === 0xffffffff;
  if (messages === 0 && started && options.paramNames && options.outputNames) {
    // A crash while the schema was being written: no rows yet, under the names the reader expects.
    return {
      format: "arrow",
      truncated: bytes.length > 0,
      extraNames: [...(options.extraNames ?? [])],
      paramNames: [...options.paramNames],
      outputNames: [...options.outputNames],
      extra: Object.fromEntries((options.extraNames ?? []).map((n) => [n, new Float64Array(0)])),
      rows: 0,
      params: new Float64Array(0),
      outputs: new Float64Array(0),
      success: new Uint8Array(0),
      errors: [],
    };
  }
  if (messages === 0) {
    throw new SyntaxError(
      `Cannot read results file ${
        describe(path)
      } as it is not an Arrow IPC stream (or holds no complete schema)`,
    );
  }
  // A closed stream ends in the end-of-stream marker; anything else after the last complete
  // message is a batch cut by a crash.
  const truncated = keep < bytes.length && !(keep + EOS.length === bytes.length &&
    sameBytes(bytes.subarray(keep), EOS));
  const arrow = await arrowLibrary();
  const read = readPlain(path, arrow, bytes.subarray(0, keep)) ??
    readTable(path, arrow.tableFromIPC(bytes.subarray(0, keep)));
  const fields = read.schema.fields;
  const names = columnGroups(
    path,
    read.schema.metadata.get(ARROW_META_KEY),
    fields.map((f) => f.name),
    options,
  );
  const E = names.extraNames.length;
  const P = names.paramNames.length;
  const O = names.outputNames.length;
  const rows = read.rows;
  const successAt = E + P + O;
  if (fields[successAt]?.name !== "success") {
    throw new SyntaxError(
      `Cannot read results file ${describe(path)} as its column ${successAt} must be 'success'`,
    );
  }
  const extra: Record<string, Float64Array> = {};
  names.extraNames.forEach((name, i) => (extra[name] = read.column(i)));
  const params = rowsOf(names.paramNames.map((_, j) => read.column(E + j)), rows);
  const outputs = rowsOf(names.outputNames.map((_, j) => read.column(E + P + j)), rows);
  const success = read.success(successAt);
  return {
    format: "arrow",
    truncated,
    extraNames: names.extraNames,
    paramNames: names.paramNames,
    outputNames: names.outputNames,
    extra,
    rows,
    params,
    outputs,
    success,
    errors: new Array(rows).fill(undefined),
  };
}

/** A stream's schema and rows, as `decodeArrow` takes them. */
interface ReadStream {
  readonly schema: Schema;
  readonly rows: number;
  column(i: number): Float64Array;
  success(i: number): Uint8Array;
}

// The stream as psweep writes it, read batch by batch without apache-arrow's RecordBatch (see
// _arrow_batches.ts); undefined when it is not (its batches are then read by apache-arrow).
function readPlain(
  path: string,
  arrow: typeof import("npm:apache-arrow@21.2.0"),
  bytes: Uint8Array,
): ReadStream | undefined {
  const reader = new arrow.MessageReader(bytes);
  const schema = reader.readSchema();
  if (!schema) return undefined;
  const width = schema.fields.length - 1;
  if (!isPlainSchema(schema, width)) return undefined;
  const batches: PlainBatch[] = [];
  for (let message = reader.readMessage(); message !== null; message = reader.readMessage()) {
    if (message.headerType !== arrow.MessageHeader.RecordBatch) return undefined;
    const body = reader.readMessageBody(message.bodyLength);
    const batch = plainBatch(message.header() as unknown as BatchHeader, body, width);
    if (batch === undefined) return undefined;
    batches.push(batch);
  }
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const joined = <T extends Float64Array | Uint8Array>(
    make: (n: number) => T,
    of: (b: PlainBatch) => T,
  ) => {
    const out = make(rows);
    let at = 0;
    for (const b of batches) {
      out.set(of(b), at);
      at += b.rows;
    }
    return out;
  };
  return {
    schema,
    rows,
    column: (i) => {
      if (i >= width) return notDouble(path, schema, i);
      return joined((n) => new Float64Array(n), (b) => b.columns[i]);
    },
    success: (i) => {
      if (i !== width) return notDouble(path, schema, width);
      return joined((n) => new Uint8Array(n), (b) => b.success);
    },
  };
}

function notDouble(path: string, schema: Schema, i: number): never {
  throw new SyntaxError(
    `Cannot read results file ${describe(path)} as its column ${
      describe(schema.fields[i]?.name)
    } is not a float64 column`,
  );
}

// Any Arrow stream, read by apache-arrow.
function readTable(path: string, table: Table): ReadStream {
  const fields = table.schema.fields;
  return {
    schema: table.schema,
    rows: table.numRows,
    column: (i) => {
      const vector = table.getChildAt(i);
      if (vector === null || !isDouble(fields[i]?.type)) {
        throw new SyntaxError(
          `Cannot read results file ${describe(path)} as its column ${
            describe(fields[i]?.name)
          } is not a float64 column`,
        );
      }
      const values = vector.toArray() as Float64Array;
      return values instanceof Float64Array ? values : Float64Array.from(values);
    },
    success: (i) => {
      const out = new Uint8Array(table.numRows);
      let r = 0;
      for (const data of table.getChildAt(i)!.data) {
        const bits = data.values as Uint8Array;
        for (let k = 0; k < data.length; k++, r++) {
          const at = data.offset + k;
          out[r] = (bits[at >> 3] >> (at & 7)) & 1;
        }
      }
      return out;
    },
  };
}

/** The bytes of a whole table as an Arrow stream, a batch of rows at a time. */
export function* arrowBytes(table: RowTable): Generator<Uint8Array> {
  const header = normalizeHeader(table, "finalize results file");
  const layout = new ArrowLayout(header);
  yield layout.schemaBytes;
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  for (let r0 = 0; r0 < table.rows; r0 += TABLE_BATCH_ROWS) {
    const r1 = Math.min(table.rows, r0 + TABLE_BATCH_ROWS);
    const extra: Record<string, Float64Array> = {};
    for (const name of header.extraNames) extra[name] = table.extra![name].subarray(r0, r1);
    yield layout.encode(columnsOf({
      rows: r1 - r0,
      params: table.params.subarray(r0 * P, r1 * P),
      outputs: table.outputs.subarray(r0 * O, r1 * O),
      success: table.success.subarray(r0, r1),
      extra,
    }, header));
  }
  yield EOS;
}

/** Arrow IPC stream files. */
export const arrowFormat: ResultsFormatModule = {
  format: "arrow",
  streams: true,
  open: openArrow,
  read: (path, options) => readArrow(path, options),
  exists: (path) => pathExists(path),
  finalize: (path, table) => writeFileAtomic(path, arrowBytes(table), { overwrite: true }),
  finalizeFromBlocks: (path, _header, _rows, blocks) => reorderArrow(path, blocks),
};

/**
 * Rewrites an Arrow stream, atomically, with its record batches in the order given (see
 * `ResultsFormatModule.finalizeFromBlocks`): its schema, the batches, the end-of-stream marker.
 */
export function reorderArrow(path: string, blocks: readonly WrittenBlock[]): Promise<void> {
  return writeFileAtomic(path, blockBytes(path, blocks, EOS), { overwrite: true });
}
