// Internal: a clear error, before any work starts, for a value that must reach workers by
// structured clone but cannot (a function inside it, say).

/** Throws a TypeError naming `field` unless `value` survives `structuredClone`. */
export function checkCloneable(value: unknown, field: string, action: string): void {
  try {
    structuredClone(value);
  } catch (e) {
    throw new TypeError(
      `Cannot ${action} as '${field}' must be plain data that can be sent to a worker (numbers, strings, arrays, plain objects, typed arrays; no functions): ${
        (e as Error).message
      }`,
    );
  }
}
