import {
  DenoWorkerManager,
  fixedSample,
  linearSample,
  parameterSweep,
  randomSample,
  recursiveParameterSweep,
  SingleProcessManager,
  type SweepOptions,
  uniformSample,
} from "../mod.ts";
import { type PlainResult, plainResult } from "./_sweep_result.ts";
import { withTempDir } from "./_temp.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "./_assert.ts";

const root = new URL("../", import.meta.url).pathname;
const models = new URL("./fixtures/models/", import.meta.url);
const analytic = new URL("analytic.ts", models).pathname;
const permissions = { read: [root] };
const params = { a: linearSample(0, 1, 3), b: fixedSample([0.25, 0.75]) };

Deno.test("parameterSweep: order, failures and NaN placement (WaterTAP's test_parameter_sweep)", async () => {
  const r = await parameterSweep({
    model: analytic,
    buildOptions: { limit: 1.5 },
    params,
    workers: 1,
  });
  assertEquals(r.paramNames, ["a", "b"]);
  // The last parameter varies fastest.
  assertEquals([...r.params.a], [0, 0, 0.5, 0.5, 1, 1]);
  assertEquals([...r.params.b], [0.25, 0.75, 0.25, 0.75, 0.25, 0.75]);
  // a + b > 1.5 fails only the last row.
  assertEquals([...r.success], [1, 1, 1, 1, 1, 0]);
  assertEquals(r.outputNames, ["sum", "product", "ratio"]);
  assertEquals([...r.outputs.sum], [0.25, 0.75, 0.75, 1.25, 1.25, NaN]);
  assertEquals([...r.outputs.product], [0, 0, 0.125, 0.375, 0.25, NaN]);
  // ratio exists only where a > 0.5: NaN elsewhere, and NaN for the failed row.
  assertEquals([...r.outputs.ratio], [NaN, NaN, NaN, NaN, 0.25, NaN]);
  assertEquals([...r.errors], [[5, "Error: no solution for a=1, b=0.75"]]);
  assertEquals([r.stats.succeeded, r.stats.failed, r.rows], [5, 1, 6]);
  assertEquals(r.seed, undefined);
});

Deno.test("the same sweep gives identical results serially, on the pool and in a peer group", async () => {
  const options = {
    model: analytic,
    buildOptions: { limit: 1.5 },
    params: { a: uniformSample(0, 1, 40), b: uniformSample(0, 1, 40) },
    seed: 3,
  };
  const serial = plainResult(
    await parameterSweep({ ...options, manager: new SingleProcessManager() }),
  );
  await using pool = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 3 });
  const pooled = plainResult(await parameterSweep({ ...options, manager: pool }));
  assertEquals(pooled, serial);
  const viaWorkers = plainResult(await parameterSweep({ ...options, workers: 2, permissions }));
  assertEquals(viaWorkers, serial);
  const peers = await pool.runPeers<PlainResult>(
    { module: new URL("./fixtures/peer_sweep.ts", import.meta.url).href, name: "sweepAsPeers" },
    [analytic, 3],
  );
  for (const p of peers) assertEquals(p, serial);
  assertEquals(serial.seed, 3);
  assert(serial.success.includes(0) && serial.success.includes(1));
});

Deno.test("in a peer group, sweeps without a seed draw the same rows on every rank", async () => {
  await using pool = new DenoWorkerManager({ workers: 2, permissions });
  const ranks = await pool.runPeers<PlainResult[]>(
    {
      module: new URL("./fixtures/peer_sweep.ts", import.meta.url).href,
      name: "sweepsWithoutSeed",
    },
    [analytic],
  );
  assertEquals(ranks[1], ranks[0]);
  for (const r of ranks[0]) {
    assert(r.seed !== undefined);
    // Each row's outputs belong to its own parameters.
    for (let i = 0; i < r.rows; i++) {
      if (!r.success[i]) continue;
      assertEquals(r.outputs.sum[i], r.params.a[i] + r.params.b[i]);
    }
  }
});

