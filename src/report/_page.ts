// Internal: the report page's sections, from a sweep's columns: the numbers and tables are
// written here as HTML; the charts are drawn in the browser by the page's one inline script
// from a data block computed here (bins, the cube of cell means, a sample of rows).
// One concept, though long: the page's HTML, section by section.

import { REPORT_DEFAULTS } from "../_defaults.ts";
import { clientScript } from "./_client.ts";
import {
  base64,
  binIndex,
  binParams,
  buildCube,
  buildPairs,
  cellBudget,
  type ColourScale,
  colourScale,
  type Columns,
  FRONT_OUTPUTS,
  frontRows,
  type ParamBins,
  SAMPLE_FAILED,
  SAMPLE_ROWS,
  sampleRows,
  sortedRows,
} from "./_data.ts";
import { escapeHtml, page, settingRows } from "./_html.ts";
import {
  firstLine,
  groupFailures,
  type Sensitivity,
  sensitivity,
  SENSITIVITY_ROWS,
  separation,
} from "./_insight.ts";
import {
  type Axis,
  axisOf,
  finiteSorted,
  formatStat,
  type OutputStats,
  quantile,
  statsOfSorted,
} from "./_stats.ts";

/** What the page is made from (the public `ReportInput`, checked). */
export interface PageInput extends Columns {
  settings?: Record<string, unknown>;
  title?: string;
  errors?: readonly (string | undefined)[];
  nominalIndex?: Float64Array;
  differentialIndex?: Float64Array;
}

/** One chart of the page, as the script builds it. */
interface ViewSpec {
  el: string;
  x: Ref;
  y: Ref;
  c: Ref;
  mark: "cells" | "points";
  slices: number[];
  controls: "full" | "pair" | "diff" | "none";
  compact?: boolean;
  boundary?: boolean;
}

/** A parameter (`p`), an output (`o`) or a measure (`m`: 0 failure share, 1 rows). */
interface Ref {
  t: "p" | "o" | "m";
  i: number;
}

/** Most outputs given a chart of their own in the overview. */
const MAX_OVERVIEW = REPORT_DEFAULTS.overviewCharts;

/** Most failure groups listed. */
const MAX_GROUPS = REPORT_DEFAULTS.failureGroups;

/** Most rows of a differential sweep drawn nominal against perturbed. */
const MAX_DIFF_POINTS = REPORT_DEFAULTS.diffPoints;

/** Bins per axis of the finer pair cells drawn for sweeps of many parameters. */
const PAIR_BINS = REPORT_DEFAULTS.pairBins;

