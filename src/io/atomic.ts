/**
 * Files replaced all at once: written to a temporary file in the same
 * directory, flushed to the disk, then renamed over the target, so that
 * readers see either the old file or the whole new one, never a mix.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "../_describe.ts";
import { pathExists, syncDirectory } from "./_fs.ts";
import { checkBatch, csvHeaderLine, encodeBatch, normalizeHeader, resolveFormat } from "./_rows.ts";
import type { RowBatch, RowFormat, RowTable } from "./row_types.ts";

/**
 * What {@linkcode writeFileAtomic} writes: text, bytes, or a (possibly async) sequence of them.
 *
 * @example Usage
 * ```ts
 * import { type AtomicData, writeFileAtomic } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * async function* pieces() {
 *   yield "a,b\n";
 *   yield new TextEncoder().encode("1,2\n");
 * }
 * const data: AtomicData = pieces();
 * await writeFileAtomic(`${dir}/t.csv`, data);
 * assert.equal(await Deno.readTextFile(`${dir}/t.csv`), "a,b\n1,2\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type AtomicData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/**
 * Options of {@linkcode writeFileAtomic}.
 *
 * @example Usage
 * ```ts
 * import { writeFileAtomic, type WriteFileAtomicOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/secret.txt`;
 * await writeFileAtomic(path, "old");
 * const options: WriteFileAtomicOptions = { overwrite: true, mode: 0o600 };
 * await writeFileAtomic(path, "new", options);
 * assert.equal(await Deno.readTextFile(path), "new");
 * if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface WriteFileAtomicOptions {
  /**
   * Replace an existing file. Without it, an existing file is an error and is left untouched.
   *
   * @default {false}
   */
  readonly overwrite?: boolean;
  /**
   * Permissions of the new file (POSIX only), before the umask.
   *
   * @default {0o666}
   */
  readonly mode?: number;
}

const encoder = new TextEncoder();

/**
 * Writes a file atomically: the data goes to a temporary file next to `path`,
 * which is flushed to the disk (`fsync`) and then renamed to `path`. A crash at
 * any point leaves either the old file or the complete new one, and at worst a
 * stray `.<name>.<random>.tmp` file; on errors the temporary file is removed.
 *
 * Without `overwrite`, the new file is linked into place only if `path` does
 * not exist (no check-then-write race); on file systems without hard links the
 * check and the rename are two steps.
 *
 * @param path The file to create or replace.
 * @param data Text (written as UTF-8), bytes, or an iterable or async iterable of either, written in order.
 * @param options Overwrite and mode options.
 * @returns A promise that resolves once the file is in place.
 * @throws {Deno.errors.AlreadyExists} When `path` exists and `overwrite` is not set.
 * @throws {TypeError} When `data` is of none of the accepted kinds.
 *
 * @example Usage
 * ```ts
 * import { writeFileAtomic } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "first");
 * await assert.rejects(writeFileAtomic(`${dir}/a.txt`, "second"), Deno.errors.AlreadyExists);
 * await writeFileAtomic(`${dir}/a.txt`, ["sec", "ond"], { overwrite: true });
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "second");
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.txt"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string | URL,
  data: AtomicData,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const { overwrite = false, mode } = options;
  const target = path instanceof URL ? fileURLToPath(path) : path;
  if (typeof target !== "string" || target === "") {
    throw new TypeError(
      `Cannot write file as 'path' must be a non-empty string or file URL: current value is ${
        describe(path)
      }`,
    );
  }
  const exists = () =>
    new Deno.errors.AlreadyExists(
      `Cannot write file as 'path' already exists: current value is ${
        describe(target)
      } (pass overwrite: true to replace it)`,
    );
  if (!overwrite && await pathExists(target)) throw exists();
  const dir = dirname(target);
  const random = crypto.getRandomValues(new Uint8Array(6));
  const suffix = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  const temp = join(dir, `.${basename(target)}.${suffix}.tmp`);
  let tempExists = false;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    tempExists = true;
    try {
      for await (const piece of pieces(data)) {
        const bytes = typeof piece === "string" ? encoder.encode(piece) : piece;
        let at = 0;
        while (at < bytes.length) at += await file.write(bytes.subarray(at));
      }
      await file.sync();
    } finally {
      file.close();
    }
    if (overwrite) {
      await Deno.rename(temp, target);
      tempExists = false;
    } else {
      try {
        await Deno.link(temp, target);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) throw exists();
        // No hard links here (e.g. FAT, some network shares): check, then rename.
        if (await pathExists(target)) throw exists();
        await Deno.rename(temp, target);
        tempExists = false;
      }
    }
    await syncDirectory(dir);
  } finally {
    if (tempExists) await Deno.remove(temp).catch(() => {});
  }
}

async function* pieces(data: AtomicData): AsyncGenerator<string | Uint8Array> {
  if (typeof data === "string" || data instanceof Uint8Array) {
    yield data;
    return;
  }
  if (
    data !== null && typeof data === "object" &&
    (Symbol.asyncIterator in data || Symbol.iterator in data)
  ) {
    for await (const piece of data as AsyncIterable<unknown>) {
      if (typeof piece !== "string" && !(piece instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot write file as each piece of 'data' must be a string or a Uint8Array: current value is ${
            describe(piece)
          }`,
        );
      }
      yield piece;
    }
    return;
  }
  throw new TypeError(
    `Cannot write file as 'data' must be a string, a Uint8Array or an iterable of them: current value is ${
      describe(data)
    }`,
  );
}

/**
 * Options of {@linkcode finalizeRows}.
 *
 * @example Usage
 * ```ts
 * import { finalizeRows, type FinalizeRowsOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/rows.txt`;
 * const table = {
 *   paramNames: ["x"],
 *   outputNames: ["y"],
 *   rows: 1,
 *   params: Float64Array.of(3),
 *   outputs: Float64Array.of(9),
 *   success: Uint8Array.of(1),
 * };
 * const options: FinalizeRowsOptions = { format: "jsonl", overwrite: false };
 * await finalizeRows(path, table, options);
 * assert.equal(await Deno.readTextFile(path), '{"params":{"x":3},"outputs":{"y":9},"success":true}\n');
 * await assert.rejects(finalizeRows(path, table, options), Deno.errors.AlreadyExists);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface FinalizeRowsOptions {
  /**
   * Format of the file.
   *
   * @default {"csv" for *.csv, "jsonl" for *.jsonl and *.ndjson}
   */
  readonly format?: RowFormat;
  /**
   * Replace an existing file, normally the one a {@linkcode RowWriter} streamed rows to.
   *
   * @default {true}
   */
  readonly overwrite?: boolean;
}

