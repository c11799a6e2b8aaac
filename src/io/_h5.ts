// Internal: results as HDF5 (`.h5`) in WaterTAP's layout, through `h5wasm` (its Node entry,
// which reads and writes real files; it needs --allow-read, --allow-write and --allow-env).
//
// Layout, as WaterTAP's `ParameterSweepWriter` writes it and its tests' `_read_output_h5` read it:
//   sweep_params/<name>/value              float64, one value per row
//   outputs/<name>/value                   float64 (NaN where a row failed or lacks it)
//   {sweep_params,outputs}/<name>/full_name    scalar UTF-8 string: the name
//   {sweep_params,outputs}/<name>/units        scalar UTF-8 string: "None"
//   {sweep_params,outputs}/<name>/lower bound  scalar float64: -DBL_MAX (numpy's finfo("d").min)
//   {sweep_params,outputs}/<name>/upper bound  scalar float64: DBL_MAX
//   solve_successful/solve_successful      uint8 (HDF5 has no bool in h5wasm: 1 = success)
//   nominal_idx/nominal_idx                float64, differential sweeps (extra column nominalIndex)
//   differential_idx/differential_idx      float64, (extra column differentialIndex)
//   <name>/<name>                          float64, any other extra column
// The four scalars are what WaterTAP writes beside `value` for each Pyomo component: its name,
// its units' name and its variable bounds. psweep's model is a function, so it knows no units
// and no variable bounds: it writes WaterTAP's own placeholders for an unbounded component
// without units ("None" and ±DBL_MAX), never the sampler's range, which is not the variable's
// bound. The strings are variable-length UTF-8, as h5py writes a Python str, so WaterTAP's
// reader `.decode("utf-8")`s them.
// The root attribute `psweep` holds the names by group as JSON, in column order (HDF5 lists a
// group's members by name, not in the order they were made).
//
// Datasets are extendable (`maxshape: [null]`): rows are buffered and appended every 65,536
// rows or 250 ms, whichever comes first, each append followed by a flush, so that `kill -9` leaves a file h5py
// reads with every flushed row (measured: 22 of 22; without flushes 4 of 4 were corrupt). A
// crash between two datasets' appends leaves them of different lengths: readers take the
// shortest, and a resume cuts the others to it.

