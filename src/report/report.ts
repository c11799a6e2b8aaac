/**
 * Reports of parameter sweeps: one self-contained, interactive HTML page per results file (or
 * per {@linkcode SweepResult}), written by {@linkcode writeReport} and by `psweep report`.
 *
 * One concept, though long: the report's public API (reading any results file into a
 * {@linkcode ReportInput}, rendering and writing the page) and its documentation; the page's
 * parts are in `_page.ts`, `_client.ts`, `_data.ts`, `_insight.ts`, `_stats.ts`, `_read.ts`.
 *
 * ## The page
 *
 * - Settings (from the metadata file `<results>.meta.json`, when there is one), the parameters
 *   (distinct values, range, spacing, how the charts bin them) and per-output statistics with
 *   the colour scale chosen for each.
 * - Overview: a chart per output over the two parameters with the strongest effect (a line
 *   chart for one varying parameter). Grid sweeps are drawn as grids of any size: past about
 *   one cell per pixel, neighbouring values are merged and each cell shows the mean of its rows.
 * - Explore: any parameter or output on either axis and as the colour, the other parameters
 *   sliced at a value or averaged over, cells (means of every row) or points (a sample of rows),
 *   failed points shown or hidden, and every point's or cell's values on hover.
 * - Sensitivity: Spearman's rank correlation and standardized rank regression coefficients of
 *   every output with every parameter, as a table and bar charts.
 * - Trade-offs: one output against another with the non-dominated points ringed.
 * - Differential sweeps: each perturbed row's outputs against its nominal point's.
 * - Failure map: the failure share over the parameters that best separate failed from
 *   successful points, with the boundary drawn; failures grouped by message with numbers
 *   masked, with counts and an example each.
 *
 * Colour scales are chosen from the data: log when positive values span decades and are skewed,
 * quantile when a few extreme values would wash out the rest, linear otherwise; the page names
 * the scale and why. Everything a chart needs is computed here, on every row, and written into
 * the page in aggregated form (a cube of cell means within a fixed budget of cells, and a sample
 * of rows for scatter plots), so a million-row sweep makes a page of about 6 MB whatever its
 * number of rows (times in the README's benchmarks). The page's one script is inline and allowed by its hash; its
 * Content-Security-Policy forbids every request, so it works offline, by e-mail and from a file.
 *
 * @module
 */

import { pathExists } from "../io/_fs.ts";
import { formatOfPath, type ResultsFormatName } from "../io/_formats.ts";
import { readColumnar } from "./_formats.ts";
import { readSweepMeta, type SweepMeta } from "../io/sweep_meta.ts";
import type { SweepResult } from "../sweep/sweep_result.ts";
import { renderPage } from "./_page.ts";
import { csvColumnNames } from "../io/_rows.ts";
import {
  type ColumnNames,
  DIFF_COLUMNS,
  inferParams,
  readCsvHeader,
  readTable,
  type ResultsTable,
} from "./_read.ts";

/**
 * The data of a report: a sweep's columns and, optionally, its settings and a title.
 *
 * @example A report of columns made by hand
 * ```ts
 * import { renderReport, type ReportInput } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const input: ReportInput = {
 *   paramNames: ["a", "b"],
 *   outputNames: ["y"],
 *   params: { a: Float64Array.of(1, 1, 2, 2), b: Float64Array.of(1, 2, 1, 2) },
 *   outputs: { y: Float64Array.of(2, 3, 3, NaN) },
 *   success: Uint8Array.of(1, 1, 1, 0),
 *   errors: [undefined, undefined, undefined, "no solution at a = 2, b = 2"],
 *   title: "Two parameters",
 * };
 * assert.match(await renderReport(input), /<title>Two parameters<\/title>/);
 * ```
 */
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
  /** Differential sweeps: a nominal row's own index, NaN for perturbation rows. */
  nominalIndex?: Float64Array;
  /** Differential sweeps: the nominal row a perturbation row perturbs, NaN for nominal rows. */
  differentialIndex?: Float64Array;
}

/**
 * Options of {@linkcode readResultsCsv} and {@linkcode readResults}.
 *
 * @example Naming the parameter columns of a CSV without its metadata file
 * ```ts
 * import { readResults, type ReadResultsOptions } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/r.csv`, "a,b,y,success\n0.3,0.9,1.2,true\n0.7,0.1,0.8,true\n");
 * const options: ReadResultsOptions = { paramNames: ["a", "b"] };
 * const input = await readResults(`${dir}/r.csv`, options);
 * assert.deepEqual([input.paramNames, input.outputNames], [["a", "b"], ["y"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ReadResultsOptions {
  /**
   * Names of the parameter columns; the file's other columns (but `success` and a
   * differential sweep's index columns) are outputs. Overrides the metadata file and the
   * inference.
   */
  paramNames?: string[];
}