/** The page: glance tiles, charts and analyses, then the tables, failures and settings. */
export async function renderPage(input: PageInput): Promise<string> {
  const rows = input.success.length;
  let failedRows = 0;
  for (const s of input.success) if (!s) failedRows++;
  const title = input.title ?? "Parameter sweep report";
  const axes = new Map(input.paramNames.map((name) => [name, axisOf(input.params[name])]));
  const varying = input.paramNames.map((_, i) => i)
    .filter((i) => axes.get(input.paramNames[i])!.values.length > 1);
  const sorted = input.outputNames.map((name) => finiteSorted(input.outputs[name], input.success));
  const stats = input.outputNames.map((name, i) =>
    statsOfSorted(input.outputs[name], input.success, sorted[i])
  );
  const scales = sorted.map(colourScale);
  const sens = varying.length && rows > 2
    ? sensitivity(input, varying.map((i) => input.paramNames[i]))
    : [];

  const parts: string[] = [];
  parts.push(`<header><h1>${escapeHtml(title)}</h1>
<p class="sub">${count(rows, "row")} · ${count(input.paramNames.length, "parameter")} · ${
    count(input.outputNames.length, "output")
  }</p></header>
<main>`);
  const pct = rows > 0 ? ` (${percent(failedRows, rows)})` : "";
  parts.push(`<section class="glance">
<div class="tile"><b>${rows}</b><span>rows</span></div>
<div class="tile"><b>${rows - failedRows}</b><span>succeeded</span></div>
<div class="tile${failedRows > 0 ? " bad" : ""}"><b>${failedRows}</b><span>failed${pct}</span></div>
<div class="tile"><b>${input.paramNames.length}</b><span>parameters (${varying.length} varying)</span></div>
<div class="tile"><b>${input.outputNames.length}</b><span>outputs</span></div>
</section>`);

  let data: Record<string, unknown> | undefined;
  const views: ViewSpec[] = [];
  let bins: ParamBins[] = [];
  if (rows > 0 && varying.length > 0 && input.outputNames.length > 0) {
    bins = binParams(input, axes, cellBudget(input.outputNames.length));
    const index = input.paramNames.map((name, i) =>
      binIndex(bins[i], input.params[name], axes.get(name)!)
    );
    const cube = buildCube(input, bins, index);
    // The sample for scatter plots: rows at random, every row on a trade-off front, failed rows.
    const picked = new Set(sampleRows(rows, SAMPLE_ROWS));
    const drawn = picked.size;
    let extraFailed = 0;
    for (let r = 0; r < rows && extraFailed < SAMPLE_FAILED; r++) {
      if (!input.success[r] && !picked.has(r)) {
        picked.add(r);
        extraFailed++;
      }
    }
    const fronts = input.outputNames.slice(0, FRONT_OUTPUTS);
    let frontAdded = 0;
    for (let a = 0; a < fronts.length; a++) {
      const x = input.outputs[fronts[a]];
      const order = sortedRows(x, input.success);
      for (let b = a + 1; b < fronts.length; b++) {
        for (const r of frontRows(order, x, input.outputs[fronts[b]])) {
          if (!picked.has(r)) {
            picked.add(r);
            frontAdded++;
          }
        }
      }
    }
    const sample = [...picked].sort((a, b) => a - b);
    const sampleNote = drawn === rows
      ? "every row"
      : `${drawn} rows drawn at random${extraFailed ? `, ${extraFailed} more failed rows` : ""}${
        frontAdded ? `, ${frontAdded} more rows on trade-off fronts` : ""
      }`;
    const take = (a: Float64Array) => base64(Float64Array.from(sample, (r) => a[r]));
    data = {
      rows,
      failed: failedRows,
      params: bins.map((b, i) => ({
        ...b,
        min: axes.get(b.name)!.values[0],
        max: axes.get(b.name)!.values[axes.get(b.name)!.values.length - 1],
        spacing: axes.get(input.paramNames[i])!.spacing,
      })),
      outputs: input.outputNames.map((name, i) => ({ name, ...scales[i] })),
      cube: {
        dims: cube.dims,
        count: base64(cube.count),
        fail: base64(cube.fail),
        mean: cube.mean.map(base64),
      },
      sample: {
        n: sample.length,
        note: sampleNote,
        row: base64(Uint32Array.from(sample)),
        p: input.paramNames.map((name) => take(input.params[name])),
        b: index.map((ix) => base64(Uint16Array.from(sample, (r) => Math.max(0, ix[r])))),
        o: input.outputNames.map((name) => take(input.outputs[name])),
        ok: base64(Uint8Array.from(sample, (r) => input.success[r])),
      },
      views,
    };
    // Many parameters leave the cube few bins on each: pairs seen over all the others get their
    // own, finer cells (up to PAIR_BINS per axis).
    const fine = binParams(input, axes, Math.pow(PAIR_BINS, input.paramNames.length));
    if (varying.some((i) => bins[i].bins < Math.min(fine[i].bins, PAIR_BINS))) {
      const fineIndex = input.paramNames.map((name, i) =>
        bins[i].bins === fine[i].bins
          ? index[i]
          : binIndex(fine[i], input.params[name], axes.get(name)!)
      );
      const pairs = buildPairs(input, fine, fineIndex, varying);
      data.pairs = {
        params: fine.map((b) => ({ ...b })),
        list: pairs.map((p) => ({
          i: p.i,
          j: p.j,
          count: base64(p.count),
          fail: base64(p.fail),
          mean: p.mean.map(base64),
        })),
      };
    }
    const diff = diffData(input);
    if (diff) data.diff = diff.data;

    // Default axes: the two parameters that matter most (by rank correlation, summed over the
    // outputs), in column order; a grid's parameters are drawn as cells, a random one's as points.
    const weight = varying.map((i, k) => ({
      i,
      w: sens.reduce((s, o) => s + (Number.isFinite(o.rho[k]) ? Math.abs(o.rho[k]) : 0), 0),
    }));
    const top = [...weight].sort((a, b) => b.w - a.w || a.i - b.i).slice(0, 2).map((v) => v.i)
      .sort((a, b) => a - b);
    const gridLike = top.every((i) => bins[i].kind === "values");
    const mark = gridLike ? "cells" : "points";
    const slices = input.paramNames.map(() => -1);
    const overview: string[] = [];
    input.outputNames.slice(0, MAX_OVERVIEW).forEach((name, o) => {
      const el = `ov-${o}`;
      const pair = top.length === 2;
      views.push({
        el,
        x: { t: "p", i: top[0] },
        y: pair ? { t: "p", i: top[1] } : { t: "o", i: o },
        c: { t: "o", i: o },
        mark: pair ? mark : "cells",
        slices,
        controls: "none",
        compact: true,
      });
      overview.push(`<figure><figcaption><h3>${escapeHtml(name)}</h3></figcaption>
<div class="view" id="${el}"></div></figure>`);
    });
    parts.push(
      `<section id="overview"><h2>Overview</h2><p class="note">${
        top.length === 2
          ? `Each output over ${escapeHtml(input.paramNames[top[0]])} and ${
            escapeHtml(input.paramNames[top[1]])
          }${
            varying.length > 2
              ? " (the two parameters with the strongest effect), averaged over the others"
              : ""
          }${
            mark === "cells"
              ? ", one cell per grid point (neighbours merged past the chart's resolution)"
              : ", one mark per sampled row"
          }.`
          : `Each output against ${escapeHtml(input.paramNames[top[0]])}.`
      } Hover for values; the explorer below picks any axes, colour and slice.${
        input.outputNames.length > MAX_OVERVIEW
          ? ` The first ${MAX_OVERVIEW} of ${input.outputNames.length} outputs are shown here; the explorer shows every one.`
          : ""
      }</p><div class="figs">
${overview.join("\n")}
</div></section>`,
    );

    views.push({
      el: "explore",
      x: { t: "p", i: top[0] },
      y: top.length === 2 ? { t: "p", i: top[1] } : { t: "o", i: 0 },
      c: { t: "o", i: 0 },
      mark: top.length === 2 ? mark : "cells",
      slices,
      controls: "full",
    });
    parts.push(
      `<section id="explorer"><h2>Explore</h2><p class="note">Choose the axes and the colour among parameters and outputs, slice the other parameters (or average over them), switch between cells (the mean of every row in each cell) and points (${
        escapeHtml(sampleNote)
      }), and show or hide failed points.</p><div class="view" id="explore"></div></section>`,
    );
    // Outputs with too few values to rank are left out (all failed, say).
    const ranked = sens.filter((o) => o.rows >= 3);
    if (ranked.length) parts.push(sensitivitySection(input, varying, ranked));
    if (input.outputNames.length >= 2) {
      views.push({
        el: "tradeoffs",
        x: { t: "o", i: 0 },
        y: { t: "o", i: 1 },
        c: { t: "p", i: top[0] },
        mark: "points",
        slices,
        controls: "pair",
      });
      parts.push(
        `<section id="trade-offs"><h2>Trade-offs</h2><p class="note">One output against another, coloured by a parameter. Ringed and joined: the non-dominated points, which no other point beats on both outputs (choose which direction is better for each; fronts are exact over every row for the first ${FRONT_OUTPUTS} outputs).</p><div class="view" id="tradeoffs"></div></section>`,
      );
    }
    if (diff) {
      views.push({
        el: "differential",
        x: { t: "o", i: 0 },
        y: { t: "o", i: 0 },
        c: { t: "o", i: 0 },
        mark: "points",
        slices,
        controls: "diff",
      });
      parts.push(diff.html);
    }
    if (failedRows > 0 && failedRows < rows) {
      const sep = separation(cube, varying);
      const best = varying.length >= 2 ? sep.pairs[0].params : [sep.single[0].params[0]];
      views.push({
        el: "failure-map",
        x: { t: "p", i: best[0] },
        y: best.length === 2 ? { t: "p", i: best[1] } : { t: "m", i: 0 },
        c: { t: "m", i: 0 },
        mark: "cells",
        slices,
        controls: "none",
        boundary: true,
      });
      parts.push(failureMapSection(input, sep, best));
    }
  }
  parts.push(paramTable(input, axes, bins));
  parts.push(statsTable(input.outputNames, stats, scales));
  if (rows === 0 || varying.length === 0) {
    const why = rows === 0 ? "There are no rows" : "No parameter varies";
    parts.push(
      `<section><h2>Charts</h2><p class="note">${why}, so there is nothing to chart.</p></section>`,
    );
  }
  if (failedRows > 0) parts.push(failuresSection(input, failedRows));
  // The settings last: the charts and numbers are what a reader opens the page for.
  if (input.settings !== undefined && Object.keys(input.settings).length > 0) {
    parts.push(`<section id="settings"><h2>Settings</h2><div class="scroll"><table class="kv">
${settingRows(input.settings)}
</table></div></section>`);
  }
  parts.push(`</main>
<footer>Made by psweep. This page is self-contained: it works offline and loads nothing.</footer>`);
  const body = parts.join("\n");
  if (data === undefined) return await page(title, body);
  return await page(title, body, jsonForScript(data), clientScript());
}

