// Models of many outputs (WaterTAP flowsheets often record hundreds): a chunk's columns travel on
// one buffer, not one each, and every format records them all. (A buffer per column made 2,000 rows
// of 1,023 outputs take seconds in messages alone; the time itself is the benchmark's,
// bench/many_outputs.ts.)
import { linearSample, parameterSweep } from "../mod.ts";
import { buildSweep, type ChunkOutput, executeSweep } from "../src/sweep/_driver.ts";
import { claimPartialOutlet } from "../src/parallel/_partial_results.ts";
import { takeParts } from "./_outlet.ts";
import { resultsFormat } from "../src/io/_formats.ts";
import { openH5, readH5, reorderH5 } from "../src/io/_h5.ts";
import { type BatchHeader, plainBatch } from "../src/io/_arrow_batches.ts";
import type { WrittenBlock } from "../src/io/row_writer.ts";
import { assert, assertEquals, assertRejects, assertSameBits } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const OUTPUTS = 300;
// Outputs o0..o299 from the first row on, and `late` from row 2 on.
const SOURCE = `
  export function evaluate(_, p) {
    const out = {};
    for (let k = 0; k < ${OUTPUTS}; k++) out["o" + k] = p.x * 1000 + k;
    if (p.x >= 2) out.late = -p.x;
    return out;
  }`;

function buffersOf(out: ChunkOutput): Set<ArrayBufferLike> {
  return new Set(out.values.map((v) => v.buffer));
}

Deno.test("a chunk's output columns lie on one buffer, in parts sent ahead and in the whole chunk, whatever its outputs", async () => {
  const open = claimPartialOutlet();
  const model = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
  try {
    const [ctx] = await buildSweep({ model, paramNames: ["x"], rebuildOnFailure: false });
    const data = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    // No outlet: the chunk returns its own columns, one buffer per time new names appeared.
    const whole = await executeSweep({ rows: 5, columns: 2, data }, ctx);
    assertEquals(whole.names.length, OUTPUTS + 1);
    assertEquals(buffersOf(whole).size, 2);
    // An outlet that takes every row as soon as it is due: each part is copied onto one buffer.
    const parts = takeParts(open);
    // (With holdMs 0 the driver sends what finished whenever it reads the clock: at rows 1, 3.)
    const rest = await executeSweep({ rows: 5, columns: 2, data }, ctx);
    assert(parts.length >= 1, "rows went ahead of the chunk");
    for (const out of [...parts, rest]) {
      assertEquals(buffersOf(out).size, 1, `the part of rows ${[...out.index]} lies on one buffer`);
      assertEquals(out.values.length, out.names.length);
    }
    // Every row's values, whichever way it went, under its names.
    const all = [...parts, rest];
    assertEquals(all.flatMap((out) => [...out.index]), [0, 1, 2, 3, 4]);
    for (const out of all) {
      out.index.forEach((x, i) => {
        out.names.forEach((name, c) => {
          const want = name === "late" ? (x >= 2 ? -x : NaN) : x * 1000 + Number(name.slice(1));
          assertSameBits([out.values[c][i]], [want], `${name} of row ${x}`);
        });
      });
    }
  } finally {
    URL.revokeObjectURL(model);
  }
});

for (const format of ["csv", "jsonl", "arrow", "h5", "parquet"] as const) {
  for (const keepResult of [true, false]) {
    Deno.test(`${format}: a sweep of ${OUTPUTS} outputs records every one of them${keepResult ? "" : ", keeping no rows"}`, async () => {
      await withTempDir(async (dir) => {
        const model = `${dir}/model.js`;
        await Deno.writeTextFile(model, SOURCE);
        const path = `${dir}/r.${format}`;
        const options = {
          model: new URL(`file://${model}`),
          params: { x: linearSample(0, 59, 60) },
          workers: 2,
          [format]: path,
        };
        const result = keepResult
          ? await parameterSweep(options)
          : await parameterSweep({ ...options, keepResult: false });
        assertEquals(result.rows, 60);
        const back = await (await resultsFormat(format)).read(path);
        if (format === "h5") {
          // HDF5 stores whole chunks: 303 datasets of 128 KiB chunks made a 40 MB file of 60 rows.
          const { size } = await Deno.stat(path);
          assert(size < 24 * 2 ** 20, `${size} bytes`);
        }
        assertEquals(back.rows, 60);
        assertEquals(back.outputNames.length, OUTPUTS + 1);
        const K = back.outputNames.length;
        for (let r = 0; r < back.rows; r++) {
          const x = back.params[r];
          assertEquals(x, r, "rows in order");
          back.outputNames.forEach((name, c) => {
            const want = name === "late" ? (x >= 2 ? -x : NaN) : x * 1000 + Number(name.slice(1));
            assertSameBits([back.outputs[r * K + c]], [want], `${name} of row ${r}`);
          });
        }
      });
    });
  }
}

