// Internal: the per-chunk driver a manager runs (doBuild / doExecute). It imports the model,
// builds it once per worker, and evaluates each row of a chunk. Chunks carry the row's global
// index in column 0, so results are placed by index, never by arrival order.
// One concept, though long: the worker side of a sweep (build, initialize, probe, evaluate,
// check and collect each row). Results files' text is made on the main thread's side, by a worker
// that runs no model code (io/_row_encoder.ts), never here.
import { toErrorInfo } from "../parallel/_errors.ts";
import type { Matrix } from "../parallel/matrix.ts";
import type { Outputs, Point, SweepModel } from "./model.ts";
import { MAX_OUTPUT_NAMES } from "../_limits.ts";
import { columnsOnOneBuffer } from "../_columns.ts";
import {
  FINISHED,
  type PartialOutlet,
  TAKE_FAILED,
  takePartialOutlet,
} from "../parallel/_partial_results.ts";

// Bound now, before any model is imported into this thread: a model cannot stop finished rows
// from going ahead of their chunk by replacing the clock or the timers.
const now = performance.now.bind(performance);
const startTimer = setTimeout;
const stopTimer = clearTimeout;
const atomicStore = Atomics.store;
const encoder = new TextEncoder();
const encodeInto = encoder.encodeInto.bind(encoder);
// Room for the failure messages of a chunk the pool may take (see ChunkRun.#shareFailure): it
// starts at 64 KiB and grows as messages need, up to 64 MiB a chunk.
const SHARED_TEXT_BYTES = 65536;
const SHARED_TEXT_MAX_BYTES = 64 * 2 ** 20;
const EMPTY_TEXT = new Uint8Array(new SharedArrayBuffer(0));
const EMPTY_SPANS = new Int32Array(new SharedArrayBuffer(0));

/** What the sweep hands `doBuild`. */
export interface DriverOptions {
  model: string;
  buildOptions?: Record<string, unknown>;
  paramNames: string[];
  /** Outputs to record; undefined records every key of the evaluations. */
  outputs?: string[];
  rebuildOnFailure: boolean;
  /** Build and initialize the model afresh before every point (WaterTAP's `initialize_before_sweep`). */
  initializeBeforeSweep?: boolean;
  /**
   * Whether `initialize` receives the point about to run (WaterTAP's
   * `update_sweep_params_before_init`); false gives it an empty point. Undefined means true,
   * without requiring an `initialize`.
   */
  updateParamsBeforeInit?: boolean;
  /** Measure each row's seconds (for progress publishing). */
  timeRows?: boolean;
}

/**
 * What the pool gets with the rows it takes from a chunk's shared columns (SharedRowsPart): the
 * columns are the outputs under `names`, then the rows' seconds when `seconds`.
 */
export interface SharedMeta {
  names: string[];
  firstNames: string[] | undefined;
  seconds: boolean;
}

/** One chunk's results, as typed arrays that move between threads without copies. */
export interface ChunkOutput {
  /** Global row index of each row. */
  index: Float64Array;
  /** Output names, in column order of `values`. */
  names: string[];
  /** Keys of the first successful evaluation of the chunk (default output order). */
  firstNames: string[] | undefined;
  /**
   * One column per name, rows long (they move to the main thread without a copy); NaN where an
   * output is missing or the row failed.
   */
  values: Float64Array[];
  /** 1 for a successful row. */
  success: Uint8Array;
  /** [row within chunk, message] for each failed row. */
  errors: [number, string][];
  /**
   * Found (not named) outputs whose value in a successful row was neither a number nor a
   * boolean, and so is recorded as NaN: [name, global row index, what the value was], the first
   * row of the chunk for each name.
   */
  odd?: [string, number, string][];
  /**
   * The model's own stack of the chunk's first failed row of each kind of error (by name):
   * [error name, global row index, stack], for `--debug`.
   */
  stacks?: [string, number, string][];
  /** Each row's seconds, when the sweep asked for them. */
  seconds?: Float64Array;
}

