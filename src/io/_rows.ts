// Internal: encoding and decoding of results rows (CSV and JSON Lines), shared by the
// streaming writer, the atomic finaliser and the resume reader. Not part of the public API.

import { describe } from "../_describe.ts";
import type { RowBatch, RowFormat, RowHeader } from "./row_writer.ts";

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
  return [...header.extraNames, ...header.paramNames, ...header.outputNames, "success"]
    .map(csvField).join(",") + "\n";
}

const encoder = new TextEncoder();

/** Rows encoded per string piece, so that no single string grows huge. */
const BLOCK_ROWS = 4096;

/** Encodes a checked batch as complete lines (each ending in `\n`) of CSV or JSON Lines. */
export function encodeBatch(
  format: RowFormat,
  header: NormalizedHeader,
  batch: RowBatch,
): Uint8Array {
  if (batch.rows === 0) return new Uint8Array(0);
  let out = new Uint8Array(0);
  let at = 0;
  for (let r0 = 0; r0 < batch.rows; r0 += BLOCK_ROWS) {
    const r1 = Math.min(batch.rows, r0 + BLOCK_ROWS);
    const text = format === "csv"
      ? encodeCsv(header, batch, r0, r1)
      : encodeJsonl(header, batch, r0, r1);
    if (r0 === 0) {
      // Size the buffer from the first block; most text is ASCII, so bytes ~ characters.
      const estimate = Math.ceil(text.length * (batch.rows / Math.max(1, r1)) * 1.05) + 64;
      out = new Uint8Array(estimate);
    }
    let rest = text;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, out.subarray(at));
      at += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      const bigger = new Uint8Array(Math.max(out.length * 2, at + rest.length * 3));
      bigger.set(out.subarray(0, at));
      out = bigger;
    }
  }
  return out.subarray(0, at);
}

function num(x: number): string {
  return x === 0 && 1 / x < 0 ? "-0" : "" + x;
}

function encodeCsv(header: NormalizedHeader, batch: RowBatch, r0: number, r1: number): string {
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  const extras = header.extraNames.map((n) => batch.extra![n]);
  const { params, outputs, success } = batch;
  let s = "";
  for (let r = r0; r < r1; r++) {
    for (let e = 0; e < extras.length; e++) s += num(extras[e][r]) + ",";
    const p0 = r * P;
    for (let j = 0; j < P; j++) s += num(params[p0 + j]) + ",";
    const o0 = r * O;
    for (let j = 0; j < O; j++) s += num(outputs[o0 + j]) + ",";
    s += success[r] ? "true\n" : "false\n";
  }
  return s;
}

/** A number as a JSON value: finite numbers as numbers, the others as strings. */
function jsonNum(x: number): string {
  if (x === 0) return 1 / x < 0 ? "-0" : "0";
  // deno-lint-ignore no-self-compare
  if (x !== x) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  return "" + x;
}

function encodeJsonl(header: NormalizedHeader, batch: RowBatch, r0: number, r1: number): string {
  const P = header.paramNames.length;
  const O = header.outputNames.length;
  const keys = (names: readonly string[]) =>
    names.map((n, i) => (i === 0 ? "" : ",") + JSON.stringify(n) + ":");
  const extraKeys = keys(header.extraNames);
  const paramKeys = keys(header.paramNames);
  const outputKeys = keys(header.outputNames);
  const extras = header.extraNames.map((n) => batch.extra![n]);
  const { params, outputs, success, errors } = batch;
  let s = "";
  for (let r = r0; r < r1; r++) {
    s += "{";
    if (extras.length > 0) {
      s += '"extra":{';
      for (let e = 0; e < extras.length; e++) s += extraKeys[e] + jsonNum(extras[e][r]);
      s += "},";
    }
    s += '"params":{';
    const p0 = r * P;
    for (let j = 0; j < P; j++) s += paramKeys[j] + jsonNum(params[p0 + j]);
    s += '},"outputs":{';
    const o0 = r * O;
    for (let j = 0; j < O; j++) s += outputKeys[j] + jsonNum(outputs[o0 + j]);
    s += success[r] ? '},"success":true' : '},"success":false';
    const error = errors?.[r];
    if (error !== undefined && error !== null) s += ',"error":' + JSON.stringify(String(error));
    s += "}\n";
  }
  return s;
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
