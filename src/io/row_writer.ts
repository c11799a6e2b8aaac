/**
 * Streams results rows to a CSV or JSON Lines file as chunks finish, so that a
 * crash or Ctrl-C leaves a file that is valid up to its last complete line.
 *
 * One concept, though long: the streaming writer and the documentation of the two text formats
 * it writes (the bytes themselves are encoded by `_rows.ts`).
 *
 * ## File formats
 *
 * **CSV** (RFC 4180, lines end in `\n` rather than RFC 4180's `\r\n`, as
 * pandas and most tools write; readers accept both): a header of the column
 * names, then one line per row: the extra columns (if any), the parameters, the
 * outputs, then `success` as `true` or `false`. Names holding a comma, a quote
 * or a line break are quoted; numbers are written by `formatNumber`, so they
 * read back exactly, with `NaN`, `Infinity` and `-Infinity` spelled out. Error
 * messages of failed rows are not written to CSV (a free-text column would
 * make the file awkward for every other tool): use JSON Lines to keep them.
 *
 * **JSON Lines** (`.jsonl`, `.ndjson`): one object per row, without a header:
 *
 * ```text
 * {"extra":{"nominalIndex":0},"params":{"a":1,"b":2},"outputs":{"y":3},"success":true}
 * {"params":{"a":1,"b":3},"outputs":{"y":"NaN"},"success":false,"error":"did not converge"}
 * ```
 *
 * `extra` appears only when there are extra columns, `error` only when the row
 * has a message. JSON has no NaN or infinities, so non-finite numbers are
 * written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`; negative zero
 * is written `-0`.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "../_describe.ts";
import {
  checkBatch,
  csvColumnNames,
  csvHeaderLine,
  encodeBatch,
  freeBytes,
  type NormalizedHeader,
  normalizeHeader,
  parseCsvRecord,
  resolveFormat,
} from "./_rows.ts";
import { pathExists, syncDirectory } from "./_fs.ts";
import { FlushAhead } from "./_flush_ahead.ts";
import type { RowBatch, RowFormat, RowHeader } from "./row_types.ts";

/**
 * Options of {@linkcode RowWriter.open}.
 *
 * @example Usage
 * ```ts
 * import { RowWriter, type RowWriterOptions } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/r.csv`;
 * const header = { paramNames: ["x"], outputNames: ["y"] };
 * await (await RowWriter.open(path, header)).close();
 * await assert.rejects(RowWriter.open(path, header), Deno.errors.AlreadyExists);
 * const options: RowWriterOptions = { overwrite: true, sync: true };
 * const w = await RowWriter.open(path, header, options);
 * await w.write({ rows: 1, params: Float64Array.of(1), outputs: Float64Array.of(2), success: Uint8Array.of(1) });
 * await w.close();
 * assert.equal(await Deno.readTextFile(path), "x,y,success\n1,2,true\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RowWriterOptions {
  /**
   * Format of the file.
   *
   * @default {"csv" for *.csv, "jsonl" for *.jsonl and *.ndjson}
   */
  readonly format?: RowFormat;
  /**
   * Replace an existing file. Without it (or `append`), an existing file is an error.
   *
   * @default {false}
   */
  readonly overwrite?: boolean;
  /**
   * Append to an existing file (resume), after checking that its columns are
   * the same and dropping a partial last line; a missing file is created.
   *
   * @default {false}
   */
  readonly append?: boolean;
  /**
   * Flush every batch to the disk (`fdatasync`) before `write` resolves, so that
   * rows survive a power loss too, not only a crash of the process.
   *
   * @default {false}
   */
  readonly sync?: boolean;
}

/**
 * Where one written batch lies in its file: a byte offset and length.
 *
 * @example Usage
 * ```ts
 * import { RowWriter, type WrittenBlock } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const w = await RowWriter.open(`${dir}/r.csv`, { paramNames: ["x"], outputNames: ["y"] });
 * const one = { rows: 1, params: new Float64Array([1]), outputs: new Float64Array([2]), success: new Uint8Array([1]) };
 * const block: WrittenBlock = await w.write(one);
 * await w.close();
 * assert.equal(block.offset, "x,y,success\n".length);
 * assert.equal(block.bytes, "1,2,true\n".length);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface WrittenBlock {
  /** Offset of the batch's first byte. */
  readonly offset: number;
  /** Length of the batch in bytes. */
  readonly bytes: number;
}

