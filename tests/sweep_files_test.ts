// Results files: streamed as rows finish, valid after a crash, resumed without recomputing.
import {
  DenoWorkerManager,
  fixedSample,
  linearSample,
  parameterSweep,
  type SweepOptions,
  uniformSample,
} from "../mod.ts";
import { readRows } from "../src/io/read_rows.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";

const slow = new URL("./fixtures/models/slow.ts", import.meta.url);
const crash = new URL("./fixtures/crash_sweep.ts", import.meta.url).pathname;
const analytic = new URL("./fixtures/models/analytic.ts", import.meta.url).pathname;

// Runs a sweep and stops it once `rows` rows are done (on disk).
async function stopAfter(rows: number, options: SweepOptions): Promise<void> {
  const ac = new AbortController();
  await assertRejects(() =>
    parameterSweep({
      ...options,
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => p.done >= rows && ac.abort(new Error("stop")),
    })
  );
}

Deno.test("a killed sweep leaves exactly its finished rows on disk, and resume completes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "psweep_crash_" });
  try {
    const csv = `${dir}/run.csv`;
    const jsonl = `${dir}/run.jsonl`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", crash, csv, jsonl, "pause"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // Kill it once 60 of 200 rows are reported done: the rows are on disk by then.
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
    let buffer = "";
    let killed = false;
    for await (const text of lines) {
      buffer += text;
      const done = [...buffer.matchAll(/done (\d+)/g)].map((m) => Number(m[1]));
      if (done.length && Math.max(...done) >= 60) {
        child.kill("SIGKILL");
        killed = true;
        break;
      }
    }
    await lines.return?.();
    const status = await child.status;
    assert(killed && !status.success, "the sweep must be killed midway");

    // Every line on disk is a complete, correct row; no row twice.
    const disk = await readRows(csv);
    // The resume continues the JSON Lines file, which a kill between the two files' writes of a
    // batch can leave a batch behind the CSV file.
    const continued = await readRows(jsonl);
    assert(disk.rows >= 60 && disk.rows < 200, `rows on disk: ${disk.rows}`);
    const seen = new Set<string>();
    for (let i = 0; i < disk.rows; i++) {
      const [x, z] = [disk.params[2 * i], disk.params[2 * i + 1]];
      seen.add(`${x},${z}`);
      if (x === 7) assertEquals(disk.success[i], 0);
      else assertEquals(disk.outputs[i], x * z);
    }
    assertEquals(seen.size, disk.rows);

    // Resume in a fresh process computes only the missing rows.
    const resumed = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", crash, csv, jsonl, "resume"],
      stdout: "piped",
    }).output();
    const out = new TextDecoder().decode(resumed.stdout);
    assertMatch(out, /finished/);
    const firstReport = Number(/done (\d+)/.exec(out)![1]);
    assert(firstReport >= continued.rows, "resumed rows count as done from the start");

    // The final files equal an uninterrupted run's.
    const fresh = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", crash, `${dir}/fresh.csv`, `${dir}/fresh.jsonl`],
      stdout: "null",
    });
    assert((await fresh.output()).success);
    assertEquals(await Deno.readTextFile(csv), await Deno.readTextFile(`${dir}/fresh.csv`));
    assertEquals(await Deno.readTextFile(jsonl), await Deno.readTextFile(`${dir}/fresh.jsonl`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an existing results file is never overwritten unless asked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    await Deno.writeTextFile(csv, "keep me\n");
    const params = { a: fixedSample([1, 2]), b: fixedSample([3]) };
    await assertRejects(
      () => parameterSweep({ model: analytic, params, workers: 1, csv }),
      /already exists: pass resume to continue that sweep, or overwrite to replace it/,
    );
    assertEquals(await Deno.readTextFile(csv), "keep me\n");
    await parameterSweep({ model: analytic, params, workers: 1, csv, overwrite: true });
    assertMatch(
      await Deno.readTextFile(csv),
      /^a,b,sum,product,ratio,success\r?\n1,3,4,3,3,true\r?\n2,3,5,6,1.5,true\r?\n$/,
    );
    await assertRejects(
      () => parameterSweep({ model: analytic, params, workers: 1, csv: `${dir}/no/such/dir.csv` }),
      /its directory .* does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resume refuses a file from a different sweep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    await parameterSweep({
      model: slow,
      params: { x: linearSample(0, 3, 4), z: fixedSample([1]) },
      workers: 1,
      csv,
    });
    await assertRejects(
      () =>
        parameterSweep({
          model: slow,
          params: { x: linearSample(0, 4, 4), z: fixedSample([1]) },
          workers: 1,
          csv,
          resume: true,
        }),
      /Cannot resume .*r\.csv.*params/s,
    );
    await assertRejects(
      () =>
        parameterSweep({
          model: analytic,
          params: { x: linearSample(0, 3, 4), z: fixedSample([1]) },
          workers: 1,
          csv,
          resume: true,
        }),
      /Cannot resume .*model/s,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows of a model that could not be built stay missing, so resume computes them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = `${dir}/model.ts`;
    await Deno.copyFile(new URL("./fixtures/models/flaky_build.ts", import.meta.url), model);
    await Deno.writeTextFile(`${dir}/broken`, "");
    const csv = `${dir}/r.csv`;
    const options = { model, params: { x: linearSample(0, 9, 10) }, csv, workers: 2 };
    await assertRejects(() => parameterSweep(options), /could not be built: .*licence server down/);
    const partial = await Deno.readTextFile(csv).catch(() => "");
    assertEquals(partial.trim().split("\n").filter((l) => /^\d/.test(l)).length, 0);
    await Deno.remove(`${dir}/broken`);
    const r = await parameterSweep({ ...options, resume: true });
    assertEquals([r.stats.succeeded, r.stats.failed, r.stats.resumed], [10, 0, 0]);
    assertEquals([...r.outputs.y], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rows that finish before any output is known are not written under a header without outputs", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL("../", import.meta.url).pathname;
  try {
    const csv = `${dir}/r.csv`;
    const model = new URL("./fixtures/models/late_outputs.ts", import.meta.url);
    const params = { x: linearSample(0, 99, 100) };
    await using pool = new DenoWorkerManager({
      workers: 2,
      chunkSize: 4,
      permissions: { read: [root] },
    });
    const ac = new AbortController();
    await assertRejects(() =>
      parameterSweep({
        model,
        params,
        csv,
        manager: pool,
        signal: ac.signal,
        progressIntervalMs: 0,
        onProgress: (p) => p.done >= 40 && ac.abort(new Error("stop")),
      })
    );
    const partial = (await Deno.readTextFile(csv)).trim().split("\n");
    assertEquals(partial[0], "x,y,success");
    for (const line of partial.slice(1)) {
      const [x, y, ok] = line.split(",");
      assertEquals([y, ok], Number(x) < 16 ? ["NaN", "false"] : [String(2 * Number(x)), "true"]);
    }
    const r = await parameterSweep({ model, params, csv, manager: pool, resume: true });
    assertEquals(
      [...r.outputs.y].map((y, x) => x < 16 ? Number.isNaN(y) : y === 2 * x),
      Array(100).fill(true),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a serial sweep streams too: an abort leaves the finished rows on disk for resume", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    const params = { x: linearSample(0, 19, 20), z: linearSample(1, 10, 10) };
    await stopAfter(20, { model: slow, params, outputs: ["y"], workers: 1, csv });
    const onDisk = (await Deno.readTextFile(csv)).trim().split("\n").length - 1;
    assert(onDisk >= 20 && onDisk < 200, `rows on disk: ${onDisk}`);
    const r = await parameterSweep({
      model: slow,
      params,
      outputs: ["y"],
      workers: 1,
      csv,
      resume: true,
    });
    assertEquals([r.rows, r.stats.resumed], [200, onDisk]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sweep drawn without a seed resumes with the seed its file recorded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    const params = { x: uniformSample(0, 19, 200), z: uniformSample(1, 10, 200) };
    await stopAfter(20, { model: slow, params, outputs: ["y"], workers: 1, csv });
    const seed = JSON.parse(await Deno.readTextFile(`${csv}.meta.json`)).seed;
    assert(typeof seed === "number");
    const r = await parameterSweep({
      model: slow,
      params,
      outputs: ["y"],
      workers: 1,
      csv,
      resume: true,
    });
    assertEquals(r.seed, seed);
    assert(r.stats.resumed >= 20);
    // The whole file is the sweep that seed draws.
    const whole = await parameterSweep({ model: slow, params, outputs: ["y"], workers: 1, seed });
    assertEquals([...r.params.x], [...whole.params.x]);
    assertEquals([...r.outputs.y], [...whole.outputs.y]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resume refuses other build options than the file's sweep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    const params = { a: linearSample(0, 3, 4), b: fixedSample([1]) };
    await parameterSweep({ model: analytic, params, buildOptions: { limit: 3 }, workers: 1, csv });
    await assertRejects(
      () =>
        parameterSweep({
          model: analytic,
          params,
          buildOptions: { limit: 100 },
          workers: 1,
          csv,
          resume: true,
        }),
      /Cannot resume .*'buildOptions\.limit' differs/s,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stopped sweep whose rows on disk lack an output found later is computed again on resume", async () => {
  // The model returns `late` from x = 100 on: rows written after it appeared go to disk without
  // it (the header was fixed by the first rows), and only the final rewrite adds it.
  const model = URL.createObjectURL(
    new Blob([
      `export const evaluate = (_, p) => p.x < 100 ? { y: p.x } : { y: p.x, late: -p.x };`,
    ], { type: "text/javascript" }),
  );
  const dir = await Deno.makeTempDir();
  try {
    await using pool = new DenoWorkerManager({ workers: 1, chunkSize: 10 });
    const params = { x: linearSample(0, 399, 400) };
    for (const format of ["csv", "jsonl", "arrow"] as const) {
      const path = `${dir}/r.${format}`;
      await stopAfter(250, { model, params, manager: pool, [format]: path });
      const meta = JSON.parse(await Deno.readTextFile(`${path}.meta.json`));
      assertEquals(meta.outputsMissingFromRows, ["late"]);
      // Not taken back as complete: every row is computed again, and the result says so.
      const r = await parameterSweep({
        model,
        params,
        manager: pool,
        [format]: path,
        resume: true,
      });
      assertEquals(r.stats.resumed, 0);
      assertEquals(r.warnings.length, 1);
      assertMatch(r.warnings[0], /lacked the output "late", which appeared after its first rows/);
      assertEquals(
        [...r.outputs.late].every((v, x) => x < 100 ? Number.isNaN(v) : v === -x),
        true,
      );
      if (format !== "arrow") {
        const back = await readRows(path);
        assertEquals(back.outputNames, ["y", "late"]);
        assertEquals(back.rows, 400);
      }
      // A finished run's metadata no longer says its rows lack anything: it resumes.
      const again = await parameterSweep({
        model,
        params,
        manager: pool,
        [format]: path,
        resume: true,
      });
      assertEquals([again.stats.resumed, again.warnings.length], [400, 0]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
