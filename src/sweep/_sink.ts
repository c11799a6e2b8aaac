// Internal: where a sweep's chunk results go as they arrive. The sink coordinates three parts
// beside it: the result's columns (_result_columns.ts), the results files written in row order
// (_ordered_files.ts), and, on resume, the rows a previous run left on disk (_sink_resume.ts);
// and it reports progress as rows reach disk.
import { CHUNK_ERROR_NAMES, type LocalResults } from "../parallel/parallel_manager.ts";
import { RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { ProgressTracker } from "../io/progress.ts";
import type { ChunkOutput } from "./_driver.ts";
import { OrderedFiles } from "./_ordered_files.ts";
import { ResultColumns } from "./_result_columns.ts";
import type { SinkOptions } from "./_sink_options.ts";
import { resumeSink } from "./_sink_resume.ts";
import type { SweepResult } from "./sweep_result.ts";
import type { SweepSummary } from "./sweep_summary.ts";

export type { SinkOptions } from "./_sink_options.ts";

/** Collects a sweep's rows; see the module comment. */
export class SweepSink {
  readonly #columns: ResultColumns;
  readonly #files: OrderedFiles;
  #tracker: ProgressTracker | undefined;
  readonly #o: SinkOptions;

  private constructor(o: SinkOptions, columns: ResultColumns, files: OrderedFiles) {
    this.#o = o;
    this.#columns = columns;
    this.#files = files;
  }

  /** Opens the sink: with `resume`, reads the rows already on disk. */
  static async open(o: SinkOptions): Promise<SweepSink> {
    const columns = new ResultColumns(o);
    const files = await OrderedFiles.open(o, columns);
    const sink = new SweepSink(o, columns, files);
    try {
      if (o.resume) await resumeSink(o, files, columns);
      sink.#tracker = new ProgressTracker(o.rows, {
        intervalMs: o.progressIntervalMs ?? 200,
        onProgress: o.onProgress,
        done: columns.finished,
        failed: columns.failed,
      });
      return sink;
    } catch (error) {
      sink.release();
      throw error;
    }
  }

  /** Lets go of the results files' locks: the run writes them no more. */
  release(): void {
    this.#files.release();
  }

  /** Row indices still to compute, ascending; `undefined` when that is every row. */
  missingRows(): Int32Array | undefined {
    return this.#columns.missingRows();
  }

  /** Takes one chunk's results; resolves once its rows are on disk. */
  add(chunk: LocalResults<ChunkOutput>): Promise<void> {
    return this.#files.track(this.#pendingBytes(chunk.results), () => this.#add(chunk));
  }

  /**
   * Whether more rows wait to be written than the backlog allows (32 MiB of their values and
   * text, by default): the sweep then holds the workers back until the text is made and on
   * disk, so that memory stays flat.
   */
  get backlogged(): boolean {
    return this.#files.backlogged;
  }

  // What a chunk on its way to disk holds, the workers waiting past the backlog: its values, and
  // for each text file the lines made from them until they are written (see backlogBytes).
  #pendingBytes(out: ChunkOutput | undefined): number {
    if (!out) return 0;
    const rows = out.index.length;
    const fieldBytes = RESULTS_FILE_DEFAULTS.textFieldBytes;
    let text = 0;
    if (this.#o.csv !== undefined || this.#o.jsonl !== undefined) {
      const fields = (this.#o.extra?.names.length ?? 0) + this.#o.paramNames.length +
        out.values.length + 1;
      const line = fields * fieldBytes;
      if (this.#o.csv !== undefined) text += line;
      if (this.#o.jsonl !== undefined) {
        // Each field's key ("name":), the keys of the groups around them.
        text += line + 40 + out.names.reduce((n, name) => n + name.length + 4, 0) +
          this.#o.paramNames.reduce((n, name) => n + name.length + 4, 0);
      }
    }
    return rows * (8 * (out.values.length + 2) + text);
  }

  #add(chunk: LocalResults<ChunkOutput>): Promise<void> {
    const params = chunk.parameters;
    if (chunk.error || !chunk.results) {
      const message = `${chunk.error?.name}: ${chunk.error?.message}`;
      // Aborted rows were never computed: leave them missing so that a resume computes them.
      if (chunk.error?.name === CHUNK_ERROR_NAMES.aborted) return Promise.resolve();
      const rows: number[] = [];
      for (let i = 0; i < params.rows; i++) rows.push(params.data[i * params.columns]);
      return this.#failAll(rows, message);
    }
    const out = chunk.results;
    const over = this.#columns.overLimit(out.names);
    if (over !== undefined) return this.#failAll(Array.from(out.index), over);
    const failed = this.#columns.take(chunk.processNumber, out);
    const n = out.index.length;
    // The manager keeps every chunk's result until gather: let go of the bulk now that it is
    // in the columns (and, once written, on disk), so memory does not grow with the text.
    // Without keepRows, the columns hold the chunk itself until it is on disk.
    const columns = this.#columns;
    if (columns.keepsRows) out.values = [];
    const index = out.index;
    const onDisk = () => {
      columns.release(index);
      this.#tracker?.add(n, failed);
    };
    return this.#files.write(index, onDisk).then(() => {
      // (The columns' own references, without keepRows, go once the rows are on disk.)
      out.index = EMPTY;
      out.values = [];
    });
  }

  // Records rows as failed with one message and writes them.
  #failAll(rows: number[], message: string): Promise<void> {
    for (const r of rows) this.#columns.fail(r, message);
    // Progress counts a row once it is on disk.
    return this.#files.write(rows, () => {
      this.#columns.release(rows);
      this.#tracker?.add(rows.length, rows.length);
    });
  }

  /**
   * The run is over, or stopping: writes every held chunk without waiting for rows that will
   * not come (see OrderedFiles.drain).
   */
  drain(): void {
    this.#files.drain();
  }

  /** Assembles the result in row order, and rewrites the files in row order. */
  async finish(seed: number | undefined, elapsedMs: number): Promise<SweepResult> {
    const names = await this.#complete();
    return this.#columns.result(names, seed, elapsedMs);
  }

  /** The same for a sink that keeps no rows (keepRows false): their summary. */
  async finishSummary(seed: number | undefined, elapsedMs: number): Promise<SweepSummary> {
    const names = await this.#complete();
    return this.#columns.summary(names, seed, elapsedMs);
  }

  // Every row on disk, the files in row order; returns the output names.
  async #complete(): Promise<string[]> {
    // The run is over: nothing more to wait for, and rows still on their way to disk count in
    // the last progress report.
    this.drain();
    await this.#files.settled();
    this.#tracker?.finish();
    const names = this.#columns.outputNames();
    await this.#files.finish(names);
    return names;
  }

  /**
   * Closes the files and lets go of their locks; rows written so far (and rows held back) stay
   * on disk.
   */
  close(): Promise<void> {
    return this.#files.close();
  }
}

const EMPTY = new Float64Array(0);