interface Context {
  options: DriverOptions;
  model: SweepModel;
  state: unknown;
  fresh: boolean;
  makePoint?: (data: Float64Array, offset: number) => Point;
  /**
   * The output reader of the latest names, kept from chunk to chunk: a new one per chunk would
   * be a new function each time, compiled afresh, and would undo what V8 had optimized around it.
   */
  reader?: { names: readonly string[]; inherited: readonly boolean[]; read: OutputReader };
  /** Why the last rebuild failed; rows fail with it until a rebuild succeeds. */
  rebuildError?: string;
}

/** doBuild: imports the model module and builds the model. */
export async function buildSweep(kwargs: Record<string, unknown>): Promise<[Context]> {
  const options = kwargs as unknown as DriverOptions;
  const mod = await import(options.model);
  const model = (typeof mod.evaluate === "function" ? mod : mod.model ?? mod.default) as SweepModel;
  if (!model || typeof model.evaluate !== "function") {
    throw new TypeError(
      `Cannot sweep model ${options.model} as it must export a function 'evaluate' (or an object 'model' or default export with one)`,
    );
  }
  if (options.updateParamsBeforeInit === true && typeof model.initialize !== "function") {
    // As WaterTAP, which raises when it has no initialize function to apply the values before.
    throw new TypeError(
      `Cannot sweep model ${options.model} with 'updateParamsBeforeInit' as it exports no function 'initialize' to apply the point before`,
    );
  }
  const ctx: Context = { options, model, state: undefined, fresh: true };
  ctx.state = await buildState(ctx);
  return [ctx];
}

// The model's build, awaited only when it returns a promise.
function buildState(ctx: Context): unknown {
  const { model, options } = ctx;
  return model.build ? Reflect.apply(model.build, model, [options.buildOptions ?? {}]) : undefined;
}

/**
 * doExecute: evaluates every row of the chunk; failures are recorded per row. In the pool's
 * workers, rows held for a while go ahead of the chunk (see `runInParts`), and what is returned
 * holds only the rows after them.
 */
export async function executeSweep(chunk: Matrix, ctx: Context): Promise<ChunkOutput> {
  // Taken before the first row: model code never sees it.
  const outlet = takePartialOutlet();
  if (outlet && chunk.rows > 1) {
    return await runInParts(new ChunkRun(chunk, ctx, outlet), chunk.rows, outlet);
  }
  const run = new ChunkRun(chunk, ctx);
  if (ctx.options.timeRows) {
    const seconds = new Float64Array(chunk.rows);
    for (let r = 0; r < chunk.rows; r++) {
      const t0 = performance.now();
      const pending = run.row(r);
      if (pending !== undefined) await pending;
      seconds[r] = (performance.now() - t0) / 1000;
    }
    return { ...run.finish(), seconds };
  }
  // Each row runs synchronously unless the model returns a promise: an async loop body would
  // cost more than a cheap model's whole evaluation.
  for (let r = 0; r < chunk.rows; r++) {
    const pending = run.row(r);
    if (pending !== undefined) await pending;
  }
  return run.finish();
}

/**
 * Runs the chunk's rows, sending the finished ones ahead once the oldest has waited the outlet's
 * `holdMs`: before the next row starts, or, while an asynchronous row is awaited, from a timer.
 * A synchronous row holds the thread, so the rows that finished less than `holdMs` before it
 * wait for it. The clock is read once per row while rows take a millisecond or more, and once
 * per up to 64 cheaper rows: a read costs about a tenth of a microsecond, as much as a trivial
 * row (measured on this machine, 10,000 rows of a trivial model in one thread took 5-8% longer
 * than executeSweep's plain loop). Rows whose finish time it did not see are counted from when
 * it does.
 */
