// Internal: encoding and decoding of results rows (CSV and JSON Lines), shared by the
// streaming writer, the atomic finaliser and the resume reader. Not part of the public API.
// One concept, though long: the two text formats' encoding and decoding, kept together so that
// what is written and what is read back cannot drift apart.

import { describe } from "../_describe.ts";
import type { RowBatch, RowFormat, RowHeader } from "./row_types.ts";
import { createNumberText, type NumberText } from "./_number_text.ts";
import { toRows } from "../_columns.ts";
import type { EncodeRows, GridSlice } from "./_row_encoder_protocol.ts";

/** Parses like `parseNumber` but returns `undefined` for text that is not a number. */
export function tryParseNumber(text: string): number | undefined {
  return scanNumber(text, 0, text.length);
}

const SLICE: string[] = [""];

/**
 * Parses `text.slice(start, end)` like `parseNumber`, or returns `undefined`. The syntax is
 * checked character by character, without a regular expression, as the hot loop of readers.
 */
export function scanNumber(text: string, start: number, end: number): number | undefined {
  let i = start;
  let c = text.charCodeAt(i);
  if ((c === 43 || c === 45) /* + - */ && i < end) c = text.charCodeAt(++i);
  let digits = 0;
  while (c >= 48 && c <= 57 && i < end) {
    digits++;
    c = text.charCodeAt(++i);
  }
  if (c === 46 /* . */ && i < end) {
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57 && i < end) {
      digits++;
      c = text.charCodeAt(++i);
    }
  }
  if (digits > 0) {
    if ((c === 101 || c === 69) /* e E */ && i < end) {
      c = text.charCodeAt(++i);
      if ((c === 43 || c === 45) && i < end) c = text.charCodeAt(++i);
      let exponent = 0;
      while (c >= 48 && c <= 57 && i < end) {
        exponent++;
        c = text.charCodeAt(++i);
      }
      if (exponent === 0) return undefined;
    }
    if (i !== end) return undefined;
    // Keeping the slice in a module-level slot stops V8's optimizing compiler from fusing
    // `Number(text.slice(...))`, which it then runs in time proportional to the rest of
    // `text` (seen in Deno 2.9 / V8 15: reading 1e6 CSV rows took 30 s instead of 0.4 s).
    const slice = text.slice(start, end);
    SLICE[0] = slice;
    return Number(slice);
  }
  switch (end - start > 9 ? "" : text.slice(start, end)) {
    case "NaN":
    case "nan":
      return NaN;
    case "Infinity":
    case "+Infinity":
    case "inf":
    case "+inf":
      return Infinity;
    case "-Infinity":
    case "-inf":
      return -Infinity;
  }
  return undefined;
}

/** A header with every group present and checked. */
export interface NormalizedHeader {
  readonly extraNames: readonly string[];
  readonly paramNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** The format named by `format`, or else by the file's extension. */
export function resolveFormat(path: string | URL, format: unknown, action: string): RowFormat {
  if (format === "csv" || format === "jsonl") return format;
  if (format !== undefined) {
    throw new TypeError(
      `Cannot ${action} as 'format' must be "csv" or "jsonl": current value is ${describe(format)}`,
    );
  }
  const name = (path instanceof URL ? path.pathname : path).toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  throw new TypeError(
    `Cannot ${action} as the format of 'path' is unknown: current value is ${
      describe(String(path))
    } (name it *.csv, *.jsonl or *.ndjson, or pass format: "csv" or "jsonl")`,
  );
}

function checkNames(value: unknown, field: string, action: string): readonly string[] {
  if (value === undefined && field === "extraNames") return [];
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot ${action} as '${field}' must be an array of strings: current value is ${
        describe(value)
      }`,
    );
  }
  const seen = new Set<string>();
  value.forEach((name, i) => {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot ${action} as '${field}[${i}]' must be a non-empty string: current value is ${
          describe(name)
        }`,
      );
    }
    if (seen.has(name)) {
      throw new TypeError(
        `Cannot ${action} as the names in '${field}' must be unique: ${
          describe(name)
        } appears twice`,
      );
    }
    seen.add(name);
  });
  return [...value];
}