Deno.test("workers read the model's directory by default, and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/helper.js`, "export const twice = (x) => 2 * x;");
    await Deno.writeTextFile(
      `${dir}/model.js`,
      `import { twice } from "./helper.js";
       export const evaluate = (_, p) => {
         if (p.x === 2) Deno.readTextFileSync("/etc/hostname");
         return { y: twice(p.x) };
       };`,
    );
    const r = await parameterSweep({
      model: `${dir}/model.js`,
      params: { x: fixedSample([1, 2, 3]) },
      workers: 2,
    });
    assertEquals([...r.outputs.y], [2, NaN, 6]);
    assertMatch(r.errors.get(1)!, /^NotCapable: .*read access/);
    // A pool the caller made, with default permissions, learns the model's directory too.
    await using pool = new DenoWorkerManager({ workers: 2 });
    const again = await parameterSweep({
      model: `${dir}/model.js`,
      params: { x: fixedSample([1, 2, 3]) },
      manager: pool,
    });
    assertEquals([...again.outputs.y], [2, NaN, 6]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a probe that always fails records every row as failed", async () => {
  const r = await parameterSweep({
    model: new URL("probe_fails.ts", models).pathname,
    params: { x: linearSample(0, 1, 4) },
    outputs: ["y"],
    workers: 1,
  });
  assertEquals([...r.success], [0, 0, 0, 0]);
  assertEquals([...r.outputs.y].every(Number.isNaN), true);
  assertEquals([...r.errors.values()], Array(4).fill("probe returned false"));
});

Deno.test("a point the probe rejects fails without a rebuild, as in WaterTAP; a failed point rebuilds", async () => {
  // build counts the builds; probe rejects x < 0; evaluate throws at x = 5.
  const model = URL.createObjectURL(
    new Blob([
      `let builds = 0;
      export const build = () => ({ build: ++builds });
      export const probe = (_, p) => p.x >= 0;
      export const evaluate = (m, p) => {
        if (p.x === 5) throw new Error("no solution");
        return { build: m.build };
      };`,
    ], { type: "text/javascript" }),
  );
  const r = await parameterSweep({
    model,
    params: { x: fixedSample([1, -1, 2, 5, 3]) },
    workers: 1,
  });
  assertEquals([...r.success], [1, 0, 1, 0, 1]);
  assertEquals(r.errors.get(1), "probe returned false");
  assertEquals([...r.outputs.build], [1, NaN, 1, NaN, 2]);
});

Deno.test("a requested output that no row produces fails every row, naming it", async () => {
  const r = await parameterSweep({
    model: analytic,
    params,
    outputs: ["sum", "missing"],
    workers: 1,
  });
  assertEquals(r.outputNames, ["sum", "missing"]);
  assert([...r.outputs.missing].every(Number.isNaN));
  assertEquals([...r.success], [0, 0, 0, 0, 0, 0]);
  assertMatch(
    r.errors.get(0)!,
    /^'outputs' names "missing", which evaluate did not return; it returned /,
  );
});

Deno.test("recursiveParameterSweep collects numSamples successes, the same on any number of workers", async () => {
  const options = {
    model: analytic,
    buildOptions: { limit: 1 },
    params: { a: uniformSample(0, 1, 10), b: uniformSample(0, 1, 10) },
    numSamples: 10,
    seed: 0,
  };
  const one = await recursiveParameterSweep({ ...options, workers: 1 });
  const two = await recursiveParameterSweep({ ...options, workers: 2, permissions });
  assertEquals(one.rows, 10);
  assert([...one.params.a].every((a, i) => a + one.params.b[i] <= 1));
  assertEquals(plainResult(two), plainResult(one));
});

