// Internal: reading psweep's results CSV for the report: a small RFC 4180 parser, strict number
// and boolean parsing, and the rule that tells parameter columns from output columns when no
// metadata file says which are which.

/** The columns of a results CSV, before they are split into parameters and outputs. */
export interface ResultsTable {
  /** Column names in file order, without the final `success` column. */
  names: string[];
  /** One column of numbers per name. */
  columns: Float64Array[];
  /** The `success` column: 1 for `true`, 0 for `false`. */
  success: Uint8Array;
}

/**
 * Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks; lines may end in `\n` or `\r\n`; a final line break is optional).
 *
 * @throws {SyntaxError} On a quote inside an unquoted field, text after a closing quote, or an
 * unclosed quote, naming the line.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark is not part of the first name
  let line = 1;
  const n = text.length;
  if (i >= n) return records;
  for (;;) {
    let value: string;
    if (text[i] === '"') {
      const startLine = line;
      let parts = "";
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          throw new SyntaxError(`unclosed quote in the field starting on line ${startLine}`);
        }
        parts += text.slice(j, q);
        if (text[q + 1] === '"') {
          parts += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      for (const c of parts) if (c === "\n") line++;
      value = parts;
      if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
        throw new SyntaxError(`unexpected text after a closing quote on line ${line}`);
      }
    } else {
      let j = i;
      while (j < n && text[j] !== "," && text[j] !== "\n" && text[j] !== "\r") j++;
      value = text.slice(i, j);
      if (value.includes('"')) {
        throw new SyntaxError(`a quote inside an unquoted field on line ${line}`);
      }
      i = j;
    }
    fields.push(value);
    if (i < n && text[i] === ",") {
      i++;
      continue;
    }
    // End of record: at a line break or at the end of the text.
    records.push(fields);
    fields = [];
    if (i < n && text[i] === "\r") i++;
    if (i < n && text[i] === "\n") i++;
    line++;
    if (i >= n) return records;
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a number as psweep writes them (`String(x)`, `-0`, `NaN`, `Infinity`, `-Infinity`), or
 * as Python writes them (`nan`, `inf`, `-inf`); `undefined` for anything else, including blanks.
 */
export function parseCell(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  switch (text) {
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

/** Parses a `success` cell: `true`/`false` as psweep writes, `True`/`False` as pandas, or 1/0. */
function parseSuccess(text: string): 0 | 1 | undefined {
  switch (text) {
    case "true":
    case "True":
    case "TRUE":
    case "1":
      return 1;
    case "false":
    case "False":
    case "FALSE":
    case "0":
      return 0;
  }
  return undefined;
}

/**
 * Reads the text of a results CSV into columns.
 *
 * @throws {SyntaxError} When the text is not CSV, lacks a header ending in `success`, has a
 * repeated name, a record with the wrong number of fields, or a cell that is not a number (or a
 * boolean in `success`); messages name the line and column.
 */
export function parseResultsCsv(text: string): ResultsTable {
  const records = parseCsv(text);
  if (records.length === 0) throw new SyntaxError("the file is empty: expected a header line");
  const header = records[0];
  if (header[header.length - 1] !== "success") {
    throw new SyntaxError(
      `the header's last column must be 'success': current value is ${
        JSON.stringify(header[header.length - 1])
      }`,
    );
  }
  const names = header.slice(0, -1);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new SyntaxError(`the header names column ${JSON.stringify(name)} twice`);
    }
    seen.add(name);
  }
  const rows = records.length - 1;
  const columns = names.map(() => new Float64Array(rows));
  const success = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const record = records[r + 1];
    const line = r + 2; // 1-based, after the header; exact unless names or fields hold line breaks
    if (record.length !== header.length) {
      throw new SyntaxError(
        `line ${line} has ${record.length} fields: expected ${header.length}, as in the header`,
      );
    }
    for (let c = 0; c < names.length; c++) {
      const value = parseCell(record[c]);
      if (value === undefined) {
        throw new SyntaxError(
          `line ${line}, column ${JSON.stringify(names[c])}: expected a number: current value is ${
            JSON.stringify(record[c])
          }`,
        );
      }
      columns[c][r] = value;
    }
    const ok = parseSuccess(record[names.length]);
    if (ok === undefined) {
      throw new SyntaxError(
        `line ${line}, column "success": expected true or false: current value is ${
          JSON.stringify(record[names.length])
        }`,
      );
    }
    success[r] = ok;
  }
  return { names, columns, success };
}

