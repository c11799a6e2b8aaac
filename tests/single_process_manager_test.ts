import { type Matrix, ROOT_PROCESS_RANK, SingleProcessManager } from "../mod.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { conformance } from "./_conformance.ts";

Deno.test("SingleProcessManager passes the conformance suite", async () => {
  await using pm = new SingleProcessManager();
  const checks = await conformance(pm);
  assert(checks.includes("scatter/gather WaterTAP scenario"));
});

Deno.test("SingleProcessManager accepts plain functions and reports a throw as a failed chunk", async () => {
  const pm = new SingleProcessManager();
  assertEquals([pm.getRank(), pm.numberOfWorkerProcesses(), pm.isRootProcess()], [
    ROOT_PROCESS_RANK,
    1,
    true,
  ]);
  const seen: number[] = [];
  await pm.scatter(
    () => [],
    {},
    (p: Matrix) => {
      throw new SyntaxError(`bad ${p.rows}`);
    },
    [[1], [2]],
    { onResult: (r) => seen.push(r.processNumber) },
  );
  const [r] = await pm.gather();
  assertEquals(seen, [0]);
  assertEquals(r.error?.name, "SyntaxError");
  assertEquals(r.error?.message, "bad 2");
  assertEquals(r.results, undefined);
});

Deno.test("SingleProcessManager reports an aborted scatter", async () => {
  const pm = new SingleProcessManager();
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  await pm.scatter(() => [], {}, () => 1, [[1]], { signal: ac.signal });
  const [r] = await pm.gather();
  // Named as the pool names an aborted chunk, whatever the reason.
  assertEquals([r.error?.name, r.error?.message], ["AbortError", "stop"]);
});

Deno.test("SingleProcessManager names a failed build as the pool does, and reports no chunk for no rows", async () => {
  for (const pm of [new SingleProcessManager(), new SingleProcessManager({ chunkTargetMs: 1 })]) {
    const build = () => {
      throw new RangeError("no model");
    };
    await pm.scatter(build, {}, () => 1, [[1], [2], [3]]);
    const results = await pm.gather();
    assertEquals(results.map((r) => [r.error?.name, r.error?.message, r.parameters.rows]), [
      ["BuildError", "RangeError: no model", 3],
    ]);
    await pm.scatter(build, {}, () => 1, []);
    assertEquals(await pm.gather(), []);
  }
});

Deno.test("SingleProcessManager in chunks passes the conformance suite", async () => {
  await using pm = new SingleProcessManager({ chunkTargetMs: 1 });
  await conformance(pm);
});

Deno.test("SingleProcessManager in chunks stops at an abort between chunks", async () => {
  const pm = new SingleProcessManager({ chunkTargetMs: 1 });
  const ac = new AbortController();
  const rows = Array.from({ length: 50 }, (_, i) => [i]);
  let builds = 0;
  await pm.scatter(
    () => [builds++],
    {},
    (p: Matrix) => p.data.slice(),
    rows,
    { signal: ac.signal, onResult: (r) => r.processNumber === 2 && ac.abort(new Error("enough")) },
  );
  const results = await pm.gather();
  assertEquals(builds, 1);
  assertEquals(results.map((r) => r.processNumber), [0, 1, 2, 3]);
  assertEquals(results[3].error?.message, "enough");
  assertEquals(results.flatMap((r) => [...r.parameters.data]), rows.flat());
  assert(results.slice(0, 3).every((r) => r.error === undefined));
});

Deno.test("SingleProcessManager rejects a bad chunkTargetMs", () => {
  assertThrows(
    () => new SingleProcessManager({ chunkTargetMs: 0 }),
    /'chunkTargetMs' must be a positive number/,
  );
});

Deno.test("SingleProcessManager leaves the caller's rows as they were, as the pool does", async () => {
  const pm = new SingleProcessManager();
  const rows = { rows: 2, columns: 1, data: Float64Array.of(1, 2) };
  await pm.scatter(() => [], {}, (p: Matrix) => {
    p.data[0] = 999;
    return p.data.slice();
  }, rows);
  const [r] = await pm.gather();
  assertEquals([...(r.results as Float64Array)], [999, 2]);
  assertEquals([...rows.data], [1, 2]);
  // A module reference must be absolute: a relative one would resolve inside psweep.
  await pm.scatter(() => [], {}, { module: "./matrix.ts", name: "splitSizes" }, [[1]]);
  const [bad] = await pm.gather();
  // Resolved with the build, so reported as the build's failure, as the pool does.
  assertEquals(bad.error?.name, "BuildError");
  assert(
    /TypeError: .*'module' must be an absolute URL/.test(bad.error!.message),
    bad.error!.message,
  );
});
