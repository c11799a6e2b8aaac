// Internal: reading a results file for the report through the library's reader (`readRows`),
// plus what only the report needs: the CSV header read ahead (to check it and choose the
// columns), the rule that tells parameter columns from output columns when no metadata file
// says which are which, and a last row that lacks nothing but its line break.

import { csvColumnNames, csvOutputName, parseCsvRecord, tryParseNumber } from "../io/_rows.ts";
import { columnOf } from "../_columns.ts";
import { readRows, type ReadRowsResult } from "../io/read_rows.ts";
import type { RowFormat } from "../io/row_types.ts";
import { argsortStable } from "../sampling/_argsort.ts";
import { correlation } from "./_insight.ts";

/** The header of a results CSV. */
export interface CsvHeader {
  /** Column names in file order, `success` last. */
  names: string[];
  /** Whether the file is the header alone, without a line break after it. */
  alone: boolean;
}

/**
 * Reads and checks the header line of a results CSV: its last column must be `success` and no
 * name may repeat.
 *
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {SyntaxError} When the file is empty or its header is malformed.
 */
export async function readCsvHeader(path: string): Promise<CsvHeader> {
  const bad = (why: string): SyntaxError =>
    new SyntaxError(
      `Cannot read results as ${JSON.stringify(path)} is not a results CSV: ${why}`,
    );
  const file = await Deno.open(path, { read: true });
  let names: string[];
  let alone: boolean;
  try {
    const decoder = new TextDecoder(); // drops a byte order mark
    const chunk = new Uint8Array(1 << 16);
    let text = "";
    for (;;) {
      const n = await file.read(chunk);
      const end = n === null;
      text += end ? decoder.decode() : decoder.decode(chunk.subarray(0, n), { stream: true });
      if (end && text === "") throw bad("the file is empty: expected a header line");
      const record = parseCsvRecord(end ? `${text}\n` : text, 0);
      if (typeof record === "string") throw bad(`the header is malformed: ${record}`);
      if (record !== undefined) {
        names = record.fields;
        alone = record.next > text.length;
        break;
      }
      if (end) throw bad("the header is malformed: a quoted name is never closed");
    }
  } finally {
    file.close();
  }
  if (names[names.length - 1] !== "success") {
    throw bad(
      `the header's last column must be 'success': current value is ${
        JSON.stringify(names[names.length - 1])
      }`,
    );
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw bad(`the header names column ${JSON.stringify(repeated)} twice`);
  }
  return { names, alone };
}

/** The index columns of a differential sweep: psweep's names, then WaterTAP's. */
export const DIFF_COLUMNS: readonly [string, string][] = [
  ["nominalIndex", "differentialIndex"],
  ["nominal_idx", "differential_idx"],
];

/** How many leading columns are parameters, and the rule that said so. */
export interface Inferred {
  count: number;
  why: string;
}

/**
 * How many leading columns are parameters, when no metadata file says so.
 *
 * The candidates are the leading columns without NaN (a failed row has NaN outputs but never NaN
 * parameters), leaving at least one output. Then, in order:
 * 1. When some rows failed: the candidates before the first column that is NaN on every failed
 *    row (outputs are blank on failed rows), which is exact for any psweep file with failures.
 * 2. The shortest run of candidates whose values tell every row apart, when its distinct values
 *    make a full grid (one row per combination) that is not a single irregular column.
 * 3. Random samples of 50 rows or more: the leading candidates that are independent of one
 *    another (each one's Spearman correlation with every earlier one is within noise,
 *    4/sqrt(rows)), since each parameter is drawn on its own while outputs depend on them.
 * 4. Else only the first column.
 */