/** Checks a header's names: arrays of non-empty strings, unique within each group. */
export function normalizeHeader(header: RowHeader, action: string): NormalizedHeader {
  if (typeof header !== "object" || header === null) {
    throw new TypeError(
      `Cannot ${action} as 'header' must be an object with paramNames and outputNames: current value is ${
        describe(header)
      }`,
    );
  }
  return {
    extraNames: checkNames(header.extraNames, "extraNames", action),
    paramNames: checkNames(header.paramNames, "paramNames", action),
    outputNames: checkNames(header.outputNames, "outputNames", action),
  };
}

/** Checks that a batch's arrays have the lengths its header and row count imply. */
export function checkBatch(batch: RowBatch, header: NormalizedHeader, action: string): void {
  if (typeof batch !== "object" || batch === null) {
    throw new TypeError(
      `Cannot ${action} as 'batch' must be an object: current value is ${describe(batch)}`,
    );
  }
  const rows = batch.rows;
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RangeError(
      `Cannot ${action} as 'rows' must be a non-negative integer: current value is ${
        describe(rows)
      }`,
    );
  }
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  const expect = (field: string, value: unknown, type: string, length: number) => {
    const ok =
      (type === "Float64Array" ? value instanceof Float64Array : value instanceof Uint8Array) &&
      (value as ArrayLike<number>).length === length;
    if (!ok) {
      const current = ArrayBuffer.isView(value)
        ? `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`
        : describe(value);
      throw new TypeError(
        `Cannot ${action} as '${field}' must be a ${type} of length ${length}: current value is ${current}`,
      );
    }
  };
  expect("params", batch.params, "Float64Array", rows * P);
  expect("outputs", batch.outputs, "Float64Array", rows * O);
  expect("success", batch.success, "Uint8Array", rows);
  if (batch.errors !== undefined && (!Array.isArray(batch.errors) || batch.errors.length < rows)) {
    throw new TypeError(
      `Cannot ${action} as 'errors' must be an array of ${rows} messages or undefined: current value is ${
        describe(batch.errors)
      }`,
    );
  }
  for (const name of header.extraNames) {
    expect(`extra.${name}`, batch.extra?.[name], "Float64Array", rows);
  }
  for (const name of Object.keys(batch.extra ?? {})) {
    if (!header.extraNames.includes(name)) {
      throw new TypeError(
        `Cannot ${action} as 'extra' must hold only the columns in 'extraNames': ${
          describe(name)
        } is not among ${describe(header.extraNames)}`,
      );
    }
  }
}

/** Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV header line: extra names, parameter names, output names, `success`; ends in `\n`. */
export function csvHeaderLine(header: NormalizedHeader): string {
  return csvColumnNames(header).map(csvField).join(",") + "\n";
}

// An output may have a parameter's name (WaterTAP records the swept inputs among the outputs).
// A CSV header has one namespace: such an output's column is `outputs.<name>`, and so is that of
// an output whose name starts with `outputs.` already, so that readers strip exactly one prefix.
export const OUTPUT_PREFIX = "outputs.";

/** The CSV column names of a header, outputs that need it prefixed (see OUTPUT_PREFIX). */
export function csvColumnNames(header: NormalizedHeader): string[] {
  const taken = new Set([...header.extraNames, ...header.paramNames, "success"]);
  return [
    ...header.extraNames,
    ...header.paramNames,
    ...header.outputNames.map((n) =>
      taken.has(n) || n.startsWith(OUTPUT_PREFIX) ? OUTPUT_PREFIX + n : n
    ),
    "success",
  ];
}

/** The output name a CSV output column stands for (the inverse of csvColumnNames). */
export function csvOutputName(column: string): string {
  return column.startsWith(OUTPUT_PREFIX) ? column.slice(OUTPUT_PREFIX.length) : column;
}

const encoder = new TextEncoder();

