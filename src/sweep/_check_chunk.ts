// Internal: the main thread's check of what a worker sent back for a chunk. The worker runs model
// code, which can replace anything in its realm (the encoder, typed arrays, the driver's own
// objects); it cannot reach the pool's private port, but what travels on it was built where the
// model lives. So before a chunk's rows are recorded, the main thread checks what is cheap to
// check against what only it holds: the row indices it sent, the parameter values (its private
// copy, not the shared memory workers read), the shape of every column, and that the encoded
// text says exactly what the columns say (no extra row, field, or formula). A model can still
// return whatever outputs it likes for its own rows: those are its outputs.
import { SWEEP_LIMITS as LIMITS } from "../_defaults.ts";
import type { ChunkOutput } from "./_driver.ts";
import type { RowFormat } from "../io/row_writer.ts";

/** What the main thread knows of a chunk it sent. */
export interface ChunkExpectation {
  /** The global row index of each row of the chunk, from the main thread's own records. */
  index: ArrayLike<number>;
  paramNames: readonly string[];
  /** All rows' parameter values, row-major, by global index (the main thread's copy). */
  params: Float64Array;
  /** The outputs the sweep named, if it named them. */
  outputs: readonly string[] | undefined;
  /** The encodings the sweep asked the workers for. */
  encode: readonly RowFormat[];
}

/**
 * Why a chunk's results cannot be what the harness sent, or `undefined` when they check out.
 * Never throws, whatever `out` is.
 */
export function checkChunkOutput(out: unknown, e: ChunkExpectation): string | undefined {
  try {
    return check(out as ChunkOutput, e);
  } catch (error) {
    return `its results could not be read (${error instanceof Error ? error.name : "error"})`;
  }
}

function check(out: ChunkOutput, e: ChunkExpectation): string | undefined {
  if (typeof out !== "object" || out === null) return "its results are not an object";
  const n = e.index.length;
  const { index, names, values, success, errors, firstNames } = out;
  if (!(index instanceof Float64Array) || index.length !== n) {
    return `it returned ${rowCount(index)} rows where ${n} were sent`;
  }
  for (let i = 0; i < n; i++) {
    if (index[i] !== e.index[i]) {
      return `its row ${i} claims index ${index[i]} where row ${e.index[i]} was sent`;
    }
  }
  if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
    return "its output names are not a list of strings";
  }
  if (names.length > LIMITS.outputNames) {
    return `it returned ${names.length} output names, over the limit of ${LIMITS.outputNames}`;
  }
  if (new Set(names).size !== names.length) return "it names an output twice";
  if (e.outputs && !sameList(names, e.outputs)) {
    return "its output names are not the ones the sweep named";
  }
  // (An output named like a parameter is the sink's error: it fails the sweep, as it should.)
  if (
    firstNames !== undefined &&
    (!Array.isArray(firstNames) || firstNames.length > LIMITS.outputNames ||
      !firstNames.every((name) => typeof name === "string"))
  ) {
    return "its first row's output names are not a list of strings";
  }
  if (
    !Array.isArray(values) || values.length !== names.length ||
    !values.every((v) => v instanceof Float64Array && v.length === n)
  ) {
    return "its output columns do not match its names and rows";
  }
  if (!(success instanceof Uint8Array) || success.length !== n || success.some((s) => s > 1)) {
    return "its success flags do not match its rows";
  }
  if (!Array.isArray(errors)) return "its failure messages are not a list";
  const messages: (string | undefined)[] = new Array(n);
  for (const item of errors) {
    if (!Array.isArray(item) || item.length !== 2) return "a failure message is malformed";
    const [r, message] = item;
    if (!Number.isInteger(r) || r < 0 || r >= n || typeof message !== "string") {
      return "a failure message is malformed";
    }
    if (messages[r] !== undefined || success[r] !== 0) {
      return `row ${index[r]} has a failure message but did not fail, or two`;
    }
    messages[r] = message;
  }
  if (errors.length !== n - count(success)) return "a failed row has no failure message";
  for (const format of e.encode) {
    const bytes = out[format];
    if (bytes === undefined) continue;
    if (!(bytes instanceof Uint8Array)) return `its ${format} text is not bytes`;
    const why = format === "csv"
      ? checkCsv(bytes, out, messages, e)
      : checkJsonl(bytes, out, messages, e);
    if (why) return `its ${format} text ${why}`;
  }
  for (const key of Object.keys(out)) {
    if (!KEYS.has(key)) return `its results carry an unknown field '${key}'`;
  }
  return undefined;
}

const KEYS = new Set([
  "index",
  "names",
  "firstNames",
  "values",
  "success",
  "errors",
  "csv",
  "jsonl",
]);

