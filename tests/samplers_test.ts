import {
  fixedSample,
  geomSample,
  latinHypercubeSample,
  linearSample,
  normalSample,
  parseSampler,
  randomSample,
  reverseGeomSample,
  type Sampler,
  SamplingType,
  uniformSample,
} from "../src/sampling/samplers.ts";
import { assert, assertEquals, assertStrictEquals, assertThrowsWith } from "./_assert.ts";

Deno.test("SamplingType names the three families", () => {
  assertEquals(SamplingType, { FIXED: "fixed", RANDOM: "random", RANDOM_LHS: "lhs" });
});

Deno.test("sampler constructors make frozen plain data", () => {
  const cases: [Sampler, Sampler][] = [
    [linearSample(1, 2, 5), { kind: "fixed", sampler: "linear", lower: 1, upper: 2, n: 5 }],
    [geomSample(1, 100, 3), { kind: "fixed", sampler: "geom", lower: 1, upper: 100, n: 3 }],
    [
      reverseGeomSample(0.5, 8, 4),
      { kind: "fixed", sampler: "reverseGeom", lower: 0.5, upper: 8, n: 4 },
    ],
    [fixedSample([3, 1, 2]), { kind: "fixed", sampler: "fixed", values: [3, 1, 2] }],
    [uniformSample(-1, 1, 7), { kind: "random", sampler: "uniform", lower: -1, upper: 1, n: 7 }],
    [normalSample(2, 0.5, 6), { kind: "random", sampler: "normal", mean: 2, sd: 0.5, n: 6 }],
    [randomSample([0.5, 0.25]), { kind: "random", sampler: "random", values: [0.5, 0.25] }],
    [latinHypercubeSample(0, 10, 8), { kind: "lhs", sampler: "lhs", lower: 0, upper: 10, n: 8 }],
  ];
  for (const [actual, expected] of cases) {
    assertEquals(actual, expected);
    assert(Object.isFrozen(actual), `${actual.sampler} is frozen`);
    if ("values" in actual) assert(Object.isFrozen(actual.values));
    // Plain data: it survives JSON and structured cloning, and parses back to itself.
    assertEquals(JSON.parse(JSON.stringify(actual)), expected);
    assertEquals(structuredClone(actual), expected);
    assertEquals(parseSampler(JSON.parse(JSON.stringify(actual)), "p"), expected);
  }
});

Deno.test("value samplers copy their values and accept typed arrays", () => {
  const source = [1, 2, 3];
  const fixed = fixedSample(source);
  source[0] = 99;
  assertEquals(fixed.values, [1, 2, 3]);
  assertEquals(randomSample(new Float64Array([4, 5])).values, [4, 5]);
  assert(Array.isArray(randomSample(new Float64Array([4, 5])).values));
  // Equal bounds and a single value are allowed.
  assertEquals(linearSample(3, 3, 1), {
    kind: "fixed",
    sampler: "linear",
    lower: 3,
    upper: 3,
    n: 1,
  });
  assertEquals(normalSample(1, 0, 2).sd, 0);
});

const WIDTH =
  "'upper' - 'lower' must be a finite number \\(at most 1\\.7976931348623157e\\+308\\): current value is Infinity$";