// The longest text a number takes: String(-1.2345678901234567e-308) has 24 characters.
const NUMBER_BYTES = 25;
// Rows are assembled in the memory of the WebAssembly number formatter (or, where WebAssembly
// cannot run, a plain buffer), from its `base` on, and copied out at their exact size, a piece of
// about PIECE_BYTES at a time: so the memory stays small (a WebAssembly memory never shrinks,
// and holds 4 GiB at most). A worker keeps it between chunks unless long messages grew it.
let memory: NumberText | undefined;
// The formatter's entry point, kept apart so that the hot loops call it directly.
let formatNumber: (x: number, at: number) => number = noFormat;
const PIECE_BYTES = 1 << 24;
// The row after the last one the latest piece holds.
let pieceEnd = 0;
const KEEP_MEMORY_BYTES = 1 << 26;

/**
 * Encodes a checked batch as complete lines (each ending in `\n`) of CSV or JSON Lines. Text
 * goes straight into bytes, number by number: concatenating millions of numbers into strings
 * first cost about three times as much.
 */
export function encodeBatch(
  format: RowFormat,
  header: NormalizedHeader,
  batch: RowBatch,
  grid?: GridSlice,
): Uint8Array {
  if (batch.rows === 0) return new Uint8Array(0);
  if (memory === undefined) {
    memory = createNumberText() ?? plainMemory();
    formatNumber = memory.format;
  }
  const encode = format === "csv" ? encodeCsv : encodeJsonl;
  const text = grid && gridText(format, grid, header.paramNames.length);
  const pieces: Uint8Array[] = [];
  try {
    for (let from = 0; from < batch.rows; from = pieceEnd) {
      pieces.push(encode(header, batch, from, text && gridCursor(text, grid!.first + from)));
    }
  } finally {
    if (memory.bytes.length > KEEP_MEMORY_BYTES) memory = undefined;
  }
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
    // Copied: its memory goes back now.
    freeBytes(piece);
  }
  return out;
}

/**
 * Encodes rows for each of `formats` (the encoder worker's work, see _row_encoder.ts): outputs
 * given as columns are laid out row by row first. Every text owns its buffer whole, so that it
 * can move to another thread.
 */
export function encodeRows(
  formats: readonly RowFormat[],
  header: RowHeader,
  batch: EncodeRows,
): Uint8Array[] {
  const { rows, success, failures, extra } = batch;
  const grid = batch.params instanceof Float64Array ? undefined : batch.params;
  const params = grid ? NO_PARAMS : batch.params as Float64Array;
  const errors: (string | undefined)[] = new Array(rows);
  for (const [i, message] of failures) errors[i] = message;
  const outputs = Array.isArray(batch.outputs) ? toRows(batch.outputs, rows) : batch.outputs;
  const normalized = normalizeHeader(header, "encode rows");
  const texts = formats.map((format) => {
    const text = encodeBatch(
      format,
      normalized,
      { rows, params, outputs, success, errors, extra },
      grid,
    );
    return text.byteOffset === 0 && text.byteLength === text.buffer.byteLength
      ? text
      : text.slice();
  });
  if (outputs !== batch.outputs) freeBytes(outputs);
  return texts;
}

/**
 * Releases the memory of `bytes` now, when they alone hold their buffer (it is detached: any
 * other view of it reads as empty). V8 frees an ArrayBuffer's memory only when it collects the
 * buffer, and counts little of it toward when to collect: a thread that encodes megabytes of text
 * a second but makes few objects otherwise lets it pile up.
 */
export function freeBytes(bytes: ArrayBufferView): void {
  const buffer = bytes.buffer;
  if (
    buffer instanceof ArrayBuffer && !buffer.detached && bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength && typeof buffer.transfer === "function"
  ) {
    buffer.transfer(0);
  }
}

const NO_PARAMS = new Float64Array(0);

// A grid's parameters as text (see GridSlice): each value of each parameter formatted once, as
// the format writes it; `ends[c][k]` is where value k's text ends in `bytes[c]`. A grid's rows
// repeat each value many times (a 1000 x 1000 grid formats 2,000 numbers instead of 2,000,000).
interface GridText {
  readonly format: RowFormat;
  readonly values: Float64Array[];
  readonly bytes: Uint8Array[];
  readonly ends: Int32Array[];
  readonly strides: number[];
}

// Where rows are in the grid as an encoder walks them: per parameter, the value's position and
// how many more rows it lasts.
interface GridCursor {
  readonly text: GridText;
  readonly at: Int32Array;
  readonly left: Float64Array;
}

