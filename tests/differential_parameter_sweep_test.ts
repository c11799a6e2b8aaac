import { fixedSample, linearSample, parameterSweep, uniformSample } from "../mod.ts";
import {
  differentialParameterSweep,
  type DifferentialSpec,
  type DifferentialSweepOptions,
} from "../src/sweep/differential_parameter_sweep.ts";
import { plainResult } from "./_sweep_result.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { readRows } from "../src/io/mod.ts";
import { withTempDir } from "./_temp.ts";

const root = new URL("../", import.meta.url).pathname;
const model = new URL("./fixtures/models/diff_watertap.ts", import.meta.url).pathname;
const permissions = { read: [root] };

// Expected parameter values below were computed with numpy 2.4.6 by re-stating WaterTAP's
// algorithm (parameter_sweep_differential.py) in Python: np.random.seed(seed) before the nominal
// combinations and again before each nominal row's perturbations, samples drawn per perturbed
// parameter in the order of the differential specs, rows sorted by the first one's values.

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  assertEquals(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert(ok, `element ${i}: ${actual[i]} is not within ${tol} of ${expected[i]}`);
  }
}

const NaN9 = Array<number>(9).fill(NaN);

Deno.test("WaterTAP's test_differential_parameter_sweep, seed 0", async () => {
  const r = await differentialParameterSweep({
    model,
    params: { a: linearSample(0.1, 0.9, 3), b: linearSample(0, 0.5, 3) },
    differential: {
      a: { mode: "sum", sample: "normal", sd: 0.01 },
      b: { mode: "product", sample: "uniform", relativeLower: 0.01, relativeUpper: 0.01 },
    },
    numDiffSamples: 1,
    seed: 0,
    workers: 1,
  });
  assertEquals(r.rows, 18);
  assertEquals(r.seed, 0);
  assertEquals(r.paramNames, ["a", "b"]);
  const a1 = 0.11764052345967665;
  const a2 = 0.5176405234596766;
  const a3 = 0.9176405234596766;
  assertEquals([...r.params.a], [
    ...[0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9],
    ...[a1, a1, a1, a2, a2, a2, a3, a3, a3],
  ]);
  assertEquals([...r.params.b], [
    ...[0, 0.25, 0.5, 0, 0.25, 0.5, 0, 0.25, 0.5],
    ...[0, 0.0025, 0.005, 0, 0.0025, 0.005, 0, 0.0025, 0.005],
  ]);
  assertEquals([...r.nominalIndex!], [0, 1, 2, 3, 4, 5, 6, 7, 8, ...NaN9]);
  assertEquals([...r.differentialIndex!], [...NaN9, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assertEquals([...r.success], Array(18).fill(1));
  // WaterTAP's truth values, from an IPOPT solve (so to a few 1e-8).
  assertClose(r.outputs.c, [
    ...[0.2, 0.2, 0.20000001, 1.00000001, 1.00000001, 1.00000001, 1.00000001, 1.00000001, 1],
    ...[0.23528105, 0.23528105, 0.23528106, 1.00000001, 1, 1, 1, 1, 1],
  ], 5e-8);
  assertClose(r.outputs.d, [
    ...[0, 0.75, 1.00000001, 9.98996974e-09, 7.5000001e-01, 1.00000001, 0, 0.75, 1],
    ...[1.09912079e-22, 0.0075, 1.50000098e-2, 0, 7.50000977e-3, 0.015, 0, 0.0075, 0.015],
  ], 5e-8);
  assertClose(r.outputs.performance, [
    ...[0.2, 0.95, 1.2, 1.0, 1.75, 2.0, 1.0, 1.75, 2.0],
    ...[0.23528105, 0.24278105, 0.25028107, 1.0, 1.0075, 1.015, 1.0, 1.0075, 1.015],
  ], 5e-8);
});

Deno.test("WaterTAP's test_differential_parameter_sweep_selective: one parameter, two samples", async () => {
  const r = await differentialParameterSweep({
    model,
    params: { a: linearSample(0.1, 0.9, 3), b: linearSample(0, 0.5, 3) },
    differential: {
      b: { mode: "product", sample: "uniform", relativeLower: 0.25, relativeUpper: 0.75 },
    },
    numDiffSamples: 2,
    seed: 0,
    workers: 1,
  });
  assertEquals(r.rows, 27);
  const nominalA = [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9];
  // The parameter not perturbed keeps its nominal value.
  assertEquals([...r.params.a], [...nominalA, ...nominalA.flatMap((a) => [a, a])]);
  const perturbed = [0, 0, 0.1311016879909156, 0.15189867079655245];
  assertEquals([...r.params.b], [
    ...[0, 0.25, 0.5, 0, 0.25, 0.5, 0, 0.25, 0.5],
    ...[0, 1, 2].flatMap(() => [...perturbed, 0.2622033759818312, 0.3037973415931049]),
  ]);
  assertEquals([...r.nominalIndex!], [0, 1, 2, 3, 4, 5, 6, 7, 8, ...Array(18).fill(NaN)]);
  assertEquals(
    [...r.differentialIndex!],
    [...NaN9, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8],
  );
  // WaterTAP's d truth for the perturbations of nominal row 0..2: 3b, to solver precision.
  assertClose(
    r.outputs.d.slice(9, 15),
    [0, 0, 3.93305064e-1, 4.55696012e-1, 7.86610138e-1, 9.11392035e-1],
    5e-8,
  );
});

Deno.test("modes sum and percentile: uniform draws around each nominal row, sorted by the first", async () => {
  const inline = URL.createObjectURL(
    new Blob(["export const evaluate = (_, p) => ({ s: p.x + p.y + p.z });"], {
      type: "text/javascript",
    }),
  );
  const r = await differentialParameterSweep({
    model: inline,
    params: { x: fixedSample([1, 2]), y: fixedSample([10, -4]), z: fixedSample([7]) },
    differential: {
      x: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.2 },
      y: {
        mode: "percentile",
        sample: "uniform",
        relativeLower: -0.5,
        relativeUpper: 0.25,
        nominalLower: 0,
        nominalUpper: 4,
      },
    },
    numDiffSamples: 3,
    seed: 5,
    workers: 1,
  });
  const x1 = [0.962015746601828, 0.9665979513269218, 1.161219691853213];
  const x2 = [1.924031493203656, 1.9331959026538437, 2.322439383706426];
  const y10 = [9.835231588707938, 10.755832723813764, 9.465233566384487];
  const y4 = [-4.164768411292063, -3.2441672761862352, -4.534766433615513];
  assertEquals([...r.params.x], [1, 1, 2, 2, ...x1, ...x1, ...x2, ...x2]);
  assertEquals([...r.params.y], [10, -4, 10, -4, ...y10, ...y4, ...y10, ...y4]);
  assertEquals([...r.params.z], Array(16).fill(7));
  assertEquals([...r.differentialIndex!], [NaN, NaN, NaN, NaN, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  assertEquals(r.seed, 5);
  assertEquals([...r.outputs.s], [...r.params.x].map((x, i) => x + r.params.y[i] + 7));
  URL.revokeObjectURL(inline);
});

Deno.test("mode product and normal samples: drawn in the order of 'differential', sorted by its first key", async () => {
  const r = await differentialParameterSweep({
    model,
    params: { a: fixedSample([1, 2]), b: fixedSample([10]) },
    differential: {
      // Normal samples ignore the mode: mean the nominal value, absolute sd.
      b: { mode: "sum", sample: "normal", sd: 0.5 },
      a: { mode: "product", sample: "uniform", relativeLower: 0.5, relativeUpper: 1.5 },
    },
    numDiffSamples: 3,
    seed: 7,
    workers: 1,
  });
  assertEquals([...r.params.a], [
    ...[1, 2, 0.5720511333597615, 0.7684389801018712, 1.0011204636599378],
    ...[1.144102266719523, 1.5368779602037423, 2.0022409273198756],
  ]);
  const b = [9.767031314729584, 10.016410081839291, 10.845262851900179];
  assertEquals([...r.params.b], [10, 10, ...b, ...b]);
  assertEquals([...r.nominalIndex!], [0, 1, NaN, NaN, NaN, NaN, NaN, NaN]);
  assertEquals([...r.differentialIndex!], [NaN, NaN, 0, 0, 0, 1, 1, 1]);
});

Deno.test("geom and reverseGeom samples make every combination, for negative nominal values too", async () => {
  const r = await differentialParameterSweep({
    model,
    params: { a: fixedSample([1, -2]), b: fixedSample([3]) },
    differential: {
      a: { mode: "sum", sample: "geom", relativeLower: 0.5, relativeUpper: 1 },
      b: { mode: "product", sample: "reverseGeom", relativeLower: 1, relativeUpper: 10 },
    },
    numDiffSamples: 3,
    seed: 0,
    workers: 1,
  });
  // 3 ** 2 rows per nominal row.
  assertEquals(r.rows, 2 + 18);
  // np.geomspace matches to the last bit or two (powers of ten come from JavaScript's Math).
  assertClose(r.params.a, [
    ...[1, -2, 0.5, 0.5, 0.5, 1, 1, 1, 2, 2, 2],
    ...[-1, -1, -1, -2, -2, -2, -4, -4, -4],
  ], 1e-15);
  const b = [3, 23.513167019494865, 30];
  assertClose(r.params.b, [3, 3, ...b, ...b, ...b, ...b, ...b, ...b], 1e-15);
  assertEquals([...r.differentialIndex!], [NaN, NaN, ...Array(9).fill(0), ...Array(9).fill(1)]);
  // Spaced samples draw nothing; the nominal grid neither: there is no seed to report.
  assertEquals(r.seed, undefined);
});

Deno.test("linear samples (WaterTAP's LinearSample) are np.linspace of the range, combined with the others", async () => {
  const r = await differentialParameterSweep({
    model,
    params: { a: fixedSample([10, -2]), b: fixedSample([3]) },
    differential: {
      // sum: 10 * (1 - 0.5) to 10 * (1 + 1); a range through zero is fine for linear samples.
      a: { mode: "sum", sample: "linear", relativeLower: 0.5, relativeUpper: 1 },
      b: { mode: "product", sample: "linear", relativeLower: -1, relativeUpper: 1 },
    },
    numDiffSamples: 3,
    workers: 1,
  });
  assertEquals(r.rows, 2 + 18);
  // np.linspace(5, 20, 3), np.linspace(-1, -4, 3) and np.linspace(-3, 3, 3).
  assertEquals([...r.params.a], [
    ...[10, -2, 5, 5, 5, 12.5, 12.5, 12.5, 20, 20, 20],
    ...[-1, -1, -1, -2.5, -2.5, -2.5, -4, -4, -4],
  ]);
  assertEquals([...r.params.b], [3, 3, ...Array(6).fill([-3, 0, 3]).flat()]);
  assertEquals(r.seed, undefined);
});

Deno.test("random nominal rows are those of parameterSweep, and each is perturbed from the seed afresh", async () => {
  const params = { a: uniformSample(0, 1, 4), b: uniformSample(0, 1, 4) };
  const r = await differentialParameterSweep({
    model,
    params,
    differential: {
      b: { mode: "product", sample: "uniform", relativeLower: 0.9, relativeUpper: 1.1 },
    },
    numDiffSamples: 2,
    seed: 3,
    workers: 1,
  });
  const nominal = await parameterSweep({ model, params, seed: 3, workers: 1 });
  assertEquals([...r.params.a.slice(0, 4)], [...nominal.params.a]);
  assertEquals([...r.params.b.slice(0, 4)], [...nominal.params.b]);
  assertEquals([...r.outputs.performance.slice(0, 4)], [...nominal.outputs.performance]);
  assertEquals([...r.params.b.slice(4)], [
    ...[0.1268612045369842, 0.1308133722490095, 0.20934837884477442, 0.21587030890570133],
    ...[0.902018920825898, 0.9301199471998413, 0.9053990507354194, 0.9336053799112682],
  ]);
  assertEquals([...r.params.a.slice(4)], [...nominal.params.a].flatMap((a) => [a, a]));
});

Deno.test("a nominal row that fails is perturbed all the same, as in WaterTAP", async () => {
  const r = await differentialParameterSweep({
    model,
    buildOptions: { failAt: 0.5 },
    params: { a: fixedSample([0.25, 0.5]), b: fixedSample([0.1]) },
    differential: { a: { mode: "product", sample: "uniform", relativeLower: 1, relativeUpper: 2 } },
    numDiffSamples: 2,
    seed: 0,
    workers: 1,
  });
  assertEquals(r.rows, 6);
  assertEquals([...r.success], [1, 0, 1, 1, 1, 1]);
  assertEquals([...r.errors], [[1, "Error: no solution for a=0.5"]]);
  assertEquals([...r.differentialIndex!], [NaN, NaN, 0, 0, 1, 1]);
  assert(r.params.a.slice(4).every((a) => a > 0.5 && a < 1));
  assertEquals([r.stats.succeeded, r.stats.failed], [5, 1]);
  assert(Number.isNaN(r.outputs.c[1]));
});

Deno.test("the same seed gives identical results on one worker and on two", async () => {
  const options: DifferentialSweepOptions = {
    model,
    buildOptions: { failAt: 0.5 },
    params: { a: uniformSample(0, 1, 12), b: uniformSample(0, 1, 12) },
    differential: {
      a: { mode: "sum", sample: "normal", sd: 0.05 },
      b: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.1 },
    },
    numDiffSamples: 3,
    outputs: ["performance"],
    seed: 11,
  };
  const one = plainResult(await differentialParameterSweep({ ...options, workers: 1 }));
  const two = plainResult(
    await differentialParameterSweep({ ...options, workers: 2, permissions }),
  );
  assertEquals(two, one);
  assertEquals(one.rows, 12 * 4);
  assertEquals(one.outputNames, ["performance"]);
  assertEquals(one.nominalIndex!.slice(0, 12), [...Array(12).keys()]);
  assertEquals(one.differentialIndex!.slice(12), [...Array(12).keys()].flatMap((k) => [k, k, k]));
});

Deno.test("without a seed, one fresh seed serves the whole sweep and repeats it", async () => {
  const options: DifferentialSweepOptions = {
    model,
    params: { a: fixedSample([0.2, 0.4]), b: fixedSample([0.1]) },
    differential: { a: { mode: "sum", sample: "normal", sd: 0.01 } },
    numDiffSamples: 2,
    workers: 1,
  };
  const first = await differentialParameterSweep(options);
  assert(first.seed !== undefined);
  // Every nominal row gets the same draws: a - nominal a is the same for both.
  const shift = (i: number, k: number): number => first.params.a[i] - first.params.a[k];
  assert(Math.abs(shift(2, 0) - shift(4, 1)) < 1e-15);
  assert(Math.abs(shift(3, 0) - shift(5, 1)) < 1e-15);
  const again = await differentialParameterSweep({ ...options, seed: first.seed });
  assertEquals(plainResult(again), plainResult(first));
});

async function rejects(
  patch: Partial<Record<keyof DifferentialSweepOptions, unknown>>,
  type: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  message: string,
): Promise<void> {
  const options = {
    model,
    params: { a: fixedSample([0.2, 0.4]), b: fixedSample([0, 0.1]) },
    differential: { a: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.1 } },
    numDiffSamples: 2,
    workers: 1,
    ...patch,
  } as DifferentialSweepOptions;
  await assertRejects(() => differentialParameterSweep(options), (e: Error) => {
    assertEquals(e.message, `Cannot run a differential sweep ${message}`);
    assert(e instanceof type, `${e.name} is not a ${type.name}`);
    return true;
  });
}

function spec(fields: Record<string, unknown>): Record<string, DifferentialSpec> {
  return { a: fields as unknown as DifferentialSpec };
}

Deno.test("bad numDiffSamples and differential specs are rejected, naming the field", async () => {
  await rejects(
    { numDiffSamples: 0 },
    RangeError,
    "as 'numDiffSamples' must be a positive integer: current value is 0",
  );
  await rejects(
    { numDiffSamples: 1.5 },
    RangeError,
    "as 'numDiffSamples' must be a positive integer: current value is 1.5",
  );
  await rejects(
    { numDiffSamples: "2" },
    TypeError,
    `as 'numDiffSamples' must be a number: current value is "2"`,
  );
  await rejects(
    { numDiffSamples: null },
    TypeError,
    "as 'numDiffSamples' must be a number: current value is null",
  );
  await rejects(
    { differential: undefined },
    TypeError,
    "as 'differential' must be an object of specs by parameter name: current value is undefined",
  );
  await rejects(
    { differential: {} },
    RangeError,
    "as 'differential' must name at least one parameter: current value is {}",
  );
  await rejects(
    { differential: { z: { mode: "sum", sample: "normal", sd: 1 } } },
    RangeError,
    `as every key of 'differential' must be a parameter of 'params' ("a", "b"): current value is "z"`,
  );
  await rejects(
    { differential: { a: 1 } },
    TypeError,
    "as 'differential.a' must be an object with 'sample' (and 'mode'): current value is 1",
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "normal", sd: 1, relativeLB: 0 }) },
    TypeError,
    "as 'differential.a.relativeLB' is not a field of a differential spec (expected 'mode', 'sample', 'relativeLower', 'relativeUpper', 'sd', 'nominalLower', 'nominalUpper'): current value is 0",
  );
  await rejects(
    { differential: spec({ mode: "add", sample: "normal", sd: 1 }) },
    RangeError,
    `as 'differential.a.mode' must be "sum", "product" or "percentile": current value is "add"`,
  );
  await rejects(
    { differential: spec({ sample: "geom", relativeLower: 0.5, relativeUpper: 2 }) },
    TypeError,
    `as 'differential.a.mode' must be "sum", "product" or "percentile": current value is undefined`,
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "lin", relativeLower: 0, relativeUpper: 1 }) },
    RangeError,
    `as 'differential.a.sample' must be "uniform", "normal", "linear", "geom" or "reverseGeom": current value is "lin"`,
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "normal" }) },
    TypeError,
    `as 'differential.a.sd' must be a number for sample "normal": current value is undefined`,
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "normal", sd: -1 }) },
    RangeError,
    "as 'differential.a.sd' must be at least 0: current value is -1",
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "normal", sd: Infinity }) },
    RangeError,
    "as 'differential.a.sd' must be a finite number: current value is Infinity",
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "normal", sd: 1, relativeLower: 0.1 }) },
    TypeError,
    `as 'differential.a.relativeLower' is only used with samples other than "normal": current value is 0.1`,
  );
  await rejects(
    { differential: spec({ mode: "sum", sample: "uniform", relativeLower: 0.1 }) },
    TypeError,
    `as 'differential.a.relativeUpper' must be a number for sample "uniform": current value is undefined`,
  );
  await rejects(
    {
      differential: spec({
        mode: "sum",
        sample: "uniform",
        relativeLower: NaN,
        relativeUpper: 0.1,
      }),
    },
    RangeError,
    "as 'differential.a.relativeLower' must be a finite number: current value is NaN",
  );
  await rejects(
    {
      differential: spec({
        mode: "product",
        sample: "geom",
        relativeLower: 1,
        relativeUpper: 2,
        sd: 0.1,
      }),
    },
    TypeError,
    `as 'differential.a.sd' is only used with sample "normal": current value is 0.1`,
  );
  await rejects(
    {
      differential: spec({
        mode: "percentile",
        sample: "uniform",
        relativeLower: 0,
        relativeUpper: 0.1,
        nominalLower: 0,
      }),
    },
    TypeError,
    `as 'differential.a.nominalUpper' must be a number for mode "percentile": current value is undefined`,
  );
  await rejects(
    {
      differential: spec({
        mode: "sum",
        sample: "uniform",
        relativeLower: 0,
        relativeUpper: 0.1,
        nominalLower: 0,
      }),
    },
    TypeError,
    `as 'differential.a.nominalLower' is only used with mode "percentile": current value is 0`,
  );
  await rejects(
    {
      differential: {
        a: { mode: "sum", sample: "uniform", relativeLower: 0, relativeUpper: 0.1 },
        b: { mode: "sum", sample: "geom", relativeLower: 0, relativeUpper: 0.1 },
      },
    },
    TypeError,
    `as 'differential.b.sample' must draw at random like 'differential.a.sample' ("uniform"), as sampling types cannot be mixed: current value is "geom"`,
  );
  await rejects(
    {
      differential: {
        a: { mode: "sum", sample: "reverseGeom", relativeLower: 0, relativeUpper: 0.1 },
        b: { mode: "sum", sample: "normal", sd: 0.1 },
      },
    },
    TypeError,
    `as 'differential.b.sample' must be spaced like 'differential.a.sample' ("reverseGeom"), as sampling types cannot be mixed: current value is "normal"`,
  );
  // b = 0 in nominal row 0: a sum range of 0 to 0 has no geometric spacing (numpy raises too).
  await rejects(
    { differential: { b: { mode: "sum", sample: "geom", relativeLower: 0.5, relativeUpper: 1 } } },
    RangeError,
    "as 'differential.b' makes the geometric range 0 to 0 of nominal row 0 (b = 0), which must not include or cross zero",
  );
  await rejects(
    {
      differential: {
        a: {
          mode: "percentile",
          sample: "geom",
          relativeLower: -1,
          relativeUpper: 1,
          nominalLower: 0,
          nominalUpper: 1,
        },
      },
    },
    RangeError,
    "as 'differential.a' makes the geometric range -0.8 to 1.2 of nominal row 0 (a = 0.2), which must not include or cross zero",
  );
  await rejects(
    {
      differential: spec({
        mode: "percentile",
        sample: "uniform",
        relativeLower: -1,
        relativeUpper: 1,
        nominalLower: -1e308,
        nominalUpper: 1e308,
      }),
    },
    RangeError,
    "as 'differential.a' makes the range -Infinity to Infinity of nominal row 0 (a = 0.2), which must be finite",
  );
  // The shared sweep checks still apply.
  await assertRejects(
    () =>
      differentialParameterSweep({
        model,
        params: {},
        differential: {},
        numDiffSamples: 1,
      }),
    /'params' must name at least one parameter/,
  );
});

