// The one place tests take their assertions from, so that moving to @std/assert touches one file.
import { match, ok, strictEqual, throws } from "node:assert/strict";

export {
  deepEqual as assertEquals,
  equal as assertStrictEquals,
  match as assertMatch,
  notEqual as assertNotEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";

/** Bit-for-bit equality of numbers, so that 0 and -0 differ and NaN equals NaN. */
export function assertSameBits(
  actual: ArrayLike<number>,
  expected: readonly number[],
  what: string,
): void {
  strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    ok(
      Object.is(actual[i], expected[i]),
      `${what}[${i}]: expected ${expected[i]}, got ${actual[i]}`,
    );
  }
}

/** Asserts that `fn` throws an instance of `errorClass` whose message matches `pattern`. */
export function assertThrowsWith(
  fn: () => unknown,
  errorClass: new (...args: never[]) => Error,
  pattern: RegExp,
): void {
  throws(fn, (e: unknown) => {
    ok(e instanceof errorClass, `expected ${errorClass.name}, got ${e}`);
    match((e as Error).message, pattern);
    return true;
  });
}