/**
 * Options of {@linkcode writeReport}.
 *
 * @example Replacing a page, with a title
 * ```ts
 * import { writeReport, type WriteReportOptions } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/r.csv`, "x,y,success\n1,2,true\n2,4,true\n3,,false\n");
 * const options: WriteReportOptions = { overwrite: true, title: "Doubling" };
 * const page = await writeReport(`${dir}/r.csv`, undefined, options);
 * assert.equal(page, `${dir}/r.html`);
 * assert.match(await Deno.readTextFile(page), /<title>Doubling<\/title>/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
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
 * fields, such as `model`, `seed` and `params`, become the settings); else inference, which the
 * settings then describe. Columns named `nominalIndex` and `differentialIndex` (or WaterTAP's
 * `nominal_idx` and `differential_idx`) are a differential sweep's index columns, wherever they
 * are. The parameters are leading columns without NaN, leaving at least one output: when some
 * rows failed, exactly those before the first column that is blank (NaN) on every failed row;
 * else the shortest run that tells every row apart when it makes a full grid; else (random
 * samples) the leading columns that are independent of one another (rank correlation within
 * noise), since outputs depend on the parameters. Extra columns (named by the metadata file)
 * are left out.
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
    checkNames(known, names, path);
    settings["parameter columns"] = "as given";
  } else if (meta !== undefined) {
    extraNames = meta.extraNames ?? [];
    const expected = csvColumnNames({
      extraNames,
      paramNames: meta.paramNames,
      outputNames: meta.outputNames,
    }).slice(0, -1);
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
  }
  // Parameters known to lead are read as such (a blank cell in them is an error); otherwise
  // every column is read as an output, and split once the parameters are known.
  const rest = names.slice(extraNames.length);
  const lead = known?.every((name, i) => rest[i] === name) ? known.length : 0;
  const table = await readTable(path, "csv", {
    extraNames,
    paramNames: rest.slice(0, lead),
    // As the header spells them (readTable maps `outputs.<name>` to its output).
    outputNames: rest.slice(lead),
  }, header.alone);
  let diffNames: string[] = [];
  if (known === undefined) {
    // Without a metadata file, a differential sweep's index columns are found by their names.
    diffNames = DIFF_COLUMNS.find(([a, b]) => names.includes(a) && names.includes(b)) ?? [];
    const candidates = names.filter((n) => !diffNames.includes(n));
    let columns = candidates.map((name) => table.columns.get(name)!);
    let success = table.success;
    if (diffNames.length === 2) {
      // A differential sweep's nominal rows are the sweep it perturbs: infer from them alone.
      const nominal = table.columns.get(diffNames[0])!;
      const rows: number[] = [];
      nominal.forEach((v, r) => Number.isFinite(v) && rows.push(r));
      columns = columns.map((c) => Float64Array.from(rows, (r) => c[r]));
      success = Uint8Array.from(rows, (r) => table.success[r]);
    }
    const inferred = inferParams(columns, success);
    known = candidates.slice(0, inferred.count);
    settings["parameter columns"] =
      `inferred (no metadata file): ${inferred.why}; name them with --params (paramNames) if this is wrong`;
  } else {
    // The metadata file's extra columns, or (parameters given by name) the header's columns.
    const pool = meta !== undefined && options.paramNames === undefined
      ? extraNames
      : names.filter((n) => !known!.includes(n));
    diffNames = DIFF_COLUMNS.find(([a, b]) => pool.includes(a) && pool.includes(b)) ?? [];
  }
  const paramNames = known;
  const outputNames = names.filter((n) =>
    !extraNames.includes(n) && !paramNames.includes(n) && !diffNames.includes(n)
  );
  if (table.partial) settings["last line"] = PARTIAL;
  const input: ReportInput = {
    paramNames,
    outputNames,
    params: pick(table, paramNames),
    outputs: pick(table, outputNames),
    success: table.success,
    settings: { ...settings, ...metaSettings(meta) },
  };
  if (diffNames.length === 2) {
    input.nominalIndex = table.columns.get(diffNames[0]);
    input.differentialIndex = table.columns.get(diffNames[1]);
  }
  return input;
}

/**
 * Reads a results file by its extension: JSON Lines for
 * `.jsonl` and `.ndjson` (one object per row with its `params`, `outputs`, `success` and
 * optional `error`, as psweep writes them; the error messages are kept for the page's table of
 * failures); Arrow IPC streams (`.arrow`), HDF5 (`.h5`, WaterTAP's layout) and Parquet
 * (`.parquet`) as psweep writes them, which name their columns; else CSV as
 * {@linkcode readResultsCsv} reads it. The metadata file `<path>.meta.json`, when there is one,
 * gives the settings either way, and the column names of a file that names its own columns
 * (which must then have them). For those, `options.paramNames` regroups the file's columns.
 *
 * @param path The results file.
 * @param options Explicit parameter names.
 * @returns The columns, with the file name and metadata as settings and no title.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {SyntaxError} When the file is not a results file, or its metadata file is not one.
 * @throws {Error} When the metadata file or `paramNames` do not match the file's columns.
 *
 * @example A JSON Lines file keeps its failures' messages
 * ```ts
 * import { readResults } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/r.jsonl`,
 *   '{"params":{"x":1},"outputs":{"y":2},"success":true}\n' +
 *     '{"params":{"x":2},"outputs":{"y":"NaN"},"success":false,"error":"diverged"}\n',
 * );
 * const input = await readResults(`${dir}/r.jsonl`);
 * assert.deepEqual([input.paramNames, input.outputNames], [["x"], ["y"]]);
 * assert.deepEqual(input.errors, [undefined, "diverged"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readResults(
  path: string,
  options: ReadResultsOptions = {},
): Promise<ReportInput> {
  return await READERS[formatOfPath(path) ?? "csv"](path, options);
}

/** A reader of one results format. */
type ResultReader = (path: string, options: ReadResultsOptions) => Promise<ReportInput>;