Deno.test("WaterTAP's defaults: numDiffSamples is 1 and a normal spec needs no mode (same draws)", async () => {
  const params = { a: linearSample(0.1, 0.9, 3), b: linearSample(0, 0.5, 3) };
  const b = {
    mode: "product",
    sample: "uniform",
    relativeLower: 0.01,
    relativeUpper: 0.01,
  } as const;
  const explicit = await differentialParameterSweep({
    model,
    params,
    differential: { a: { mode: "sum", sample: "normal", sd: 0.01 }, b },
    numDiffSamples: 1,
    seed: 0,
    workers: 1,
  });
  // WaterTAP's NormalSample spec: no diff_mode, no num_diff_samples.
  const bare = await differentialParameterSweep({
    model,
    params,
    differential: { a: { sample: "normal", sd: 0.01 }, b },
    seed: 0,
    workers: 1,
  });
  assertEquals(bare.rows, 18);
  assertEquals(plainResult(bare), plainResult(explicit));
  // The WaterTAP value of the first perturbation of a (numpy seed 0, mean 0.1, sd 0.01).
  assertEquals(bare.params.a[9], 0.11764052345967665);
  // Other samples still need a mode, and a normal spec's mode, if given, must be valid.
  await assertRejects(
    () =>
      differentialParameterSweep({
        model,
        params,
        differential: { a: { sample: "uniform", relativeLower: 0.1, relativeUpper: 0.1 } },
        workers: 1,
      }),
    TypeError,
    "'differential.a.mode' must be",
  );
  await assertRejects(
    () =>
      differentialParameterSweep({
        model,
        params,
        // deno-lint-ignore no-explicit-any
        differential: { a: { mode: "up" as any, sample: "normal", sd: 0.01 } },
        workers: 1,
      }),
    RangeError,
    "'differential.a.mode' must be",
  );
});

