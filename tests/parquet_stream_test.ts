// Parquet's final write, a row group at a time: from the table of a sweep's rows, or from the
// Arrow stream kept beside the file while the sweep ran. Either way the bytes are those that
// hyparquet-writer makes of the whole table in one buffer (what psweep wrote before), so that
// readers see the same file; the memory this saves is measured in bench/parquet_memory.ts.
import { parquetWriteBuffer } from "npm:hyparquet-writer@0.17.0";
import zlib from "node:zlib";
import { parquetFormat, partialPath, tableParquetChunks } from "../src/io/_parquet.ts";
import { columnNames } from "../src/io/_results_format.ts";
import { normalizeHeader } from "../src/io/_rows.ts";
import { ARROW_META_KEY } from "../src/io/_arrow.ts";
import { RESULTS_FILE_DEFAULTS } from "../src/_defaults.ts";
import type { RowTable } from "../src/io/row_types.ts";
import { fixedSample, parameterSweep } from "../mod.ts";
import { assertEquals, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const GROUP = RESULTS_FILE_DEFAULTS.parquet.rowGroupRows;

/** The whole table in one `parquetWriteBuffer` call: the reference bytes. */
function wholeBuffer(table: RowTable): Uint8Array {
  const names = normalizeHeader(table, "test");
  const columnName = columnNames(names);
  const P = names.paramNames.length;
  const O = names.outputNames.length;
  const column = (m: Float64Array, w: number, j: number) =>
    Float64Array.from({ length: table.rows }, (_, r) => m[r * w + j]);
  const doubles = (name: string, data: Float64Array) => ({
    name,
    data,
    type: "DOUBLE" as const,
    nullable: false,
    encoding: "PLAIN" as const,
  });
  const E = names.extraNames.length;
  return new Uint8Array(parquetWriteBuffer({
    codec: "ZSTD",
    compressors: { ZSTD: (b: Uint8Array) => new Uint8Array(zlib.zstdCompressSync(b)) },
    rowGroupSize: GROUP,
    kvMetadata: [{ key: ARROW_META_KEY, value: JSON.stringify(names) }],
    columnData: [
      ...names.extraNames.map((n, i) => doubles(columnName[i], table.extra![n])),
      ...names.paramNames.map((_, j) => doubles(columnName[E + j], column(table.params, P, j))),
      ...names.outputNames.map((_, j) =>
        doubles(columnName[E + P + j], column(table.outputs, O, j))
      ),
      {
        name: "success",
        data: Array.from(table.success, (v) => v === 1),
        type: "BOOLEAN" as const,
        nullable: false,
      },
    ],
  }));
}

/** A table of `rows` rows over two row groups and a bit, with NaN, -0 and failures in it. */
function sampleTable(rows: number, extra: boolean): RowTable {
  const params = new Float64Array(rows * 2);
  const outputs = new Float64Array(rows * 2);
  const success = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    params[r * 2] = r / 7;
    params[r * 2 + 1] = r % 5 === 0 ? -0 : Math.sin(r);
    const ok = r % 13 !== 0;
    success[r] = ok ? 1 : 0;
    outputs[r * 2] = ok ? r * 1.5 : NaN;
    outputs[r * 2 + 1] = ok ? Math.sqrt(r) : NaN;
  }
  return {
    paramNames: ["a", "b"],
    outputNames: ["a", "y"], // an output with a parameter's name
    rows,
    params,
    outputs,
    success,
    ...(extra
      ? {
        extraNames: ["nominalIndex", "differentialIndex"],
        extra: {
          nominalIndex: Float64Array.from({ length: rows }, (_, r) => r >> 2),
          differentialIndex: Float64Array.from({ length: rows }, (_, r) => r % 4 ? r : NaN),
        },
      }
      : {}),
  };
}