/** JSON safe inside a script element (no `</script>`, no HTML comment openers). */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))
    .replace(/</g, "\\u003c");
}

/** The nominal and perturbed value of each output, per perturbation row, and the section. */
function diffData(
  input: PageInput,
): { data: Record<string, unknown>; html: string } | undefined {
  const { nominalIndex, differentialIndex } = input;
  if (!nominalIndex || !differentialIndex || input.outputNames.length === 0) return undefined;
  const rowOf = new Map<number, number>();
  for (let r = 0; r < nominalIndex.length; r++) {
    if (Number.isFinite(nominalIndex[r])) rowOf.set(nominalIndex[r], r);
  }
  const pairs: [number, number][] = [];
  for (let r = 0; r < differentialIndex.length; r++) {
    const n = rowOf.get(differentialIndex[r]);
    if (n !== undefined && input.success[n]) pairs.push([n, r]);
  }
  if (pairs.length === 0) return undefined;
  const shown = sampleRows(pairs.length, MAX_DIFF_POINTS).map((k) => pairs[k]);
  const nominal = input.outputNames.map((name) =>
    base64(Float64Array.from(shown, ([n]) => input.outputs[name][n]))
  );
  const perturbed = input.outputNames.map((name) =>
    base64(Float64Array.from(shown, ([, r]) => input.success[r] ? input.outputs[name][r] : NaN))
  );
  // Per output: the median and largest relative change over all pairs.
  const rowsHtml = input.outputNames.map((name) => {
    const v = input.outputs[name];
    const rel: number[] = [];
    for (const [n, r] of pairs) {
      if (input.success[r] && Number.isFinite(v[r]) && Number.isFinite(v[n]) && v[n] !== 0) {
        rel.push(Math.abs(v[r] - v[n]) / Math.abs(v[n]));
      }
    }
    const sorted = Float64Array.from(rel).sort();
    // Interpolated, as the Outputs table's percentiles (numpy's median).
    const med = quantile(sorted, 0.5);
    const max = sorted.length ? sorted[sorted.length - 1] : NaN;
    return `<tr><th scope="row">${
      escapeHtml(name)
    }</th><td class="num">${rel.length}</td><td class="num">${
      formatStat(100 * med)
    }%</td><td class="num">${formatStat(100 * max)}%</td></tr>`;
  });
  const nominalRows = rowOf.size;
  const html =
    `<section id="differential-sweep"><h2>Differential sweep</h2><p class="note">${nominalRows} nominal points, ${
      differentialIndex.filter((d) => Number.isFinite(d)).length
    } perturbed rows. Each perturbed row's output against its nominal point's${
      pairs.length > shown.length ? ` (${shown.length} of ${pairs.length} pairs drawn)` : ""
    }; the table's relative changes cover every pair.</p>
<div class="view" id="differential"></div>
<div class="scroll"><table class="compact"><thead><tr><th>output</th><th class="num">pairs</th><th class="num">median |change|</th><th class="num">largest |change|</th></tr></thead><tbody>
${rowsHtml.join("\n")}
</tbody></table></div></section>`;
  return { data: { nominal, perturbed }, html };
}

