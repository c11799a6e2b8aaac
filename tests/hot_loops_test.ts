// The rows' loops kept in small functions of their own (src/_hot_loops.ts), and the driver's
// output reader kept from chunk to chunk: what they compute, whatever the chunk.
import { assertEquals } from "./_assert.ts";
import { countOnes, fillIndex, firstDifference, isConsecutive } from "../src/_hot_loops.ts";
import { buildSweep, type ChunkOutput, executeSweep } from "../src/sweep/_driver.ts";

Deno.test("the rows' loops: consecutive indices, the first difference, the ones, an index", () => {
  assertEquals(isConsecutive([]), true);
  assertEquals(isConsecutive([7]), true);
  assertEquals(isConsecutive(Float64Array.of(3, 4, 5, 6)), true);
  assertEquals(isConsecutive(Float64Array.of(3, 4, 6)), false);
  assertEquals(isConsecutive([5, 4]), false);
  assertEquals(firstDifference([1, 2, 3], [1, 2, 3], 3), -1);
  assertEquals(firstDifference([1, 2, 3], [1, 9, 3], 3), 1);
  // Only the first n count; NaN differs from itself, as a row index must never be NaN.
  assertEquals(firstDifference([1, 2, 3], [1, 2, 4], 2), -1);
  assertEquals(firstDifference([NaN], [NaN], 1), 0);
  assertEquals(countOnes(Uint8Array.of(1, 0, 1, 1)), 3);
  assertEquals(countOnes(new Uint8Array(0)), 0);
  assertEquals(countOnes(Uint8Array.of(1, 2, 1)), -1);
  const index = new Float64Array(3);
  fillIndex(index, 10);
  assertEquals([...index], [10, 11, 12]);
  fillIndex(index, 1, Int32Array.of(4, 8, 15, 16, 23));
  assertEquals([...index], [8, 15, 16]);
});

// Outputs by name: a name's column in the chunk's output.
function byName(out: ChunkOutput): Record<string, number[]> {
  return Object.fromEntries(out.names.map((name, c) => [name, [...out.values[c]]]));
}

// A one-parameter model from its source, and a function that runs a chunk of its x values on
// one worker context (as a worker runs its chunks, one after another).
async function chunksOf(source: string): Promise<(xs: number[]) => Promise<ChunkOutput>> {
  const model = `data:text/javascript,${encodeURIComponent(source)}`;
  const [ctx] = await buildSweep({ model, paramNames: ["x"], rebuildOnFailure: false });
  return (xs) =>
    executeSweep({
      rows: xs.length,
      columns: 2,
      data: Float64Array.from(xs.flatMap((x, i) => [i, x])),
    }, ctx);
}

Deno.test("the driver's output reader, kept from chunk to chunk, reads each chunk's own names", async () => {
  // Rows below 10 return a then b, rows from 10 on b then a (a new order of the same names), rows
  // from 20 on a new name too: each chunk's first row sets the order of its names.
  const run = await chunksOf(`export function evaluate(_s, { x }) {
    if (x < 10) return { a: x, b: -x };
    if (x < 20) return { b: -x, a: x };
    return { a: x, b: -x, c: 2 * x };
  }`);
  const cases: [number[], string[]][] = [
    [[1, 2], ["a", "b"]],
    [[11, 12], ["b", "a"]],
    [[1, 3], ["a", "b"]],
    [[21, 22], ["a", "b", "c"]],
    [[13, 2], ["b", "a"]],
  ];
  for (const [xs, names] of cases) {
    const out = await run(xs);
    const expected: Record<string, number[]> = { a: xs, b: xs.map((x) => -x) };
    if (names.includes("c")) expected.c = xs.map((x) => 2 * x);
    assertEquals(out.names, names);
    assertEquals(byName(out), expected);
    assertEquals([...out.success], xs.map(() => 1));
  }
});

Deno.test("a kept reader is rebuilt once a name it reads becomes one every object inherits", async () => {
  // The model defines Object.prototype.y on row 3: from then on a row's own y counts, not the
  // inherited one (as within a chunk), in the chunks after it too.
  try {
    const run = await chunksOf(`export function evaluate(_s, { x }) {
      if (x === 3 && !("y" in Object.prototype)) {
        Object.defineProperty(Object.prototype, "y", { value: 5, configurable: true });
      }
      return x < 4 ? { a: x, y: x } : { a: x };
    }`);
    await run([0, 1, 2, 3]);
    assertEquals(byName(await run([0, 1, 4, 5])), { a: [0, 1, 4, 5], y: [0, 1, NaN, NaN] });
  } finally {
    delete (Object.prototype as Record<string, unknown>).y;
  }
});

Deno.test("without code generation from strings, kept readers read the names of each chunk", async () => {
  // The readers are then closures over their names: one kept from a chunk whose names grew
  // after it was made must not read the grown list in the next chunk.
  const script = new URL("./fixtures/readers_without_codegen.ts", import.meta.url).pathname;
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--disallow-code-generation-from-strings", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(success, true, new TextDecoder().decode(stderr));
  const { codegen, chunks } = JSON.parse(new TextDecoder().decode(stdout));
  assertEquals(codegen, false);
  assertEquals(chunks, [
    { names: ["a", "b"], values: [[0, 1, 2], ["NaN", "NaN", 1]], success: [1, 1, 1] },
    { names: ["a"], values: [[0, 1, 1]], success: [1, 1, 1] },
    { names: ["a"], values: [[3, 4]], success: [1, 1] },
  ]);
});
