/**
 * Reading results back: the rows a {@linkcode RowWriter} streamed to a CSV or JSON Lines file,
 * as typed arrays, with their column names checked against what the caller expects. Long
 * because it is a tolerant parser of two formats, line by line (quoted CSV, JSON values, cut
 * last lines); one concept.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import {
  csvOutputName,
  parseCsvRecord,
  resolveFormat,
  scanNumber,
  tryParseNumber,
} from "./_rows.ts";
import type { RowFormat, RowTable } from "./row_types.ts";
import { readSweepMeta, type SweepMeta, sweepMetaPath } from "./sweep_meta.ts";

/**
 * Options of {@linkcode readRows}.
 *
 * @example Usage
 * ```ts
 * import { readRows, type ReadRowsOptions } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * await Deno.writeTextFile(path, "k,a,y,success\n0,1,0.5,true\n1,2,NaN,false\n");
 * const options: ReadRowsOptions = { extraNames: ["k"], paramNames: ["a"], outputNames: ["y"] };
 * const r = await readRows(path, options);
 * assert.deepEqual([...r.extra.k], [0, 1]);
 * assert.deepEqual([...r.params], [1, 2]);
 * await assert.rejects(readRows(path, { ...options, outputNames: ["z"] }), /output columns differ/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ReadRowsOptions {
  /**
   * Format of the file.
   *
   * @default {"csv" for *.csv, "jsonl" for *.jsonl and *.ndjson}
   */
  readonly format?: RowFormat;
  /**
   * Names of the parameter columns. A CSV header does not tell parameters from
   * outputs, so for CSV they come from here or else from the metadata file
   * (see {@linkcode writeSweepMeta}); when given, the file must have them.
   *
   * @default {from the metadata file; for JSON Lines, from the first row}
   */
  readonly paramNames?: readonly string[];
  /**
   * Names of the output columns; when given, the file must have exactly these.
   *
   * @default {the columns between the parameters and `success`; for JSON Lines, from the first row}
   */
  readonly outputNames?: readonly string[];
  /**
   * Names of the extra columns before the parameters.
   *
   * @default {from the metadata file, or else none; for JSON Lines, from the first row}
   */
  readonly extraNames?: readonly string[];
}

/**
 * The rows read back by {@linkcode readRows}.
 *
 * @example Usage
 * ```ts
 * import { readRows, type ReadRowsResult } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.jsonl`;
 * await Deno.writeTextFile(
 *   path,
 *   '{"params":{"x":1},"outputs":{"y":2},"success":true}\n' +
 *     '{"params":{"x":2},"outputs":{"y":null},"success":false,"error":"diverged"}\n' +
 *     '{"params":', // crashed mid-line
 * );
 * const result: ReadRowsResult = await readRows(path);
 * assert.equal(result.format, "jsonl");
 * assert.deepEqual(result.paramNames, ["x"]);
 * assert.deepEqual(result.errors, [undefined, "diverged"]);
 * assert.ok(Number.isNaN(result.outputs[1]));
 * assert.ok(result.truncated);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ReadRowsResult extends RowTable {
  /** Names of the extra columns (empty when there are none). */
  readonly extraNames: readonly string[];
  /** The extra columns by name, `rows` values each. */
  readonly extra: Readonly<Record<string, Float64Array>>;
  /** Per row, the error message (JSON Lines only; `undefined` where none). */
  readonly errors: readonly (string | undefined)[];
  /** The file's format. */
  readonly format: RowFormat | "arrow" | "h5" | "parquet";
  /** Whether a partial last line (an interrupted write) was dropped. */
  readonly truncated: boolean;
}

const CHUNK_BYTES = 1 << 22;

/** Growable typed-array storage for the rows being read. */
class Store {
  capacity = 0;
  rows = 0;
  params: Float64Array;
  outputs: Float64Array;
  success: Uint8Array;
  extra: Float64Array[];
  /** Error messages by row; most rows have none. */
  errors = new Map<number, string>();
  constructor(readonly E: number, readonly P: number, readonly O: number) {
    this.params = new Float64Array(0);
    this.outputs = new Float64Array(0);
    this.success = new Uint8Array(0);
    this.extra = Array.from({ length: E }, () => new Float64Array(0));
  }
  /** Makes room for `more` rows beyond the current ones. */
  reserve(more: number): void {
    const need = this.rows + more;
    if (need <= this.capacity) return;
    this.capacity = Math.max(need, this.capacity * 2, 1024);
    const params = new Float64Array(this.capacity * this.P);
    params.set(this.params);
    this.params = params;
    const outputs = new Float64Array(this.capacity * this.O);
    outputs.set(this.outputs);
    this.outputs = outputs;
    const success = new Uint8Array(this.capacity);
    success.set(this.success);
    this.success = success;
    this.extra = this.extra.map((a) => {
      const b = new Float64Array(this.capacity);
      b.set(a);
      return b;
    });
  }
}

