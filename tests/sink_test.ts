// The sweep's sink (src/sweep/_sink.ts): chunks that finish out of order are held back briefly
// so that results files are written in row order and need no rewrite at the end.
import { LocalResults } from "../src/parallel/parallel_manager.ts";
import type { ChunkOutput } from "../src/sweep/_driver.ts";
import { type SinkOptions, SweepSink } from "../src/sweep/_sink.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { resultsFormat, type ResultsFormatName } from "../src/io/_formats.ts";
import { partialPath } from "../src/io/_parquet.ts";
import { completeLength, EOS } from "../src/io/_arrow_ipc.ts";

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

Deno.test("SweepSink reports a backlog while more rows wait to be written than backlogBytes", async () => {
  // Six rows of one output count 6 x 8 x (1 + 2) = 144 bytes (values, index, flags): over 100.
  await withSink({ backlogBytes: 100 }, async (sink) => {
    assertStrictEquals(sink.backlogged, false);
    const added = sink.add(chunk(0, 0, ROWS));
    assertStrictEquals(sink.backlogged, true);
    await added;
    assertStrictEquals(sink.backlogged, false);
  });
});

// A chunk whose rows all failed as a whole (its worker timed out, say): no output names.
function failedChunk(processNumber: number, first: number, rows: number) {
  const data = new Float64Array(rows * 2);
  for (let i = 0; i < rows; i++) data.set([first + i, params[first + i]], 2 * i);
  return new LocalResults<ChunkOutput>(processNumber, { rows, columns: 2, data }, undefined, {
    name: "TimeoutError",
    message: "too slow",
  });
}

Deno.test("SweepSink writes rows that failed before any output name in order once names come", async () => {
  const done: number[] = [];
  await withSink(
    { outputs: undefined, progressIntervalMs: 0, onProgress: (p) => done.push(p.done) },
    async (sink, dir) => {
      const path = `${dir}/r.csv`;
      // Rows 2..5 fail before any row gave output names: nothing can be written yet, and
      // nothing counts as done; the chunk's promise resolves at once all the same, so that it
      // holds no worker back.
      await sink.add(failedChunk(1, 2, 4));
      assertStrictEquals(await Deno.stat(path).then(() => true, () => false), false);
      assertStrictEquals(done.at(-1) ?? 0, 0);
      // Rows 0..1 bring the names: both chunks go to disk, in row order, with no wait.
      await sink.add(chunk(0, 0, 2));
      const before = (await Deno.stat(path)).ino;
      await sink.finish(undefined, 1);
      assertStrictEquals((await Deno.stat(path)).ino, before, "written in order: no rewrite");
      const lines = dataLines(await Deno.readTextFile(path));
      assertEquals(lines.map((line) => line.split(",")[0]), [...params].map(String));
      assertEquals(lines[2], "2.5,NaN,false");
      assertStrictEquals(done.at(-1), ROWS);
    },
  );
});

Deno.test("SweepSink never holds the workers back on rows that wait for output names", async () => {
  // A model that returns no outputs at all: every row waits for names that never come. Over
  // the backlog budget, a promise that waited for them would stop the sweep for good.
  await withSink({ outputs: undefined, backlogBytes: 1 }, async (sink, dir) => {
    const rows = chunk(0, 0, ROWS);
    rows.results!.names = [];
    rows.results!.firstNames = [];
    rows.results!.values = [];
    const added = sink.add(rows).then(() => "resolved");
    // Settled within this task: no file to wait for.
    const first = await Promise.race([
      added,
      new Promise((resolve) => setTimeout(() => resolve("pending"), 0)),
    ]);
    assertStrictEquals(first, "resolved");
    assertStrictEquals(sink.backlogged, false);
    sink.drain();
    const result = await sink.finish(undefined, 1);
    assertEquals(result.outputNames, []);
    assertEquals(dataLines(await Deno.readTextFile(`${dir}/r.csv`)).length, ROWS);
  });
});

