// Internal: where a sweep's chunk results go as they arrive: the result columns (placed by row
// index), the streaming output files, and progress. Also reads back what a resumed sweep has
// on disk.
import { CHUNK_ERROR_NAMES, type LocalResults } from "../parallel/parallel_manager.ts";
import { describe } from "../_describe.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import {
  type ColumnBatch,
  formatOfPath,
  resultsFormat,
  type ResultsFormatModule,
  type ResultsWriter,
} from "../io/_formats.ts";
import { matchRows, readSweepMeta, type SweepMeta, writeSweepMeta } from "../io/resume.ts";
import type { RowBatch, RowHeader, RowTable } from "../io/row_types.ts";
import { type Progress, ProgressTracker } from "../io/progress.ts";
import { lockResults, type ResultsLock } from "../io/_results_lock.ts";
import { MAX_OUTPUT_NAMES } from "../_limits.ts";
import type { ChunkOutput } from "./_driver.ts";
import type { SweepResult } from "./sweep_result.ts";

/** How a sink is set up. */
export interface SinkOptions {
  csv?: string;
  jsonl?: string;
  /** An Arrow IPC stream, an HDF5 file (WaterTAP's layout) and a Parquet file. */
  arrow?: string;
  h5?: string;
  parquet?: string;
  resume: boolean;
  overwrite: boolean;
  paramNames: string[];
  outputs: string[] | undefined;
  /** rows x paramNames.length, row-major. */
  params: Float64Array;
  rows: number;
  /** What identifies the sweep on disk, checked on resume. */
  meta: Record<string, unknown>;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** How long a chunk that arrives ahead of its turn may wait in memory. @default {250} */
  holdMs?: number;
  /** How many bytes of such chunks may wait in all. @default {32 MiB} */
  holdBytes?: number;
}

/** Collects a sweep's rows; see the module comment. */
export class SweepSink {
  readonly #o: SinkOptions;
  readonly #success: Uint8Array;
  readonly #done: Uint8Array;
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
  #tracker: ProgressTracker | undefined;
  // Streaming files: opened when the first chunk tells the output names (or at once on resume).
  readonly #paths: string[];
  #header: string[] | undefined;
  // Per file, where each written batch lies; a batch of consecutive rows is a reusable block.
  readonly #blocks = new Map<ResultsWriter, Block[]>();
  // Each file's writer, once open, and each file's format.
  readonly #writerOf = new Map<string, ResultsWriter>();
  readonly #formatOf = new Map<string, ResultsFormatModule>();
  #reorderable = true;
  // Whether columnar files take the rows as columns (see #open).
  #columnar = true;
  // The parameters by column, once made (see #paramColumns).
  #params: Float64Array[] | undefined;
  // While true, every row on disk was written in row order from row 0, and a chunk that
  // arrives ahead of its turn waits in #held (briefly, and within a byte budget) rather than
  // being written out of order: then the files need no rewrite at the end.
  #inOrder = true;
  #nextRow = 0;
  readonly #held = new Map<number, Held>();
  #heldBytes = 0;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  // Chunks taken but not yet on disk, and whether the run is over (drain() or close() began):
  // from then on nothing is held.
  readonly #inflight = new Set<Promise<void>>();
  #queued = 0;
  #draining = false;
  // Rows that finished before any output name was known, waiting for the files' header.
  #deferred: Deferred[] = [];
  // A write of such rows that failed, with no chunk's promise to carry it.
  #writeFailure: { error: unknown } | undefined;
  #opening: Promise<ResultsWriter[]> | undefined;
  #resuming = false;
  // On resume, the file read back: the one file written while the run goes on.
  #continued: string | undefined;
  // One writer per results file: the OS locks this run holds (see _results_lock.ts), and what
  // each file was when its writer opened it (device and inode), to notice it replaced or gone.
  readonly #locks: ResultsLock[] = [];
  readonly #identity = new Map<string, string>();

