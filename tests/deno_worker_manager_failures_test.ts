import { CHUNK_ERROR_NAMES, DenoWorkerManager, type LocalResults } from "../mod.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";

const root = new URL("../", import.meta.url);
const permissions = { read: [root.pathname] };
const failures = new URL("./fixtures/failures.ts", import.meta.url).href;
const functions = new URL("./fixtures/functions.ts", import.meta.url).href;
const f = (name: string) => ({ module: failures, name });

// Rows [value, mode]: mode 0 computes, other modes misbehave (see fixtures/failures.ts).
const rowsWith = (mode: number, at = 2, n = 5) =>
  Array.from({ length: n }, (_, i) => [i, i === at ? mode : 0]);

function byChunk(results: LocalResults[]) {
  return results.map((r) => ({
    rows: [...r.parameters.data].filter((_, i) => i % 2 === 0),
    results: r.results ? [...(r.results as Float64Array)] : undefined,
    error: r.error?.name,
  }));
}

const deaths = [[1, "self.close()"], [2, "Deno.exit(3)"], [3, "thrown later"]] as const;
for (const [mode, what] of deaths) {
  Deno.test(`a worker that dies by ${what} is replaced, its chunk retried, then reported`, async () => {
    await using pm = new DenoWorkerManager({
      workers: 2,
      permissions,
      chunkSize: 1,
      maxRetries: 1,
    });
    await pm.scatter(f("shareCounter"), {}, f("misbehave"), rowsWith(mode));
    const results = byChunk(await pm.gather());
    assertEquals(results.length, 5);
    for (const r of results) {
      if (r.rows[0] === 2) {
        assertEquals(r.error, CHUNK_ERROR_NAMES.workerDied);
        assertEquals(r.results, undefined);
      } else {
        assertEquals(r.results, [2 * r.rows[0]]);
      }
    }
    // The pool works afterwards.
    await pm.scatter(f("shareCounter"), {}, f("misbehave"), rowsWith(0));
    assertEquals((await pm.gather()).filter((r) => r.error).length, 0);
  });

  Deno.test(`a chunk whose worker died by ${what} once succeeds on retry`, async () => {
    await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1 });
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await pm.scatter(f("shareCounter"), { counter }, f("misbehaveOnce"), rowsWith(mode));
    const results = byChunk(await pm.gather());
    assertEquals(results.map((r) => r.results), [[0], [2], [4], [6], [8]]);
    assertEquals(Atomics.load(counter, 0), 2);
  });
}

Deno.test("a chunk sent ahead to a worker that then dies goes back to the queue, uncharged", async () => {
  // One worker: row 1 is sent while row 0 runs, and row 0 kills the worker.
  await using pm = new DenoWorkerManager({ workers: 1, permissions, chunkSize: 1, maxRetries: 0 });
  await pm.scatter(f("shareCounter"), {}, f("misbehave"), rowsWith(2, 0, 3));
  const results = byChunk(await pm.gather());
  assertEquals(results.map((r) => r.error), [CHUNK_ERROR_NAMES.workerDied, undefined, undefined]);
  assertEquals(results.map((r) => r.results), [undefined, [2], [4]]);
});

Deno.test("while onResult's promise is pending, the pool sends no new chunk", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions, chunkSize: 1 });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const held = Promise.withResolvers<void>();
  const second = Promise.withResolvers<void>();
  const order: number[] = [];
  await pm.scatter(f("shareCounter"), { counter }, f("countStarts"), rowsWith(0, 0, 4), {
    onResult: (r) => {
      order.push(r.processNumber);
      if (r.processNumber === 0) return held.promise;
      if (r.processNumber === 1) second.resolve();
      return undefined;
    },
  });
  await second.promise;
  // Chunk 1 was sent ahead while chunk 0 ran; nothing since. Were chunk 2 sent, the idle worker
  // would start it at once: wait a while for a third start that must not come.
  const third = Atomics.waitAsync(counter, 0, 2, 300);
  assertEquals(third.async ? await third.value : third.value, "timed-out");
  held.resolve();
  const results = await pm.gather();
  assertEquals(results.map((r) => r.results ? [...(r.results as Float64Array)] : r.error), [
    [0],
    [2],
    [4],
    [6],
  ]);
  assertEquals(order, [0, 1, 2, 3]);
  assertEquals(Atomics.load(counter, 0), 4);
});