// The text of the latest grid, per format (a sweep sends the same grid with every batch, and
// encodes a batch for each of its text files).
const lastGrid = new Map<RowFormat, GridText>();

function gridText(format: RowFormat, grid: GridSlice, columns: number): GridText {
  const { values, strides } = grid;
  if (values.length !== columns || strides.length !== columns) {
    throw new RangeError(
      `Cannot encode rows as the grid has ${values.length} parameters for ${columns} names`,
    );
  }
  const last = lastGrid.get(format);
  if (
    last !== undefined && last.values.length === columns &&
    last.values.every((v, c) => sameBits(v, values[c]) && last.strides[c] === strides[c])
  ) {
    return last;
  }
  const put = format === "csv" ? putNumber : putJsonNumber;
  const bytes: Uint8Array[] = [];
  const ends: Int32Array[] = [];
  const base = memory!.base;
  for (const column of values) {
    if (column.length === 0) throw new RangeError("Cannot encode rows of a grid with no values");
    const end = new Int32Array(column.length);
    let at = base;
    for (let k = 0; k < column.length; k++) {
      at = put(reserve(at, NUMBER_BYTES + 2), at, column[k]);
      end[k] = at - base;
    }
    bytes.push(memory!.bytes.slice(base, at));
    ends.push(end);
  }
  const text = { format, values: values.map((v) => v.slice()), bytes, ends, strides: [...strides] };
  lastGrid.set(format, text);
  return text;
}

// Whether two arrays hold the same values bit for bit (-0 is not 0; NaNs by their bits).
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function gridCursor(text: GridText, row: number): GridCursor {
  const columns = text.strides.length;
  const at = new Int32Array(columns);
  const left = new Float64Array(columns);
  for (let c = 0; c < columns; c++) {
    const stride = text.strides[c];
    at[c] = Math.floor(row / stride) % text.ends[c].length;
    left[c] = stride - (row % stride);
  }
  return { text, at, left };
}

// Writes parameter c's text for the cursor's row and moves the cursor on for that parameter.
function putGridValue(buf: Uint8Array, at: number, grid: GridCursor, c: number): number {
  const ends = grid.text.ends[c];
  const bytes = grid.text.bytes[c];
  const k = grid.at[c];
  for (let i = k === 0 ? 0 : ends[k - 1], end = ends[k]; i < end; i++) buf[at++] = bytes[i];
  if (--grid.left[c] === 0) {
    grid.left[c] = grid.text.strides[c];
    grid.at[c] = k + 1 === ends.length ? 0 : k + 1;
  }
  return at;
}

function noFormat(): number {
  return 0;
}

// Without WebAssembly: a growable buffer, every number written by putString.
function plainMemory(): NumberText {
  const plain: NumberText = {
    format: noFormat,
    bytes: new Uint8Array(1 << 16),
    base: 0,
    reserve(end: number): Uint8Array {
      if (end > plain.bytes.length) {
        const bigger = new Uint8Array(Math.max(plain.bytes.length * 2, end));
        bigger.set(plain.bytes);
        plain.bytes = bigger;
      }
      return plain.bytes;
    },
  };
  return plain;
}

// Room for `need` more bytes after `at`.
function reserve(at: number, need: number): Uint8Array {
  const bytes = memory!.bytes;
  return at + need > bytes.length ? memory!.reserve(at + need) : bytes;
}

// Writes String(x) (but "-0" for negative zero) as ASCII; the caller reserved NUMBER_BYTES.
function putNumber(buf: Uint8Array, at: number, x: number): number {
  const end = formatNumber(x, at);
  return end !== 0 ? end : putString(buf, at, x);
}

// The same, through a string: for subnormals, and where WebAssembly cannot run.
function putString(buf: Uint8Array, at: number, x: number): number {
  const text = x === 0 && 1 / x < 0 ? "-0" : "" + x;
  for (let i = 0; i < text.length; i++) buf[at + i] = text.charCodeAt(i);
  return at + text.length;
}

const NEGATIVE_ZERO_JSON = new TextEncoder().encode("-0.0");

