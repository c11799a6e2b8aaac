// Internal: a sweep's results files, written as chunks finish so that rows survive a crash, and
// in row order where that costs little: a chunk that arrives ahead of its turn waits in memory
// (briefly, and within a byte budget) for the rows before it; otherwise rows go to disk out of
// order and each file is replaced at the end by its rows in row order. Also what keeps the files
// this run's alone: OS locks, and a check that no file was deleted or replaced while written.
// One concept in one file, though over 500 lines: the order of rows on disk. Holding a chunk,
// writing it, letting the next held one follow and the final rewrite all read and change the
// same state (the next row due, whether every file is still in row order, where each batch
// lies), and split apart they would have to share it.
import { ENCODER_DEFAULTS, RESULTS_FILE_DEFAULTS } from "../_defaults.ts";
import { isConsecutive } from "../_hot_loops.ts";
import {
  type ColumnBatch,
  formatOfPath,
  resultsFormat,
  type ResultsFormatModule,
  type ResultsWriter,
} from "../io/_formats.ts";
import { writeSweepMeta } from "../io/sweep_meta.ts";
import { RowEncoder } from "../io/_row_encoder.ts";
import { unrecordedMessage } from "./_first_failure.ts";
import { freeBytes } from "../io/_rows.ts";
import type { RowBatch, RowFormat, RowHeader, RowTable } from "../io/row_types.ts";
import { matchRows } from "../io/match_rows.ts";
import { paramRowsOf } from "./_param_rows.ts";
import { lockResults, type ResultsLock } from "../io/_results_lock.ts";
import type { ResultColumns } from "./_result_columns.ts";
import { sinkMeta, type SinkOptions } from "./_sink_options.ts";

/** The results files of one sweep; see the module comment. */
export class OrderedFiles {
  readonly #o: SinkOptions;
  // Where the rows' values come from.
  readonly #columns: ResultColumns;
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
  // The worker that makes the text files' lines (see io/_row_encoder.ts) while the files are
  // open, the header they were opened with, and their formats.
  #encoder: RowEncoder | undefined;
  #encoderFailed = false;
  #writerHeader: RowHeader | undefined;
  #textFormats: RowFormat[] = [];
  // Output names that appeared after the files' header was fixed, as the open files' metadata
  // records them (see #markLate), and the write of that metadata.
  #late: string[] = [];
  // Whether an existing file is replaced although the run resumes (see restart).
  #restart = false;
  #marking: Promise<void> = Promise.resolve();

