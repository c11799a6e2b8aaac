// Issue 14: "kill -9 during a sweep to each streaming format loses at most the last quarter
// second of rows". Rows the main thread has received wait in memory only for a timer (the sink
// holds an out-of-turn chunk up to 250 ms, HDF5 appends every 250 ms), never for rows still to
// come. So with the sweep stalled (its next row never returns) every received row must reach
// every file on those timers alone, and stay there through SIGKILL. A writer that waited for
// more rows (a count, the next chunk, the end) would leave this test waiting.
import { assert, assertEquals } from "./_assert.ts";
import { resultsFormat, type ResultsFormatName } from "../src/io/_formats.ts";
import { partialPath } from "../src/io/_parquet.ts";
import { withTempDir } from "./_temp.ts";

const gated = new URL("./fixtures/gated_sweep.ts", import.meta.url).pathname;
const FORMATS: ResultsFormatName[] = ["csv", "jsonl", "arrow", "h5", "parquet"];
const RECEIVED = 30;
const rowsOnScript = new URL("./fixtures/rows_on.ts", import.meta.url).pathname;

// The rows a format's file holds now (Parquet: its partial stream), or 0 while it cannot be
// read yet. HDF5 is read in a fresh process each time (see fixtures/rows_on.ts); the others here.
async function rowsOn(format: ResultsFormatName, path: string): Promise<number> {
  if (format === "h5") {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", rowsOnScript, format, path],
      stdout: "piped",
      stderr: "null",
    }).output();
    return Number(new TextDecoder().decode(out.stdout).trim()) || 0;
  }
  try {
    const disk = await (await resultsFormat(format)).read(path, {}, true);
    return disk.rows;
  } catch {
    return 0;
  }
}

// Both ways a sweep runs: keeping its rows (the library's default) and keeping none (what the
// CLI runs for every format).
for (const keep of ["kept", "not kept"] as const) {
  Deno.test(`kill -9 of a stalled sweep, rows ${keep}: every row the main thread received is on disk in every streaming format`, async () => {
    await withTempDir(async (dir) => {
      const base = `${dir}/out`;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-worker-options", "--no-prompt", gated, base, keep],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const stderr = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream(),
      );
      try {
        // The sweep never gets past row 30: wait for each file to hold the 30 rows before it,
        // which only the writers' timers can put there.
        for (const format of FORMATS) {
          const path = `${base}.${format}`;
          while (await rowsOn(format, path) < RECEIVED) {
            const status = await Promise.race([
              child.status,
              new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50)),
            ]);
            assert(status === undefined, `the sweep ended early (code ${status?.code})`);
          }
        }
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await stderr;
      }
      for (const format of FORMATS) {
        const path = `${base}.${format}`;
        const disk = await (await resultsFormat(format)).read(path, {}, true);
        assertEquals(disk.rows, RECEIVED, format);
        for (let i = 0; i < RECEIVED; i++) {
          const x = disk.params[i];
          assertEquals(x, i, `${format}: row ${i} in combination order`);
          assertEquals(disk.success[i], x === 7 ? 0 : 1, `${format}: row ${i}'s outcome`);
          if (x !== 7) assertEquals(disk.outputs[i], 3 * x, `${format}: row ${i}'s y`);
        }
        if (format === "parquet") {
          // The Parquet file itself is written only at the end; the crash left its stream.
          assert(await Deno.stat(partialPath(path)).then(() => true, () => false));
        }
      }
    });
  });
}