/**
 * Reads a results file written by {@linkcode RowWriter} (CSV or JSON Lines)
 * back into typed arrays, streaming it in chunks.
 *
 * A partial last line, left by a crash in the middle of a write, is dropped
 * (and `truncated` is set); any other malformed line is an error naming the
 * file and line. Numbers are read exactly as {@linkcode formatNumber} wrote
 * them; an empty CSV output field or a JSON `null` reads as NaN.
 *
 * @param path The results file.
 * @param options Format and the expected column names.
 * @returns The column names and rows, in file order.
 * @throws {SyntaxError} When a line other than a partial last one is malformed.
 * @throws {Error} When the columns differ from the names given, or a CSV file's parameter columns are unknown.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example Usage
 * ```ts
 * import { readRows } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * await Deno.writeTextFile(path, "a,y,success\n1,0.5,true\n2,NaN,false\n3,0.2"); // crashed mid-line
 * const r = await readRows(path, { paramNames: ["a"] });
 * assert.equal(r.rows, 2);
 * assert.deepEqual(r.outputNames, ["y"]);
 * assert.deepEqual([...r.params], [1, 2]);
 * assert.deepEqual([...r.success], [1, 0]);
 * assert.ok(r.truncated);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRows(
  path: string | URL,
  options: ReadRowsOptions = {},
): Promise<ReadRowsResult> {
  let result: ReadRowsResult | undefined;
  for await (const batch of readBatches(path, options, false)) result = batch;
  return result!;
}

/**
 * Reads a results file as {@linkcode readRows} does, a batch of rows at a
 * time (the rows of about 4 MiB of the file each), so that a file of any
 * length is read in the memory of one batch. Each batch has the file's column
 * names; a file without rows gives one empty batch.
 *
 * @param path The results file (CSV or JSON Lines).
 * @param options Format and the expected column names.
 * @returns The batches, in file order.
 * @throws {SyntaxError} When a line other than a partial last one is malformed.
 * @throws {Error} When the columns differ from the names given, or a CSV file's parameter columns are unknown.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example Summing an output a batch at a time
 * ```ts
 * import { readRowBatches } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * await Deno.writeTextFile(path, "a,y,success\n1,0.5,true\n2,NaN,false\n3,0.25,true\n");
 * let rows = 0;
 * let sum = 0;
 * for await (const batch of readRowBatches(path, { paramNames: ["a"] })) {
 *   rows += batch.rows;
 *   for (let r = 0; r < batch.rows; r++) if (batch.success[r]) sum += batch.outputs[r];
 * }
 * assert.deepEqual([rows, sum], [3, 0.75]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readRowBatches(
  path: string | URL,
  options: ReadRowsOptions = {},
): AsyncGenerator<ReadRowsResult> {
  return readBatches(path, options, true);
}

// The rows of a file: every `CHUNK_BYTES` read as a batch (`batched`), or all of them at the end.
async function* readBatches(
  path: string | URL,
  options: ReadRowsOptions,
  batched: boolean,
): AsyncGenerator<ReadRowsResult> {
  const format = resolveFormat(path, options.format, "read results file");
  const file = await Deno.open(path, { read: true });
  let reader: Reader;
  try {
    const known = await namesFor(path, options);
    reader = format === "csv" ? new CsvReader(path, known) : new JsonlReader(path, known);
  } catch (error) {
    file.close();
    throw error;
  }
  const decoder = new TextDecoder();
  let carry = new Uint8Array(0);
  let given = false;
  try {
    const chunk = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const n = await file.read(chunk);
      if (n === null) break;
      let bytes = chunk.subarray(0, n);
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + n);
        joined.set(carry);
        joined.set(bytes, carry.length);
        bytes = joined;
      }
      const nl = bytes.lastIndexOf(10);
      if (nl < 0) {
        carry = bytes.slice();
        continue;
      }
      reader.push(decoder.decode(bytes.subarray(0, nl + 1)));
      carry = bytes.slice(nl + 1);
      if (batched && reader.store !== undefined && reader.store.rows > 0) {
        given = true;
        yield reader.take(format);
      }
    }
  } finally {
    file.close();
  }
  const last = await reader.finish(format, carry.length > 0);
  if (!given || last.rows > 0 || last.truncated) yield last;
}

/** The column names known before reading: given ones, or else those of the metadata file. */
interface KnownNames {
  readonly extraNames?: readonly string[];
  readonly paramNames?: readonly string[];
  readonly outputNames?: readonly string[];
}

