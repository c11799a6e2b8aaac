// interpolateNanOutputs: WaterTAP's interpolate_nan_outputs (scipy griddata, linear, rescaled).
import { interpolateNanOutputs, parameterSweep, randomSample, type SweepResult } from "../mod.ts";
import { readRows } from "../src/io/mod.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { locateInDelaunay } from "../src/sweep/_lifted_delaunay.ts";

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

Deno.test("interpolateNanOutputs: 1-D and 2-D, outside the hull stays NaN, fewer than 4 rows interpolate nothing, too many dimensions is refused", async () => {
  // One parameter: plain linear interpolation between its neighbours.
  const one = await interpolateNanOutputs(
    result([[0], [1], [2], [3], [4], [5]], [0, NaN, 4, 6, 8, NaN], ["x"]),
  );
  assertEquals([...one.outputs.y], [0, 2, 4, 6, 8, NaN]);
  assertEquals(one.warnings, []);
  // A parameter value that two successful rows share (a model that is not a function of its
  // parameters): scipy's griddata gives [20, 5, 25] at 1, 0.5 and 1.5 (np.interp: the last of
  // the repeated knots at them, each side's nearest beyond them).
  const repeated = await interpolateNanOutputs(
    result(
      [[0], [1], [2], [1], [1], [0.5], [1.5]],
      [0, 10, 30, 20, NaN, NaN, NaN],
      ["x"],
    ),
  );
  assertEquals([...repeated.outputs.y].slice(4), [20, 5, 25]);
  // Fewer than 4 successful rows: nothing is interpolated, as in WaterTAP, and a warning says so.
  const three = await interpolateNanOutputs(
    result([[0], [1], [2], [3], [4]], [0, NaN, 4, 6, NaN], ["x"]),
  );
  assertEquals([...three.outputs.y], [0, NaN, 4, 6, NaN]);
  assertEquals(three.warnings, [
    'Cannot interpolate output "y" as it needs at least 4 successful rows with a value: current value is 3; its failed rows stay NaN',
  ]);
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

Deno.test("a sweep with interpolateNanOutputs and fewer than 4 successful rows warns in its result", async () => {
  await withTempDir(async (dir) => {
    const r = await parameterSweep({
      model: cubeModel,
      params: {
        a: randomSample([0, 0.5, 1]),
        b: randomSample([0, 0, 1]),
        c: randomSample([0, 0, 0]),
      },
      workers: 1,
      seed: 0,
      csv: `${dir}/results.csv`,
      interpolateNanOutputs: true,
    });
    assertEquals([...r.success], [1, 0, 1]);
    assert(
      r.warnings.some((w) => w.includes("needs at least 4 successful rows") && w.includes("is 2")),
      `warnings: ${r.warnings}`,
    );
    const back = await readRows(`${dir}/interpolated_results.csv`, {
      paramNames: ["a", "b", "c"],
      outputNames: ["y"],
    });
    assert(Number.isNaN(back.outputs[1]), "the failed row stays NaN");
  });
});

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
# 3-D with 400 points and 4-D with 30 and 120: triangulations that npm:delaunay-triangulate got
# wrong (parts of the hull uncovered, simplices overlapping).
for d, n, k in ((1, 38, 12), (2, 38, 12), (3, 38, 12), (4, 38, 12), (3, 400, 100), (4, 30, 15), (4, 120, 60)):
    X = rng.uniform(0, [1, 10, 100, 0.01][:d], size=(n + k, d))
    y = np.sin(X.sum(1) / 7) + X[:, 0] ** 2 + np.cos(X[:, -1] * 50)
    fail = np.zeros(n + k, bool); fail[rng.choice(n + k, k, replace=False)] = True
    got = griddata(X[~fail], y[~fail], X, method="linear", rescale=True).reshape(-1)
    out.append({"X": X.tolist(), "y": [None if f else v for f, v in zip(fail, y)],
                "expected": [None if np.isnan(v) else v for v in got]})
# A 4-D grid (not unique: cospherical points) with a linear output, which any of its
# triangulations gives exactly: the values and the NaN places must agree.
g = np.stack(np.meshgrid(np.linspace(0, 1, 5), np.linspace(0, 2, 4), np.linspace(0, 3, 5), np.linspace(0, 100, 4), indexing="ij"), -1).reshape(-1, 4)
y = 1 + g[:, 0] + 2 * g[:, 1] - 3 * g[:, 2] + 0.01 * g[:, 3]
fail = np.arange(len(g)) % 5 == 2
got = griddata(g[~fail], y[~fail], g, method="linear", rescale=True).reshape(-1)
out.append({"X": g.tolist(), "y": [None if f else v for f, v in zip(fail, y)],
            "expected": [None if np.isnan(v) else v for v in got]})
print(json.dumps(out))
`;
    const { stdout, success } = await new Deno.Command("python3", { args: ["-c", script] })
      .output();
    assert(success, "python3 failed");
    const cases = JSON.parse(new TextDecoder().decode(stdout));
    for (const { X, y, expected } of cases) {
      const names = ["a", "b", "c", "d"].slice(0, X[0].length);
      const filled = await interpolateNanOutputs(
        result(X, y.map((v: number | null) => v ?? NaN), names),
      );
      expected.forEach((e: number | null, i: number) => {
        const a = filled.outputs.y[i];
        if (e === null) assert(Number.isNaN(a), `row ${i}: ${a} where scipy has NaN`);
        else assert(Math.abs(a - e) <= 1e-11 * Math.max(1, Math.abs(e)), `row ${i}: ${a} != ${e}`);
      });
    }
  },
});

Deno.test("in 3 and 4 dimensions a point is located in a Delaunay simplex of the points, by their linear program", () => {
  // Independent of scipy: the simplex found must hold the point (weights of at least 0 that
  // sum to 1 and give the point back) and be Delaunay (no point strictly inside its
  // circumsphere); points outside the hull are not located; a linear output is exact.
  let seed = 12345;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  // The last case is a thin slab: its simplices are long, and their vertices often not among a
  // point's nearest neighbours (the program's first pass), so the second pass must find them.
  for (const [d, n, thin] of [[3, 300, 1], [4, 200, 1], [3, 8, 1], [3, 400, 0.001]]) {
    const pts: number[][] = d === 3 && n === 8
      ? corners.map((c) => c.map((v) => v - 0.5))
      : Array.from(
        { length: n },
        () => Array.from({ length: d }, (_, k) => (random() - 0.5) * (k === 0 ? 1 : thin)),
      );
    const flat = Float64Array.from(pts.flat());
    let located = 0;
    for (let t = 0; t < 200; t++) {
      const q = Array.from({ length: d }, (_, k) => 0.9 * (random() - 0.5) * (k === 0 ? 1 : thin));
      const at = locateInDelaunay(flat, n, d, q);
      // Every q lies in the cube of half-side 0.45, inside the hull of these points except near
      // its faces: those may be outside.
      if (at === undefined) continue;
      located++;
      const { vertices, weights } = at;
      assert(vertices.length <= d + 1 && weights.every((w) => w >= 0), `${vertices} ${weights}`);
      approx(weights.reduce((a, b) => a + b, 0), 1);
      for (let k = 0; k < d; k++) {
        approx(weights.reduce((s, w, i) => s + w * pts[vertices[i]][k], 0), q[k]);
      }
      if (vertices.length === d + 1 && n > 8) {
        const [centre, r2] = circumsphere(vertices.map((v) => pts[v]));
        for (let j = 0; j < n; j++) {
          if (vertices.includes(j)) continue;
          const dist2 = pts[j].reduce((s, v, k) => s + (v - centre[k]) ** 2, 0);
          assert(dist2 >= r2 * (1 - 1e-9), `point ${j} lies inside the simplex's circumsphere`);
        }
      }
    }
    assert(located > 100, `only ${located} of 200 points located`);
    // Outside the hull: beyond a face of the bounding box.
    assertEquals(
      locateInDelaunay(flat, n, d, Array.from({ length: d }, (_, k) => k === 0 ? 0.6 : 0)),
      undefined,
    );
  }
});

// The centre and squared radius of the sphere through d + 1 points of d dimensions.
function circumsphere(vs: number[][]): [number[], number] {
  const d = vs.length - 1;
  const a = Array.from({ length: d }, (_, i) => [
    ...vs[i + 1].map((v, k) => 2 * (v - vs[0][k])),
    vs[i + 1].reduce((s, v) => s + v * v, 0) - vs[0].reduce((s, v) => s + v * v, 0),
  ]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= d; k++) a[r][k] -= f * a[c][k];
    }
  }
  const centre = a.map((row, i) => row[d] / row[i]);
  return [centre, vs[0].reduce((s, v, k) => s + (v - centre[k]) ** 2, 0)];
}

function hasScipy(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import scipy"] }).outputSync().success;
  } catch {
    return false;
  }
}
