// Issue 11, point 9: rows that finished before a slow row of their own chunk reach disk while
// that row still runs (they go ahead of their chunk), survive a kill -9, and neither a worker's
// death after they went nor a resume records a row twice or loses one. The slow row of these
// tests waits until the rows ahead of it are in the results file: without the fix it would wait
// for ever.
import { DenoWorkerManager, linearSample, parameterSweep } from "../mod.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { expected, killWhileRowWaits, lines, mpiRowWaits, range } from "./_slow_row.ts";
import { skipWithout } from "./_mpi.ts";
import { buildSweep, executeSweep } from "../src/sweep/_driver.ts";
import { claimPartialOutlet } from "../src/parallel/_partial_results.ts";
import { takeParts } from "./_outlet.ts";

const waitsForDisk = new URL("./fixtures/models/waits_for_disk.ts", import.meta.url).pathname;

Deno.test("the rows before a slow row of their chunk are on disk while it runs, survive kill -9 of the CLI, and resume completes the file", async () => {
  await killWhileRowWaits(waitsForDisk, true);
});

Deno.test("rows sent ahead of their chunk, failed ones included, are recorded once when the worker then dies: only the crashing row fails", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.csv`;
    await Deno.writeTextFile(`${out}.gate`, "");
    await Deno.writeTextFile(`${out}.crash`, "");
    // Chunks of 10 rows: row 15 waits for rows 10-14 of its own chunk, then row 17 ends the
    // worker, after rows 10-14 (13 of them failed) went ahead.
    await using manager = new DenoWorkerManager({
      workers: 1,
      chunkSize: 10,
      permissions: { read: [dir] },
    });
    const r = await parameterSweep({
      model: waitsForDisk,
      buildOptions: { file: out, gate: 15, crash: 17 },
      params: { x: linearSample(0, 29, 30) },
      outputs: ["y"],
      csv: out,
      manager,
    });
    const want = expected(range(30), [17]);
    assertEquals(await lines(out), want);
    assertEquals([...r.success], want.map((l) => (l.success === "true" ? 1 : 0)));
    assertEquals(r.rows, 30);
    const errors = new Map(r.errors);
    assertMatch(errors.get(17) ?? "", /WorkerDiedError/);
    assertMatch(errors.get(13) ?? "", /x = 13 fails/);
    assertEquals(errors.size, 11);
  });
});

Deno.test("a chunk's timeout after some of its rows went ahead fails only the rest of the chunk", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.csv`;
    await Deno.writeTextFile(`${out}.gate`, "");
    await Deno.writeTextFile(`${out}.hold`, "");
    // Row 15 waits for rows 10-14 on disk, then on until the chunk's time limit ends it.
    await using manager = new DenoWorkerManager({
      workers: 1,
      chunkSize: 10,
      timeout: 3000,
      permissions: { read: [dir] },
    });
    const r = await parameterSweep({
      model: waitsForDisk,
      buildOptions: { file: out, gate: 15 },
      params: { x: linearSample(0, 29, 30) },
      outputs: ["y"],
      csv: out,
      manager,
    });
    const timedOut = [15, 16, 17, 18, 19];
    assertEquals(await lines(out), expected(range(30), timedOut));
    for (const row of timedOut) {
      assertMatch(r.errors.get(row) ?? "", /rows 15\.\.19 \(run together in one chunk\) ran past/);
    }
    assertMatch(r.errors.get(13) ?? "", /x = 13 fails/);
    // The ten rows with x % 3 == 1, 16 and 19 among them, and 15, 17 and 18.
    assertEquals(r.errors.size, 13);
  });
});

Deno.test("a model can neither claim nor take the outlet its chunk's rows go ahead through", async () => {
  await using manager = new DenoWorkerManager({ workers: 1, chunkSize: 3 });
  const r = await parameterSweep({
    model: new URL("./fixtures/hostile/forge_partial.ts", import.meta.url).href,
    params: { x: linearSample(1, 6, 6) },
    manager,
  });
  assertEquals([...r.success], [1, 1, 1, 1, 1, 1]);
  assertEquals([...r.outputs.y], [10, 20, 30, 40, 50, 60]);
  assertEquals([r.outputs.claimed[1], r.outputs.took[1], r.outputs.forged[1]], [0, 0, 0]);
});

Deno.test({
  name:
    "on an MPI rank, the rows before a slow row of their chunk reach the root's file while it runs",
  ignore: skipWithout("openmpi"),
  fn: () => mpiRowWaits(),
});

