// Internal: a sweep's result as it fills: one column per output name (placed by row index, in
// whatever order chunks arrive), each row's success and error message, the warnings and stacks
// that go with them, and the SweepResult they make at the end. Results files read their rows
// from here (as row batches, column views or the whole table); nothing here touches a file.
// A sweep that does not keep its rows (SinkOptions.keepRows false) holds only the rows on their
// way to disk and each column's statistics; its files are rewritten, when they must be, from the
// rows read back (see fromDisk), and it returns a SweepSummary.
import { columnOf, columnsOnOneBuffer, intoColumns, toRows } from "../_columns.ts";
import { describe } from "../_describe.ts";
import { MAX_OUTPUT_NAMES } from "../_limits.ts";
import type { ColumnBatch } from "../io/_formats.ts";
import type { RowBatch, RowTable } from "../io/row_types.ts";
import type { EncodeRows } from "../io/_row_encoder.ts";
import type { ReadRowsResult } from "../io/read_rows.ts";
import { type ParamRows, paramRowsOf } from "./_param_rows.ts";
import { extraColumns, extraOf } from "./_extra_columns.ts";
import type { ChunkOutput } from "./_driver.ts";
import type { SinkOptions } from "./_sink_options.ts";
import type { SweepResult } from "./sweep_result.ts";
import { ColumnStats } from "./_column_stats.ts";
import { goesFirst } from "./_first_failure.ts";
import type { ColumnSummary, SweepSummary } from "./sweep_summary.ts";

/** Rows a previous run left on disk, matched to this sweep's rows. */
export interface ResumedRows {
  rows: number;
  outputNames: readonly string[];
  /** rows x outputNames.length, row-major. */
  outputs: Float64Array;
  success: Uint8Array;
  errors: readonly (string | undefined)[];
}

/** The result's columns; see the module comment. */
export class ResultColumns {
  readonly #o: SinkOptions;
  readonly #success: Uint8Array;
  #done: Uint8Array;
  readonly #errors = new Map<number, string>();
  // Output columns by name, created when a name first appears.
  readonly #outputs = new Map<string, Float64Array>();
  #firstNames: { chunk: number; names: string[] } | undefined;
  // Where each output name first appeared: the first row of its chunk, then its place among
  // the chunk's names. Outputs beyond the first row's are ordered by it, not by which chunk
  // arrived first, so that the order does not depend on the workers.
  readonly #firstSeen = new Map<string, [number, number]>();
  #finished = 0;
  // Found outputs recorded as NaN because a successful row returned something else: the first
  // row (and what it returned) for each.
  readonly #odd = new Map<string, [number, string]>();
  // The model's stack of the first failed row of each kind of error: [row, stack] by name.
  readonly #stacks = new Map<string, [number, string]>();
  #failed = 0;
  #resumed = 0;
  #computed = 0;
  // The parameters by column, once made (see paramColumns).
  #params: Float64Array[] | undefined;
  // Whether every row's values are held (a SweepResult), or only the rows on their way to disk.
  readonly #keep: boolean;
  // Without keepRows: each output's statistics, the first failed row, the chunks (by first row)
  // and failed rows not yet written, and the rows written under a header that lacked some of
  // their outputs (kept for the final rewrite, which restores those outputs).
  readonly #stats = new Map<string, ColumnStats>();
  #firstError: { row: number; message: string } | undefined;
  readonly #live = new Map<number, Live>();
  readonly #liveFailed = new Map<number, string>();
  readonly #late = new Set<Live>();
  // Warnings of the sink's own (see note).
  readonly #notes: string[] = [];

  // The parameters by row.
  readonly #paramRows: ParamRows;

  constructor(o: SinkOptions) {
    this.#o = o;
    this.#paramRows = paramRowsOf(o.params, o.rows, o.paramNames.length);
    this.#keep = o.keepRows ?? true;
    // Without keepRows, only a resume marks rows done (see missingRows).
    this.#success = new Uint8Array(this.#keep ? o.rows : 0);
    this.#done = new Uint8Array(this.#keep ? o.rows : 0);
    // Columns start as zeros: every row is written when it finishes (NaN where it has no value),
    // which saves filling millions of NaN up front.
    for (const name of o.outputs ?? []) this.#outputs.set(name, this.#newColumn());
  }

