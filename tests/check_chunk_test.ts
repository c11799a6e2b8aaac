// The main thread's check of a worker's chunk results (issue 11, point 3): model code shares its
// worker with the harness, so it can alter whatever the harness sends back. Each case starts from
// what the real driver returns for a chunk and forges one part of it, as a model patching the
// worker's globals could; every forgery must be refused with its reason, and the untouched
// results accepted.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { buildSweep, type ChunkOutput, executeSweep } from "../src/sweep/_driver.ts";
import { checkChunkOutput, type ChunkExpectation } from "../src/sweep/_check_chunk.ts";

const MODEL = `data:text/javascript,${
  encodeURIComponent(`
export function evaluate(_state, { x, y }) {
  if (x < 0) throw new RangeError("negative x");
  return { a: x + y, b: x * y };
}`)
}`;
const PARAMS = ["x", "y"];
// Rows 1 and 2 of the sweep as the main thread sent them (its own copy): index, x, y.
const SENT = Float64Array.of(1, 3, 4, 2, -5, 6);

// The driver's real output for rows 1 and 2 (row 2 fails: x < 0), and what the main thread knows.
async function chunk(outputs?: string[]): Promise<[ChunkOutput, ChunkExpectation]> {
  const [ctx] = await buildSweep({
    model: MODEL,
    paramNames: PARAMS,
    outputs,
    rebuildOnFailure: false,
  });
  const out = await executeSweep(
    { rows: 2, columns: 3, data: SENT.slice() },
    ctx,
  );
  return [out, { index: [1, 2], outputs }];
}

Deno.test("a chunk's results as the driver made them are accepted", async () => {
  for (const outputs of [undefined, ["a", "b"]]) {
    const [out, expected] = await chunk(outputs);
    assertEquals(checkChunkOutput(out, expected), undefined);
    assertEquals([...out.success], [1, 0]);
  }
});

Deno.test("forged row identity, counts and columns are refused, each with its reason", async () => {
  const cases: [string, (o: ChunkOutput) => unknown, RegExp][] = [
    ["not an object", () => 42, /are not an object/],
    ["a row dropped", (o) => ({ ...o, index: o.index.subarray(0, 1) }), /returned 1 rows where 2/],
    ["a row added", (o) => ({ ...o, index: Float64Array.of(1, 2, 3) }), /returned 3 rows where 2/],
    [
      "index as a plain array",
      (o) => ({ ...o, index: [1, 2] }),
      /returned no list of rows where 2/,
    ],
    [
      "another row's index",
      (o) => ({ ...o, index: Float64Array.of(1, 3) }),
      /row 1 claims index 3 where row 2 was sent/,
    ],
    ["names not strings", (o) => ({ ...o, names: ["a", 7] }), /output names are not a list/],
    ["a name twice", (o) => ({ ...o, names: ["a", "a"] }), /names an output twice/],
    [
      "a column missing",
      (o) => ({ ...o, values: o.values.slice(0, 1) }),
      /output columns do not match its names and rows/,
    ],
    [
      "a column too short",
      (o) => ({ ...o, values: [o.values[0], o.values[1].subarray(0, 1)] }),
      /output columns do not match/,
    ],
    [
      "a failed row marked successful",
      (o) => ({ ...o, success: Uint8Array.of(1, 1) }),
      /row 2 has a failure message but did not fail/,
    ],
    [
      "a flag of 2",
      (o) => ({ ...o, success: Uint8Array.of(2, 0) }),
      /success flags are not 0 or 1/,
    ],
    [
      "flags of the wrong length",
      (o) => ({ ...o, success: Uint8Array.of(1) }),
      /success flags do not match its rows/,
    ],
    ["messages not a list", (o) => ({ ...o, errors: "none" }), /failure messages are not a list/],
    ["a message malformed", (o) => ({ ...o, errors: [[1]] }), /failure message is malformed/],
    [
      "a failed row's message removed",
      (o) => ({ ...o, errors: [] }),
      /a failed row has no failure message/,
    ],
    [
      "a getter that throws",
      (o) =>
        Object.defineProperty({ ...o }, "names", {
          get: () => {
            throw new Error("boom");
          },
        }),
      /could not be read \(Error\)/,
    ],
  ];
  for (const [what, forge, reason] of cases) {
    const [out, expected] = await chunk();
    const why = checkChunkOutput(forge(out), expected);
    assert(why !== undefined, `${what}: accepted`);
    assertMatch(why, reason, what);
  }
  // Outputs the sweep named: others in their place are refused.
  const [out, expected] = await chunk(["a", "b"]);
  assertMatch(
    checkChunkOutput({ ...out, names: ["a", "c"] }, expected)!,
    /output names are not the ones the sweep named/,
  );
});