import h5wasm from "npm:h5wasm@0.10.3/node";
import { dirname, resolve } from "node:path";
import { describe } from "../_describe.ts";
import { RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { pathExists, syncDirectory, temporaryPath } from "./_fs.ts";
import { checkBatch, type NormalizedHeader, normalizeHeader } from "./_rows.ts";
import {
  checkColumnGroups,
  type ColumnBatch,
  columnsOf,
  type OpenResultsOptions,
  type ResultsFormatModule,
  type ResultsWriter,
  rowsOf,
} from "./_results_format.ts";
import type { ReadRowsOptions, ReadRowsResult } from "./read_rows.ts";
import type { RowBatch, RowHeader, RowTable } from "./row_types.ts";
import type { WrittenBlock } from "./row_writer.ts";

// Rows buffered before an append, the longest a row waits, and the datasets' chunk length: see
// src/_defaults.ts for why.
const {
  flushRows: FLUSH_ROWS,
  flushMs: FLUSH_MS,
  chunkRows: CHUNK_ROWS,
  minChunkRows: MIN_CHUNK_ROWS,
  chunkBudget: CHUNK_BUDGET,
  reorderWholeRows: REORDER_WHOLE_ROWS,
  flushSpacing: FLUSH_SPACING,
  flushBytes: FLUSH_BYTES,
} = RESULTS_FILE_DEFAULTS.h5;
const META_ATTRIBUTE = "psweep";
const SUCCESS = "solve_successful/solve_successful";
// WaterTAP's placeholders for a component with no units and no bounds (see the module comment).
const UNKNOWN_UNITS = "None";
const UNKNOWN_BOUNDS = { "lower bound": -Number.MAX_VALUE, "upper bound": Number.MAX_VALUE };

/** The dataset path of an extra column (WaterTAP's names for the differential indices). */
function extraPath(name: string): string {
  const group = name === "nominalIndex"
    ? "nominal_idx"
    : name === "differentialIndex"
    ? "differential_idx"
    : name;
  return `${group}/${group}`;
}

/** Every dataset of a header, in column order, then the success dataset. */
function datasetPaths(header: NormalizedHeader): string[] {
  return [
    ...header.extraNames.map(extraPath),
    ...header.paramNames.map((n) => `sweep_params/${n}/value`),
    ...header.outputNames.map((n) => `outputs/${n}/value`),
    SUCCESS,
  ];
}

function checkH5Names(header: NormalizedHeader, path: string): void {
  const all = [...header.extraNames, ...header.paramNames, ...header.outputNames];
  for (const name of all) {
    // HDF5 names are C strings: one with a NUL would be cut there, and could collide.
    if (name.includes("/") || name.includes("\0") || name === "." || name === "..") {
      throw new TypeError(
        `Cannot write results to ${describe(path)} as HDF5 cannot name a group ${
          describe(name)
        }: a name must not contain '/' or a NUL character, or be '.' or '..'`,
      );
    }
  }
  const reserved = ["sweep_params", "outputs", "solve_successful"];
  for (const name of header.extraNames) {
    if (reserved.includes(extraPath(name).split("/")[0])) {
      throw new TypeError(
        `Cannot write results to ${describe(path)} as the extra column ${
          describe(name)
        } would take the place of WaterTAP's group of that name`,
      );
    }
  }
}

function metaText(header: NormalizedHeader): string {
  return JSON.stringify({
    extraNames: header.extraNames,
    paramNames: header.paramNames,
    outputNames: header.outputNames,
  });
}

let ready: Promise<void> | undefined;
async function loadH5(): Promise<void> {
  // HDF5's errors thrown with their text, rather than printed to stderr.
  ready ??= h5wasm.ready.then((module) => void module.activate_throwing_error_handler());
  await ready;
}

/** Opens an HDF5 file, or says plainly why HDF5 cannot. */
function openFile(full: string, mode: "r" | "a" | "w", path: string, action: string): H5File {
  try {
    return new h5wasm.File(full, mode);
  } catch (error) {
    throw new SyntaxError(
      `Cannot ${action} as HDF5 cannot open ${describe(path)}: ${hdf5Why(error)}`,
      { cause: error },
    );
  }
}

// The first line of HDF5's own account of an error that says what failed (its message is a
// stack of dozens of lines).
function hdf5Why(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  return /in \w+\(\): (.+)/.exec(text)?.[1] ?? text.split("\n")[0];
}

// An error met reading a file HDF5 opened: psweep's own messages as they are, HDF5's named.
function unreadable(error: unknown, action: string, path: string): unknown {
  if (error instanceof Error && error.message.startsWith("Cannot ")) return error;
  return new SyntaxError(
    `Cannot ${action} as HDF5 cannot read ${
      describe(path)
    } (cut by a crash, or not a results file): ${hdf5Why(error)}`,
    { cause: error },
  );
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** Creates the groups and empty (or given) datasets of a header in a new file. */
function createLayout(
  file: H5File,
  header: NormalizedHeader,
  columns?: readonly Float64Array[],
  success?: Uint8Array,
): void {
  file.create_attribute(META_ATTRIBUTE, metaText(header));
  const paths = datasetPaths(header);
  // HDF5 stores whole chunks, even for the first rows: a file's chunks together hold at most
  // CHUNK_BUDGET bytes, so that a model of a thousand outputs does not make a 300-row sweep a
  // file of 130 MB.
  const chunkRows = Math.max(
    MIN_CHUNK_ROWS,
    Math.min(CHUNK_ROWS, Math.floor(CHUNK_BUDGET / (8 * paths.length))),
  );
  paths.forEach((path, i) => {
    const parts = path.split("/");
    let group = file as unknown as InstanceType<typeof h5wasm.Group>;
    for (const part of parts.slice(0, -1)) {
      const found = group.get(part);
      group = (found ?? group.create_group(part)) as InstanceType<typeof h5wasm.Group>;
    }
    const isSuccess = path === SUCCESS;
    const data = isSuccess ? (success ?? new Uint8Array(0)) : (columns?.[i] ?? new Float64Array(0));
    group.create_dataset({
      name: parts[parts.length - 1],
      data,
      shape: [data.length],
      maxshape: [null],
      chunks: [chunkRows],
      dtype: isSuccess ? "<B" : "<d",
    });
  });
  addComponentScalars(file, header);
}

/**
 * Adds WaterTAP's scalar datasets beside each `value` (see the module comment) where they are
 * missing: a new file gets all of them, a file being resumed keeps what it has.
 */
function addComponentScalars(file: H5File, header: NormalizedHeader): void {
  const groups = [
    ...header.paramNames.map((n) => ["sweep_params", n]),
    ...header.outputNames.map((n) => ["outputs", n]),
  ];
  for (const [parent, name] of groups) {
    const group = file.get(`${parent}/${name}`) as InstanceType<typeof h5wasm.Group>;
    const missing = (key: string) => group.get(key) === null;
    if (missing("full_name")) group.create_dataset({ name: "full_name", data: name });
    if (missing("units")) group.create_dataset({ name: "units", data: UNKNOWN_UNITS });
    for (const [key, bound] of Object.entries(UNKNOWN_BOUNDS)) {
      // Typed and shaped explicitly: h5wasm guesses an integral number (as DBL_MAX is) to be int32.
      if (missing(key)) {
        group.create_dataset({
          name: key,
          data: new Float64Array([bound]),
          shape: [],
          dtype: "<d",
        });
      }
    }
  }
}

function readMeta(file: H5File, path: string): NormalizedHeader {
  const attribute = file.attrs[META_ATTRIBUTE];
  if (attribute !== undefined) {
    const parsed = JSON.parse(String(attribute.value));
    return {
      extraNames: parsed.extraNames ?? [],
      paramNames: parsed.paramNames,
      outputNames: parsed.outputNames,
    };
  }
  // A WaterTAP file: its groups, in HDF5's order (by name).
  const keys = (group: string) => {
    const g = file.get(group) as InstanceType<typeof h5wasm.Group> | null;
    return g ? g.keys() : [];
  };
  if (file.get(SUCCESS) === null) {
    throw new SyntaxError(
      `Cannot read results file ${describe(path)} as it has no ${describe(SUCCESS)} dataset`,
    );
  }
  return {
    extraNames: [
      ...(file.get("nominal_idx/nominal_idx") ? ["nominalIndex"] : []),
      ...(file.get("differential_idx/differential_idx") ? ["differentialIndex"] : []),
    ],
    paramNames: keys("sweep_params"),
    outputNames: keys("outputs"),
  };
}

/** Streams rows to an HDF5 file, buffering them (see the module comment). */
class H5Writer implements ResultsWriter {
  readonly format = "h5" as const;
  readonly #datasets: H5Dataset[];
  #length: number;
  #rowsWritten = 0;
  // Buffered rows: columns in dataset order, and the promises of the writes they came in.
  #buffer: { columns: Float64Array[]; success: Uint8Array; rows: number }[] = [];
  #buffered = 0;
  #waiting: PromiseWithResolvers<void>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  // How long the last append took (ms): see writeColumns.
  #lastFlushMs = 0;
  // Rows buffered that make an append (FLUSH_ROWS, fewer for many outputs: see bufferBytes);
  // 1 once no more rows are coming (endOfRows).
  #flushAt: number;
  #failure: unknown = undefined;
  #closed = false;

  constructor(
    readonly path: string,
    readonly file: H5File,
    readonly header: NormalizedHeader,
    length: number,
    bufferBytes: number,
  ) {
    this.#datasets = datasetPaths(header).map((p) => file.get(p) as H5Dataset);
    this.#length = length;
    this.#flushAt = Math.max(
      1,
      Math.min(FLUSH_ROWS, Math.floor(bufferBytes / (8 * this.#datasets.length))),
    );
  }

  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  write(batch: RowBatch): Promise<WrittenBlock> {
    try {
      checkBatch(batch, this.header, "write rows");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.writeColumns(columnsOf(batch, this.header));
  }

  // Resolves, once appended, to where the rows lie: in HDF5, a range of the datasets' rows.
  writeColumns(batch: ColumnBatch): Promise<WrittenBlock> {
    if (this.#closed) {
      return Promise.reject(
        new Error(
          `Cannot write rows as the results file is closed: current value is ${
            describe(this.path)
          }`,
        ),
      );
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failed());
    // Appends go in the order rows are buffered: these land after what is appended or buffered.
    const block = { offset: this.#length + this.#buffered, bytes: batch.rows };
    if (batch.rows === 0) return Promise.resolve(block);
    // Copied now: the caller may reuse its arrays once this returns.
    this.#buffer.push({
      columns: [...batch.extra, ...batch.params, ...batch.outputs].map((c) =>
        c.slice(0, batch.rows)
      ),
      success: batch.success.slice(0, batch.rows),
      rows: batch.rows,
    });
    this.#buffered += batch.rows;
    const done = Promise.withResolvers<void>();
    this.#waiting.push(done);
    if (this.#buffered >= this.#flushAt) this.#flush();
    // An append costs each dataset its own resize and write, on this thread: with a thousand
    // outputs it takes longer than FLUSH_MS (see FLUSH_SPACING).
    else {
      this.#timer ??= setTimeout(
        () => this.#flush(),
        Math.max(FLUSH_MS, FLUSH_SPACING * this.#lastFlushMs),
      );
    }
    return done.promise.then(() => block);
  }

  endOfRows(): void {
    this.#flushAt = 1;
    this.#flush();
  }

  #failed(): Error {
    return new Error(`Cannot write rows as an earlier write to ${describe(this.path)} failed`, {
      cause: this.#failure,
    });
  }

  // Appends the buffered rows to every dataset, then flushes the file.
  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const buffer = this.#buffer;
    const waiting = this.#waiting;
    const rows = this.#buffered;
    this.#buffer = [];
    this.#waiting = [];
    this.#buffered = 0;
    if (rows === 0) return;
    const t0 = performance.now();
    try {
      if (this.#failure !== undefined) throw this.#failed();
      const from = this.#length;
      const to = from + rows;
      this.#datasets.forEach((dataset, d) => {
        const isSuccess = d === this.#datasets.length - 1;
        const joined = isSuccess ? new Uint8Array(rows) : new Float64Array(rows);
        let at = 0;
        for (const part of buffer) {
          joined.set(isSuccess ? part.success : part.columns[d], at);
          at += part.rows;
        }
        dataset.resize([to]);
        dataset.write_slice([[from, to]], joined);
      });
      this.file.flush();
      this.#length = to;
      this.#rowsWritten += rows;
      for (const w of waiting) w.resolve();
      this.#lastFlushMs = performance.now() - t0;
    } catch (error) {
      this.#failure ??= error;
      const failure = new Error(
        `Cannot write rows to ${describe(this.path)}: ${(error as Error)?.message}`,
        { cause: error },
      );
      for (const w of waiting) w.reject(failure);
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    try {
      this.#flush();
      this.file.close();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }
}

/** Opens an HDF5 results file for appending rows (see `ResultsFormatModule.open`). */
export async function openH5(
  path: string,
  header: RowHeader,
  options: OpenResultsOptions = {},
): Promise<ResultsWriter> {
  const action = "open results file";
  const names = normalizeHeader(header, action);
  checkH5Names(names, path);
  await loadH5();
  const full = resolve(path);
  const { append = false, overwrite = false, bufferBytes = FLUSH_BYTES } = options;
  const exists = await pathExists(full);
  if (exists && !append && !overwrite) {
    throw new Deno.errors.AlreadyExists(
      `Cannot ${action} as 'path' already exists: current value is ${
        describe(path)
      } (pass overwrite: true to replace it, or append: true to resume)`,
    );
  }
  if (append && exists && (await Deno.stat(full)).size > 0) {
    const file = openFile(full, "a", path, "append to results file");
    try {
      const stored = readMeta(file, path);
      const same = (a: readonly string[], b: readonly string[]) =>
        a.length === b.length && a.every((n, i) => n === b[i]);
      if (
        !same(stored.extraNames, names.extraNames) || !same(stored.paramNames, names.paramNames) ||
        !same(stored.outputNames, names.outputNames)
      ) {
        throw new Error(
          `Cannot append to results file as its columns differ from the sweep's: current value is ${
            describe(stored)
          }, expected ${describe(names)} in ${describe(path)}`,
        );
      }
      // Datasets cut at different lengths by a crash are cut to the shortest.
      const datasets = datasetPaths(names).map((p) => file.get(p) as H5Dataset);
      const length = Math.min(...datasets.map((d) => d.shape![0]));
      for (const d of datasets) if (d.shape![0] !== length) d.resize([length]);
      // A file from an older psweep, or one WaterTAP wrote without them, gains the scalars.
      addComponentScalars(file, names);
      file.flush();
      return new H5Writer(path, file, names, length, bufferBytes);
    } catch (error) {
      file.close();
      throw unreadable(error, "append to results file", path);
    }
  }
  // The empty layout is made in a temporary file and renamed into place: a process killed while
  // it is made (a model of many outputs takes a while) leaves the path as it was, not a file that
  // neither resume nor h5py can open.
  await replaceFile(full, (temporary) => {
    const made = openFile(temporary, "w", path, action);
    try {
      createLayout(made, names);
    } finally {
      made.close();
    }
  });
  return new H5Writer(path, openFile(full, "a", path, action), names, 0, bufferBytes);
}

/** Reads an HDF5 results file (see `ResultsFormatModule.read`). */
export async function readH5(
  path: string,
  options: ReadRowsOptions = {},
): Promise<ReadRowsResult> {
  await loadH5();
  const full = resolve(path);
  // h5wasm reports a missing file as a failure to open it: say so as Deno does.
  const size = (await Deno.stat(full)).size;
  if (size === 0 && options.paramNames && options.outputNames) {
    // Killed as the file was being made: no rows yet, under the names the reader expects.
    const extraNames = [...(options.extraNames ?? [])];
    return {
      format: "h5",
      truncated: false,
      extraNames,
      paramNames: [...options.paramNames],
      outputNames: [...options.outputNames],
      extra: Object.fromEntries(extraNames.map((n) => [n, new Float64Array(0)])),
      rows: 0,
      params: new Float64Array(0),
      outputs: new Float64Array(0),
      success: new Uint8Array(0),
      errors: [],
    };
  }
  const file = openFile(full, "r", path, "read results file");
  try {
    const names = readMeta(file, path);
    checkColumnGroups(path, names, options);
    const datasets = datasetPaths(names).map((p) => {
      const d = file.get(p) as H5Dataset | null;
      if (d === null) {
        throw new SyntaxError(
          `Cannot read results file ${describe(path)} as it lacks ${describe(p)}`,
        );
      }
      return d;
    });
    const rows = Math.min(...datasets.map((d) => d.shape![0]));
    const truncated = datasets.some((d) => d.shape![0] !== rows);
    const values = datasets.map((d) => d.slice([[0, rows]]));
    const column = (i: number): Float64Array => {
      const v = values[i];
      return v instanceof Float64Array ? v : Float64Array.from(v as ArrayLike<number>);
    };
    const E = names.extraNames.length;
    const P = names.paramNames.length;
    const O = names.outputNames.length;
    const extra: Record<string, Float64Array> = {};
    names.extraNames.forEach((name, i) => (extra[name] = column(i)));
    const success = Uint8Array.from(values[E + P + O] as ArrayLike<number>, (v) => (v ? 1 : 0));
    return {
      format: "h5",
      truncated,
      extraNames: names.extraNames,
      paramNames: names.paramNames,
      outputNames: names.outputNames,
      extra,
      rows,
      params: rowsOf(names.paramNames.map((_, j) => column(E + j)), rows),
      outputs: rowsOf(names.outputNames.map((_, j) => column(E + P + j)), rows),
      success,
      errors: new Array(rows).fill(undefined),
    };
  } catch (error) {
    throw unreadable(error, "read results file", path);
  } finally {
    file.close();
  }
}

/** Writes a whole table as a new HDF5 file, then renames it over `path`. */
export async function finalizeH5(path: string, table: RowTable): Promise<void> {
  const names = normalizeHeader(table, "finalize results file");
  checkH5Names(names, path);
  await loadH5();
  const full = resolve(path);
  const P = names.paramNames.length;
  const O = names.outputNames.length;
  const column = (matrix: Float64Array, width: number, j: number) => {
    const out = new Float64Array(table.rows);
    for (let r = 0, at = j; r < table.rows; r++, at += width) out[r] = matrix[at];
    return out;
  };
  const columns = [
    ...names.extraNames.map((n) => table.extra![n].slice(0, table.rows)),
    ...names.paramNames.map((_, j) => column(table.params, P, j)),
    ...names.outputNames.map((_, j) => column(table.outputs, O, j)),
  ];
  await replaceFile(full, (temporary) => {
    const file = openFile(temporary, "w", path, "finalize results file");
    try {
      createLayout(file, names, columns, table.success.slice(0, table.rows));
    } finally {
      file.close();
    }
  });
}

// Writes a temporary (by `write`, given its path; named as every writer names its temporaries, so
// that one a killed rewrite left is removed), flushes it to the disk and puts it in place of
// `full`, with the directory flushed too; a failure removes the temporary and leaves `full` as it
// was. A `full` that is a symbolic link keeps it: the file it names is replaced, beside which the
// temporary is made; an existing file's permissions carry over.
async function replaceFile(full: string, write: (temporary: string) => void): Promise<void> {
  let target = full;
  let mode: number | null = null;
  try {
    target = await Deno.realPath(full);
    mode = (await Deno.stat(target)).mode;
  } catch {
    // Not there yet: made where it is named.
  }
  const temporary = temporaryPath(target);
  try {
    write(temporary);
    if (mode !== null) await Deno.chmod(temporary, mode & 0o7777);
    const handle = await Deno.open(temporary, { read: true, write: true });
    try {
      await handle.syncData();
    } finally {
      handle.close();
    }
    await Deno.rename(temporary, target);
    await syncDirectory(dirname(target));
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Rewrites an HDF5 results file, atomically, with its rows taken in the order of `blocks` (ranges
 * of its datasets' rows; see `ResultsFormatModule.finalizeFromBlocks`): a dataset at a time, read
 * whole, when the blocks reach no row past `wholeRows`, else copying at most `FLUSH_ROWS` rows at
 * a time.
 */
export async function reorderH5(
  path: string,
  header: RowHeader,
  blocks: readonly WrittenBlock[],
  wholeRows: number = REORDER_WHOLE_ROWS,
): Promise<void> {
  const names = normalizeHeader(header, "finalize results file");
  checkH5Names(names, path);
  await loadH5();
  const full = resolve(path);
  await replaceFile(full, (temporary) => {
    const source = openFile(full, "r", path, "finalize results file");
    try {
      const target = openFile(temporary, "w", path, "finalize results file");
      try {
        createLayout(target, names);
        const from = datasetPaths(names).map((p) => source.get(p) as H5Dataset);
        const to = datasetPaths(names).map((p) => target.get(p) as H5Dataset);
        let length = 0;
        const total = blocks.reduce((n, block) => n + block.bytes, 0);
        // (As many rows as the blocks reach are read.)
        const end = blocks.reduce((n, block) => Math.max(n, block.offset + block.bytes), 0);
        if (end <= wholeRows) {
          // A dataset at a time, read whole: one read and one write per dataset.
          from.forEach((dataset, d) => {
            const all = dataset.slice([[0, end]]) as Float64Array | Uint8Array;
            if (all.length < end) {
              throw new RangeError(
                `Cannot put the rows of ${describe(path)} in order as its dataset ${
                  describe(dataset.path)
                } holds ${all.length} rows where the blocks reach row ${end}`,
              );
            }
            const ordered = all instanceof Uint8Array
              ? new Uint8Array(total)
              : new Float64Array(total);
            let at = 0;
            for (const block of blocks) {
              ordered.set(all.subarray(block.offset, block.offset + block.bytes), at);
              at += block.bytes;
            }
            to[d].resize([total]);
            to[d].write_slice([[0, total]], ordered);
          });
          return;
        }
        const copy = (offset: number, rows: number) => {
          from.forEach((dataset, d) => {
            const values = dataset.slice([[offset, offset + rows]]) as Float64Array | Uint8Array;
            to[d].resize([length + rows]);
            to[d].write_slice([[length, length + rows]], values);
          });
          length += rows;
        };
        // Neighbouring blocks (rows written in order between two out of order) go as one copy.
        let start = 0;
        let rows = 0;
        for (const block of blocks) {
          if (rows > 0 && (block.offset !== start + rows || rows + block.bytes > FLUSH_ROWS)) {
            copy(start, rows);
            rows = 0;
          }
          if (rows === 0) start = block.offset;
          rows += block.bytes;
          while (rows > FLUSH_ROWS) {
            copy(start, FLUSH_ROWS);
            start += FLUSH_ROWS;
            rows -= FLUSH_ROWS;
          }
        }
        if (rows > 0) copy(start, rows);
      } finally {
        target.close();
      }
    } finally {
      source.close();
    }
  });
}

/** HDF5 files in WaterTAP's layout. */
export const h5Format: ResultsFormatModule = {
  format: "h5",
  streams: true,
  open: openH5,
  read: (path, options) => readH5(path, options),
  exists: (path) => pathExists(path),
  finalize: finalizeH5,
  finalizeFromBlocks: (path, header, _rows, blocks) => reorderH5(path, header, blocks),
};