Deno.test("differential sweeps write CSV/JSONL with nominalIndex and differentialIndex, and resume", async () => {
  await withTempDir(async (dir) => {
    const options: DifferentialSweepOptions = {
      model,
      params: { a: linearSample(0.1, 0.9, 3), b: linearSample(0, 0.5, 3) },
      differential: {
        a: { sample: "normal", sd: 0.01 },
        b: { mode: "product", sample: "uniform", relativeLower: 0.01, relativeUpper: 0.01 },
      },
      seed: 0,
      workers: 1,
      csv: `${dir}/diff.csv`,
      jsonl: `${dir}/diff.jsonl`,
    };
    const full = await differentialParameterSweep(options);
    const csv = await Deno.readTextFile(`${dir}/diff.csv`);
    const lines = csv.trimEnd().split("\n");
    assertEquals(lines[0], "nominalIndex,differentialIndex,a,b,c,d,performance,success");
    assertEquals(lines.length, 19);
    assertEquals(lines[1].split(",").slice(0, 4), ["0", "NaN", "0.1", "0"]);
    // The first perturbation row: WaterTAP's seed-0 draw of a around 0.1.
    assertEquals(lines[10].split(",").slice(0, 3), ["NaN", "0", "0.11764052345967665"]);
    for (const path of [`${dir}/diff.csv`, `${dir}/diff.jsonl`]) {
      const back = await readRows(path, {
        extraNames: ["nominalIndex", "differentialIndex"],
        paramNames: ["a", "b"],
        outputNames: ["c", "d", "performance"],
      });
      assertEquals([...back.extra.nominalIndex], [...full.nominalIndex!]);
      assertEquals([...back.extra.differentialIndex], [...full.differentialIndex!]);
      assertEquals(back.rows, 18);
    }
    // A crash after 7 rows: the files hold them, and a resume computes only the rest.
    for (const [name, keep] of [["diff.csv", 8], ["diff.jsonl", 7]] as const) {
      const text = await Deno.readTextFile(`${dir}/${name}`);
      await Deno.writeTextFile(`${dir}/${name}`, text.split("\n").slice(0, keep).join("\n") + "\n");
    }
    await Deno.remove(`${dir}/diff.csv`);
    const resumed = await differentialParameterSweep({ ...options, seed: undefined, resume: true });
    assertEquals(resumed.stats.resumed, 7);
    assertEquals(plainResult(resumed), plainResult(full));
    assertEquals(await Deno.readTextFile(`${dir}/diff.csv`), csv);
    // A resume of another differential sweep into that file is refused.
    await assertRejects(
      () =>
        differentialParameterSweep({
          ...options,
          differential: { a: { sample: "normal", sd: 0.02 } },
          resume: true,
        }),
      Error,
      "Cannot resume from",
    );
  });
});