// Writes a JSON value for x: finite numbers as numbers, NaN and infinities as strings. Negative
// zero is "-0.0": JSON readers that make integers of "-0" (Python's json, so pandas and polars)
// would lose its sign.
function putJsonNumber(buf: Uint8Array, at: number, x: number): number {
  if (x === 0 && 1 / x < 0) return putAscii(buf, at, NEGATIVE_ZERO_JSON);
  if (Number.isFinite(x)) return putNumber(buf, at, x);
  buf[at] = 34;
  at = putNumber(buf, at + 1, x);
  buf[at] = 34;
  return at + 1;
}

function putAscii(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i];
  return at + bytes.length;
}

const TRUE_LINE = encoder.encode("true\n");
const FALSE_LINE = encoder.encode("false\n");

// Columns often hold runs of one value (the slower parameters of a grid, and outputs that
// depend only on them): a field equal to the same column's field in the row before is copied
// from that row's bytes instead of formatted again. Per column: its last value, and where its
// text starts and ends in the encoder's memory.
class Runs {
  readonly value: Float64Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  constructor(columns: number) {
    // NaN never equals itself, so the first row formats every field.
    this.value = new Float64Array(columns).fill(NaN);
    this.start = new Int32Array(columns);
    this.end = new Int32Array(columns);
  }
}

// Writes x for column c: the previous row's bytes when x is that same value (0 and -0 differ in
// text, so a zero is always formatted), else String(x) via `put`.
function putField(
  buf: Uint8Array,
  at: number,
  x: number,
  runs: Runs,
  c: number,
  put: (buf: Uint8Array, at: number, x: number) => number,
): number {
  if (x === runs.value[c] && x !== 0) {
    for (let i = runs.start[c], end = runs.end[c]; i < end; i++) buf[at++] = buf[i];
    runs.start[c] = at - (runs.end[c] - runs.start[c]);
    runs.end[c] = at;
    return at;
  }
  runs.value[c] = x;
  runs.start[c] = at;
  at = put(buf, at, x);
  runs.end[c] = at;
  return at;
}

// Rows from `from` on, until the piece passes PIECE_BYTES; sets pieceEnd.
function encodeCsv(
  header: NormalizedHeader,
  batch: RowBatch,
  from: number,
  grid?: GridCursor,
): Uint8Array {
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  const extras = header.extraNames.map((n) => batch.extra![n]);
  const E = extras.length;
  const { params, outputs, success } = batch;
  const rowBytes = (E + P + O) * (NUMBER_BYTES + 1) + FALSE_LINE.length;
  const runs = new Runs(E + P + O);
  const base = memory!.base;
  let at = base;
  let r = from;
  for (; r < batch.rows && at - base < PIECE_BYTES; r++) {
    const buf = reserve(at, rowBytes);
    for (let e = 0; e < E; e++) {
      at = putField(buf, at, extras[e][r], runs, e, putNumber);
      buf[at++] = 44;
    }
    if (grid !== undefined) {
      for (let j = 0; j < P; j++) {
        at = putGridValue(buf, at, grid, j);
        buf[at++] = 44;
      }
    } else {
      for (let j = 0, p = r * P; j < P; j++) {
        at = putField(buf, at, params[p + j], runs, E + j, putNumber);
        buf[at++] = 44;
      }
    }
    for (let j = 0, o = r * O; j < O; j++) {
      at = putField(buf, at, outputs[o + j], runs, E + P + j, putNumber);
      buf[at++] = 44;
    }
    at = putAscii(buf, at, success[r] ? TRUE_LINE : FALSE_LINE);
  }
  pieceEnd = r;
  return memory!.bytes.slice(base, at);
}