export function inferParams(columns: readonly Float64Array[], success: Uint8Array): Inferred {
  const limit = columns.length <= 1 ? columns.length : columns.length - 1;
  let candidates = 0;
  while (candidates < limit && !columns[candidates].some((v) => v !== v)) candidates++;
  if (candidates === 0) return { count: 0, why: "no leading column is free of NaN" };
  const rows = success.length;
  const failed: number[] = [];
  for (let r = 0; r < rows; r++) if (!success[r]) failed.push(r);
  // (Every row failed: the rule holds all the more.)
  if (failed.length > 0) {
    let k = 0;
    while (k < candidates && !failed.every((r) => Number.isNaN(columns[k][r]))) k++;
    // Only when what follows is all blank on failed rows does the rule hold.
    const rest = columns.slice(k);
    if (k > 0 && rest.length > 0 && rest.every((c) => failed.every((r) => Number.isNaN(c[r])))) {
      return { count: k, why: "the columns before the first one that is blank on failed rows" };
    }
  }
  const keys: string[] = new Array(rows).fill("");
  let distinctProduct = 1;
  for (let k = 0; k < candidates; k++) {
    const seen = new Set<string>();
    const values = new Set<number>();
    for (let r = 0; r < rows; r++) {
      // String() writes -0 as 0: a combination is the same point whatever the sign of zero.
      keys[r] += (k > 0 ? "," : "") + String(columns[k][r]);
      seen.add(keys[r]);
      values.add(columns[k][r]);
    }
    distinctProduct *= values.size;
    if (seen.size === rows) {
      if (distinctProduct === rows && (k > 0 || evenlySpaced([...values]))) {
        return { count: k + 1, why: "the shortest run of leading columns that forms a full grid" };
      }
      break;
    }
  }
  // Random samples: parameters are drawn independently; an output depends on them.
  if (rows >= 50) {
    const ranked = columns.slice(0, candidates).map(rankOf);
    const noise = Math.max(0.05, 4 / Math.sqrt(rows));
    let k = 1;
    while (
      k < candidates && ranked.slice(0, k).every((r) => Math.abs(pearson(r, ranked[k])) < noise)
    ) {
      k++;
    }
    return {
      count: k,
      why: "the leading columns that are independent of one another (random samples)",
    };
  }
  return { count: 1, why: "too few rows to tell: the first column" };
}

function evenlySpaced(values: number[]): boolean {
  const v = values.sort((a, b) => a - b);
  if (v.length < 3) return true;
  const step = (v[v.length - 1] - v[0]) / (v.length - 1);
  const ratio = v[0] > 0 ? Math.pow(v[v.length - 1] / v[0], 1 / (v.length - 1)) : NaN;
  const linear = v.every((x, i) =>
    Math.abs(x - (v[0] + i * step)) <= 1e-9 * Math.max(Math.abs(x), Math.abs(step))
  );
  const geometric = v.every((x, i) => Math.abs(x - v[0] * ratio ** i) <= 1e-9 * Math.abs(x));
  return linear || geometric;
}

function rankOf(values: Float64Array): Float64Array {
  const order = argsortStable(values);
  const out = new Float64Array(values.length);
  order.forEach((row, k) => (out[row] = k));
  return out;
}

// Columns without spread count as fully correlated: a constant column is not an independent draw.
function pearson(a: Float64Array, b: Float64Array): number {
  const r = correlation(a, b);
  return Number.isNaN(r) ? 1 : r;
}

/** Column names by group, as `readRows` takes them. */
export interface ColumnNames {
  extraNames?: readonly string[];
  paramNames?: readonly string[];
  outputNames?: readonly string[];
}

/** A results file's columns by name, with each row's outcome. */
export interface ResultsTable {
  /** The groups as read (for a CSV, as asked for; for JSON Lines, as the rows name them). */
  extraNames: string[];
  paramNames: string[];
  outputNames: string[];
  /**
   * Each column's values, by name (extras, parameters and outputs alike). An output that has a
   * parameter's or extra column's name goes by its CSV column's, `outputs.<name>` (as pandas and
   * polars read it), so that every column has a name of its own.
   */
  columns: Map<string, Float64Array>;
  /** 1 where the row succeeded. */
  success: Uint8Array;
  /** Each row's error message, where it has one (JSON Lines only). */
  errors: (string | undefined)[];
  /** Whether a partial last line (an interrupted write) was left out. */
  partial: boolean;
}

/**
 * Reads a results file with `readRows`, as columns by name. A last line that `readRows` leaves
 * out as partial because it lacks its line break is kept when it is a whole row.
 *
 * @param names The column names, passed on to `readRows`.
 * @param headerAlone Whether a CSV file is its header alone (then nothing is partial).
 */
export async function readTable(
  path: string,
  format: RowFormat,
  names: ColumnNames,
  headerAlone = false,
): Promise<ResultsTable> {
  // A CSV's output columns are asked for by the outputs they stand for (`outputs.x` is x) and
  // keyed by the header's spelling, so that every column has its own name.
  const csv = format === "csv";
  const read = await readRows(path, {
    format,
    ...names,
    outputNames: csv ? names.outputNames?.map(csvOutputName) : names.outputNames,
  });
  const table = tableOf(read, csv ? names.outputNames : undefined);
  if (table.truncated && !headerAlone) {
    const tail = await readLastLine(path);
    if (tail.trim() !== "") {
      const fixed = format === "csv" ? table.extraNames.length + table.paramNames.length : 0;
      table.partial = !(format === "csv" ? csvRow(table, tail, fixed) : jsonRow(table, tail));
    }
  }
  return table;
}

/**
 * The columns by name of rows as `readRows` returns them (row-major groups), which any reader
 * of a results format returns alike.
 *
 * @param outputColumns The outputs' names as columns (a CSV header's); by default their CSV
 * column names (`outputs.<name>` for an output with a parameter's or extra column's name).
 */