async function runInParts(
  run: ChunkRun,
  rows: number,
  outlet: PartialOutlet,
): Promise<ChunkOutput> {
  const seconds = run.seconds;
  // Rows finished so far, stored as each finishes (after what the pool may take from it): the
  // pool's main thread takes them from shared memory when this thread is held too long.
  const counts = outlet.counts;
  // When the oldest row not yet sent was first seen finished (-1: none seen), and the clock's
  // reads: at row `check`, `stride` rows after the last, at `last`.
  let held = -1;
  let check = 1;
  let stride = 1;
  let last = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The row being awaited, if one is: the timer sends the rows before it.
  let awaiting = -1;
  const send = (to: number) => {
    if (timer !== undefined) stopTimer(timer);
    timer = undefined;
    held = -1;
    if (to > run.sent) run.send(to, outlet);
  };
  const arm = (t: number) => {
    timer = startTimer(() => {
      timer = undefined;
      if (awaiting >= 0) send(awaiting);
    }, Math.max(0, held + outlet.holdMs - t));
  };
  // Before an asynchronous row is awaited: rows not yet sent get a timer if they have none (they
  // finished since the last send, which the clock has not seen yet).
  const due = (r: number) => {
    if (timer !== undefined || r === run.sent) return;
    const t = now();
    if (held < 0) held = t;
    arm(t);
  };
  try {
    let r = 0;
    while (r < rows) {
      if (r === check) {
        const t = now();
        if (held < 0) {
          held = t;
          arm(t);
        } else if (t - held >= outlet.holdMs) {
          send(r);
        }
        if (t - last >= 1) stride = 1;
        else if (stride < 64) stride *= 2;
        last = t;
        check = r + stride;
      }
      // The rows up to the next reading of the clock, in a loop as plain as executeSweep's (on
      // locals that no closure shares).
      const stop = check < rows ? check : rows;
      const each = run;
      if (seconds) {
        for (; r < stop; r++) {
          const t0 = now();
          const pending = each.row(r);
          if (pending !== undefined) {
            due(r);
            awaiting = r;
            await pending;
            awaiting = -1;
          }
          seconds[r] = (now() - t0) / 1000;
          if (each.stale) each.share();
          atomicStore(counts, FINISHED, r + 1);
        }
      } else {
        while (r < stop) {
          r = runRows(each, r, stop, counts);
          const pending = each.pending;
          if (pending === undefined) continue;
          each.pending = undefined;
          due(r);
          awaiting = r;
          await pending;
          awaiting = -1;
          if (each.stale) each.share();
          atomicStore(counts, FINISHED, r + 1);
          r++;
        }
      }
    }
  } finally {
    if (timer !== undefined) stopTimer(timer);
  }
  return run.finish(outlet);
}

/**
 * Runs rows `r` up to `stop` while each finishes synchronously, counting each as finished.
 * Returns the row it stopped at: `stop`, or a row that returned a promise, left in `run.pending`
 * for the caller to await and count. (A function of its own, small: V8 compiles the loop that
 * runs every row without the rest of runInParts.)
 */
function runRows(run: ChunkRun, r: number, stop: number, counts: Int32Array): number {
  for (; r < stop; r++) {
    const pending = run.row(r);
    if (pending !== undefined) {
      run.pending = pending;
      return r;
    }
    if (run.stale) run.share();
    atomicStore(counts, FINISHED, r + 1);
  }
  return r;
}

type Step = void | Promise<void>;

const PROBE_FALSE = "probe returned false";

/** The state of one chunk's evaluation; `row(r)` returns a promise only when it must wait. */
class ChunkRun {
  readonly #ctx: Context;
  readonly #model: SweepModel;
  readonly #data: Float64Array;
  readonly #cols: number;
  readonly #rows: number;
  readonly #requested: string[] | undefined;
  readonly #names: string[];
  readonly #slots: Map<string, number>;
  readonly #columns: Float64Array[];
  readonly #makePoint: (data: Float64Array, offset: number) => Point;
  #reader: OutputReader;
  // The reader's findings for the current row: [first odd value's column, first missing one's].
  readonly #status = new Int32Array(2);
  readonly #odd = new Map<string, [string, number, string]>();
  readonly #stacks = new Map<string, [string, number, string]>();
  readonly index: Float64Array;
  readonly success: Uint8Array;
  readonly errors: [number, string][] = [];
  #firstNames: string[] | undefined;
  /** Each row's seconds, when the sweep measures them in parts (`runInParts`). */
  readonly seconds: Float64Array | undefined;
  /** Rows sent ahead of the chunk (`runInParts`): the first ones, which `finish` leaves out. */
  sent = 0;
  /** The promise of the row `runRows` stopped at, for runInParts to await. */
  pending: Promise<void> | undefined;
  // Where the pool may take finished rows from (columns, success and seconds on shared memory),
  // when the chunk runs in parts; `stale` when the layout grew since the pool was last told.
  readonly #outlet: PartialOutlet | undefined;
  stale = false;
  // Failure messages the pool may take with their rows (UTF-8; from the first failure on), and
  // where the next one goes. A row whose message does not fit stays for this thread to send.
  #text: Uint8Array | undefined;
  #spans: Int32Array | undefined;
  #textEnd = 0;
  // How many of the odd values and stacks have been sent with them.
  #oddSent = 0;
  #stacksSent = 0;

