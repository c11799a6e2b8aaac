// Internal: the results-format layer's interface. Every results file format (CSV, JSON Lines,
// Arrow IPC stream, HDF5, Parquet) is one module beside this one behind `ResultsFormatModule`:
// open a writer (fresh, or appending to what a crashed run left), append batches of rows, read
// the rows back (for resume and the report), and write a whole table at the end. The format of
// a path is decided here, from its extension, and nowhere else; `_formats.ts` loads a format's
// module. Also the helpers the columnar formats share.

import { describe } from "../_describe.ts";
import { OUTPUT_PREFIX } from "./_rows.ts";
import type { ReadRowsOptions, ReadRowsResult } from "./read_rows.ts";
import type { RowBatch, RowHeader, RowTable } from "./row_types.ts";
import type { WrittenBlock } from "./row_writer.ts";

/** The formats of results files. */
export type ResultsFormatName = "csv" | "jsonl" | "arrow" | "h5" | "parquet";

/** Every format, in the order a resumed sweep prefers to read them back (JSON Lines keeps messages). */
export const FORMAT_NAMES: readonly ResultsFormatName[] = [
  "jsonl",
  "csv",
  "arrow",
  "h5",
  "parquet",
];

/** Extensions of each format, the first being its usual one. */
export const EXTENSIONS: Readonly<Record<ResultsFormatName, readonly string[]>> = {
  csv: [".csv"],
  jsonl: [".jsonl", ".ndjson"],
  arrow: [".arrow", ".arrows"],
  h5: [".h5", ".hdf5"],
  parquet: [".parquet"],
};

/** The format a path's extension names, or `undefined`. */
export function formatOfPath(path: string | URL): ResultsFormatName | undefined {
  const name = (path instanceof URL ? path.pathname : path).toLowerCase();
  for (const format of FORMAT_NAMES) {
    if (EXTENSIONS[format].some((ext) => name.endsWith(ext))) return format;
  }
  return undefined;
}

/** The extensions of a format as a message spells them: `.jsonl (or .ndjson)`. */
export function extensionText(format: ResultsFormatName): string {
  const [first, ...rest] = EXTENSIONS[format];
  return rest.length === 0 ? first : `${first} (or ${rest.join(", ")})`;
}

/**
 * A batch of rows as columns, in the header's order (extra, parameters, outputs), each `rows`
 * long: what the columnar formats write without transposing.
 */
export interface ColumnBatch {
  readonly rows: number;
  readonly extra: readonly Float64Array[];
  readonly params: readonly Float64Array[];
  readonly outputs: readonly Float64Array[];
  readonly success: Uint8Array;
  readonly errors?: readonly (string | undefined)[];
}

/** Options of `ResultsFormatModule.open`. */
export interface OpenResultsOptions {
  /** Continue an existing file (a resume), after checking its columns; a missing one is created. */
  readonly append?: boolean;
  /** Replace an existing file. */
  readonly overwrite?: boolean;
  /** Flush every batch to the disk. */
  readonly sync?: boolean;
  /**
   * The most bytes of rows a writer that buffers them (HDF5) holds before it writes them. A sweep
   * passes half the backlog at which it stops sending work, so that its workers never wait on a
   * buffer that only a timer empties. @default {RESULTS_FILE_DEFAULTS.h5.flushBytes}
   */
  readonly bufferBytes?: number;
}

/** A results file being written. */
export interface ResultsWriter {
  readonly path: string | URL;
  readonly format: ResultsFormatName;
  /**
   * The file rows go to while the sweep runs, when it is not `path` (Parquet's partial stream):
   * the one whose replacement mid-run the sink detects.
   */
  readonly streamPath?: string;
  /** Rows written by this writer so far. */
  readonly rowsWritten: number;
  /**
   * Appends rows, and says where they lie (so that the sink can reorder blocks of them without
   * encoding them again): a range of bytes, or for HDF5 a range of its datasets' rows.
   */
  write(batch: RowBatch): Promise<WrittenBlock | undefined>;
  /**
   * Appends rows given as columns (columnar formats); resolves to where they lie, for a rewrite
   * that puts batches in row order (see `finalizeFromBlocks`).
   */
  writeColumns?(batch: ColumnBatch): Promise<WrittenBlock | undefined>;
  /** Appends rows a worker already encoded for this format (text formats). */
  writeEncoded?(bytes: Uint8Array | Promise<Uint8Array>, rows: number): Promise<WrittenBlock>;
  /**
   * No rows are coming but those on their way: a writer that buffers rows (HDF5) writes what it
   * holds now, and each later write at once, rather than at its timer.
   */
  endOfRows?(): void;
  /** Writes what is buffered, flushes and closes the file; rows written stay. */
  close(): Promise<void>;
}

