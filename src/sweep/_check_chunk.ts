// Internal: the main thread's check of what a worker sent back for a chunk. The worker runs model
// code, which can replace anything in its realm (the encoder, typed arrays, the driver's own
// objects); it cannot reach the pool's private port, but what travels on it was built where the
// model lives. So before a chunk's rows are recorded, the main thread checks what is cheap to
// check against what only it holds: the row indices it sent, the parameter values (its private
// copy, not the shared memory workers read), the shape of every column, and that the encoded
// text says exactly what the columns say (no extra row, field, or formula). A model can still
// return whatever outputs it likes for its own rows: those are its outputs.
import { MAX_OUTPUT_NAMES } from "../_limits.ts";
import type { ChunkOutput } from "./_driver.ts";
import type { RowFormat } from "../io/row_types.ts";

/** What the main thread knows of a chunk it sent. */
export interface ChunkExpectation {
  /** The global row index of each row of the chunk, from the main thread's own records. */
  index: ArrayLike<number>;
  paramNames: readonly string[];
  /**
   * The chunk's rows as the main thread sent them, from its own copy: one row per row of the
   * chunk, its index then its parameter values.
   */
  params: Float64Array;
  /** The outputs the sweep named, if it named them. */
  outputs: readonly string[] | undefined;
  /** The encodings the sweep asked the workers for. */
  encode: readonly (RowFormat | string)[];
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
  if (names.length > MAX_OUTPUT_NAMES) {
    return `it returned ${names.length} output names, over the limit of ${MAX_OUTPUT_NAMES}`;
  }
  if (new Set(names).size !== names.length) return "it names an output twice";
  if (e.outputs && !sameList(names, e.outputs)) {
    return "its output names are not the ones the sweep named";
  }
  // (An output named like a parameter is the sink's error: it fails the sweep, as it should.)
  if (
    firstNames !== undefined &&
    (!Array.isArray(firstNames) || firstNames.length > MAX_OUTPUT_NAMES ||
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
  if (!(success instanceof Uint8Array) || success.length !== n) {
    return "its success flags do not match its rows";
  }
  let ok = 0;
  for (let i = 0; i < n; i++) {
    if (success[i] > 1) return "its success flags are not 0 or 1";
    ok += success[i];
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
  if (errors.length !== n - ok) return "a failed row has no failure message";
  for (const format of e.encode) {
    const encoded = out as unknown as Record<string, unknown>;
    const bytes = encoded[format];
    if (bytes === undefined) continue;
    const check = CHECKS[format];
    if (!check) {
      // Text this thread cannot check is not written: the sink encodes those rows itself.
      encoded[format] = undefined;
      continue;
    }
    if (!(bytes instanceof Uint8Array)) return `its ${format} text is not bytes`;
    const why = check(bytes, out, messages, e);
    if (why) return `its ${format} text ${why}`;
  }
  return undefined;
}

type TextCheck = (
  bytes: Uint8Array,
  out: ChunkOutput,
  messages: (string | undefined)[],
  e: ChunkExpectation,
) => string | undefined;

// The encodings checked here, by format name; a worker's bytes of any other are dropped.
const CHECKS: Record<string, TextCheck | undefined> = {
  csv: (...args) => checkCsv(...args),
  jsonl: (...args) => checkJsonl(...args),
};

function rowCount(index: unknown): string {
  return ArrayBuffer.isView(index) ? String((index as Float64Array).length) : "no list of";
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Both encodings are checked in one pass over the text (read as latin1: one char per byte, so a
// UTF-8 message keeps its positions) by a small scanner: the keys and separators are compared
// with what the encoder writes, every number must be one (digits, sign, point, exponent, or
// NaN/Infinity: no formula, no quote), the parameters must read as this thread's values, and
// the success flag as the row's. Only parameters are parsed: outputs are the model's own.
class Scanner {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.b.length;
  }
  expect(s: Uint8Array): boolean {
    const b = this.b;
    const at = this.at;
    if (at + s.length > b.length) return false;
    for (let i = 0; i < s.length; i++) if (b[at + i] !== s[i]) return false;
    this.at = at + s.length;
    return true;
  }
  // One byte (a separator).
  byte(c: number): boolean {
    if (this.b[this.at] !== c) return false;
    this.at++;
    return true;
  }
  // A number as the encoder writes it: 0 when there is none here, else 1 for a finite one and
  // 2 for NaN or an infinity. A flat loop: this runs for every output of every row.
  number(): number {
    const b = this.b;
    let i = this.at;
    let c = b[i];
    if (c === 78) return this.#word(i, NAN) ? 2 : 0; // N
    if (c === 45) c = b[++i]; // -
    if (c === 73) return this.#word(i, INFINITY) ? 2 : 0; // I
    let from = i;
    while (c >= 48 && c <= 57) c = b[++i];
    if (i === from) return 0;
    if (c === 46) { // .
      from = ++i;
      c = b[i];
      while (c >= 48 && c <= 57) c = b[++i];
      if (i === from) return 0;
    }
    if (c === 101) { // e
      c = b[++i];
      if (c !== 43 && c !== 45) return 0;
      from = ++i;
      c = b[i];
      while (c >= 48 && c <= 57) c = b[++i];
      if (i === from) return 0;
    }
    this.at = i;
    return 1;
  }
  #word(i: number, word: Uint8Array): boolean {
    const at = this.at;
    this.at = i;
    if (this.expect(word)) return true;
    this.at = at;
    return false;
  }
  // A number that must be `value` as the encoder writes it (String(value), "-0" for negative
  // zero; in JSON quoted when not finite): compared char by char, which costs one formatting.
  value(value: number, json: boolean): boolean {
    const text = numberText(value);
    const quoted = json && !Number.isFinite(value);
    const b = this.b;
    let i = this.at;
    if (quoted && b[i++] !== 34) return false;
    for (let k = 0; k < text.length; k++) if (b[i++] !== text.charCodeAt(k)) return false;
    if (quoted && b[i++] !== 34) return false;
    this.at = i;
    return true;
  }
  // Any number (an output): in JSON quoted exactly when it is not finite.
  anyNumber(json: boolean): boolean {
    if (!json) return this.number() !== 0;
    if (!this.byte(34)) return this.number() === 1;
    return this.number() === 2 && this.byte(34);
  }
  // A JSON string: no raw control character, escapes well formed, up to its closing quote.
  string(): boolean {
    const b = this.b;
    if (!this.expect(QUOTE)) return false;
    for (let i = this.at; i < b.length; i++) {
      const c = b[i];
      if (c < 32) return false;
      if (c === 34) {
        this.at = i + 1;
        return true;
      }
      if (c === 92) {
        const e = b[++i];
        if (e === 117) { // u
          for (let k = 1; k <= 4; k++) if (!HEX.test(String.fromCharCode(b[i + k]))) return false;
          i += 4;
        } else if (!ESCAPES.includes(e)) return false;
      }
    }
    return false;
  }
}

// String(value) as the encoder writes it ("-0" for negative zero), remembered for the last few
// thousand values by their bits: a grid's columns repeat a few values over and over, and
// formatting a double costs more than the rest of a field's check.
const CACHE_SIZE = 4096;
const cacheBits = new Uint32Array(CACHE_SIZE * 2);
const cacheText: (string | undefined)[] = new Array(CACHE_SIZE);
const bits64 = new Float64Array(1);
const bits32 = new Uint32Array(bits64.buffer);
function numberText(value: number): string {
  bits64[0] = value;
  const lo = bits32[0];
  const hi = bits32[1];
  const slot = ((lo ^ hi ^ (hi >>> 12)) & (CACHE_SIZE - 1)) * 2;
  const cached = cacheText[slot >> 1];
  if (cached !== undefined && cacheBits[slot] === lo && cacheBits[slot + 1] === hi) return cached;
  const text = value === 0 && 1 / value < 0 ? "-0" : String(value);
  cacheBits[slot] = lo;
  cacheBits[slot + 1] = hi;
  cacheText[slot >> 1] = text;
  return text;
}

const ascii = (s: string) => new TextEncoder().encode(s);
const NAN = ascii("NaN");
const INFINITY = ascii("Infinity");
const QUOTE = ascii('"');
const HEX = /[0-9a-fA-F]/;
const ESCAPES = [...ascii('"\\/bfnrt')];
const CSV_TRUE = ascii("true\n");
const CSV_FALSE = ascii("false\n");
const JSON_START = ascii('{"params":{');
const JSON_OUTPUTS = ascii('},"outputs":{');
const JSON_TRUE = ascii('},"success":true}\n');
const JSON_FALSE = ascii('},"success":false,"error":');
const JSON_END = ascii("}\n");

// Each line: the parameters, the outputs and the success flag, as the encoder writes them.
// One flat pass over the bytes. The parameters must be this thread's values as the encoder
// writes them; an output field (the model's own value) may hold only the bytes numbers are
// written with, which can spell neither a quote, a line break nor a spreadsheet function.
function checkCsv(
  b: Uint8Array,
  out: ChunkOutput,
  _messages: (string | undefined)[],
  e: ChunkExpectation,
): string | undefined {
  const n = out.index.length;
  const P = e.paramNames.length;
  const K = out.names.length;
  const params = e.params;
  let at = 0;
  for (let r = 0; r < n; r++) {
    if (at >= b.length) return `has ${r} lines where ${n} rows were sent`;
    const row = out.index[r];
    for (let j = 0; j < P; j++) {
      const text = numberText(params[r * (P + 1) + 1 + j]);
      let ok = true;
      for (let k = 0; k < text.length; k++) if (b[at++] !== text.charCodeAt(k)) ok = false;
      if (!ok || b[at++] !== 44) {
        return `line ${r + 1} does not carry row ${row}'s value of '${e.paramNames[j]}'`;
      }
    }
    for (let c = 0; c < K; c++) {
      const from = at;
      while (NUMBER_BYTES[b[at]] === 1) at++;
      if (at === from || b[at++] !== 44) {
        return `line ${r + 1} does not carry a number for output '${out.names[c]}'`;
      }
    }
    const flag = out.success[r] ? CSV_TRUE : CSV_FALSE;
    let ok = true;
    for (let k = 0; k < flag.length; k++) if (b[at++] !== flag[k]) ok = false;
    if (!ok) return `line ${r + 1} does not end with the row's success flag`;
  }
  if (at !== b.length) return `has more lines than the ${n} rows sent`;
  return undefined;
}

// The bytes a number is written with: digits, sign, point, exponent, NaN, Infinity.
const NUMBER_BYTES = new Uint8Array(256);
for (const c of "0123456789-+.eNaInfity") NUMBER_BYTES[c.charCodeAt(0)] = 1;

function checkJsonl(
  bytes: Uint8Array,
  out: ChunkOutput,
  _messages: (string | undefined)[],
  e: ChunkExpectation,
): string | undefined {
  const s = new Scanner(bytes);
  const n = out.index.length;
  const P = e.paramNames.length;
  const K = out.names.length;
  const key = (name: string, i: number) => ascii((i === 0 ? "" : ",") + JSON.stringify(name) + ":");
  const paramKeys = e.paramNames.map(key);
  const outputKeys = out.names.map(key);
  for (let r = 0; r < n; r++) {
    if (s.done) return `has ${r} lines where ${n} rows were sent`;
    const row = out.index[r];
    if (!s.expect(JSON_START)) return `line ${r + 1} does not start as a row`;
    for (let j = 0; j < P; j++) {
      if (!s.expect(paramKeys[j]) || !s.value(e.params[r * (P + 1) + 1 + j], true)) {
        return `line ${r + 1} does not carry row ${row}'s value of '${e.paramNames[j]}'`;
      }
    }
    if (!s.expect(JSON_OUTPUTS)) return `line ${r + 1} does not carry the row's outputs`;
    for (let c = 0; c < K; c++) {
      if (!s.expect(outputKeys[c]) || !s.anyNumber(true)) {
        return `line ${r + 1} does not carry a number for output '${out.names[c]}'`;
      }
    }
    const ok = out.success[r] === 1;
    if (!s.expect(ok ? JSON_TRUE : JSON_FALSE)) {
      return `line ${r + 1} does not carry the row's success flag`;
    }
    if (!ok && (!s.string() || !s.expect(JSON_END))) {
      return `line ${r + 1} does not carry the row's failure message`;
    }
  }
  if (!s.done) return `has more lines than the ${n} rows sent`;
  return undefined;
}
