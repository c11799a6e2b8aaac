import { createNumberText } from "../src/io/_number_text.ts";
import { assert, assertEquals, assertStrictEquals } from "./_assert.ts";

// What the results files must hold for x: String(x), but "-0" for negative zero.
const expected = (x: number) => (Object.is(x, -0) ? "-0" : String(x));

Deno.test("number text: every kind of double is written as String writes it", () => {
  const text = createNumberText();
  assert(text !== undefined, "WebAssembly runs under deno test");
  const at = text.base;
  let checked = 0;
  const mismatches: string[] = [];
  const check = (x: number) => {
    const end = text.format(x, at);
    checked++;
    if (end === 0) {
      // Only subnormals are left to the caller.
      if (!(x !== 0 && Math.abs(x) < 2 ** -1022)) mismatches.push(`${expected(x)}: left out`);
      return;
    }
    let got = "";
    for (let i = at; i < end; i++) got += String.fromCharCode(text.bytes[i]);
    if (got !== expected(x) && mismatches.length < 10) mismatches.push(`${expected(x)}: ${got}`);
  };
  const bits = new Float64Array(1);
  const word = new BigUint64Array(bits.buffer);
  const halves = new Uint32Array(bits.buffer);
  const withNeighbours = (x: number) => {
    for (const d of [-1n, 0n, 1n]) {
      bits[0] = x;
      word[0] += d;
      check(bits[0]);
      check(-bits[0]);
    }
  };
  for (
    const x of [
      0,
      NaN,
      Infinity,
      0.1,
      0.2,
      0.1 + 0.2,
      1 / 3,
      2 / 3,
      1e21,
      1e-7,
      1e-6,
      123e-20,
      4.35,
    ]
  ) {
    check(x);
    check(-x);
  }
  withNeighbours(Number.MAX_VALUE);
  withNeighbours(2 ** -1022);
  // Powers of two (the uneven gap below them) and of ten (the shortest texts), and around the
  // places where Number#toString changes layout.
  for (let e = -1022; e <= 1023; e++) withNeighbours(2 ** e);
  for (let e = -307; e <= 308; e++) withNeighbours(Number(`1e${e}`));
  for (let e = -8; e <= 23; e++) withNeighbours(1.2345 * 10 ** e);
  for (let i = 0; i < 20_000; i++) {
    check(i);
    check(2 ** 53 - i);
    bits[0] = 0;
    word[0] = BigInt(i);
    check(bits[0]);
  }
  // Random bit patterns cover every exponent; random values of everyday sizes and short
  // decimals cover what sweeps write.
  for (let i = 0; i < 300_000; i++) {
    halves[0] = Math.random() * 2 ** 32;
    halves[1] = Math.random() * 2 ** 32;
    check(bits[0]);
    check(Math.random());
    check(Math.sin(i) * 10 ** ((i % 30) - 15));
    check(Number((Math.random() * 1000).toFixed(i % 10)));
  }
  assertEquals(mismatches, []);
  assert(checked > 1_250_000);
});

Deno.test("number text: encodeBatch writes the same bytes without WebAssembly", async () => {
  // V8 without its compilers has no WebAssembly: encodeBatch then formats through strings.
  const values = [0.1, -0, 0, 5e-324, -2.5e-320, 1e21, 1 / 3, NaN, -Infinity, 42, 1e-7];
  const script = `
    import { encodeBatch } from ${
    JSON.stringify(new URL("../src/io/_rows.ts", import.meta.url).href)
  };
    const values = Float64Array.from(${JSON.stringify(values.map(expected))}.map(Number));
    const header = { extraNames: [], paramNames: ["a"], outputNames: ["y"] };
    const batch = { rows: values.length, params: values, outputs: values.slice().reverse(),
      success: new Uint8Array(values.length).fill(1), errors: undefined };
    const out = encodeBatch("csv", header, batch);
    console.log(typeof WebAssembly + "\\n" + new TextDecoder().decode(out));
  `;
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", ...flags, script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert(out.success);
    return new TextDecoder().decode(out.stdout);
  };
  const jitless = await run(["--v8-flags=--jitless"]);
  const wasm = await run([]);
  assert(jitless.startsWith("undefined\n"));
  assert(wasm.startsWith("object\n"));
  assertStrictEquals(jitless.slice(10), wasm.slice(7));
  const lines = wasm.slice(7).trimEnd().split("\n");
  assertEquals(lines[0], "0.1,1e-7,true");
  assertEquals(lines[1], "-0,42,true");
  assertEquals(lines[3], "5e-324,NaN,true");
  assertEquals(lines.length, values.length);
});
