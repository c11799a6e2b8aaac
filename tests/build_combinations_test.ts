import { latinHypercube } from "../src/sampling/_lhs.ts";
import { buildCombinations } from "../src/sampling/build_combinations.ts";
import { combine } from "../src/sampling/_combinations.ts";
import { RandomState } from "../src/sampling/random_state.ts";
import {
  fixedSample,
  geomSample,
  latinHypercubeSample,
  linearSample,
  normalSample,
  randomSample,
  reverseGeomSample,
  type Sampler,
  uniformSample,
} from "../src/sampling/samplers.ts";
import { isMatrix, matrixToRows } from "../src/parallel/matrix.ts";
import {
  assert,
  assertEquals,
  assertSameBits,
  assertStrictEquals,
  assertThrowsWith,
} from "./_assert.ts";

interface LhsCase {
  seed: number;
  lhs_n8_3features_unsorted: number[][];
  lhs_n12_2features_unsorted: number[][];
}

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/reference/numpy_legacy_rng.json", import.meta.url)),
) as {
  cases: LhsCase[];
  random_sweep_seed7: { params: Record<string, string>; rows_sorted_by_a: number[][] };
};

function values(sampler: Sampler): Float64Array {
  return buildCombinations({ x: sampler }).data;
}

Deno.test("linear samplers equal np.linspace to the last bit", () => {
  // np.linspace(lower, upper, n).tolist()
  assertSameBits(values(linearSample(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1], "0..1");
  assertSameBits(
    values(linearSample(0.1, 0.7, 7)),
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    "0.1..0.7",
  );
  assertSameBits(values(linearSample(-3, 5, 9)), [-3, -2, -1, 0, 1, 2, 3, 4, 5], "-3..5");
  assertSameBits(values(linearSample(1, 2, 1)), [1], "one value");
  assertSameBits(values(linearSample(5, 5, 3)), [5, 5, 5], "equal bounds");
  assertSameBits(values(linearSample(0.001, 1000, 11)), [
    0.001,
    100.0009,
    200.0008,
    300.00069999999994,
    400.00059999999996,
    500.0005,
    600.0003999999999,
    700.0002999999999,
    800.0002,
    900.0001,
    1000,
  ], "0.001..1000");
  assertSameBits(values(linearSample(1, 1 + 2 ** -52, 5)), [
    1,
    1,
    1,
    1.0000000000000002,
    1.0000000000000002,
  ], "one ulp");
  // A step that underflows to 0 takes numpy's other route.
  assertSameBits(values(linearSample(0, 5e-324, 4)), [0, 0, 5e-324, 5e-324], "denormal step");
});

Deno.test("geometric samplers equal np.geomspace and WaterTAP's reverse", () => {
  // np.geomspace(lower, upper, n).tolist(), ((upper + lower) - np.geomspace(...))[::-1].tolist()
  const cases: [number, number, number, number[], number[]][] = [
    [1, 1000, 4, [1, 10, 100, 1000], [1, 901, 991, 1000]],
    [0.1, 100, 5, [0.1, 0.5623413251903491, 3.1622776601683795, 17.78279410038923, 100], [
      0.09999999999999432,
      82.31720589961077,
      96.93772233983161,
      99.53765867480965,
      100,
    ]],
    [1, 2, 5, [1, 1.189207115002721, 1.4142135623730951, 1.681792830507429, 2], [
      1,
      1.318207169492571,
      1.5857864376269049,
      1.810792884997279,
      2,
    ]],
    [3, 7, 6, [3, 3.553993357626732, 4.210289595351644, 4.987780418521561, 5.908846158908771, 7], [
      3,
      4.091153841091229,
      5.012219581478439,
      5.789710404648356,
      6.446006642373268,
      7,
    ]],
    [0.001, 1, 7, [
      0.001,
      0.0031622776601683794,
      0.01,
      0.03162277660168379,
      0.1,
      0.31622776601683794,
      1,
    ], [
      0.0009999999999998899,
      0.6847722339831619,
      0.9009999999999999,
      0.9693772233983161,
      0.9909999999999999,
      0.9978377223398315,
      0.9999999999999999,
    ]],
    // 10 ** log10(5) is not 5: only the ends are set back to the bounds.
    [5, 5, 3, [5, 5.000000000000001, 5], [5, 4.999999999999999, 5]],
    [2, 8, 1, [2], [8]],
  ];
  for (const [lower, upper, n, geom, reverse] of cases) {
    assertSameBits(values(geomSample(lower, upper, n)), geom, `geom ${lower}..${upper}`);
    assertSameBits(
      values(reverseGeomSample(lower, upper, n)),
      reverse,
      `reverseGeom ${lower}..${upper}`,
    );
  }
});

Deno.test("fixed samplers make a full factorial grid, the last parameter fastest", () => {
  const c = buildCombinations({
    a: linearSample(0, 1, 3),
    b: fixedSample([7]),
    c: geomSample(1, 100, 3),
    d: fixedSample([5, 6]),
  });
  assertEquals(c.names, ["a", "b", "c", "d"]);
  assert(Object.isFrozen(c.names));
  assertStrictEquals(c.kind, "fixed");
  assertStrictEquals(c.seed, undefined);
  assertStrictEquals(c.rows, 18);
  assertStrictEquals(c.columns, 4);
  assert(isMatrix(c));
  // np.array(np.meshgrid(a, b, c, d, indexing="ij")).reshape(4, -1).T.tolist()
  assertEquals(matrixToRows(c), [
    [0, 7, 1, 5],
    [0, 7, 1, 6],
    [0, 7, 10, 5],
    [0, 7, 10, 6],
    [0, 7, 100, 5],
    [0, 7, 100, 6],
    [0.5, 7, 1, 5],
    [0.5, 7, 1, 6],
    [0.5, 7, 10, 5],
    [0.5, 7, 10, 6],
    [0.5, 7, 100, 5],
    [0.5, 7, 100, 6],
    [1, 7, 1, 5],
    [1, 7, 1, 6],
    [1, 7, 10, 5],
    [1, 7, 10, 6],
    [1, 7, 100, 5],
    [1, 7, 100, 6],
  ]);
  // Values are taken as given, including order and duplicates.
  assertEquals(matrixToRows(buildCombinations({ v: fixedSample([3, 1, 3]) })), [[3], [1], [3]]);
});

Deno.test("fixed samplers draw nothing and report no seed", () => {
  const rng = new RandomState(4);
  const c = buildCombinations({ x: linearSample(0, 1, 3) }, { seed: 11, randomState: rng });
  assertStrictEquals(c.seed, undefined);
  assertStrictEquals(rng.randomSample(), new RandomState(4).randomSample());
});

Deno.test("random samplers match WaterTAP's random sweep for seed 7", () => {
  const { params, rows_sorted_by_a: rows } = reference.random_sweep_seed7;
  assertEquals(params, { a: "uniform(0, 1), 6 samples", b: "normal(mean 2, sd 0.5), 6 samples" });
  const c = buildCombinations({ a: uniformSample(0, 1, 6), b: normalSample(2, 0.5, 6) }, {
    seed: 7,
  });
  assertStrictEquals(c.kind, "random");
  assertStrictEquals(c.seed, 7);
  assertEquals([c.rows, c.columns], [6, 2]);
  assertSameBits(c.data, rows.flat(), "rows");
});

Deno.test("predetermined random samples take part in the sort without drawing", () => {
  // np.random.seed(3); p = [3, 1, 2, 0.5]; u = uniform(-1, 1, 4); n = normal(0, 1, 4)
  // np.vstack([p, u, n]).T[np.argsort(p)].tolist()
  const c = buildCombinations({
    p: randomSample([3, 1, 2, 0.5]),
    u: uniformSample(-1, 1, 4),
    n: normalSample(0, 1, 4),
  }, { seed: 3 });
  assertSameBits(
    c.data,
    [
      [0.5, 0.02165521039532603, -0.6270006768238473],
      [1, 0.41629564523620965, -0.35475897926898675],
      [2, -0.41819052217411135, -0.08274148148245977],
      [3, 0.10159580514915101, -0.27738820251439905],
    ].flat(),
    "rows",
  );
});

Deno.test("rows with equal first values keep their order", () => {
  const c = buildCombinations({
    a: randomSample([2, 1, 2, 1, -0, 0]),
    b: randomSample([10, 20, 30, 40, 50, 60]),
  }, { seed: 0 });
  assertSameBits(c.data, [-0, 50, 0, 60, 1, 20, 1, 40, 2, 10, 2, 30], "rows");
  // The same with enough rows for the radix sort.
  const n = 5000;
  // Zeros alternate in sign: -0 and 0 sort as equals, and each keeps its sign.
  const keys = Array.from({ length: n }, (_, i) => {
    const k = (i * 7919) % 13 - 6;
    return k === 0 && i % 2 === 1 ? -0 : k;
  });
  const big = buildCombinations({
    k: randomSample(keys),
    i: randomSample(Array.from({ length: n }, (_, i) => i)),
  });
  const expected = keys.map((k, i) => [k, i]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  assertEquals(matrixToRows(big), expected);
});

Deno.test("Latin hypercube points equal pysmo's for every reference seed", async (t) => {
  for (const c of reference.cases) {
    await t.step(`seed ${c.seed}`, () => {
      const eight = c.lhs_n8_3features_unsorted;
      const twelve = c.lhs_n12_2features_unsorted;
      assertSameBits(
        latinHypercube(new RandomState(c.seed), 8, [0, 10, -1], [1, 20, 1]),
        eight.flat(),
        "8 points, 3 features",
      );
      assertSameBits(
        latinHypercube(new RandomState(c.seed), 12, [0, 5], [1, 7]),
        twelve.flat(),
        "12 points, 2 features",
      );
      // buildCombinations makes the same points, sorted by the first column.
      const built = buildCombinations({
        x: latinHypercubeSample(0, 1, 8),
        y: latinHypercubeSample(10, 20, 8),
        z: latinHypercubeSample(-1, 1, 8),
      }, { seed: c.seed });
      assertStrictEquals(built.kind, "lhs");
      assertStrictEquals(built.seed, c.seed);
      assertSameBits(built.data, [...eight].sort((p, q) => p[0] - q[0]).flat(), "sorted 8");
      const built12 = buildCombinations({
        x: latinHypercubeSample(0, 1, 12),
        y: latinHypercubeSample(5, 7, 12),
      }, { seed: c.seed });
      assertSameBits(built12.data, [...twelve].sort((p, q) => p[0] - q[0]).flat(), "sorted 12");
    });
  }
});

Deno.test("the 12-point reference tells pysmo's arithmetic from j/n + rand()/n", () => {
  // Re-draw the unit points the other way; some differ in the last bit, so the reference
  // test above would catch the wrong formula.
  let differ = 0;
  for (const c of reference.cases) {
    const rng = new RandomState(c.seed);
    const n = 12;
    const columns = [0, 1].map(() => {
      const col = Array.from({ length: n }, (_, j) => j / n + rng.randomSample() / n);
      return rng.shuffle(col);
    });
    const other = c.lhs_n12_2features_unsorted.map((
      _,
      j,
    ) => [columns[0][j], 5 + columns[1][j] * 2]);
    differ += other.flat().filter((v, i) => !Object.is(v, c.lhs_n12_2features_unsorted.flat()[i]))
      .length;
  }
  assert(differ > 0, "j/n + rand()/n reproduced every reference value");
});

Deno.test("Latin hypercube puts one point in each stratum of each column", () => {
  const n = 50;
  const c = buildCombinations({
    a: latinHypercubeSample(0, 1, n),
    b: latinHypercubeSample(-5, 5, n),
  }, { seed: 99 });
  for (let col = 0; col < 2; col++) {
    const strata = matrixToRows(c).map((row) => {
      const unit = col === 0 ? row[0] : (row[1] + 5) / 10;
      return Math.floor(unit * n);
    }).sort((x, y) => x - y);
    assertEquals(strata, Array.from({ length: n }, (_, i) => i), `column ${col}`);
  }
  for (let r = 1; r < n; r++) assert(c.data[r * 2] >= c.data[(r - 1) * 2], "sorted by a");
});

Deno.test("a shared randomState continues its stream across calls", () => {
  // np.random.seed(5); sort(uniform(0, 1, 3)); then sort(uniform(0, 1, 3)) again
  const rng = new RandomState(5);
  const first = buildCombinations({ u: uniformSample(0, 1, 3) }, { randomState: rng, seed: 8 });
  const second = buildCombinations({ u: uniformSample(0, 1, 3) }, { randomState: rng });
  assertStrictEquals(first.seed, 5);
  assertStrictEquals(second.seed, 5);
  assertSameBits(first.data, [0.20671915533942642, 0.22199317108973948, 0.8707323061773764], "1st");
  assertSameBits(second.data, [0.48841118879482914, 0.6117438629026457, 0.9186109079379216], "2nd");
  // The Gaussian cache carries over too: np.random.seed(5); normal(0, 1, 3); normal(0, 1, 3)
  const g = new RandomState(5);
  buildCombinations({ x: normalSample(0, 1, 3) }, { randomState: g });
  const next = buildCombinations({ x: normalSample(0, 1, 3) }, { randomState: g });
  assertSameBits(
    next.data,
    [-0.2520921296030769, 0.10960984157818278, 1.5824811170615634],
    "cache",
  );
});

Deno.test("without a seed, a fresh one is drawn, reported and reproducible", () => {
  const params = {
    a: uniformSample(0, 1, 20),
    b: normalSample(0, 1, 20),
  };
  const first = buildCombinations(params);
  assert(
    typeof first.seed === "number" && Number.isInteger(first.seed) && first.seed >= 0 &&
      first.seed <= 2 ** 32 - 1,
    `seed ${first.seed}`,
  );
  const again = buildCombinations(params, { seed: first.seed });
  assertStrictEquals(again.seed, first.seed);
  assertSameBits(again.data, [...first.data], "repeat");
  const lhs = buildCombinations({ x: latinHypercubeSample(0, 1, 10) });
  assertSameBits(
    buildCombinations({ x: latinHypercubeSample(0, 1, 10) }, { seed: lhs.seed }).data,
    [...lhs.data],
    "repeat lhs",
  );
  // Seeds at both ends of the range are accepted.
  assertStrictEquals(buildCombinations(params, { seed: 0 }).seed, 0);
  assertStrictEquals(buildCombinations(params, { seed: 2 ** 32 - 1 }).seed, 2 ** 32 - 1);
});

Deno.test("buildCombinations refuses bad parameters and options", () => {
  const p = "^Cannot build combinations as ";
  assertThrowsWith(
    () => buildCombinations({}),
    RangeError,
    new RegExp(p + "'params' must have at least one parameter: current value is \\{\\}$"),
  );
  assertThrowsWith(
    () => buildCombinations(null as unknown as Record<string, Sampler>),
    TypeError,
    new RegExp(
      p + "'params' must be an object of samplers by parameter name: current value is null$",
    ),
  );
  assertThrowsWith(
    () => buildCombinations([linearSample(0, 1, 2)] as unknown as Record<string, Sampler>),
    TypeError,
    new RegExp(p + "'params' must be an object of samplers by parameter name"),
  );
  assertThrowsWith(
    () => buildCombinations({ "": linearSample(0, 1, 2) }),
    RangeError,
    new RegExp(p + `parameter names must be non-empty strings: current value is ""$`),
  );
  assertThrowsWith(
    () => buildCombinations({ a: linearSample(0, 1, 2), b: uniformSample(0, 1, 2) }),
    TypeError,
    new RegExp(
      p +
        `'params.b' must use the same sampling type as 'params.a' \\("fixed"\\), as types cannot be mixed: current value is "random"$`,
    ),
  );
  assertThrowsWith(
    () => buildCombinations({ a: latinHypercubeSample(0, 1, 2), b: randomSample([1, 2]) }),
    TypeError,
    new RegExp(p + `'params.b' must use the same sampling type as 'params.a' \\("lhs"\\)`),
  );
  assertThrowsWith(
    () => buildCombinations({ a: uniformSample(0, 1, 5), b: normalSample(0, 1, 6) }),
    RangeError,
    new RegExp(
      p +
        "'params.b' must have as many samples as 'params.a' \\(5\\): current value is 6$",
    ),
  );
  assertThrowsWith(
    () => buildCombinations({ a: randomSample([1, 2]), b: randomSample([1, 2, 3]) }),
    RangeError,
    new RegExp(
      p + "'params.b' must have as many samples as 'params.a' \\(2\\): current value is 3$",
    ),
  );
  assertThrowsWith(
    () => buildCombinations({ a: latinHypercubeSample(0, 1, 4), b: latinHypercubeSample(0, 1, 3) }),
    RangeError,
    new RegExp(
      p + "'params.b' must have as many samples as 'params.a' \\(4\\): current value is 3$",
    ),
  );
  assertThrowsWith(
    () =>
      buildCombinations(
        Object.fromEntries(
          Array.from({ length: 7 }, (_, i) => [`p${i}`, linearSample(0, 1, 1000)]),
        ),
      ),
    RangeError,
    new RegExp(
      p +
        "the grid of 'params.p0' \\(1000\\) x .* x 'params.p6' \\(1000\\) makes more rows than a sweep holds in memory \\(at most 100000000\\): current value is 1e\\+21$",
    ),
  );
  // One parameter's own values can be too many too: refused when the sampler is made (issue 10:
  // before, 1e9 draws ran for minutes and gigabytes before anything said no).
  assertThrowsWith(
    () => buildCombinations({ x: { sampler: "linear", lower: 0, upper: 1, n: 1e12 } as never }),
    RangeError,
    /'params\.x\.n' of the linear sampler asks for 1000000000000 rows, more than a sweep holds in memory \(at most 100000000\)/,
  );
  assertThrowsWith(
    () => uniformSample(0, 1, 1e9),
    RangeError,
    /'n' of the uniform sampler asks for 1000000000 rows/,
  );
  // A range too wide to draw from is the sampler's own error (refused as it is made), not taken
  // for lack of memory.
  assertThrowsWith(
    () => buildCombinations({ x: uniformSample(-1e308, 1e308, 3) }, { seed: 0 }),
    RangeError,
    /'upper' - 'lower' must be a finite number/,
  );
  // Samplers are validated, naming the parameter.
  assertThrowsWith(
    () =>
      buildCombinations({
        pressure: { kind: "fixed", sampler: "linear", lower: 1, upper: 2, n: 0 },
      }),
    RangeError,
    /^Cannot create sampler as 'params.pressure.n' must be a positive integer: current value is 0$/,
  );
  const params = { a: uniformSample(0, 1, 2) };
  for (const seed of [-1, 1.5, 2 ** 32, NaN]) {
    assertThrowsWith(
      () => buildCombinations(params, { seed }),
      RangeError,
      /^Cannot seed the random number generator as 'options.seed' must be an integer from 0 to 4294967295: current value is /,
    );
  }
  assertThrowsWith(
    () => buildCombinations(params, { seed: "1" as unknown as number }),
    TypeError,
    /'options.seed' must be a number: current value is "1"$/,
  );
  assertThrowsWith(
    () => buildCombinations(params, { randomState: { seed: 1 } as unknown as RandomState }),
    TypeError,
    new RegExp(p + `'options.randomState' must be a RandomState: current value is \\{"seed":1\\}$`),
  );
});

Deno.test("a million rows build in one pass, in order (timing: bench/build_combinations.bench.ts)", () => {
  const fixed = buildCombinations({
    a: linearSample(0, 999, 1000),
    b: linearSample(0, 99, 100),
    c: fixedSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  });
  assertEquals([fixed.rows, fixed.columns], [1_000_000, 3]);
  assertEquals(Array.from(fixed.data.subarray(3 * 123_456, 3 * 123_457)), [123, 45, 7]);
  const random = buildCombinations({
    a: uniformSample(0, 1, 1_000_000),
    b: normalSample(0, 1, 1_000_000),
  }, { seed: 1 });
  assertEquals([random.rows, random.columns], [1_000_000, 2]);
  for (let r = 1; r < random.rows; r++) {
    if (random.data[2 * r] < random.data[2 * r - 2]) throw new Error(`row ${r} out of order`);
  }
});

Deno.test("drawn rows sort stably by the first column: ties and signed zeros keep their order, one column or more", () => {
  // Values with many ties, -0 and 0 among them, in an order that a sort must undo: the
  // reference is a comparison sort of the row indices (stable, -0 equal to 0).
  const n = 5000; // above the radix sort's threshold
  const first: number[] = [];
  const second: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7919) % 13;
    first.push(k === 0 ? (i % 2 ? -0 : 0) : k === 1 ? -1.5 : k === 2 ? 1e-300 : (k - 6) / 4);
    second.push(i);
  }
  const order = first.map((_, i) => i).sort((a, b) => (first[a] - first[b]) || (a - b));
  const one = buildCombinations({ a: randomSample(first) }, { seed: 1 });
  assertEquals(Array.from(one.data), order.map((i) => first[i]));
  // assertEquals tells -0 from 0: the zeros' signs are in the order drawn.
  assertEquals(
    Array.from(one.data).filter((x) => x === 0).map((x) => Object.is(x, -0)),
    order.filter((i) => first[i] === 0).map((i) => Object.is(first[i], -0)),
  );
  const two = buildCombinations({ a: randomSample(first), b: randomSample(second) }, { seed: 1 });
  assertEquals(Array.from(two.data), order.flatMap((i) => [first[i], second[i]]));
  // As columns (a sweep that keeps no rows), the same rows.
  const cols = combine({ a: randomSample(first), b: randomSample(second) }, { seed: 1 }, "columns");
  assert("cols" in cols);
  assertEquals(Array.from(cols.cols[0]), order.map((i) => first[i]));
  assertEquals(Array.from(cols.cols[1]), order.map((i) => second[i]));
});