  private constructor(o: SinkOptions) {
    this.#o = o;
    this.#success = new Uint8Array(o.rows);
    this.#done = new Uint8Array(o.rows);
    // Columns start as zeros: every row is written when it finishes (NaN where it has no value),
    // which saves filling millions of NaN up front.
    for (const name of o.outputs ?? []) this.#outputs.set(name, new Float64Array(o.rows));
    this.#paths = [o.csv, o.jsonl, o.arrow, o.h5, o.parquet].filter((p): p is string =>
      p !== undefined
    );
  }

  /** Opens the sink: with `resume`, reads the rows already on disk. */
  static async open(o: SinkOptions): Promise<SweepSink> {
    const sink = new SweepSink(o);
    try {
      // Locked before anything is read or replaced: a second run fails here, at once.
      for (const path of sink.#paths) {
        await checkWritableDir(path);
        sink.#locks.push(await lockResults(path));
      }
      return await sink.#start();
    } catch (error) {
      sink.release();
      throw error;
    }
  }

  /** Lets go of the results files' locks: the run writes them no more. */
  release(): void {
    for (const lock of this.#locks.splice(0)) lock.release();
  }

  async #start(): Promise<SweepSink> {
    const o = this.#o;
    for (const path of this.#paths) {
      this.#formatOf.set(path, await resultsFormat(formatOfPath(path) ?? "csv"));
    }
    for (const path of this.#paths) {
      if (await this.#formatOf.get(path)!.exists(path)) {
        if (!o.resume && !o.overwrite) {
          throw new Deno.errors.AlreadyExists(
            `Cannot write results as ${
              JSON.stringify(path)
            } already exists: pass resume to continue that sweep, or overwrite to replace it`,
          );
        }
      } else {
        await checkWritableDir(path);
      }
    }
    if (o.resume) {
      // Any file tells what is done; JSON Lines also keeps failed rows' messages. Only that
      // file is continued: the others (missing, or with rows the first lacks after a crash
      // between two writes) are rewritten from the result at the end.
      for (const path of [o.jsonl, o.csv, o.arrow, o.h5, o.parquet]) {
        if (path !== undefined && await this.#formatOf.get(path)!.exists(path)) {
          await this.#readBack(path);
          this.#continued = path;
          break;
        }
      }
    }
    this.#tracker = new ProgressTracker(o.rows, {
      intervalMs: o.progressIntervalMs ?? 200,
      onProgress: o.onProgress,
      done: this.#finished,
      failed: this.#failed,
    });
    return this;
  }

  #meta(outputNames: readonly string[]): SweepMeta {
    return {
      version: 1,
      paramNames: this.#o.paramNames,
      outputNames,
      totalRows: this.#o.rows,
      ...this.#o.meta,
    } as SweepMeta;
  }

  // Takes the rows a previous run of the same sweep left on disk, after checking it is the same.
  async #readBack(path: string): Promise<void> {
    const o = this.#o;
    let meta: SweepMeta;
    try {
      meta = await readSweepMeta(path, {
        expected: this.#meta(o.outputs ?? []),
        // Output names found in the rows may differ from run to run; named ones must not.
        ignore: o.outputs === undefined ? ["outputNames", "version"] : ["version"],
      });
    } catch (e) {
      const message = (e as Error).message;
      // The metadata's own refusals already say "Cannot resume <path> as ...".
      throw new Error(
        message.startsWith("Cannot resume ")
          ? message
          : `Cannot resume from ${JSON.stringify(path)}: ${message}`,
        { cause: e },
      );
    }
    const disk = await this.#formatOf.get(path)!.read(
      path,
      { paramNames: o.paramNames, outputNames: meta.outputNames },
      true,
    );
    const P = o.paramNames.length;
    const index = matchRows(
      { rows: disk.rows, columns: P, data: disk.params },
      { rows: o.rows, columns: P, data: o.params },
      { paramNames: o.paramNames },
    );
    const names = [...disk.outputNames];
    const K = names.length;
    const unrecorded = `failed (the ${
      disk.format === "csv"
        ? "CSV"
        : disk.format === "h5"
        ? "HDF5"
        : disk.format === "arrow"
        ? "Arrow"
        : "Parquet"
    } file does not record messages)`;
    const columns = names.map((name) => this.#column(name));
    for (let i = 0; i < disk.rows; i++) {
      const r = index[i];
      for (let c = 0; c < K; c++) columns[c][r] = disk.outputs[i * K + c];
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
    this.#header = names;
    this.#firstNames = { chunk: -1, names };
    this.#resuming = true;
    // Rows from the earlier run have no recorded blocks: the final rewrite re-encodes.
    this.#reorderable = false;
    this.#inOrder = false;
  }

  #column(name: string): Float64Array {
    let col = this.#outputs.get(name);
    if (!col) {
      if (this.#o.paramNames.includes(name) || name === "success" || name === "__proto__") {
        // Files would hold two columns of that name, and could not be read back; and
        // "__proto__" is no key of the result's object of columns.
        const taken = name === "__proto__"
          ? "no object can hold it as a key"
          : "a parameter or the results' success column has that name";
        throw new RangeError(
          `Cannot record the model's output ${
            describe(name)
          } as ${taken}: rename it in the model, or list the outputs to record in 'outputs'`,
        );
      }
      col = new Float64Array(this.#o.rows);
      // Rows finished before this output first appeared do not have it.
      if (this.#finished > 0) col.fill(NaN);
      this.#outputs.set(name, col);
    }
    return col;
  }

  // Rows that finished without some existing outputs hold NaN in those columns.
  #blankOthers(names: readonly string[], rows: ArrayLike<number>): void {
    for (const [name, col] of this.#outputs) {
      if (names.includes(name)) continue;
      for (let i = 0; i < rows.length; i++) col[rows[i]] = NaN;
    }
  }

  // Opens every results file once, with the header the first chunk (or the file) gave.
  #open(names: string[]): Promise<ResultsWriter[]> {
    this.#opening ??= (async () => {
      this.#header ??= names;
      const header: RowHeader = { paramNames: this.#o.paramNames, outputNames: this.#header };
      // Columns go to columnar files as views only without extra columns; with them (the
      // differential index), those files take the row batch, which carries its extra columns.
      this.#columnar = (header.extraNames ?? []).length === 0;
      const writers: ResultsWriter[] = [];
      try {
        for (const path of this.#paths) {
          if (this.#continued !== undefined && path !== this.#continued) continue;
          const format = this.#formatOf.get(path)!;
          const append = this.#resuming && await format.exists(path);
          if (!append) await writeSweepMeta(path, this.#meta(this.#header));
          const writer = await format.open(path, header, {
            append,
            overwrite: !append && this.#o.overwrite,
          });
          writers.push(writer);
          this.#writerOf.set(path, writer);
          const file = writer.streamPath ?? path;
          this.#identity.set(file, await fileIdentity(file));
        }
      } catch (error) {
        // A file that could not be opened: the ones that could are closed, not left open.
        await Promise.allSettled(writers.map((w) => w.close()));
        throw error;
      }
      return writers;
    })();
    return this.#opening;
  }

  // Writes rows (or holds them for their turn); `onDisk` runs once they are on disk. Rows that
  // must wait for output names resolve at once, and run `onDisk` when they are written.
  async #write(
    index: ArrayLike<number>,
    errors: Map<number, string>,
    encoded?: ChunkOutput,
    onDisk?: () => void,
  ): Promise<void> {
    if (this.#paths.length === 0 || index.length === 0) {
      onDisk?.();
      return;
    }
    if (this.#header === undefined && this.#o.outputs === undefined) {
      // The files' columns come from the first outputs seen. Rows that finished before any (all
      // failed) wait in memory until then: opening now would fix a header without outputs.
      // Their chunk's promise resolves now: it must not hold the workers back (backpressure)
      // for names that may never come.
      if (this.#defaultOutputNames().length === 0) {
        this.#deferred.push({ rows: Array.from(index), onDisk });
        return;
      }
    }
    const writers = await this.#open(this.#o.outputs ?? this.#defaultOutputNames());
    // Not awaited: those rows may lie after this chunk's, and so wait for it to be written.
    this.#flushDeferred(errors);
    await this.#place(writers, index, errors, encoded);
    onDisk?.();
  }

  async #place(
    writers: ResultsWriter[],
    index: ArrayLike<number>,
    errors: Map<number, string>,
    encoded?: ChunkOutput,
  ): Promise<void> {
    const n = index.length;
    let consecutive = true;
    for (let i = 1; i < n && consecutive; i++) consecutive = index[i] === index[0] + i;
    if (this.#inOrder && consecutive && index[0] > this.#nextRow && !this.#draining) {
      // What it costs in memory, roughly: its text, or (not encoded) its rows' numbers.
      const bytes = textBytes(encoded) || n * 64;
      return this.#hold({ index, errors, encoded, bytes });
    }
    await this.#writeNow(writers, index, errors, encoded, consecutive);
  }

  // Writes a batch of rows now, then whichever held chunk it lets follow in row order.
  async #writeNow(
    writers: ResultsWriter[],
    index: ArrayLike<number>,
    errors: Map<number, string>,
    encoded: ChunkOutput | undefined,
    consecutive: boolean,
  ): Promise<void> {
    const n = index.length;
    if (!consecutive) this.#reorderable = false;
    if (consecutive && index[0] === this.#nextRow) this.#nextRow += n;
    else this.#inOrder = false;
    const names = this.#header!;
    // Rows a worker encoded under this very header go to disk as they are.
    const reuse = encoded !== undefined && encoded.names.length === names.length &&
      encoded.names.every((name, i) => name === names[i]);
    let batch: RowBatch | undefined;
    let columns: ColumnBatch | undefined;
    // Every file's write is queued before anything is awaited, so that the order of calls is
    // the order on disk.
    const writes = writers.map((writer) => {
      const bytes = reuse && (writer.format === "csv" || writer.format === "jsonl")
        ? encoded[writer.format]
        : undefined;
      if (bytes && writer.writeEncoded) return writer.writeEncoded(bytes, n);
      if (writer.writeColumns && this.#columnar) {
        return writer.writeColumns(columns ??= this.#columnBatch(index, names, consecutive))
          .then(() => undefined);
      }
      return writer.write(batch ??= this.#batch(index, errors, names));
    });
    const next = this.#held.get(this.#nextRow);
    const following = next && this.#inOrder ? this.#release(writers, [next]) : undefined;
    const written = await Promise.all(writes);
    written.forEach((w, f) => {
      const blocks = this.#blocks.get(writers[f]) ?? [];
      blocks.push({ first: index[0], rows: n, ...(w ?? { offset: -1, bytes: 0 }) });
      this.#blocks.set(writers[f], blocks);
    });
    await following;
  }

  // Keeps a chunk that arrived ahead of its turn until the rows before it are written. A chunk
  // held too long or too much held in all writes everything out of order instead: rows must
  // not wait in memory behind a slow row, and memory must stay flat.
  #hold(chunk: Omit<Held, "done">): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.#held.set(chunk.index[0], { ...chunk, done });
    this.#heldBytes += chunk.bytes;
    if (this.#heldBytes > (this.#o.holdBytes ?? HOLD_BYTES)) {
      this.#releaseHeld();
    } else {
      this.#holdTimer ??= setTimeout(() => {
        this.#holdTimer = undefined;
        this.#releaseHeld();
      }, this.#o.holdMs ?? HOLD_MS);
    }
    return done.promise;
  }

  // Writes held chunks, in the given order, each settling its own promise. Takes them out of
  // #held at once, so that no later call writes them again. Never rejects: each chunk's
  // promise carries its error.
  #release(writers: ResultsWriter[], chunks: Held[]): Promise<void> {
    this.#take(chunks);
    return this.#writeHeld(writers, chunks);
  }

  #take(chunks: Held[]): void {
    for (const chunk of chunks) {
      this.#held.delete(chunk.index[0]);
      this.#heldBytes -= chunk.bytes;
    }
    if (this.#held.size === 0 && this.#holdTimer !== undefined) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = undefined;
    }
  }

  #writeHeld(writers: ResultsWriter[], chunks: Held[]): Promise<void> {
    const writes = chunks.map((chunk) => {
      const write = this.#writeNow(writers, chunk.index, chunk.errors, chunk.encoded, true);
      write.then(chunk.done.resolve, chunk.done.reject);
      return write;
    });
    return Promise.allSettled(writes).then(() => {});
  }

  // Writes every held chunk now, out of order (the files are then rewritten in row order at the
  // end): for chunks held too long or too much, and for a run that ends, or stops, with rows
  // still missing before them.
  #releaseHeld(): void {
    if (this.#held.size === 0 || !this.#opening) return;
    const held = [...this.#held.values()].sort((a, b) => a.index[0] - b.index[0]);
    this.#inOrder = false;
    this.#take(held);
    // Chunks are held only once the files are open, so this promise has resolved.
    this.#opening.then(
      (writers) => this.#writeHeld(writers, held),
      (error) => held.forEach((chunk) => chunk.done.reject(error)),
    );
  }

  /**
   * The run is over, or stopping: writes every held chunk without waiting for rows that will
   * not come, and chunks added later as they come. Rows that waited for output names are
   * written if names are known by now; if not, their promises settle and the rows stay for
   * `finish` (a run where no row had outputs), or, in a run that stopped, to be computed again
   * on resume: a header without outputs, fixed now, would hold later rows without theirs.
   */
  drain(): void {
    this.#draining = true;
    this.#releaseHeld();
    if (this.#header !== undefined || this.#defaultOutputNames().length > 0) {
      this.#flushDeferred(this.#errors);
    }
  }

  // Writes rows that waited for the files' header (see #write). Tracked like chunks, so that
  // close() waits for them; a failure is kept for finish().
  #flushDeferred(errors: Map<number, string>): Promise<void>[] {
    const deferred = this.#deferred;
    this.#deferred = [];
    return deferred.map(({ rows, onDisk }) => {
      const write = this.#write(rows, errors, undefined, onDisk);
      this.#inflight.add(write);
      const settle = () => this.#inflight.delete(write);
      write.then(settle, (error) => {
        settle();
        this.#writeFailure ??= { error };
      });
      return write;
    });
  }

  #batch(index: ArrayLike<number>, errors: Map<number, string>, names: string[]): RowBatch {
    const P = this.#o.paramNames.length;
    const K = names.length;
    const n = index.length;
    const params = new Float64Array(n * P);
    const outputs = new Float64Array(n * K);
    const success = new Uint8Array(n);
    const messages: (string | undefined)[] = new Array(n);
    const columns = names.map((name) => this.#outputs.get(name));
    for (let i = 0; i < n; i++) {
      const r = index[i];
      params.set(this.#o.params.subarray(r * P, (r + 1) * P), i * P);
      for (let c = 0; c < K; c++) outputs[i * K + c] = columns[c]?.[r] ?? NaN;
      success[i] = this.#success[r];
      messages[i] = errors.get(r);
    }
    return { rows: n, params, outputs, success, errors: messages };
  }

  // The parameters as columns: made once, when a columnar file first needs them (the result
  // needs them at the end anyway).
  #paramColumns(): Float64Array[] {
    if (this.#params === undefined) {
      const P = this.#o.paramNames.length;
      this.#params = this.#o.paramNames.map((_, j) => strided(this.#o.params, j, P, this.#o.rows));
    }
    return this.#params;
  }

  // The rows as columns, for columnar files: a run of consecutive rows takes its outputs as
  // views of the result's columns, without a copy.
  #columnBatch(index: ArrayLike<number>, names: string[], consecutive: boolean): ColumnBatch {
    const P = this.#o.paramNames.length;
    const n = index.length;
    const first = index[0];
    const data = this.#o.params;
    const columns = this.#paramColumns();
    const params: Float64Array[] = [];
    for (let j = 0; j < P; j++) {
      params.push(consecutive ? columns[j].subarray(first, first + n) : picked(data, index, P, j));
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

  /** Row indices still to compute, ascending; `undefined` when that is every row. */
  missingRows(): Int32Array | undefined {
    // A fresh sweep computes every row: no list needed.
    if (this.#resumed === 0) return undefined;
    const out = new Int32Array(this.#o.rows - this.#resumed);
    let k = 0;
    for (let r = 0; r < this.#o.rows; r++) if (!this.#done[r]) out[k++] = r;
    return out;
  }

  /** Takes one chunk's results; resolves once its rows are on disk. */
  add(chunk: LocalResults<ChunkOutput>): Promise<void> {
    const bytes = textBytes(chunk.results);
    this.#queued += bytes;
    let added: Promise<void>;
    try {
      added = this.#add(chunk);
    } catch (error) {
      added = Promise.reject(error);
    }
    this.#inflight.add(added);
    const settle = () => {
      this.#inflight.delete(added);
      this.#queued -= bytes;
    };
    added.then(settle, settle);
    return added;
  }

  /**
   * Whether more than 32 MiB of encoded rows wait to be written: the sweep then holds the
   * workers back until the disk catches up, so that memory stays flat.
   */
  get backlogged(): boolean {
    return this.#queued > BACKLOG_BYTES;
  }

  #add(chunk: LocalResults<ChunkOutput>): Promise<void> {
    const params = chunk.parameters;
    if (chunk.error || !chunk.results) {
      const message = `${chunk.error?.name}: ${chunk.error?.message}`;
      // Aborted rows were never computed: leave them missing so that a resume computes them.
      if (chunk.error?.name === CHUNK_ERROR_NAMES.aborted) return Promise.resolve();
      const rows: number[] = [];
      for (let i = 0; i < params.rows; i++) {
        const r = params.data[i * params.columns];
        this.#fail(r, message);
        rows.push(r);
      }
      // Progress counts a row once it is on disk.
      return this.#write(
        rows,
        this.#errors,
        undefined,
        () => this.#tracker?.add(rows.length, rows.length),
      );
    }
    const out = chunk.results;
    let fresh = 0;
    for (const name of out.names) if (!this.#outputs.has(name)) fresh++;
    if (this.#outputs.size + fresh > MAX_OUTPUT_NAMES) {
      // Chunks that each stay under the limit can pass it together: their rows fail.
      const message = `RangeError: the rows' outputs would make ${
        this.#outputs.size + fresh
      } distinct output names, over the limit of ${MAX_OUTPUT_NAMES}`;
      const rows = Array.from(out.index);
      for (const r of rows) this.#fail(r, message);
      return this.#write(
        rows,
        this.#errors,
        undefined,
        () => this.#tracker?.add(rows.length, rows.length),
      );
    }
    for (const [name, row, stack] of out.stacks ?? []) {
      const known = this.#stacks.get(name);
      if (!known || row < known[0]) this.#stacks.set(name, [row, stack]);
    }
    for (const [name, row, kind] of out.odd ?? []) {
      const known = this.#odd.get(name);
      if (!known || row < known[0]) this.#odd.set(name, [row, kind]);
    }
    if (out.firstNames && (!this.#firstNames || chunk.processNumber < this.#firstNames.chunk)) {
      this.#firstNames = { chunk: chunk.processNumber, names: out.firstNames };
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
    const failed = out.errors.length;
    // The manager keeps every chunk's result until gather: let go of the bulk now that it is
    // in the columns (and, once written, on disk), so memory does not grow with the text.
    out.values = [];
    return this.#write(out.index, this.#errors, out, () => this.#tracker?.add(n, failed)).then(
      () => {
        out.csv = out.jsonl = undefined;
        out.index = EMPTY;
      },
    );
  }

  #fail(row: number, message: string): void {
    for (const col of this.#outputs.values()) col[row] = NaN;
    this.#done[row] = 1;
    this.#success[row] = 0;
    this.#errors.set(row, message);
    this.#finished++;
    this.#computed++;
    this.#failed++;
  }

  /** Assembles the result in row order, and rewrites the files in row order. */
  async finish(seed: number | undefined, elapsedMs: number): Promise<SweepResult> {
    // The run is over: nothing more to wait for, and rows still on their way to disk count in
    // the last progress report.
    this.drain();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    this.#tracker?.finish();
    const o = this.#o;
    const names = o.outputs ?? this.#defaultOutputNames();
    const outputs: Record<string, Float64Array> = {};
    for (const name of names) {
      outputs[name] = this.#outputs.get(name) ?? new Float64Array(o.rows).fill(NaN);
    }
    const params: Record<string, Float64Array> = {};
    const paramColumns = this.#paramColumns();
    o.paramNames.forEach((name, c) => (params[name] = paramColumns[c]));
    const failed = this.#failed;
    if (this.#paths.length > 0) {
      if (this.#deferred.length > 0) {
        // No row had outputs: the files get a header without outputs.
        await this.#open(names);
        await Promise.all(this.#flushDeferred(this.#errors));
      }
      await this.#finalize(names);
      if (this.#writeFailure) throw this.#writeFailure.error;
    }
    return {
      paramNames: [...o.paramNames],
      outputNames: names,
      params,
      outputs,
      success: this.#success,
      errors: new Map([...this.#errors].sort((a, b) => a[0] - b[0])),
      warnings: oddWarnings(this.#odd, names),
      stacks: new Map([...this.#stacks.values()].sort((a, b) => a[0] - b[0])),
      seed,
      rows: o.rows,
      stats: {
        succeeded: o.rows - failed,
        failed,
        resumed: this.#resumed,
        elapsedMs,
        rowsPerSecond: this.#computed / Math.max(elapsedMs / 1000, 1e-9),
      },
    };
  }

  // A file written in row order under the final names stays as it is. Otherwise (rows written
  // out of order, a resume, output names that appeared late) replace it, atomically, by the rows
  // in combination order under the final output names. When every batch was a run of consecutive
  // rows under the same header, the bytes already written are reused in row order (no second
  // encoding, flat memory); otherwise the rows are encoded again.
  async #finalize(names: string[]): Promise<void> {
    await this.#closeWriters();
    // A file deleted or replaced while the run wrote it lost the rows written since (they went
    // to a file no longer at its path): the run fails rather than report results it does not
    // have on disk.
    for (const [path, identity] of this.#identity) {
      if (await fileIdentity(path).catch(() => "gone") !== identity) {
        throw new Error(
          `Cannot finish the sweep as its results file ${
            JSON.stringify(path)
          } was deleted or replaced while the sweep was writing it: the rows written to it are not at that path; run the sweep again`,
        );
      }
    }
    const o = this.#o;
    const sameHeader = this.#header !== undefined && this.#header.length === names.length &&
      this.#header.every((n, i) => n === names[i]);
    for (let f = 0; f < this.#paths.length; f++) {
      const path = this.#paths[f];
      const writer = this.#writerOf.get(path);
      const blocks = (writer && this.#blocks.get(writer)) ?? [];
      const covered = blocks.reduce((a, b) => a + b.rows, 0) === o.rows;
      const format = this.#formatOf.get(path)!;
      const text = format.format === "csv" || format.format === "jsonl";
      if (format.streams && this.#inOrder && sameHeader && covered) {
        // Written in row order already: the file is final as it stands.
      } else if (text && this.#reorderable && sameHeader && covered) {
        await writeFileAtomic(path, reorderedBlocks(path, blocks), { overwrite: true });
      } else {
        // Parquet always: it is written from the whole table at the end.
        await format.finalize(path, this.#table(names));
      }
      await writeSweepMeta(path, this.#meta(names));
    }
  }

  #table(names: string[]): RowTable {
    const o = this.#o;
    const K = names.length;
    const outputs = new Float64Array(o.rows * K);
    const columns = names.map((n) => this.#outputs.get(n));
    for (let r = 0; r < o.rows; r++) {
      for (let c = 0; c < K; c++) outputs[r * K + c] = columns[c]?.[r] ?? NaN;
    }
    const errors = Array.from({ length: o.rows }, (_, r) => this.#errors.get(r));
    return {
      paramNames: o.paramNames,
      outputNames: names,
      rows: o.rows,
      params: o.params,
      outputs,
      success: this.#success,
      errors,
    };
  }

  // WaterTAP records the keys of the first successful evaluation; other keys follow in the
  // order they first appeared, so that no output a row produced is dropped.
  #defaultOutputNames(): string[] {
    const first = this.#firstNames?.names ?? [];
    const at = (name: string) => this.#firstSeen.get(name) ?? [-1, 0];
    const rest = [...this.#outputs.keys()].filter((n) => !first.includes(n));
    rest.sort((a, b) => at(a)[0] - at(b)[0] || at(a)[1] - at(b)[1]);
    return [...first, ...rest];
  }

  /**
   * Closes the files and lets go of their locks; rows written so far (and rows held back) stay
   * on disk.
   */
  async close(): Promise<void> {
    try {
      await this.#closeWriters();
    } finally {
      this.release();
    }
  }

  async #closeWriters(): Promise<void> {
    while (this.#inflight.size > 0) {
      this.drain();
      await Promise.allSettled([...this.#inflight]);
    }
    const writers = this.#opening ? await this.#opening.catch(() => []) : [];
    this.#opening = undefined;
    // Every file is closed, even when one fails to; the first failure is thrown.
    const closed = await Promise.allSettled(writers.map((w) => w.close()));
    const failed = closed.find((c) => c.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

// `n` values of `data` from `start` on, `step` apart.
function strided(data: Float64Array, start: number, step: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0, at = start; i < n; i++, at += step) out[i] = data[at];
  return out;
}

// Column `j` of the rows `index` of the row-major `data`, `width` values a row.
function picked(
  data: Float64Array,
  index: ArrayLike<number>,
  width: number,
  j: number,
): Float64Array {
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = data[index[i] * width + j];
  return out;
}

// A chunk is held at most this long, and chunks are held up to this many bytes in all.
const HOLD_MS = 250;
const HOLD_BYTES = 32 * 2 ** 20;
// Encoded rows waiting to be written beyond which the sweep stops sending work.
const BACKLOG_BYTES = 32 * 2 ** 20;
const EMPTY = new Float64Array(0);

/** Rows that finished before the files' header was known. */
interface Deferred {
  rows: number[];
  onDisk: (() => void) | undefined;
}

/** A chunk waiting for its turn to be written. */
interface Held {
  index: ArrayLike<number>;
  errors: Map<number, string>;
  encoded: ChunkOutput | undefined;
  bytes: number;
  done: PromiseWithResolvers<void>;
}

// The bytes of a chunk's encoded rows.
function textBytes(encoded: ChunkOutput | undefined): number {
  return (encoded?.csv?.length ?? 0) + (encoded?.jsonl?.length ?? 0);
}

/** Where a batch of consecutive rows lies in a results file. */
interface Block {
  /** Index of its first row. */
  first: number;
  rows: number;
  offset: number;
  bytes: number;
}

// The file's bytes with its blocks in row order: what precedes the first block (the CSV header),
// then each block as it was written.
async function* reorderedBlocks(path: string, blocks: Block[]): AsyncGenerator<Uint8Array> {
  const sorted = [...blocks].sort((a, b) => a.first - b.first);
  const start = blocks.reduce((m, b) => Math.min(m, b.offset), Infinity);
  using file = await Deno.open(path, { read: true });
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const out = new Uint8Array(length);
    await file.seek(offset, Deno.SeekMode.Start);
    for (let at = 0; at < length;) {
      const n = await file.read(out.subarray(at));
      if (n === null) throw new Error(`Cannot reorder ${JSON.stringify(path)}: it ended early`);
      at += n;
    }
    return out;
  };
  if (start > 0 && Number.isFinite(start)) yield await read(0, start);
  for (const b of sorted) yield await read(b.offset, b.bytes);
}

// What a path names on disk now: its device and inode.
async function fileIdentity(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.dev}:${info.ino}`;
}

async function checkWritableDir(path: string): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new Deno.errors.NotFound(
      `Cannot write results to ${JSON.stringify(path)} as its directory ${
        JSON.stringify(dir)
      } does not exist`,
    );
  }
  if (!info.isDirectory) {
    throw new Deno.errors.NotADirectory(
      `Cannot write results to ${JSON.stringify(path)} as ${
        JSON.stringify(dir)
      } is not a directory`,
    );
  }
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