  /** Whether every row's values are held (see the module comment). */
  get keepsRows(): boolean {
    return this.#keep;
  }

  // A column of every row, or (not keeping rows) a mark that the name exists.
  #newColumn(): Float64Array {
    return this.#keep ? new Float64Array(this.#o.rows) : EMPTY;
  }

  #statsOf(name: string): ColumnStats {
    let stats = this.#stats.get(name);
    if (!stats) this.#stats.set(name, stats = new ColumnStats());
    return stats;
  }

  #noteError(row: number, message: string): void {
    if (goesFirst(this.#firstError, row, message)) this.#firstError = { row, message };
  }

  /** Rows finished so far (resumed ones included). */
  get finished(): number {
    return this.#finished;
  }

  /** Rows failed so far (resumed ones included). */
  get failed(): number {
    return this.#failed;
  }

  /** Takes the rows a previous run left on disk; `index` gives each one's row in this sweep. */
  takeResumed(disk: ResumedRows, index: ArrayLike<number>, unrecorded: string): void {
    const names = [...disk.outputNames];
    if (!this.#keep) {
      this.#takeResumedStats(disk, index, unrecorded);
      return;
    }
    intoColumns(disk.outputs, names.map((name) => this.#column(name)), index);
    for (let i = 0; i < disk.rows; i++) {
      const r = index[i];
      this.#done[r] = 1;
      this.#success[r] = disk.success[i];
      if (!disk.success[i]) {
        this.#errors.set(r, disk.errors[i] ?? unrecorded);
        this.#failed++;
      }
      this.#finished++;
    }
    this.#blankOthers(names, index);
    this.#resumed = disk.rows;
    this.#firstNames = { chunk: -1, names };
  }

  // takeResumed, keeping only what is done and the statistics.
  #takeResumedStats(disk: ResumedRows, index: ArrayLike<number>, unrecorded: string): void {
    const names = [...disk.outputNames];
    const K = names.length;
    names.forEach((name, k) => {
      this.#column(name);
      const stats = this.#statsOf(name);
      for (let i = 0; i < disk.rows; i++) stats.add(disk.outputs[i * K + k]);
    });
    this.#done = new Uint8Array(this.#o.rows);
    for (let i = 0; i < disk.rows; i++) {
      const r = index[i];
      this.#done[r] = 1;
      if (!disk.success[i]) {
        this.#noteError(r, disk.errors[i] ?? unrecorded);
        this.#failed++;
      }
      this.#finished++;
    }
    this.#resumed = disk.rows;
    this.#firstNames = { chunk: -1, names };
  }

  /** Row indices still to compute, ascending; `undefined` when that is every row. */
  missingRows(): Int32Array | undefined {
    // A fresh sweep computes every row: no list needed.
    if (this.#resumed === 0) return undefined;
    const out = new Int32Array(this.#o.rows - this.#resumed);
    let k = 0;
    for (let r = 0; r < this.#o.rows; r++) if (!this.#done[r]) out[k++] = r;
    return out;
  }

  /**
   * Why a chunk with these output names cannot be taken: the distinct names would pass the
   * limit. Chunks that each stay under it can pass it together: their rows fail.
   */
  overLimit(names: readonly string[]): string | undefined {
    let fresh = 0;
    for (const name of names) if (!this.#outputs.has(name)) fresh++;
    if (this.#outputs.size + fresh <= MAX_OUTPUT_NAMES) return undefined;
    return `RangeError: the rows' outputs would make ${
      this.#outputs.size + fresh
    } distinct output names, over the limit of ${MAX_OUTPUT_NAMES}`;
  }

  /** Records a chunk's rows (`chunk` is its process number); returns how many failed. */
  take(chunk: number, out: ChunkOutput): number {
    for (const [name, row, stack] of out.stacks ?? []) {
      const known = this.#stacks.get(name);
      if (!known || row < known[0]) this.#stacks.set(name, [row, stack]);
    }
    for (const [name, row, kind] of out.odd ?? []) {
      const known = this.#odd.get(name);
      if (!known || row < known[0]) this.#odd.set(name, [row, kind]);
    }
    if (out.firstNames && (!this.#firstNames || chunk < this.#firstNames.chunk)) {
      this.#firstNames = { chunk, names: out.firstNames };
    }
    const firstRow = out.index[0];
    out.names.forEach((name, j) => {
      const seen = this.#firstSeen.get(name);
      if (!seen || firstRow < seen[0] || (firstRow === seen[0] && j < seen[1])) {
        this.#firstSeen.set(name, [firstRow, j]);
      }
    });
    const n = out.index.length;
    const columns = out.names.map((name) => this.#column(name));
    if (!this.#keep) return this.#takeStats(out);
    const first = out.index[0];
    if (n > 0 && out.index[n - 1] === first + n - 1) {
      // Consecutive rows (every chunk of a fresh sweep): whole columns at once.
      columns.forEach((col, c) => col.set(out.values[c], first));
      this.#done.fill(1, first, first + n);
      this.#success.set(out.success, first);
    } else {
      for (let i = 0; i < n; i++) {
        const r = out.index[i];
        for (let c = 0; c < columns.length; c++) columns[c][r] = out.values[c][i];
        this.#done[r] = 1;
        this.#success[r] = out.success[i];
      }
    }
    if (this.#outputs.size > columns.length) this.#blankOthers(out.names, out.index);
    this.#finished += n;
    this.#computed += n;
    for (const [i, message] of out.errors) {
      this.#errors.set(out.index[i], message);
      this.#failed++;
    }
    return out.errors.length;
  }

  // take, keeping the chunk until it is written (see release) and the statistics.
  #takeStats(out: ChunkOutput): number {
    const n = out.index.length;
    out.names.forEach((name, c) => this.#statsOf(name).addAll(out.values[c]));
    this.#finished += n;
    this.#computed += n;
    const errors = new Map<number, string>();
    for (const [i, message] of out.errors) {
      const r = out.index[i];
      errors.set(r, message);
      this.#noteError(r, message);
      this.#failed++;
    }
    if (n > 0) {
      this.#live.set(out.index[0], {
        index: out.index,
        names: out.names,
        values: out.values,
        success: out.success,
        errors,
      });
    }
    return out.errors.length;
  }

  /**
   * Lets go of rows now on disk: a sweep that does not keep its rows holds them only until
   * then. (Nothing to do for one that keeps them.)
   */
  release(index: ArrayLike<number>): void {
    if (this.#keep || index.length === 0) return;
    this.#live.delete(index[0]);
    if (this.#liveFailed.size === 0) return;
    for (let i = 0; i < index.length; i++) this.#liveFailed.delete(index[i]);
  }

  /** Records a row as failed with this message. */
  fail(row: number, message: string): void {
    if (!this.#keep) {
      this.#liveFailed.set(row, message);
      this.#noteError(row, message);
      this.#finished++;
      this.#computed++;
      this.#failed++;
      return;
    }
    for (const col of this.#outputs.values()) col[row] = NaN;
    this.#done[row] = 1;
    this.#success[row] = 0;
    this.#errors.set(row, message);
    this.#finished++;
    this.#computed++;
    this.#failed++;
  }

  #column(name: string): Float64Array {
    let col = this.#outputs.get(name);
    if (!col) {
      if (name === "success" || name === "__proto__" || !name.isWellFormed()) {
        // The results' column of outcomes has that name; "__proto__" is no key of the result's
        // object of columns; and a lone surrogate has no UTF-8 form, so files would hold
        // another name than their metadata. (A parameter's name is fine: see csvColumnNames.)
        const taken = name === "__proto__"
          ? "no object can hold it as a key"
          : name === "success"
          ? "the results' success column has that name"
          : "its name is not well-formed Unicode (it holds a lone surrogate), which files cannot hold";
        throw new RangeError(
          `Cannot record the model's output ${
            describe(name)
          } as ${taken}: rename it in the model, or list the outputs to record in 'outputs'`,
        );
      }
      col = this.#newColumn();
      // Rows finished before this output first appeared do not have it.
      if (this.#finished > 0 && this.#keep) col.fill(NaN);
      this.#outputs.set(name, col);
    }
    return col;
  }

  // Rows that finished without some existing outputs hold NaN in those columns.
  #blankOthers(names: readonly string[], rows: ArrayLike<number>): void {
    const given = new Set(names);
    for (const [name, col] of this.#outputs) {
      if (given.has(name)) continue;
      for (let i = 0; i < rows.length; i++) col[rows[i]] = NaN;
    }
  }

  /**
   * The output names found so far, in WaterTAP's order: the keys of the first successful
   * evaluation; other keys follow in the order they first appeared, so that no output a row
   * produced is dropped.
   */
  defaultOutputNames(): string[] {
    const named = this.#firstNames;
    // A chunk's first names come from its worker, where model code runs: only names the rows
    // hold count (a model could name others, "success" say). Names a resume read stand as read.
    const first = named === undefined
      ? []
      : named.chunk < 0
      ? named.names
      : [...new Set(named.names)].filter((name) => this.#outputs.has(name));
    const at = (name: string) => this.#firstSeen.get(name) ?? [-1, 0];
    const firstSet = new Set(first);
    const rest = [...this.#outputs.keys()].filter((n) => !firstSet.has(n));
    rest.sort((a, b) => at(a)[0] - at(b)[0] || at(a)[1] - at(b)[1]);
    return [...first, ...rest];
  }

  /** The result's output names: the ones asked for, else the ones found. */
  outputNames(): string[] {
    return this.#o.outputs ?? this.defaultOutputNames();
  }

  /** Some rows under these output names, as a row batch. */
  batch(index: ArrayLike<number>, names: string[]): RowBatch {
    if (!this.#keep) return this.#liveBatch(index, names);
    const P = this.#o.paramNames.length;
    const n = index.length;
    const params = new Float64Array(n * P);
    const outputs = toRows(names.map((name) => this.#outputs.get(name)), n, index);
    const success = new Uint8Array(n);
    const messages: (string | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = index[i];
      this.#paramRows.copyRow(r, params, i * P);
      success[i] = this.#success[r];
      messages[i] = this.#errors.get(r);
    }
    const extra = this.#o.extra && extraOf(this.#o.extra, index);
    return { rows: n, params, outputs, success, errors: messages, ...(extra ? { extra } : {}) };
  }

  /**
   * Some rows for the text encoder (io/_row_encoder.ts): what `batch` gives, but the outputs as
   * columns where they are held as such, and every array on a buffer of its own, so that the
   * whole moves to the encoder's thread instead of being copied there.
   */
  textRows(index: ArrayLike<number>, names: string[]): EncodeRows {
    const n = index.length;
    const first = n > 0 ? index[0] : 0;
    const consecutive = n > 0 && index[n - 1] === first + n - 1;
    const live = this.#keep ? undefined : this.#live.get(first);
    const own = live !== undefined && live.index.length === n;
    if (!consecutive || (!this.#keep && !own)) {
      const b = this.batch(index, names);
      const failures: [number, string][] = [];
      for (let i = 0; i < n; i++) {
        const message = b.errors?.[i];
        if (message !== undefined && message !== null) failures.push([i, String(message)]);
      }
      return {
        rows: n,
        params: b.params,
        outputs: b.outputs,
        success: b.success,
        failures,
        // (extraOf made each column on a buffer of its own.)
        ...(b.extra ? { extra: { ...b.extra } } : {}),
      };
    }
    // A grid's values go instead of the rows when they are fewer: they are copied to the
    // encoder with every batch (and compared there with the last grid's).
    const grid = this.#paramRows.grid;
    const params = grid && grid.values.reduce((sum, v) => sum + v.length, 0) <= n
      ? { first, values: grid.values, strides: grid.strides }
      : this.#paramRows.slice(first, n);
    const failures: [number, string][] = [];
    let outputs: Float64Array[];
    let success: Uint8Array;
    if (live !== undefined) {
      // A chunk on its way to disk: its own columns, copied (the other files may read them).
      const at = positions(live.names);
      outputs = columnsOnOneBuffer(names.length, n, (j) => {
        const c = at.get(names[j]);
        return c === undefined ? undefined : live.values[c];
      });
      success = live.success.slice();
      for (const [r, message] of live.errors) failures.push([r - first, message]);
      failures.sort((a, b) => a[0] - b[0]);
      if (lacksAny(names, live.names)) this.#late.add(live);
    } else {
      outputs = columnsOnOneBuffer(
        names.length,
        n,
        (j) => this.#outputs.get(names[j])?.subarray(first, first + n),
      );
      success = this.#success.slice(first, first + n);
      if (this.#errors.size > 0) {
        for (let i = 0; i < n; i++) {
          const message = this.#errors.get(first + i);
          if (message !== undefined) failures.push([i, message]);
        }
      }
    }
    const extra = this.#o.extra && extraOf(this.#o.extra, index);
    return { rows: n, params, outputs, success, failures, ...(extra ? { extra } : {}) };
  }

  // batch, from the rows on their way to disk: a chunk's (taken whole), or failed rows. A chunk
  // with outputs the header lacks is kept for the final rewrite (see fromDisk).
  #liveBatch(index: ArrayLike<number>, names: string[]): RowBatch {
    const P = this.#o.paramNames.length;
    const n = index.length;
    // Consecutive rows (every chunk of a fresh sweep) a run at a time, else row by row.
    const consecutive = n > 0 && index[n - 1] === index[0] + n - 1;
    const params = consecutive ? this.#paramRows.slice(index[0], n) : new Float64Array(n * P);
    const outputs = new Float64Array(n * names.length).fill(NaN);
    const success = new Uint8Array(n);
    const messages: (string | undefined)[] = new Array(n);
    if (!consecutive) {
      for (let i = 0; i < n; i++) this.#paramRows.copyRow(index[i], params, i * P);
    }
    const chunk = n > 0 ? this.#live.get(index[0]) : undefined;
    if (chunk !== undefined && chunk.index.length === n) {
      const at = positions(names);
      chunk.names.forEach((name, c) => {
        const j = at.get(name);
        if (j === undefined) return;
        const col = chunk.values[c];
        for (let i = 0; i < n; i++) outputs[i * names.length + j] = col[i];
      });
      success.set(chunk.success);
      for (let i = 0; i < n; i++) messages[i] = chunk.errors.get(index[i]);
      if (lacksAny(names, chunk.names)) this.#late.add(chunk);
    } else {
      for (let i = 0; i < n; i++) messages[i] = this.#liveFailed.get(index[i]);
    }
    const extra = this.#o.extra && extraOf(this.#o.extra, index);
    return { rows: n, params, outputs, success, errors: messages, ...(extra ? { extra } : {}) };
  }

  /**
   * Every row in row order under these output names, from the rows a results file holds (in
   * any order, under the header it was written with) and the outputs its header lacked: what a
   * sweep that does not keep its rows rewrites its files from. `unrecorded` is the message of
   * failed rows whose file did not record one.
   */
  fromDisk(
    disk: ReadRowsResult,
    index: ArrayLike<number>,
    names: string[],
    unrecorded: string,
  ): RowTable {
    const o = this.#o;
    const K = names.length;
    const outputs = new Float64Array(o.rows * K).fill(NaN);
    const success = new Uint8Array(o.rows);
    const errors: (string | undefined)[] = new Array(o.rows);
    const D = disk.outputNames.length;
    const where = positions(names);
    const at = disk.outputNames.map((name) => where.get(name) ?? -1);
    for (let i = 0; i < disk.rows; i++) {
      const r = index[i];
      for (let d = 0; d < D; d++) if (at[d] >= 0) outputs[r * K + at[d]] = disk.outputs[i * D + d];
      success[r] = disk.success[i];
      if (!disk.success[i]) errors[r] = disk.errors[i] ?? unrecorded;
    }
    for (const chunk of this.#late) {
      chunk.names.forEach((name, c) => {
        const j = where.get(name);
        if (j === undefined) return;
        for (let i = 0; i < chunk.index.length; i++) {
          outputs[chunk.index[i] * K + j] = chunk.values[c][i];
        }
      });
    }
    return {
      paramNames: o.paramNames,
      outputNames: names,
      rows: o.rows,
      params: this.#paramRows.held(),
      outputs,
      success,
      errors,
      ...this.#allExtra(),
    };
  }

  // Every row's extra columns, for a table of every row.
  #allExtra(): { extraNames?: string[]; extra?: Record<string, Float64Array> } {
    const o = this.#o;
    return o.extra ? { extraNames: [...o.extra.names], extra: extraColumns(o.extra, o.rows) } : {};
  }

  /** What a sweep that does not keep its rows returns: see SweepSummary. */
  summary(names: string[], seed: number | undefined, elapsedMs: number): SweepSummary {
    const o = this.#o;
    // Row by row, a row's values at once: rows computed by index (a differential sweep's
    // perturbations) are made once each, not once a parameter.
    const P = o.paramNames.length;
    const stats = o.paramNames.map(() => new ColumnStats());
    const grid = this.#paramRows.grid;
    if (grid && this.#paramRows.rows === o.rows) {
      // A grid holds each value of a parameter in as many rows as the others' values make:
      // taken once each, so many times over (the same statistics, bit for bit).
      grid.values.forEach((values, j) => {
        const times = o.rows / values.length;
        for (let k = 0; k < values.length; k++) stats[j].addRepeated(values[k], times);
      });
    } else {
      const row = new Float64Array(P);
      for (let r = 0; r < o.rows; r++) {
        this.#paramRows.copyRow(r, row, 0);
        for (let j = 0; j < P; j++) stats[j].add(row[j]);
      }
    }
    const params: Record<string, ColumnSummary> = {};
    o.paramNames.forEach((name, j) => (params[name] = stats[j].summary()));
    const outputs: Record<string, ColumnSummary> = {};
    for (const name of names) {
      outputs[name] = (this.#stats.get(name) ?? new ColumnStats()).summary();
    }
    return {
      paramNames: [...o.paramNames],
      outputNames: names,
      params,
      outputs,
      firstError: this.#firstError,
      ...this.#ending(names, seed, elapsedMs),
    };
  }

  /** Adds a warning for the result (or summary) to carry, before the model's own. */
  note(warning: string): void {
    this.#notes.push(warning);
  }

  // What a result and a summary both end with: warnings, stacks, seed, rows and statistics.
  #ending(names: string[], seed: number | undefined, elapsedMs: number) {
    const rows = this.#o.rows;
    const failed = this.#failed;
    return {
      warnings: [...this.#notes, ...oddWarnings(this.#odd, names)],
      stacks: new Map([...this.#stacks.values()].sort((a, b) => a[0] - b[0])),
      seed,
      rows,
      stats: {
        succeeded: rows - failed,
        failed,
        resumed: this.#resumed,
        elapsedMs,
        rowsPerSecond: this.#computed / Math.max(elapsedMs / 1000, 1e-9),
      },
    };
  }

  // The parameters as columns: made once, when a columnar file first needs them (the result
  // needs them at the end anyway).
  #paramColumns(): Float64Array[] {
    if (this.#params === undefined) {
      const P = this.#o.paramNames.length;
      const data = this.#paramRows.held();
      this.#params = this.#o.paramNames.map((_, j) => columnOf(data, P, j, this.#o.rows));
    }
    return this.#params;
  }

  /**
   * Some rows as columns, for columnar files: a run of consecutive rows takes its outputs as
   * views of the result's columns, without a copy.
   */
  columnBatch(index: ArrayLike<number>, names: string[], consecutive: boolean): ColumnBatch {
    if (!this.#keep) return this.#liveColumnBatch(index, names);
    const P = this.#o.paramNames.length;
    const n = index.length;
    const first = index[0];
    const data = this.#paramRows.held();
    const columns = this.#paramColumns();
    const params: Float64Array[] = [];
    for (let j = 0; j < P; j++) {
      params.push(
        consecutive ? columns[j].subarray(first, first + n) : columnOf(data, P, j, index),
      );
    }
    const outputs = names.map((name) => {
      const col = this.#outputs.get(name);
      if (col === undefined) return new Float64Array(n).fill(NaN);
      if (consecutive) return col.subarray(first, first + n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = col[index[i]];
      return out;
    });
    const success = consecutive
      ? this.#success.subarray(first, first + n)
      : Uint8Array.from({ length: n }, (_, i) => this.#success[index[i]]);
    return { rows: n, extra: [], params, outputs, success };
  }

  // columnBatch, from the rows on their way to disk (as #liveBatch): the chunk's own columns,
  // and its parameters made for these rows only (not the sweep's every row as columns).
  #liveColumnBatch(index: ArrayLike<number>, names: string[]): ColumnBatch {
    const P = this.#o.paramNames.length;
    const n = index.length;
    const params: Float64Array[] = [];
    if (n > 0 && index[n - 1] === index[0] + n - 1) {
      // Consecutive rows (every chunk of a fresh sweep): made a run at a time (a grid counts
      // along its strides), then split into columns.
      const rows = this.#paramRows.view?.(index[0], n) ?? this.#paramRows.slice(index[0], n);
      for (let j = 0; j < P; j++) params.push(columnOf(rows, P, j, n));
    } else {
      for (let j = 0; j < P; j++) {
        const column = new Float64Array(n);
        for (let i = 0; i < n; i++) column[i] = this.#paramRows.value(index[i], j);
        params.push(column);
      }
    }
    const chunk = n > 0 ? this.#live.get(index[0]) : undefined;
    if (chunk === undefined || chunk.index.length !== n) {
      // Failed rows (a chunk that failed whole): no outputs.
      const none = new Float64Array(n).fill(NaN);
      return {
        rows: n,
        extra: [],
        params,
        outputs: names.map(() => none),
        success: new Uint8Array(n),
      };
    }
    const at = positions(chunk.names);
    const outputs = names.map((name) => {
      const c = at.get(name);
      return c === undefined ? new Float64Array(n).fill(NaN) : chunk.values[c];
    });
    if (lacksAny(names, chunk.names)) this.#late.add(chunk);
    return { rows: n, extra: [], params, outputs, success: chunk.success };
  }

  /** Every row in row order under these output names: what a results file is rewritten from. */
  table(names: string[]): RowTable {
    const o = this.#o;
    const outputs = toRows(names.map((n) => this.#outputs.get(n)), o.rows);
    const errors = Array.from({ length: o.rows }, (_, r) => this.#errors.get(r));
    return {
      paramNames: o.paramNames,
      outputNames: names,
      rows: o.rows,
      params: this.#paramRows.held(),
      outputs,
      success: this.#success,
      errors,
      ...this.#allExtra(),
    };
  }

  /** The sweep's result under these output names. */
  result(names: string[], seed: number | undefined, elapsedMs: number): SweepResult {
    const o = this.#o;
    const outputs: Record<string, Float64Array> = {};
    for (const name of names) {
      outputs[name] = this.#outputs.get(name) ?? new Float64Array(o.rows).fill(NaN);
    }
    const params: Record<string, Float64Array> = {};
    const paramColumns = this.#paramColumns();
    o.paramNames.forEach((name, c) => (params[name] = paramColumns[c]));
    return {
      paramNames: [...o.paramNames],
      outputNames: names,
      params,
      outputs,
      success: this.#success,
      errors: new Map([...this.#errors].sort((a, b) => a[0] - b[0])),
      ...this.#ending(names, seed, elapsedMs),
    };
  }
}

const EMPTY = new Float64Array(0);

/** A chunk's rows on their way to disk (see #liveBatch). */
interface Live {
  index: ArrayLike<number>;
  names: readonly string[];
  values: Float64Array[];
  success: Uint8Array;
  /** Messages of its failed rows, by row index. */
  errors: Map<number, string>;
}

// One warning per found output that some successful row returned as neither a number nor a
// boolean, in column order: such values are recorded as NaN.
function oddWarnings(odd: Map<string, [number, string]>, names: readonly string[]): string[] {
  return names.filter((name) => odd.has(name)).map((name) => {
    const [row, kind] = odd.get(name)!;
    return `output ${
      JSON.stringify(name)
    } is not a number in some successful rows (first row ${row}: ${kind}); those rows record NaN for it. Return a number (NaN where there is none; booleans are recorded as 1/0), or name it in 'outputs' to make such rows fail`;
  });
}

// Each name's place in `names`. (Lists of a thousand outputs are common: a lookup per name in
// the list would cost a million comparisons per batch.)
function positions(names: readonly string[]): Map<string, number> {
  return new Map(names.map((name, i) => [name, i]));
}

// Whether `names` lacks any of `others`.
function lacksAny(names: readonly string[], others: readonly string[]): boolean {
  if (others.length === 0) return false;
  const has = new Set(names);
  return others.some((name) => !has.has(name));
}
