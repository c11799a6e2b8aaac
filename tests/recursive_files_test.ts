// recursiveParameterSweep writes its results files (CSV/JSONL streamed by round, the columnar
// formats once it completes), holds their locks, and resumes, like parameterSweep.
import { recursiveParameterSweep, type RecursiveSweepOptions, uniformSample } from "../mod.ts";
import { readRows } from "../src/io/mod.ts";
import { resultsFormat } from "../src/io/_formats.ts";
import { roundPath } from "../src/sweep/_recursive_files.ts";
import { plainResult } from "./_sweep_result.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const model = new URL("./fixtures/models/wt_recursive.ts", import.meta.url).pathname;

// WaterTAP's test_recursive_parameter_sweep (seed 0, 10 samples, success where a <= 0.5): its
// reference a values, to the 8 digits it gives.
const truthA = [
  0.38344152,
  0.4236548,
  0.43758721,
  0.0187898,
  0.0202184,
  0.06022547,
  0.07103606,
  0.0871293,
  0.10204481,
  0.11827443,
];

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

// WaterTAP's recursive test case: 10 successful rows of a_val, drawn 10 at a time, seed 0.
const tenRows = {
  model,
  params: { a_val: uniformSample(0, 1, 10) },
  outputs: ["x_val"],
  numSamples: 10,
  seed: 0,
  workers: 1,
};

Deno.test("recursiveParameterSweep writes the rows it keeps to CSV/JSONL, WaterTAP's rows for seed 0", async () => {
  await withTempDir(async (dir) => {
    const options: RecursiveSweepOptions = {
      ...tenRows,
      csv: `${dir}/r.csv`,
      jsonl: `${dir}/r.jsonl`,
    };
    const r = await recursiveParameterSweep(options);
    for (const path of [`${dir}/r.csv`, `${dir}/r.jsonl`]) {
      const back = await readRows(path, { paramNames: ["a_val"], outputNames: ["x_val"] });
      assertEquals(back.rows, 10);
      back.params.forEach((a, i) => assert(Math.abs(a - truthA[i]) < 1e-8, `row ${i}: ${a}`));
      assertEquals([...back.params], [...r.params.a_val]);
      assertEquals([...back.outputs], [...r.outputs.x_val]);
      assertEquals([...back.success], Array(10).fill(1));
      // The rounds' part files are gone once the sweep is done.
      assert(!(await exists(roundPath(path, 0))), "part file of round 0 left");
      assert(!(await exists(roundPath(path, 1))), "part file of round 1 left");
    }
    // A second run does not replace it, a resume of the finished sweep reads it back.
    await assertRejects(() => recursiveParameterSweep(options), Deno.errors.AlreadyExists);
    const again = await recursiveParameterSweep({ ...options, resume: true });
    assertEquals(again.stats.resumed, 10);
    assertEquals(plainResult(again), plainResult(r));
    // ...if it is the same sweep.
    await assertRejects(
      () => recursiveParameterSweep({ ...options, numSamples: 9, resume: true }),
      Error,
      "'numSamples' differs",
    );
  });
});

Deno.test("a recursive sweep stopped in its second round resumes to the same rows", async () => {
  await withTempDir(async (dir) => {
    const options: RecursiveSweepOptions = {
      ...tenRows,
      csv: `${dir}/r.csv`,
    };
    const whole = await recursiveParameterSweep({ ...options, csv: `${dir}/whole.csv` });
    // Stopped once 20 rows are done: round 0 drew 10, round 1 draws 47.
    const stop = new AbortController();
    await assertRejects(() =>
      recursiveParameterSweep({
        ...options,
        signal: stop.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.done >= 20) stop.abort(new Error("stopped"));
        },
      })
    );
    assert(await exists(roundPath(`${dir}/r.csv`, 0)), "round 0 is on disk");
    assert(await exists(roundPath(`${dir}/r.csv`, 1)), "round 1 has rows on disk");
    assert(!(await exists(`${dir}/r.csv`)), "no results file before the sweep is done");
    // Without resume, the stopped rounds are not silently replaced.
    await assertRejects(
      () => recursiveParameterSweep(options),
      Deno.errors.AlreadyExists,
      "a round of a recursive sweep that stopped",
    );
    const resumed = await recursiveParameterSweep({ ...options, seed: undefined, resume: true });
    assert(resumed.stats.resumed >= 20, `resumed ${resumed.stats.resumed}`);
    assertEquals(plainResult(resumed), plainResult(whole));
    assertEquals(
      await Deno.readTextFile(`${dir}/r.csv`),
      await Deno.readTextFile(`${dir}/whole.csv`),
    );
  });
});