  constructor(chunk: Matrix, ctx: Context, outlet?: PartialOutlet) {
    this.#outlet = outlet;
    this.#ctx = ctx;
    this.#model = ctx.model;
    this.#data = chunk.data;
    this.#cols = chunk.columns;
    this.#rows = chunk.rows;
    this.#requested = ctx.options.outputs;
    this.#names = this.#requested ? [...this.#requested] : [];
    this.#slots = new Map(this.#names.map((n, i) => [n, i]));
    // Values grow by column when new names appear (only without requested outputs).
    this.#columns = this.#newColumns(this.#names.length);
    this.#makePoint = ctx.makePoint ??= pointFactory(ctx.options.paramNames);
    this.#reader = readerFor(ctx, this.#names);
    this.index = new Float64Array(chunk.rows);
    this.success = outlet
      ? new Uint8Array(new SharedArrayBuffer(chunk.rows))
      : new Uint8Array(chunk.rows);
    if (outlet && ctx.options.timeRows) this.seconds = this.#newColumns(1)[0];
    this.stale = outlet !== undefined;
  }

  // `count` output columns (on shared memory when the pool may read it), NaN in the rows before
  // `from`: those that ran before they appeared. Every row from `from` on writes them as it runs
  // (a value, or NaN where the row has none or failed), so they are not filled first. They lie
  // on one buffer: a buffer per column cost a model of a thousand outputs more in allocations
  // and messages (each buffer is a separate object to clone or share) than in its own rows.
  #newColumns(count: number, from = 0): Float64Array[] {
    const rows = this.#rows;
    const bytes = rows * 8 * count;
    const buffer = this.#outlet ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const columns: Float64Array[] = [];
    for (let j = 0; j < count; j++) {
      const col = new Float64Array(buffer, j * rows * 8, rows);
      columns.push(from > 0 ? col.fill(NaN, 0, from) : col);
    }
    return columns;
  }

  /** Tells the pool where the finished rows lie, as they are now laid out. */
  share(): void {
    this.stale = false;
    const columns = this.seconds ? [...this.#columns, this.seconds] : [...this.#columns];
    const meta: SharedMeta = {
      names: [...this.#names],
      firstNames: this.#firstNames,
      seconds: this.seconds !== undefined,
    };
    const text = this.#text ?? EMPTY_TEXT;
    const spans = this.#spans ?? EMPTY_SPANS;
    this.#outlet?.share({ columns, flags: this.success, text, spans, meta });
  }

  row(r: number): Step {
    const base = r * this.#cols;
    this.index[r] = this.#data[base];
    const point = this.#makePoint(this.#data, base + 1);
    const ctx = this.#ctx;
    // After a failed rebuild, the next row tries again before it runs on the broken state; and
    // with initializeBeforeSweep every point starts from a model built and initialized for it.
    if (
      ctx.rebuildError !== undefined || (ctx.options.initializeBeforeSweep && !ctx.fresh)
    ) {
      const again = this.#rebuild();
      if (again !== undefined) {
        return again.then(() => this.#afterRebuild(r, point));
      }
      return this.#afterRebuild(r, point);
    }
    return this.#start(r, point);
  }

  #afterRebuild(r: number, point: Point): Step {
    const error = this.#ctx.rebuildError;
    if (error !== undefined) {
      return this.#fail(r, `the model could not be rebuilt: ${error}`, false);
    }
    return this.#start(r, point);
  }

  #start(r: number, point: Point): Step {
    const ctx = this.#ctx;
    try {
      if (ctx.fresh && this.#model.initialize) {
        const given = ctx.options.updateParamsBeforeInit === false ? {} : point;
        const done = Reflect.apply(this.#model.initialize, this.#model, [ctx.state, given]);
        // Initialized only once it succeeded: a failed initialize is tried again, sync or not.
        if (isThenable(done)) {
          return done.then(() => {
            ctx.fresh = false;
            return this.#probe(r, point);
          }, (e) => this.#fail(r, e));
        }
      }
      ctx.fresh = false;
      return this.#probe(r, point);
    } catch (error) {
      return this.#fail(r, error);
    }
  }

  #probe(r: number, point: Point): Step {
    const probe = this.#model.probe;
    if (!probe) return this.#evaluate(r, point);
    try {
      const accepted = Reflect.apply(probe, this.#model, [this.#ctx.state, point]);
      if (isThenable(accepted)) {
        return accepted.then(
          (ok) => (ok ? this.#evaluate(r, point) : this.#fail(r, PROBE_FALSE, false)),
          (e) => this.#fail(r, e),
        );
      }
      return accepted ? this.#evaluate(r, point) : this.#fail(r, PROBE_FALSE, false);
    } catch (error) {
      return this.#fail(r, error);
    }
  }

  #evaluate(r: number, point: Point): Step {
    try {
      const out = Reflect.apply(this.#model.evaluate, this.#model, [this.#ctx.state, point]) as
        | Outputs
        | Promise<Outputs>;
      if (isThenable(out)) return out.then((o) => this.#record(r, o), (e) => this.#fail(r, e));
      return this.#record(r, out);
    } catch (error) {
      return this.#fail(r, error);
    }
  }

  // What the model returned, however odd (a getter that throws, say), fails its row at worst.
  #record(r: number, out: Outputs): Step {
    try {
      return this.#take(r, out);
    } catch (error) {
      return this.#fail(r, error);
    }
  }

  #take(r: number, out: Outputs): Step {
    if (out === null || typeof out !== "object") {
      return this.#fail(
        r,
        new TypeError(`evaluate must return an object of numbers: it returned ${String(out)}`),
      );
    }
    const names = this.#names;
    const status = this.#status;
    const seen = this.#reader(out, this.#columns, r, status);
    if (this.#requested) {
      // A named output must be returned, as a number (NaN where the model has no value) or a
      // boolean (1/0): a misspelt name or a string fails the row rather than passing as NaN.
      if (status[1] >= 0) return this.#fail(r, missingOutput(names[status[1]], out));
      if (status[0] >= 0) return this.#fail(r, badOutput(names[status[0]], out[names[status[0]]]));
    } else {
      // Found outputs are recorded whatever they are; one that is not a number is NaN, said once.
      if (status[0] >= 0) this.#noteOdd(r, out);
      // Only a row with keys not seen before pays for walking its keys.
      if (seen !== countKeys(out)) {
        const over = this.#addNames(r, out);
        if (over) return this.#fail(r, over);
      }
    }
    if (this.#firstNames === undefined) {
      this.#firstNames = Object.keys(out);
      this.stale = this.#outlet !== undefined;
    }
    this.success[r] = 1;
  }

  // Takes the row's outputs not seen before as new names, with their columns; or returns why it
  // cannot. A method of its own, called at most a few times a chunk: inside #take, its paths
  // (each chunk that finds its outputs starts with none) undid #take's optimized code again and
  // again (measured in one thread: #take compiled four times, now twice).
  #addNames(r: number, out: Outputs): RangeError | undefined {
    const names = this.#names;
    let added = 0;
    for (const key in out) if (!this.#slots.has(key)) added++;
    if (names.length + added > MAX_OUTPUT_NAMES) {
      // Every name is a column of every row: a model that makes up names as it goes would make
      // each row cost more than the last.
      return new RangeError(
        `the row's outputs would make ${
          names.length + added
        } distinct output names, over the limit of ${MAX_OUTPUT_NAMES}`,
      );
    }
    // (Columns for all of them at once; those of names a throwing getter left out are dropped.)
    const fresh = this.#newColumns(added, r);
    let next = 0;
    try {
      for (const key in out) {
        if (this.#slots.has(key)) continue;
        // Read first: a getter that throws leaves the names and columns as they were.
        const v = out[key];
        // (Only a Proxy lists other keys the second time.)
        if (next === fresh.length) {
          throw new TypeError("the row's output names changed as they were read");
        }
        const col = fresh[next++];
        col[r] = numeric(v);
        this.#slots.set(key, names.length);
        names.push(key);
        this.#columns.push(col);
        if (Number.isNaN(col[r]) && typeof v !== "number") this.#odd1(key, r, v);
        this.stale = this.#outlet !== undefined;
      }
    } finally {
      // The names taken so far, even if a later key's getter threw.
      if (next > 0) this.#reader = readerFor(this.#ctx, names);
    }
    return undefined;
  }

  // Every known output of the row that is neither a number nor a boolean.
  #noteOdd(r: number, out: Outputs): void {
    for (const name of this.#names) {
      if (this.#odd.has(name) || !Object.hasOwn(out, name)) continue;
      const v = out[name];
      if (typeof v !== "number" && typeof v !== "boolean") this.#odd1(name, r, v);
    }
  }

  #odd1(name: string, r: number, value: unknown): void {
    if (!this.#odd.has(name)) this.#odd.set(name, [name, this.index[r], kindOf(value)]);
  }

  // Records a failed row; `why` is a message, or what was thrown.
  #fail(r: number, why: unknown, rebuild = true): Step {
    let message: string;
    if (typeof why === "string") {
      message = why;
    } else {
      const info = toErrorInfo(why);
      message = `${info.name}: ${info.message}`;
      // Where the model failed, once per kind: the worker's stack, with the model's file:line.
      if (info.stack && !this.#stacks.has(info.name)) {
        this.#stacks.set(info.name, [info.name, this.index[r], modelFrames(info.stack)]);
      }
    }
    this.errors.push([r, message]);
    this.success[r] = this.#outlet ? this.#shareFailure(r, message) : 0;
    // Failed rows keep no outputs (WaterTAP fills them with NaN).
    for (const col of this.#columns) col[r] = NaN;
    if (rebuild && this.#ctx.options.rebuildOnFailure) return this.#rebuild();
  }

  // Writes a failed row's message where the pool can take it: its success flag is then
  // TAKE_FAILED (0 in what this thread sends), else 0.
  #shareFailure(r: number, message: string): number {
    if (this.#text === undefined) {
      this.#text = new Uint8Array(new SharedArrayBuffer(SHARED_TEXT_BYTES));
      this.#spans = new Int32Array(new SharedArrayBuffer(this.#rows * 8));
      this.stale = true;
    }
    const at = this.#textEnd;
    // At most 3 bytes a UTF-16 unit: room for the message whatever it holds. Past the room, the
    // text moves to a larger buffer (the rows before keep their places in it), shared again
    // before this row counts as finished; past SHARED_TEXT_MAX_BYTES the row waits for this
    // thread to send it.
    const need = at + message.length * 3;
    if (need > this.#text.length) {
      if (need > SHARED_TEXT_MAX_BYTES) {
        const { read, written } = encodeInto(message, this.#text.subarray(at));
        if (read !== message.length) return 0;
        return this.#placed(r, at, written);
      }
      const grown = new Uint8Array(new SharedArrayBuffer(Math.max(need, 2 * this.#text.length)));
      grown.set(this.#text.subarray(0, at));
      this.#text = grown;
      this.stale = true;
    }
    const { written } = encodeInto(message, this.#text.subarray(at));
    return this.#placed(r, at, written);
  }

  // Records where row r's message lies in the shared text.
  #placed(r: number, at: number, written: number): number {
    this.#spans![2 * r] = at;
    this.#spans![2 * r + 1] = written;
    this.#textEnd = at + written;
    return TAKE_FAILED;
  }

  // Builds the model again; a failure is kept in ctx.rebuildError for the next rows.
  #rebuild(): Promise<void> | undefined {
    const ctx = this.#ctx;
    const rebuilt = (state: unknown) => {
      ctx.state = state;
      ctx.fresh = true;
      ctx.rebuildError = undefined;
    };
    const broken = (error: unknown) => {
      const info = toErrorInfo(error);
      ctx.rebuildError = `${info.name}: ${info.message}`;
    };
    try {
      const state = buildState(ctx);
      if (isThenable(state)) return state.then(rebuilt, broken);
      rebuilt(state);
    } catch (error) {
      broken(error);
    }
    return undefined;
  }

  /**
   * The rows not sent ahead, as doExecute returns them: with an outlet, those neither sent nor
   * taken by the pool, claimed so that the pool takes none of them now.
   */
  finish(outlet?: PartialOutlet): ChunkOutput {
    if (outlet) {
      const from = outlet.claim(this.#rows);
      if (from >= 0) this.sent = from;
    }
    const out = this.#output(this.sent, this.#rows);
    // A part is copied: a view would carry the whole buffer with it (or share it).
    if (this.seconds) {
      out.seconds = this.sent || outlet ? this.seconds.slice(this.sent) : this.seconds;
    }
    return out;
  }

  /**
   * Sends rows from the first not yet handed on (by this thread or the pool) up to `to` ahead of
   * the chunk, if the outlet takes them.
   */
  send(to: number, outlet: PartialOutlet): void {
    const from = outlet.claim(to);
    if (from < 0) return;
    const out = this.#output(from, to);
    // Copied: the rest of the chunk still writes to the same columns.
    if (this.seconds) out.seconds = this.seconds.slice(from, to);
    const odd = this.#odd.size;
    const stacks = this.#stacks.size;
    if (outlet.deliver(from, to, out)) {
      this.sent = to;
      this.#oddSent = odd;
      this.#stacksSent = stacks;
    }
  }

  // Rows from..to of the chunk, with the odd values and stacks not sent before.
  #output(from: number, to: number): ChunkOutput {
    // Shared columns are always copied: the pool must get no view the model's thread can write.
    const whole = from === 0 && to === this.#rows && this.#outlet === undefined;
    // The whole chunk moves as it is; a part is copied out of the columns.
    const part = <T extends Float64Array | Uint8Array>(a: T) =>
      (whole ? a : a.slice(from, to)) as T;
    const index = part(this.index);
    const success = part(this.success);
    // A row failed with its message shared is 0 here (never in a whole chunk: it has no outlet).
    if (!whole) { for (const [r] of this.errors) if (r >= from && r < to) success[r - from] = 0; }
    const errors: [number, string][] = whole ? this.errors : [];
    if (!whole) {
      for (const [r, message] of this.errors) {
        if (r >= from && r < to) errors.push([r - from, message]);
      }
    }
    const names = whole ? this.#names : [...this.#names];
    const values = whole
      ? this.#columns
      : columnsOnOneBuffer(this.#columns.length, to - from, (j) =>
        this.#columns[j].subarray(from, to));
    const odd = [...this.#odd.values()].slice(this.#oddSent);
    const stacks = [...this.#stacks.values()].slice(this.#stacksSent);
    return {
      index,
      names,
      firstNames: this.#firstNames,
      values,
      success,
      errors,
      ...(odd.length ? { odd } : {}),
      ...(stacks.length ? { stacks } : {}),
    };
  }
}

// Points built key by key from a list of names become slow dictionary objects, and the model's
// evaluate then reads them slowly too. A factory with the names spelled out makes every point
// share one fast shape: about ten times faster on cheap models.
function pointFactory(names: readonly string[]): (data: Float64Array, offset: number) => Point {
  const fields = names.map((n, i) => `${JSON.stringify(n)}: d[o + ${i}]`).join(", ");
  try {
    return new Function("d", "o", `return { ${fields} };`) as (d: Float64Array, o: number) => Point;
  } catch {
    return (d, o) => Object.fromEntries(names.map((n, i) => [n, d[o + i]]));
  }
}

/**
 * Copies a row's outputs into their columns (booleans as 1/0, other non-numbers as NaN) and
 * returns how many of the known names the row has a value for. `status[0]` gets the column of
 * the first value that is neither a number nor a boolean, `status[1]` the first name the row
 * does not return (undefined); -1 when none.
 */
type OutputReader = (
  out: Outputs,
  columns: Float64Array[],
  row: number,
  status: Int32Array,
) => number;

// The context's reader when it reads these names, else a new one, kept in the context. A reader
// also depends on which names every object inherits (see outputReader), which a model may change.
function readerFor(ctx: Context, names: readonly string[]): OutputReader {
  // (A chunk that finds its outputs starts with none: the reader of the names it will find stays.)
  if (names.length === 0) return readNothing;
  const kept = ctx.reader;
  if (
    kept !== undefined && kept.names.length === names.length &&
    kept.names.every((name, i) =>
      name === names[i] && (name in Object.prototype) === kept.inherited[i]
    )
  ) {
    return kept.read;
  }
  // Made from a copy: the chunk's own list grows as it finds names, and a reader that kept it
  // (outputReader's fallback does) would read names its key does not list.
  const own = [...names];
  const read = outputReader(own);
  ctx.reader = { names: own, inherited: own.map((name) => name in Object.prototype), read };
  return read;
}

// The reader of no names.
function readNothing(_out: Outputs, _columns: Float64Array[], _row: number, status: Int32Array) {
  status[0] = -1;
  status[1] = -1;
  return 0;
}

// Like pointFactory: reading outputs by names spelled out keeps the property loads fast.
function outputReader(names: readonly string[]): OutputReader {
  // A name every object inherits ("constructor", "toString") counts only when the row's own
  // value replaces the inherited one.
  const body = names.map((n, c) =>
    `v = o[${JSON.stringify(n)}];${
      n in Object.prototype
        ? `\n    if (v === Object.prototype[${JSON.stringify(n)}]) v = undefined;`
        : ""
    }
    if (typeof v === "number") { cols[${c}][r] = v; k++; }
    else if (v === undefined) { cols[${c}][r] = NaN; if (miss < 0) miss = ${c}; if (bad < 0 && ${
      JSON.stringify(n)
    } in o && !(${JSON.stringify(n)} in Object.prototype)) bad = ${c}; }
    else if (typeof v === "boolean") { cols[${c}][r] = v ? 1 : 0; k++; }
    else { cols[${c}][r] = NaN; k++; if (bad < 0) bad = ${c}; }`
  ).join("\n");
  try {
    return new Function(
      "o",
      "cols",
      "r",
      "s",
      `let k = 0, v, bad = -1, miss = -1;\n${body}\ns[0] = bad; s[1] = miss;\nreturn k;`,
    ) as OutputReader;
  } catch {
    return (o, cols, r, s) => {
      let k = 0, bad = -1, miss = -1;
      names.forEach((n, c) => {
        const inherited = (Object.prototype as Record<string, unknown>)[n];
        const v = inherited !== undefined && o[n] === inherited ? undefined : o[n];
        cols[c][r] = numeric(v);
        if (v === undefined) {
          if (miss < 0) miss = c;
          if (bad < 0 && inherited === undefined && n in o) bad = c;
          return;
        }
        k++;
        if (bad < 0 && typeof v !== "number" && typeof v !== "boolean") bad = c;
      });
      s[0] = bad;
      s[1] = miss;
      return k;
    };
  }
}

// An output's value as recorded: numbers as they are, booleans as 1/0, anything else NaN.
function numeric(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : NaN;
}

// What a non-numeric value is, for a warning: its type, and a string's text.
function kindOf(v: unknown): string {
  if (typeof v === "string") {
    return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)})`;
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return typeof v === "undefined" ? "undefined" : `a ${typeof v}`;
}

// Why a row fails for a named output it does not return: what it did return, so that a
// misspelt name shows itself.
function missingOutput(name: string, out: Outputs): string {
  const keys = Object.keys(out);
  const shown = keys.slice(0, 20).join(", ") +
    (keys.length > 20 ? `, ... (${keys.length} in all)` : "");
  return `'outputs' names ${JSON.stringify(name)}, which evaluate did not return; it returned ${
    keys.length ? shown : "no outputs"
  }`;
}

// Why a row fails for an output's value: strings quoted, so that "5" does not read as 5, and
// what it is (a bigint 10n or a boxed Number(3) print as numbers).
function badOutput(name: string, value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "bigint"
      ? `${value}n`
      : String(value);
  } catch {
    shown = "a value String() cannot convert";
  }
  const kind = value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : typeof value === "object"
    ? "an object"
    : `a ${typeof value}`;
  return `output '${name}' is ${shown} (${kind}), not a number: return numbers (Number(...) of other values)`;
}

// psweep's own source: its frames below the model's say nothing about where the model failed.
const OWN = new URL("../", import.meta.url).href;

function modelFrames(stack: string): string {
  return stack.split("\n").filter((line) => !(/^\s+at /.test(line) && line.includes(OWN)))
    .join("\n");
}

function countKeys(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