async function namesFor(path: string | URL, options: ReadRowsOptions): Promise<KnownNames> {
  const given = (field: string, value: unknown) => {
    if (
      value !== undefined &&
      (!Array.isArray(value) || !value.every((n) => typeof n === "string"))
    ) {
      throw new TypeError(
        `Cannot read results file as '${field}' must be an array of strings: current value is ${
          describe(value)
        }`,
      );
    }
  };
  given("paramNames", options.paramNames);
  given("outputNames", options.outputNames);
  given("extraNames", options.extraNames);
  let meta: SweepMeta | undefined;
  if (options.paramNames === undefined || options.outputNames === undefined) {
    try {
      meta = await readSweepMeta(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  } else if (options.extraNames === undefined) {
    // Only the extra names are wanted: a metadata file that cannot tell them is passed over.
    meta = await readSweepMeta(path).catch(() => undefined);
  }
  if (meta === undefined) return options;
  return {
    paramNames: options.paramNames ?? meta.paramNames,
    outputNames: options.outputNames ?? meta.outputNames,
    extraNames: options.extraNames ?? meta.extraNames ?? [],
  };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

abstract class Reader {
  store?: Store;
  names?: {
    extraNames: readonly string[];
    paramNames: readonly string[];
    outputNames: readonly string[];
  };
  line = 0;
  constructor(readonly path: string | URL, readonly known: KnownNames) {}
  abstract push(text: string): void;
  fail(message: string): never {
    throw new SyntaxError(
      `Cannot read results file ${describe(String(this.path))} as line ${this.line} ${message}`,
    );
  }
  columnsDiffer(group: string, current: readonly string[], expected: readonly string[]): never {
    throw new Error(
      `Cannot read results file ${
        describe(String(this.path))
      } as its ${group} differ from those expected: current value is ${
        describe(current)
      }, expected ${describe(expected)}`,
    );
  }
  setNames(
    extraNames: readonly string[],
    paramNames: readonly string[],
    outputNames: readonly string[],
  ): void {
    this.names = {
      extraNames: [...extraNames],
      paramNames: [...paramNames],
      outputNames: [...outputNames],
    };
    this.store = new Store(extraNames.length, paramNames.length, outputNames.length);
  }
  async finish(format: RowFormat, truncated: boolean): Promise<ReadRowsResult> {
    await this.beforeFinish();
    if (this.names === undefined) {
      const k = this.known;
      this.setNames(k.extraNames ?? [], k.paramNames ?? [], k.outputNames ?? []);
    }
    return this.take(format, truncated);
  }
  /** The rows read so far, as a batch; the store then holds none (its room is kept). */
  take(format: RowFormat, truncated = false): ReadRowsResult {
    const s = this.store!;
    const n = this.names!;
    const extra: Record<string, Float64Array> = {};
    n.extraNames.forEach((name, i) => (extra[name] = s.extra[i].slice(0, s.rows)));
    const result: ReadRowsResult = {
      format,
      truncated,
      extraNames: n.extraNames,
      paramNames: n.paramNames,
      outputNames: n.outputNames,
      rows: s.rows,
      params: s.params.slice(0, s.rows * s.P),
      outputs: s.outputs.slice(0, s.rows * s.O),
      success: s.success.slice(0, s.rows),
      errors: Array.from({ length: s.rows }, (_, r) => s.errors.get(r)),
      extra,
    };
    s.rows = 0;
    s.errors.clear();
    return result;
  }
  beforeFinish(): Promise<void> {
    return Promise.resolve();
  }
}

class CsvReader extends Reader {
  head = "";

  push(text: string): void {
    if (this.store === undefined) {
      this.head += text;
      this.line = 0;
      const record = parseCsvRecord(this.head, 0);
      if (record === undefined) return;
      this.line = 1;
      if (typeof record === "string") this.fail(`(the header) is malformed: ${record}`);
      this.line = record.lines;
      this.header(record.fields);
      text = this.head.slice(record.next);
      this.head = "";
    }
    this.lines(text);
  }

  header(fields: string[]): void {
    const known = this.known;
    if (known.paramNames === undefined) {
      throw new Error(
        `Cannot read results file ${
          describe(String(this.path))
        } as its parameter columns are unknown: pass 'paramNames', or keep its metadata file ${
          describe(String(sweepMetaPath(this.path)))
        }`,
      );
    }
    const extraNames = known.extraNames ?? [];
    const E = extraNames.length;
    const P = known.paramNames.length;
    if (fields.length < E + P + 1 || fields[fields.length - 1] !== "success") {
      this.columnsDiffer("columns", fields, [...extraNames, ...known.paramNames, "...", "success"]);
    }
    if (!sameNames(fields.slice(0, E), extraNames)) {
      this.columnsDiffer("extra columns", fields.slice(0, E), extraNames);
    }
    if (!sameNames(fields.slice(E, E + P), known.paramNames)) {
      this.columnsDiffer("parameter columns", fields.slice(E, E + P), known.paramNames);
    }
    const outputNames = fields.slice(E + P, -1).map(csvOutputName);
    if (known.outputNames !== undefined && !sameNames(outputNames, known.outputNames)) {
      this.columnsDiffer("output columns", outputNames, known.outputNames);
    }
    this.setNames(extraNames, known.paramNames, outputNames);
  }

  override beforeFinish(): Promise<void> {
    if (this.head !== "") {
      this.line = 1;
      this.fail("(the header) is malformed: a quoted field is never closed");
    }
    return Promise.resolve();
  }

  lines(text: string): void {
    const s = this.store!;
    let count = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) count++;
    s.reserve(count);
    const result = csvLines(text, s);
    if (typeof result === "number") {
      this.line += result;
      return;
    }
    this.line += result.line;
    this.fail(result.message);
  }
}

/** A problem with a line: its number (counted from 1 in the text given) and description. */
interface LineProblem {
  readonly line: number;
  readonly message: string;
}

/**
 * Parses complete CSV data lines into the store (which has room for them). Returns the
 * number of lines read, or the first bad line.
 *
 * The hot loop reads fields in place with `indexOf` and `charCodeAt`, and looks for quotes
 * only when a line fails to parse: a quote-tracking variable and field slices compared in
 * place were both found to make V8's optimized code take time proportional to the rest of
 * the text per line (40 s instead of 0.3 s for 1e6 rows).
 */
function csvLines(text: string, s: Store): number | LineProblem {
  let line = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    line++;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end === pos) {
      pos = nl + 1;
      continue; // a blank line
    }
    const r = s.rows;
    const problem = plainLine(text, pos, end, s, r);
    if (problem !== undefined) {
      const quote = text.indexOf('"', pos);
      const retry = quote >= 0 && quote < end ? quotedLine(text.slice(pos, nl + 1), s, r) : problem;
      if (retry !== undefined) return { line, message: retry };
    }
    s.rows = r + 1;
    pos = nl + 1;
  }
  return line;
}