Deno.test("a killed differential sweep leaves its finished rows, index columns included, and resume completes it", async () => {
  await withTempDir(async (dir) => {
    const crash = new URL("./fixtures/crash_differential.ts", import.meta.url).pathname;
    const run = (csv: string, jsonl: string, mode?: string) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", crash, csv, jsonl, ...(mode ? [mode] : [])],
        stdout: "piped",
        stderr: "null",
      });
    const child = run(`${dir}/d.csv`, `${dir}/d.jsonl`, "pause").spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
    let buffer = "";
    for await (const text of lines) {
      buffer += text;
      if ([...buffer.matchAll(/done (\d+)/g)].some((m) => Number(m[1]) >= 40)) {
        child.kill("SIGKILL");
        break;
      }
    }
    await lines.return?.();
    assert(!(await child.status).success, "the sweep must be killed midway");
    const names = {
      extraNames: ["nominalIndex", "differentialIndex"],
      paramNames: ["x", "z"],
      outputNames: ["y"],
    };
    const disk = await readRows(`${dir}/d.jsonl`, names);
    // 40 nominal rows, then 3 perturbations of each: 160 rows.
    assert(disk.rows >= 40 && disk.rows < 160, `rows on disk: ${disk.rows}`);
    for (let i = 0; i < disk.rows; i++) {
      const [x, z] = [disk.params[2 * i], disk.params[2 * i + 1]];
      if (x === 7) assertEquals(disk.success[i], 0);
      else assertEquals(disk.outputs[i], x * z);
    }
    const resumed = await run(`${dir}/d.csv`, `${dir}/d.jsonl`, "resume").output();
    assertMatch(new TextDecoder().decode(resumed.stdout), /finished/);
    assert((await run(`${dir}/f.csv`, `${dir}/f.jsonl`).output()).success);
    assertEquals(await Deno.readTextFile(`${dir}/d.csv`), await Deno.readTextFile(`${dir}/f.csv`));
    assertEquals(
      await Deno.readTextFile(`${dir}/d.jsonl`),
      await Deno.readTextFile(`${dir}/f.jsonl`),
    );
  });
});