/** Rows encoded per piece, so that a large table never becomes one huge string. */
const FINALIZE_BLOCK_ROWS = 65536;

/**
 * Writes a whole table of results atomically in the format of
 * {@linkcode RowWriter}, replacing the file rows were streamed to: call it at
 * the end of a sweep with the rows in combination order, so that the file's
 * order no longer depends on which chunk finished first. A crash during the
 * rewrite leaves the streamed file as it was.
 *
 * The table is encoded in blocks of rows, so memory beyond the table stays small.
 *
 * @param path The results file.
 * @param table Column names and all rows, in the order they should appear.
 * @param options Format and overwrite options.
 * @returns A promise that resolves once the file is in place.
 * @throws {TypeError} When the table's arrays do not match its names and row count, or the format is unknown.
 * @throws {Deno.errors.AlreadyExists} When the file exists and `overwrite` is `false`.
 *
 * @example Usage
 * ```ts
 * import { finalizeRows } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * await Deno.writeTextFile(path, "x,y,success\n2,4,true\n1,1,true\n"); // streamed, out of order
 * await finalizeRows(path, {
 *   paramNames: ["x"],
 *   outputNames: ["y"],
 *   rows: 2,
 *   params: Float64Array.of(1, 2),
 *   outputs: Float64Array.of(1, 4),
 *   success: Uint8Array.of(1, 1),
 * });
 * assert.equal(await Deno.readTextFile(path), "x,y,success\n1,1,true\n2,4,true\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function finalizeRows(
  path: string | URL,
  table: RowTable,
  options: FinalizeRowsOptions = {},
): Promise<void> {
  const action = "finalize results file";
  const format = resolveFormat(path, options.format, action);
  const header = normalizeHeader(table, action);
  checkBatch(table, header, action);
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  function* blocks(): Generator<string | Uint8Array> {
    if (format === "csv") yield csvHeaderLine(header);
    for (let r0 = 0; r0 < table.rows; r0 += FINALIZE_BLOCK_ROWS) {
      const r1 = Math.min(table.rows, r0 + FINALIZE_BLOCK_ROWS);
      const extra: Record<string, Float64Array> = {};
      for (const name of header.extraNames) extra[name] = table.extra![name].subarray(r0, r1);
      const block: RowBatch = {
        rows: r1 - r0,
        params: table.params.subarray(r0 * P, r1 * P),
        outputs: table.outputs.subarray(r0 * O, r1 * O),
        success: table.success.subarray(r0, r1),
        errors: table.errors?.slice(r0, r1),
        extra,
      };
      yield encodeBatch(format, header, block);
    }
  }
  await writeFileAtomic(path, blocks(), { overwrite: options.overwrite ?? true });
}
