// Hardening against hostile models and careless use (issue 11): each test reproduces an attack
// or a mistake with real workers, processes, signals and files.
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { MAX_OUTPUT_NAMES } from "../src/_limits.ts";
import { withTempDir } from "./_temp.ts";
import { basename } from "node:path";
import { finalizeH5 } from "../src/io/_h5.ts";

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
import {
  createParallelManager,
  type CreateParallelManagerOptions,
  DenoWorkerManager,
  type DenoWorkerManagerOptions,
  differentialParameterSweep,
  type DifferentialSweepOptions,
  fixedSample,
  linearSample,
  parameterSweep,
  recursiveParameterSweep,
  type RecursiveSweepOptions,
  RedisManager,
  type RedisManagerOptions,
  type SweepOptions,
} from "../mod.ts";

const hostile = (name: string) => new URL(`./fixtures/hostile/${name}`, import.meta.url).href;

Deno.test("workers: 1 runs the model in a scoped worker: every probe is refused", async () => {
  for (const workers of [1, undefined]) {
    const result = await parameterSweep({
      model: hostile("probe.ts"),
      params: { x: fixedSample([1, 2]) },
      workers,
    });
    for (const [name, column] of Object.entries(result.outputs)) {
      assertEquals(
        [...column],
        [0, 0],
        `probe '${name}' got past the sandbox (workers: ${workers})`,
      );
    }
    assertEquals(Object.keys(result.outputs).length, 8);
  }
});

Deno.test("names a model forges for its first evaluation make no columns: the files hold what it returned", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    const result = await parameterSweep({
      model: hostile("forge_names.ts"),
      params: { x: fixedSample([1, 2, 3]) },
      workers: 1,
      csv,
    });
    assertEquals(result.outputNames, ["y"]);
    assertEquals([...result.outputs.y], [10, 20, 30]);
    assertEquals((await Deno.readTextFile(csv)).split("\n")[0], "x,y,success");
  });
});

Deno.test("a model's forged protocol messages reach nothing: its timeout fires, other rows stand", async () => {
  const result = await parameterSweep({
    model: hostile("forge_message.ts"),
    params: { x: fixedSample([1, 2, 3]) },
    workers: 1,
    timeout: 1000,
  });
  assertEquals([...result.success], [1, 0, 1]);
  assertEquals([...result.outputs.y], [10, NaN, 30]);
  assertMatch(result.errors.get(1)!, /TimeoutError: row 1 \(x=2\) ran past its \d+ ms limit/);
});

Deno.test("a model that patches its worker's encoder cannot reach the files: their text is made without model code", async () => {
  // forge_text.ts patches Uint8Array.prototype.slice in its worker so that any CSV text made
  // there would carry a spreadsheet formula. Files are encoded from the main thread's rows by a
  // worker that loads no model: the rows stand, and no formula lands.
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    const result = await parameterSweep({
      model: hostile("forge_text.ts"),
      params: { x: fixedSample([1, 2, 3]) },
      workers: 1,
      csv,
    });
    assertEquals([...result.success], [1, 1, 1]);
    assertEquals([...result.outputs.y], [10, 20, 30]);
    assertEquals(await Deno.readTextFile(csv), "x,y,success\n1,10,true\n2,20,true\n3,30,true\n");
  });
});

Deno.test("results a model leaves on shared memory are refused: it cannot change them after the check", async () => {
  // shared_results.ts makes the driver's copies of a chunk's index and outputs views of shared
  // memory and rewrites them later. Those chunks' rows fail, named; rows the pool took from
  // the worker's shared memory itself (copied there) stand. No row is written under another's
  // parameters, or twice.
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    const result = await parameterSweep({
      model: hostile("shared_results.ts"),
      params: { x: linearSample(0, 199, 200) },
      workers: 1,
      csv,
      keepResult: false,
    });
    assert(result.stats.failed > 0, "no chunk was refused");
    // (Refused as on shared memory, or, had the model rewritten an index before the check, as
    // claiming other rows: which comes first is the timers'.)
    assertMatch(
      result.firstError!.message,
      /refused: its (results lie in memory its worker can still write|row \d+ claims index)/,
    );
    const lines = (await Deno.readTextFile(csv)).trim().split("\n").slice(1);
    assertEquals(lines.length, 200);
    lines.forEach((line, r) => {
      const [x, y, success] = line.split(",");
      assertEquals(Number(x), r, line);
      if (success === "true") assertEquals(Number(y), 10 * r, line);
      else assertEquals([y, success], ["NaN", "false"], line);
    });
  });
});