async function concat(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

/** Streams `table` to `path`'s partial Arrow stream in batches of uneven sizes. */
async function streamTable(path: string, table: RowTable, sizes: number[]): Promise<void> {
  const writer = await parquetFormat.open(path, table);
  let from = 0;
  for (let i = 0; from < table.rows; i++) {
    const n = Math.min(sizes[i % sizes.length], table.rows - from);
    const P = table.paramNames.length;
    const O = table.outputNames.length;
    await writer.write({
      rows: n,
      params: table.params.slice(from * P, (from + n) * P),
      outputs: table.outputs.slice(from * O, (from + n) * O),
      success: table.success.slice(from, from + n),
      ...(table.extra
        ? {
          extra: Object.fromEntries(
            Object.entries(table.extra).map(([k, v]) => [k, v.slice(from, from + n)]),
          ),
        }
        : {}),
    });
    from += n;
  }
  await writer.close();
}

for (const extra of [false, true]) {
  const what = extra ? " (with a differential sweep's extra columns)" : "";
  Deno.test(`parquet: a table written a row group at a time is the whole-buffer file${what}`, async () => {
    for (const rows of [0, 1, GROUP, 2 * GROUP + 1234]) {
      const table = sampleTable(rows, extra);
      const chunks = await concat(tableParquetChunks(table));
      assertEquals(chunks.length, wholeBuffer(table).length, `${rows} rows`);
      assertEquals(chunks, wholeBuffer(table), `${rows} rows`);
    }
  });

  Deno.test(`parquet: written from its stream, batch by batch, it is the same file${what}`, async () => {
    await withTempDir(async (dir) => {
      for (const rows of [0, GROUP, 2 * GROUP + 1234]) {
        const table = sampleTable(rows, extra);
        const path = `${dir}/r${rows}.parquet`;
        // Batches that straddle row groups, one larger than a row group.
        await streamTable(path, table, [1000, 70_000, GROUP + 5, 3]);
        await parquetFormat.finalizeFromStream!(path, table, table.rows);
        assertEquals(await Deno.readFile(path), wholeBuffer(table), `${rows} rows`);
        await assertRejects(() => Deno.stat(partialPath(path)), Deno.errors.NotFound);
        const back = await parquetFormat.read(path);
        assertEquals(back.rows, table.rows);
        assertEquals(back.outputNames, ["a", "y"]);
      }
    });
  });
}

Deno.test("parquet: a stream that does not hold the sweep's rows is refused, the stream kept", async () => {
  await withTempDir(async (dir) => {
    const table = sampleTable(500, false);
    const path = `${dir}/r.parquet`;
    await streamTable(path, table, [100]);
    await assertRejects(
      () => parquetFormat.finalizeFromStream!(path, table, 501),
      Error,
      "it holds 500 rows, not the 501 of the sweep",
    );
    await assertRejects(
      () => parquetFormat.finalizeFromStream!(path, table, 499),
      Error,
      "more than the 499 rows",
    );
    await assertRejects(
      () => parquetFormat.finalizeFromStream!(path, { ...table, outputNames: ["a", "z"] }, 500),
      Error,
      "Cannot write the Parquet file from the stream",
    );
    await assertRejects(() => Deno.stat(path), Deno.errors.NotFound);
    assertEquals((await parquetFormat.read(path, {}, true)).rows, 500);
  });
});

Deno.test("parquet: a sweep in row order writes the file from its stream, equal to its rows' table", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.parquet`;
    const model = new URL("./fixtures/models/analytic.ts", import.meta.url).pathname;
    const result = await parameterSweep({
      model,
      params: {
        a: fixedSample(Array.from({ length: 150 }, (_, i) => i / 3)),
        b: fixedSample([0, -0.5]),
      },
      outputs: ["sum", "product"],
      workers: 1,
      parquet: path,
    });
    const names = result.outputNames;
    const table: RowTable = {
      paramNames: ["a", "b"],
      outputNames: names,
      rows: result.rows,
      params: Float64Array.from(
        { length: result.rows * 2 },
        (_, i) => result.params[i % 2 ? "b" : "a"][Math.floor(i / 2)],
      ),
      outputs: Float64Array.from(
        { length: result.rows * names.length },
        (_, i) => result.outputs[names[i % names.length]][Math.floor(i / names.length)],
      ),
      success: Uint8Array.from(result.success),
    };
    assertEquals(await Deno.readFile(path), wholeBuffer(table));
  });
});
