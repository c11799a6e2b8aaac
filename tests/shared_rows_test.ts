// Issue 11, point 9, the synchronous case: a row that holds its worker's thread cannot let the
// worker send the rows of its chunk that finished before it, so the pool's main thread takes
// them from the memory the worker shares. The slow row of these tests never yields and waits
// until the rows ahead of it are in the results file: without the pool taking them it would
// wait for ever.
import { DenoWorkerManager, linearSample, parameterSweep, SingleProcessManager } from "../mod.ts";
import { assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { expected, killWhileRowWaits, lines, mpiRowWaits, range } from "./_slow_row.ts";
import { skipWithout } from "./_mpi.ts";
import { buildSweep, type ChunkOutput, executeSweep } from "../src/sweep/_driver.ts";
import {
  claimPartialOutlet,
  COUNTS,
  HANDED,
  LAYOUT,
  type SharedRowsPart,
} from "../src/parallel/_partial_results.ts";
import { SharedRows } from "../src/parallel/_shared_rows.ts";
import type { ChunkSharedMessage } from "../src/parallel/_protocol.ts";

const blocks = new URL("./fixtures/models/blocks_until_on_disk.ts", import.meta.url).pathname;
const syncRows = new URL("./fixtures/models/sync_rows.ts", import.meta.url).pathname;
// The outlet a pool worker opens for each chunk it runs, claimed once per thread: the tests that
// play the pool's worker open it themselves.
const open = claimPartialOutlet();

// Opens the outlet for the next chunk as the pool's worker does: layouts shared go to `onShare`
// as the pool's message, rows sent go to `onDeliver`, and no row is held long enough to go from
// this thread on its own.
function openAsWorker(
  counts: Int32Array,
  onShare: (message: ChunkSharedMessage) => void,
  onDeliver: (results: unknown) => void,
): void {
  let version = 0;
  open({
    holdMs: 1e9,
    counts,
    share(layout) {
      Atomics.store(counts, LAYOUT, ++version);
      onShare({ type: "chunkShared", job: 0, chunk: 0, counts, version, layout });
    },
    claim(to) {
      for (;;) {
        const from = Atomics.load(counts, HANDED);
        if (from >= to) return -1;
        if (Atomics.compareExchange(counts, HANDED, from, to) === from) return from;
      }
    },
    deliver(_from, _to, results) {
      onDeliver(results);
      return true;
    },
  });
}

Deno.test("the rows before a synchronous row that holds its worker, failed ones included, are on disk while it runs and survive kill -9 of the CLI", async () => {
  await killWhileRowWaits(blocks);
});

Deno.test("rows the pool took from a worker held by a synchronous row, failed ones included, are recorded once when that row then ends its worker", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.csv`;
    await Deno.writeTextFile(`${out}.gate`, "");
    await Deno.writeTextFile(`${out}.crash`, "");
    // Chunks of 10 rows: row 15 holds its worker until rows 10-14 of its own chunk (10 and 13
    // failed) are on disk, then ends the worker; retried alone, it succeeds.
    await using manager = new DenoWorkerManager({
      workers: 1,
      chunkSize: 10,
      permissions: { read: [dir], write: [dir] },
    });
    const r = await parameterSweep({
      model: blocks,
      buildOptions: { file: out, gate: 15, crash: 15 },
      params: { x: linearSample(0, 29, 30) },
      outputs: ["y"],
      csv: out,
      manager,
    });
    const want = expected(range(30));
    assertEquals(await lines(out), want);
    assertEquals([...r.success], want.map((l) => (l.success === "true" ? 1 : 0)));
    assertEquals(r.rows, 30);
    const errors = new Map(r.errors);
    assertMatch(errors.get(10) ?? "", /x = 10 fails/);
    assertMatch(errors.get(13) ?? "", /x = 13 fails/);
    assertEquals(errors.size, 10);
  });
});

Deno.test("when the pool and its workers both hand rows of the same chunks on, every row is recorded once, as a run in one thread records it", async () => {
  await withTempDir(async (dir) => {
    // Rows of 1 ms, every eighth of 70 ms, in chunks of 40: each worker sends rows itself
    // every 50 ms, and the pool takes those that waited since its last look (behind the slow
    // rows); `z` appears mid-chunk.
    const sweep = (csv: string, manager: DenoWorkerManager | SingleProcessManager) =>
      parameterSweep({
        model: syncRows,
        buildOptions: { ms: 1, slowMs: 70 },
        params: { x: linearSample(0, 239, 240) },
        csv,
        manager,
      });
    await using pool = new DenoWorkerManager({ workers: 2, chunkSize: 40 });
    const a = await sweep(`${dir}/pool.csv`, pool);
    const b = await sweep(`${dir}/serial.csv`, new SingleProcessManager());
    assertEquals(
      await Deno.readTextFile(`${dir}/pool.csv`),
      await Deno.readTextFile(`${dir}/serial.csv`),
    );
    assertEquals([...a.success], [...b.success]);
    // (NaN where a row failed or has no z: compared as text.)
    const text = (o: Record<string, Float64Array>) =>
      Object.entries(o).map(([name, values]) => [name, Array.from(values, String)]);
    assertEquals(text(a.outputs), text(b.outputs));
    assertEquals([...a.errors], [...b.errors]);
  });
});

Deno.test({
  name:
    "on an MPI rank, the rows before a synchronous row that holds its worker reach the root's file while it runs",
  ignore: skipWithout("openmpi"),
  fn: () => mpiRowWaits("sync"),
});

Deno.test("the pool takes, from what the driver shares, the rows finished before a synchronous row, with their failures and timings, and the driver returns only the rest", async () => {
  // This thread is no pool worker: the test opens the outlet the worker would, and the model's
  // row 4 takes rows as the pool's main thread would while that row holds the worker.
  const counts = new Int32Array(new SharedArrayBuffer(4 * COUNTS));
  let shared: ChunkSharedMessage | undefined;
  const taken: { end: number; part: SharedRowsPart }[] = [];
  (globalThis as Record<string, unknown>).psweepTestTake = () => {
    const rows = SharedRows.of(shared!, 6)!;
    // The first look sees rows 0-3 finished; the second takes them (and only them).
    assertEquals(rows.take(0), undefined);
    const got = rows.take(0);
    if (got) taken.push(got);
    assertEquals(rows.take(got?.end ?? 0), undefined);
  };
  const source = `
    export function evaluate(_, p) {
      if (p.x === 4) globalThis.psweepTestTake();
      if (p.x === 1 || p.x === 5) throw new Error("x = " + p.x + " fails");
      return p.x === 2 ? { y: 2 * p.x, z: 1 } : { y: 2 * p.x };
    }`;
  const model = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    const parts: ChunkOutput[] = [];
    openAsWorker(counts, (message) => (shared = message), (results) => {
      parts.push(results as ChunkOutput);
    });
    const [ctx] = await buildSweep({
      model,
      paramNames: ["x"],
      rebuildOnFailure: false,
      timeRows: true,
    });
    const data = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const rest = await executeSweep({ rows: 6, columns: 2, data }, ctx);
    assertEquals(parts, []);
    assertEquals(taken.length, 1);
    const { end, part } = taken[0];
    assertEquals(end, 4);
    assertEquals(part.meta, { names: ["y", "z"], firstNames: ["y"], seconds: true });
    assertEquals(part.columns.length, 3);
    assertEquals(Array.from(part.columns[0], String), ["0", "NaN", "4", "6"]);
    assertEquals(Array.from(part.columns[1], String), ["NaN", "NaN", "1", "NaN"]);
    assertEquals(part.columns[2].every((s) => s >= 0), true);
    assertEquals(part.errors, [[1, "Error: x = 1 fails"]]);
    // The rest: rows 4 and 5 only, with their own failure and timings.
    assertEquals([...rest.index], [4, 5]);
    assertEquals([...rest.success], [1, 0]);
    assertEquals(rest.errors, [[1, "Error: x = 5 fails"]]);
    assertEquals(rest.seconds?.length, 2);
    assertEquals(Atomics.load(counts, HANDED), 6);
  } finally {
    delete (globalThis as Record<string, unknown>).psweepTestTake;
    URL.revokeObjectURL(model);
  }
});

Deno.test("failure messages beyond the first 64 KiB of a chunk go with their rows too: the shared text grows", async () => {
  // Rows 0-2 fail with messages of 120,000 bytes each (UTF-8 of 60,000 "é"): 360 KB, far past
  // the 64 KiB the shared text starts with; row 4 takes rows as the pool's main thread would.
  const counts = new Int32Array(new SharedArrayBuffer(4 * COUNTS));
  let shared: ChunkSharedMessage | undefined;
  const taken: SharedRowsPart[] = [];
  (globalThis as Record<string, unknown>).psweepTestTake = () => {
    const rows = SharedRows.of(shared!, 6)!;
    assertEquals(rows.take(0), undefined);
    const got = rows.take(0);
    if (got) taken.push(got.part);
  };
  const source = `
    export function evaluate(_, p) {
      if (p.x === 4) globalThis.psweepTestTake();
      if (p.x < 3) throw new Error(p.x + ":" + "é".repeat(60000));
      return { y: 2 * p.x };
    }`;
  const model = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    openAsWorker(counts, (message) => (shared = message), () => {});
    const [ctx] = await buildSweep({ model, paramNames: ["x"], rebuildOnFailure: false });
    const data = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const rest = await executeSweep({ rows: 6, columns: 2, data }, ctx);
    assertEquals(taken.length, 1);
    assertEquals(
      taken[0].errors.map(([r, m]) => [r, m.length]),
      [0, 1, 2].map((r) => [r, `Error: ${r}:`.length + 60000]),
    );
    assertEquals(taken[0].errors[2][1], `Error: 2:${"é".repeat(60000)}`);
    assertEquals(Array.from(taken[0].columns[0], String), ["NaN", "NaN", "NaN", "6"]);
    assertEquals([...rest.index], [4, 5]);
  } finally {
    delete (globalThis as Record<string, unknown>).psweepTestTake;
    URL.revokeObjectURL(model);
  }
});