Deno.test("a row that ends its worker mid-chunk fails alone: the chunk's other rows are retried", async () => {
  await using manager = new DenoWorkerManager({ workers: 1, chunkSize: 4 });
  const result = await parameterSweep({
    model: hostile("close_at_7.ts"),
    params: { x: fixedSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    manager,
  });
  assertEquals([...result.success], [1, 1, 1, 1, 1, 1, 1, 0, 1, 1]);
  assertEquals([...result.outputs.y].filter((y) => !Number.isNaN(y)).length, 9);
  assertMatch(result.errors.get(7)!, /WorkerDiedError: .*died 3 times.*self\.close\(\)/);
});

Deno.test("a model that exits at import fails the sweep once, after its retries, naming why", async () => {
  await assertRejects(
    () =>
      parameterSweep({
        model: hostile("exit_at_import.ts"),
        params: { x: linearSample(0, 1, 200) },
        workers: 2,
      }),
    /could not be built: .*worker died while building the model 3 times; last: .*Deno\.exit\(3\)/,
  );
});

Deno.test("a build that never resolves fails the sweep at the build timeout, not per row", async () => {
  await using manager = new DenoWorkerManager({ workers: 2, timeout: 100, buildTimeout: 300 });
  await assertRejects(
    () =>
      parameterSweep({
        model: hostile("build_never_resolves.ts"),
        params: { x: linearSample(0, 1, 100) },
        manager,
      }),
    /could not be built: .*build ran past the 300 ms build timeout/,
  );
});

Deno.test("a results file deleted or replaced mid-run fails the run, naming it", async () => {
  const slow = new URL("./fixtures/models/slow.ts", import.meta.url).href;
  for (const how of ["deleted", "replaced"]) {
    await withTempDir(async (dir) => {
      const csv = `${dir}/out.csv`;
      let done = false;
      await assertRejects(
        () =>
          parameterSweep({
            model: slow,
            params: { x: linearSample(0, 1, 200), z: fixedSample([1]) },
            workers: 1,
            csv,
            progressIntervalMs: 0,
            onProgress: (p) => {
              if (done || p.done === 0) return;
              done = true;
              if (how === "deleted") Deno.removeSync(csv);
              else {
                Deno.writeTextFileSync(`${dir}/other.csv`, "x,z,y,spun,success\n");
                Deno.renameSync(`${dir}/other.csv`, csv);
              }
            },
          }),
        /results file ".*out\.csv" was deleted or replaced while the sweep was writing it/,
      );
      assert(done);
    });
  }
});

Deno.test("temporary files a killed rewrite left beside the results file are removed by the next run", async () => {
  await withTempDir(async (dir) => {
    const strays = [".out.csv.0123456789ab.tmp", ".out.csv.meta.json.a1b2c3d4e5f6.tmp"];
    const others = [".other.csv.0123456789ab.tmp", "out.csv.0123456789ab.tmp"];
    for (const name of [...strays, ...others]) await Deno.writeTextFile(`${dir}/${name}`, "x");
    await parameterSweep({
      model: hostile("close_at_7.ts"),
      params: { x: fixedSample([1, 2]) },
      workers: 1,
      csv: `${dir}/out.csv`,
    });
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, [...others, "out.csv", "out.csv.meta.json"].sort());
  });
});

Deno.test("the temporary file of HDF5's final rewrite, left by a killed run, is removed by the next run", async () => {
  await withTempDir(async (dir) => {
    const h5 = `${dir}/out.h5`;
    const table = {
      paramNames: ["x"],
      outputNames: ["y"],
      rows: 2,
      params: Float64Array.of(1, 2),
      outputs: Float64Array.of(1, 4),
      success: Uint8Array.of(1, 1),
    };
    // The name the rewrite gives its temporary file, seen as it is made (a watch, not a guess).
    const watcher = Deno.watchFs(dir, { recursive: false });
    let temp: string | undefined;
    try {
      await finalizeH5(h5, table);
      for await (const event of watcher) {
        temp = event.paths.map((p) => basename(p)).find((n) => n !== "out.h5");
        if (temp !== undefined) break;
      }
    } finally {
      watcher.close();
    }
    assert(temp !== undefined && !(await exists(`${dir}/${temp}`)), `temporary ${temp}`);
    // What a run killed between that file's creation and its rename leaves beside the results.
    await Deno.writeTextFile(`${dir}/${temp}`, "a half-written HDF5 file");
    await Deno.remove(h5);
    await parameterSweep({
      model: hostile("close_at_7.ts"),
      params: { x: fixedSample([1, 2]) },
      workers: 1,
      h5,
    });
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, ["out.h5", "out.h5.meta.json"]);
  });
});

Deno.test("a model that makes up output names is stopped at the limit: later rows fail, naming it", async () => {
  const rows = 1500;
  const result = await parameterSweep({
    model: hostile("many_names.ts"),
    params: { x: linearSample(0, rows - 1, rows) },
    workers: 2,
  });
  // Each successful row brought one name; a chunk that would pass the limit fails whole.
  const succeeded = result.stats.succeeded;
  assert(succeeded > 0 && succeeded <= MAX_OUTPUT_NAMES, `${succeeded}`);
  assertEquals(result.outputNames.length, succeeded);
  assertEquals(result.stats.failed, rows - succeeded);
  for (const message of result.errors.values()) {
    assertMatch(message, /distinct output names, over the limit of 1024/);
  }
  await assertRejects(
    () => planSweepOutputs(MAX_OUTPUT_NAMES + 1),
    /'outputs' must name at most 1024 outputs/,
  );
});

