/**
 * The `report` command: turns a sweep's results CSV into one self-contained HTML page with the
 * sweep's settings, summary statistics of every output, and a chart per output.
 *
 * ## The page
 *
 * - Settings (from the metadata file `<results>.meta.json`, when there is one).
 * - The parameters: distinct values, range and role in the charts.
 * - Per output: successful rows with a value, failed rows, min, quartiles, mean, max and
 *   standard deviation (over successful rows with a finite value).
 * - A chart per output, chosen by the parameters that vary:
 *   - one: a line chart over it;
 *   - two on a grid: a heatmap, one cell per point, centred on its values for evenly spaced
 *     parameters (on a log axis for geometric spacing, in line charts too) and in equal cells
 *     labelled with the values for irregularly spaced ones;
 *   - more than two on a grid: the first two varying parameters (in column order) make the axes
 *     of small-multiple heatmaps, one per combination of the others, at most 12 (the first 12 in
 *     ascending order; the page says how many were left out);
 *   - two or more off a grid (random sampling): a scatter plot over the first two varying
 *     parameters, colored by the output.
 *
 *   Failed points are red "×" marks (on the x axis of line charts, over gray cells in heatmaps).
 *
 * The charts are SVG rendered ahead of time by Vega-Lite and inlined with the style sheet, so the
 * page has no script and makes no request: its Content-Security-Policy forbids all but inline
 * styles and `data:` images. It works offline, by e-mail, and from a file.
 *
 * @module
 */

import { pathExists } from "../io/_fs.ts";
import { formatOfPath } from "../io/_formats.ts";
import { readColumnar } from "./_report_formats.ts";
import { readSweepMeta, type SweepMeta } from "../io/resume.ts";
import { type ChartSpec, renderSvg } from "./_plot.ts";
import {
  heatmapSpec,
  lineSpec,
  MAX_PANELS,
  type PlaneData,
  scatterSpec,
} from "./_report_charts.ts";
import { inferParamCount, readCsvHeader, readTable, type ResultsTable } from "./_report_read.ts";
import { escapeHtml, page, settingRows } from "./_report_html.ts";
import { type Axis, axisOf, formatStat, type OutputStats, outputStats } from "./_report_stats.ts";

/** The data of a report: a sweep's columns and, optionally, its settings and a title. */
export interface ReportInput {
  /** Names of the parameter columns, in sweep order. */
  paramNames: string[];
  /** Names of the output columns. */
  outputNames: string[];
  /** Each parameter's values, one per row. */
  params: Record<string, Float64Array>;
  /** Each output's values, one per row (NaN where the row failed). */
  outputs: Record<string, Float64Array>;
  /** Per row, 1 when the point succeeded and 0 when it failed. */
  success: Uint8Array;
  /** Settings shown as a table (model, seed, samplers, ...); objects become nested tables. */
  settings?: Record<string, unknown>;
  /** Title of the page. @default {"Parameter sweep report"} */
  title?: string;
  /** Per row, the error message of a failed row (JSON Lines files keep them; CSV does not). */
  errors?: (string | undefined)[];
}

/** Options of {@linkcode readResultsCsv} and {@linkcode readResults}. */
export interface ReadResultsOptions {
  /**
   * Names of the parameter columns of a CSV file; its other columns before `success` are
   * outputs. Overrides the metadata file and the inference. (JSON Lines files name their own.)
   */
  paramNames?: string[];
}

/** Options of {@linkcode writeReport}. */
export interface WriteReportOptions extends ReadResultsOptions {
  /** Replace an existing HTML file. @default {false} */
  overwrite?: boolean;
  /** Title of the page. @default {"Parameter sweep report: <file name>"} */
  title?: string;
}

