// The sweep's sink (src/sweep/_sink.ts): chunks that finish out of order are held back briefly
// so that results files are written in row order and need no rewrite at the end.
import { LocalResults } from "../src/parallel/parallel_manager.ts";
import type { ChunkOutput } from "../src/sweep/_driver.ts";
import { type SinkOptions, SweepSink } from "../src/sweep/_sink.ts";
import { assert, assertEquals, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const ROWS = 6;
const params = Float64Array.from({ length: ROWS }, (_, r) => r + 0.5);

function sinkOptions(dir: string, extra: Partial<SinkOptions> = {}): SinkOptions {
  return {
    csv: `${dir}/r.csv`,
    jsonl: `${dir}/r.jsonl`,
    resume: false,
    overwrite: false,
    paramNames: ["x"],
    outputs: ["y"],
    params,
    rows: ROWS,
    meta: { model: "test" },
    ...extra,
  };
}

// The chunk of rows [first, first + rows): y = 2x, row 3 fails.
function chunk(processNumber: number, first: number, rows: number): LocalResults<ChunkOutput> {
  const index = Float64Array.from({ length: rows }, (_, i) => first + i);
  const y = index.map((r) => r === 3 ? NaN : 2 * params[r]);
  const errors: [number, string][] = [];
  index.forEach((r, i) => r === 3 && errors.push([i, "row 3 failed"]));
  const output: ChunkOutput = {
    index,
    names: ["y"],
    firstNames: ["y"],
    values: [y],
    success: Uint8Array.from(index, (r) => r === 3 ? 0 : 1),
    errors,
  };
  const data = new Float64Array(rows * 2);
  index.forEach((r, i) => data.set([r, params[r]], 2 * i));
  return new LocalResults(processNumber, { rows, columns: 2, data }, output, undefined);
}

const EXPECTED_CSV = "x,y,success\n0.5,1,true\n1.5,3,true\n2.5,5,true\n3.5,NaN,false\n" +
  "4.5,9,true\n5.5,11,true\n";

async function withSink(
  extra: Partial<SinkOptions>,
  fn: (sink: SweepSink, dir: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const sink = await SweepSink.open(sinkOptions(dir, extra));
    try {
      await fn(sink, dir);
    } finally {
      await sink.close();
    }
  });
}

function dataLines(text: string): string[] {
  return text.split("\n").slice(1).filter((line) => line !== "");
}

Deno.test("SweepSink holds a chunk that finished early until the rows before it are written", async () => {
  await withSink({}, async (sink, dir) => {
    const done: number[] = [];
    const later = sink.add(chunk(1, 2, 4)).then(() => done.push(1));
    await sink.add(chunk(0, 0, 2));
    await later;
    assertEquals(done, [1]);
    const path = `${dir}/r.csv`;
    // Written in row order as the chunks came in: the file is final as it stands.
    assertStrictEquals(await Deno.readTextFile(path), EXPECTED_CSV);
    const before = (await Deno.stat(path)).ino;
    const result = await sink.finish(undefined, 1);
    assertStrictEquals((await Deno.stat(path)).ino, before, "the file was not replaced");
    assertStrictEquals(await Deno.readTextFile(path), EXPECTED_CSV);
    assertEquals([...result.outputs.y], [1, 3, 5, NaN, 9, 11]);
    const jsonl = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n");
    assertEquals(jsonl.map((line) => JSON.parse(line).params.x), [...params]);
    assertStrictEquals(JSON.parse(jsonl[3]).error, "row 3 failed");
  });
});

Deno.test("SweepSink writes a held chunk out of order once it waited holdMs, and sorts the file at the end", async () => {
  await withSink({ holdMs: 1 }, async (sink, dir) => {
    const path = `${dir}/r.csv`;
    // Resolves once the rows are on disk: here, when the hold time ran out.
    await sink.add(chunk(1, 2, 4));
    assertEquals(dataLines(await Deno.readTextFile(path)), dataLines(EXPECTED_CSV).slice(2));
    await sink.add(chunk(0, 0, 2));
    await sink.finish(undefined, 1);
    assertStrictEquals(await Deno.readTextFile(path), EXPECTED_CSV);
  });
});

Deno.test("SweepSink holds no more than holdBytes: past it, held chunks go to disk at once", async () => {
  await withSink({ holdBytes: 100 }, async (sink, dir) => {
    const path = `${dir}/r.csv`;
    await sink.add(chunk(2, 4, 2)); // 128 bytes counted: over the budget, written now
    assertEquals(dataLines(await Deno.readTextFile(path)), dataLines(EXPECTED_CSV).slice(4));
    await sink.add(chunk(1, 2, 2));
    await sink.add(chunk(0, 0, 2));
    await sink.finish(undefined, 1);
    assertStrictEquals(await Deno.readTextFile(path), EXPECTED_CSV);
  });
});

Deno.test("SweepSink.close puts held rows on disk: a stopped sweep loses no finished row", async () => {
  await withSink({}, async (sink, dir) => {
    const held = sink.add(chunk(1, 2, 4));
    await sink.close();
    await held;
    const lines = dataLines(await Deno.readTextFile(`${dir}/r.csv`));
    assertEquals(lines, dataLines(EXPECTED_CSV).slice(2));
    assert(lines.length === 4);
  });
});

Deno.test("SweepSink reports a backlog while over 32 MiB of encoded rows wait to be written", async () => {
  await withSink({}, async (sink) => {
    const big = chunk(0, 0, ROWS);
    // One chunk whose encoded text is just over the budget.
    const line = new TextEncoder().encode("0.5,1,true\n");
    const csv = new Uint8Array(Math.ceil((32 * 2 ** 20 + 1) / line.length) * line.length);
    for (let at = 0; at < csv.length; at += line.length) csv.set(line, at);
    big.results!.csv = csv;
    big.results!.jsonl = new Uint8Array(0);
    assertStrictEquals(sink.backlogged, false);
    const added = sink.add(big);
    assertStrictEquals(sink.backlogged, true);
    await added;
    assertStrictEquals(sink.backlogged, false);
  });
});
