// Internal: the main thread's check of what a worker sent back for a chunk. The worker runs model
// code, which can replace anything in its realm (typed arrays, the driver's own objects); it
// cannot reach the pool's private port, but what travels on it was built where the model lives.
// So before a chunk's rows are recorded, the main thread checks them against what only it holds:
// the row indices it sent, the output names the sweep named, and the shape of every column. A
// model can still return whatever outputs it likes for its own rows: those are its outputs.
// Workers send numbers only: the results files' text is made from the main thread's own
// parameters and these checked columns by a worker that runs no model code (io/_row_encoder.ts).
import { MAX_OUTPUT_NAMES } from "../_limits.ts";
import { countOnes, firstDifference } from "../_hot_loops.ts";
import type { ChunkOutput } from "./_driver.ts";

/** What the main thread knows of a chunk it sent. */
export interface ChunkExpectation {
  /** The global row index of each row of the chunk, from the main thread's own records. */
  index: ArrayLike<number>;
  /** The outputs the sweep named, if it named them. */
  outputs: readonly string[] | undefined;
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
  const wrong = firstDifference(index, e.index, n);
  if (wrong >= 0) {
    return `its row ${wrong} claims index ${index[wrong]} where row ${e.index[wrong]} was sent`;
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
  // Arrays on a SharedArrayBuffer arrive as views of memory their worker can still write: what
  // was checked here could change before it is recorded or written. The driver never sends such.
  if ([index, success, ...values].some((a) => a.buffer instanceof SharedArrayBuffer)) {
    return "its results lie in memory its worker can still write";
  }
  const ok = countOnes(success);
  if (ok < 0) return "its success flags are not 0 or 1";
  if (!Array.isArray(errors)) return "its failure messages are not a list";
  // (The rows with a message, as a set: most chunks have none, and a list as long as the chunk
  // would be made for nothing.)
  const told = new Set<number>();
  for (const item of errors) {
    if (!Array.isArray(item) || item.length !== 2) return "a failure message is malformed";
    const [r, message] = item;
    if (!Number.isInteger(r) || r < 0 || r >= n || typeof message !== "string") {
      return "a failure message is malformed";
    }
    if (told.has(r) || success[r] !== 0) {
      return `row ${index[r]} has a failure message but did not fail, or two`;
    }
    told.add(r);
  }
  if (errors.length !== n - ok) return "a failed row has no failure message";
  return undefined;
}

function rowCount(index: unknown): string {
  return ArrayBuffer.isView(index) ? String((index as Float64Array).length) : "no list of";
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