Deno.test("the pool hands a chunk's rows sent ahead on as results of their own, in row order, only while the scatter streams", async () => {
  const outletUrl = new URL("../src/parallel/_partial_results.ts", import.meta.url).href;
  const source = `
    import { takePartialOutlet } from ${JSON.stringify(outletUrl)};
    export const build = () => [];
    export function execute(p) {
      const outlet = takePartialOutlet();
      const rows = Array.from({ length: p.rows }, (_, r) => p.data[r * p.columns]);
      // Rows that are not there, or none, or all of them: refused.
      const refused = [[0, 0], [0, p.rows], [0, 1.5], [-1, 1]]
        .map(([from, to]) => outlet?.deliver(from, to, "no") ?? "none");
      let sent = 0;
      if (outlet?.claim(1) === 0 && outlet.deliver(0, 1, rows.slice(0, 1))) sent = 1;
      if (outlet?.claim(3) === 1 && outlet.deliver(1, 3, rows.slice(1, 3))) sent = 3;
      return { rows: rows.slice(sent), refused };
    }`;
  const module = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    await using pm = new DenoWorkerManager({
      workers: 1,
      chunkSize: 4,
      permissions: { read: [new URL("../src/", import.meta.url).pathname] },
    });
    const rows = [[0], [1], [2], [3], [4], [5], [6], [7]];
    const build = { module, name: "build" };
    const execute = { module, name: "execute" };
    const streamed: number[] = [];
    await pm.scatter(build, {}, execute, rows, { onResult: (r) => streamed.push(r.processNumber) });
    const parts = await pm.gather();
    assertEquals(parts.map((r) => r.processNumber), [0, 0.25, 0.75, 1, 1.25, 1.75]);
    assertEquals(streamed, [0, 0.25, 0.75, 1, 1.25, 1.75]);
    assertEquals(parts.map((r) => [...r.parameters.data]), [[0], [1, 2], [3], [4], [5, 6], [7]]);
    assertEquals(parts.map((r) => r.results), [
      [0],
      [1, 2],
      { rows: [3], refused: [false, false, false, false] },
      [4],
      [5, 6],
      { rows: [7], refused: [false, false, false, false] },
    ]);
    // Without onResult nothing goes ahead: gather gets each chunk whole.
    await pm.scatter(build, {}, execute, rows);
    const whole = await pm.gather();
    assertEquals(whole.map((r) => r.processNumber), [0, 1]);
    assertEquals(whole.map((r) => (r.results as { rows: number[] }).rows), [[0, 1, 2, 3], [
      4,
      5,
      6,
      7,
    ]]);
  } finally {
    URL.revokeObjectURL(module);
  }
});

Deno.test("the driver sends the rows before an awaited row ahead, with their own failures, timings and text, and returns the rest", async () => {
  // This thread is no pool worker: the test opens the outlet the worker would.
  const open = claimPartialOutlet();
  const source = `
    export function evaluate(_, p) {
      if (p.x === 3) return globalThis.psweepTestGate.promise;
      if (p.x === 1 || p.x === 4) throw new Error("x = " + p.x + " fails");
      return { y: 2 * p.x };
    }`;
  const model = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const gate = Promise.withResolvers<{ y: number }>();
  (globalThis as Record<string, unknown>).psweepTestGate = gate;
  try {
    // Row 3 returns only once the rows before it went ahead.
    const parts = takeParts(open, (to) => {
      if (to === 3) gate.resolve({ y: 6 });
    });
    const [ctx] = await buildSweep({
      model,
      paramNames: ["x"],
      outputs: ["y"],
      rebuildOnFailure: false,
      timeRows: true,
    });
    const data = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const rest = await executeSweep({ rows: 6, columns: 2, data }, ctx);
    assert(parts.length >= 1);
    const all = [...parts, rest];
    // Every row once, in order, each part with its own failures and timings.
    assertEquals(all.flatMap((out) => [...out.index]), [0, 1, 2, 3, 4, 5]);
    assertEquals(all.flatMap((out) => [...out.values[0]]), [0, NaN, 4, 6, NaN, 10]);
    assertEquals(all.flatMap((out) => [...out.success]), [1, 0, 1, 1, 0, 1]);
    assertEquals(
      all.flatMap((out) => out.errors.map(([r, message]) => [out.index[r], message])),
      [[1, "Error: x = 1 fails"], [4, "Error: x = 4 fails"]],
    );
    for (const out of all) {
      assertEquals(out.seconds?.length, out.index.length);
      assert(out.seconds!.every((s) => s >= 0));
    }
    assert(rest.index.length >= 1, "at least one row is left for the chunk's return");
  } finally {
    delete (globalThis as Record<string, unknown>).psweepTestGate;
    URL.revokeObjectURL(model);
  }
});
