// Internal: where a sweep's chunk results go as they arrive: the result columns (placed by row
// index), the streaming output files, and progress. Also reads back what a resumed sweep has
// on disk.
import type { LocalResults } from "../parallel/parallel_manager.ts";
import type { ChunkOutput } from "./_driver.ts";
import type { SweepResult } from "./sweep_result.ts";

/** What `onProgress` receives. */
export interface ProgressInfo {
  /** Rows finished (succeeded or failed), including rows resumed from disk. */
  readonly done: number;
  /** Rows failed so far. */
  readonly failed: number;
  /** Rows in the sweep. */
  readonly total: number;
  /** Rows computed per second so far. */
  readonly rate: number;
  /** Estimated milliseconds to go; NaN before any row finished. */
  readonly etaMs: number;
  /** Milliseconds since the sweep started. */
  readonly elapsedMs: number;
}

/** How a sink is set up. */
export interface SinkOptions {
  csv?: string;
  jsonl?: string;
  resume: boolean;
  overwrite: boolean;
  paramNames: string[];
  outputs: string[] | undefined;
  /** rows x paramNames.length, row-major. */
  params: Float64Array;
  rows: number;
  /** What identifies the sweep on disk, checked on resume. */
  meta: Record<string, unknown>;
  onProgress?: (p: ProgressInfo) => void;
  progressIntervalMs?: number;
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
  #finished = 0;
  #failed = 0;
  #resumed = 0;
  #computed = 0;
  readonly #t0 = performance.now();
  #lastProgress = -Infinity;

  private constructor(o: SinkOptions) {
    this.#o = o;
    this.#success = new Uint8Array(o.rows);
    this.#done = new Uint8Array(o.rows);
    for (const name of o.outputs ?? []) this.#outputs.set(name, new Float64Array(o.rows).fill(NaN));
  }

  /** Opens the sink and its files. */
  static open(o: SinkOptions): Promise<SweepSink> {
    if (o.csv || o.jsonl) {
      throw new Error(
        "Cannot write results files yet: CSV and JSON Lines output are not implemented",
      );
    }
    return Promise.resolve(new SweepSink(o));
  }

  /** Row indices still to compute, ascending. */
  missingRows(): Int32Array {
    const out = new Int32Array(this.#o.rows - this.#resumed);
    let k = 0;
    for (let r = 0; r < this.#o.rows; r++) if (!this.#done[r]) out[k++] = r;
    return out;
  }

  /** Takes one chunk's results. */
  add(chunk: LocalResults<ChunkOutput>): Promise<void> {
    const params = chunk.parameters;
    if (chunk.error || !chunk.results) {
      const message = `${chunk.error?.name}: ${chunk.error?.message}`;
      // Aborted rows were never computed: leave them missing so that a resume computes them.
      if (chunk.error?.name === "AbortError") return Promise.resolve();
      for (let i = 0; i < params.rows; i++) this.#fail(params.data[i * params.columns], message);
      this.#progress();
      return Promise.resolve();
    }
    const out = chunk.results;
    if (out.firstNames && (!this.#firstNames || chunk.processNumber < this.#firstNames.chunk)) {
      this.#firstNames = { chunk: chunk.processNumber, names: out.firstNames };
    }
    const K = out.names.length;
    const columns = out.names.map((name) => {
      let col = this.#outputs.get(name);
      if (!col) this.#outputs.set(name, col = new Float64Array(this.#o.rows).fill(NaN));
      return col;
    });
    for (let i = 0; i < out.index.length; i++) {
      const r = out.index[i];
      for (let c = 0; c < K; c++) columns[c][r] = out.values[i * K + c];
      this.#done[r] = 1;
      this.#success[r] = out.success[i];
      this.#finished++;
      this.#computed++;
    }
    for (const [i, message] of out.errors) {
      this.#errors.set(out.index[i], message);
      this.#failed++;
    }
    this.#progress();
    return Promise.resolve();
  }

  #fail(row: number, message: string): void {
    this.#done[row] = 1;
    this.#success[row] = 0;
    this.#errors.set(row, message);
    this.#finished++;
    this.#computed++;
    this.#failed++;
  }

  #progress(force = false): void {
    const cb = this.#o.onProgress;
    if (!cb) return;
    const now = performance.now();
    if (!force && now - this.#lastProgress < (this.#o.progressIntervalMs ?? 200)) return;
    this.#lastProgress = now;
    const elapsedMs = now - this.#t0;
    const rate = this.#computed / Math.max(elapsedMs / 1000, 1e-9);
    const left = this.#o.rows - this.#finished;
    cb({
      done: this.#finished,
      failed: this.#failed,
      total: this.#o.rows,
      rate,
      etaMs: this.#computed === 0 ? NaN : (left / rate) * 1000,
      elapsedMs,
    });
  }

  /** Assembles the result in row order. */
  finish(seed: number | undefined, elapsedMs: number): Promise<SweepResult> {
    this.#progress(true);
    const o = this.#o;
    const names = o.outputs ?? this.#defaultOutputNames();
    const outputs: Record<string, Float64Array> = {};
    for (const name of names) {
      outputs[name] = this.#outputs.get(name) ?? new Float64Array(o.rows).fill(NaN);
    }
    const P = o.paramNames.length;
    const params: Record<string, Float64Array> = {};
    o.paramNames.forEach((name, c) => {
      const col = new Float64Array(o.rows);
      for (let r = 0; r < o.rows; r++) col[r] = o.params[r * P + c];
      params[name] = col;
    });
    const failed = o.rows - this.#success.reduce((a, b) => a + b, 0);
    return Promise.resolve({
      paramNames: [...o.paramNames],
      outputNames: names,
      params,
      outputs,
      success: this.#success,
      errors: new Map([...this.#errors].sort((a, b) => a[0] - b[0])),
      seed,
      rows: o.rows,
      stats: {
        succeeded: o.rows - failed,
        failed,
        resumed: this.#resumed,
        elapsedMs,
        rowsPerSecond: this.#computed / Math.max(elapsedMs / 1000, 1e-9),
      },
    });
  }

  // WaterTAP records the keys of the first successful evaluation; other keys follow in the
  // order they first appeared, so that no output a row produced is dropped.
  #defaultOutputNames(): string[] {
    const first = this.#firstNames?.names ?? [];
    return [...first, ...[...this.#outputs.keys()].filter((n) => !first.includes(n))];
  }

  /** Closes the files. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