Deno.test("sampler constructors refuse bad arguments with the field and value", () => {
  const prefix = "^Cannot create sampler as ";
  const cases: [() => unknown, new (...args: never[]) => Error, string][] = [
    [
      () => linearSample(0, 1, 0),
      RangeError,
      "'n' must be a positive integer: current value is 0$",
    ],
    [
      () => linearSample(0, 1, -2),
      RangeError,
      "'n' must be a positive integer: current value is -2$",
    ],
    [
      () => uniformSample(0, 1, 2.5),
      RangeError,
      "'n' must be a positive integer: current value is 2.5$",
    ],
    [
      () => normalSample(0, 1, NaN),
      RangeError,
      "'n' must be a positive integer: current value is NaN$",
    ],
    [
      () => latinHypercubeSample(0, 1, 2 ** 53),
      RangeError,
      "'n' must be a positive integer: current value is 9007199254740992$",
    ],
    [
      () => linearSample(0, 1, "3" as unknown as number),
      TypeError,
      `'n' must be a number: current value is "3"$`,
    ],
    [
      () => linearSample(2, 1, 3),
      RangeError,
      "'lower' must be at most 'upper' \\(1\\): current value is 2$",
    ],
    [
      () => uniformSample(5, -5, 3),
      RangeError,
      "'lower' must be at most 'upper' \\(-5\\): current value is 5$",
    ],
    [
      () => latinHypercubeSample(1, 0, 3),
      RangeError,
      "'lower' must be at most 'upper' \\(0\\): current value is 1$",
    ],
    [
      () => linearSample(-Infinity, 1, 3),
      RangeError,
      "'lower' must be a finite number: current value is -Infinity$",
    ],
    [
      () => uniformSample(0, NaN, 3),
      RangeError,
      "'upper' must be a finite number: current value is NaN$",
    ],
    [
      () => latinHypercubeSample(0, Infinity, 3),
      RangeError,
      "'upper' must be a finite number: current value is Infinity$",
    ],
    // A width past the largest double would make NaN and Infinity values (numpy's own do).
    [() => linearSample(-1e308, 1e308, 3), RangeError, WIDTH],
    [() => uniformSample(-1e308, 1e308, 3), RangeError, WIDTH],
    [() => latinHypercubeSample(-1e308, 1e308, 3), RangeError, WIDTH],
    [
      () => linearSample(null as unknown as number, 1, 3),
      TypeError,
      "'lower' must be a number: current value is null$",
    ],
    [
      () => geomSample(0, 10, 3),
      RangeError,
      "'lower' must not be 0 for a geometric sampler: current value is 0$",
    ],
    [
      () => geomSample(-10, 1, 3),
      RangeError,
      "'upper' must be below 0, as 'lower' \\(-10\\) is, for a geometric sampler: a geometric sequence cannot cross 0: current value is 1$",
    ],
    [
      () => reverseGeomSample(0, 10, 3),
      RangeError,
      "'lower' must not be 0 for a geometric sampler: current value is 0$",
    ],
    [() => normalSample(0, -1, 3), RangeError, "'sd' must be at least 0: current value is -1$"],
    [
      () => normalSample(0, Infinity, 3),
      RangeError,
      "'sd' must be a finite number: current value is Infinity$",
    ],
    [
      () => normalSample(NaN, 1, 3),
      RangeError,
      "'mean' must be a finite number: current value is NaN$",
    ],
    [() => fixedSample([]), RangeError, "'values' must not be empty: current value is \\[\\]$"],
    [() => randomSample([]), RangeError, "'values' must not be empty: current value is \\[\\]$"],
    [
      () => fixedSample([1, NaN]),
      RangeError,
      "'values\\[1\\]' must be a finite number: current value is NaN$",
    ],
    [
      () => randomSample([1, 2, Infinity]),
      RangeError,
      "'values\\[2\\]' must be a finite number: current value is Infinity$",
    ],
    [
      () => fixedSample([1, "2"] as unknown as number[]),
      TypeError,
      `'values\\[1\\]' must be a number: current value is "2"$`,
    ],
    [
      () => randomSample("12" as unknown as number[]),
      TypeError,
      `'values' must be an array of numbers: current value is "12"$`,
    ],
  ];
  for (const [fn, errorClass, message] of cases) {
    assertThrowsWith(fn, errorClass, new RegExp(prefix + message));
  }
});

Deno.test("parseSampler reads every sampler from plain objects, kind optional", () => {
  const inputs: [unknown, Sampler][] = [
    [{ sampler: "linear", lower: 1, upper: 2, n: 5 }, linearSample(1, 2, 5)],
    [{ sampler: "geom", lower: 1, upper: 2, n: 5 }, geomSample(1, 2, 5)],
    [
      { kind: "fixed", sampler: "reverseGeom", lower: 1, upper: 2, n: 5 },
      reverseGeomSample(1, 2, 5),
    ],
    [{ sampler: "fixed", values: [1, 2] }, fixedSample([1, 2])],
    [{ kind: "random", sampler: "uniform", lower: 0, upper: 1, n: 3 }, uniformSample(0, 1, 3)],
    [{ sampler: "normal", mean: 0, sd: 1, n: 3 }, normalSample(0, 1, 3)],
    [{ sampler: "random", values: [3, 2, 1] }, randomSample([3, 2, 1])],
    [{ sampler: "lhs", lower: 0, upper: 1, n: 4 }, latinHypercubeSample(0, 1, 4)],
    // WaterTAP's shorthand: a list [lower, upper, n] is a linear sampler.
    [[0, 10, 11], linearSample(0, 10, 11)],
  ];
  for (const [input, expected] of inputs) {
    const parsed = parseSampler(input, "params.x");
    assertEquals(parsed, expected);
    assert(Object.isFrozen(parsed));
  }
});

