// Internal: the check of a seed, shared by RandomState and buildCombinations so that both
// name the field the caller used.

import { describe } from "../_describe.ts";

import { MAX_SEED } from "../_limits.ts";

export { MAX_SEED };

/** Throws unless `seed` is an integer from 0 to 2**32 - 1, numpy's legacy seed range. */
export function assertSeed(seed: unknown, field: string): asserts seed is number {
  if (typeof seed !== "number") {
    throw new TypeError(
      `Cannot seed the random number generator as '${field}' must be a number: current value is ${
        describe(seed)
      }`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(
      `Cannot seed the random number generator as '${field}' must be an integer from 0 to ${MAX_SEED}: current value is ${seed}`,
    );
  }
}