function sensitivitySection(input: PageInput, varying: number[], sens: Sensitivity[]): string {
  const names = varying.map((i) => input.paramNames[i]);
  const head = `<tr><th>output</th><th class="num">rows</th>${
    names.map((n) => `<th class="num">${escapeHtml(n)}<br><span class="muted">ρ · SRRC</span></th>`)
      .join("")
  }<th class="num">R² (ranks)</th></tr>`;
  const body = sens.map((s) =>
    `<tr><th scope="row">${escapeHtml(s.output)}</th><td class="num">${s.rows}</td>${
      s.rho.map((r, k) => `<td class="num">${signed(r)} · ${signed(s.srrc[k])}</td>`).join("")
    }<td class="num">${formatStat(s.r2)}</td></tr>`
  );
  const bars = sens.slice(0, MAX_OVERVIEW).map((s) => barChart(s, names)).join("\n");
  const sampled = input.success.length > SENSITIVITY_ROWS;
  return `<section id="sensitivity"><h2>Sensitivity</h2><p class="note">Method: Spearman's rank correlation ρ between each parameter and each output, and standardized rank regression coefficients (SRRC: the output's ranks regressed on all parameters' ranks, standardized), over the successful rows with a value${
    sampled ? " (a seeded random sample of ${SENSITIVITY_ROWS} rows)" : ""
  }. Both range from −1 to 1; the sign says whether the output rises or falls with the parameter. R² is the share of the output's rank variance that the parameters explain together: when it is low, the effects are not monotone or interact, and the ranking below is only a guide.</p>
<div class="figs bars">${bars}</div>
<div class="scroll"><table><thead>${head}</thead><tbody>
${body.join("\n")}
</tbody></table></div></section>`;
}