Deno.test("a recursive sweep that keeps no rows removes what a killed run left of its pending Parquet file", async () => {
  await withTempDir(async (dir) => {
    // The Parquet file is written to a pending copy, itself written through a temporary file:
    // a run killed then leaves that temporary file, which the next run removes.
    const stray = `${dir}/..r.parquet.final.parquet.0123456789ab.tmp`;
    await Deno.writeTextFile(stray, "half");
    const summary = await recursiveParameterSweep({
      ...tenRows,
      keepResult: false,
      csv: `${dir}/r.csv`,
      parquet: `${dir}/r.parquet`,
    });
    assertEquals(summary.rows, 10);
    assert(!(await exists(stray)), "a stray temporary file of the pending Parquet file is left");
    assertEquals((await (await resultsFormat("parquet")).read(`${dir}/r.parquet`)).rows, 10);
  });
});

Deno.test("a recursive sweep writes Arrow, HDF5 and Parquet once it completes, beside its CSV", async () => {
  await withTempDir(async (dir) => {
    const options: RecursiveSweepOptions = {
      ...tenRows,
      csv: `${dir}/r.csv`,
      arrow: `${dir}/r.arrow`,
      h5: `${dir}/r.h5`,
      parquet: `${dir}/r.parquet`,
    };
    const r = await recursiveParameterSweep(options);
    assertEquals(r.rows, 10);
    for (const format of ["csv", "arrow", "h5", "parquet"] as const) {
      const path = `${dir}/r.${format}`;
      const back = await (await resultsFormat(format)).read(path);
      assertEquals(back.rows, 10, format);
      assertEquals(back.paramNames, ["a_val"]);
      assertEquals(back.outputNames, ["x_val"]);
      assertEquals([...back.params], [...r.params.a_val], format);
      assertEquals([...back.outputs], [...r.outputs.x_val], format);
      assertEquals([...back.success], Array(10).fill(1), format);
      const meta = JSON.parse(await Deno.readTextFile(`${path}.meta.json`));
      assertEquals([meta.numSamples, meta.seed, meta.totalRows], [10, 0, 10], format);
      // The run is over: its locks are gone with it, and no round wrote a columnar file.
      assert(!(await exists(`${path}.lock`)), `${format} lock left`);
      assert(!(await exists(roundPath(path, 0))), `${format} part left`);
    }
    // Each results file, columnar ones too, is refused unless resumed or overwritten.
    await assertRejects(
      () => recursiveParameterSweep({ ...options, csv: `${dir}/other.csv` }),
      Deno.errors.AlreadyExists,
      "r.arrow",
    );
    const h5 = await Deno.readFile(`${dir}/r.h5`);
    const again = await recursiveParameterSweep({ ...options, overwrite: true });
    assertEquals(plainResult(again), plainResult(r));
    // A resume of the finished sweep reads its CSV back and writes a results file asked for
    // now that it lacks.
    await Deno.remove(`${dir}/r.parquet`);
    const resumed = await recursiveParameterSweep({ ...options, resume: true });
    assertEquals(resumed.stats.resumed, 10);
    const parquet = await (await resultsFormat("parquet")).read(`${dir}/r.parquet`);
    assertEquals([...parquet.params], [...r.params.a_val]);
    assertEquals((await Deno.readFile(`${dir}/r.h5`)).length, h5.length);
    // Only the CSV and JSON Lines rounds can be resumed: columnar files alone cannot.
    await assertRejects(
      () => recursiveParameterSweep({ ...options, csv: undefined, resume: true }),
      TypeError,
      "Cannot resume a recursive sweep as neither 'csv' nor 'jsonl' names a results file",
    );
  });
});

Deno.test("a recursive sweep takes its results files' locks before it reads, removes or replaces any file", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/r.csv`;
    const options: RecursiveSweepOptions = {
      ...tenRows,
      csv,
      h5: `${dir}/r.h5`,
    };
    // Stopped in its second round, its rounds on disk.
    const stop = new AbortController();
    await assertRejects(() =>
      recursiveParameterSweep({
        ...options,
        signal: stop.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.done >= 20) stop.abort(new Error("stopped"));
        },
      })
    );
    const part = await Deno.readTextFile(roundPath(csv, 0));
    // Another process holds the HDF5 file's lock: an --overwrite run removes nothing.
    const holder = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const f = await Deno.open(${
          JSON.stringify(`${dir}/r.h5.lock`)
        }, { write: true, create: true });
         await f.lock(true); await f.write(new TextEncoder().encode(Deno.pid + "\\n"));
         console.log("held"); await Deno.stdin.read(new Uint8Array(1));`,
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const lines = holder.stdout.pipeThrough(new TextDecoderStream()).values();
    try {
      assertEquals((await lines.next()).value?.trim(), "held");
      await assertRejects(
        () => recursiveParameterSweep({ ...options, overwrite: true }),
        Deno.errors.Busy,
        `as another run (pid ${holder.pid}) is writing it`,
      );
    } finally {
      await holder.stdin.close();
      await lines.return?.();
      await holder.status;
    }
    assertEquals(await Deno.readTextFile(roundPath(csv, 0)), part);
    assert(!(await exists(`${csv}.lock`)), "the csv lock is released after the refusal");
    const resumed = await recursiveParameterSweep({ ...options, resume: true });
    assertEquals(resumed.rows, 10);
    assert(resumed.stats.resumed >= 20, `resumed ${resumed.stats.resumed}`);
  });
});