Deno.test("bad sweep input is rejected up front, naming the field", async () => {
  await assertRejects(
    () => parameterSweep({ model: analytic, params: {} }),
    /'params' must name at least one parameter/,
  );
  await assertRejects(
    () => parameterSweep({ model: new URL("nope.ts", models).pathname, params }),
    /'model' must name an existing module file/,
  );
  await assertRejects(
    () => parameterSweep({ model: analytic, params, outputs: ["s", "s"] }),
    /'outputs' names "s" twice/,
  );
  await assertRejects(
    () => parameterSweep({ model: analytic, params, outputs: [1 as unknown as string] }),
    /'outputs' must hold non-empty strings/,
  );
  await assertRejects(
    () =>
      parameterSweep({
        model: analytic,
        params: { a: uniformSample(0, 1, 3), b: uniformSample(0, 1, 4) },
      }),
    RangeError,
  );
  // A file's format is its option's; a path that says otherwise is refused before any work.
  await assertRejects(
    () => parameterSweep({ model: analytic, params, csv: "results.txt" }),
    TypeError,
    `'csv' must be the path of a .csv file: current value is "results.txt"`,
  );
  await assertRejects(
    () => parameterSweep({ model: analytic, params, jsonl: "results.csv" }),
    TypeError,
    "'jsonl' must be the path of a .jsonl",
  );
  await assertRejects(
    () => parameterSweep({ model: analytic, params, progressIntervalMs: -1 }),
    RangeError,
    "'progressIntervalMs' must be a non-negative number",
  );
  // "success" is the results files' column of row outcomes.
  await assertRejects(
    () => parameterSweep({ model: analytic, params: { success: linearSample(0, 1, 2) } }),
    RangeError,
    `'params' must name its parameters with non-empty names other than "success"`,
  );
  await assertRejects(
    () => parameterSweep({ model: analytic, params, outputs: ["success"] }),
    RangeError,
    `'outputs' names "success"`,
  );
  // Build options travel to the workers: a function in them is an error for every manager.
  for (const workers of [1, 2]) {
    await assertRejects(
      () => parameterSweep({ model: analytic, params, workers, buildOptions: { f: () => 1 } }),
      TypeError,
      "Cannot run a sweep as 'buildOptions' must be plain data that can be sent to a worker",
    );
  }
});

for (const workers of [1, 2]) {
  Deno.test(`a model that cannot be built fails the sweep with its reason (${workers} worker(s))`, async () => {
    await assertRejects(
      () =>
        parameterSweep({
          model: new URL("build_throws.ts", models).pathname,
          params,
          workers,
          permissions,
        }),
      (e: Error) => {
        assertMatch(e.message, /could not be built: .*cannot build this model/);
        return true;
      },
    );
    await assertRejects(
      () =>
        parameterSweep({
          model: new URL("no_evaluate.ts", models).pathname,
          params,
          workers,
          permissions,
        }),
      /must export a function 'evaluate'/,
    );
  });
}

Deno.test("the model is rebuilt and re-initialized after a failed point, unless rebuildOnFailure is false", async () => {
  const model = new URL("counting.ts", models).pathname;
  const params = { x: linearSample(0, 4, 5) };
  const rebuilt = await parameterSweep({ model, params, workers: 1 });
  assertEquals([...rebuilt.success], [1, 1, 0, 1, 1]);
  const b = rebuilt.outputs.build;
  // Rows after the failure run on a new build, initialized with the first point it saw.
  assertEquals([b[1] - b[0], b[3] - b[1], b[4] - b[3]], [0, 1, 0]);
  assertEquals([...rebuilt.outputs.firstInitializedAt], [0, 0, NaN, 3, 3]);
  assertEquals([...rebuilt.outputs.initializations], [1, 1, NaN, 1, 1]);
  assertEquals(rebuilt.errors.get(2), "Error: two is rejected");
  const kept = await parameterSweep({ model, params, workers: 1, rebuildOnFailure: false });
  const k = kept.outputs.build;
  assertEquals([k[1] - k[0], k[3] - k[1], k[4] - k[3]], [0, 0, 0]);
});

Deno.test("onProgress reports done, failed, total, rate and ETA, at a bounded frequency", async () => {
  const seen: { done: number; failed: number; total: number; rate: number; etaMs: number }[] = [];
  const r = await parameterSweep({
    model: analytic,
    buildOptions: { limit: 1.5 },
    params: { a: linearSample(0, 1, 50), b: linearSample(0, 1, 40) },
    manager: new SingleProcessManager(),
    progressIntervalMs: 60_000,
    onProgress: (p) => seen.push(p),
  });
  // One report as the first chunk lands (the interval had not started), then the final one.
  assertEquals(seen.length, 2);
  const last = seen.at(-1)!;
  assertEquals([last.done, last.failed, last.total], [2000, r.stats.failed, 2000]);
  assert(last.rate > 0 && last.etaMs === 0);
});

