// Results files flushed to the disk while they are written (src/io/_flush_ahead.ts): the CSV and
// JSON Lines writer (RowWriter) and the Arrow stream start a flush on a second handle every 16 MiB, close
// waits for it and closes that handle, and a file that cannot be opened again is only flushed at
// close. A file's open handles are found in /proc/self/fd (Linux), by where each one leads: other
// test files may open and close their own meanwhile.
import { FlushAhead } from "../src/io/_flush_ahead.ts";
import { RESULTS_FILE_DEFAULTS } from "../src/_defaults.ts";
import { resultsFormat } from "../src/io/_formats.ts";
import { RowWriter } from "../src/io/row_writer.ts";
import { assertEquals, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const linux = Deno.build.os === "linux";
const handlesOf = (path: string) => {
  const real = Deno.realPathSync(path);
  return [...Deno.readDirSync("/proc/self/fd")].filter((fd) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${fd.name}`) === real;
    } catch {
      return false; // closed since it was listed
    }
  }).length;
};

Deno.test({
  name: "FlushAhead flushes past its threshold on a handle of its own, which close closes",
  ignore: !linux,
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/f.bin`;
      await Deno.writeFile(path, new Uint8Array(1024));
      const ahead = new FlushAhead(path);
      ahead.wrote(RESULTS_FILE_DEFAULTS.syncAheadBytes - 1);
      await ahead.close();
      // Under the threshold: no flush, no handle.
      assertStrictEquals(handlesOf(path), 0);
      const again = new FlushAhead(path);
      again.wrote(RESULTS_FILE_DEFAULTS.syncAheadBytes);
      await again.close();
      assertStrictEquals(handlesOf(path), 0);
      assertStrictEquals(again.error, undefined);
    });
  },
});

Deno.test("FlushAhead leaves a file it cannot open again to the flush at close, without failing", async () => {
  await withTempDir(async (dir) => {
    // A directory cannot be opened for writing: no flush goes ahead, and none is tried again.
    const ahead = new FlushAhead(dir);
    for (let k = 0; k < 3; k++) ahead.wrote(RESULTS_FILE_DEFAULTS.syncAheadBytes);
    await ahead.close();
    assertStrictEquals(ahead.error, undefined);
  });
});

Deno.test({
  name: "an Arrow stream past the threshold is whole when closed, and its handles all closed",
  ignore: !linux,
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/r.arrow`;
      const arrow = await resultsFormat("arrow");
      const writer = await arrow.open(path, { paramNames: ["x"], outputNames: ["y"] });
      // Three batches of 8 MiB of values each: a flush starts after the second.
      const rows = 2 ** 19;
      for (let k = 0; k < 3; k++) {
        const params = Float64Array.from({ length: rows }, (_, i) => k * rows + i);
        await writer.write({
          rows,
          params,
          outputs: params.map((x) => 2 * x),
          success: new Uint8Array(rows).fill(1),
        });
      }
      await writer.close();
      assertStrictEquals(handlesOf(path), 0);
      const back = await arrow.read(path, { paramNames: ["x"], outputNames: ["y"] });
      assertEquals(back.rows, 3 * rows);
      assertEquals([back.params[3 * rows - 1], back.outputs[3 * rows - 1]], [
        3 * rows - 1,
        2 * (3 * rows - 1),
      ]);
    });
  },
});

Deno.test({
  name: "a CSV file past the threshold is whole when closed, and its handles all closed",
  ignore: !linux,
  fn: async () => {
    // Writes of 10 MiB each: the second starts a flush on a handle of its own while the writer
    // goes on; close waits for it and closes that handle too.
    await withTempDir(async (dir) => {
      const path = `${dir}/r.csv`;
      const writer = await RowWriter.open(path, { paramNames: ["x"], outputNames: [] });
      const line = new TextEncoder().encode("0.5,true\n");
      const rows = Math.ceil((10 * 2 ** 20) / line.length);
      const bytes = new Uint8Array(rows * line.length);
      for (let at = 0; at < bytes.length; at += line.length) bytes.set(line, at);
      for (let k = 0; k < 3; k++) await writer.writeEncoded(bytes, rows);
      await writer.close();
      assertStrictEquals(handlesOf(path), 0);
      const text = await Deno.readTextFile(path);
      assertStrictEquals(text.length, "x,success\n".length + 3 * bytes.length);
      assertStrictEquals(writer.rowsWritten, 3 * rows);
    });
  },
});
