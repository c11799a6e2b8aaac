// Internal: the text of psweep's command-model protocol (version 1), both directions. One line
// per message, UTF-8, ending in "\n"; the README's "Models in Python (or anything else)" section
// is its specification. Numbers are the shortest decimal text that reads back as the same
// float64 (what Python's repr, JavaScript's String and C's "%.17g" write and every strtod
// reads), with nan, inf, -inf and -0 spelled out, so NaN, ±Infinity and -0 survive both ways.
import { describe } from "../_describe.ts";

/** The protocol version this psweep speaks. */
export const PROTOCOL_VERSION = 1;

/** What a model offers besides evaluate, from its greeting. */
export interface Greeting {
  version: number;
  probe: boolean;
  initialize: boolean;
}

const GREETING = "psweep-model ";

/** The greeting line's offers, or undefined when `line` is not a greeting. */
export function parseGreeting(line: string): Greeting | undefined {
  if (!line.startsWith(GREETING)) return undefined;
  const [version, ...offers] = line.slice(GREETING.length).trim().split(/ +/);
  return {
    version: Number(version),
    probe: offers.includes("probe"),
    initialize: offers.includes("initialize"),
  };
}

/** A number as the protocol writes it. */
export function formatNumber(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return String(x);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  "nan": NaN,
  "+nan": NaN,
  "-nan": NaN, // glibc's printf writes a NaN with its sign bit set so
  "inf": Infinity,
  "+inf": Infinity,
  "infinity": Infinity,
  "+infinity": Infinity,
  "-inf": -Infinity,
  "-infinity": -Infinity,
};

/** A number as the protocol reads it (case-insensitive specials), or undefined if not one. */
export function parseNumber(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const special = SPECIAL[token.toLowerCase()];
  return special;
}

/** A request carrying a point: `verb v1 v2 ...` in the order of the build's parameters. */
export function pointLine(verb: string, point: Record<string, number>, names: string[]): string {
  let line = verb;
  for (let i = 0; i < names.length; i++) line += " " + formatNumber(point[names[i]]);
  return line + "\n";
}

/** The build request: the parameter names and the sweep's build options, as one JSON object. */
export function buildLine(params: string[], options: Record<string, unknown>): string {
  return `build ${jsonText({ params, options }, "buildOptions")}\n`;
}

/** A reply: `ok` with its fields' text, or a model's failure. */
export type Reply =
  | { ok: true; rest: string }
  | { ok: false; message: string; type: string; traceback: string };

/** Parses a reply line; undefined when the line is not one (the model wrote something else). */
export function parseReply(line: string): Reply | undefined {
  if (line === "ok") return { ok: true, rest: "" };
  if (line.startsWith("ok ")) return { ok: true, rest: line.slice(3) };
  if (line === "error" || line.startsWith("error ")) {
    const fields = line === "error" ? [] : jsonStrings(line.slice(6));
    if (!fields) return undefined;
    return {
      ok: false,
      message: fields[0] ?? "the model reported an error without a message",
      type: fields[1] || "Error",
      traceback: fields[2] ?? "",
    };
  }
  return undefined;
}

/**
 * Reads evaluate's reply fields, `"name" number "name" number ...`, into `out` (which starts
 * empty); returns why it cannot (a message, also for a name given twice), or undefined when all
 * is well.
 */
export function parseOutputs(rest: string, out: Record<string, number>): string | undefined {
  let i = 0;
  const n = rest.length;
  while (i < n) {
    if (rest.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    if (rest.charCodeAt(i) !== 34) {
      return `expected a quoted output name at ${describe(rest.slice(i, i + 40))}`;
    }
    const end = stringEnd(rest, i);
    if (end < 0) {
      return `an output name is not a closed JSON string: ${describe(rest.slice(i, i + 40))}`;
    }
    const raw = rest.slice(i + 1, end);
    let name: string;
    try {
      name = raw.includes("\\") ? JSON.parse(rest.slice(i, end + 1)) : raw;
    } catch {
      return `an output name is not a valid JSON string: ${describe(rest.slice(i, end + 1))}`;
    }
    i = end + 1;
    while (i < n && rest.charCodeAt(i) === 32) i++;
    let j = i;
    while (j < n && rest.charCodeAt(j) !== 32) j++;
    const token = rest.slice(i, j);
    if (token === "") return `output ${describe(name)} has no value`;
    const value = parseNumber(token);
    if (value === undefined) return `output ${describe(name)} is ${describe(token)}, not a number`;
    if (name === "__proto__") return `an output may not be named "__proto__"`;
    // Which of two values is the output would be a guess: the reply is malformed.
    if (Object.hasOwn(out, name)) return `output ${describe(name)} appears twice`;
    out[name] = value;
    i = j;
  }
  return undefined;
}

// Index of the quote that closes the JSON string opening at `start`, or -1.
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return -1;
}

// Space-separated JSON strings, or undefined when the text holds anything else.
function jsonStrings(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    if (text.charCodeAt(i) !== 34) return undefined;
    const end = stringEnd(text, i);
    if (end < 0) return undefined;
    try {
      out.push(JSON.parse(text.slice(i, end + 1)));
    } catch {
      return undefined;
    }
    i = end + 1;
  }
  return out;
}

/**
 * JSON text of plain data, with -0 kept ("-0" is valid JSON). Values JSON cannot carry exactly
 * (NaN, ±Infinity, undefined, functions, typed arrays, other objects) are refused, naming where
 * they are: a command model must receive what the sweep was given.
 */
export function jsonText(value: unknown, field: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw notJson(field, value);
    return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => jsonText(v, `${field}[${i}]`)).join(",")}]`;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      parts.push(`${JSON.stringify(k)}:${jsonText(v, `${field}.${k}`)}`);
    }
    return `{${parts.join(",")}}`;
  }
  throw notJson(field, value);
}

function notJson(field: string, value: unknown): TypeError {
  return new TypeError(
    `Cannot run a sweep of a command model as '${field}' must be JSON data (finite numbers, strings, booleans, null, arrays, plain objects), which is what the command receives: current value is ${
      typeof value === "number" ? String(value) : describe(value)
    }`,
  );
}
