import { formatNumber, parseNumber } from "../src/io/format.ts";
import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "./_assert.ts";

const TRICKY = [
  0.1 + 0.2,
  5e-324,
  -5e-324,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  2.2250738585072014e-308, // smallest normal
  2.225073858507201e-308, // largest subnormal
  -0,
  0,
  NaN,
  Infinity,
  -Infinity,
  1e21,
  1e-7,
  123456789012345680000,
  2 ** 53 + 2,
  1 / 3,
  Math.PI,
];

Deno.test("formatNumber writes the shortest round-tripping text", () => {
  assertEquals(TRICKY.slice(0, 8).map(formatNumber), [
    "0.30000000000000004",
    "5e-324",
    "-5e-324",
    "1.7976931348623157e+308",
    "-1.7976931348623157e+308",
    "2.2250738585072014e-308",
    "2.225073858507201e-308",
    "-0",
  ]);
  assertEquals([0, NaN, Infinity, -Infinity, 1e21, 1e-7].map(formatNumber), [
    "0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e+21",
    "1e-7",
  ]);
});

Deno.test("formatNumber and parseNumber round-trip tricky and random doubles exactly", () => {
  for (const x of TRICKY) assert(Object.is(parseNumber(formatNumber(x)), x), String(x));
  // Random bit patterns (a fixed-seed xorshift), which cover subnormals and huge exponents.
  const bits = new BigUint64Array(1);
  const value = new Float64Array(bits.buffer);
  let s = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 20000; i++) {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    bits[0] = s;
    const x = value[0];
    const back = parseNumber(formatNumber(x));
    if (Number.isNaN(x)) assert(Number.isNaN(back));
    else assert(Object.is(back, x), `${x} came back as ${back}`);
  }
});

Deno.test("parseNumber accepts decimal forms and Python's spellings", () => {
  const cases: [string, number][] = [
    ["1", 1],
    ["+1", 1],
    ["-1.5e-3", -0.0015],
    [".5", 0.5],
    ["7.", 7],
    ["1E3", 1000],
    ["1e+3", 1000],
    ["-0", -0],
    ["1e999", Infinity],
    ["Infinity", Infinity],
    ["+Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["inf", Infinity],
    ["-inf", -Infinity],
  ];
  for (const [text, x] of cases) assert(Object.is(parseNumber(text), x), text);
  assert(Number.isNaN(parseNumber("NaN")));
  assert(Number.isNaN(parseNumber("nan")));
});

Deno.test("parseNumber rejects garbage with a message naming the value", () => {
  for (
    const text of [
      "",
      " 1",
      "1 ",
      "0x10",
      "0b1",
      "1e",
      "e5",
      ".",
      "-",
      "--1",
      "1,0",
      "1_000",
      "Infinityx",
      "NAN",
      "infinity",
      "1.2.3",
      "+-1",
    ]
  ) {
    assertThrows(() => parseNumber(text), SyntaxError, JSON.stringify(text));
  }
  assertThrows(
    () => parseNumber("0x10"),
    (e: Error) => {
      assert(e instanceof SyntaxError);
      assertMatch(
        e.message,
        /^Cannot parse number as 'text' must be a decimal number, NaN, Infinity or -Infinity: current value is "0x10"$/,
      );
      return true;
    },
  );
});

Deno.test("formatNumber and parseNumber reject values of the wrong type", () => {
  assertThrows(() => formatNumber("1" as unknown as number), TypeError);
  assertThrows(() => formatNumber(1n as unknown as number), /current value is 1n/);
  assertThrows(() => parseNumber(1 as unknown as string), TypeError);
  assertStrictEquals(parseNumber("42"), 42);
});