function planSweepOutputs(n: number): Promise<unknown> {
  return parameterSweep({
    model: hostile("many_names.ts"),
    params: { x: fixedSample([1]) },
    outputs: Array.from({ length: n }, (_, i) => `o${i}`),
  });
}

Deno.test("library options of the wrong type are refused, naming the field, before any file is touched", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    const base = { model: hostile("close_at_7.ts"), params: { x: fixedSample([1, 2]) }, csv };
    await parameterSweep({ ...base, workers: 1 });
    const meta = await Deno.readTextFile(`${csv}.meta.json`);
    const bad: [string, unknown][] = [
      ["timeout", "100"],
      ["overwrite", "false"],
      ["resume", 1],
      ["rebuildOnFailure", "no"],
      ["workers", "2"],
      ["workers", 1.5],
      ["signal", {}],
      ["onProgress", "log"],
      ["buildOptions", [1]],
      ["manager", {}],
    ];
    for (const [field, value] of bad) {
      await assertRejects(
        () => parameterSweep({ ...base, [field]: value } as unknown as SweepOptions),
        (e: Error) => {
          assert(e instanceof TypeError, `${field}: ${e}`);
          assertMatch(e.message, new RegExp(`^Cannot run a sweep as '${field}' must be `));
          return true;
        },
      );
    }
    assertEquals(await Deno.readTextFile(`${csv}.meta.json`), meta);
    assertThrows(
      () => new DenoWorkerManager({ assumeNoPrompt: "false" as unknown as boolean }),
      /'assumeNoPrompt' must be true or false/,
    );
  });
});

Deno.test("misspelt library option keys are refused with the closest name, for sweeps and managers", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    const base = { model: hostile("close_at_7.ts"), params: { x: fixedSample([1, 2]) }, csv };
    const misspelt: [() => Promise<unknown>, RegExp][] = [
      [
        () => parameterSweep({ ...base, timout: 100 } as unknown as SweepOptions),
        /^Cannot run a sweep as "timout" is not an option \(did you mean 'timeout'\?\): expected one of model, /,
      ],
      [
        () => parameterSweep({ ...base, overWrite: true } as unknown as SweepOptions),
        /"overWrite" is not an option \(did you mean 'overwrite'\?\)/,
      ],
      [
        () => parameterSweep({ ...base, numSamples: 3 } as unknown as SweepOptions),
        /"numSamples" is not an option/,
      ],
      [
        () =>
          recursiveParameterSweep(
            { ...base, numSamples: 2, maxRound: 3 } as unknown as RecursiveSweepOptions,
          ),
        /"maxRound" is not an option \(did you mean 'maxRounds'\?\)/,
      ],
      [
        () =>
          differentialParameterSweep({
            ...base,
            differential: {},
            numDiffSample: 2,
          } as unknown as DifferentialSweepOptions),
        /"numDiffSample" is not an option \(did you mean 'numDiffSamples'\?\)/,
      ],
    ];
    for (const [run, message] of misspelt) {
      await assertRejects(run, (e: Error) => {
        assert(e instanceof TypeError, String(e));
        assertMatch(e.message, message);
        return true;
      });
    }
    // Nothing was written: the key is checked before any file is touched.
    assert(!(await Deno.stat(csv).then(() => true, () => false)));
    // A key set to undefined asks for nothing, as an absent one.
    const result = await parameterSweep(
      { ...base, workers: 1, timout: undefined } as unknown as SweepOptions,
    );
    assertEquals(result.rows, 2);
    assertThrows(
      () => new DenoWorkerManager({ worker: 2 } as unknown as DenoWorkerManagerOptions),
      TypeError,
      `Cannot create a worker pool as "worker" is not an option (did you mean 'workers'?)`,
    );
    assertThrows(
      () => createParallelManager({ MPI: true } as unknown as CreateParallelManagerOptions),
      TypeError,
      `"MPI" is not an option (did you mean 'mpi'?)`,
    );
    assertThrows(
      () =>
        new RedisManager(
          { url: "redis://127.0.0.1:1", lease: 5 } as unknown as RedisManagerOptions,
        ),
      TypeError,
      `Cannot create a Redis manager as "lease" is not an option`,
    );
  });
});

Deno.test("a lock file left by a run that died holds nothing: the next run takes it", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/out.csv`;
    // What `kill -9` leaves: the file, no holder (the OS dropped the lock with the process).
    await Deno.writeTextFile(`${csv}.lock`, "999999999\n");
    const result = await parameterSweep({
      model: hostile("close_at_7.ts"),
      params: { x: fixedSample([1, 2]) },
      workers: 1,
      csv,
    });
    assertEquals([...result.success], [1, 1]);
    assert(!(await Deno.stat(`${csv}.lock`).then(() => true, () => false)));
  });
});
