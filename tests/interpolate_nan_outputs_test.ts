// interpolateNanOutputs: WaterTAP's interpolate_nan_outputs (scipy griddata, linear, rescaled).
import {
  interpolateNanOutputs,
  parameterSweep,
  randomSample,
  readRows,
  type SweepResult,
} from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

// WaterTAP's test_interp_nan_values (test_parameter_sweep_writer.py): the corners of a unit cube
// valued 0..7, its centre and a repeated corner failed. Its expectations: the centre is the mean
// of the corners, the repeated corner the corner's value.
const corners = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [
  1,
  1,
  1,
]];
const points = [...corners, [0.5, 0.5, 0.5], [1, 1, 1]];
const truth = [0, 1, 2, 3, 4, 5, 6, 7, NaN, NaN];
const mean = (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) / 8;

function result(
  pts: number[][],
  y: number[],
  names = ["a", "b", "c"],
): SweepResult {
  const success = Uint8Array.from(y, (v) => (Number.isNaN(v) ? 0 : 1));
  return {
    paramNames: names,
    outputNames: ["y"],
    params: Object.fromEntries(names.map((n, k) => [n, Float64Array.from(pts, (p) => p[k])])),
    outputs: { y: Float64Array.from(y) },
    success,
    warnings: [],
    errors: new Map([...success].flatMap((s, r) => (s ? [] : [[r, "failed"] as [number, string]]))),
    seed: undefined,
    rows: y.length,
    stats: { succeeded: 0, failed: 0, resumed: 0, elapsedMs: 0, rowsPerSecond: 0 },
  };
}