/** Stores a line without quotes as row `r`, or returns its problem. */
function plainLine(
  text: string,
  pos: number,
  end: number,
  s: Store,
  r: number,
): string | undefined {
  const { E, P, O, params, outputs, success, extra } = s;
  const W = E + P + O + 1;
  let at = pos;
  for (let k = 0; k < W; k++) {
    let stop = text.indexOf(",", at);
    if (stop < 0 || stop > end) stop = end;
    if (k === W - 1 ? stop !== end : stop === end) {
      let n = 1;
      for (let i = text.indexOf(",", pos); i >= 0 && i < end; i = text.indexOf(",", i + 1)) n++;
      return `has ${n} fields, expected ${W}`;
    }
    if (k === W - 1) {
      const ok = boolAt(text, at, stop);
      if (ok === undefined) {
        return `has ${describe(text.slice(at, stop))} for 'success', expected true or false`;
      }
      success[r] = ok ? 1 : 0;
      return undefined;
    }
    let v = scanNumber(text, at, stop);
    if (v === undefined) {
      if (stop !== at || k < E + P) {
        return `has ${describe(text.slice(at, stop))} in field ${k + 1}, expected a number`;
      }
      v = NaN;
    }
    if (k < E) extra[k][r] = v;
    else if (k < E + P) params[r * P + k - E] = v;
    else outputs[r * O + k - E - P] = v;
    at = stop + 1;
  }
  return undefined;
}

/** Stores a data line holding quotes (not written by psweep, but valid CSV) as row `r`. */
function quotedLine(text: string, s: Store, r: number): string | undefined {
  const { E, P, O } = s;
  const W = E + P + O + 1;
  const record = parseCsvRecord(text, 0);
  if (typeof record !== "object") return `is malformed: ${record ?? "a quote is never closed"}`;
  const fields = record.fields;
  if (fields.length !== W) return `has ${fields.length} fields, expected ${W}`;
  for (let k = 0; k < W - 1; k++) {
    let v = tryParseNumber(fields[k]);
    if (v === undefined) {
      if (fields[k] !== "" || k < E + P) {
        return `has ${describe(fields[k])} in field ${k + 1}, expected a number`;
      }
      v = NaN;
    }
    if (k < E) s.extra[k][r] = v;
    else if (k < E + P) s.params[r * P + k - E] = v;
    else s.outputs[r * O + k - E - P] = v;
  }
  const field = fields[W - 1];
  const ok = boolAt(field, 0, field.length);
  if (ok === undefined) return `has ${describe(field)} for 'success', expected true or false`;
  s.success[r] = ok ? 1 : 0;
  return undefined;
}