/**
 * Reads a results CSV as psweep writes it (a header of column names, then one line per row: any
 * extra columns, the parameters, the outputs, and `success` as `true` or `false`; numbers exact,
 * with `NaN`, `Infinity` and `-Infinity` spelled out) into a {@linkcode ReportInput}. The rows
 * are read by the library's `readRows`: a blank output cell reads as NaN, and a partial last
 * line (an interrupted write) is left out, which the settings then say; a last line that lacks
 * only its line break is kept.
 *
 * Which columns are parameters comes from, in order: `options.paramNames`; the metadata file
 * `<path>.meta.json` when it exists (its `paramNames`, `outputNames` and `extraNames`; its other
 * fields, such as `model`, `seed` and `params`, become the settings); else the inference rule:
 * the parameters are the shortest run of leading columns whose values tell every row apart,
 * among the leading columns without NaN, leaving at least one output (only the first column when
 * none tells the rows apart). The rule is right for grid sweeps and one-parameter random sweeps;
 * random sweeps of several parameters need the metadata file or `paramNames`. Extra columns
 * (named by the metadata file) are left out.
 *
 * @param path The results CSV file.
 * @param options Explicit parameter names.
 * @returns The columns, with the file name and metadata as settings and no title.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {SyntaxError} When the file is not a results CSV, or its metadata file is not one.
 * @throws {Error} When the metadata file or `paramNames` do not match the header.
 */
export async function readResultsCsv(
  path: string,
  options: ReadResultsOptions = {},
): Promise<ReportInput> {
  const header = await readCsvHeader(path);
  const names = header.names.slice(0, -1);
  const meta = await readMeta(path);
  const settings: Record<string, unknown> = { file: basename(path) };
  let extraNames: readonly string[] = [];
  let known: string[] | undefined; // the parameters, when known before reading
  if (options.paramNames !== undefined) {
    known = [...options.paramNames];
    for (const name of known) {
      if (!names.includes(name)) {
        throw new Error(
          `Cannot read results as 'paramNames' names ${
            JSON.stringify(name)
          }, which is not a column of ${JSON.stringify(path)}: columns are ${
            names.map((n) => JSON.stringify(n)).join(", ")
          }`,
        );
      }
    }
    settings["parameter columns"] = "as given";
  } else if (meta !== undefined) {
    extraNames = meta.extraNames ?? [];
    const expected = [...extraNames, ...meta.paramNames, ...meta.outputNames];
    if (expected.join("\u0000") !== names.join("\u0000")) {
      throw new Error(
        `Cannot read results as the columns of ${JSON.stringify(path)} (${
          names.join(", ")
        }) are not those of its metadata file (extraNames, paramNames, outputNames: ${
          expected.join(", ")
        })`,
      );
    }
    known = [...meta.paramNames];
    settings["parameter columns"] = `from ${basename(path)}.meta.json`;
  } else {
    settings["parameter columns"] = "inferred (no metadata file)";
  }
  // Parameters known to lead are read as such (a blank cell in them is an error); otherwise
  // every column is read as an output, and split once the parameters are known.
  const rest = names.slice(extraNames.length);
  const lead = known?.every((name, i) => rest[i] === name) ? known.length : 0;
  const table = await readTable(path, "csv", {
    extraNames,
    paramNames: rest.slice(0, lead),
    outputNames: rest.slice(lead),
  }, header.alone);
  const paramNames = known ??
    names.slice(0, inferParamCount(names.map((name) => table.columns.get(name)!)));
  const outputNames = names.filter((n) => !extraNames.includes(n) && !paramNames.includes(n));
  if (table.partial) settings["last line"] = PARTIAL;
  return {
    paramNames,
    outputNames,
    params: pick(table, paramNames),
    outputs: pick(table, outputNames),
    success: table.success,
    settings: { ...settings, ...metaSettings(meta) },
  };
}

/**
 * Reads a results file by its extension: JSON Lines for `.jsonl` and `.ndjson` (one object per
 * row with its `params`, `outputs`, `success` and optional `error`, as psweep writes them; the
 * error messages are kept for the page's table of failures), else CSV as
 * {@linkcode readResultsCsv} reads it. The metadata file `<path>.meta.json`, when there is one,
 * gives the settings either way, and the column names of a JSON Lines file (which must then
 * have them).
 *
 * @param path The results file.
 * @param options Explicit parameter names (CSV only).
 * @returns The columns, with the file name and metadata as settings and no title.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {SyntaxError} When the file is not a results file, or its metadata file is not one.
 * @throws {Error} When the metadata file or `paramNames` do not match the file's columns.
 */