function approx(actual: number, expected: number): void {
  assert(
    Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected}`,
  );
}

Deno.test("WaterTAP's test_interp_nan_values: the cube's centre and a repeated corner", async () => {
  const filled = await interpolateNanOutputs(result(points, truth));
  assertEquals(filled.rows, 10);
  assertEquals(filled.outputNames, ["y"]);
  approx(filled.outputs.y[8], mean);
  approx(filled.outputs.y[9], 7);
  assertEquals([...filled.outputs.y.slice(0, 8)], truth.slice(0, 8));
  // Which rows failed is still told.
  assertEquals([...filled.success], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
});

Deno.test("interpolateNanOutputs: 1-D and 2-D, outside the hull stays NaN, too many dimensions is refused", async () => {
  // One parameter: plain linear interpolation between its neighbours.
  const one = await interpolateNanOutputs(
    result([[0], [1], [2], [3], [4]], [0, NaN, 4, NaN, NaN], ["x"]),
  );
  assertEquals([...one.outputs.y], [0, 2, 4, NaN, NaN].map((v, i) => (i === 3 ? NaN : v)));
  // Two parameters: a failed centre of a square of a linear function (any triangulation agrees).
  const square = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [2, 2]];
  const two = await interpolateNanOutputs(result(square, [0, 1, 2, 3, NaN, NaN], ["a", "b"]));
  approx(two.outputs.y[4], 1.5);
  assert(Number.isNaN(two.outputs.y[5]), "a point outside the hull stays NaN");
  const five = [0, 1, 2, 3, 4, 5].map((i) => [i, i * i % 7, i % 3, i % 2, (i * 5) % 6]);
  await assertRejects(
    () => interpolateNanOutputs(result(five, [0, 1, 2, 3, 4, NaN], ["a", "b", "c", "d", "e"])),
    RangeError,
    "linear interpolation supports up to 4 varying parameters: current value is 5",
  );
});

// The model fails where a = b = c = 0.5, and returns the corner's index 4a + 2b + c elsewhere.
const cubeModel = URL.createObjectURL(
  new Blob([
    `export const evaluate = (_, p) => {
      if (p.a === 0.5) throw new Error("no solution");
      return { y: 4 * p.a + 2 * p.b + p.c };
    };`,
  ], { type: "text/javascript" }),
);

Deno.test("a sweep with interpolateNanOutputs writes interpolated_<name> beside its files", async () => {
  await withTempDir(async (dir) => {
    // WaterTAP's cube as a sweep: predetermined random samples pair up row by row.
    const column = (k: number) => randomSample(points.slice(0, 9).map((p) => p[k]));
    const r = await parameterSweep({
      model: cubeModel,
      params: { a: column(0), b: column(1), c: column(2) },
      workers: 1,
      seed: 0,
      csv: `${dir}/results.csv`,
      jsonl: `${dir}/results.jsonl`,
      interpolateNanOutputs: true,
    });
    // Random samples come sorted by the first parameter: the centre is row 4.
    assertEquals([...r.params.a], [0, 0, 0, 0, 0.5, 1, 1, 1, 1]);
    assertEquals([...r.success], [1, 1, 1, 1, 0, 1, 1, 1, 1]);
    assert(Number.isNaN(r.outputs.y[4]), "the result itself keeps NaN");
    for (const name of ["results.csv", "results.jsonl"]) {
      const back = await readRows(`${dir}/interpolated_${name}`, {
        paramNames: ["a", "b", "c"],
        outputNames: ["y"],
      });
      assertEquals(back.rows, 9);
      assertEquals([...back.success], [...r.success]);
      approx(back.outputs[4], mean);
      assertEquals(
        [...back.outputs].filter((_, i) => i !== 4),
        [...r.outputs.y].filter((_, i) => i !== 4),
      );
    }
    // An existing interpolated file is not silently replaced, and the sweep stops before any work.
    await Deno.writeTextFile(`${dir}/interpolated_new.csv`, "mine");
    await assertRejects(
      () =>
        parameterSweep({
          model: cubeModel,
          params: { a: column(0), b: column(1), c: column(2) },
          workers: 1,
          csv: `${dir}/new.csv`,
          interpolateNanOutputs: true,
        }),
      Deno.errors.AlreadyExists,
      "interpolated_new.csv",
    );
    assertEquals(await Deno.readTextFile(`${dir}/interpolated_new.csv`), "mine");
  });
  await assertRejects(
    () =>
      parameterSweep({
        model: cubeModel,
        params: { a: randomSample([0, 1]) },
        workers: 1,
        interpolateNanOutputs: true,
      }),
    TypeError,
    "'interpolateNanOutputs' as neither 'csv' nor 'jsonl' names a results file",
  );
});

Deno.test({
  name:
    "interpolateNanOutputs equals scipy's griddata (linear, rescale) on scattered points, where scipy is here",
  ignore: !hasScipy(),
  fn: async () => {
    // scipy draws the points and interpolates; psweep must give the same values and NaN places.
    const script = `
import json, numpy as np
from scipy.interpolate import griddata
rng = np.random.default_rng(7)
out = []
for d in (1, 2, 3):
    X = rng.uniform(0, [1, 10, 100][:d], size=(50, d))
    y = np.sin(X.sum(1) / 7) + X[:, 0] ** 2
    fail = np.zeros(50, bool); fail[rng.choice(50, 12, replace=False)] = True
    got = griddata(X[~fail], y[~fail], X, method="linear", rescale=True).reshape(-1)
    out.append({"X": X.tolist(), "y": [None if f else v for f, v in zip(fail, y)],
                "expected": [None if np.isnan(v) else v for v in got]})
print(json.dumps(out))
`;
    const { stdout, success } = await new Deno.Command("python3", { args: ["-c", script] })
      .output();
    assert(success, "python3 failed");
    const cases = JSON.parse(new TextDecoder().decode(stdout));
    for (const { X, y, expected } of cases) {
      const names = ["a", "b", "c"].slice(0, X[0].length);
      const filled = await interpolateNanOutputs(
        result(X, y.map((v: number | null) => v ?? NaN), names),
      );
      expected.forEach((e: number | null, i: number) => {
        const a = filled.outputs.y[i];
        if (e === null) assert(Number.isNaN(a), `row ${i}: ${a} where scipy has NaN`);
        else assert(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `row ${i}: ${a} != ${e}`);
      });
    }
  },
});

function hasScipy(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import scipy"] }).outputSync().success;
  } catch {
    return false;
  }
}