/** One results format. */
export interface ResultsFormatModule {
  readonly format: ResultsFormatName;
  /**
   * Whether rows reach the file itself as they are written (and survive a crash there). A
   * format that does not stream (Parquet) keeps a stream beside the file while the sweep runs
   * and writes the file from the whole table at the end.
   */
  readonly streams: boolean;
  /** Opens a file for appending rows. */
  open(path: string, header: RowHeader, options?: OpenResultsOptions): Promise<ResultsWriter>;
  /**
   * Reads the rows back. With `resume`, what a run that stopped left (for Parquet, the stream
   * beside the file when there is one).
   */
  read(path: string, options?: ReadRowsOptions, resume?: boolean): Promise<ReadRowsResult>;
  /** Whether a run left something to resume from at `path`. */
  exists(path: string): Promise<boolean>;
  /** Writes a whole table, atomically, replacing a streamed file. */
  finalize(path: string, table: RowTable): Promise<void>;
  /**
   * Writes the file, atomically, from the stream its writer kept beside it (formats that do not
   * stream): call only when that stream holds exactly `rows` rows, in row order, under `header`.
   */
  finalizeFromStream?(path: string, header: RowHeader, rows: number): Promise<void>;
  /**
   * Rewrites the file, atomically, with the batches its writer wrote (where each lies, as the
   * writer said) in the order given: for rows that reached the file out of order, each batch a
   * run of consecutive rows under `header`, together the sweep's `rows` rows once each, given in
   * row order. One batch at a time is in memory. Parquet is then written from its stream.
   */
  finalizeFromBlocks?(
    path: string,
    header: RowHeader,
    rows: number,
    blocks: readonly WrittenBlock[],
  ): Promise<void>;
}

/** A row-major batch as columns (copies), for columnar writers given rows. */
export function columnsOf(
  batch: RowBatch,
  header: {
    extraNames: readonly string[];
    paramNames: readonly string[];
    outputNames: readonly string[];
  },
): ColumnBatch {
  const n = batch.rows;
  const split = (matrix: Float64Array, width: number) =>
    Array.from({ length: width }, (_, j) => {
      const column = new Float64Array(n);
      for (let r = 0, at = j; r < n; r++, at += width) column[r] = matrix[at];
      return column;
    });
  return {
    rows: n,
    extra: header.extraNames.map((name) => batch.extra![name]),
    params: split(batch.params, header.paramNames.length),
    outputs: split(batch.outputs, header.outputNames.length),
    success: batch.success,
    errors: batch.errors,
  };
}

/**
 * The column names of a columnar file: extra, parameter and output names, then `success`. As in
 * CSV (csvColumnNames), an output that has a parameter's (or an extra column's) name is named
 * `outputs.<name>`, and so is one whose name starts with `outputs.` already, so that no two
 * columns share a name (pandas, polars and pyarrow refuse such files; no parameter may start
 * with `outputs.`); the file's metadata keeps the names as they are.
 */
export function columnNames(header: {
  extraNames: readonly string[];
  paramNames: readonly string[];
  outputNames: readonly string[];
}): string[] {
  const before = new Set([...header.extraNames, ...header.paramNames]);
  return [
    ...header.extraNames,
    ...header.paramNames,
    ...header.outputNames.map((name) =>
      before.has(name) || name.startsWith(OUTPUT_PREFIX) ? OUTPUT_PREFIX + name : name
    ),
    "success",
  ];
}

/** Columns by group as a row-major table (the shape `ReadRowsResult` has). */
export function rowsOf(columns: readonly Float64Array[], rows: number): Float64Array {
  const width = columns.length;
  const out = new Float64Array(rows * width);
  columns.forEach((column, j) => {
    for (let r = 0, at = j; r < rows; r++, at += width) out[at] = column[r];
  });
  return out;
}

/** The column names of a columnar file by group. */
export interface ColumnGroups {
  extraNames: string[];
  paramNames: string[];
  outputNames: string[];
}

/**
 * The column groups of a columnar file, checked against what the reader expects: from the JSON
 * psweep stored in the file (`stored`), else, for a file psweep did not write, from its field
 * names (every float column but `success`: the given extra columns, then as many parameters as
 * the reader names, then outputs).
 */
export function columnGroups(
  path: string,
  stored: string | undefined,
  fieldNames: readonly string[],
  options: ReadRowsOptions,
): ColumnGroups {
  let names: ColumnGroups;
  if (stored !== undefined) {
    names = JSON.parse(stored);
  } else {
    const all = fieldNames.filter((name) => name !== "success");
    const extraNames = [...(options.extraNames ?? [])];
    const P = options.paramNames?.length ?? 0;
    names = {
      extraNames,
      paramNames: all.slice(extraNames.length, extraNames.length + P),
      outputNames: all.slice(extraNames.length + P),
    };
  }
  checkColumnGroups(path, names, options);
  return names;
}

/** Checks each group of a file's column names against what the reader expects, if it says. */
export function checkColumnGroups(
  path: string,
  names: { [G in keyof ColumnGroups]: readonly string[] },
  options: ReadRowsOptions,
): void {
  checkReadNames(path, "extra columns", names.extraNames, options.extraNames);
  checkReadNames(path, "parameter columns", names.paramNames, options.paramNames);
  checkReadNames(path, "output columns", names.outputNames, options.outputNames);
}

/**
 * Checks that names read from a file are those the reader expects, when it says which.
 */
export function checkReadNames(
  path: string,
  group: string,
  current: readonly string[],
  expected: readonly string[] | undefined,
): void {
  if (
    expected !== undefined &&
    (expected.length !== current.length || expected.some((n, i) => n !== current[i]))
  ) {
    throw new Error(
      `Cannot read results file ${
        describe(path)
      } as its ${group} differ from those expected: current value is ${
        describe(current)
      }, expected ${describe(expected)}`,
    );
  }
}