/** Reads `true`, `True`, `TRUE`, `1` or their false counterparts at `text[start, end)`. */
function boolAt(text: string, start: number, end: number): boolean | undefined {
  switch (end - start) {
    case 1: {
      const c = text.charCodeAt(start);
      return c === 49 ? true : c === 48 ? false : undefined;
    }
    case 4:
      return wordAt(text, start, "true") || wordAt(text, start, "True") ||
          wordAt(text, start, "TRUE")
        ? true
        : undefined;
    case 5:
      return wordAt(text, start, "false") || wordAt(text, start, "False") ||
          wordAt(text, start, "FALSE")
        ? false
        : undefined;
  }
  return undefined;
}

function wordAt(text: string, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  }
  return true;
}

type JsonObject = Record<string, unknown>;

class JsonlReader extends Reader {
  push(text: string): void {
    let pos = 0;
    while (pos < text.length) {
      const nl = text.indexOf("\n", pos);
      this.line++;
      const line = text.slice(pos, nl);
      pos = nl + 1;
      if (line.trim() === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        this.fail(`is not JSON: ${(error as Error).message}`);
      }
      if (typeof row !== "object" || row === null || Array.isArray(row)) {
        this.fail(`must be a JSON object: current value is ${describe(row)}`);
      }
      this.row(row as JsonObject);
    }
  }

  group(row: JsonObject, key: string, optional: boolean): JsonObject {
    const g = row[key];
    if (g === undefined && optional) return {};
    if (typeof g !== "object" || g === null || Array.isArray(g)) {
      this.fail(`must have an object '${key}': current value is ${describe(g)}`);
    }
    return g as JsonObject;
  }

  row(row: JsonObject): void {
    const extra = this.group(row, "extra", true);
    const params = this.group(row, "params", false);
    const outputs = this.group(row, "outputs", false);
    if (this.store === undefined) {
      const o = this.known;
      const check = (group: string, given: readonly string[] | undefined, found: string[]) => {
        if (given === undefined) return found;
        if (!sameNames([...given].sort(), [...found].sort())) {
          this.columnsDiffer(group, found, given);
        }
        return given;
      };
      this.setNames(
        check("extra columns", o.extraNames, Object.keys(extra)),
        check("parameter columns", o.paramNames, Object.keys(params)),
        check("output columns", o.outputNames, Object.keys(outputs)),
      );
    }
    const s = this.store!;
    const n = this.names!;
    s.reserve(1);
    const r = s.rows++;
    this.values(extra, "extra", n.extraNames, (j, v) => (s.extra[j][r] = v));
    this.values(params, "params", n.paramNames, (j, v) => (s.params[r * s.P + j] = v));
    this.values(outputs, "outputs", n.outputNames, (j, v) => (s.outputs[r * s.O + j] = v));
    if (typeof row.success !== "boolean") {
      this.fail(`must have a boolean 'success': current value is ${describe(row.success)}`);
    }
    s.success[r] = row.success ? 1 : 0;
    if (row.error !== undefined) {
      if (typeof row.error !== "string") {
        this.fail(`must have a string 'error' or none: current value is ${describe(row.error)}`);
      }
      s.errors.set(r, row.error);
    }
  }

  values(
    group: JsonObject,
    key: string,
    names: readonly string[],
    set: (j: number, v: number) => void,
  ): void {
    let count = 0;
    for (const _ in group) count++;
    if (count !== names.length) {
      this.fail(
        `must have the ${names.length} columns ${describe(names)} in '${key}': current value is ${
          describe(Object.keys(group))
        }`,
      );
    }
    for (let j = 0; j < names.length; j++) {
      const name = names[j];
      const v = Object.hasOwn(group, name) ? group[name] : undefined;
      if (typeof v === "number") set(j, v);
      else if (v === null) set(j, NaN);
      else if (v === "NaN") set(j, NaN);
      else if (v === "Infinity") set(j, Infinity);
      else if (v === "-Infinity") set(j, -Infinity);
      else {
        this.fail(
          `must have a number for '${key}.${name}': current value is ${describe(v)}`,
        );
      }
    }
  }
}