export async function readResults(
  path: string,
  options: ReadResultsOptions = {},
): Promise<ReportInput> {
  const format = formatOfPath(path);
  if (format === "arrow" || format === "h5" || format === "parquet") {
    const { truncated, ...columns } = await readColumnar(path, format);
    const meta = await readMeta(path);
    return {
      ...columns,
      settings: {
        file: basename(path),
        ...(truncated ? { "last line": PARTIAL } : {}),
        ...metaSettings(meta),
      },
    };
  }
  if (!JSONL.test(path)) return await readResultsCsv(path, options);
  const meta = await readMeta(path);
  const table = await readTable(
    path,
    "jsonl",
    meta === undefined ? {} : {
      extraNames: meta.extraNames ?? [],
      paramNames: meta.paramNames,
      outputNames: meta.outputNames,
    },
  );
  const { paramNames, outputNames } = table;
  return {
    paramNames,
    outputNames,
    params: pick(table, paramNames),
    outputs: pick(table, outputNames),
    success: table.success,
    errors: table.errors,
    settings: {
      file: basename(path),
      ...(table.partial ? { "last line": PARTIAL } : {}),
      ...metaSettings(meta),
    },
  };
}

/** Extensions of JSON Lines results files. */
const JSONL = /\.(?:jsonl|ndjson)$/i;

/** The setting shown when a partial last line was left out. */
const PARTIAL = "partial (an interrupted write): left out";

/** The named columns of a table. */
function pick(table: ResultsTable, names: readonly string[]): Record<string, Float64Array> {
  const rows = table.success.length;
  return Object.fromEntries(
    names.map((name) => [name, table.columns.get(name) ?? new Float64Array(rows)]),
  );
}

/** The metadata fields shown as settings: the well-known ones first, column names left out. */
function metaSettings(meta: SweepMeta | undefined): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (meta === undefined) return settings;
  for (const key of ["model", "seed", "params", "totalRows", "version"]) {
    if (key in meta) settings[key] = meta[key];
  }
  for (const [key, value] of Object.entries(meta)) {
    if (!(key in settings) && !["paramNames", "outputNames"].includes(key)) {
      settings[key] = value;
    }
  }
  return settings;
}