/**
 * The report's reader of each results format, chosen by the file's extension (files of any
 * other extension are read as CSV). A new format is one entry here with a function that
 * returns its columns as a {@linkcode ReportInput}; formats whose files name their own columns
 * share {@linkcode readNamedColumns}.
 */
const READERS: Record<ResultsFormatName, ResultReader> = {
  csv: readResultsCsv,
  jsonl: (path, options) =>
    readNamedColumns(path, options, (names) => readTable(path, "jsonl", names)),
  arrow: (path, options) =>
    readNamedColumns(path, options, (names) => readColumnar(path, "arrow", names)),
  h5: (path, options) =>
    readNamedColumns(path, options, (names) => readColumnar(path, "h5", names)),
  parquet: (path, options) =>
    readNamedColumns(path, options, (names) => readColumnar(path, "parquet", names)),
};

/**
 * Reads a format whose files name their own columns (JSON Lines, Arrow, HDF5, Parquet), the
 * metadata file's names checked against them when there is one.
 */
async function readNamedColumns(
  path: string,
  options: ReadResultsOptions,
  read: (names: ColumnNames) => Promise<ResultsTable>,
): Promise<ReportInput> {
  const meta = await readMeta(path);
  const table = await read(
    meta === undefined ? {} : {
      extraNames: meta.extraNames ?? [],
      paramNames: meta.paramNames,
      outputNames: meta.outputNames,
    },
  );
  let { paramNames, outputNames } = table;
  if (options.paramNames !== undefined) {
    // Named parameters regroup the file's columns: the others are outputs.
    const all = [...paramNames, ...outputNames];
    checkNames(options.paramNames, all, path);
    paramNames = [...options.paramNames];
    outputNames = all.filter((n) => !paramNames.includes(n));
  }
  const input: ReportInput = {
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
  const diff = DIFF_COLUMNS.find(([n, d]) => table.columns.has(n) && table.columns.has(d));
  if (diff) {
    input.nominalIndex = table.columns.get(diff[0]);
    input.differentialIndex = table.columns.get(diff[1]);
  }
  return input;
}

function checkNames(given: readonly string[], names: readonly string[], path: string): void {
  for (const name of given) {
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
}

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
 * Renders a sweep's report as one self-contained HTML page (see the module documentation for
 * what it shows): the tables as HTML, the charts drawn by one inline script from aggregated
 * data, nothing loaded.
 *
 * @param input The sweep's columns, settings and title.
 * @returns The HTML text of the page.
 * @throws {TypeError} When `input` lacks a column it names, or a column is of the wrong type.
 * @throws {RangeError} When the columns are not all as long as `success`, or a name repeats.
 *
 * @example A one-parameter sweep
 * ```ts
 * import { renderReport } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const html = await renderReport({
 *   paramNames: ["x"],
 *   outputNames: ["y"],
 *   params: { x: Float64Array.of(1, 2, 3) },
 *   outputs: { y: Float64Array.of(1, 4, NaN) },
 *   success: Uint8Array.of(1, 1, 0),
 * });
 * assert.match(html, /^<!doctype html>/);
 * assert.match(html, /<b>1<\/b><span>failed/);
 * ```
 */
export async function renderReport(input: ReportInput): Promise<string> {
  checkInput(input);
  for (const key of ["nominalIndex", "differentialIndex"] as const) {
    const column = input[key];
    if (
      column !== undefined &&
      (!(column instanceof Float64Array) || column.length !== input.success.length)
    ) {
      throw new TypeError(
        `Cannot render report as 'input.${key}' must be a Float64Array with one value per row`,
      );
    }
  }
  return await renderPage(input);
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

/** Where the report of a results file goes by default: beside it, with `.html` for its extension. */
export function reportPath(resultsPath: string): string {
  return formatOfPath(resultsPath) !== undefined
    ? resultsPath.replace(/\.[^.]+$/, ".html")
    : `${resultsPath}.html`;
}

/** The report's columns of a sweep's result (its seed and counts as settings). */
function resultInput(result: SweepResult): ReportInput {
  if (typeof result !== "object" || result === null || !(result.success instanceof Uint8Array)) {
    throw new TypeError(
      "Cannot write report as 'source' must be a results file's path or a SweepResult",
    );
  }
  const errors: (string | undefined)[] = new Array(result.success.length);
  for (const [row, message] of result.errors ?? []) errors[row] = message;
  const settings: Record<string, unknown> = {};
  if (result.seed !== undefined) settings.seed = result.seed;
  if (result.stats !== undefined) {
    settings["elapsed"] = `${Math.round(result.stats.elapsedMs)} ms`;
    if (result.stats.resumed) settings["resumed rows"] = result.stats.resumed;
  }
  return {
    paramNames: [...result.paramNames],
    outputNames: [...result.outputNames],
    params: { ...result.params },
    outputs: { ...result.outputs },
    success: result.success,
    errors,
    settings,
    nominalIndex: result.nominalIndex,
    differentialIndex: result.differentialIndex,
  };
}

/**
 * Writes a sweep's report as one self-contained HTML file: from a results file (CSV, JSON
 * Lines, Arrow, HDF5 or Parquet, see {@linkcode readResults}), by default next to it with the extension `.html`
 * (`results.csv` gives `results.html`), or from a {@linkcode SweepResult} in memory, to the
 * path given.
 *
 * @param source The results file (`.csv`, `.jsonl` / `.ndjson`, `.arrow`, `.h5` or `.parquet`), or a sweep's result.
 * @param htmlPath Where to write the page; required for a result. @default {the results file's path with its extension replaced by .html}
 * @param options Whether to replace an existing file, the title and the parameter names.
 * @returns The path of the HTML file written.
 * @throws {Deno.errors.AlreadyExists} When the HTML file exists and `overwrite` is not set.
 * @throws {Deno.errors.NotFound} When the results file does not exist.
 * @throws {SyntaxError} When the results file or its metadata file cannot be read.
 * @throws {TypeError} When `source` is neither, or a result comes without `htmlPath`.
 *
 * @example From a sweep's result
 * ```ts
 * import { linearSample, parameterSweep } from "@x/psweep";
 * import { writeReport } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(new Blob(
 *   ["export const evaluate = (_, p) => ({ y: p.a * p.b });"],
 *   { type: "text/javascript" },
 * ));
 * const result = await parameterSweep({
 *   model, params: { a: linearSample(0, 1, 5), b: linearSample(1, 2, 4) }, workers: 1,
 * });
 * const dir = await Deno.makeTempDir();
 * const page = await writeReport(result, `${dir}/report.html`);
 * assert.match(await Deno.readTextFile(page), /<title>Parameter sweep report<\/title>/);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 */
export async function writeReport(
  source: string | SweepResult,
  htmlPath?: string,
  options: WriteReportOptions = {},
): Promise<string> {
  const fromFile = typeof source === "string";
  if (!fromFile && htmlPath === undefined) {
    throw new TypeError(
      "Cannot write report as 'htmlPath' must be given for a SweepResult: there is no results file to write it beside",
    );
  }
  const out = htmlPath ?? reportPath(source as string);
  if ((await Deno.stat(out).catch(() => undefined))?.isDirectory) {
    throw new Deno.errors.IsADirectory(
      `Cannot write report as ${
        JSON.stringify(out)
      } is a directory: name the page's file (report.html, say)`,
    );
  }
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
  let input: ReportInput;
  if (fromFile) {
    input = await readResults(source, options);
    input.title = options.title ?? `Parameter sweep report: ${basename(source)}`;
  } else {
    input = resultInput(source);
    if (options.paramNames !== undefined) {
      throw new TypeError(
        "Cannot write report as 'paramNames' applies to results files only: a SweepResult names its own",
      );
    }
    input.title = options.title ?? "Parameter sweep report";
  }
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