function rowCount(index: unknown): string {
  return ArrayBuffer.isView(index) ? String((index as Float64Array).length) : "no list of";
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function count(flags: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < flags.length; i++) k += flags[i];
  return k;
}

// The same number, NaN included; -0 and 0 differ.
function same(a: number, b: number): boolean {
  return Object.is(a, b);
}

const latin1 = new TextDecoder("latin1");

// Every line is the row's parameters, its outputs and its success flag, all plain numbers: the
// text must say what the columns say, field by field, so no field can hold anything else.
function checkCsv(
  bytes: Uint8Array,
  out: ChunkOutput,
  _messages: (string | undefined)[],
  e: ChunkExpectation,
): string | undefined {
  const text = latin1.decode(bytes);
  const n = out.index.length;
  const P = e.paramNames.length;
  const K = out.names.length;
  let at = 0;
  for (let r = 0; r < n; r++) {
    const end = text.indexOf("\n", at);
    if (end < 0) return `has ${r} lines where ${n} rows were sent`;
    const fields = text.slice(at, end).split(",");
    if (fields.length !== P + K + 1) {
      return `line ${r + 1} has ${fields.length} fields where ${P + K + 1} were expected`;
    }
    const row = out.index[r];
    for (let j = 0; j < P; j++) {
      if (!numberField(fields[j], e.params[row * P + j])) {
        return `line ${r + 1} does not carry row ${row}'s value of '${e.paramNames[j]}'`;
      }
    }
    for (let c = 0; c < K; c++) {
      if (!numberField(fields[P + c], out.values[c][r])) {
        return `line ${r + 1} does not carry the row's output '${out.names[c]}'`;
      }
    }
    if (fields[P + K] !== (out.success[r] ? "true" : "false")) {
      return `line ${r + 1} does not carry the row's success flag`;
    }
    at = end + 1;
  }
  if (at !== text.length) return `has more lines than the ${n} rows sent`;
  return undefined;
}

// A number as the encoder writes it: digits, sign, point, exponent, or NaN/Infinity; nothing
// else (no formula, no quote) and the value it reads as.
function numberField(field: string, value: number): boolean {
  if (!NUMBER.test(field)) return false;
  return same(Number(field), value);
}
const NUMBER = /^(?:-?(?:\d+(?:\.\d+)?(?:e[+-]\d+)?|Infinity)|NaN)$/;

function checkJsonl(
  bytes: Uint8Array,
  out: ChunkOutput,
  messages: (string | undefined)[],
  e: ChunkExpectation,
): string | undefined {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const n = out.index.length;
  const P = e.paramNames.length;
  let at = 0;
  for (let r = 0; r < n; r++) {
    const end = text.indexOf("\n", at);
    if (end < 0) return `has ${r} lines where ${n} rows were sent`;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text.slice(at, end));
    } catch {
      return `line ${r + 1} is not JSON`;
    }
    const row = out.index[r];
    const failed = out.success[r] === 0;
    const keys = Object.keys(line ?? {});
    if (!sameList(keys, failed ? ["params", "outputs", "success", "error"] : OK_KEYS)) {
      return `line ${r + 1} does not have the fields of a row`;
    }
    const params = line.params as Record<string, unknown>;
    if (!isPlain(params) || !sameList(Object.keys(params), e.paramNames)) {
      return `line ${r + 1} does not carry the sweep's parameters`;
    }
    for (let j = 0; j < P; j++) {
      if (!jsonNumber(params[e.paramNames[j]], e.params[row * P + j])) {
        return `line ${r + 1} does not carry row ${row}'s value of '${e.paramNames[j]}'`;
      }
    }
    const outputs = line.outputs as Record<string, unknown>;
    if (!isPlain(outputs) || !sameList(Object.keys(outputs), out.names)) {
      return `line ${r + 1} does not carry the row's outputs`;
    }
    for (let c = 0; c < out.names.length; c++) {
      if (!jsonNumber(outputs[out.names[c]], out.values[c][r])) {
        return `line ${r + 1} does not carry the row's output '${out.names[c]}'`;
      }
    }
    if (line.success !== !failed || (failed && line.error !== messages[r])) {
      return `line ${r + 1} does not carry the row's outcome`;
    }
    at = end + 1;
  }
  if (at !== text.length) return `has more lines than the ${n} rows sent`;
  return undefined;
}
const OK_KEYS = ["params", "outputs", "success"];

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// JSON Lines write finite numbers as numbers and the others as "NaN", "Infinity", "-Infinity".
function jsonNumber(v: unknown, value: number): boolean {
  if (typeof v === "number") return Number.isFinite(value) && same(v, value);
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return same(Number(v), value);
  return false;
}
