// Issue 10: mistakes that gave a run which looked successful and was wrong. Each test reproduces
// the original symptom (it failed before the fix).
import {
  differentialParameterSweep,
  fixedSample,
  LocalResults,
  type Matrix,
  parameterSweep,
  recursiveParameterSweep,
  uniformSample,
} from "../mod.ts";
import { matchRows } from "../src/io/mod.ts";
import { buildAndExecute, matrixToRows, ParallelActor, sliceRows } from "../src/parallel/mod.ts";
import { linearSample } from "../src/sampling/samplers.ts";
import { withTempDir } from "./_temp.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";

const permissions = { import: true } as const;

// The error's class and message, checked (node's rejects takes a third argument as its own text).
async function rejectsWith(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  pattern: RegExp,
): Promise<void> {
  const error = await fn().then(() => undefined, (e) => e);
  assert(error instanceof type, `expected a ${type.name}, got ${error}`);
  assertMatch(error.message, pattern);
}

function throwsWith(fn: () => unknown, type: new (...args: never[]) => Error, pattern: RegExp) {
  return rejectsWith(async () => await fn(), type, pattern);
}

function inlineModel(source: string): string {
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

// The README's reverse-osmosis shape: outputs in camelCase, one of them misspelt by the user.
const RO = `export const evaluate = (_, p) => ({
  recovery: p.x / 10,
  fluxLmh: p.x,
  energy: p.x < 1 ? NaN : 2 * p.x, // no value in this regime: NaN, said explicitly
});`;

Deno.test("a named output the model does not return fails its row, listing what it returned", async () => {
  const model = inlineModel(RO);
  try {
    for (const workers of [1, 2]) {
      const r = await parameterSweep({
        model,
        params: { x: linearSample(0, 2, 3) },
        outputs: ["Recovery", "fluxLmh"],
        workers,
        permissions: workers > 1 ? permissions : undefined,
      });
      // Before: every row success=true with an all-NaN Recovery column.
      assertEquals([...r.success], [0, 0, 0]);
      assertEquals(r.stats.failed, 3);
      assertEquals(
        r.errors.get(0),
        `'outputs' names "Recovery", which evaluate did not return; it returned recovery, fluxLmh, energy`,
      );
    }
    // An explicit NaN is a value: the row succeeds and records it.
    const ok = await parameterSweep({
      model,
      params: { x: linearSample(0, 2, 3) },
      outputs: ["recovery", "energy"],
      workers: 1,
    });
    assertEquals([...ok.success], [1, 1, 1]);
    assertEquals([...ok.outputs.energy], [NaN, 2, 4]);
    assertEquals(ok.warnings, []);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("found outputs that are not numbers warn once each, naming the first row and the type; booleans are 1/0", async () => {
  const model = inlineModel(`export const evaluate = (_, p) => ({
    y: p.x,
    text: p.x >= 1 ? "1.5" : 2,
    nested: { a: p.x },
    gone: undefined,
    converged: p.x !== 1,
  });`);
  try {
    for (const workers of [1, 2]) {
      const r = await parameterSweep({
        model,
        params: { x: linearSample(0, 3, 4) },
        workers,
        permissions: workers > 1 ? permissions : undefined,
      });
      assertEquals([...r.success], [1, 1, 1, 1]);
      assertEquals([...r.outputs.converged], [1, 0, 1, 1]);
      assertEquals([...r.outputs.text], [2, NaN, NaN, NaN]);
      // Before: no word at all; the values were silently NaN.
      assertEquals(r.warnings.length, 3);
      assertMatch(
        r.warnings[0],
        /^output "text" is not a number .*first row 1: a string \("1\.5"\)/,
      );
      assertMatch(r.warnings[1], /^output "nested" .*first row 0: an object/);
      assertMatch(r.warnings[2], /^output "gone" .*first row 0: undefined/);
    }
    // Named, the same values fail their rows instead.
    const named = await parameterSweep({
      model,
      params: { x: linearSample(0, 3, 4) },
      outputs: ["y", "text", "converged"],
      workers: 1,
    });
    assertEquals([...named.success], [1, 0, 0, 0]);
    assertEquals([...named.outputs.converged], [1, NaN, NaN, NaN]);
    assertEquals(
      named.errors.get(1),
      `output 'text' is "1.5" (a string), not a number: return numbers (Number(...) of other values)`,
    );
    assertEquals(named.warnings, []);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a recursive sweep that finds fewer successes than asked says how many, and maxRounds bounds the draws", async () => {
  // A rare success region: x > 0.999.
  const model = inlineModel(
    `export const evaluate = (_, p) => { if (p.x < 0.999) throw new Error("no"); return { y: p.x }; };`,
  );
  try {
    const r = await recursiveParameterSweep({
      model,
      params: { x: uniformSample(0, 1, 10) },
      numSamples: 10,
      seed: 1,
      workers: 1,
      maxRounds: 2,
    });
    // Before: 10 asked, fewer found, "0 failed" and nothing else said.
    assert(r.samples !== undefined);
    assertEquals(r.samples.requested, 10);
    assertEquals(r.samples.found, r.rows);
    assertEquals(r.samples.rounds, 2);
    assert(r.rows < 10 && r.samples.drawn > r.rows);
    assertEquals(r.warnings.length, 1);
    assertMatch(
      r.warnings[0],
      new RegExp(
        `^the recursive sweep found ${r.rows} of the 10 successful samples asked for, in 2 rounds of drawing \\(${r.samples.drawn} drawn, ${
          r.samples.drawn - r.rows
        } failed\\); raise 'maxRounds' to draw more$`,
      ),
    );
    await rejectsWith(
      () =>
        recursiveParameterSweep({
          model,
          params: { x: uniformSample(0, 1, 10) },
          numSamples: 1,
          maxRounds: 0,
        }),
      RangeError,
      /'maxRounds' must be a positive integer: current value is 0/,
    );
    // Found in full: no warning.
    const easy = await recursiveParameterSweep({
      model: inlineModel("export const evaluate = (_, p) => ({ y: p.x });"),
      params: { x: uniformSample(0, 1, 5) },
      numSamples: 5,
      seed: 1,
      workers: 1,
    });
    assertEquals(easy.samples, { requested: 5, found: 5, drawn: 5, rounds: 1 });
    assertEquals(easy.warnings, []);
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("huge row counts are refused before anything is drawn or allocated", async () => {
  const model = inlineModel("export const evaluate = (_, p) => ({ y: p.x });");
  try {
    // A product of grid sizes no memory holds, named sampler by sampler with the row count.
    await rejectsWith(
      () =>
        parameterSweep({
          model,
          params: { a: linearSample(0, 1, 100_000), b: linearSample(0, 1, 100_000) },
          workers: 1,
        }),
      RangeError,
      /the grid of 'params\.a' \(100000\) x 'params\.b' \(100000\) makes more rows than a sweep holds in memory \(at most 100000000\): current value is 10000000000$/,
    );
    await rejectsWith(
      () =>
        recursiveParameterSweep({
          model,
          params: { x: uniformSample(0, 1, 10) },
          numSamples: 3e9,
          workers: 1,
        }),
      RangeError,
      /'numSamples' asks for more rows than a sweep holds in memory .*current value is 3000000000/,
    );
    await rejectsWith(
      () =>
        differentialParameterSweep({
          model,
          params: { a: fixedSample([1, 2]), b: fixedSample([1, 2]), c: fixedSample([1, 2]) },
          differential: {
            a: { mode: "product", sample: "geom", relativeLower: 0.5, relativeUpper: 2 },
            b: { mode: "product", sample: "geom", relativeLower: 0.5, relativeUpper: 2 },
            c: { mode: "product", sample: "geom", relativeLower: 0.5, relativeUpper: 2 },
          },
          numDiffSamples: 10_000,
          workers: 1,
        }),
      RangeError,
      /'numDiffSamples' makes 8 nominal rows with 1000000000000 perturbations each/,
    );
  } finally {
    URL.revokeObjectURL(model);
  }
});

// doExecute as the README writes it: it reads the rows' data.
const double = (p: Matrix) => Array.from(p.data, (x) => 2 * x);

Deno.test("buildAndExecute takes rows as scatter does; functions that need a Matrix refuse rows by name", async () => {
  // Before: [] (the rows reached doExecute as a "matrix" without data).
  assertEquals(await buildAndExecute(() => [], {}, double, [[1], [2]]), [2, 4]);
  assertEquals(await new ParallelActor(() => [], {}, double).execute([[3]]), [6]);
  await rejectsWith(
    () => buildAndExecute(() => [], {}, double, [1, 2] as never),
    TypeError,
    /row 0 of 'localParameters' must be an array of/,
  );
  await rejectsWith(
    () => buildAndExecute(() => [], {}, double, "rows" as never),
    TypeError,
    /'localParameters' must be a Matrix or an array of rows/,
  );
  // matchRows too (before: columns undefined on both sides, and a wrong answer).
  assertEquals([...matchRows([[0, 1], [1, 0]], [[1, 0], [0, 1]])], [1, 0]);
  await throwsWith(
    () => matchRows("rows" as never, [[1]]),
    TypeError,
    /'done' must be a Matrix or an array of rows/,
  );
  for (
    const call of [
      () => sliceRows([[1], [2]] as never, 0, 1),
      () => matrixToRows([[1], [2]] as never),
      () => new LocalResults(0, [[1]] as never, [1]),
    ]
  ) {
    await throwsWith(call, TypeError, /must be a Matrix \(\{ rows, columns, data: Float64Array \}/);
  }
});

Deno.test("a resume refused for a changed sampler names the parameter and both values, saying 'Cannot resume' once", async () => {
  const model = inlineModel("export const evaluate = (_, p) => ({ y: p.x });");
  try {
    await withTempDir(async (dir) => {
      const csv = `${dir}/out.csv`;
      await parameterSweep({ model, params: { x: linearSample(0, 1, 4) }, workers: 1, csv });
      const error = await parameterSweep({
        model,
        params: { x: linearSample(0, 1, 5) },
        workers: 1,
        csv,
        resume: true,
      }).then(() => undefined, (e: Error) => e);
      assert(error instanceof Error);
      // Before: "Cannot resume from ...: Cannot resume ... as the sweep's 'totalRows' differs".
      assertEquals(error.message.match(/Cannot resume/g)?.length, 1);
      assertMatch(error.message, /'params\.x\.n' differs .*current value is 5, expected 4/);
    });
  } finally {
    URL.revokeObjectURL(model);
  }
});

Deno.test("a timed-out point is named by its row and parameters, not by the pool's chunk", async () => {
  const model = inlineModel(
    "export const evaluate = (_, p) => p.x === 1 ? new Promise(() => {}) : { y: p.x };",
  );
  try {
    const r = await parameterSweep({
      model,
      params: { x: linearSample(0, 2, 3), z: fixedSample([7]) },
      workers: 1,
      timeout: 1000,
      permissions,
    });
    assertEquals([...r.success], [1, 0, 1]);
    // Before: "The chunk of rows 1..1 ran past the 1000 ms timeout".
    assertEquals(r.errors.get(1), "TimeoutError: row 1 (x=1, z=7) ran past its 1000 ms limit");
  } finally {
    URL.revokeObjectURL(model);
  }
});
