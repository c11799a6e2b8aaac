/**
 * Text for doubles that reads back to the very same double: the number format
 * of every results file psweep writes.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { tryParseNumber } from "./_rows.ts";

/**
 * Formats a number as the shortest text that reads back, with
 * {@linkcode parseNumber}, to the same double.
 *
 * Finite numbers are written as JavaScript's `String(x)` writes them
 * (`0.30000000000000004`, `5e-324`, `1e+21`), except that negative zero is
 * `-0`; the others are `NaN`, `Infinity` and `-Infinity`.
 *
 * @param x The number to format.
 * @returns The text of `x`.
 * @throws {TypeError} When `x` is not a number.
 *
 * @example Usage
 * ```ts
 * import { formatNumber } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatNumber(0.1 + 0.2), "0.30000000000000004");
 * assert.equal(formatNumber(-0), "-0");
 * assert.equal(formatNumber(NaN), "NaN");
 * assert.equal(formatNumber(-Infinity), "-Infinity");
 * ```
 */
export function formatNumber(x: number): string {
  if (typeof x !== "number") {
    throw new TypeError(
      `Cannot format number as 'x' must be a number: current value is ${describe(x)}`,
    );
  }
  return x === 0 && 1 / x < 0 ? "-0" : String(x);
}

/**
 * Parses text written by {@linkcode formatNumber} (or any decimal number)
 * back to the exact double, strictly: no blanks, no hexadecimal, no empty text.
 *
 * Accepted: decimal numbers with optional sign, fraction and exponent
 * (`-1.5e-3`, `.5`, `7.`), `NaN`, `Infinity`, `+Infinity`, `-Infinity`, and for
 * files written by Python or NumPy, `nan`, `inf`, `+inf` and `-inf`.
 *
 * @param text The text to parse.
 * @returns The number the text denotes.
 * @throws {SyntaxError} When `text` is not one of the accepted forms.
 * @throws {TypeError} When `text` is not a string.
 *
 * @example Usage
 * ```ts
 * import { formatNumber, parseNumber } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * for (const x of [0.1 + 0.2, 5e-324, 1.7976931348623157e308, -0, NaN]) {
 *   assert.ok(Object.is(parseNumber(formatNumber(x)), x));
 * }
 * assert.throws(() => parseNumber("0x10"), SyntaxError);
 * assert.throws(() => parseNumber(""), SyntaxError);
 * ```
 */
export function parseNumber(text: string): number {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse number as 'text' must be a string: current value is ${describe(text)}`,
    );
  }
  const value = tryParseNumber(text);
  if (value === undefined) {
    throw new SyntaxError(
      `Cannot parse number as 'text' must be a decimal number, NaN, Infinity or -Infinity: current value is ${
        describe(text)
      }`,
    );
  }
  return value;
}
