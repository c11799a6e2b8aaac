/**
 * The report on the 1M-row bench sweep (issue 16): page size, time to read and render it, and
 * time to first paint and to every chart drawn in headless Chromium, from disk.
 *
 * ```sh
 * deno run -A bench/report_page.ts
 * ```
 *
 * The results are those of `bench/sweep_report.ts` (x and y on a 1000 x 1000 grid, outputs a,
 * b, c of `bench/models/trivial3.ts`), written as psweep writes a CSV, plus a 1M-row random
 * sweep of 4 parameters. Each is read with `readResults` and rendered with `renderReport` in
 * this process; the page is then opened from disk in Chromium three times (fresh page each),
 * and the median is printed.
 *
 * @module
 */

import { readResults, renderReport } from "../src/report/report.ts";
import { encodeBatch } from "../src/io/_rows.ts";
import { evaluate } from "./models/trivial3.ts";

const CHROMIUM = "/usr/bin/chromium";

async function writeCsv(
  path: string,
  paramNames: string[],
  rows: number,
  point: (r: number) => number[],
): Promise<void> {
  const header = { extraNames: [], paramNames, outputNames: ["a", "b", "c"] };
  using file = await Deno.open(path, { write: true, createNew: true });
  const enc = new TextEncoder();
  await file.write(enc.encode(`${[...paramNames, "a", "b", "c"].join(",")},success\n`));
  const chunk = 50_000;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const params = new Float64Array(n * paramNames.length);
    const outputs = new Float64Array(n * 3);
    for (let k = 0; k < n; k++) {
      const p = point(start + k);
      params.set(p, k * paramNames.length);
      const o = evaluate(undefined, { x: p[0], y: p[1] });
      outputs.set([o.a, o.b, o.c], k * 3);
    }
    const bytes = encodeBatch("csv", header, {
      rows: n,
      params,
      outputs,
      success: new Uint8Array(n).fill(1),
    });
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  }
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

const dir = await Deno.makeTempDir();
try {
  const cases: [string, string, string[], (r: number) => number[]][] = [
    [
      "grid 1000 x 1000 (the sweep bench)",
      "grid.csv",
      ["x", "y"],
      (r) => [Math.floor(r / 1000) / 999, (r % 1000) / 999],
    ],
    [
      "random, 4 parameters",
      "random.csv",
      ["x", "y", "u", "v"],
      (() => {
        let s = 1;
        const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
        return () => [next(), next(), next(), next()];
      })(),
    ],
  ];
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const lines: string[] = [];
  try {
    for (const [label, file, names, point] of cases) {
      const csv = `${dir}/${file}`;
      await writeCsv(csv, names, 1_000_000, point);
      const t0 = performance.now();
      const input = await readResults(csv, { paramNames: names });
      const t1 = performance.now();
      const html = await renderReport(input);
      const t2 = performance.now();
      const page = `${dir}/${file}.html`;
      await Deno.writeTextFile(page, html);
      const paint: number[] = [];
      const drawn: number[] = [];
      for (let run = 0; run < 3; run++) {
        const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await tab.goto(`file://${page}`);
        await tab.locator("html[data-render-ms]").waitFor({ state: "attached" });
        const [fcp, done] = await tab.evaluate(`[
          performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
          performance.now(),
        ]`) as [number, number];
        paint.push(fcp);
        drawn.push(done);
        await tab.close();
      }
      const mb = (new TextEncoder().encode(html).length / 2 ** 20).toFixed(1);
      lines.push(
        `| ${label} | ${mb} MiB | ${Math.round(t1 - t0)} ms | ${Math.round(t2 - t1)} ms | ${
          Math.round(median(paint))
        } ms | ${Math.round(median(drawn))} ms |`,
      );
      console.error(lines[lines.length - 1]);
    }
  } finally {
    await browser.close();
  }
  console.log(
    "| 1,000,000 rows | page | read (readResults) | render (renderReport) | first paint | every chart drawn |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const line of lines) console.log(line);
} finally {
  await Deno.remove(dir, { recursive: true });
}