Deno.test("SweepSink.drain right after held chunks went out does not write them twice", async () => {
  // holdBytes 1: the held chunk is over the budget and released at once; drain() then comes
  // while that write is under way, at each step of it.
  for (let steps = 0; steps <= 8; steps++) {
    await withSink({ jsonl: undefined, holdBytes: 1 }, async (sink, dir) => {
      await sink.add(chunk(0, 0, 1));
      const held = sink.add(chunk(2, 3, 3));
      for (let i = 0; i < steps; i++) await null;
      sink.drain();
      await held;
      await sink.close();
      const lines = dataLines(await Deno.readTextFile(`${dir}/r.csv`));
      assertEquals(lines.map((line) => line.split(",")[0]), ["0.5", "3.5", "4.5", "5.5"]);
    });
  }
});

Deno.test("SweepSink: a failed write rejects the chunks waiting behind it, and nothing else", async () => {
  // Deno's test runner fails a test on any unhandled rejection: every failure must reach a
  // chunk's own promise.
  await withSink({}, async (sink) => {
    await sink.add(chunk(0, 0, 1));
    const held = sink.add(chunk(2, 3, 3)).then(() => "written", (e: Error) => e.message);
    const write = Deno.FsFile.prototype.write;
    Deno.FsFile.prototype.write = () => Promise.reject(new Error("no space left (test)"));
    try {
      // Rows 1..2 fail to be written, and with them the held rows 3..5 that follow.
      const next = await sink.add(chunk(1, 1, 2)).then(() => "written", (e: Error) => e.message);
      // The message names the file as well as what the system said.
      assertMatch(next, /^Cannot write rows to ".*\/r\.csv": no space left \(test\)$/);
      assertMatch(await held, /no space left \(test\)|as an earlier write to .* failed/);
    } finally {
      Deno.FsFile.prototype.write = write;
    }
  });
});

Deno.test("SweepSink resumes from the JSON Lines file when the CSV file is gone", async () => {
  await withTempDir(async (dir) => {
    const first = await SweepSink.open(sinkOptions(dir));
    await first.add(chunk(0, 0, 2));
    await first.close();
    await Deno.remove(`${dir}/r.csv`);
    const sink = await SweepSink.open(sinkOptions(dir, { resume: true }));
    try {
      assertEquals([...sink.missingRows()!], [2, 3, 4, 5]);
      await sink.add(chunk(1, 2, 4));
      await sink.finish(undefined, 1);
    } finally {
      await sink.close();
    }
    assertStrictEquals(await Deno.readTextFile(`${dir}/r.csv`), EXPECTED_CSV);
    const jsonl = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n");
    assertEquals(jsonl.map((line) => JSON.parse(line).params.x), [...params]);
  });
});

