// WaterTAP behaviours a user of its parameter_sweep relies on, ported from its own tests
// (watertap-org/parameter-sweep); expected values are those tests' values.
import { DenoWorkerManager, linearSample, parameterSweep, SingleProcessManager } from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { readRows } from "../src/io/mod.ts";
import { withTempDir } from "./_temp.ts";
import { writeReport } from "../src/report/report.ts";

Deno.test("gatherArraysToRoot on a group of one takes sizes written for several workers (test_gather_arrays_to_root)", async () => {
  await using pool = new DenoWorkerManager({ workers: 1 });
  for (const pm of [new SingleProcessManager(), pool]) {
    const buffer = new Float64Array([0, 0, 0]);
    await pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), { buffer, sizes: [1, 2] });
    assertEquals([...buffer], [1, 2, 3]);
    // Sizes that do not add up to what is sent are still refused.
    await assertRejects(
      () =>
        pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), {
          buffer: new Float64Array(3),
          sizes: [1, 1],
        }),
      RangeError,
      "'recvbufSpec.sizes' must sum to the length sent by the only rank (3): current value is [1,1]",
    );
    await assertRejects(
      () =>
        pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), {
          buffer: new Float64Array(2),
          sizes: [1, 2],
        }),
      RangeError,
      "'recvbufSpec.buffer' must hold at least 3 elements",
    );
  }
});

const addedVar = new URL("./fixtures/models/added_var.ts", import.meta.url).pathname;
const grid = { a: linearSample(0.1, 0.9, 3), b: linearSample(0, 0.5, 3) };

function assertClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number): void {
  assertEquals(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = Number.isNaN(expected[i])
      ? Number.isNaN(actual[i])
      : Math.abs(actual[i] - expected[i]) <= 1e-8 + rtol * Math.abs(expected[i]);
    assert(ok, `element ${i}: ${actual[i]} is not within ${rtol} of ${expected[i]}`);
  }
}

Deno.test("initializeBeforeSweep + updateParamsBeforeInit: an output initialize adds is recorded (test_parameter_sweep_optimize_with_added_var)", async () => {
  // WaterTAP runs this test on 2 workers; it holds on 1 as well.
  for (const workers of [1, 2]) {
    const r = await parameterSweep({
      model: addedVar,
      params: grid,
      initializeBeforeSweep: true,
      updateParamsBeforeInit: true,
      workers,
    });
    assertEquals(r.outputNames, ["objective", "fs.test_var"]);
    // WaterTAP's truth values (rtol 1e-2, as its test).
    assertClose(r.outputs["fs.test_var"], [NaN, NaN, NaN, NaN, NaN, 5, NaN, NaN, NaN], 1e-2);
    assertClose(r.outputs.objective, [
      0.2,
      9.50000020e-01,
      -4.98799990e02,
      1.0,
      1.75,
      -4.97999990e02,
      -7.98999990e02,
      -7.98249990e02,
      2.0 - 1000.0 * ((2.0 * 0.9 - 1.0) + (3.0 * 0.5 - 1.0)),
    ], 1e-2);
    assertEquals([...r.success], Array(9).fill(1));
    assertEquals([...r.params.a], [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9]);
    assertEquals([...r.params.b], [0, 0.25, 0.5, 0, 0.25, 0.5, 0, 0.25, 0.5]);
  }
});