/**
 * Streams rows to a CSV or JSON Lines results file (see the module
 * documentation for the formats).
 *
 * Each {@linkcode RowWriter.write} encodes its batch into one buffer and
 * appends it with one write, so that after a crash the file is valid up to its
 * last complete line; readers drop a partial last line. Writes are queued, so
 * lines never interleave even when `write` is called again before the previous
 * call resolved.
 *
 * @example Usage
 * ```ts
 * import { RowWriter } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * {
 *   await using writer = await RowWriter.open(path, { paramNames: ["a", "b"], outputNames: ["y"] });
 *   await writer.write({
 *     rows: 2,
 *     params: Float64Array.of(1, 2, 1, 3),
 *     outputs: Float64Array.of(0.1 + 0.2, NaN),
 *     success: Uint8Array.of(1, 0),
 *   });
 * }
 * assert.equal(await Deno.readTextFile(path), "a,b,y,success\n1,2,0.30000000000000004,true\n1,3,NaN,false\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RowWriter implements AsyncDisposable {
  readonly #file: Deno.FsFile;
  readonly #path: string | URL;
  readonly #format: RowFormat;
  readonly #header: NormalizedHeader;
  readonly #sync: boolean;
  #tail: Promise<void> = Promise.resolve();
  // The file's data flushed ahead while it is written (unless every write is flushed).
  readonly #ahead: FlushAhead | undefined;
  #rowsWritten = 0;
  // Where the next batch starts in the file, so callers can find their rows again.
  #offset = 0;
  #closed = false;
  #failure: unknown = undefined;
  // The directory of a file this writer created, until its entry has been flushed to the disk:
  // flushing the file alone does not keep a new file through a power loss.
  #newIn: string | undefined;

  private constructor(
    file: Deno.FsFile,
    path: string | URL,
    format: RowFormat,
    header: NormalizedHeader,
    sync: boolean,
    created: boolean,
  ) {
    this.#file = file;
    this.#path = path;
    this.#format = format;
    this.#header = header;
    this.#sync = sync;
    this.#ahead = sync ? undefined : new FlushAhead(path);
    if (created) this.#newIn = dirname(path instanceof URL ? fileURLToPath(path) : path);
  }

  // Flushes the file's data, and the first time, the directory entry of a file it created.
  async #flush(): Promise<void> {
    await this.#file.syncData();
    if (this.#newIn !== undefined) {
      await syncDirectory(this.#newIn);
      this.#newIn = undefined;
    }
  }

  /**
   * Opens a results file for streaming rows: creates it and writes the CSV
   * header, or with `append`, checks an existing file's columns and continues it.
   *
   * @param path Where the results go.
   * @param header The column names.
   * @param options Format, overwrite, append and sync options.
   * @returns A writer; close it (or use `await using`) when done.
   * @throws {Deno.errors.AlreadyExists} When the file exists and neither `overwrite` nor `append` is set.
   * @throws {TypeError} When the names are not unique non-empty strings, the format is unknown, or both `overwrite` and `append` are set.
   * @throws {Error} With `append`, when the existing file's columns differ from `header`, or it does not start like a results file.
   *
   * @example Resume an interrupted sweep
   * ```ts
   * import { RowWriter } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const path = `${dir}/results.jsonl`;
   * const header = { paramNames: ["x"], outputNames: ["y"] };
   * const row = (x: number) => ({
   *   rows: 1,
   *   params: Float64Array.of(x),
   *   outputs: Float64Array.of(x * x),
   *   success: Uint8Array.of(1),
   * });
   * const first = await RowWriter.open(path, header);
   * await first.write(row(1));
   * await first.close();
   * await Deno.writeTextFile(path, '{"params":{"x":2},"out', { append: true }); // a crash mid-line
   * await using again = await RowWriter.open(path, header, { append: true });
   * await again.write(row(3));
   * await again.close();
   * const lines = (await Deno.readTextFile(path)).trim().split("\n");
   * assert.deepEqual(lines.map((l) => JSON.parse(l).params.x), [1, 3]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(
    path: string | URL,
    header: RowHeader,
    options: RowWriterOptions = {},
  ): Promise<RowWriter> {
    const action = "open results file";
    const format = resolveFormat(path, options.format, action);
    const names = normalizeHeader(header, action);
    const { overwrite = false, append = false, sync = false } = options;
    if (overwrite && append) {
      throw new TypeError(
        `Cannot ${action} as 'overwrite' and 'append' exclude each other: current value is both true for ${
          describe(String(path))
        }`,
      );
    }
    const headerBytes = format === "csv" ? new TextEncoder().encode(csvHeaderLine(names)) : null;
    let file: Deno.FsFile;
    let fresh = true;
    let created = true;
    if (append) {
      created = !(await pathExists(path));
      fresh = !(await prepareAppend(path, format, names));
      file = await Deno.open(path, { append: true, create: true });
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
              describe(String(path))
            } (pass overwrite: true to replace it, or append: true to resume)`,
          );
        }
        throw error;
      }
    }
    const writer = new RowWriter(file, path, format, names, sync, created);
    try {
      if (fresh && headerBytes !== null) await writeAll(file, headerBytes);
      writer.#offset = (await file.stat()).size;
    } catch (error) {
      file.close();
      throw error;
    }
    return writer;
  }

  /** The path given to {@linkcode RowWriter.open}. */
  get path(): string | URL {
    return this.#path;
  }

  /** The format being written. */
  get format(): RowFormat {
    return this.#format;
  }

  /** The column names, checked, with `extraNames` always present. */
  get header(): Required<RowHeader> {
    // Copies of the name lists: the writer's own must not change under it.
    return {
      extraNames: [...this.#header.extraNames],
      paramNames: [...this.#header.paramNames],
      outputNames: [...this.#header.outputNames],
    };
  }

  /** Rows written by this writer so far (not counting rows already in an appended file). */
  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  /**
   * Appends rows that were already encoded for this file's format and header (for example by
   * a worker, with the same encoder), in one write. psweep's sweep uses it so that the main
   * thread only writes; the bytes are trusted to be complete lines.
   *
   * @param bytes Complete lines, as {@linkcode RowWriter.write} would write them, or a promise
   * of them: the write keeps its place in the queue while they are made, and a promise that
   * rejects, or whose bytes are not complete lines, fails the writer (as a failed write does),
   * so that no later rows land after a gap.
   * @param rows How many rows the bytes hold.
   * @returns Where the bytes lie in the file, once they are there.
   * @throws {Error} When the writer is closed or an earlier write failed.
   *
   * @example Usage
   * ```ts
   * import { RowWriter } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const w = await RowWriter.open(`${dir}/r.csv`, { paramNames: ["x"], outputNames: ["y"] });
   * await w.writeEncoded(new TextEncoder().encode("1,2,true\n"), 1);
   * await w.close();
   * assert.equal(await Deno.readTextFile(`${dir}/r.csv`), "x,y,success\n1,2,true\n");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  writeEncoded(bytes: Uint8Array | Promise<Uint8Array>, rows: number): Promise<WrittenBlock> {
    if (bytes instanceof Promise) {
      // Its failure is this write's: never also an unhandled rejection (a write refused before
      // it awaits the text, on a closed writer, say).
      bytes.catch(() => {});
    } else {
      const why = notLines(bytes);
      if (why) return Promise.reject(why);
    }
    if (!Number.isSafeInteger(rows) || rows < 0) {
      return Promise.reject(
        new RangeError(
          `Cannot write rows as 'rows' must be a non-negative integer: current value is ${
            describe(rows)
          }`,
        ),
      );
    }
    return this.#append(bytes, rows, "write rows");
  }

  /**
   * Appends a batch of rows as complete lines, in one write.
   *
   * The batch is checked and encoded before `write` returns, so its arrays may
   * be reused as soon as the call returns. Await each write to keep memory
   * flat: queued writes hold their encoded bytes.
   *
   * @param batch The rows.
   * @returns Where the batch's bytes lie in the file, once they are there.
   * @throws {TypeError} When the batch's arrays do not match its row count and the header.
   * @throws {Error} When the writer is closed or an earlier write failed.
   *
   * @example Usage
   * ```ts
   * import { RowWriter } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await using writer = await RowWriter.open(`${dir}/r.csv`, { paramNames: ["p"], outputNames: [] });
   * await writer.write({ rows: 1, params: Float64Array.of(-0), outputs: new Float64Array(0), success: Uint8Array.of(1) });
   * assert.equal(writer.rowsWritten, 1);
   * await writer.close();
   * assert.equal(await Deno.readTextFile(`${dir}/r.csv`), "p,success\n-0,true\n");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async write(batch: RowBatch): Promise<WrittenBlock> {
    const action = "write rows";
    if (this.#closed) {
      throw new Error(
        `Cannot ${action} as the results file is closed: current value is ${
          describe(String(this.#path))
        }`,
      );
    }
    if (this.#failure !== undefined) {
      throw new Error(
        `Cannot ${action} as an earlier write to ${describe(String(this.#path))} failed`,
        { cause: this.#failure },
      );
    }
    checkBatch(batch, this.#header, action);
    const bytes = encodeBatch(this.#format, this.#header, batch);
    try {
      return await this.#append(bytes, batch.rows, action);
    } finally {
      // Text of this write only, now on disk (or failed): its memory goes back at once rather
      // than when this thread next collects garbage, which a thread that allocates little
      // seldom does while megabytes of text pile up (see freeBytes).
      freeBytes(bytes);
    }
  }

  // Queues one write of complete lines, so that concurrent writes never interleave.
  async #append(
    text: Uint8Array | Promise<Uint8Array>,
    rows: number,
    action: string,
  ): Promise<WrittenBlock> {
    if (this.#closed) {
      throw new Error(
        `Cannot ${action} as the results file is closed: current value is ${
          describe(String(this.#path))
        }`,
      );
    }
    const done = this.#tail.then(async (): Promise<WrittenBlock> => {
      // A flush ahead that failed fails the writer: the rows may not be on the disk.
      this.#failure ??= this.#ahead?.error;
      if (this.#failure !== undefined) {
        throw new Error(
          `Cannot ${action} as an earlier write to ${describe(String(this.#path))} failed`,
          { cause: this.#failure },
        );
      }
      let bytes: Uint8Array;
      try {
        // Text still being made (see writeEncoded) keeps this write's place in the queue; text
        // that could not be made fails the writer, as a failed write would: no later rows land
        // after a gap.
        bytes = await text;
        const why = text instanceof Promise ? notLines(bytes) : undefined;
        if (why) throw why;
      } catch (error) {
        this.#failure = error;
        throw error;
      }
      try {
        await writeAll(this.#file, bytes);
        if (this.#sync) await this.#flush();
      } catch (error) {
        this.#failure = error;
        // Which file, for a message that otherwise says only what the system said.
        throw new Error(
          `Cannot ${action} to ${describe(String(this.#path))}: ${(error as Error)?.message}`,
          { cause: error },
        );
      }
      this.#rowsWritten += rows;
      const block = { offset: this.#offset, bytes: bytes.length };
      this.#offset += bytes.length;
      this.#ahead?.wrote(bytes.length);
      return block;
    });
    this.#tail = done.then(() => {}, () => {});
    return await done;
  }

  /**
   * Waits for queued writes, flushes the file to the disk and closes it.
   * Closing twice does nothing.
   *
   * @returns A promise that resolves once the file is closed.
   * @throws {Error} When flushing fails.
   *
   * @example Usage
   * ```ts
   * import { RowWriter } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const writer = await RowWriter.open(`${dir}/r.csv`, { paramNames: ["p"], outputNames: ["y"] });
   * await writer.close();
   * await writer.close();
   * await assert.rejects(
   *   writer.write({ rows: 0, params: new Float64Array(0), outputs: new Float64Array(0), success: new Uint8Array(0) }),
   *   /closed/,
   * );
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    try {
      await this.#ahead?.close();
      // A flush that failed while rows were still being written: the rows may not be on disk.
      const failed = this.#ahead?.error;
      if (failed !== undefined) {
        throw new Error(
          `Cannot flush ${describe(String(this.#path))} to the disk: ${(failed as Error)?.message}`,
          { cause: failed },
        );
      }
      // Rows written before a failure are flushed too; only a flush failing after none is
      // this close's error (an earlier one was its write's).
      await this.#flush().catch((error) => {
        if (this.#failure === undefined) throw error;
      });
    } finally {
      await this.#ahead?.close();
      this.#file.close();
    }
  }

  /**
   * Same as {@linkcode RowWriter.close}, for `await using`.
   *
   * @returns A promise that resolves once the file is closed.
   *
   * @example Usage
   * ```ts
   * import { RowWriter } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * {
   *   await using _writer = await RowWriter.open(`${dir}/r.jsonl`, { paramNames: ["p"], outputNames: ["y"] });
   * }
   * assert.equal(await Deno.readTextFile(`${dir}/r.jsonl`), "");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// Trusted text, but its lengths still checked: a file must end each write on a line end.
function notLines(bytes: unknown): TypeError | undefined {
  if (!(bytes instanceof Uint8Array) || (bytes.length > 0 && bytes[bytes.length - 1] !== 10)) {
    return new TypeError(
      `Cannot write rows as 'bytes' must be a Uint8Array of complete lines (ending in a line break): current value is ${
        describe(bytes)
      }`,
    );
  }
  return undefined;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await file.write(bytes.subarray(at));
}

/**
 * Gets an existing file ready for appending: drops a partial last line and checks
 * its columns. Returns whether the file already has its header (CSV) or any line.
 */
async function prepareAppend(
  path: string | URL,
  format: RowFormat,
  header: NormalizedHeader,
): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  try {
    const size = (await file.stat()).size;
    // Find the end of the last complete line, reading backwards.
    let keep = 0;
    const block = new Uint8Array(65536);
    for (let end = size; end > 0 && keep === 0;) {
      const start = Math.max(0, end - block.length);
      const part = block.subarray(0, end - start);
      await readAt(file, start, part);
      const nl = part.lastIndexOf(10);
      if (nl >= 0) keep = start + nl + 1;
      end = start;
    }
    if (keep === 0) {
      // Not one complete line: an interrupted start, if it is the beginning of what this
      // writer would have written; anything else is not ours to erase.
      if (size > 0) {
        const part = new Uint8Array(Math.min(size, 65536));
        await readAt(file, 0, part);
        // Streaming: a character cut at the end of the file is left out, not replaced.
        const text = new TextDecoder().decode(part, { stream: true });
        const ours = format === "csv"
          ? csvHeaderLine(header).startsWith(text)
          : text.startsWith("{");
        if (!ours) {
          throw new Error(
            `Cannot append to results file as it does not start like a ${format} file of this sweep: current value is ${
              describe(String(path))
            }`,
          );
        }
        await file.truncate(0);
      }
      return false;
    }
    // Read the first record (CSV header, or first JSON line) and compare columns.
    let head = "";
    let first: string[] | undefined;
    // One decoder per file: a character cut at a block's end must not carry over to another.
    const decoder = new TextDecoder();
    for (let at = 0; at < keep && first === undefined;) {
      const part = new Uint8Array(Math.min(65536, keep - at));
      await readAt(file, at, part);
      at += part.length;
      head += decoder.decode(part, { stream: at < keep });
      if (format === "csv") {
        const record = parseCsvRecord(head, 0);
        if (typeof record === "string") {
          throw new SyntaxError(
            `Cannot append to results file as its header is malformed (${record}): current value is ${
              describe(String(path))
            }`,
          );
        }
        if (record !== undefined) first = record.fields;
      } else {
        const nl = head.indexOf("\n");
        if (nl >= 0) first = jsonColumns(head.slice(0, nl), path);
      }
    }
    const expected = format === "csv" ? csvColumnNames(header) : [
      ...header.extraNames.map((n) => `extra.${n}`),
      ...header.paramNames.map((n) => `params.${n}`),
      ...header.outputNames.map((n) => `outputs.${n}`),
    ];
    // JSON objects do not keep the order of integer-like keys, so JSON Lines compare as sets.
    if (format === "jsonl") {
      first?.sort();
      expected.sort();
    }
    if (
      first === undefined || first.length !== expected.length ||
      first.some((name, i) => name !== expected[i])
    ) {
      throw new Error(
        `Cannot append to results file as its columns differ from the sweep's: current value is ${
          describe(first)
        }, expected ${describe(expected)} in ${describe(String(path))}`,
      );
    }
    // Only now that the file is known to be this sweep's, drop its partial last line.
    if (keep < size) await file.truncate(keep);
    return true;
  } finally {
    file.close();
  }
}

function jsonColumns(line: string, path: string | URL): string[] {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    throw new SyntaxError(
      `Cannot append to results file as its line 1 is not JSON: current value is ${
        describe(String(path))
      }`,
      { cause: error },
    );
  }
  const r = (row ?? {}) as Record<string, unknown>;
  const keys = (group: string) =>
    typeof r[group] === "object" && r[group] !== null
      ? Object.keys(r[group] as object).map((k) => `${group}.${k}`)
      : [];
  return [...keys("extra"), ...keys("params"), ...keys("outputs")];
}

async function readAt(file: Deno.FsFile, position: number, into: Uint8Array): Promise<void> {
  await file.seek(position, Deno.SeekMode.Start);
  let at = 0;
  while (at < into.length) {
    const n = await file.read(into.subarray(at));
    if (n === null) throw new Error(`Unexpected end of file at byte ${position + at}`);
    at += n;
  }
}
