import { RandomState } from "../src/sampling/random_state.ts";
import {
  assert,
  assertEquals,
  assertSameBits,
  assertStrictEquals,
  assertThrowsWith,
} from "./_assert.ts";

interface RngCase {
  seed: number;
  random_sample_12: number[];
  "uniform_-3_5_12": number[];
  standard_normal_12: number[];
  normal_10_2_12: number[];
  shuffle_arange_10: number[];
}

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/reference/numpy_legacy_rng.json", import.meta.url)),
) as { cases: RngCase[] };

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

Deno.test("RandomState matches numpy's legacy draws for every reference seed", async (t) => {
  assertEquals(reference.cases.map((c) => c.seed), [0, 1, 42, 123456789]);
  for (const c of reference.cases) {
    await t.step(`seed ${c.seed}`, () => {
      let rng = new RandomState(c.seed);
      assertStrictEquals(rng.seed, c.seed);
      assertSameBits(draw(12, () => rng.randomSample()), c.random_sample_12, "random_sample");
      assertSameBits(new RandomState(c.seed).randomSamples(12), c.random_sample_12, "samples");
      rng = new RandomState(c.seed);
      assertSameBits(draw(12, () => rng.uniform(-3, 5)), c["uniform_-3_5_12"], "uniform");
      rng = new RandomState(c.seed);
      assertSameBits(draw(12, () => rng.standardNormal()), c.standard_normal_12, "standard_normal");
      rng = new RandomState(c.seed);
      assertSameBits(draw(12, () => rng.normal(10, 2)), c.normal_10_2_12, "normal");
      const list = Array.from({ length: 10 }, (_, i) => i);
      assertStrictEquals(new RandomState(c.seed).shuffle(list), list);
      assertSameBits(list, c.shuffle_arange_10, "shuffle");
      const typed = Float64Array.from({ length: 10 }, (_, i) => i);
      new RandomState(c.seed).shuffle(typed);
      assertSameBits(typed, c.shuffle_arange_10, "shuffle of a typed array");
    });
  }
});

Deno.test("RandomState seeds like init_genrand, over the whole uint32 range", () => {
  // The first output of MT19937 seeded with init_genrand(5489), as in the reference C code.
  assertStrictEquals(new RandomState(5489).nextUint32(), 3499211612);
  assertStrictEquals(new RandomState(0).nextUint32(), 2357136044);
  // np.random.seed(2**32 - 1); np.random.random_sample(); np.random.randint(0, 2**32, dtype=np.uint64)
  const top = new RandomState(2 ** 32 - 1);
  assertStrictEquals(top.randomSample(), 0.0976320289940138);
  assertStrictEquals(top.nextUint32(), 3918654476);
});

Deno.test("RandomState.standardNormal keeps numpy's cached second draw", () => {
  // np.random.seed(0); standard_normal(); random_sample(); standard_normal()
  const rng = new RandomState(0);
  assertStrictEquals(rng.standardNormal(), 1.764052345967664);
  assertStrictEquals(rng.randomSample(), 0.6027633760716439);
  assertStrictEquals(rng.standardNormal(), 0.4001572083672233);
  // np.random.seed(5); normal(0, 1, 3); normal(0, 1, 3): the second call starts with the cache.
  const five = new RandomState(5);
  assertSameBits(draw(3, () => five.normal(0, 1)), [
    0.44122748688504143,
    -0.33087015189408764,
    2.43077118700778,
  ], "first normal(0, 1, 3)");
  assertSameBits(draw(3, () => five.normal(0, 1)), [
    -0.2520921296030769,
    0.10960984157818278,
    1.5824811170615634,
  ], "second normal(0, 1, 3)");
});

Deno.test("RandomState.randomInterval matches numpy's masked rejection, on 32 and 64 bits", () => {
  // np.random.seed(2024); np.random.randint(0, max + 1, size=5, dtype=np.int64)
  const expected: [number, number[]][] = [
    [1, [0, 0, 0, 0, 1]],
    [6, [0, 2, 0, 0, 3]],
    [2 ** 31, [808106523, 188156350, 880549673, 455536577, 160432444]],
    [2 ** 32 - 1, [2525503112, 3251949050, 3002649184, 3172895360, 808106523]],
    [2 ** 32, [3251949050, 3172895360, 3835609271, 2875717088, 3937253998]],
    [2 ** 40 + 3, [587367501306, 415489755776, 118520116772, 978375172170, 871520647790]],
    [Number.MAX_SAFE_INTEGER, [
      2285372530019834,
      6977916279622272,
      3019377449989668,
      6484639948390583,
      7915564542446719,
    ]],
  ];
  for (const [max, values] of expected) {
    const rng = new RandomState(2024);
    assertEquals(draw(5, () => rng.randomInterval(max)), values, `max ${max}`);
  }
  // 0 is returned without a draw.
  const rng = new RandomState(9);
  assertStrictEquals(rng.randomInterval(0), 0);
  assertStrictEquals(rng.randomSample(), 0.010374153885699955);
});

Deno.test("RandomState.shuffle continues the stream as numpy does", () => {
  // np.random.seed(9); x = np.arange(5.0); np.random.shuffle(x); np.random.random_sample()
  const rng = new RandomState(9);
  assertEquals(rng.shuffle([0, 1, 2, 3, 4]), [3, 0, 1, 2, 4]);
  assertStrictEquals(rng.randomSample(), 0.00754309545330345);
  // Arrays of zero or one element draw nothing.
  const quiet = new RandomState(9);
  assertEquals(quiet.shuffle([]), []);
  assertEquals(quiet.shuffle(["only"]), ["only"]);
  assertStrictEquals(quiet.randomSample(), 0.010374153885699955);
});

Deno.test("RandomState.randomSeed draws seeds that reproduce their stream", () => {
  const seeds = draw(8, () => RandomState.randomSeed());
  for (const seed of seeds) assert(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1);
  assert(new Set(seeds).size > 1, `eight fresh seeds were all ${seeds[0]}`);
  const a = new RandomState(seeds[0]);
  const b = new RandomState(seeds[0]);
  assertEquals(a.randomSamples(5), b.randomSamples(5));
});

Deno.test("RandomState refuses bad seeds and arguments", () => {
  for (const seed of [-1, 2 ** 32, 1.5, NaN, Infinity]) {
    assertThrowsWith(
      () => new RandomState(seed),
      RangeError,
      /^Cannot seed the random number generator as 'seed' must be an integer from 0 to 4294967295: current value is /,
    );
  }
  assertThrowsWith(
    () => new RandomState(2 ** 32),
    RangeError,
    /'seed' must be an integer from 0 to 4294967295: current value is 4294967296$/,
  );
  assertThrowsWith(
    () => new RandomState("1" as unknown as number),
    TypeError,
    /'seed' must be a number: current value is "1"$/,
  );
  const rng = new RandomState(1);
  assertThrowsWith(
    () => rng.uniform(-Infinity, 0),
    RangeError,
    /'high - low' must be finite: current value is Infinity$/,
  );
  assertThrowsWith(
    () => rng.normal(0, -1),
    RangeError,
    /'sd' must be at least 0: current value is -1$/,
  );
  assertThrowsWith(
    () => rng.randomSamples(-1),
    RangeError,
    /'n' must be a non-negative integer: current value is -1$/,
  );
  assertThrowsWith(
    () => rng.randomInterval(2 ** 53),
    RangeError,
    /'max' must be a non-negative safe integer: current value is 9007199254740992$/,
  );
});