Deno.test("without initializeBeforeSweep the model keeps its state from point to point; updateParamsBeforeInit false initializes without the point", async () => {
  // Serially, one build and one initialize (at row 0) for every point: never at a = b = 0.5.
  const once = await parameterSweep({ model: addedVar, params: grid, workers: 1 });
  assertEquals(once.outputNames, ["objective"]);
  assertEquals([...once.success], Array(9).fill(1));
  // initialize gets an empty point: it never sees a = b = 0.5, so nothing is added.
  const blind = await parameterSweep({
    model: addedVar,
    params: grid,
    initializeBeforeSweep: true,
    updateParamsBeforeInit: false,
    workers: 1,
  });
  assertEquals(blind.outputNames, ["objective"]);
  // As WaterTAP: applying the point before initialize needs an initialize.
  const noInit = URL.createObjectURL(
    new Blob(["export const evaluate = (_, p) => ({ y: p.a });"], { type: "text/javascript" }),
  );
  try {
    await assertRejects(
      () =>
        parameterSweep({ model: noInit, params: grid, updateParamsBeforeInit: true, workers: 1 }),
      Error,
      "with 'updateParamsBeforeInit' as it exports no function 'initialize'",
    );
  } finally {
    URL.revokeObjectURL(noInit);
  }
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => parameterSweep({ model: addedVar, params: grid, initializeBeforeSweep: 1 as any }),
    TypeError,
    "'initializeBeforeSweep' must be true or false: current value is 1",
  );
});

Deno.test("an output may have a parameter's name: both kept, in results and files (test_parameter_sweep_force_initialize)", async () => {
  await withTempDir(async (dir) => {
    const r = await parameterSweep({
      model: new URL("./fixtures/models/wt_force_init.ts", import.meta.url).pathname,
      params: { "fs.input[a]": linearSample(0.1, 0.9, 3), "fs.input[b]": linearSample(0, 0.5, 3) },
      initializeBeforeSweep: true,
      workers: 1,
      csv: `${dir}/r.csv`,
      jsonl: `${dir}/r.jsonl`,
    });
    assertEquals(r.paramNames, ["fs.input[a]", "fs.input[b]"]);
    assertEquals(r.outputNames.slice(0, 3), ["objective", "fs.input[a]", "fs.input[b]"]);
    assertEquals([...r.outputs["fs.input[a]"]], [...r.params["fs.input[a]"]]);
    const lines = (await Deno.readTextFile(`${dir}/r.csv`)).trimEnd().split("\n");
    // In CSV such an output's column is outputs.<name>.
    assertEquals(
      lines[0],
      "fs.input[a],fs.input[b],objective,outputs.fs.input[a],outputs.fs.input[b],fs.output[c],fs.output[d],fs.slack[ab_slack],fs.slack[cd_slack],fs.slack_penalty,fs.performance,success",
    );
    // WaterTAP's truth for the last row (its CSV columns: the parameters, then the outputs).
    const truth = [0.9, 0.5, -11.0, 0.9, 0.5, 1.0, 1.0, 0.8, 0.5, 10.0, 2.0];
    const last = lines[9].split(",").slice(0, -1).map(Number);
    last.forEach((v, i) =>
      assert(Math.abs(v - truth[i]) < 1e-8, `column ${i}: ${v} != ${truth[i]}`)
    );
    // Both files read back with both columns, and a resume takes them.
    for (const path of [`${dir}/r.csv`, `${dir}/r.jsonl`]) {
      const back = await readRows(path);
      assertEquals(back.paramNames, r.paramNames);
      assertEquals(back.outputNames, r.outputNames);
      assertEquals(back.rows, 9);
    }
    const again = await parameterSweep({
      model: new URL("./fixtures/models/wt_force_init.ts", import.meta.url).pathname,
      params: { "fs.input[a]": linearSample(0.1, 0.9, 3), "fs.input[b]": linearSample(0, 0.5, 3) },
      initializeBeforeSweep: true,
      workers: 1,
      csv: `${dir}/r.csv`,
      resume: true,
    });
    assertEquals(again.stats.resumed, 9);
    assertEquals([...again.outputs["fs.input[b]"]], [...r.outputs["fs.input[b]"]]);
    // The report shows both, the output under its CSV column's name.
    for (const path of [`${dir}/r.csv`, `${dir}/r.jsonl`]) {
      const html = await Deno.readTextFile(await writeReport(path, `${path}.html`));
      assert(html.includes("outputs.fs.input[a]"), "the output column is in the report");
    }
  });
});
