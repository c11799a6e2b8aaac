// The report command: the HTML page of a sweep (charts, statistics, failure marks, no request),
// the results CSV reader (exact numbers, metadata file, parameter inference), writing the file
// next to the CSV, and the page as a real browser shows it.
import { assert, assertEquals, assertMatch, assertRejects, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import {
  readResults,
  readResultsCsv,
  renderReport,
  type ReportInput,
  writeReport,
} from "../src/report/report.ts";
import { resultsFormat } from "../src/io/_formats.ts";

const FIXTURES = new URL("./fixtures/report/", import.meta.url).pathname;

/** The one URL the page may hold: the SVG namespace (a name, never fetched). */
const SVG_NS = "http://www.w3.org/2000/svg";

/** A full factorial sweep over the given values (last parameter fastest), as psweep orders rows. */
function gridInput(
  values: Record<string, number[]>,
  outputs: Record<string, (p: Record<string, number>) => number | null>,
): ReportInput {
  const names = Object.keys(values);
  let combos: number[][] = [[]];
  for (const name of names) combos = combos.flatMap((c) => values[name].map((v) => [...c, v]));
  const params: Record<string, Float64Array> = {};
  names.forEach((name, j) => params[name] = Float64Array.from(combos, (c) => c[j]));
  const out: Record<string, Float64Array> = {};
  const success = new Uint8Array(combos.length).fill(1);
  for (const [name, f] of Object.entries(outputs)) {
    out[name] = Float64Array.from(combos, (c, r) => {
      const v = f(Object.fromEntries(names.map((n, j) => [n, c[j]])));
      if (v === null) success[r] = 0;
      return v ?? NaN;
    });
  }
  return { paramNames: names, outputNames: Object.keys(outputs), params, outputs: out, success };
}

/** The page's data block, parsed. */
// deno-lint-ignore no-explicit-any
function pageData(html: string): any {
  const m = html.match(/<script type="application\/json" id="psweep-data">([\s\S]*?)<\/script>/);
  assert(m, "the page carries its data block");
  return JSON.parse(m[1]);
}

/** Checks what every page must be: one document, a CSP that forbids every request, no URL to load. */
function assertSelfContained(html: string): void {
  assertMatch(html, /^<!doctype html>/);
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1];
  assert(csp, "a Content-Security-Policy");
  assertMatch(
    csp,
    /^default-src 'none'; style-src 'unsafe-inline'; img-src data:(; script-src 'sha256-[A-Za-z0-9+/=]+')?$/,
  );
  // At most one script that runs (inline, allowed by its hash), plus the data block.
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert(
    scripts.every((t) =>
      t === "<script>" || t === '<script type="application/json" id="psweep-data">'
    ),
    scripts.join(),
  );
  assert(
    !/<link rel="stylesheet"|<img |<iframe|<script src/i.test(html),
    "no sheet, image or frame",
  );
  const urls = html.match(/(?:https?|ftp):\/\/[^\s"'<>)]*/g) ?? [];
  assertEquals([...new Set(urls)].filter((u) => u !== SVG_NS), []);
  assert(!/(?:src|href)="(?!#|data:)/.test(html), "every src and href is an anchor or data: URL");
}

Deno.test("renderReport names a hash for its one script, and draws nothing without rows", async () => {
  const input = gridInput({ x: [0, 1, 2, 3, 4, 5] }, {
    y: ({ x }) => (x === 3 ? null : x * 2),
    z: ({ x }) => (x === 3 ? null : 10 - x),
  });
  input.settings = { model: "models/line.ts", seed: 1234567 };
  const html = await renderReport(input);
  assertSelfContained(html);
  const script = html.match(/<script>([\s\S]*?)<\/script>/)![1];
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(script));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  assert(html.includes(`script-src 'sha256-${hash}'`), "the CSP names the script's hash");
  // y over x = 0, 1, 2, 4, 5: 0, 2, 4, 8, 10: mean 4.8, median 4, sample std sqrt(68.8 / 4).
  const outputs = html.slice(html.indexOf('<section id="outputs">'));
  const yRow = outputs.match(/<tr><th scope="row">y<\/th>.*<\/tr>/)![0];
  const cells = [...yRow.matchAll(/<td class="num[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
  assertEquals(cells, [
    "5",
    "1",
    "0",
    "2",
    "4",
    "4.8",
    "8",
    "10",
    String(Number(Math.sqrt(17.2).toPrecision(6))),
  ]);
  assertMatch(html, /<th scope="row">seed<\/th><td>1234567<\/td>/);
  assertMatch(html, /<b>1<\/b><span>failed \(16\.7%\)<\/span>/);
  const data = pageData(html);
  assertEquals(data.cube.dims, [6]);
  // The overview: a line per output against x; the explorer; no trade-off pair is missing.
  assertEquals(data.views.map((v: { el: string }) => v.el), [
    "ov-0",
    "ov-1",
    "explore",
    "tradeoffs",
    "failure-map",
  ]);

  // Names are data: escaped in the page, kept exactly in its data block.
  const odd = gridInput({ constructor: [0, 1], "</script><script>alert(1)</script>": [1, 2] }, {
    'k x="0.1" id="clip1"': (p) => p["constructor"] + 1,
  });
  const oddHtml = await renderReport(odd);
  assertSelfContained(oddHtml);
  assertStrictEquals(oddHtml.match(/<script/g)?.length, 2);
  assertEquals(pageData(oddHtml).params.map((p: { name: string }) => p.name), odd.paramNames);
  assertMatch(oddHtml, /<th scope="row">k x=&#34;0\.1&#34; id=&#34;clip1&#34;<\/th>/);

  const empty = await renderReport({
    paramNames: ["p"],
    outputNames: ["q"],
    params: { p: new Float64Array(0) },
    outputs: { q: new Float64Array(0) },
    success: new Uint8Array(0),
  });
  assertSelfContained(empty);
  assert(!empty.includes("<script"), "no script without charts");
  assertMatch(empty, /There are no rows, so there is nothing to chart\./);
  const good = gridInput({ x: [1, 2] }, { y: ({ x }) => x });
  await assertRejects(
    () => renderReport({ ...good, outputs: { y: new Float64Array(3) } }),
    RangeError,
  );
  await assertRejects(() => renderReport({ ...good, outputs: {} }), TypeError);
  await assertRejects(() => renderReport({ ...good, outputNames: ["y", "y"] }), RangeError);
});

Deno.test("renderReport draws a large grid as a grid: 500 x 200 cells, merged only past 400 per axis", async () => {
  const big = gridInput({
    a: Array.from({ length: 500 }, (_, i) => i),
    b: Array.from({ length: 200 }, (_, i) => i / 10),
  }, { y: ({ a, b }) => a + b });
  const data = pageData(await renderReport(big));
  assertEquals(data.cube.dims, [400, 200]);
  assertEquals(data.params.map((p: { kind: string }) => p.kind), ["values", "values"]);
  // 500 values in 400 bins: neighbours merged, each bin its smallest and largest value.
  assertEquals([data.params[0].lo[0], data.params[0].hi[0]], [0, 1]);
  assertEquals(data.views[0].mark, "cells");
  const smaller = pageData(
    await renderReport(gridInput({
      a: Array.from({ length: 300 }, (_, i) => i),
      b: Array.from({ length: 200 }, (_, i) => i),
    }, { y: ({ a, b }) => a * b })),
  );
  assertEquals(smaller.cube.dims, [300, 200]);
  // Four parameters: every one reachable (a dimension of the cube), none left out.
  const four = pageData(
    await renderReport(gridInput({
      p: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      q: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      r: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      s: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    }, { y: ({ p, q, r, s }) => p + 10 * q + 0.1 * r + 0.01 * s })),
  );
  assertEquals(four.cube.dims, [10, 10, 10, 10]);
  // The two parameters with the strongest effect make the overview's axes.
  assertEquals([four.views[0].x.i, four.views[0].y.i], [0, 1]);
});

Deno.test("renderReport chooses each output's colour scale from its values, and names it", async () => {
  const n = 2000;
  const x = Float64Array.from({ length: n }, (_, i) => i / n);
  const html = await renderReport({
    paramNames: ["x"],
    outputNames: ["even", "decades", "outliers"],
    params: { x },
    outputs: {
      even: x.map((v) => 3 * v + 1),
      decades: x.map((v) => Math.exp(12 * v * v)),
      outliers: x.map((v, i) => (i % 500 === 0 ? 1e6 : v)),
    },
    success: new Uint8Array(n).fill(1),
  });
  const scales = pageData(html).outputs.map((o: { scale: string }) => o.scale);
  assertEquals(scales, ["linear", "log", "quantile"]);
  assertMatch(
    html,
    /<td title="log: values from 1 to [^"]+ span 5\.2 decades and are skewed">log<\/td>/,
  );
  assertMatch(
    html,
    /<td title="quantile: the middle 80% of values lie within [^"]+">quantile<\/td>/,
  );
});

Deno.test("renderReport groups failures by message with numbers masked, counting each and showing one", async () => {
  const n = 64;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const success = new Uint8Array(n);
  const errors = Array.from(
    { length: n },
    (_, i) =>
      i % 2
        ? `solver did not converge after ${100 + i} iterations (residual ${1e-3 * i})`
        : `pressure ${
          i * 1.5
        } bar exceeds the pump's limit of 80 bar\n  at evaluate (model.ts:12:5)`,
  );
  success[0] = 1; // one success, so the rest are failures
  errors[0] = "";
  const html = await renderReport({
    paramNames: ["x"],
    outputNames: ["y"],
    params: { x },
    outputs: { y: x.map((v, i) => (success[i] ? v : NaN)) },
    success,
    errors,
  });
  assertMatch(
    html,
    /63 failed rows, grouped by their message with numbers masked \(#\): 2 groups\./,
  );
  assertMatch(
    html,
    /<code>solver did not converge after <span class="mask">#<\/span> iterations \(residual <span class="mask">#<\/span>\)<\/code><\/td><td class="num">32<\/td><td class="num">50\.8%<\/td><td class="wrap">row 1: x = 1<br><span class="muted">solver did not converge after 101 iterations \(residual 0\.001\)<\/span>/,
  );
  assertMatch(
    html,
    /pump&#39;s limit of <span class="mask">#<\/span> bar<\/code><\/td><td class="num">31<\/td>/,
  );
});

Deno.test("renderReport ranks parameters by Spearman and SRRC, and finds what separates failures", async () => {
  const input = gridInput({
    a: [0, 1, 2, 3, 4, 5, 6, 7],
    b: [0, 1, 2, 3, 4, 5, 6, 7],
    c: [0, 1, 2, 3],
  }, { y: ({ a, b, c }) => (c >= 2 && b >= 5 ? null : 10 * a - b + 0 * c) });
  const html = await renderReport(input);
  assertMatch(html, /Method: Spearman&#39;s rank correlation|Method: Spearman's rank correlation/);
  const row = html.match(/<tr><th scope="row">y<\/th><td class="num">\d+<\/td>(.*?)<\/tr>/)![1];
  const rho = [...row.matchAll(/<td class="num">([^ ]+) · ([^<]+)<\/td>/g)].map((m) => m[1]);
  assertEquals(rho.length, 3);
  assert(Number(rho[0].replace("−", "-")) > 0.9, `a drives y: ${rho}`);
  assert(rho[1].startsWith("−"), `b lowers y: ${rho}`);
  // The failure map: b and c together tell failed from successful points exactly.
  const data = pageData(html);
  const map = data.views.find((v: { el: string }) => v.el === "failure-map");
  assertEquals([map.x.i, map.y.i], [1, 2]);
  assertMatch(html, /b and c together explain 100\.0% of it/);
});

Deno.test("readResultsCsv reads numbers back exactly, including NaN, infinities and -0", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const values = [0.1 + 0.2, 5e-324, -0, 1.7976931348623157e308, 1e21, -1e-7];
    const odd = [NaN, Infinity, -Infinity, 0.1, 2 / 3, 123456789.123];
    // Written as psweep writes them: String(x), "-0", quoted names holding commas or quotes.
    const fmt = (x: number): string => (Object.is(x, -0) ? "-0" : String(x));
    const lines = ['p,"out, with comma","say ""hi""",success'];
    values.forEach((p, i) =>
      lines.push(`${fmt(p)},${fmt(odd[i])},${i},${i % 2 ? "false" : "true"}`)
    );
    const path = `${dir}/r.csv`;
    await Deno.writeTextFile(path, lines.join("\r\n")); // CRLF and no final line break
    const input = await readResultsCsv(path, { paramNames: ["p"] });
    assertEquals(input.paramNames, ["p"]);
    assertEquals(input.outputNames, ["out, with comma", 'say "hi"']);
    assertEquals(input.success, Uint8Array.from([1, 0, 1, 0, 1, 0]));
    values.forEach((v, i) => assert(Object.is(input.params.p[i], v), `p[${i}]`));
    odd.forEach((v, i) => assert(Object.is(input.outputs["out, with comma"][i], v), `out[${i}]`));
    // The page shows them without throwing, the names escaped.
    assertMatch(await renderReport(input), /say &#34;hi&#34;/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readResultsCsv takes the columns and settings from the metadata file", async () => {
  const input = await readResultsCsv(`${FIXTURES}heat_exchanger.csv`);
  assertEquals(input.paramNames, ["ntu", "cr"]);
  assertEquals(input.outputNames, ["effectiveness", "heatRatio"]);
  assertEquals(Array.from(input.params.ntu.subarray(0, 4)), [0.5, 0.5, 0.5, 1]);
  assertEquals(Array.from(input.success.subarray(11)), [1, 0, 0, 0]);
  assert(Number.isNaN(input.outputs.effectiveness[14]));
  assertStrictEquals(input.settings?.model, "examples/models/heat_exchanger.ts (maxNtu 4)");
  assertStrictEquals(input.settings?.seed, null);
  assertStrictEquals(input.settings?.totalRows, 15);
  assertEquals(Object.keys(input.settings?.params as object), ["ntu", "cr"]);

  // A metadata file that names other columns is an error, not a silent mix-up.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${FIXTURES}heat_exchanger.csv`, `${dir}/r.csv`);
    await Deno.writeTextFile(
      `${dir}/r.csv.meta.json`,
      JSON.stringify({ version: 1, paramNames: ["ntu"], outputNames: ["x"], totalRows: 15 }),
    );
    await assertRejects(() => readResultsCsv(`${dir}/r.csv`), {
      name: "Error",
      message: /not those of its metadata/,
    });
    await Deno.writeTextFile(`${dir}/r.csv.meta.json`, "{ not json");
    await assertRejects(() => readResultsCsv(`${dir}/r.csv`), SyntaxError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readResultsCsv infers the parameters without a metadata file", async () => {
  const dir = await Deno.makeTempDir();
  const read = async (text: string): Promise<[string[], string[]]> => {
    await Deno.writeTextFile(`${dir}/r.csv`, text);
    const input = await readResultsCsv(`${dir}/r.csv`);
    return [input.paramNames, input.outputNames];
  };
  try {
    // A grid: the shortest run of leading columns that tells the rows apart.
    const heat = await Deno.readTextFile(`${FIXTURES}heat_exchanger.csv`);
    assertEquals(await read(heat), [["ntu", "cr"], ["effectiveness", "heatRatio"]]);
    // A grid without failures, an output repeating values: still two parameters.
    assertEquals(
      await read("a,b,y,success\n1,1,0,true\n1,2,0,true\n2,1,5,true\n2,2,5,true\n"),
      [["a", "b"], ["y"]],
    );
    // One parameter, one output: the output stays an output even without NaN.
    assertEquals(await read("x,y,success\n1,1,true\n2,1,true\n"), [["x"], ["y"]]);
    assertEquals(
      await read(await Deno.readTextFile(`${FIXTURES}one_param.csv`)),
      [["x"], ["y"]],
    );
    // Repeated points: only the first column.
    assertEquals(await read("x,y,z,success\n1,1,1,true\n1,1,1,true\n"), [["x"], ["y", "z"]]);
    // Malformed files name what is wrong.
    await assertRejects(() => read("x,y\n1,2\n"), {
      name: "SyntaxError",
      message: /last column must be 'success'/,
    });
    await assertRejects(() => read("x,y,success\n1,oops,true\n"), {
      name: "SyntaxError",
      message: /line 2 has "oops" in field 2, expected a number/,
    });
    await assertRejects(() => read("x,y,success\n1,2\n"), {
      name: "SyntaxError",
      message: /line 2 has 2 fields/,
    });
    await assertRejects(() => read("x,y,success\n1,2,maybe\n"), {
      name: "SyntaxError",
      message: /true or false/,
    });
    await assertRejects(() => read(""), { name: "SyntaxError", message: /empty/ });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readResults reads JSON Lines with their messages, and the page lists failures", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // As psweep writes JSON Lines: non-finite numbers as strings, extra columns, error messages.
    const rows = [
      '{"extra":{"i":0},"params":{"a":1,"b":-0},"outputs":{"y":0.30000000000000004},"success":true}',
      '{"extra":{"i":1},"params":{"a":1,"b":2},"outputs":{"y":"NaN"},"success":false,"error":"did not converge\\n  at solve"}',
      '{"extra":{"i":2},"params":{"a":2,"b":-0},"outputs":{"y":"Infinity"},"success":true}',
      '{"extra":{"i":3},"params":{"a":2,"b":2},"outputs":{"y":"NaN"},"success":false,"error":"did not converge"}',
    ];
    const path = `${dir}/results.jsonl`;
    await Deno.writeTextFile(path, rows.join("\n") + "\n");
    const input = await readResults(path);
    assertEquals([input.paramNames, input.outputNames], [["a", "b"], ["y"]]);
    assert(Object.is(input.params.b[0], -0));
    assert(Object.is(input.outputs.y[0], 0.1 + 0.2));
    assertStrictEquals(input.outputs.y[2], Infinity);
    assertEquals(input.errors, [
      undefined,
      "did not converge\n  at solve",
      undefined,
      "did not converge",
    ]);
    const html = await Deno.readTextFile(await writeReport(path));
    assertSelfContained(html);
    // One message (its first line), on both failed rows; each failed point listed. Rows count from 0.
    assertMatch(
      html,
      /<td class="wrap"><code>did not converge<\/code><\/td><td class="num">2<\/td><td class="num">100%<\/td><td class="wrap">row 1: a = 1, b = 2<br>/,
    );
    assertMatch(
      html,
      // Row 3, counted from 0 as the library and every message count (issue 10: it said 4).
      /<tr><td class="num">3<\/td><td class="num">2<\/td><td class="num">2<\/td><td class="wrap">did not converge<\/td><\/tr>/,
    );
    // A successful row with an infinite output has no value: counted apart.
    assertMatch(html, /<th class="num">no value<\/th>/);
    await Deno.writeTextFile(
      path,
      rows[0] + '\n{"extra":{"i":9},"params":{"a":1},"outputs":{"y":1},"success":true}\n',
    );
    await assertRejects(() => readResults(path), {
      name: "SyntaxError",
      message: /line 2 must have the 2 columns \["a", "b"\] in 'params': current value is \["a"\]/,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readResults reads every results format: an output named as its parameter is outputs.x, a differential sweep's index columns, --params", async () => {
  await withTempDir(async (dir) => {
    for (const format of ["csv", "jsonl", "arrow", "h5", "parquet"] as const) {
      const path = `${dir}/r.${format}`;
      const header = {
        extraNames: ["nominalIndex", "differentialIndex"],
        paramNames: ["x", "z"],
        outputNames: ["x", "y"],
      };
      await (await resultsFormat(format)).finalize(path, {
        ...header,
        rows: 3,
        params: Float64Array.of(1, 10, 1.5, 10, 2, 10),
        outputs: Float64Array.of(2, 0.5, 3, -0, NaN, NaN),
        success: Uint8Array.of(1, 1, 0),
        extra: {
          nominalIndex: Float64Array.of(0, NaN, NaN),
          differentialIndex: Float64Array.of(NaN, 0, 0),
        },
      });
      // A CSV without its metadata file is told its parameters; the other formats name them.
      const options = format === "csv" ? { paramNames: ["x", "z"] } : {};
      const input = await readResults(path, options);
      assertEquals([input.paramNames, input.outputNames], [["x", "z"], ["outputs.x", "y"]], format);
      // The output x goes by its CSV column's name, apart from the parameter x.
      assertEquals([...input.params.x], [1, 1.5, 2], format);
      assertEquals([...input.outputs["outputs.x"]], [2, 3, NaN], format);
      assert(Object.is(input.outputs.y[1], -0), format);
      assertEquals([...input.success], [1, 1, 0], format);
      assertEquals([...input.differentialIndex!], [NaN, 0, 0], format);
      assertEquals(input.settings?.file, `r.${format}`);
      const html = await Deno.readTextFile(
        await writeReport(path, undefined, { ...options, overwrite: true }),
      );
      assertSelfContained(html);
      assertMatch(html, /<h2>Differential sweep<\/h2><p class="note">1 nominal point/, format);
      // --params regroups the file's columns; a name it does not have is refused, naming it.
      const regrouped = await readResults(path, { paramNames: ["z"] });
      assertEquals(
        [regrouped.paramNames, regrouped.outputNames],
        [["z"], ["x", "outputs.x", "y"]],
        format,
      );
      assertEquals([...regrouped.differentialIndex!], [NaN, 0, 0], format);
      await assertRejects(
        () => readResults(path, { paramNames: ["w"] }),
        Error,
        `'paramNames' names "w", which is not a column of`,
      );
    }
    // Inferred without a metadata file, a CSV's columns keep their names too.
    const csv = `${dir}/inferred.csv`;
    await Deno.writeTextFile(csv, "x,outputs.x,success\n1,2,true\n2,,false\n");
    const inferred = await readResults(csv);
    assertEquals([inferred.paramNames, inferred.outputNames], [["x"], ["outputs.x"]]);
    assertEquals([...inferred.outputs["outputs.x"]], [2, NaN]);
  });
});

Deno.test("readResults keeps a last row lacking only its line break, and leaves out a partial one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/r.csv`;
    // A partial last line (an interrupted write) is left out, and the settings say so.
    await Deno.writeTextFile(csv, "\ufeffa,y,success\n1,0.5,true\n2,,false\n3,0.2");
    let input = await readResults(csv);
    assertEquals([input.paramNames, input.outputNames], [["a"], ["y"]]);
    assertEquals(Array.from(input.params.a), [1, 2]);
    assert(Number.isNaN(input.outputs.y[1]), "a blank output cell reads as NaN");
    assertStrictEquals(input.settings?.["last line"], "partial (an interrupted write): left out");
    // The header alone, without a line break: no rows, nothing partial.
    await Deno.writeTextFile(csv, "a,y,success");
    input = await readResults(csv);
    assertEquals([input.paramNames, input.outputNames, input.success.length], [["a"], ["y"], 0]);
    assertStrictEquals(input.settings?.["last line"], undefined);
    // Parameter names given in any order pick their columns; the others are outputs.
    await Deno.writeTextFile(csv, "y,a,b,success\n5,1,2,true\n6,1,3,true\n");
    input = await readResultsCsv(csv, { paramNames: ["b", "a"] });
    assertEquals([input.paramNames, input.outputNames], [["b", "a"], ["y"]]);
    assertEquals(Array.from(input.params.b), [2, 3]);
    await assertRejects(() => readResultsCsv(csv, { paramNames: ["c"] }), {
      name: "Error",
      message: /'paramNames' names "c", which is not a column/,
    });
    // JSON Lines: a single row without a line break still names the columns.
    const jsonl = `${dir}/r.jsonl`;
    const row = '{"params":{"a":1},"outputs":{"y":"-Infinity"},"success":false,"error":"no"}';
    await Deno.writeTextFile(jsonl, row);
    input = await readResults(jsonl);
    assertEquals([input.paramNames, input.outputNames], [["a"], ["y"]]);
    assertStrictEquals(input.outputs.y[0], -Infinity);
    assertEquals(input.errors, ["no"]);
    await Deno.writeTextFile(jsonl, `${row}\n{"params":{"a":2},"outp`);
    input = await readResults(jsonl);
    assertStrictEquals(input.success.length, 1);
    assertStrictEquals(input.settings?.["last line"], "partial (an interrupted write): left out");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeReport writes results.html next to the CSV and never overwrites unasked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${FIXTURES}one_param.csv`, `${dir}/results.csv`);
    const path = await writeReport(`${dir}/results.csv`);
    assertStrictEquals(path, `${dir}/results.html`);
    const html = await Deno.readTextFile(path);
    assertSelfContained(html);
    assertMatch(html, /<title>Parameter sweep report: results\.csv<\/title>/);
    assertMatch(html, /<th scope="row">parameter columns<\/th><td>inferred \(no metadata file\)/);
    await assertRejects(() => writeReport(`${dir}/results.csv`), Deno.errors.AlreadyExists);
    await Deno.writeTextFile(path, "old");
    assertStrictEquals(
      await writeReport(`${dir}/results.csv`, undefined, { overwrite: true, title: "New" }),
      path,
    );
    assertMatch(await Deno.readTextFile(path), /<title>New<\/title>/);
    assertStrictEquals(await writeReport(`${dir}/results.csv`, `${dir}/x.htm`), `${dir}/x.htm`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the trade-off fronts are exactly the non-dominated rows, ties included, in all four directions", async () => {
  const { frontRows, sortedRows } = await import("../src/report/_data.ts");
  let seed = 7;
  const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const n = 3000;
  // Values on a coarse lattice, so that ties in x, in y and in both are common.
  const x = Float64Array.from({ length: n }, () => Math.floor(next() * 40));
  const y = Float64Array.from({ length: n }, () => Math.floor(next() * 40));
  const success = Uint8Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 0 : 1));
  y[5] = NaN; // a successful row without a value is on no front
  const got = frontRows(sortedRows(x, success), x, y);
  const expected = new Set<number>();
  for (const [sx, sy] of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
    for (let i = 0; i < n; i++) {
      if (!success[i] || Number.isNaN(y[i])) continue;
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) {
        if (!success[j] || Number.isNaN(y[j])) continue;
        const a = sx * x[j] <= sx * x[i] && sy * y[j] <= sy * y[i];
        const b = sx * x[j] < sx * x[i] || sy * y[j] < sy * y[i];
        dominated = a && b;
      }
      if (!dominated) expected.add(i);
    }
  }
  assertEquals([...got].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
});

Deno.test("Spearman's rho, SRRC and the rank R² match scipy's on tied and correlated data", async () => {
  const { sensitivity } = await import("../src/report/_insight.ts");
  let seed = 3;
  const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const n = 500;
  // a has ties (10 values), c is correlated with a; y depends on all three, not linearly.
  const a = Float64Array.from({ length: n }, () => Math.floor(next() * 10));
  const b = Float64Array.from({ length: n }, next);
  const c = Float64Array.from({ length: n }, (_, i) => a[i] * 0.3 + next());
  const y = Float64Array.from(
    { length: n },
    (_, i) => Math.exp(a[i]) - 5 * b[i] + c[i] ** 2 + next(),
  );
  const [s] = sensitivity({
    paramNames: ["a", "b", "c"],
    outputNames: ["y"],
    params: { a, b, c },
    outputs: { y },
    success: new Uint8Array(n).fill(1),
  }, ["a", "b", "c"]);
  // scipy.stats.spearmanr, and least squares on standardized scipy.stats.rankdata, same data.
  const close = (got: number[], want: number[]) =>
    got.forEach((g, i) => assert(Math.abs(g - want[i]) < 1e-6, `${got} vs ${want}`));
  close(s.rho, [0.993021, -0.065074, 0.962238]);
  close(s.srrc, [0.822384, -0.088879, 0.181871]);
  close([s.r2], [0.997432]);
});

Deno.test("failure messages are grouped with their numbers masked, names with digits kept", async () => {
  const { maskNumbers } = await import("../src/report/_insight.ts");
  const cases: [string, string][] = [
    ["x=1.5e-3 failed", "x=# failed"],
    ["step2 at -2.5 bar", "step2 at # bar"],
    ["h5py error 0x1F", "h5py error #"],
    ["value NaN, Infinity", "value #, #"],
    ["(residual 1e-08)\n  at solve (model.ts:12:5)", "(residual #)"],
    ["Error: pressure 85.5 bar > 80", "Error: pressure # bar > #"],
    ["x = -Infinity, y = Infinity", "x = #, y = #"],
  ];
  for (const [message, masked] of cases) assertStrictEquals(maskNumbers(message), masked);
  // Long messages that differ only in a number's length are masked before they are cut, so
  // they fall in one group.
  const tail = " solver status: ".padEnd(300, "z");
  assertStrictEquals(maskNumbers(`p=1.5${tail}`), maskNumbers(`p=0.123456789${tail}`));
});

/** A random sweep's CSV (no metadata file): `k` uniform parameters, then outputs depending on them. */
function randomCsv(rows: number, k: number, failEvery = 0): string {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const names = Array.from({ length: k }, (_, j) => `p${j}`);
  const lines = [[...names, "energy", "recovery", "success"].join(",")];
  for (let r = 0; r < rows; r++) {
    const p = names.map(() => next());
    const ok = !(failEvery && r % failEvery === 0);
    const sum = p.reduce((a, b) => a + b, 0);
    lines.push([...p, ok ? Math.exp(3 * sum) : "", ok ? p[0] - p[1] : "", ok].join(","));
  }
  return lines.join("\n") + "\n";
}

Deno.test("readResultsCsv infers a random sweep's parameters, a differential sweep's columns, and takes --params", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    // (1: every row failed, its outputs blank.)
    for (const failEvery of [0, 7, 1]) {
      await Deno.writeTextFile(path, randomCsv(400, 4, failEvery));
      const input = await readResultsCsv(path);
      assertEquals([input.paramNames, input.outputNames], [["p0", "p1", "p2", "p3"], [
        "energy",
        "recovery",
      ]]);
      assertMatch(
        String(input.settings?.["parameter columns"]),
        /^inferred \(no metadata file\): .*--params/,
      );
    }
    // A differential sweep's index columns, wherever they are, are neither parameters nor outputs.
    const lines = ["nominalIndex,differentialIndex,x,y,success"];
    for (let n = 0; n < 4; n++) lines.push(`${n},NaN,${n + 1},${2 * (n + 1)},true`);
    for (let n = 0; n < 4; n++) {
      for (const f of [1.1, 1.2]) lines.push(`NaN,${n},${(n + 1) * f},${2 * (n + 1) * f * f},true`);
    }
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const diff = await readResultsCsv(path);
    assertEquals([diff.paramNames, diff.outputNames], [["x"], ["y"]]);
    assertEquals(Array.from(diff.differentialIndex!.subarray(4, 6)), [0, 0]);
    const html = await renderReport(diff);
    assertMatch(
      html,
      /<h2>Differential sweep<\/h2><p class="note">4 nominal points, 8 perturbed rows\./,
    );
    // Relative changes of 21% (four pairs) and 44% (four): the median is 32.5%, interpolated
    // as numpy's (the lower middle value, 21%, was shown).
    assertMatch(
      html,
      /<th scope="row">y<\/th><td class="num">8<\/td><td class="num">32\.5%<\/td><td class="num">44%<\/td>/,
    );
    const data = pageData(html);
    assertEquals(
      Array.from(
        new Float64Array(
          Uint8Array.from(atob(data.diff.nominal[0]), (c) => c.charCodeAt(0)).buffer,
        ),
      ).slice(0, 2),
      [2, 2],
    );
    // The command line: --params names the parameters, and a wrong name is a usage error.
    await Deno.writeTextFile(path, randomCsv(50, 3));
    const { main } = await import("../src/cli/main.ts");
    const log = console.log;
    console.log = () => {};
    try {
      assertStrictEquals(
        await main(["report", path, "--params", "p0,p1", "--out", `${dir}/a.html`]),
        0,
      );
      assertStrictEquals(
        await main(["report", path, "--params", "p0,nope", "--out", `${dir}/b.html`]),
        2,
      );
    } finally {
      console.log = log;
    }
    const page = await Deno.readTextFile(`${dir}/a.html`);
    assertMatch(page, /<th scope="row">parameter columns<\/th><td>as given<\/td>/);
    assertEquals(pageData(page).params.map((p: { name: string }) => p.name), ["p0", "p1"]);
  });
});

Deno.test("writeReport writes the page of a sweep's result from the library", async () => {
  const { fixedSample, linearSample, parameterSweep } = await import("../mod.ts");
  const model = URL.createObjectURL(
    new Blob([
      `export const evaluate = (_, p) => {
        if (p.a > 3 && p.b > 1) throw new Error("no solution at a = " + p.a);
        return { y: p.a * p.b, z: p.a - p.b };
      };`,
    ], { type: "text/javascript" }),
  );
  try {
    const result = await parameterSweep({
      model,
      params: { a: linearSample(0, 5, 6), b: fixedSample([0, 1, 2]) },
      workers: 1,
    });
    await withTempDir(async (dir) => {
      const path = await writeReport(result, `${dir}/page.html`);
      const html = await Deno.readTextFile(path);
      assertSelfContained(html);
      assertMatch(html, /<b>2<\/b><span>failed/);
      assertMatch(
        html,
        /<code>Error: no solution at a = <span class="mask">#<\/span><\/code><\/td><td class="num">2<\/td>/,
      );
      await assertRejects(() => writeReport(result, `${dir}/page.html`), Deno.errors.AlreadyExists);
      await assertRejects(() => writeReport(result), TypeError);
      // A differential sweep's result carries its index columns: the page pairs its rows.
      const { differentialParameterSweep } = await import("../mod.ts");
      const diff = await differentialParameterSweep({
        model,
        params: { a: fixedSample([1, 2]), b: fixedSample([0]) },
        differential: {
          a: { mode: "product", sample: "uniform", relativeLower: 1, relativeUpper: 1.5 },
        },
        numDiffSamples: 3,
        seed: 0,
        workers: 1,
      });
      const diffHtml = await Deno.readTextFile(await writeReport(diff, `${dir}/diff.html`));
      assertMatch(
        diffHtml,
        /<h2>Differential sweep<\/h2><p class="note">2 nominal points, 6 perturbed rows\./,
      );
    });
  } finally {
    URL.revokeObjectURL(model);
  }
});

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** A four-parameter grid with failures of two causes, as JSON Lines (messages kept). */
function fourParamJsonl(): string {
  const lines: string[] = [];
  for (const p of [10, 20, 30, 40, 50, 60]) {
    for (const t of [0.2, 0.4, 0.6, 0.8, 1]) {
      for (const m of [1, 2, 3]) {
        for (const s of [0.5, 1]) {
          const fail = p > 40 && t > 0.5
            ? `pump pressure ${p * 1.7} bar over the limit`
            : undefined;
          const o = fail
            ? { energy: "NaN", recovery: "NaN" }
            : { energy: Math.exp(p / 10) * m + t, recovery: 0.3 + t * 0.5 - p / 400 + s / 10 };
          lines.push(JSON.stringify({
            params: { pressure: p, t, m, s },
            outputs: o,
            success: !fail,
            ...(fail ? { error: fail } : {}),
          }));
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** What each fixture's page must show: selectors of visible elements, and checks on its charts. */
const FIXTURES_EXPECTED: Record<string, { visible: string[]; canvases: number }> = {
  line: {
    visible: ["#overview", "#explorer", "#ov-0 .plot canvas", "#explore select", "#outputs"],
    canvases: 3,
  },
  grid: {
    visible: [
      "#overview",
      "#explorer",
      "#sensitivity svg",
      "#trade-offs canvas",
      "#failures-where canvas",
      "#failures",
    ],
    canvases: 5,
  },
  four: {
    visible: [
      "#explore .slices select",
      "#sensitivity svg",
      "#trade-offs canvas",
      "#failures-where canvas",
      ".groups .mask",
    ],
    canvases: 5,
  },
  random: {
    visible: ["#overview", "#explore select", "#sensitivity svg", "#trade-offs canvas"],
    canvases: 5,
  },
  many: { visible: ["#explore .slices select", "#trade-offs canvas"], canvases: 4 },
  differential: {
    visible: ["#differential-sweep canvas", "#differential select", "#trade-offs canvas"],
    canvases: 5,
  },
};

Deno.test({
  name: "a browser shows every kind of chart with no error and no request, and its controls work",
  ignore: !hasChromium,
  async fn() {
    const { chromium } = await import("playwright-core");
    const dir = await Deno.makeTempDir();
    const pages: Record<string, string> = {};
    await Deno.copyFile(`${FIXTURES}one_param.csv`, `${dir}/line.csv`);
    pages.line = await writeReport(`${dir}/line.csv`);
    await Deno.copyFile(`${FIXTURES}heat_exchanger.csv`, `${dir}/grid.csv`);
    await Deno.copyFile(`${FIXTURES}heat_exchanger.csv.meta.json`, `${dir}/grid.csv.meta.json`);
    pages.grid = await writeReport(`${dir}/grid.csv`);
    await Deno.writeTextFile(`${dir}/four.jsonl`, fourParamJsonl());
    pages.four = await writeReport(`${dir}/four.jsonl`);
    await Deno.writeTextFile(`${dir}/random.csv`, randomCsv(3000, 3, 11));
    pages.random = await writeReport(`${dir}/random.csv`);
    await Deno.writeTextFile(`${dir}/many.csv`, randomCsv(5000, 6));
    pages.many = await writeReport(`${dir}/many.csv`);
    const diff = ["nominalIndex,differentialIndex,x,y,z,success"];
    for (let n = 0; n < 4; n++) diff.push(`${n},NaN,${n + 1},${2 * (n + 1)},${n},true`);
    for (let n = 0; n < 4; n++) {
      for (const f of [1.1, 1.2]) {
        diff.push(`NaN,${n},${(n + 1) * f},${2 * (n + 1) * f * f},${n * f},true`);
      }
    }
    await Deno.writeTextFile(`${dir}/differential.csv`, diff.join("\n") + "\n");
    pages.differential = await writeReport(`${dir}/differential.csv`);
    // Playwright's 30 s defaults are a wall-clock bound a loaded machine can pass: these wait
    // for the page's own signals (a rendered mark, an element), not for a time.
    const patience = 600_000;
    const browser = await chromium.launch({
      timeout: patience,
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      for (const [name, path] of Object.entries(pages)) {
        const problems: string[] = [];
        const requests: string[] = [];
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.setDefaultTimeout(patience);
        page.setDefaultNavigationTimeout(patience);
        page.on("console", (m) => {
          if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
        });
        page.on("pageerror", (e) => problems.push(String(e)));
        page.on("requestfailed", (r) => problems.push(`failed request ${r.url()}`));
        page.on("request", (r) => requests.push(r.url()));
        const url = `file://${path}`;
        await page.goto(url);
        await page.locator("html[data-render-ms]").waitFor({ state: "attached" });
        const expected = FIXTURES_EXPECTED[name];
        for (const selector of expected.visible) {
          assert(
            await page.locator(selector).first().isVisible(),
            `${name}: ${selector} is visible`,
          );
        }
        // Every chart canvas is drawn: a good share of its pixels are painted.
        const painted: number[] = await page.$$eval(".plot canvas", (els) =>
          els.map((c) => {
            // deno-lint-ignore no-explicit-any
            const canvas = c as any;
            const d: Uint8ClampedArray =
              canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            // Coloured pixels: marks, cells and lines (axes and labels are gray).
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
              if (
                d[i + 3] > 0 &&
                Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40
              ) n++;
            }
            return n;
          }));
        assertStrictEquals(painted.length, expected.canvases, `${name}: charts ${painted}`);
        for (const n of painted) {
          assert(n >= 20, `${name}: a chart is drawn (${n} coloured pixels)`);
        }
        // Hover: the first chart's middle shows a tooltip with a parameter's value.
        const box = (await page.locator(".plot canvas").first().boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.45);
        const tip = page.locator(".tip").first();
        if (name !== "differential") {
          assert(await tip.isVisible(), `${name}: a tooltip on hover`);
          assertMatch(await tip.innerText(), /\d/);
        }
        const shot = `${dir}/${name}.png`;
        await page.screenshot({ path: shot, fullPage: true });
        assert((await Deno.stat(shot)).size > 20_000, `${name}: screenshot`);

        if (name === "grid") {
          // The heat exchanger's 5 x 3 grid: one cell per point, failed cells crossed.
          const cells = await page.getAttribute("#ov-0 .plot canvas", "data-cells");
          assertStrictEquals(cells, "15");
          assertStrictEquals(await page.getAttribute("#ov-0 .plot canvas", "data-fail-marks"), "3");
          assert(
            Number(await page.getAttribute("#failure-map .plot canvas", "data-boundary")) > 0,
            "boundary",
          );
        }
        if (name === "four") {
          assertMatch(
            await page.locator("#failures-where > p.note").innerText(),
            /pressure and t together explain 100\.0%/,
          );
          // Slice the explorer at one value, hide failures, pick an output for an axis.
          const marks = Number(await page.getAttribute("#explore .plot canvas", "data-fail-marks"));
          assert(marks > 0, "failed cells marked");
          await page.locator("#explore input[type=checkbox]").uncheck();
          assertStrictEquals(
            await page.getAttribute("#explore .plot canvas", "data-fail-marks"),
            "0",
          );
          await page.locator("#explore input[type=checkbox]").check();
          const slice = page.locator("#explore .slices select").first();
          await slice.selectOption({ index: 1 });
          assertMatch(await page.locator("#explore .vnote").innerText(), /slice: /);
          // A line per value of m, over pressure: y an output, colour from the lines.
          await page.locator("#explore label:has(span:text-is('y')) select").selectOption({
            label: "recovery",
          });
          await page.locator("#explore label:has(span:text-is('lines by')) select").selectOption({
            label: "m",
          });
          assertStrictEquals(await page.getAttribute("#explore .plot canvas", "data-lines"), "3");
          assertMatch(await page.locator("#explore .legend").innerText(), /lines by m:/);
          await page.locator("#explore select").first().selectOption({ label: "energy" });
          assert(
            Number(await page.getAttribute("#explore .plot canvas", "data-points")) > 0,
            "points",
          );
          assert(
            Number(await page.getAttribute("#tradeoffs .plot canvas", "data-front")) > 0,
            "a front",
          );
          await page.locator("#tradeoffs label:has(span:text-is('energy')) select").selectOption(
            "-1",
          );
          assert(
            Number(await page.getAttribute("#tradeoffs .plot canvas", "data-front")) > 0,
            "a front",
          );
        }
        if (name === "random") {
          // Failures at every 11th row, wherever the point: the map says nothing separates them.
          assertMatch(
            await page.locator("#failures-where > p.note").innerText(),
            /No parameter separates them well/,
          );
          assert(
            Number(await page.getAttribute("#ov-0 .plot canvas", "data-points")) > 2000,
            "points",
          );
          await page.locator("#explore label:has(span:text-is('marks')) select").selectOption(
            "cells",
          );
          assert(
            Number(await page.getAttribute("#explore .plot canvas", "data-cells")) > 100,
            "cells",
          );
          // The third parameter's 27 bins: a slider, at one bin the note names the slice.
          await page.locator("#explore .slices input[type=range]").fill("5");
          assertMatch(await page.locator("#explore .vnote").innerText(), /slice: p\d = /);
        }
        if (name === "many") {
          // Six parameters leave the cube 7 bins each; a pair over all the others gets its own
          // 35 x 35 cells, and a slice goes back to the cube.
          await page.locator("#explore label:has(span:text-is('marks')) select").selectOption(
            "cells",
          );
          assertStrictEquals(
            await page.getAttribute("#explore .plot canvas", "data-cells"),
            "1225",
          );
          await page.locator("#explore .slices select").first().selectOption({ index: 2 });
          assertStrictEquals(await page.getAttribute("#explore .plot canvas", "data-cells"), "49");
        }
        if (name === "differential") {
          // Inferred from the nominal rows alone: x is the parameter, y and z the outputs.
          assertEquals(await page.locator("#differential select option").allInnerTexts(), [
            "y",
            "z",
          ]);
          assertStrictEquals(
            await page.getAttribute("#differential .plot canvas", "data-points"),
            "8",
          );
          await page.locator("#differential select").selectOption({ label: "z" });
          assertStrictEquals(
            await page.getAttribute("#differential .plot canvas", "data-output"),
            "z",
          );
        }
        if (name === "grid") {
          // On a phone's width nothing spills sideways: charts shrink, tables scroll in their box.
          await page.setViewportSize({ width: 375, height: 800 });
          // The page lays itself out again for the new width (its charts redraw on resize): wait
          // for that, rather than measure a layout still at the old width on a loaded machine.
          // (Polled frame by frame inside the page: the page's CSP forbids Playwright's eval.)
          await page.evaluate(
            "new Promise((done) => { const check = () => document.documentElement.clientWidth <= 375 && document.documentElement.scrollWidth <= document.documentElement.clientWidth ? done(0) : requestAnimationFrame(check); check(); })",
          );
          const overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth",
          );
          assertStrictEquals(overflow, 0);
        }
        assertEquals(problems, [], name);
        assertEquals(requests, [url], name);
        await page.close();
      }
    } finally {
      await browser.close();
      if (Deno.env.get("PSWEEP_KEEP_SCREENSHOTS")) console.log(`screenshots in ${dir}`);
      else await Deno.remove(dir, { recursive: true });
    }
  },
});