export function tableOf(
  read: ReadRowsResult,
  outputColumns?: readonly string[],
): ResultsTable & { truncated: boolean } {
  const display = outputColumns ??
    csvColumnNames(read).slice(read.extraNames.length + read.paramNames.length, -1);
  const table = {
    extraNames: [...read.extraNames],
    paramNames: [...read.paramNames],
    outputNames: [...display],
    columns: new Map(Object.entries(read.extra)),
    success: read.success,
    errors: [...read.errors],
    partial: false,
    truncated: read.truncated,
  };
  for (
    const [group, matrix] of [[read.paramNames, read.params], [display, read.outputs]] as const
  ) {
    group.forEach((name, j) =>
      table.columns.set(name, columnOf(matrix, group.length, j, read.rows))
    );
  }
  return table;
}

function allNames(table: ResultsTable): string[] {
  return [...table.extraNames, ...table.paramNames, ...table.outputNames];
}

function appendRow(table: ResultsTable, values: number[], ok: boolean, error?: string): void {
  allNames(table).forEach((name, k) => {
    const old = table.columns.get(name) ?? new Float64Array(0);
    const column = new Float64Array(old.length + 1);
    column.set(old);
    column[old.length] = values[k];
    table.columns.set(name, column);
  });
  const success = new Uint8Array(table.success.length + 1);
  success.set(table.success);
  success[table.success.length] = ok ? 1 : 0;
  table.success = success;
  table.errors.push(error);
}

/** `success` cells as `readRows` reads them. */
const SUCCESS = new Map([
  ["true", true],
  ["True", true],
  ["TRUE", true],
  ["1", true],
  ["false", false],
  ["False", false],
  ["FALSE", false],
  ["0", false],
]);

/** Appends a CSV line as a row if it is a whole one (blank cells after `fixed` are NaN). */
function csvRow(table: ResultsTable, line: string, fixed: number): boolean {
  const record = parseCsvRecord(`${line}\n`, 0);
  const width = allNames(table).length;
  if (typeof record !== "object" || record.fields.length !== width + 1) return false;
  const values = record.fields.slice(0, width).map((field, k) =>
    tryParseNumber(field) ?? (field === "" && k >= fixed ? NaN : undefined)
  );
  const ok = SUCCESS.get(record.fields[width]);
  if (ok === undefined || values.some((v) => v === undefined)) return false;
  appendRow(table, values as number[], ok);
  return true;
}

/** Non-finite numbers as JSON Lines files write them. */
const JSON_NUMBERS = new Map([["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Appends a JSON Lines row if the line is a whole one (its names, when no row named them). */
function jsonRow(table: ResultsTable, line: string): boolean {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isObject(row) || typeof row.success !== "boolean") return false;
  if (row.error !== undefined && typeof row.error !== "string") return false;
  const groups = [["extra", "extraNames"], ["params", "paramNames"], ["outputs", "outputNames"]];
  if (table.success.length === 0 && allNames(table).length === 0) {
    for (const [group, key] of groups) {
      const values = row[group];
      table[key as "extraNames"] = isObject(values) ? Object.keys(values) : [];
    }
    table.outputNames = csvColumnNames(table).slice(
      table.extraNames.length + table.paramNames.length,
      -1,
    );
  }
  const values: number[] = [];
  for (const [group, key] of groups) {
    const names = table[key as "extraNames"];
    const cells = row[group] ?? (group === "extra" ? {} : undefined);
    if (!isObject(cells) || Object.keys(cells).length !== names.length) return false;
    for (const column of names) {
      // Outputs are keyed by their CSV column names (see tableOf).
      const name = group === "outputs" ? csvOutputName(column) : column;
      const v = Object.hasOwn(cells, name) ? cells[name] : undefined;
      const x = typeof v === "number" ? v : v === null ? NaN : JSON_NUMBERS.get(v as string);
      if (x === undefined) return false;
      values.push(x);
    }
  }
  appendRow(table, values, row.success, row.error as string | undefined);
  return true;
}

/** The text after the last line break of a file, read from its end. */
async function readLastLine(path: string): Promise<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const parts: Uint8Array[] = [];
    let end = (await file.stat()).size;
    while (end > 0) {
      const start = Math.max(0, end - (1 << 16));
      const chunk = new Uint8Array(end - start);
      await file.seek(start, Deno.SeekMode.Start);
      let got = 0;
      while (got < chunk.length) {
        const n = await file.read(chunk.subarray(got));
        if (n === null) break;
        got += n;
      }
      const nl = chunk.subarray(0, got).lastIndexOf(10);
      parts.unshift(chunk.subarray(nl + 1, got));
      if (nl >= 0) break;
      end = start;
    }
    const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return new TextDecoder().decode(bytes);
  } finally {
    file.close();
  }
}
