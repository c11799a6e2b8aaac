// recursiveParameterSweep writes CSV/JSONL and resumes, like parameterSweep.
import {
  readRows,
  recursiveParameterSweep,
  type RecursiveSweepOptions,
  uniformSample,
} from "../mod.ts";
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

Deno.test("recursiveParameterSweep writes the rows it keeps to CSV/JSONL, WaterTAP's rows for seed 0", async () => {
  await withTempDir(async (dir) => {
    const options: RecursiveSweepOptions = {
      model,
      params: { a_val: uniformSample(0, 1, 10) },
      outputs: ["x_val"],
      numSamples: 10,
      seed: 0,
      workers: 1,
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
      model,
      params: { a_val: uniformSample(0, 1, 10) },
      outputs: ["x_val"],
      numSamples: 10,
      seed: 0,
      workers: 1,
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
