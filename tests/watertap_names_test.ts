// WaterTAP's sampler names and fields in sweep files (its reader's YAML, ported with few edits).
import { buildCombinations } from "../src/sampling/mod.ts";
import { validateSweep } from "../src/cli/sweep_file.ts";
import { parseYaml } from "../src/cli/_yaml.ts";
import { assertEquals, assertThrows } from "./_assert.ts";

Deno.test("WaterTAP sampler names and fields work in sweep files as aliases", () => {
  // As WaterTAP's get_sweep_params_from_yaml reads them (`param` is its Pyomo path: dropped).
  const yaml = `
model: m.ts
params:
  a: { type: LinearSample, param: "fs.input[a]", lower_limit: 0.1, upper_limit: 0.9, num_samples: 3 }
  g: { type: GeomSample, lower_limit: 1, upper_limit: 100, num_samples: 3 }
  r: { type: ReverseGeomSample, lower_limit: 1, upper_limit: 100, num_samples: 3 }
  f: { type: PredeterminedFixedSample, array: [1, 2] }
`;
  const spec = validateSweep(parseYaml(yaml), "/tmp/x/sweep.yaml");
  assertEquals(spec.params.a, { kind: "fixed", sampler: "linear", lower: 0.1, upper: 0.9, n: 3 });
  assertEquals(spec.params.g, { kind: "fixed", sampler: "geom", lower: 1, upper: 100, n: 3 });
  assertEquals(spec.params.r, {
    kind: "fixed",
    sampler: "reverseGeom",
    lower: 1,
    upper: 100,
    n: 3,
  });
  assertEquals(spec.params.f, { kind: "fixed", sampler: "fixed", values: [1, 2] });
  const random = validateSweep(
    parseYaml(`
model: m.ts
params:
  u: { type: UniformSample, lower_limit: 0, upper_limit: 1, num_samples: 2 }
  n: { type: NormalSample, mean: 4.0e-12, std: 0.5e-12, num_samples: 2 }
  m: { type: NormalSample, mean: 1, sd: 0.5, num_samples: 2 }
  p: { type: PredeterminedRandomSample, array: [5, 6] }
`),
    "/tmp/x/sweep.yaml",
  );
  assertEquals(random.params.u, { kind: "random", sampler: "uniform", lower: 0, upper: 1, n: 2 });
  assertEquals(random.params.n, {
    kind: "random",
    sampler: "normal",
    mean: 4e-12,
    sd: 0.5e-12,
    n: 2,
  });
  assertEquals(random.params.m, { kind: "random", sampler: "normal", mean: 1, sd: 0.5, n: 2 });
  assertEquals(random.params.p, { kind: "random", sampler: "random", values: [5, 6] });
  const lhs = validateSweep(
    parseYaml(`
model: m.ts
params:
  x: { type: LatinHypercubeSample, lower_limit: 0, upper_limit: 1, num_samples: 4 }
`),
    "/tmp/x/sweep.yaml",
  );
  assertEquals(lhs.params.x, { kind: "lhs", sampler: "lhs", lower: 0, upper: 1, n: 4 });
  // The aliases sweep as the samplers they name: a grid, the first parameter varying slowest.
  const grid = buildCombinations({ a: spec.params.a, f: spec.params.f });
  assertEquals([...grid.data], [0.1, 1, 0.1, 2, 0.5, 1, 0.5, 2, 0.9, 1, 0.9, 2]);
});

Deno.test("WaterTAP sampler names: mistakes name the field", () => {
  const bad = (params: string, message: string) =>
    assertThrows(
      () => validateSweep(parseYaml(`model: m.ts\nparams:\n  a: ${params}\n`), "/tmp/s.yaml"),
      Error,
      message,
    );
  bad(
    "{ type: LinSample, lower_limit: 0, upper_limit: 1, num_samples: 2 }",
    "'params.a.type' must be one of LinearSample, GeomSample, ReverseGeomSample, UniformSample, NormalSample, LatinHypercubeSample, PredeterminedFixedSample, PredeterminedRandomSample (WaterTAP's names) or be replaced by 'sampler': current value is \"LinSample\"",
  );
  bad(
    "{ type: LinearSample, sampler: linear, lower: 0, upper: 1, n: 2 }",
    "'params.a' gives both 'sampler' and WaterTAP's 'type'",
  );
  bad(
    "{ type: LinearSample, lower_limit: 0, lower: 0, upper_limit: 1, num_samples: 2 }",
    "'params.a' gives 'lower' twice (once as 'lower_limit')",
  );
  // Fields are named as the file wrote them, or would have: WaterTAP's names with its 'type'.
  bad(
    "{ type: LinearSample, lower_limit: 0, upper_limit: 1 }",
    "'params.a.num_samples' must be a number: current value is undefined",
  );
  bad(
    "{ type: LinearSample, lower_limit: 0, upper_limit: 1, num_samples: -2 }",
    "'params.a.num_samples' must be",
  );
  bad(
    "{ type: UniformSample, lower_limit: 1, upper_limit: .nan, num_samples: 2 }",
    "'params.a.upper_limit'",
  );
  bad(
    "{ type: NormalSample, mean: 0, std: 1, num_samples: 2, set_mode: set_lb }",
    `'params.a.set_mode' is not a field of sampler "normal"`,
  );
});

Deno.test("sweep files take the WaterTAP options by either name", () => {
  const spec = validateSweep(
    parseYaml(`
model: m.ts
params:
  a: [0, 1, 2]
initialize_before_sweep: true
update_sweep_params_before_init: false
interpolate_nan_outputs: true
publish_address: "http://127.0.0.1:8888"
csv: r.csv
`),
    "/tmp/x/sweep.yaml",
  );
  assertEquals(
    [
      spec.initializeBeforeSweep,
      spec.updateParamsBeforeInit,
      spec.interpolateNanOutputs,
      spec.publishAddress,
    ],
    [true, false, true, "http://127.0.0.1:8888"],
  );
  assertThrows(
    () =>
      validateSweep(
        parseYaml("model: m.ts\nparams:\n  a: [0, 1, 2]\ninitializeBeforeSweep: yes please\n"),
        "/tmp/s.yaml",
      ),
    Error,
    "'initializeBeforeSweep' must be true or false",
  );
});

Deno.test("WaterTAP differential specs: nominal_lb and nominal_ub count only with diff_mode percentile, as its reader", () => {
  // WaterTAP's own test_dict_to_diff gives them with diff_mode sum, and its reader drops them.
  const spec = validateSweep(
    parseYaml(`
model: m.ts
params:
  a: [1, 2, 3]
  b: [1, 2, 3]
differential:
  a: { diff_mode: sum, diff_sample_type: UniformSample, relative_lb: 0.1, relative_ub: 0.2, nominal_lb: 0, nominal_ub: 5 }
  b: { diff_mode: percentile, diff_sample_type: UniformSample, relative_lb: 0.1, relative_ub: 0.2, nominal_lb: 0, nominal_ub: 5 }
`),
    "/tmp/s.yaml",
  );
  assertEquals(spec.differential, {
    a: { mode: "sum", sample: "uniform", relativeLower: 0.1, relativeUpper: 0.2 },
    b: {
      mode: "percentile",
      sample: "uniform",
      relativeLower: 0.1,
      relativeUpper: 0.2,
      nominalLower: 0,
      nominalUpper: 5,
    },
  });
});