Deno.test("SweepSink closes the files it opened when another cannot be opened", async () => {
  // Which files this process holds open; other tests run beside this one, so look for ours.
  const openPaths = () =>
    [...Deno.readDirSync("/proc/self/fd")].map((e) => {
      try {
        return Deno.readLinkSync(`/proc/self/fd/${e.name}`);
      } catch {
        return "";
      }
    });
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/sub`);
    const sink = await SweepSink.open(sinkOptions(dir, { jsonl: `${dir}/sub/r.jsonl` }));
    // (Its lock file is there: the run holds it.)
    await Deno.remove(`${dir}/sub`, { recursive: true });
    // The CSV file opens; the JSON Lines file cannot.
    await assertRejects(() => sink.add(chunk(0, 0, 2)), Deno.errors.NotFound);
    assert(!openPaths().includes(`${dir}/r.csv`), "the CSV file was left open");
    await sink.close();
  });
});

Deno.test("SweepSink resumes from the JSON Lines file when both exist, keeping failed rows' messages", async () => {
  await withTempDir(async (dir) => {
    const first = await SweepSink.open(sinkOptions(dir));
    await first.add(chunk(0, 0, 4));
    await first.close();
    const sink = await SweepSink.open(sinkOptions(dir, { resume: true }));
    let result;
    try {
      assertEquals([...sink.missingRows()!], [4, 5]);
      await sink.add(chunk(1, 4, 2));
      result = await sink.finish(undefined, 1);
    } finally {
      await sink.close();
    }
    // The CSV file records no messages; the JSON Lines file does, and they survive.
    assertEquals([...result.errors], [[3, "row 3 failed"]]);
    assertStrictEquals(await Deno.readTextFile(`${dir}/r.csv`), EXPECTED_CSV);
    const jsonl = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n");
    assertEquals(jsonl.map((line) => JSON.parse(line).params.x), [...params]);
    assertStrictEquals(JSON.parse(jsonl[3]).error, "row 3 failed");
  });
});

Deno.test("SweepSink refuses to resume with other named outputs than the file's", async () => {
  await withTempDir(async (dir) => {
    const first = await SweepSink.open(sinkOptions(dir));
    await first.add(chunk(0, 0, 2));
    await first.close();
    await assertRejects(
      () => SweepSink.open(sinkOptions(dir, { resume: true, outputs: ["y", "z"] })),
      Error,
      "outputNames",
    );
  });
});

// Arrow, HDF5 and Parquet's stream take batches out of order as the text files do: at the end
// each is rewritten from its own batches put in row order (not from the result's rows, which a
// sweep that keeps none does not have), one batch at a time.
for (const keepRows of [true, false]) {
  Deno.test(`SweepSink puts the batches of Arrow, HDF5 and Parquet in row order at the end (keepRows ${keepRows})`, async () => {
    await withTempDir(async (dir) => {
      const files = { arrow: `${dir}/r.arrow`, h5: `${dir}/r.h5`, parquet: `${dir}/r.parquet` };
      const sink = await SweepSink.open({
        ...sinkOptions(dir, { csv: undefined, jsonl: undefined, keepRows, holdBytes: 1 }),
        ...files,
      });
      try {
        // Over the hold budget: each chunk goes to disk as it comes, out of order.
        await sink.add(chunk(2, 4, 2));
        await sink.add(chunk(0, 0, 2));
        await sink.add(chunk(1, 2, 2));
        const stream = await Deno.readFile(partialPath(files.parquet));
        if (keepRows) await sink.finish(undefined, 1);
        else await sink.finishSummary(undefined, 1);
        // The stream's schema and three batches, as they were written, in row order.
        const arrow = await Deno.readFile(files.arrow);
        assertEquals(completeLength(arrow).messages, 4);
        assertEquals(arrow.length, stream.length + EOS.length);
        assertStrictEquals(await Deno.stat(partialPath(files.parquet)).catch(() => null), null);
        for (const [format, path] of Object.entries(files)) {
          const disk = await (await resultsFormat(format as ResultsFormatName)).read(path);
          assertEquals([...disk.params], [...params], format);
          assertEquals([...disk.outputs], [1, 3, 5, NaN, 9, 11], format);
          assertEquals([...disk.success], [1, 1, 1, 0, 1, 1], format);
        }
      } finally {
        await sink.close();
      }
    });
  });
}

Deno.test("a resumed sweep's first failure is the first whose message is known, not a CSV row that records none", async () => {
  const { linearSample, parameterSweep } = await import("../mod.ts");
  await withTempDir(async (dir) => {
    const model = `${dir}/model.js`;
    await Deno.writeTextFile(
      model,
      `export const evaluate = (_, p) => {
        if (p.x === 1 || p.x === 4) throw new Error("no solution at " + p.x);
        return { y: p.x };
      };`,
    );
    const options = {
      model: new URL(`file://${model}`),
      params: { x: linearSample(0, 5, 6) },
      workers: 1,
      csv: `${dir}/r.csv`,
      keepResult: false as const,
    };
    const first = await parameterSweep(options);
    assertEquals(first.firstError, { row: 1, message: "Error: no solution at 1" });
    // An interrupted run: the rows of x = 0, 1, 2 reached the file (x = 1 failed, without its
    // message, which CSV does not keep).
    const lines = (await Deno.readTextFile(`${dir}/r.csv`)).split("\n");
    await Deno.writeTextFile(`${dir}/r.csv`, lines.slice(0, 4).join("\n") + "\n");
    const resumed = await parameterSweep({ ...options, resume: true });
    assertEquals(resumed.stats.resumed, 3);
    assertEquals(resumed.stats.failed, 2);
    assertEquals(resumed.firstError, { row: 4, message: "Error: no solution at 4" });
  });
});