Deno.test("gather waits for onResult's promises, and throws one that rejects after the last chunk", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions, chunkSize: 1 });
  const called = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  await pm.scatter(f("shareCounter"), {}, f("countStarts"), rowsWith(0, 0, 1), {
    onResult: () => {
      called.resolve();
      return gate.promise.then(() => {
        throw new EvalError("late");
      });
    },
  });
  await called.promise;
  // The only chunk has finished; its callback has not.
  const gathered = pm.gather().then(() => "resolved", (e: Error) => e.message);
  const first = await Promise.race([
    gathered,
    new Promise((resolve) => setTimeout(() => resolve("pending"), 0)),
  ]);
  assertEquals(first, "pending");
  gate.resolve();
  assertEquals(await gathered, "late");
});

Deno.test("kwargs that cannot reach a worker are an error from scatter, and the pool goes on", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions, chunkSize: 1 });
  const noBuild = { module: functions, name: "noBuild" };
  const echoRows = { module: functions, name: "echoRows" };
  await assertRejects(
    () => pm.scatter(noBuild, { f: () => 1 }, echoRows, [[1], [2]]),
    TypeError,
    "Cannot scatter as 'doBuildKwargs' must be plain data",
  );
  await pm.scatter(noBuild, {}, echoRows, [[1], [2]]);
  assertEquals((await pm.gather()).map((r) => [...(r.results as Float64Array)]), [[1], [2]]);
});

Deno.test("a chunk's timeout runs from when its worker has built the model, not before", async () => {
  // The build takes 1.5 s; points take none. A 1 s limit per chunk must not count it (and gives
  // the points ample time on a loaded machine).
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1, timeout: 1000 });
  await pm.scatter(f("slowBuild"), { ms: 1500 }, f("double"), [[1], [2], [3], [4]]);
  const results = await pm.gather();
  assertEquals(results.map((r) => r.error?.name), [undefined, undefined, undefined, undefined]);
  assertEquals(results.map((r) => [...(r.results as Float64Array)]), [[2], [4], [6], [8]]);
});

Deno.test("with a timeout, a build that never ends fails its chunks as a build after buildTimeout", async () => {
  await using pm = new DenoWorkerManager({
    workers: 2,
    permissions,
    chunkSize: 1,
    timeout: 100,
    buildTimeout: 300,
  });
  await pm.scatter(f("neverBuilds"), {}, f("double"), [[1], [2]]);
  const results = await pm.gather();
  assertEquals(results.map((r) => r.error?.name), ["BuildError", "BuildError"]);
  assertMatch(results[0].error!.message, /build ran past the 300 ms build timeout/);
});

Deno.test("a second scatter waits for the first to be gathered, even once it has finished", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions });
  const gate = Promise.withResolvers<void>();
  const called = Promise.withResolvers<void>();
  // One row, one chunk: it finishes while its callback's promise is still pending.
  await pm.scatter(f("shareCounter"), {}, f("double"), [[1]], {
    onResult: () => {
      called.resolve();
      return gate.promise;
    },
  });
  await called.promise;
  const first = pm.gather();
  // Not gathered yet: a second scatter would drop the first's results.
  await assertRejects(
    () => pm.scatter(f("shareCounter"), {}, f("double"), [[10]]),
    /previous scatter has not been gathered yet/,
  );
  gate.resolve();
  assertEquals((await first).flatMap((r) => [...(r.results as Float64Array)]), [2]);
  await pm.scatter(f("shareCounter"), {}, f("double"), [[10]]);
  assertEquals((await pm.gather()).flatMap((r) => [...(r.results as Float64Array)]), [20]);
});

