// The CLI runs differential sweeps from sweep files, WaterTAP's names included, and resumes them.
import { assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;
const model = new URL("./fixtures/models/diff_watertap.ts", import.meta.url).pathname;

async function psweep(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", mod, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("psweep run: a differential sweep file with WaterTAP's names writes its index columns and resumes", async () => {
  await withTempDir(async (dir) => {
    // WaterTAP's test_differential_parameter_sweep, in its own names.
    await Deno.writeTextFile(
      `${dir}/diff.yaml`,
      `model: ${model}
params:
  a: { type: LinearSample, lower_limit: 0.1, upper_limit: 0.9, num_samples: 3 }
  b: { type: LinearSample, lower_limit: 0, upper_limit: 0.5, num_samples: 3 }
differential:
  a: { diff_sample_type: NormalSample, std_dev: 0.01 }
  b: { diff_mode: product, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01 }
num_diff_samples: 1
seed: 0
workers: 1
csv: diff.csv
`,
    );
    const r = await psweep(["run", `${dir}/diff.yaml`, "--quiet"]);
    assertEquals(r.code, 0, r.stderr);
    const csv = await Deno.readTextFile(`${dir}/diff.csv`);
    const lines = csv.trimEnd().split("\n");
    assertEquals(lines[0], "nominalIndex,differentialIndex,a,b,c,d,performance,success");
    assertEquals(lines.length, 19);
    // WaterTAP's seed-0 perturbation of a around its first nominal value.
    assertEquals(lines[10].split(",").slice(0, 4), ["NaN", "0", "0.11764052345967665", "0"]);
    // Stopped after 5 rows: --resume computes the rest and leaves the same file.
    await Deno.writeTextFile(`${dir}/diff.csv`, lines.slice(0, 6).join("\n") + "\n");
    const resumed = await psweep(["run", `${dir}/diff.yaml`, "--resume", "--quiet"]);
    assertEquals(resumed.code, 0, resumed.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/diff.csv`), csv);
    // Mistakes name the field.
    await Deno.writeTextFile(
      `${dir}/bad.yaml`,
      `model: ${model}\nparams:\n  a: [0, 1, 2]\ndifferential:\n  a: { diff_sample_type: LinSample, diff_mode: sum, relative_lb: 0, relative_ub: 1 }\n`,
    );
    const bad = await psweep(["run", `${dir}/bad.yaml`, "--quiet"]);
    assertEquals(bad.code, 2);
    assertMatch(
      bad.stderr,
      /'differential\.a\.diff_sample_type' must be one of UniformSample, NormalSample, LinearSample, GeomSample, ReverseGeomSample: current value is "LinSample"/,
    );
  });
});

Deno.test("psweep run: a differential spec's num_samples, as WaterTAP's loop tool writes it, is the perturbations per nominal row; errors name WaterTAP's fields", async () => {
  await withTempDir(async (dir) => {
    const file = (differential: string, more = "") =>
      Deno.writeTextFile(
        `${dir}/diff.yaml`,
        `model: ${model}
params:
  a: { type: LinearSample, lower_limit: 0.1, upper_limit: 0.9, num_samples: 2 }
  b: { type: LinearSample, lower_limit: 0, upper_limit: 0.5, num_samples: 2 }
differential:
${differential}
seed: 0
workers: 1
csv: diff.csv
${more}`,
      );
    // The loop tool's test_diff.yaml: num_samples in each spec, no num_diff_samples.
    await file(
      `  a: { diff_mode: sum, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01, num_samples: 3 }
  b: { diff_mode: product, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01, num_samples: 3 }`,
    );
    const ok = await psweep(["run", `${dir}/diff.yaml`, "--quiet", "--overwrite"]);
    assertEquals(ok.code, 0, ok.stderr);
    const lines = (await Deno.readTextFile(`${dir}/diff.csv`)).trimEnd().split("\n");
    // 4 nominal rows, then 3 perturbed rows (both parameters drawn) for each.
    assertEquals(lines.length - 1, 4 + 4 * 3);
    // Specs that disagree, with each other or with num_diff_samples, are refused, naming both.
    await file(
      `  a: { diff_mode: sum, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01, num_samples: 3 }
  b: { diff_mode: product, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01, num_samples: 2 }`,
    );
    const split = await psweep(["run", `${dir}/diff.yaml`, "--quiet", "--overwrite"]);
    assertEquals(split.code, 2);
    assertMatch(
      split.stderr,
      /'differential\.b\.num_samples' must equal 'differential\.a\.num_samples' \(the perturbations per nominal row\): current value is 2, 'differential\.a\.num_samples' is 3/,
    );
    await file(
      `  a: { diff_mode: sum, diff_sample_type: UniformSample, relative_lb: 0.01, relative_ub: 0.01, num_samples: 3 }`,
      "num_diff_samples: 1\n",
    );
    const other = await psweep(["run", `${dir}/diff.yaml`, "--quiet", "--overwrite"]);
    assertEquals(other.code, 2);
    assertMatch(other.stderr, /'differential\.a\.num_samples' must equal 'num_diff_samples'/);
    // A spec in WaterTAP's names hears of its fields by those names, given or missing.
    await file(`  a: { diff_mode: sum, diff_sample_type: UniformSample, relative_ub: 0.01 }`);
    const missing = await psweep(["run", `${dir}/diff.yaml`, "--quiet", "--overwrite"]);
    assertEquals(missing.code, 2);
    assertMatch(missing.stderr, /'differential\.a\.relative_lb' must be a number/);
    await file(`  a: { diff_sample_type: NormalSample, std_dev: -1 }`);
    const negative = await psweep(["run", `${dir}/diff.yaml`, "--quiet", "--overwrite"]);
    assertEquals(negative.code, 2);
    assertMatch(negative.stderr, /'differential\.a\.std_dev' must be at least 0/);
  });
});