function signed(x: number): string {
  return Number.isFinite(x) ? (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(2) : "—";
}

/** A horizontal bar chart of one output's ρ per parameter, largest effect first, as SVG. */
function barChart(s: Sensitivity, names: string[]): string {
  const order = names.map((_, k) => k)
    .sort((a, b) => (Math.abs(s.rho[b]) || 0) - (Math.abs(s.rho[a]) || 0));
  const rowH = 22;
  const w = 360;
  const label = 110;
  const mid = label + (w - label - 40) / 2;
  const half = (w - label - 40) / 2;
  const h = order.length * rowH + 24;
  const bars = order.map((k, j) => {
    const r = Number.isFinite(s.rho[k]) ? s.rho[k] : 0;
    const y = 6 + j * rowH;
    const len = Math.abs(r) * half;
    const x = r >= 0 ? mid : mid - len;
    return `<text x="${label - 6}" y="${y + 14}" text-anchor="end">${
      escapeHtml(clip(names[k]))
    }</text>` +
      `<rect class="bar${r < 0 ? " neg" : ""}" x="${x.toFixed(1)}" y="${y + 3}" width="${
        len.toFixed(1)
      }" height="${rowH - 8}"><title>${escapeHtml(names[k])}: ρ = ${signed(r)}</title></rect>` +
      `<text x="${(r >= 0 ? mid + len + 4 : mid - len - 4).toFixed(1)}" y="${
        y + 14
      }" text-anchor="${r >= 0 ? "start" : "end"}" class="v">${signed(r)}</text>`;
  }).join("");
  return `<figure class="bar-chart"><figcaption><h3>${
    escapeHtml(s.output)
  }</h3><span class="key">Spearman ρ</span></figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Spearman rank correlation of ${
    escapeHtml(s.output)
  } with each parameter"><line x1="${mid}" x2="${mid}" y1="2" y2="${
    h - 16
  }" class="axis"/>${bars}<text x="${mid - half}" y="${
    h - 4
  }" class="v">−1</text><text x="${mid}" y="${
    h - 4
  }" class="v" text-anchor="middle">0</text><text x="${mid + half}" y="${
    h - 4
  }" class="v" text-anchor="end">+1</text></svg></figure>`;
}

function clip(name: string): string {
  return name.length > 16 ? `${name.slice(0, 15)}…` : name;
}

function failureMapSection(
  input: PageInput,
  sep: ReturnType<typeof separation>,
  best: number[],
): string {
  const n = input.paramNames;
  const rowsHtml = sep.single.map((s) =>
    `<tr><th scope="row">${escapeHtml(n[s.params[0]])}</th><td class="num">${
      (100 * s.score).toFixed(1)
    }%</td></tr>`
  );
  const top = best.length === 2 ? sep.pairs[0].score : sep.single[0].score;
  const pair = best.length === 2
    ? `${escapeHtml(n[best[0]])} and ${escapeHtml(n[best[1]])} together explain ${
      (100 * top).toFixed(1)
    }% of it, the most of any pair`
    : "";
  // Below this share the map shows noise, and says so rather than suggest a region.
  const weak = top < 0.1
    ? ` <b>No parameter separates them well</b> (at best ${
      (100 * top).toFixed(1)
    }%): failures look unrelated to where the points are, at this resolution.`
    : "";
  return `<section id="failures-where"><h2>Failure map</h2><p class="note">Where points fail: the share of failed rows per cell over the ${
    best.length === 2 ? "two parameters that best separate" : "parameter that best separates"
  } failed from successful points (averaged over the others), with a red line where the share crosses one half. Separation is the share of the uncertainty about failure (its entropy) that knowing where a point lies on the parameter removes (its range cut into at most 12 parts; corrected for sparsely filled cells)${
    pair ? `; ${pair}` : ""
  }.${weak}</p><div class="view" id="failure-map"></div>
<div class="scroll"><table class="compact"><thead><tr><th>parameter</th><th class="num">separates failures</th></tr></thead><tbody>
${rowsHtml.join("\n")}
</tbody></table></div></section>`;
}

/** A share as a percentage with one decimal, never rounded to 0% or 100% when it is not. */
function percent(part: number, whole: number): string {
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return "<0.1%";
  if (p < 100 && p > 99.9) return ">99.9%";
  return `${Number(p.toFixed(1))}%`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function paramTable(input: PageInput, axes: Map<string, Axis>, bins: ParamBins[]): string {
  const rowsHtml = input.paramNames.map((name, i) => {
    const axis = axes.get(name)!;
    const v = axis.values;
    const spacing = axis.spacing === "single" ? "—" : axis.spacing;
    const b = bins[i];
    const charts = b === undefined || v.length < 2
      ? (v.length < 2 ? "constant" : "")
      : b.kind === "values"
      ? (b.bins === v.length ? "each value" : `${b.bins} bins of neighbouring values`)
      : `${b.bins} ${b.kind === "log" ? "log-spaced" : "equal"} bins`;
    return `<tr><th scope="row">${escapeHtml(name)}</th><td class="num">${v.length}</td>` +
      `<td class="num">${formatStat(v.length ? v[0] : NaN)}</td>` +
      `<td class="num">${formatStat(v.length ? v[v.length - 1] : NaN)}</td>` +
      `<td>${spacing}</td><td>${charts}</td></tr>`;
  });
  if (rowsHtml.length === 0) return "";
  return `<section id="parameters"><h2>Parameters</h2><div class="scroll"><table>
<thead><tr><th>parameter</th><th class="num">distinct values</th><th class="num">min</th><th class="num">max</th><th>spacing</th><th>in charts</th></tr></thead>
<tbody>
${rowsHtml.join("\n")}
</tbody></table></div></section>`;
}

const STAT_COLUMNS: [keyof OutputStats, string][] = [
  ["min", "min"],
  ["p25", "25%"],
  ["median", "median"],
  ["mean", "mean"],
  ["p75", "75%"],
  ["max", "max"],
  ["std", "std"],
];

function statsTable(names: readonly string[], stats: OutputStats[], scales: ColourScale[]): string {
  if (names.length === 0) return "";
  // A "no value" column only when some successful row has a NaN or infinite output.
  const noValue = stats.some((s) => s.noValue > 0);
  const head = `<tr><th>output</th><th class="num">count</th><th class="num">failed</th>${
    noValue ? `<th class="num">no value</th>` : ""
  }${
    STAT_COLUMNS.map(([, label]) => `<th class="num">${label}</th>`).join("")
  }<th>colour scale</th></tr>`;
  const body = names.map((name, i) => {
    const s = stats[i];
    return `<tr><th scope="row">${escapeHtml(name)}</th>` +
      `<td class="num">${s.count}</td>` +
      `<td class="num${s.failed > 0 ? " bad" : ""}">${s.failed}</td>` +
      (noValue ? `<td class="num">${s.noValue}</td>` : "") +
      STAT_COLUMNS.map(([key]) => `<td class="num">${formatStat(s[key])}</td>`).join("") +
      `<td title="${escapeHtml(scales[i].why)}">${scales[i].scale}</td></tr>`;
  });
  return `<section id="outputs"><h2>Outputs</h2>
<p class="note">Statistics over the successful rows with a finite value (count); percentiles interpolate linearly; std is the sample standard deviation. The colour scale is chosen from each output's values (hover it for why).</p>
<div class="scroll"><table>
<thead>${head}</thead>
<tbody>
${body.join("\n")}
</tbody></table></div></section>`;
}

/** Most failed points listed. */
const MAX_FAILED_LISTED = 20;

/** Failures grouped by message (numbers masked), with counts and one example each; then the first failed points. */
function failuresSection(input: PageInput, failedRows: number): string {
  const { success, errors, paramNames, params } = input;
  const point = (r: number): string =>
    paramNames.map((n) => `${escapeHtml(n)} = ${formatStat(params[n][r])}`).join(", ");
  const parts: string[] = [`<section id="failures"><h2>Failures</h2>`];
  const failed: number[] = [];
  for (let r = 0; r < success.length; r++) if (!success[r]) failed.push(r);
  const hasMessages = errors !== undefined && failed.some((r) => errors[r] !== undefined);
  if (hasMessages) {
    const groups = groupFailures(success, errors);
    parts.push(
      `<p class="note">${failedRows} failed rows, grouped by their message with numbers masked (#): ${
        count(groups.length, "group")
      }.</p><div class="scroll"><table class="groups">
<thead><tr><th>message</th><th class="num">rows</th><th class="num">share</th><th>example</th></tr></thead>
<tbody>
${
        groups.slice(0, MAX_GROUPS).map((g) =>
          `<tr><td class="wrap"><code>${
            g.pattern
              ? g.pattern.split("#").map(escapeHtml).join('<span class="mask">#</span>')
              : `<span class="muted">no message</span>`
          }</code></td><td class="num">${g.rows}</td><td class="num">${
            percent(g.rows, failedRows)
          }</td><td class="wrap">row ${g.example}: ${point(g.example)}<br><span class="muted">${
            escapeHtml(firstLine(errors![g.example] ?? ""))
          }</span></td></tr>`
        ).join("\n")
      }
</tbody></table></div>`,
    );
    if (groups.length > MAX_GROUPS) {
      parts.push(`<p class="note">The ${MAX_GROUPS} largest of ${groups.length} groups.</p>`);
    }
  }
  const listed = failed.slice(0, MAX_FAILED_LISTED);
  parts.push(
    `<h3 class="sub-h">Failed points${
      failed.length > listed.length ? ` (the first ${listed.length} of ${failedRows})` : ""
    }</h3>${
      hasMessages
        ? ""
        : `<p class="note">This results file keeps no error messages (JSON Lines files do).</p>`
    }<div class="scroll"><table class="${hasMessages ? "" : "compact"}">
<thead><tr><th class="num">row</th>${
      paramNames.map((n) => `<th class="num">${escapeHtml(n)}</th>`).join("")
    }${hasMessages ? "<th>message</th>" : ""}</tr></thead>
<tbody>
${
      listed.map((r) =>
        // Rows are numbered from 0, as everywhere in psweep (the library's indices, messages).
        `<tr><td class="num">${r}</td>${
          paramNames.map((n) => `<td class="num">${formatStat(params[n][r])}</td>`).join("")
        }${
          hasMessages ? `<td class="wrap">${escapeHtml(firstLine(errors![r] ?? ""))}</td>` : ""
        }</tr>`
      ).join("\n")
    }
</tbody></table></div></section>`,
  );
  return parts.join("\n");
}
