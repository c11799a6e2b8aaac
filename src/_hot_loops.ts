// Internal: loops over every row of a chunk, each in a small function of its own.
//
// V8 compiles a function with its optimizing compiler once a loop in it has run long enough, and
// then compiles the whole function with all it inlines, however small the loop. Loops over a
// chunk's rows inside the main thread's large functions (the chunk check, the results files'
// ordering, the sweep's body) made V8 compile each of those functions: on a 1M-row sweep, 16 to
// 38 ms of compiling each, measured with `--trace-opt`, more than the loops themselves cost. Each
// loop here is its whole function, and compiles in about a millisecond.

/** Whether `index` counts up by one from its first value (true for none or one). */
export function isConsecutive(index: ArrayLike<number>): boolean {
  const n = index.length;
  if (n === 0) return true;
  const first = index[0];
  for (let i = 1; i < n; i++) if (index[i] !== first + i) return false;
  return true;
}

/** The first position among the first `n` where `a` and `b` differ, or -1 when none does. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** How many of `flags` are 1, or -1 when one of them is neither 0 nor 1. */
export function countOnes(flags: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag > 1) return -1;
    ones += flag;
  }
  return ones;
}

/** Fills `out` with `todo[from + i]`, or with `from + i` without `todo`. */
export function fillIndex(out: Float64Array, from: number, todo?: ArrayLike<number>): void {
  const n = out.length;
  if (todo) { for (let i = 0; i < n; i++) out[i] = todo[from + i]; }
  else for (let i = 0; i < n; i++) out[i] = from + i;
}