Deno.test("h5: rows put in order a dataset at a time equal rows copied block by block", async () => {
  await withTempDir(async (dir) => {
    const header = { extraNames: [], paramNames: ["x"], outputNames: ["a", "b"] };
    const writer = await openH5(`${dir}/r.h5`, header);
    const blocks: WrittenBlock[] = [];
    // Runs of rows out of order: 6..9, 0..2, 3..5 (x is the row's place).
    for (const [from, to] of [[6, 10], [0, 3], [3, 6]]) {
      const rows = to - from;
      const params = Float64Array.from({ length: rows }, (_, i) => from + i);
      const outputs = new Float64Array(rows * 2);
      params.forEach((x, i) => {
        outputs[2 * i] = x === 4 ? NaN : 10 * x;
        outputs[2 * i + 1] = -0 - x;
      });
      const success = Uint8Array.from(params, (x) => (x === 4 ? 0 : 1));
      blocks.push((await writer.write({ rows, params, outputs, success }))!);
    }
    await writer.close();
    const order = [blocks[1], blocks[2], blocks[0]];
    await Deno.copyFile(`${dir}/r.h5`, `${dir}/s.h5`);
    await reorderH5(`${dir}/r.h5`, header, order);
    await reorderH5(`${dir}/s.h5`, header, order, 0);
    const whole = await readH5(`${dir}/r.h5`);
    const byBlock = await readH5(`${dir}/s.h5`);
    assertEquals([...whole.params], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assertSameBits(whole.outputs, [...byBlock.outputs], "outputs");
    assertEquals([...whole.success], [...byBlock.success]);
    assertEquals([...whole.success], [1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    assertSameBits(
      [whole.outputs[8], whole.outputs[9], whole.outputs[1]],
      [NaN, -4, -0],
      "row 4, row 0",
    );
  });
});

Deno.test("arrow: psweep's own batch reader gives what apache-arrow reads, and a stream it does not take (nulls) is read by apache-arrow", async () => {
  const A = await import("apache-arrow");
  const { decodeArrow } = await import("../src/io/_arrow.ts");
  const header = { extraNames: [], paramNames: ["x"], outputNames: ["y"] };
  const fields = [
    new A.Field("x", new A.Float64(), true),
    new A.Field("y", new A.Float64(), true),
    new A.Field("success", new A.Bool(), true),
  ];
  const schema = new A.Schema(fields, new Map([["psweep", JSON.stringify(header)]]));
  // Two batches of 3 and 70 rows (a success bitmap over more than a byte), with -0 and NaN.
  const batchOf = (x: number[], y: number[], nulls?: Uint8Array) => {
    const n = x.length;
    const bits = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (i % 3 !== 1) bits[i >> 3] |= 1 << (i & 7);
    const children = [
      A.makeData({ type: new A.Float64(), length: n, nullCount: 0, data: Float64Array.from(x) }),
      A.makeData({
        type: new A.Float64(),
        length: n,
        nullCount: nulls ? 1 : 0,
        data: Float64Array.from(y),
        ...(nulls ? { nullBitmap: nulls } : {}),
      }),
      A.makeData({ type: new A.Bool(), length: n, nullCount: 0, data: bits }),
    ];
    return new A.RecordBatch(
      schema,
      A.makeData({ type: new A.Struct(fields), length: n, nullCount: 0, children }),
    );
  };
  const xs = Array.from({ length: 70 }, (_, i) => i + 3);
  for (
    const nulls of [undefined, Uint8Array.of(0b11111110, 255, 255, 255, 255, 255, 255, 255, 255)]
  ) {
    const writer = new A.RecordBatchStreamWriter();
    writer.write(batchOf([0, 1, 2], [-0, NaN, 2.5]));
    writer.write(batchOf(xs, xs.map((x) => x / 7), nulls));
    writer.finish();
    const bytes = writer.toUint8Array(true);
    const mine = await decodeArrow("t.arrow", bytes);
    const theirs = A.tableFromIPC(bytes);
    assertEquals(mine.rows, 73);
    assertSameBits(mine.params, [...theirs.getChild("x")!.toArray()], "x");
    assertSameBits(mine.outputs, [...theirs.getChild("y")!.toArray()], "y");
    assertEquals([...mine.success], [...theirs.getChild("success")!].map((b) => (b ? 1 : 0)));
    assertSameBits(mine.outputs.subarray(0, 2), [-0, NaN], "-0 and NaN");
    // Which batches psweep's reader takes itself: all of them, unless one holds a null.
    const reader = new A.MessageReader(bytes);
    reader.readSchema();
    const taken: boolean[] = [];
    for (let m = reader.readMessage(); m !== null; m = reader.readMessage()) {
      const body = reader.readMessageBody(m.bodyLength);
      taken.push(plainBatch(m.header() as unknown as BatchHeader, body, 2) !== undefined);
    }
    assertEquals(taken, [true, nulls === undefined]);
  }
});

Deno.test("h5: a writer appends once its buffer holds bufferBytes of rows, or at the end of rows, without waiting for its timer", async () => {
  await withTempDir(async (dir) => {
    const outputNames = Array.from({ length: 98 }, (_, i) => `o${i}`);
    const header = { extraNames: [], paramNames: ["x"], outputNames };
    // 100 datasets (x, 98 outputs, success): 10 rows of them are 8,000 bytes.
    const writer = await openH5(`${dir}/r.h5`, header, { bufferBytes: 8000 });
    const rows = (n: number, from: number) => ({
      rows: n,
      params: Float64Array.from({ length: n }, (_, i) => from + i),
      outputs: new Float64Array(n * 98).fill(1),
      success: new Uint8Array(n).fill(1),
    });
    const nine = writer.write(rows(9, 0));
    assertEquals(writer.rowsWritten, 0, "9 rows wait in the buffer");
    const tenth = writer.write(rows(1, 9));
    assertEquals(writer.rowsWritten, 10, "the 10th row made an append at once");
    await Promise.all([nine, tenth]);
    // The run's end: what is buffered goes now, and so does every later write.
    const three = writer.write(rows(3, 10));
    assertEquals(writer.rowsWritten, 10);
    writer.endOfRows!();
    assertEquals(writer.rowsWritten, 13);
    const last = writer.write(rows(1, 13));
    assertEquals(writer.rowsWritten, 14);
    await Promise.all([three, last]);
    await writer.close();
    assertEquals([...(await readH5(`${dir}/r.h5`)).params], [...Array(14).keys()]);
  });
});

Deno.test("h5: putting rows in order refuses blocks past the datasets' end, either way", async () => {
  await withTempDir(async (dir) => {
    const header = { extraNames: [], paramNames: ["x"], outputNames: ["a"] };
    const writer = await openH5(`${dir}/r.h5`, header);
    const block = await writer.write({
      rows: 3,
      params: Float64Array.of(0, 1, 2),
      outputs: Float64Array.of(0, 10, 20),
      success: Uint8Array.of(1, 1, 1),
    });
    await writer.close();
    const blocks = [block!, { offset: 3, bytes: 2 }];
    await assertRejects(
      () => reorderH5(`${dir}/r.h5`, header, blocks),
      RangeError,
      "holds 3 rows where the blocks reach row 5",
    );
    await assertRejects(() => reorderH5(`${dir}/r.h5`, header, blocks, 0));
    assertEquals([...(await readH5(`${dir}/r.h5`)).params], [0, 1, 2], "the file is as it was");
  });
});