Deno.test("after a failed rebuild, the next row rebuilds again instead of using the broken state", async () => {
  const r = await parameterSweep({
    model: new URL("rebuild_fails.ts", models).pathname,
    params: { x: linearSample(0, 3, 4) },
    workers: 1,
  });
  assertEquals([...r.success], [1, 0, 0, 1]);
  assertEquals(r.errors.get(1), "Error: one fails");
  assertEquals(r.errors.get(2), "the model could not be rebuilt: Error: build 3 failed");
  assertEquals([r.outputs.build[0], r.outputs.build[3]], [1, 4]);
});

Deno.test("a model output named like a parameter is kept beside it, on any number of workers", async () => {
  const model = URL.createObjectURL(
    new Blob(["export const evaluate = (_, p) => ({ a: p.a, y: 2 * p.a });"], {
      type: "text/javascript",
    }),
  );
  try {
    for (const workers of [1, 2]) {
      const r = await parameterSweep({ model, params, workers });
      assertEquals(r.outputNames, ["a", "y"]);
      assertEquals([...r.outputs.a], [...r.params.a]);
      // Named, it is recorded as any other output.
      const named = await parameterSweep({ model, params, workers, outputs: ["a"] });
      assertEquals([...named.outputs.a], [...r.params.a]);
    }
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("recursiveParameterSweep: checks its samplers, keeps outputs of every round, reports progress over all rounds", async () => {
  await assertRejects(
    () =>
      recursiveParameterSweep({
        model: analytic,
        params: { a: randomSample([0.1, 0.2]), b: uniformSample(0, 1, 2) },
        numSamples: 2,
      }),
    RangeError,
    "'params.a' must be a random sampler that draws (uniform or normal)",
  );
  await assertRejects(
    () => recursiveParameterSweep({ model: analytic, params, numSamples: 1e300 }),
    RangeError,
    "'numSamples' must be a positive integer",
  );
  await assertRejects(
    () => recursiveParameterSweep({ model: analytic, params: undefined!, numSamples: 2 }),
    RangeError,
    "'params' must name at least one parameter",
  );
  // Outputs that first appear in a later round are kept, as parameterSweep keeps them.
  const model = URL.createObjectURL(
    new Blob([
      `let calls = 0;
       export const evaluate = (_, p) => {
         calls++;
         if (p.x < 0.5) throw new Error("low");
         return calls > 4 ? { y: p.x, z: 1 } : { y: p.x };
       };`,
    ], { type: "text/javascript" }),
  );
  try {
    const progress: [number, number][] = [];
    const r = await recursiveParameterSweep({
      model,
      params: { x: uniformSample(0, 1, 4) },
      numSamples: 8,
      seed: 1,
      workers: 1,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push([p.done, p.total]),
    });
    assertEquals(r.outputNames, ["y", "z"]);
    assert(r.outputs.z.includes(1));
    // done never goes back, and ends at every row drawn.
    for (let i = 1; i < progress.length; i++) assert(progress[i][0] >= progress[i - 1][0]);
    const [done, total] = progress.at(-1)!;
    assertEquals(done, total);
    assert(total > 4, `rows drawn: ${total}`);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a timeout holds with one worker too", async () => {
  const model = URL.createObjectURL(
    new Blob([
      // Row 1 never finishes; the others finish at once, however loaded the machine (the
      // limit leaves them a second).
      `export const evaluate = (_, p) => p.x === 1 ? new Promise(() => {}) : { y: p.x };`,
    ], { type: "text/javascript" }),
  );
  try {
    const r = await parameterSweep({
      model,
      params: { x: linearSample(0, 2, 3) },
      workers: 1,
      timeout: 1000,
      permissions: { import: true },
    });
    assertEquals([...r.success], [1, 0, 1]);
    assertMatch(r.errors.get(1)!, /TimeoutError/);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a sweep stopped with a reason of one's own rejects with that reason, on any number of workers", async () => {
  const slow = new URL("slow.ts", models).pathname;
  for (const workers of [1, 2]) {
    const ac = new AbortController();
    const reason = new EvalError("stop here");
    const stopped = await parameterSweep({
      model: slow,
      params: { x: linearSample(0, 19, 20), z: linearSample(1, 10, 10) },
      workers,
      permissions: workers > 1 ? permissions : undefined,
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => p.done >= 10 && ac.abort(reason),
    }).then(() => undefined, (e) => e);
    assertStrictEquals(stopped, reason);
  }
});

// An inline model module, for tests that need odd ones.
function inlineModel(source: string): string {
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

Deno.test("a getter in params is read once: the rows and the metadata file agree", async () => {
  await withTempDir(async (dir) => {
    let reads = 0;
    const params = {
      get a() {
        return ++reads === 1 ? linearSample(0, 1, 2) : linearSample(5, 6, 4);
      },
    };
    const model = inlineModel("export const evaluate = (_, p) => ({ y: p.a });");
    try {
      const csv = `${dir}/r.csv`;
      const r = await parameterSweep({ model, params, workers: 1, csv });
      assertEquals([...r.params.a], [0, 1]);
      assertEquals(reads, 1);
      const meta = JSON.parse(await Deno.readTextFile(`${csv}.meta.json`));
      assertEquals([meta.params.a.lower, meta.params.a.upper, meta.params.a.n], [0, 1, 2]);
      // Options inherited (Object.create(defaults)) or on a class's prototype are read too.
      const inherited = Object.assign(Object.create({ model, workers: 1 }), {
        params: { a: linearSample(0, 1, 3) },
        csv: `${dir}/inherited.csv`,
      });
      assertEquals([...(await parameterSweep(inherited as SweepOptions)).params.a], [0, 0.5, 1]);
      class Options {
        model = model;
        get params() {
          return { a: linearSample(0, 1, 2) };
        }
        get csv() {
          return `${dir}/class.csv`;
        }
      }
      assertEquals((await parameterSweep(new Options())).rows, 2);
      for (const name of ["inherited", "class"]) {
        assert((await Deno.stat(`${dir}/${name}.csv`)).isFile, `${name}.csv written`);
      }
    } finally {
      URL.revokeObjectURL(model);
    }
  });
});

Deno.test("work its manager stopped (another rank's stop, a manager closed by its owner) fails the sweep, its rows left to a resume", async () => {
  // Under MPI a rank stopped alone posts its chunks as aborted to the root, whose own signal is
  // not aborted: the root recorded those rows as failed and counted them as succeeded. A pool
  // closed by its owner mid-sweep does the same here.
  await withTempDir(async (dir) => {
    const model = inlineModel(
      "export const evaluate = (_, p) => { const t = performance.now(); while (performance.now() - t < 2); return { y: p.x }; };",
    );
    const pm = new DenoWorkerManager({ workers: 1, chunkSize: 4 });
    try {
      const csv = `${dir}/r.csv`;
      let closed = false;
      await assertRejects(
        () =>
          parameterSweep({
            model,
            params: { x: linearSample(0, 99, 100) },
            manager: pm,
            csv,
            progressIntervalMs: 0,
            onProgress: (p) => {
              if (!closed && p.done >= 20) {
                closed = true;
                void pm.close();
              }
            },
          }),
        Error,
        "Cannot finish the sweep as its manager stopped part of the work (The pool was closed): the rows it did not compute are missing from the results",
      );
      const lines = (await Deno.readTextFile(csv)).trim().split("\n").slice(1);
      assert(lines.length >= 20 && lines.length < 100, `${lines.length} rows on disk`);
      for (const line of lines) assertMatch(line, /,true$/);
    } finally {
      await pm.close();
      URL.revokeObjectURL(model);
    }
  });
});

Deno.test("a sweep starts no more workers than it has rows", async () => {
  const { sweepManager } = await import("../src/sweep/_run.ts");
  const { rowsOf } = await import("../src/sampling/_combinations.ts");
  const params = { a: linearSample(0, 1, 3), b: fixedSample([5]) };
  assertEquals(rowsOf(params), 3);
  assertEquals(rowsOf({ u: uniformSample(0, 1, 7), v: uniformSample(0, 1, 7) }), 7);
  assertEquals(rowsOf({ a: "no sampler" }), undefined);
  const options = { model: "file:///nowhere.ts", params, workers: 64 };
  for (const [rows, expected] of [[3, 3], [100, 64], [undefined, 64]] as const) {
    const manager = sweepManager(options, rows);
    try {
      assertEquals(manager.numberOfWorkerProcesses(), expected);
    } finally {
      await manager.close();
    }
  }
  // A value the pool refuses is still refused, whatever the rows.
  assertThrows(
    () => sweepManager({ ...options, workers: 2000 }, 3),
    RangeError,
    "'workers' must be at most 1024: current value is 2000",
  );
});

Deno.test("whatever a model throws or returns fails only its row, alike on one worker and two", async () => {
  const model = inlineModel(`
    export const evaluate = async (_, p) => {
      if (p.x === 1) return { get y() { throw new Error("getter"); } };
      if (p.x === 2) throw Object.create(null);
      if (p.x === 3) throw { toString() { throw new Error("no text"); } };
      if (p.x === 4) return { y: 4, get z() { throw new Error("late key"); } };
      if (p.x === 6) { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy; }
      if (p.x === 7) {
        const e = new Error("x");
        Object.defineProperty(e, "message", { get() { throw new Error("no message"); } });
        throw e;
      }
      return { y: p.x };
    };`);
  try {
    const runs = [];
    // Two rows a chunk on the pool: a row whose late key throws, then one more in its chunk.
    await using pool = new DenoWorkerManager({ workers: 2, chunkSize: 2 });
    for (const manager of [undefined, pool]) {
      const r = await parameterSweep({
        model,
        params: { x: linearSample(0, 7, 8) },
        ...(manager ? { manager } : { workers: 1 }),
      });
      // (A revoked Proxy and an Error whose message getter throws, rows 6 and 7, failed the
      // whole sweep as a build failure: describing them threw.)
      assertEquals([...r.success], [1, 0, 0, 0, 0, 1, 0, 0]);
      assertEquals(r.outputNames, ["y"]);
      assertMatch(r.errors.get(1)!, /getter/);
      assertMatch(r.errors.get(2)!, /\[object Object\]/);
      assertMatch(r.errors.get(4)!, /late key/);
      assertMatch(r.errors.get(6)!, /cannot be described \(a revoked Proxy\?\)/);
      assertMatch(r.errors.get(7)!, /^Error: \[object Error\]/);
      runs.push(plainResult(r));
    }
    assertEquals(runs[1], runs[0]);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a failed async initialize is tried again on the next row, as a failed sync one is", async () => {
  for (const kind of ["sync", "async"]) {
    const model = inlineModel(`
      let calls = 0;
      export const build = () => ({ ready: false });
      export const initialize = ${kind === "async" ? "async " : ""}(m) => {
        if (++calls === 1) throw new Error("not yet");
        m.ready = true;
      };
      export const evaluate = (m, p) => ({ y: m.ready ? p.x : NaN });`);
    try {
      const r = await parameterSweep({
        model,
        params: { x: linearSample(0, 3, 4) },
        workers: 1,
        rebuildOnFailure: false,
      });
      assertEquals([...r.success], [0, 1, 1, 1], kind);
      assertEquals([...r.outputs.y].slice(1), [1, 2, 3], kind);
    } finally {
      URL.revokeObjectURL(model);
    }
  }
});

Deno.test("names every object inherits are outputs like any other; __proto__ is refused", async () => {
  const model = inlineModel(`
    export const evaluate = (_, p) => (p.x > 0 ? { constructor: p.x, y: 1 } : { y: 0 });`);
  try {
    const r = await parameterSweep({
      model,
      params: { x: linearSample(0, 2, 3) },
      outputs: ["constructor", "y"],
      workers: 1,
    });
    // Row 0 does not produce it (the inherited one does not count): it fails, as any row
    // without a named output.
    assertEquals([...r.success], [0, 1, 1]);
    assertMatch(
      r.errors.get(0)!,
      /names "constructor", which evaluate did not return; it returned y$/,
    );
    assertEquals([...r.outputs["constructor"] as Float64Array], [NaN, 1, 2]);
    await assertRejects(
      () => parameterSweep({ model, params: { __proto__: linearSample(0, 1, 2) } as never }),
      RangeError,
    );
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a build that fails fails the sweep alike on one worker and two, whatever its error's name", async () => {
  const model = inlineModel(`
    export const build = () => { throw new DOMException("slow build", "TimeoutError"); };
    export const evaluate = () => ({ y: 1 });`);
  try {
    const messages = [];
    for (const workers of [1, 2]) {
      const error = await parameterSweep({ model, params: { x: linearSample(0, 1, 4) }, workers })
        .then(() => undefined, (e: Error) => e.message);
      assertMatch(error!, /could not be built: TimeoutError: slow build/);
      messages.push(error);
    }
    assertEquals(messages[1], messages[0]);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("outputs that appear after the first row are ordered by where they first appear", async () => {
  // Rows 30..39 are slow: the chunk holding "c" (row 30) arrives after the one holding "b"
  // (row 45); the order must not follow arrival.
  const model = inlineModel(`
    export const evaluate = (_, p) => {
      const end = performance.now() + (p.x >= 30 && p.x < 40 ? 20 : 0);
      while (performance.now() < end) {}
      return { a: p.x, ...(p.x === 30 ? { c: 1 } : {}), ...(p.x === 45 ? { b: 1 } : {}) };
    };`);
  try {
    const params = { x: linearSample(0, 59, 60) };
    const serial = await parameterSweep({ model, params, workers: 1 });
    await using pool = new DenoWorkerManager({ workers: 2, chunkSize: 10 });
    const parallel = await parameterSweep({ model, params, manager: pool });
    assertEquals(serial.outputNames, ["a", "c", "b"]);
    assertEquals(parallel.outputNames, ["a", "c", "b"]);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a named output that is not a finite number fails its row; a found one is recorded as NaN", async () => {
  const model = inlineModel(
    `export const evaluate = (_, p) => ({ y: p.x === 1 ? "5" : p.x === 3 ? 10n : p.x === 4 ? new Number(3) : p.x });`,
  );
  try {
    const named = await parameterSweep({
      model,
      params: { x: linearSample(0, 4, 5) },
      outputs: ["y"],
      workers: 1,
    });
    assertEquals([...named.success], [1, 0, 1, 0, 0]);
    // Quoted: the string "5", not the number 5; and what each value is.
    const why = ": return numbers (Number(...) of other values)";
    assertEquals(named.errors.get(1), `output 'y' is "5" (a string), not a number${why}`);
    assertEquals(named.errors.get(3), `output 'y' is 10n (a bigint), not a number${why}`);
    assertEquals(named.errors.get(4), `output 'y' is 3 (an object), not a number${why}`);
    // Found outputs (a flag such as converged: true, say) do not fail their rows.
    const found = await parameterSweep({ model, params: { x: linearSample(0, 2, 3) }, workers: 1 });
    assertEquals([...found.success], [1, 1, 1]);
    assertEquals([...found.outputs.y], [0, NaN, 2]);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a model path may hold #, % and ?, like any file name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sub = `${dir}/a#b%41?c`;
    await Deno.mkdir(sub);
    await Deno.writeTextFile(`${sub}/m.js`, "export const evaluate = (_, p) => ({ y: 2 * p.x });");
    for (const workers of [1, 2]) {
      const r = await parameterSweep({
        model: `${sub}/m.js`,
        params: { x: linearSample(0, 2, 3) },
        workers,
      });
      assertEquals([...r.outputs.y], [0, 2, 4]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