  private constructor(o: SinkOptions, columns: ResultColumns) {
    this.#o = o;
    this.#columns = columns;
    this.#paths = [o.csv, o.jsonl, o.arrow, o.h5, o.parquet].filter((p): p is string =>
      p !== undefined
    );
  }

  /**
   * Locks the files, then checks each may be written: an existing one only with `resume` or
   * `overwrite`, a missing one in a directory that exists.
   */
  static async open(o: SinkOptions, columns: ResultColumns): Promise<OrderedFiles> {
    const files = new OrderedFiles(o, columns);
    try {
      // Locked before anything is read or replaced: a second run fails here, at once.
      // (The lock checks the file's directory first.)
      for (const path of files.#paths) files.#locks.push(await lockResults(path));
      for (const path of files.#paths) {
        files.#formatOf.set(path, await resultsFormat(formatOfPath(path) ?? "csv"));
      }
      for (const path of files.#paths) {
        if (await files.#formatOf.get(path)!.exists(path)) {
          if (!o.resume && !o.overwrite) {
            throw new Deno.errors.AlreadyExists(
              `Cannot write results as ${
                JSON.stringify(path)
              } already exists: pass resume to continue that sweep, or overwrite to replace it`,
            );
          }
        }
      }
      // The encoder starts now, beside the model's workers, rather than for the first batch.
      if (files.#encodesAway && (o.csv !== undefined || o.jsonl !== undefined)) {
        files.#startEncoder();
      }
      return files;
    } catch (error) {
      files.release();
      throw error;
    }
  }

  /** The format of one of the files. */
  formatOf(path: string): ResultsFormatModule {
    return this.#formatOf.get(path)!;
  }

  /**
   * On resume, replaces the files rather than continuing one: their rows could not be taken
   * back (see resumeSink), so every row is computed again.
   */
  restart(): void {
    this.#restart = true;
  }

  /**
   * Continues the file a resumed run read back, under its output names: the one file written
   * while the run goes on; the others are rewritten from the result at the end.
   */
  continueFrom(path: string, names: string[]): void {
    this.#header = names;
    this.#continued = path;
    this.#resuming = true;
    // Rows from the earlier run have no recorded blocks: the final rewrite re-encodes.
    this.#reorderable = false;
    this.#inOrder = false;
  }

  /** Lets go of the results files' locks: the run writes them no more. */
  release(): void {
    for (const lock of this.#locks.splice(0)) lock.release();
    // (Closed with the writers too; here as well for a run that never opened them.)
    this.#closeEncoder();
  }

  // Whether the text files' lines are made by the encoder (see ENCODER_DEFAULTS.minRows).
  get #encodesAway(): boolean {
    return this.#o.rows >= ENCODER_DEFAULTS.minRows;
  }

  // The encoder, started once; undefined where none can start.
  #startEncoder(): RowEncoder | undefined {
    if (this.#encoder === undefined && !this.#encoderFailed) {
      this.#encoder = RowEncoder.open();
      this.#encoderFailed = this.#encoder === undefined;
    }
    return this.#encoder;
  }

  #closeEncoder(): void {
    this.#encoder?.close();
    this.#encoder = undefined;
  }

  /**
   * Tracks one chunk's write, `bytes` of encoded rows, from `add` until its rows are on disk
   * (see `backlogged`).
   */
  track(bytes: number, add: () => Promise<void>): Promise<void> {
    this.#queued += bytes;
    let added: Promise<void>;
    try {
      added = add();
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

  /** Whether more encoded rows wait to be written than the backlog allows. */
  get backlogged(): boolean {
    return this.#queued > (this.#o.backlogBytes ?? RESULTS_FILE_DEFAULTS.backlogBytes);
  }

  // Opens every results file once, with the header the first chunk (or the file) gave.
  #open(names: string[]): Promise<ResultsWriter[]> {
    this.#opening ??= (async () => {
      this.#header ??= names;
      const header: RowHeader = {
        ...(this.#o.extra ? { extraNames: [...this.#o.extra.names] } : {}),
        paramNames: this.#o.paramNames,
        outputNames: this.#header,
      };
      this.#writerHeader = header;
      // Columns go to columnar files as views only without extra columns; with them (the
      // differential index), those files take the row batch, which carries its extra columns.
      this.#columnar = (header.extraNames ?? []).length === 0;
      const writers: ResultsWriter[] = [];
      try {
        for (const path of this.#paths) {
          if (this.#continued !== undefined && path !== this.#continued) continue;
          const format = this.#formatOf.get(path)!;
          const append = this.#resuming && await format.exists(path);
          if (!append) await writeSweepMeta(path, sinkMeta(this.#o, this.#header));
          const writer = await format.open(path, header, {
            append,
            overwrite: !append && (this.#o.overwrite || this.#restart),
            bufferBytes: (this.#o.backlogBytes ?? RESULTS_FILE_DEFAULTS.backlogBytes) / 2,
          });
          writers.push(writer);
          this.#writerOf.set(path, writer);
          const file = writer.streamPath ?? path;
          this.#identity.set(file, await fileIdentity(file));
        }
        // The text files' lines are made by a worker of psweep's own (see io/_row_encoder.ts),
        // started for the first batch large enough to need it.
        this.#textFormats = [];
        for (const { format } of writers) {
          if (format === "csv" || format === "jsonl") this.#textFormats.push(format);
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

  /**
   * Writes rows (or holds them for their turn); `onDisk` runs once they are on disk. Rows that
   * must wait for output names resolve at once, and run `onDisk` when they are written.
   */
  async write(index: ArrayLike<number>, onDisk?: () => void): Promise<void> {
    if (this.#paths.length === 0 || index.length === 0) {
      onDisk?.();
      return;
    }
    if (this.#header === undefined && this.#o.outputs === undefined) {
      // The files' columns come from the first outputs seen. Rows that finished before any (all
      // failed) wait in memory until then: opening now would fix a header without outputs.
      // Their chunk's promise resolves now: it must not hold the workers back (backpressure)
      // for names that may never come.
      if (this.#columns.defaultOutputNames().length === 0) {
        this.#deferred.push({ rows: Array.from(index), onDisk });
        return;
      }
    }
    const writers = await this.#open(this.#columns.outputNames());
    await this.#markLate();
    // Not awaited: those rows may lie after this chunk's, and so wait for it to be written.
    this.#flushDeferred();
    await this.#place(writers, index);
    onDisk?.();
  }

  // Rows written under a header that lacks an output name found since go to disk without that
  // output's values, which only the final rewrite adds (from memory). Before any such row is
  // written, each open file's metadata says which names its rows may lack, so that a run that
  // stops before that rewrite is not resumed as if its rows were complete (resumeSink takes
  // none of them back). Every write awaits the same promise, so their order on disk is kept; the final rewrite
  // writes the metadata without them.
  #markLate(): Promise<void> {
    const header = this.#header!;
    const known = new Set(header);
    const late = this.#columns.outputNames().filter((name) => !known.has(name));
    if (late.length > this.#late.length) {
      this.#late = late;
      const meta = { ...sinkMeta(this.#o, header), [LATE_OUTPUTS]: late };
      const paths = [...this.#writerOf.keys()];
      this.#marking = this.#marking.then(() =>
        Promise.all(paths.map((path) => writeSweepMeta(path, meta))).then(() => {})
      );
    }
    return this.#marking;
  }

  async #place(writers: ResultsWriter[], index: ArrayLike<number>): Promise<void> {
    const n = index.length;
    const consecutive = isConsecutive(index);
    if (this.#inOrder && consecutive && index[0] > this.#nextRow && !this.#draining) {
      // What it costs in memory, roughly: its rows' numbers.
      return this.#hold({ index, bytes: n * 64 });
    }
    await this.#writeNow(writers, index, consecutive);
  }

  // Writes a batch of rows now, then whichever held chunk it lets follow in row order.
  async #writeNow(
    writers: ResultsWriter[],
    index: ArrayLike<number>,
    consecutive: boolean,
  ): Promise<void> {
    const n = index.length;
    if (!consecutive) this.#reorderable = false;
    if (consecutive && index[0] === this.#nextRow) this.#nextRow += n;
    else this.#inOrder = false;
    const names = this.#header!;
    let batch: RowBatch | undefined;
    let columns: ColumnBatch | undefined;
    let texts: Promise<Uint8Array[]> | undefined;
    // Every file's write is queued before anything is awaited, so that the order of calls is
    // the order on disk.
    const writes = writers.map((writer) => {
      const text = writer.format === "csv" || writer.format === "jsonl" ? writer.format : undefined;
      // A small sweep's batches are encoded here (a worker's start would cost more), as are
      // all of them where no encoder can start.
      const encoder = text && writer.writeEncoded && this.#encodesAway
        ? this.#startEncoder()
        : undefined;
      if (encoder && writer.writeEncoded) {
        // The text is made off this thread, once for every text file; each write keeps its
        // place in its file's queue meanwhile.
        const formats = this.#textFormats;
        texts ??= encoder.encode(
          formats,
          this.#writerHeader!,
          this.#columns.textRows(index, names),
        );
        const k = formats.indexOf(text!);
        const bytes = texts.then((t) => t[k]);
        // Written, the text's memory goes back at once (see freeBytes).
        return writer.writeEncoded(bytes, n).finally(() => bytes.then(freeBytes, () => {}));
      }
      if (writer.writeColumns && this.#columnar) {
        return writer.writeColumns(
          columns ??= this.#columns.columnBatch(index, names, consecutive),
        );
      }
      return writer.write(batch ??= this.#columns.batch(index, names));
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
    if (this.#heldBytes > (this.#o.holdBytes ?? RESULTS_FILE_DEFAULTS.holdBytes)) {
      this.#releaseHeld();
    } else {
      this.#holdTimer ??= setTimeout(() => {
        this.#holdTimer = undefined;
        this.#releaseHeld();
      }, this.#o.holdMs ?? RESULTS_FILE_DEFAULTS.holdMs);
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
      const write = this.#writeNow(writers, chunk.index, true);
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
    if (this.#header !== undefined || this.#columns.defaultOutputNames().length > 0) {
      this.#flushDeferred();
    }
    // (A run's last rows would otherwise wait for HDF5's append timer, spaced by the last
    // append's length: seconds, with a thousand outputs.)
    for (const writer of this.#writerOf.values()) writer.endOfRows?.();
  }

  // Writes rows that waited for the files' header (see write). Tracked like chunks, so that
  // close() waits for them; a failure is kept for finish().
  #flushDeferred(): Promise<void>[] {
    const deferred = this.#deferred;
    this.#deferred = [];
    return deferred.map(({ rows, onDisk }) => {
      const write = this.write(rows, onDisk);
      this.#inflight.add(write);
      const settle = () => this.#inflight.delete(write);
      write.then(settle, (error) => {
        settle();
        this.#writeFailure ??= { error };
      });
      return write;
    });
  }

  /** Resolves once every chunk taken is on disk (or failed to get there). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Completes the files under the result's output names (see #finalize); call after settled. */
  async finish(names: string[]): Promise<void> {
    if (this.#paths.length === 0) return;
    if (this.#deferred.length > 0) {
      // No row had outputs: the files get a header without outputs.
      await this.#open(names);
      await Promise.all(this.#flushDeferred());
    }
    await this.#finalize(names);
    if (this.#writeFailure) throw this.#writeFailure.error;
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
    let table: RowTable | undefined;
    for (let f = 0; f < this.#paths.length; f++) {
      const path = this.#paths[f];
      const writer = this.#writerOf.get(path);
      const blocks = (writer && this.#blocks.get(writer)) ?? [];
      const covered = blocks.reduce((a, b) => a + b.rows, 0) === o.rows;
      const format = this.#formatOf.get(path)!;
      const header = {
        ...(o.extra ? { extraNames: [...o.extra.names] } : {}),
        paramNames: o.paramNames,
        outputNames: names,
      };
      // Every batch a run of consecutive rows whose place in the file its writer told.
      const placed = this.#reorderable && sameHeader && covered &&
        blocks.every((b) => b.offset >= 0);
      if (format.streams && this.#inOrder && sameHeader && covered) {
        // Written in row order already: the file is final as it stands.
      } else if (format.finalizeFromStream && this.#inOrder && sameHeader && covered) {
        // Parquet whose stream holds every row in order: written from it, a batch at a time.
        await format.finalizeFromStream(path, header, o.rows);
      } else if (placed && format.finalizeFromBlocks) {
        // The batches already written, put in row order, a batch at a time (no second encoding).
        const sorted = [...blocks].sort((a, b) => a.first - b.first);
        await format.finalizeFromBlocks(path, header, o.rows, sorted);
      } else {
        // Parquet otherwise: written from the table of the rows, a row group at a time. A sweep
        // that does not keep its rows reads them back from the file it streamed (once, for every
        // file that needs them).
        table ??= this.#columns.keepsRows
          ? this.#columns.table(names)
          : await this.#readBack(names);
        await format.finalize(path, table);
      }
      await writeSweepMeta(path, sinkMeta(o, names));
    }
  }

  // Every row, for a sweep that does not keep them: from the file a resume continued (it has every
  // row, even when none was left to compute), else the streamed file that records most (JSON
  // Lines keeps failed rows' messages; CSV, Arrow, HDF5 and Parquet's partial stream do not, and
  // hold the same rows), matched to the sweep's rows by their parameters, as a resume matches
  // them. Called with the writers closed, before any file is replaced.
  async #readBack(names: string[]): Promise<RowTable> {
    const o = this.#o;
    const path = this.#continued ??
      [o.jsonl, o.csv, o.arrow, o.h5, o.parquet].find((p) =>
        p !== undefined && this.#writerOf.has(p)
      );
    if (path === undefined || this.#header === undefined) {
      throw new Error(
        "Cannot rewrite the results files as the sweep keeps no rows ('keepResult: false') and streamed none of them to read the rows back from",
      );
    }
    const P = o.paramNames.length;
    // (Parquet's rows are in its partial stream until it is finalized: read as a resume reads.)
    const disk = await this.#formatOf.get(path)!.read(path, {
      paramNames: o.paramNames,
      outputNames: this.#header,
    }, true);
    const index = matchRows(
      { rows: disk.rows, columns: P, data: disk.params },
      { rows: o.rows, columns: P, data: paramRowsOf(o.params, o.rows, P).held() },
      { paramNames: o.paramNames },
    );
    return this.#columns.fromDisk(disk, index, names, unrecordedMessage(disk.format));
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
    this.#closeEncoder();
    const failed = closed.find((c) => c.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/**
 * The metadata field that lists the output names a stopped run's rows on disk may lack (see
 * OrderedFiles.#markLate).
 */
export const LATE_OUTPUTS = "outputsMissingFromRows";

/** Rows that finished before the files' header was known. */
interface Deferred {
  rows: number[];
  onDisk: (() => void) | undefined;
}

/** A chunk waiting for its turn to be written. */
interface Held {
  index: ArrayLike<number>;
  bytes: number;
  done: PromiseWithResolvers<void>;
}

/** Where a batch of consecutive rows lies in a results file. */
interface Block {
  /** Index of its first row. */
  first: number;
  rows: number;
  offset: number;
  bytes: number;
}

// What a path names on disk now: its device and inode.
async function fileIdentity(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.dev}:${info.ino}`;
}