Deno.test("parseSampler names the field in its errors", () => {
  const p = "params.pressure";
  const cases: [unknown, new (...args: never[]) => Error, string][] = [
    [
      { sampler: "linear", lower: 1, upper: 2, n: 0 },
      RangeError,
      `'${p}.n' must be a positive integer: current value is 0$`,
    ],
    [
      { sampler: "linear", lower: 1, upper: 2 },
      TypeError,
      `'${p}.n' must be a number: current value is undefined$`,
    ],
    [
      { sampler: "uniform", lower: 3, upper: 2, n: 4 },
      RangeError,
      `'${p}.lower' must be at most '${p}.upper' \\(2\\): current value is 3$`,
    ],
    [
      { sampler: "geom", lower: 0, upper: 2, n: 4 },
      RangeError,
      `'${p}.lower' must not be 0 for a geometric sampler: current value is 0$`,
    ],
    [
      { sampler: "normal", mean: 1, sd: -2, n: 4 },
      RangeError,
      `'${p}.sd' must be at least 0: current value is -2$`,
    ],
    [
      { sampler: "random", values: [1, null] },
      TypeError,
      `'${p}.values\\[1\\]' must be a number: current value is null$`,
    ],
    [
      { sampler: "fixed", values: [] },
      RangeError,
      `'${p}.values' must not be empty: current value is \\[\\]$`,
    ],
    [
      { sampler: "log", lower: 1, upper: 2, n: 3 },
      RangeError,
      `'${p}.sampler' must be one of "linear", "geom", "reverseGeom", "fixed", "uniform", "normal", "random", "lhs": current value is "log"$`,
    ],
    [
      { lower: 1, upper: 2, n: 3 },
      TypeError,
      `'${p}.sampler' must be a string: current value is undefined$`,
    ],
    [
      { sampler: "linear", lower: 1, uper: 2, n: 3 },
      TypeError,
      `'${p}.uper' is not a field of sampler "linear" \\(expected 'lower', 'upper', 'n'\\): current value is 2$`,
    ],
    [
      { sampler: "fixed", values: [1], n: 1 },
      TypeError,
      `'${p}.n' is not a field of sampler "fixed" \\(expected 'values'\\): current value is 1$`,
    ],
    [
      { kind: "random", sampler: "linear", lower: 1, upper: 2, n: 3 },
      TypeError,
      `'${p}.kind' must be "fixed" for sampler "linear" or be left out: current value is "random"$`,
    ],
    [
      null,
      TypeError,
      `'${p}' must be a sampler object or an array \\[lower, upper, n\\]: current value is null$`,
    ],
    [
      "linear",
      TypeError,
      `'${p}' must be a sampler object or an array \\[lower, upper, n\\]: current value is "linear"$`,
    ],
    [
      [1, 2],
      TypeError,
      `'${p}' must be a sampler object or an array \\[lower, upper, n\\]: current value is \\[1, 2\\]$`,
    ],
    [
      [2, 1, 3],
      RangeError,
      `'${p}.lower' must be at most '${p}.upper' \\(1\\): current value is 2$`,
    ],
  ];
  for (const [input, errorClass, message] of cases) {
    assertThrowsWith(
      () => parseSampler(input, p),
      errorClass,
      new RegExp(`^Cannot create sampler as ${message}`),
    );
  }
  // Without a field name the bare field is named.
  assertThrowsWith(
    () => parseSampler({ sampler: "lhs", lower: 0, upper: 1, n: -1 }, ""),
    RangeError,
    /^Cannot create sampler as 'n' must be a positive integer: current value is -1$/,
  );
  assertStrictEquals(parseSampler([1, 1, 1], "x").sampler, "linear");
});

Deno.test("fixed and random samplers take any array-like of numbers, as their types say", () => {
  const values = { length: 2, 0: 1.5, 1: 2.5 };
  assertEquals(fixedSample(values).values, [1.5, 2.5]);
  assertEquals(randomSample(values).values, [1.5, 2.5]);
});

Deno.test("geometric samplers of negative bounds are numpy's geomspace, as WaterTAP's GeomSample", async () => {
  const { buildCombinations } = await import("../src/sampling/mod.ts");
  const values = (
    sampler: ReturnType<typeof geomSample>,
  ) => [...buildCombinations({ x: sampler }).data];
  // np.geomspace(-100, -1, 3), and WaterTAP's ReverseGeomSample of it.
  assertEquals(values(geomSample(-100, -1, 3)), [-100, -10, -1]);
  assertEquals(values(reverseGeomSample(-100, -1, 3)), [-100, -91, -1]);
  // np.geomspace(-7, -0.3, 5) (numpy 2.4 on x86-64): equal to within the last bit, as positive
  // bounds are (the powers come from JavaScript's Math, see geomSample).
  const numpy = [-7.0, -3.184958982833626, -1.449137674618944, -0.6593491505914626, -0.3];
  values(geomSample(-7, -0.3, 5)).forEach((v, i) => {
    assert(Math.abs(v - numpy[i]) <= Math.abs(numpy[i]) * 2 ** -52, `${v} vs ${numpy[i]}`);
  });
  // The values of a grid that keeps no rows, computed one by one, are the same.
  const { spaceAt } = await import("../src/sampling/_spaces.ts");
  const whole = values(geomSample(-7, -0.3, 5));
  assertEquals(whole.map((_, i) => spaceAt("geom", -7, -0.3, 5, i)), whole);
});
