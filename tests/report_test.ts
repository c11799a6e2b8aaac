// The report command: the HTML page of a sweep (charts, statistics, failure marks, no request),
// the results CSV reader (exact numbers, metadata file, parameter inference), writing the file
// next to the CSV, and the page as a real browser shows it.
import { assert, assertEquals, assertMatch, assertRejects, assertStrictEquals } from "./_assert.ts";
import {
  readResults,
  readResultsCsv,
  renderReport,
  type ReportInput,
  writeReport,
} from "../src/cli/report.ts";

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

/** The inline SVGs of the charts. */
function svgs(html: string): string[] {
  return html.match(/<svg [^>]*class="marks"[\s\S]*?<\/svg>/g) ?? [];
}

/** Checks what every page must be: one document, strict CSP, no script, no URL to load. */
function assertSelfContained(html: string): void {
  assertMatch(html, /^<!doctype html>/);
  assertMatch(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/,
  );
  assert(!/<script|<link rel="stylesheet"|<img |<iframe/i.test(html), "no script, sheet or frame");
  const urls = html.match(/(?:https?|ftp):\/\/[^\s"'<>)]*/g) ?? [];
  assertEquals([...new Set(urls)].filter((u) => u !== SVG_NS), []);
  assert(!/(?:src|href)="(?!#|data:)/.test(html), "every src and href is an anchor or data: URL");
}

Deno.test("renderReport draws a line chart per output of a one-parameter sweep, failures as ×", async () => {
  // x = 0..5; y fails at x = 3 (so its line breaks there); z never fails.
  const input = gridInput({ x: [0, 1, 2, 3, 4, 5] }, {
    y: ({ x }) => (x === 3 ? null : x * 2),
    z: ({ x }) => (x === 3 ? null : 10 - x),
  });
  input.settings = { model: "models/line.ts", seed: 1234567 };
  const html = await renderReport(input);
  assertSelfContained(html);
  const charts = svgs(html);
  assertStrictEquals(charts.length, 2);
  for (const svg of charts) {
    assertMatch(svg, /stroke="#d62728"/); // the red × of the failed point
    assertMatch(svg, /stroke="#1f5fa8"/); // the line
  }
  assertMatch(html, /<h3>y<\/h3><span class="key"><span class="x">×<\/span> failed \(1\)<\/span>/);
  // y over x = 0, 1, 2, 4, 5: 0, 2, 4, 8, 10: mean 4.8, median 4, sample std sqrt(68.8 / 4).
  const yRow = html.match(/<tr><th scope="row"><a href="#chart-0">y<\/a><\/th>.*<\/tr>/)![0];
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
  assertMatch(html, /Each output against x\./);
});

Deno.test("renderReport draws a heatmap per output of a two-parameter grid, failed cells crossed", async () => {
  const input = gridInput({ a: [1, 2, 3, 4], b: [10, 20, 30] }, {
    sum: ({ a, b }) => (a === 4 && b >= 20 ? null : a + b),
    product: ({ a, b }) => (a === 4 && b >= 20 ? null : a * b),
  });
  const html = await renderReport({ ...input, title: "Grid <sweep> & more" });
  assertSelfContained(html);
  assertMatch(html, /<title>Grid &#60;sweep&#62; &#38; more<\/title>/);
  const charts = svgs(html);
  assertStrictEquals(charts.length, 2);
  for (const svg of charts) {
    // 12 cells: 10 colored, 2 gray with a red × each.
    assertStrictEquals(svg.match(/fill="#e6e6e6"/g)?.length, 2);
    assertStrictEquals(svg.match(/stroke="#d62728"/g)?.length, 2);
    assertMatch(svg, /fill="rgb\(68, 1, 84\)"/); // viridis' dark end: the smallest value
  }
  // Ids of clip paths and gradients differ between the SVGs of one page.
  const ids = charts.flatMap((svg) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  assertStrictEquals(new Set(ids).size, ids.length);
  assertMatch(html, /<th scope="row">a<\/th><td class="num">4<\/td>.*<td>x axis<\/td>/);
  assertMatch(html, /<th scope="row">b<\/th><td class="num">3<\/td>.*<td>y axis<\/td>/);
  // sum over the 10 successful cells: min 11, max 33.
  assertMatch(
    html,
    /#chart-0">sum<\/a><\/th><td class="num">10<\/td><td class="num bad">2<\/td><td class="num">11<\/td>/,
  );
  assertMatch(html, /<td class="num">33<\/td><td class="num">[\d.]+<\/td><\/tr>/);
});

Deno.test("renderReport shows panels beyond two parameters and scatter plots off a grid", async () => {
  const three = gridInput({ a: [0, 1], b: [0, 1, 2], c: [5, 6, 7] }, {
    y: ({ a, b, c }) => (c === 7 && a === 1 ? null : a + b + c),
  });
  const html3 = await renderReport(three);
  assertMatch(html3, /One panel per value of c\./);
  const svg3 = svgs(html3)[0];
  for (const label of ["c = 5", "c = 6", "c = 7"]) assert(svg3.includes(`>${label}<`), label);
  assertStrictEquals(svg3.match(/stroke="#d62728"/g)?.length, 3);
  assertMatch(html3, /<td>panels<\/td>/);

  // Irregular values get equal cells (labelled with the values), geometric ones a log axis.
  const irregular = await renderReport(
    gridInput({ f: [0.1, 0.2, 0.5, 1, 2, 5], g: [1, 10, 100] }, { y: ({ f, g }) => f * g }),
  );
  const widths = [
    ...svgs(irregular)[0].matchAll(/<path d="M[-\d.]+,[-\d.]+h([\d.]+)v[^"]*" fill="rgb\(/g),
  ]
    .map((m) => m[1]);
  assertStrictEquals(widths.length, 18);
  assertStrictEquals(new Set(widths).size, 1);
  for (const label of ["0.1", "0.5", "5", "100"]) {
    assertMatch(irregular, new RegExp(`>${label}</text>`));
  }
  assertMatch(irregular, /<td>irregular<\/td>/);
  assertMatch(irregular, /<td>geometric<\/td>/);

  // Random points: no grid, so a scatter plot colored by the output.
  const n = 40;
  const x = Float64Array.from({ length: n }, (_, i) => (i * 0.618034) % 1);
  const y = Float64Array.from({ length: n }, (_, i) => (i * 0.414214) % 1);
  const success = Uint8Array.from(x, (_, i) => (i % 10 === 0 ? 0 : 1));
  const v = Float64Array.from(x, (xv, i) => (success[i] ? xv + y[i] : NaN));
  const html = await renderReport({
    paramNames: ["x", "y"],
    outputNames: ["v"],
    params: { x, y },
    outputs: { v },
    success,
  });
  assertSelfContained(html);
  assertMatch(html, /\(the points are not on a grid\)/);
  assertStrictEquals(svgs(html)[0].match(/stroke="#d62728"/g)?.length, 4);
});

Deno.test("renderReport draws a large sweep from a sample of its points, and takes any name", async () => {
  // 50,000 random points: one in three is drawn, and every failed one, and the page says so.
  const n = 50_000;
  const x = Float64Array.from({ length: n }, (_, i) => (i * 0.618034) % 1);
  const y = Float64Array.from({ length: n }, (_, i) => (i * 0.414214) % 1);
  const success = Uint8Array.from({ length: n }, (_, i) => (i % 1000 === 1 ? 0 : 1));
  const html = await renderReport({
    paramNames: ["x", "y"],
    outputNames: ["v"],
    params: { x, y },
    outputs: { v: x.map((xv, i) => (success[i] ? xv + y[i] : NaN)) },
    success,
  });
  assertMatch(html, /Of the 50000 points, one in 3 is drawn, and every failed one\./);
  const svg = svgs(html)[0];
  const marks = svg.match(/<path [^>]*d="M[^"]*"[^>]*fill="rgb\(/g)?.length ?? 0;
  assert(marks > 16_000 && marks <= 16_667, `points drawn: ${marks}`);
  // Each of the 50 failures has its cross, as the key counts them.
  assertStrictEquals(svg.match(/stroke="#d62728"/g)?.length, 50);
  // Names that Vega would take for members of every object, or that look like SVG attributes,
  // are shown as they are.
  const odd = gridInput({ constructor: [0, 1], 'k x="0.123456" id="clip1"': [1, 2] }, {
    toString: (p: Record<string, number>) => p["constructor"] + 1,
  });
  const page = await renderReport(odd);
  assertSelfContained(page);
  assertMatch(
    page,
    /k x=&#34;0\.123456&#34; id=&#34;clip1&#34;|k x=&quot;0\.123456&quot; id=&quot;clip1&quot;/,
  );
  assertStrictEquals(svgs(page).length, 1);
  assert(svgs(page)[0].includes('k x="0.123456" id="clip1"'), "the title keeps its text");
});

Deno.test("renderReport checks its input", async () => {
  const good = gridInput({ x: [1, 2] }, { y: ({ x }) => x });
  await assertRejects(
    () => renderReport({ ...good, outputs: { y: new Float64Array(3) } }),
    RangeError,
  );
  await assertRejects(() => renderReport({ ...good, outputs: {} }), TypeError);
  await assertRejects(() => renderReport({ ...good, outputNames: ["y", "y"] }), RangeError);
  // No rows and nothing varying: tables only.
  const empty = await renderReport({
    paramNames: ["p"],
    outputNames: ["q"],
    params: { p: new Float64Array(0) },
    outputs: { q: new Float64Array(0) },
    success: new Uint8Array(0),
  });
  assertSelfContained(empty);
  assertStrictEquals(svgs(empty).length, 0);
  assertMatch(empty, /There are no rows, so there is nothing to chart\./);
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
    // One message (its first line), on both failed rows; each failed point listed.
    assertMatch(
      html,
      /<td class="wrap">did not converge<\/td><td class="num">2<\/td><td>a = 1, b = 2<\/td>/,
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

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "a browser shows the report with no error, no request but the page, and sized charts",
  ignore: !hasChromium,
  async fn() {
    const { chromium } = await import("playwright-core");
    const dir = await Deno.makeTempDir();
    const csv = `${dir}/heat_exchanger.csv`;
    await Deno.copyFile(`${FIXTURES}heat_exchanger.csv`, csv);
    await Deno.copyFile(`${FIXTURES}heat_exchanger.csv.meta.json`, `${csv}.meta.json`);
    const htmlPath = await writeReport(csv);
    const browser = await chromium.launch({
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
      const problems: string[] = [];
      const requests: string[] = [];
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(String(e)));
      page.on("requestfailed", (r) => problems.push(`failed request ${r.url()}`));
      page.on("request", (r) => requests.push(r.url()));
      const url = `file://${htmlPath}`;
      await page.goto(url);
      const boxes = await page.$$eval("figure svg", (els) =>
        els.map((e) => {
          const b = e.getBoundingClientRect();
          return [b.width, b.height];
        }));
      assertStrictEquals(boxes.length, 2);
      for (const [w, h] of boxes) assert(w > 300 && h > 150, `chart box ${w}×${h}`);
      await page.screenshot({ path: `${dir}/report.png`, fullPage: true });
      assert((await Deno.stat(`${dir}/report.png`)).size > 10_000);

      // On a phone's width nothing spills sideways: charts shrink, tables scroll in their box.
      await page.setViewportSize({ width: 375, height: 800 });
      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      assertStrictEquals(overflow, 0);
      const narrow = await page.$$eval(
        "figure svg",
        (els) => els.map((e) => e.getBoundingClientRect().width),
      );
      for (const w of narrow) assert(w > 200 && w < 375, `narrow chart width ${w}`);
      await page.screenshot({ path: `${dir}/report-narrow.png`, fullPage: true });

      assertEquals(problems, []);
      assertEquals(requests, [url]);
    } finally {
      await browser.close();
      if (Deno.env.get("PSWEEP_KEEP_SCREENSHOTS")) console.log(`screenshots in ${dir}`);
      else await Deno.remove(dir, { recursive: true });
    }
  },
});