Deno.test("a chunk over the timeout is reported timed out and the sweep goes on", async () => {
  // Mode 4 spins for 3 s; the others finish at once, with a second to spare on a loaded machine.
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1, timeout: 1000 });
  await pm.scatter(f("shareCounter"), {}, f("misbehave"), rowsWith(4, 1, 6));
  const results = byChunk(await pm.gather());
  assertEquals(results.map((r) => r.error), [
    undefined,
    CHUNK_ERROR_NAMES.timeout,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(results[5].results, [10]);
});

Deno.test("aborting mid-scatter reports unfinished chunks as aborted and leaks nothing", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1 });
  const ac = new AbortController();
  // Abort as soon as the first chunk is in: the busy rows (mode 4) are still running then.
  await pm.scatter(f("shareCounter"), {}, f("misbehave"), [[0, 0], [1, 4], [2, 4], [3, 0]], {
    signal: ac.signal,
    onResult: () => ac.abort(new Error("user stop")),
  });
  const results = await pm.gather();
  const errors = results.map((r) => r.error?.name);
  assertEquals(errors[0], undefined);
  assert(errors.slice(1).every((e) => e === CHUNK_ERROR_NAMES.aborted), `got ${errors}`);
  assertEquals(results.flatMap((r) => [...r.parameters.data]), [0, 0, 1, 4, 2, 4, 3, 0]);
  assertMatch(results[1].error!.message, /user stop/);
});

Deno.test("closing mid-scatter ends gather promptly with aborted chunks", async () => {
  const pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1 });
  await pm.scatter(f("shareCounter"), {}, f("misbehave"), [[0, 4], [1, 4], [2, 0]]);
  const gathered = pm.gather();
  await pm.close();
  const results = await gathered;
  assert(results.every((r) => r.error?.name === CHUNK_ERROR_NAMES.aborted));
});

Deno.test("a build that throws fails every chunk with BuildError", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 2 });
  await pm.scatter(f("failingBuild"), {}, f("misbehave"), rowsWith(0));
  const results = await pm.gather();
  assert(results.length >= 1);
  for (const r of results) {
    assertEquals(r.error?.name, CHUNK_ERROR_NAMES.buildFailed);
    assertMatch(r.error!.message, /URIError: cannot build/);
  }
});

Deno.test("a module that fails to load fails its chunks, naming the module", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions });
  const missing = new URL("./fixtures/does_not_exist.ts", import.meta.url).href;
  await pm.scatter(
    { module: missing, name: "build" },
    {},
    { module: functions, name: "echoRows" },
    [[1]],
  );
  const [r] = await pm.gather();
  assertEquals(r.error?.name, CHUNK_ERROR_NAMES.buildFailed);
  assertMatch(r.error!.message, /does_not_exist/);
});

Deno.test("a model that reads a file it was not granted fails with Deno's permission error", async () => {
  const secret = await Deno.makeTempFile();
  try {
    await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 1 });
    await pm.scatter(f("pathBuild"), { path: secret }, f("readsFile"), [[1], [2]]);
    for (const r of await pm.gather()) {
      assertEquals(r.error?.name, "NotCapable");
      assertMatch(r.error!.message, /read/);
    }
    await pm.scatter(f("shareCounter"), {}, f("readsEnv"), [[1]]);
    assertEquals((await pm.gather())[0].error?.name, "NotCapable");
    await pm.scatter(f("shareCounter"), {}, f("opensSocket"), [[1]]);
    assertEquals((await pm.gather())[0].error?.name, "NotCapable");
  } finally {
    await Deno.remove(secret);
  }
});

Deno.test("granting read access to the file lets the model read it", async () => {
  const secret = await Deno.makeTempFile();
  try {
    await using pm = new DenoWorkerManager({
      workers: 1,
      permissions: { read: [root.pathname, secret] },
    });
    await pm.scatter(f("pathBuild"), { path: secret }, f("readsFile"), [[1]]);
    const [r] = await pm.gather();
    assertEquals(r.error, undefined);
  } finally {
    await Deno.remove(secret);
  }
});