/** The metadata file next to a results file, or undefined when there is none. */
async function readMeta(path: string): Promise<SweepMeta | undefined> {
  try {
    return await readSweepMeta(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function basename(path: string): string {
  return path.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? path;
}

/**
 * Renders a sweep's report as one self-contained HTML page (inline SVG charts and style sheet,
 * no script, no request; see the module documentation for what it shows).
 *
 * @param input The sweep's columns, settings and title.
 * @returns The HTML text of the page.
 * @throws {TypeError} When `input` lacks a column it names, or a column is of the wrong type.
 * @throws {RangeError} When the columns are not all as long as `success`, or a name repeats.
 */
export async function renderReport(input: ReportInput): Promise<string> {
  checkInput(input);
  const rows = input.success.length;
  let failedRows = 0;
  for (const s of input.success) if (!s) failedRows++;
  const title = input.title ?? "Parameter sweep report";
  const axes = new Map(input.paramNames.map((name) => [name, axisOf(input.params[name])]));
  const varying = input.paramNames.filter((name) => axes.get(name)!.values.length > 1);
  const plan = planCharts(input, varying, axes);

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
  if (input.settings !== undefined && Object.keys(input.settings).length > 0) {
    parts.push(`<section><h2>Settings</h2><div class="scroll"><table class="kv">
${settingRows(input.settings)}
</table></div></section>`);
  }
  parts.push(paramTable(input, axes, plan));
  const stats = input.outputNames.map((name) => outputStats(input.outputs[name], input.success));
  parts.push(statsTable(input.outputNames, stats, plan.kind !== "none"));
  parts.push(await chartsSection(input, plan, stats));
  if (failedRows > 0) parts.push(failuresSection(input, failedRows));
  parts.push(`</main>
<footer>Made by psweep. This page is self-contained: it works offline and loads nothing.</footer>`);
  return page(title, parts.join("\n"));
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

function checkInput(input: ReportInput): void {
  if (typeof input !== "object" || input === null) {
    throw new TypeError(`Cannot render report as 'input' must be an object`);
  }
  if (!(input.success instanceof Uint8Array)) {
    throw new TypeError(`Cannot render report as 'input.success' must be a Uint8Array`);
  }
  const rows = input.success.length;
  for (
    const [list, columns, what] of [
      [input.paramNames, input.params, "params"],
      [input.outputNames, input.outputs, "outputs"],
    ] as const
  ) {
    const listName = what === "params" ? "paramNames" : "outputNames";
    if (!Array.isArray(list) || !list.every((n) => typeof n === "string")) {
      throw new TypeError(
        `Cannot render report as 'input.${listName}' must be an array of strings`,
      );
    }
    if (new Set(list).size !== list.length) {
      throw new RangeError(`Cannot render report as 'input.${listName}' repeats a name`);
    }
    for (const name of list) {
      const column = columns?.[name];
      if (!(column instanceof Float64Array)) {
        throw new TypeError(
          `Cannot render report as 'input.${what}[${JSON.stringify(name)}]' must be a Float64Array`,
        );
      }
      if (column.length !== rows) {
        throw new RangeError(
          `Cannot render report as 'input.${what}[${
            JSON.stringify(name)
          }]' has ${column.length} values: expected ${rows}, one per row of 'input.success'`,
        );
      }
    }
  }
}

/** What the charts show: which parameters make the axes and panels, and the kind of chart. */
type Plan =
  | { kind: "none" }
  | { kind: "line"; x: string }
  | { kind: "scatter"; x: string; y: string }
  | {
    kind: "heatmap";
    x: string;
    y: string;
    panelNames: string[];
    labels: string[];
    panelOf: (row: number) => string | undefined;
    totalPanels: number;
  };

/** Most rows a line or scatter chart draws a mark for. */
const MAX_POINTS = 20_000;

/** Most distinct values per heatmap axis: beyond, cells shrink below a pixel. */
const MAX_CELLS_PER_AXIS = 400;

function planCharts(input: ReportInput, varying: string[], axes: Map<string, Axis>): Plan {
  if (varying.length === 0) return { kind: "none" };
  if (varying.length === 1) return { kind: "line", x: varying[0] };
  const [x, y, ...rest] = varying;
  const xs = input.params[x];
  const ys = input.params[y];
  const rows = xs.length;
  // Panel keys: the values of the other varying parameters, exact, in a sortable tuple.
  const restCols = rest.map((name) => input.params[name]);
  const keyOf = (r: number): string => restCols.map((c) => String(c[r])).join(",");
  const panels = new Map<string, number[]>();
  const cells = new Set<string>();
  const pairs = new Set<string>();
  let grid = true;
  for (let r = 0; r < rows && grid; r++) {
    const key = keyOf(r);
    if (!panels.has(key)) panels.set(key, restCols.map((c) => c[r]));
    const pair = `${xs[r]},${ys[r]}`;
    pairs.add(pair);
    const id = `${key}|${pair}`;
    grid = !cells.has(id); // a grid has one row per cell of each panel
    cells.add(id);
  }
  const nx = axes.get(x)!.values.length;
  const ny = axes.get(y)!.values.length;
  grid &&= 2 * pairs.size >= nx * ny && nx <= MAX_CELLS_PER_AXIS && ny <= MAX_CELLS_PER_AXIS;
  if (!grid) return { kind: "scatter", x, y };
  const ordered = [...panels.entries()].sort(([, a], [, b]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  });
  const shown = ordered.slice(0, MAX_PANELS);
  // Labels round values for reading; exact values where rounding would merge two panels.
  let labels = shown.map(([, v]) => rest.map((n, i) => `${n} = ${formatStat(v[i])}`).join(", "));
  if (new Set(labels).size < labels.length) {
    labels = shown.map(([, v]) => rest.map((n, i) => `${n} = ${v[i]}`).join(", "));
  }
  const labelOf = new Map(shown.map(([key], i) => [key, labels[i]]));
  return {
    kind: "heatmap",
    x,
    y,
    panelNames: rest,
    labels,
    panelOf: (r) => labelOf.get(keyOf(r)),
    totalPanels: ordered.length,
  };
}

function paramTable(input: ReportInput, axes: Map<string, Axis>, plan: Plan): string {
  const role = (name: string): string => {
    if (plan.kind === "none") return "";
    if (plan.x === name) return "x axis";
    if (plan.kind !== "line" && plan.y === name) return "y axis";
    if (plan.kind === "heatmap" && plan.panelNames.includes(name)) return "panels";
    return axes.get(name)!.values.length > 1 ? "not shown" : "constant";
  };
  const rowsHtml = input.paramNames.map((name) => {
    const axis = axes.get(name)!;
    const v = axis.values;
    const spacing = axis.spacing === "single" ? "—" : axis.spacing;
    return `<tr><th scope="row">${escapeHtml(name)}</th><td class="num">${v.length}</td>` +
      `<td class="num">${formatStat(v.length ? v[0] : NaN)}</td>` +
      `<td class="num">${formatStat(v.length ? v[v.length - 1] : NaN)}</td>` +
      `<td>${spacing}</td><td>${role(name)}</td></tr>`;
  });
  if (rowsHtml.length === 0) return "";
  return `<section><h2>Parameters</h2><div class="scroll"><table>
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

function statsTable(names: string[], stats: OutputStats[], linked: boolean): string {
  if (names.length === 0) return "";
  // A "no value" column only when some successful row has a NaN or infinite output.
  const noValue = stats.some((s) => s.noValue > 0);
  const head = `<tr><th>output</th><th class="num">count</th><th class="num">failed</th>${
    noValue ? `<th class="num">no value</th>` : ""
  }${STAT_COLUMNS.map(([, label]) => `<th class="num">${label}</th>`).join("")}</tr>`;
  const body = names.map((name, i) => {
    const s = stats[i];
    const label = linked ? `<a href="#chart-${i}">${escapeHtml(name)}</a>` : escapeHtml(name);
    return `<tr><th scope="row">${label}</th>` +
      `<td class="num">${s.count}</td>` +
      `<td class="num${s.failed > 0 ? " bad" : ""}">${s.failed}</td>` +
      (noValue ? `<td class="num">${s.noValue}</td>` : "") +
      STAT_COLUMNS.map(([key]) => `<td class="num">${formatStat(s[key])}</td>`).join("") +
      "</tr>";
  });
  return `<section><h2>Outputs</h2>
<p class="note">Statistics over the successful rows with a finite value (count); percentiles interpolate linearly; std is the sample standard deviation.</p>
<div class="scroll"><table>
<thead>${head}</thead>
<tbody>
${body.join("\n")}
</tbody></table></div></section>`;
}

/** Most failed points listed, and most distinct messages. */
const MAX_FAILED_LISTED = 20;
const MAX_MESSAGES = 10;

/** The failed points (the first few) and, where the file kept them, their messages by count. */
function failuresSection(input: ReportInput, failedRows: number): string {
  const { success, errors, paramNames, params } = input;
  const point = (r: number): string =>
    paramNames.map((n) => `${escapeHtml(n)} = ${formatStat(params[n][r])}`).join(", ");
  const message = (r: number): string => {
    const text = errors?.[r] ?? "";
    // Stack traces and long model dumps would swamp the table: the first line, shortened.
    const first = text.split("\n", 1)[0];
    return first.length > 240 ? `${first.slice(0, 239)}…` : first;
  };
  const parts: string[] = [`<section><h2>Failures</h2>`];
  const failed: number[] = [];
  for (let r = 0; r < success.length; r++) if (!success[r]) failed.push(r);
  const hasMessages = failed.some((r) => errors?.[r] !== undefined);
  if (hasMessages) {
    const byMessage = new Map<string, number[]>();
    for (const r of failed) {
      const m = message(r);
      const rows = byMessage.get(m);
      if (rows) rows.push(r);
      else byMessage.set(m, [r]);
    }
    const top = [...byMessage.entries()].sort((a, b) => b[1].length - a[1].length);
    parts.push(`<div class="scroll"><table>
<thead><tr><th>message</th><th class="num">rows</th><th>first point</th></tr></thead>
<tbody>
${
      top.slice(0, MAX_MESSAGES).map(([m, rows]) =>
        `<tr><td class="wrap">${m ? escapeHtml(m) : `<span class="muted">no message</span>`}</td>` +
        `<td class="num">${rows.length}</td><td>${point(rows[0])}</td></tr>`
      ).join("\n")
    }
</tbody></table></div>`);
    if (top.length > MAX_MESSAGES) {
      parts.push(
        `<p class="note">The ${MAX_MESSAGES} most frequent of ${top.length} messages.</p>`,
      );
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
        }${hasMessages ? `<td class="wrap">${escapeHtml(message(r))}</td>` : ""}</tr>`
      ).join("\n")
    }
</tbody></table></div></section>`,
  );
  return parts.join("\n");
}

async function chartsSection(
  input: ReportInput,
  plan: Plan,
  stats: OutputStats[],
): Promise<string> {
  if (input.outputNames.length === 0) return "";
  if (plan.kind === "none") {
    const why = input.success.length === 0 ? "There are no rows" : "No parameter varies";
    return `<section><h2>Charts</h2><p class="note">${why}, so there is nothing to chart.</p></section>`;
  }
  // Lines and scatters draw one mark per row: past MAX_POINTS rows, every step-th row is drawn,
  // so that a page of a million rows stays a page (the statistics above cover every row).
  // Failed rows are drawn whatever the step (their marks are counted in each chart's key),
  // up to MAX_POINTS of them too.
  const rows = input.success.length;
  const step = plan.kind === "heatmap" ? 1 : Math.ceil(rows / MAX_POINTS);
  let failedRows = 0;
  for (let i = 0; i < rows; i++) if (!input.success[i]) failedRows++;
  const failStep = Math.max(1, Math.ceil(failedRows / MAX_POINTS));
  const kept: number[] = [];
  if (step > 1) {
    for (let i = 0, f = 0; i < rows; i++) {
      if (!input.success[i] ? f++ % failStep === 0 : i % step === 0) kept.push(i);
    }
  }
  const every = <T extends Float64Array | Uint8Array>(a: T): T => {
    if (step === 1) return a;
    const out = new (a.constructor as new (n: number) => T)(kept.length);
    kept.forEach((row, k) => (out[k] = a[row]));
    return out;
  };
  const p = Object.fromEntries(Object.entries(input.params).map(([n, a]) => [n, every(a)]));
  const success = every(input.success);
  let note: string;
  if (plan.kind === "line") {
    note = `Each output against ${escapeHtml(plan.x)}.`;
  } else if (plan.kind === "scatter") {
    note = `Each output over ${escapeHtml(plan.x)} and ${
      escapeHtml(plan.y)
    } (the points are not on a grid), colored by its value.`;
  } else {
    note = `Each output over ${escapeHtml(plan.x)} and ${escapeHtml(plan.y)}, one cell per point.`;
    if (plan.panelNames.length > 0) {
      note += ` One panel per value of ${plan.panelNames.map(escapeHtml).join(", ")}${
        plan.totalPanels > plan.labels.length
          ? `: the first ${plan.labels.length} of ${plan.totalPanels} panels are shown`
          : ""
      }.`;
    }
  }
  if (step > 1) {
    note += ` Of the ${rows} points, one in ${step} is drawn${
      failedRows === 0
        ? ""
        : failStep > 1
        ? `, and one failed point in ${failStep}`
        : ", and every failed one"
    }.`;
  }
  const figures: string[] = [];
  for (let i = 0; i < input.outputNames.length; i++) {
    const name = input.outputNames[i];
    const v = every(input.outputs[name]);
    let spec: ChartSpec;
    if (plan.kind === "line") {
      const x = p[plan.x];
      spec = lineSpec({
        paramName: plan.x,
        axis: axisOf(x),
        x,
        outputName: name,
        y: v,
        success,
      });
    } else {
      const [x, y] = [p[plan.x], p[plan.y]];
      const plane: PlaneData = {
        names: [plan.x, plan.y],
        axes: [axisOf(x), axisOf(y)],
        x,
        y,
        outputName: name,
        v,
        success,
      };
      if (plan.kind === "scatter") {
        spec = scatterSpec(plane);
      } else {
        const panels = plan.panelNames.length > 0
          ? { labels: plan.labels, of: plan.panelOf }
          : undefined;
        spec = heatmapSpec(plane, panels);
      }
    }
    const svg = await renderSvg(spec, `c${i}-`);
    const s = stats[i];
    const keys: string[] = [];
    if (s.failed > 0) keys.push(`<span class="x">×</span> failed (${s.failed})`);
    if (s.noValue > 0) {
      keys.push(
        plan.kind === "heatmap"
          ? `<span class="swatch"></span> no value (${s.noValue})`
          : `no value (${s.noValue})`,
      );
    }
    const wide = plan.kind === "heatmap" && plan.panelNames.length > 0 ? ` class="wide"` : "";
    figures.push(
      `<figure id="chart-${i}"${wide}><figcaption><h3>${escapeHtml(name)}</h3>${
        keys.length ? `<span class="key">${keys.join(" · ")}</span>` : ""
      }</figcaption>
${svg}
</figure>`,
    );
  }
  return `<section><h2>Charts</h2><p class="note">${note}</p><div class="figs">
${figures.join("\n")}
</div></section>`;
}

/**
 * Reads a results file (CSV or JSON Lines, see {@linkcode readResults}) and writes its report
 * as an HTML file, by default next to it with the extension `.html` (`results.csv` gives
 * `results.html`).
 *
 * @param csvPath The results file (`.csv`, or `.jsonl` / `.ndjson` for JSON Lines).
 * @param htmlPath Where to write the page. @default {csvPath with its extension replaced by .html}
 * @param options Whether to replace an existing file, the title and the parameter names.
 * @returns The path of the HTML file written.
 * @throws {Deno.errors.AlreadyExists} When the HTML file exists and `overwrite` is not set.
 * @throws {Deno.errors.NotFound} When the results file does not exist.
 * @throws {SyntaxError} When the results file or its metadata file cannot be read.
 */
/** Where the report of a results file goes by default: beside it, with `.html` for its extension. */
export function reportPath(resultsPath: string): string {
  return formatOfPath(resultsPath) !== undefined
    ? resultsPath.replace(/\.[^.]+$/, ".html")
    : `${resultsPath}.html`;
}

export async function writeReport(
  csvPath: string,
  htmlPath?: string,
  options: WriteReportOptions = {},
): Promise<string> {
  const out = htmlPath ?? reportPath(csvPath);
  if (!options.overwrite) {
    // Fail before the work of rendering, and again at the write (createNew) in case of a race.
    if (await pathExists(out)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write report as ${
          JSON.stringify(out)
        } exists: pass { overwrite: true } to replace it`,
      );
    }
  }
  const input = await readResults(csvPath, options);
  input.title = options.title ?? `Parameter sweep report: ${basename(csvPath)}`;
  const html = await renderReport(input);
  try {
    await Deno.writeTextFile(out, html, options.overwrite ? {} : { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write report as ${
          JSON.stringify(out)
        } exists: pass { overwrite: true } to replace it`,
      );
    }
    throw error;
  }
  return out;
}
