// WaterTAP's analytic acceptance cases for parameter_sweep, ported to psweep. Their tests solve
// small Pyomo models with IPOPT; the fixtures wt_*.ts are the closed forms of those models, with a
// throw where IPOPT fails. Every case runs serially and on two workers, with identical results.
//
// Ported from watertap/tools/parameter_sweep/tests/test_parameter_sweep.py:
//   test_parameter_sweep (and test_parameter_sweep_function, the same case),
//   test_parameter_sweep_probe_fail, test_parameter_sweep_optimize_with_added_var,
//   test_parameter_sweep_optimize (its relaxed truth values), test_random_build_combinations;
// and from test_recursive_parameter_sweep.py: test_recursive_parameter_sweep (and
//   test_recursive_parameter_sweep_function, the same case).
import {
  linearSample,
  normalSample,
  parameterSweep,
  readRows,
  recursiveParameterSweep,
  type RecursiveSweepOptions,
  type SweepOptions,
  type SweepResult,
  uniformSample,
} from "../mod.ts";
import { plainResult } from "./_sweep_result.ts";
import { assert, assertEquals, assertMatch, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const repoRoot = new URL("../", import.meta.url).pathname;
const models = new URL("./fixtures/models/", import.meta.url);
const abModel = new URL("wt_ab_model.ts", models).pathname;
const recursiveModel = new URL("wt_recursive.ts", models).pathname;
const passthroughModel = new URL("wt_passthrough.ts", models).pathname;

// WaterTAP names the sweep parameters of these cases by their Pyomo names.
const A = "fs.input[a]";
const B = "fs.input[b]";
// build_sweep_params_for_tps: a from 0.1 to 0.9 and b from 0 to 0.5, three values each.
const tpsParams = { [A]: linearSample(0.1, 0.9, 3), [B]: linearSample(0, 0.5, 3) };

const N = NaN;

// Runs the sweep with `workers: 1` and with two workers, asserts identical results, and returns
// the serial one. With `csvDir`, each run writes its rows to its own CSV file there.
async function sweepBoth(
  options: SweepOptions,
  csvDir?: string,
): Promise<{ result: SweepResult; csv: string[] }> {
  const csv = csvDir ? [`${csvDir}/workers_1.csv`, `${csvDir}/workers_2.csv`] : [];
  const one = await parameterSweep({ ...options, workers: 1, csv: csv[0] });
  const two = await parameterSweep({
    ...options,
    workers: 2,
    permissions: { read: [repoRoot] },
    csv: csv[1],
  });
  assertEquals(plainResult(two), plainResult(one));
  return { result: one, csv };
}

async function recursiveBoth(options: RecursiveSweepOptions): Promise<SweepResult> {
  const one = await recursiveParameterSweep({ ...options, workers: 1 });
  const two = await recursiveParameterSweep({
    ...options,
    workers: 2,
    permissions: { read: [repoRoot] },
  });
  assertEquals(plainResult(two), plainResult(one));
  return one;
}

// numpy's allclose(actual, expected, rtol, atol, equal_nan=True), as WaterTAP compares.
function assertAllClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  what: string,
  { rtol = 1e-5, atol = 1e-8 }: { rtol?: number; atol?: number } = {},
): void {
  assertStrictEquals(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    assert(ok, `${what}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

// WaterTAP's _assert_h5_csv_agreement: the file holds the same columns as the result.
async function assertCsvAgrees(path: string, r: SweepResult): Promise<void> {
  const disk = await readRows(path, { paramNames: r.paramNames });
  assertEquals(disk.outputNames, r.outputNames);
  assertStrictEquals(disk.rows, r.rows);
  const P = r.paramNames.length;
  const O = r.outputNames.length;
  for (let row = 0; row < r.rows; row++) {
    assertEquals(
      [...disk.params.subarray(row * P, (row + 1) * P)],
      r.paramNames.map((n) => r.params[n][row]),
    );
    assertEquals(
      [...disk.outputs.subarray(row * O, (row + 1) * O)],
      r.outputNames.map((n) => r.outputs[n][row]),
    );
  }
  assertEquals([...disk.success], [...r.success]);
}

// The last row of a results file, parameters then outputs (WaterTAP's `data[-1]`).
async function lastCsvRow(path: string, paramNames: readonly string[]): Promise<number[]> {
  const disk = await readRows(path, { paramNames });
  const P = disk.paramNames.length;
  const O = disk.outputNames.length;
  const last = disk.rows - 1;
  return [
    ...disk.params.subarray(last * P, (last + 1) * P),
    ...disk.outputs.subarray(last * O, (last + 1) * O),
  ];
}

// Their truth arrays for the 3 x 3 grid of test_parameter_sweep: rows in np.meshgrid(..., "ij")
// order (the last parameter varies fastest), and the solve fails wherever 2a > 1 or 3b > 1.
const tpsA = [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9];
const tpsB = [0.0, 0.25, 0.5, 0.0, 0.25, 0.5, 0.0, 0.25, 0.5];

Deno.test("WaterTAP test_parameter_sweep: order, failure pattern and NaN placement", async () => {
  await withTempDir(async (dir) => {
    const { result: r, csv } = await sweepBoth({
      model: abModel,
      params: tpsParams,
      outputs: ["output_c", "output_d", "performance"],
    }, dir);
    // The companion .txt of their test: the output and parameter names, in order.
    assertEquals(r.paramNames, [A, B]);
    assertEquals(r.outputNames, ["output_c", "output_d", "performance"]);
    assertStrictEquals(r.rows, 9);
    assertStrictEquals(r.seed, undefined);
    assertEquals([...r.params[A]], tpsA);
    assertEquals([...r.params[B]], tpsB);
    assertEquals([...r.success], [1, 1, 0, 1, 1, 0, 0, 0, 0]);
    // Their truth arrays, exactly: 2 * 0.1, 3 * 0.25 and 0.2 + 0.75 round to these same doubles.
    assertEquals([...r.outputs.output_c], [0.2, 0.2, N, 1.0, 1.0, N, N, N, N]);
    assertEquals([...r.outputs.output_d], [0.0, 0.75, N, 0.0, 0.75, N, N, N, N]);
    assertEquals([...r.outputs.performance], [0.2, 0.95, N, 1.0, 1.75, N, N, N, N]);
    assertEquals([...r.errors.keys()], [2, 5, 6, 7, 8]);
    assert([...r.errors.values()].every((m) => m.startsWith("Error: infeasible: ")));
    assertEquals([r.stats.succeeded, r.stats.failed], [4, 5]);
    for (const path of csv) {
      // "Compare the last row of the imported data to truth".
      assertEquals(await lastCsvRow(path, r.paramNames), [0.9, 0.5, N, N, N]);
      await assertCsvAgrees(path, r);
    }
  });
});

Deno.test("WaterTAP test_parameter_sweep_probe_fail: a probe that always fails fails every row", async () => {
  await withTempDir(async (dir) => {
    const outputs = ["output_c", "output_d", "performance", "objective"];
    const { result: r, csv } = await sweepBoth({
      model: abModel,
      buildOptions: { relaxFeasibility: true, probe: false },
      params: tpsParams,
      outputs,
    }, dir);
    assertEquals([...r.params[A]], tpsA);
    assertEquals([...r.params[B]], tpsB);
    assertEquals([...r.success], Array(9).fill(0));
    // No row produces an output: each requested one is an all-NaN column, not an error.
    assertEquals(r.outputNames, outputs);
    for (const name of outputs) assertEquals([...r.outputs[name]], Array(9).fill(N));
    assertEquals([...r.errors.values()], Array(9).fill("probe returned false"));
    for (const path of csv) {
      assertEquals(await lastCsvRow(path, r.paramNames), [0.9, 0.5, N, N, N, N]);
      await assertCsvAgrees(path, r);
    }
  });
});

// The objective of the relaxed model (slack_penalty 1000) as their IPOPT runs printed it, in
// test_parameter_sweep_optimize and test_parameter_sweep_optimize_with_added_var.
const relaxedObjectiveTruth = [
  0.2,
  9.50000020e-01,
  -4.98799990e02,
  1.0,
  1.75,
  -4.97999990e02,
  -7.98999990e02,
  -7.98249990e02,
  2.0 - 1000.0 * ((2.0 * 0.9 - 1.0) + (3.0 * 0.5 - 1.0)),
];
// The same from the closed form: c + d - 1000 (max(2a - 1, 0) + max(3b - 1, 0)).
const relaxedObjective = [0.2, 0.95, -498.8, 1, 1.75, -498, -799, -798.25, -1298];

Deno.test("WaterTAP test_parameter_sweep_optimize: the relaxed truth values agree with the closed form", async () => {
  const { result: r } = await sweepBoth({
    model: abModel,
    buildOptions: { relaxFeasibility: true },
    params: tpsParams,
    outputs: ["output_c", "output_d", "performance", "objective"],
  });
  assertEquals([...r.success], Array(9).fill(1));
  assertEquals([...r.outputs.output_c], [0.2, 0.2, 0.2, 1, 1, 1, 1, 1, 1]);
  assertEquals([...r.outputs.output_d], [0, 0.75, 1, 0, 0.75, 1, 0, 0.75, 1]);
  assertEquals([...r.outputs.performance], [0.2, 0.95, 1.2, 1, 1.75, 2, 1, 1.75, 2]);
  assertEquals([...r.outputs.objective], relaxedObjective);
  // Their solver's d is ~1e-8 where the exact value is 0, and their objective is off in the 8th
  // digit: they compare with np.allclose's defaults, and so does this.
  const solverD = [9.98580690e-09, 0.75, 1.0, 9.99872731e-09, 0.75, 1.0, 9.99860382e-09, 0.75, 1.0];
  assertAllClose(r.outputs.output_d, solverD, "output_d");
  assertAllClose(r.outputs.objective, relaxedObjectiveTruth, "objective");
  // Their last CSV row: a, b, c, d, performance, objective.
  const last = ["output_c", "output_d", "performance", "objective"].map((n) => r.outputs[n][8]);
  assertAllClose([0.9, 0.5, ...last], [0.9, 0.5, 1.0, 1.0, 2.0, relaxedObjectiveTruth[8]], "last");
});

Deno.test("WaterTAP test_parameter_sweep_optimize_with_added_var: an output that exists only for some rows", async () => {
  const { result: r } = await sweepBoth({
    model: abModel,
    buildOptions: { relaxFeasibility: true, addTestVar: true },
    params: tpsParams,
  });
  // Every solve succeeds; test_var exists only where a = 0.5, and is NaN elsewhere.
  assertEquals([...r.success], Array(9).fill(1));
  assertEquals(r.errors.size, 0);
  // Default outputs: the keys of the first successful row, then those that appear later.
  assertEquals(r.outputNames, [
    "output_c",
    "output_d",
    "performance",
    "objective",
    "ab_slack",
    "cd_slack",
    "test_var",
  ]);
  assertEquals([...r.outputs.test_var], [N, N, N, 5, 5, 5, N, N, N]);
  assertEquals([...r.outputs.objective], relaxedObjective);
  assertAllClose(r.outputs.objective, relaxedObjectiveTruth, "objective");
  assertEquals([...r.params[A]], tpsA);
  assertEquals([...r.params[B]], tpsB);

  // Requested explicitly, an output a successful solve does not return fails that row, naming it
  // (psweep's rule: a misspelt name must not pass as a NaN column).
  const { result: requested } = await sweepBoth({
    model: abModel,
    buildOptions: { relaxFeasibility: true, addTestVar: true },
    params: tpsParams,
    outputs: ["test_var", "objective"],
  });
  assertEquals(requested.outputNames, ["test_var", "objective"]);
  assertEquals([...requested.success], [0, 0, 0, 1, 1, 1, 0, 0, 0]);
  assertMatch(
    requested.errors.get(0)!,
    /'outputs' names "test_var", which evaluate did not return/,
  );
  assertEquals([...requested.outputs.test_var], [N, N, N, 5, 5, 5, N, N, N]);
  assertEquals(
    [...requested.outputs.objective],
    relaxedObjective.map((v, i) => i >= 3 && i < 6 ? v : N),
  );
});

// test_recursive_parameter_sweep: a_val ~ U(0, 1), 10 samples, seed 0; the solve succeeds where
// a <= 0.5. Round 1 draws 10 and keeps 3; with p = 0.3 round 2 draws ceil(2 / 0.3 * 7) = 47 from
// the continuing stream and keeps the first 7 successes; rows are sorted by a within each round.
// Their reference (8 significant digits, from the solver):
const recursiveTruthA = [
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
const recursiveTruthX = [
  0.11655848,
  0.0763452,
  0.06241279,
  0.4812102,
  0.4797816,
  0.43977453,
  0.42896394,
  0.4128707,
  0.39795519,
  0.38172557,
];
// The same draws at full precision, from numpy 2.4.6 (np.random.seed(0), np.random.uniform(0, 1,
// 10), then 47 more), and x = 0.5 - a as the closed form computes it in doubles.
const recursiveExactA = [
  0.3834415188257777,
  0.4236547993389047,
  0.4375872112626925,
  0.018789800436355142,
  0.02021839744032572,
  0.06022547162926983,
  0.07103605819788694,
  0.08712929970154071,
  0.10204481074802807,
  0.11827442586893322,
];

Deno.test("WaterTAP test_recursive_parameter_sweep: seed 0 gives their rows", async () => {
  const r = await recursiveBoth({
    model: recursiveModel,
    params: { a_val: uniformSample(0, 1, 10) },
    outputs: ["x_val"],
    numSamples: 10,
    seed: 0,
  });
  assertEquals([r.rows, r.seed], [10, 0]);
  assertEquals(r.paramNames, ["a_val"]);
  assertEquals(r.outputNames, ["x_val"]);
  assertEquals([...r.success], Array(10).fill(1));
  // psweep's RandomState is bit-compatible with numpy's legacy generator: the draws are exact.
  assertEquals([...r.params.a_val], recursiveExactA);
  assertEquals([...r.outputs.x_val], recursiveExactA.map((a) => 0.5 - a));
  // Their truth arrays are printed to 8 digits, so they match to half a unit in the 8th decimal.
  assertAllClose(r.params.a_val, recursiveTruthA, "a_val", { rtol: 0, atol: 5e-9 });
  assertAllClose(r.outputs.x_val, recursiveTruthX, "x_val", { rtol: 0, atol: 5e-9 });
  // "np.sum(data, axis=1) == success_prob": a + (0.5 - a) can differ from 0.5 by an ulp in doubles.
  const sums = [...r.params.a_val].map((a, i) => a + r.outputs.x_val[i]);
  assertAllClose(sums, Array(10).fill(0.5), "a + x", { rtol: 0, atol: 1e-12 });
});

// WaterTAP's RecursiveParameterSweep sizes the next round from the success ratio of the round just
// run. Seed 29, 5 samples: round 1 draws 5 and keeps 3, round 2 draws ceil(2 / 0.6 * 2) = 7 and
// keeps 1, round 3 draws ceil(2 / (1/7) * 1) = 14 (a ratio over all rounds would draw 6 and pick
// another fifth row). Expected rows computed with numpy 2.4.6 following WaterTAP's loop.
Deno.test({
  name: "WaterTAP recursive sweep: the next round is sized by the last round's success ratio",
  fn: async () => {
    const r = await recursiveBoth({
      model: recursiveModel,
      params: { a_val: uniformSample(0, 1, 5) },
      outputs: ["x_val"],
      numSamples: 5,
      seed: 29,
    });
    const expected = [
      0.07325638808373602,
      0.2849059652276268,
      0.45271905759941133,
      0.2419864247038851,
      6.349575462794022e-05,
    ];
    // psweep gives 0.05837730581172118 as the fifth row (the first success of a 6-row round 3).
    assertEquals([...r.params.a_val], expected);
    assertEquals([...r.outputs.x_val], expected.map((a) => 0.5 - a));
  },
});

Deno.test("WaterTAP-style random sweep with a seed: rows drawn parameter by parameter, sorted by the first", async () => {
  // reference/numpy_legacy_rng.json, random_sweep_seed7: np.random.seed(7); a = uniform(0, 1, 6);
  // b = normal(2, 0.5, 6); rows sorted by a (WaterTAP's SamplingType.RANDOM combinations).
  const rows = [
    [0.07630828937395717, 1.6055384856871306],
    [0.4384092314408935, 1.9995548070710343],
    [0.5384958704104337, 2.300249257959775],
    [0.7234651778309412, 1.1226378468272897],
    [0.7799187922401146, 2.001032786452974],
    [0.9779895119966027, 2.508829002831747],
  ];
  const { result: r } = await sweepBoth({
    model: abModel,
    buildOptions: { relaxFeasibility: true },
    params: { [A]: uniformSample(0, 1, 6), [B]: normalSample(2, 0.5, 6) },
    outputs: ["output_c", "output_d", "objective"],
    seed: 7,
  });
  assertStrictEquals(r.seed, 7);
  assertEquals([...r.params[A]], rows.map((row) => row[0]));
  assertEquals([...r.params[B]], rows.map((row) => row[1]));
  assertEquals([...r.success], Array(6).fill(1));
  // The relaxed closed form at those rows.
  const c = rows.map(([a]) => Math.min(2 * a, 1));
  const d = rows.map(([, b]) => Math.min(3 * b, 1));
  assertEquals([...r.outputs.output_c], c);
  assertEquals([...r.outputs.output_d], d);
  assertEquals(
    [...r.outputs.objective],
    rows.map(([a, b], i) => c[i] + d[i] - 1000 * ((2 * a - c[i]) + (3 * b - d[i]))),
  );
});

Deno.test("WaterTAP test_random_build_combinations: uniform bounds and normal means through a seeded sweep", async () => {
  // Their test draws 1e5 rows with no seed; a seed makes this one repeatable.
  const nn = 100_000;
  const uniform = await sweepBoth({
    model: passthroughModel,
    params: {
      var_A: uniformSample(-10, 0, nn),
      var_B: uniformSample(0, 10, nn),
      var_C: uniformSample(10, 20, nn),
    },
    seed: 11,
  });
  const u = uniform.result;
  assertStrictEquals(u.rows, nn);
  const ranges: Record<string, [number, number]> = {
    var_A: [-10, 0],
    var_B: [0, 10],
    var_C: [10, 20],
  };
  for (const [name, [lo, hi]] of Object.entries(ranges)) {
    assert(u.params[name].every((x) => lo < x && x < hi), `${name} within (${lo}, ${hi})`);
  }
  // Rows come sorted by the first parameter.
  assert(u.params.var_A.every((x, i, all) => i === 0 || all[i - 1] <= x));

  const normal = await sweepBoth({
    model: passthroughModel,
    params: {
      var_A: normalSample(10, 5, nn),
      var_B: normalSample(100, 50, nn),
      var_C: normalSample(1000, 0, nn),
    },
    seed: 11,
  });
  const n = normal.result;
  const mean = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert(10 - 5 < mean(n.params.var_A) && mean(n.params.var_A) < 10 + 5);
  assert(100 - 50 < mean(n.params.var_B) && mean(n.params.var_B) < 100 + 50);
  // A standard deviation of 0 gives the mean exactly.
  assert(n.params.var_C.every((x) => x === 1000));
  assertEquals([...n.success].every((s) => s === 1), true);
});