function encodeJsonl(
  header: NormalizedHeader,
  batch: RowBatch,
  from: number,
  grid?: GridCursor,
): Uint8Array {
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  // Each key with what precedes it: `{"params":{"a":`, `,"b":`, `},"outputs":{"y":`, ...
  const keys = (names: readonly string[], open: string) =>
    names.map((n, i) => encoder.encode((i === 0 ? open : ",") + JSON.stringify(n) + ":"));
  const extras = header.extraNames.map((n) => batch.extra![n]);
  const E = extras.length;
  const extraKeys = keys(header.extraNames, '{"extra":{');
  const paramKeys = keys(header.paramNames, E > 0 ? '},"params":{' : '{"params":{');
  const outputKeys = keys(header.outputNames, '},"outputs":{');
  const noOutputs = encoder.encode('},"outputs":{');
  const ends = [encoder.encode('},"success":false'), encoder.encode('},"success":true')];
  const errorKey = encoder.encode(',"error":');
  const keyBytes = [...extraKeys, ...paramKeys, ...outputKeys, noOutputs, ...ends]
    .reduce((n, k) => n + k.length, 0);
  const rowBytes = keyBytes + (E + P + O) * (NUMBER_BYTES + 2) + 2;
  const { params, outputs, success, errors } = batch;
  const runs = new Runs(E + P + O);
  const base = memory!.base;
  let at = base;
  let r = from;
  for (; r < batch.rows && at - base < PIECE_BYTES; r++) {
    let buf = reserve(at, rowBytes);
    for (let e = 0; e < E; e++) {
      at = putAscii(buf, at, extraKeys[e]);
      at = putField(buf, at, extras[e][r], runs, e, putJsonNumber);
    }
    for (let j = 0, p = r * P; j < P; j++) {
      at = putAscii(buf, at, paramKeys[j]);
      at = grid !== undefined
        ? putGridValue(buf, at, grid, j)
        : putField(buf, at, params[p + j], runs, E + j, putJsonNumber);
    }
    if (O === 0) at = putAscii(buf, at, noOutputs);
    for (let j = 0, o = r * O; j < O; j++) {
      at = putAscii(buf, at, outputKeys[j]);
      at = putField(buf, at, outputs[o + j], runs, E + P + j, putJsonNumber);
    }
    at = putAscii(buf, at, ends[success[r] ? 1 : 0]);
    const error = errors?.[r];
    if (error !== undefined && error !== null) {
      const text = JSON.stringify(String(error));
      buf = reserve(at, errorKey.length + text.length * 3 + 2);
      at = putAscii(buf, at, errorKey);
      at += encoder.encodeInto(text, buf.subarray(at)).written;
    }
    buf[at++] = 125; // }
    buf[at++] = 10;
  }
  pieceEnd = r;
  return memory!.bytes.slice(base, at);
}

/** One CSV record parsed from `text` at `start`: its fields and where the next one starts. */
export interface CsvRecord {
  readonly fields: string[];
  readonly next: number;
  /** Line breaks inside the record, including the one that ends it. */
  readonly lines: number;
}

/**
 * Parses one RFC 4180 record starting at `start`. Returns `undefined` when the text ends
 * before the record's terminating line break (a partial record), and a string describing
 * the problem when the record is malformed.
 */
export function parseCsvRecord(text: string, start: number): CsvRecord | string | undefined {
  const fields: string[] = [];
  let i = start;
  let lines = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = "";
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return undefined;
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      for (let k = value.indexOf("\n"); k >= 0; k = value.indexOf("\n", k + 1)) lines++;
      fields.push(value);
      const c = text.charCodeAt(i);
      if (c === 44 /* , */) {
        i++;
        continue;
      }
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      if (text.charCodeAt(i) === 10) return { fields, next: i + 1, lines: lines + 1 };
      if (i >= text.length) return undefined;
      return `unexpected ${describe(text[i])} after the closing quote of field ${fields.length}`;
    }
    const nl = text.indexOf("\n", i);
    const comma = text.indexOf(",", i);
    if (comma >= 0 && (nl < 0 || comma < nl)) {
      const value = text.slice(i, comma);
      if (value.includes('"')) return `a quote inside unquoted field ${fields.length + 1}`;
      fields.push(value);
      i = comma + 1;
      continue;
    }
    if (nl < 0) return undefined;
    let end = nl;
    if (end > i && text.charCodeAt(end - 1) === 13) end--;
    const value = text.slice(i, end);
    if (value.includes('"')) return `a quote inside unquoted field ${fields.length + 1}`;
    fields.push(value);
    return { fields, next: nl + 1, lines: lines + 1 };
  }
}