/**
 * How many leading columns are parameters, when no metadata file says so.
 *
 * The rule: a sweep's rows are its parameter combinations, so the parameters are the shortest
 * run of leading columns whose values tell every row apart (the rows' key), searched among the
 * leading columns that hold no NaN (a failed row has NaN outputs but never NaN parameters), and
 * leaving at least one output column. When no such run exists (repeated points), only the first
 * column is taken as a parameter.
 *
 * This finds the parameters of every full or partial grid sweep (whose last parameters are not
 * constant) and of every random sweep of one parameter. It takes too few columns for a random
 * sweep of several parameters, where the first column alone already tells rows apart: such files
 * need their metadata file or explicit parameter names.
 */
export function inferParamCount(columns: readonly Float64Array[]): number {
  const limit = columns.length <= 1 ? columns.length : columns.length - 1;
  let candidates = 0;
  while (candidates < limit && !columns[candidates].some((v) => v !== v)) candidates++;
  if (candidates === 0) return 0;
  const rows = columns[0].length;
  const keys: string[] = new Array(rows).fill("");
  for (let k = 0; k < candidates; k++) {
    const seen = new Set<string>();
    for (let r = 0; r < rows; r++) {
      // String() writes -0 as 0: a combination is the same point whatever the sign of zero.
      keys[r] += (k > 0 ? "," : "") + String(columns[k][r]);
      seen.add(keys[r]);
    }
    if (seen.size === rows) return k + 1;
  }
  return 1;
}

/** A results table read from JSON Lines, which names its groups and keeps error messages. */
export interface JsonlTable {
  /** Names of the extra columns, in the first row's order. */
  extraNames: string[];
  /** Names of the parameters, in the first row's order. */
  paramNames: string[];
  /** Names of the outputs, in the first row's order. */
  outputNames: string[];
  /** Each column's values by name (extras, parameters and outputs alike). */
  columns: Map<string, Float64Array>;
  /** 1 where the row succeeded. */
  success: Uint8Array;
  /** Each row's error message, where it has one. */
  errors: (string | undefined)[];
}

/**
 * Reads the text of a JSON Lines results file: one object per line, `{"extra": {...},
 * "params": {...}, "outputs": {...}, "success": true, "error": "..."}` with `extra` and `error`
 * optional and non-finite numbers written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 * Every row must have the first row's names.
 *
 * @throws {SyntaxError} When a line is not such an object; messages name the line.
 */
export function parseResultsJsonl(text: string): JsonlTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  const rows = lines.length;
  let names: [string[], string[], string[]] | undefined;
  const columns = new Map<string, Float64Array>();
  const success = new Uint8Array(rows);
  const errors: (string | undefined)[] = new Array(rows).fill(undefined);
  const groups = ["extra", "params", "outputs"] as const;
  for (let r = 0; r < rows; r++) {
    const line = r + 1;
    let row: unknown;
    try {
      row = JSON.parse(lines[r]);
    } catch (error) {
      throw new SyntaxError(`line ${line} is not JSON: ${(error as Error).message}`);
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new SyntaxError(`line ${line} is not a JSON object`);
    }
    const o = row as Record<string, unknown>;
    const group = (g: typeof groups[number]): Record<string, unknown> => {
      const value = o[g] ?? (g === "extra" ? {} : undefined);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new SyntaxError(`line ${line}: '${g}' must be an object`);
      }
      return value as Record<string, unknown>;
    };
    if (names === undefined) {
      names = [
        Object.keys(group("extra")),
        Object.keys(group("params")),
        Object.keys(group("outputs")),
      ];
      for (const name of names.flat()) {
        if (columns.has(name)) {
          throw new SyntaxError(`line 1 names column ${JSON.stringify(name)} twice`);
        }
        columns.set(name, new Float64Array(rows));
      }
    }
    groups.forEach((g, k) => {
      const values = group(g);
      const expected = names![k];
      const keys = Object.keys(values);
      if (keys.length !== expected.length || keys.some((key) => !expected.includes(key))) {
        throw new SyntaxError(
          `line ${line}: '${g}' has ${keys.join(", ") || "no names"}: expected ${
            expected.join(", ") || "none"
          }, as on line 1`,
        );
      }
      for (const name of expected) {
        const v = values[name];
        const x = typeof v === "number" ? v : typeof v === "string" ? parseCell(v) : undefined;
        if (x === undefined) {
          throw new SyntaxError(
            `line ${line}: ${g}.${name} must be a number: current value is ${JSON.stringify(v)}`,
          );
        }
        columns.get(name)![r] = x;
      }
    });
    if (typeof o.success !== "boolean") {
      throw new SyntaxError(`line ${line}: 'success' must be true or false`);
    }
    success[r] = o.success ? 1 : 0;
    if (typeof o.error === "string") errors[r] = o.error;
  }
  const [extraNames, paramNames, outputNames] = names ?? [[], [], []];
  return { extraNames, paramNames, outputNames, columns, success, errors };
}
