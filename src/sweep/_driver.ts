// Internal: the per-chunk driver a manager runs (doBuild / doExecute). It imports the model,
// builds it once per worker, and evaluates each row of a chunk. Chunks carry the row's global
// index in column 0, so results are placed by index, never by arrival order.
import { toErrorInfo } from "../parallel/_errors.ts";
import type { Matrix } from "../parallel/matrix.ts";
import type { Outputs, Point, SweepModel } from "./model.ts";
import { encodeBatch } from "../io/_rows.ts";
import type { RowFormat } from "../io/row_writer.ts";

/** What the sweep hands `doBuild`. */
export interface DriverOptions {
  model: string;
  buildOptions?: Record<string, unknown>;
  paramNames: string[];
  /** Outputs to record; undefined records every key of the evaluations. */
  outputs?: string[];
  rebuildOnFailure: boolean;
  /** Results-file formats to encode each chunk's rows for, so the main thread only writes. */
  encode?: RowFormat[];
}

/** One chunk's results, as typed arrays that move between threads without copies. */
export interface ChunkOutput {
  /** Global row index of each row. */
  index: Float64Array;
  /** Output names, in column order of `values`. */
  names: string[];
  /** Keys of the first successful evaluation of the chunk (default output order). */
  firstNames: string[] | undefined;
  /** rows x names.length, row-major; NaN where an output is missing or the row failed. */
  values: Float64Array;
  /** 1 for a successful row. */
  success: Uint8Array;
  /** [row within chunk, message] for each failed row. */
  errors: [number, string][];
  /** The rows as CSV lines under `names`, when the sweep asked for them. */
  csv?: Uint8Array;
  /** The rows as JSON Lines under `names`, when the sweep asked for them. */
  jsonl?: Uint8Array;
}

interface Context {
  options: DriverOptions;
  model: SweepModel;
  state: unknown;
  fresh: boolean;
  makePoint?: (data: Float64Array, offset: number) => Point;
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
  const ctx: Context = { options, model, state: undefined, fresh: true };
  ctx.state = await buildState(ctx);
  return [ctx];
}

async function buildState(ctx: Context): Promise<unknown> {
  const { model, options } = ctx;
  return model.build
    ? await Reflect.apply(model.build, model, [options.buildOptions ?? {}])
    : undefined;
}

/** doExecute: evaluates every row of the chunk; failures are recorded per row. */
export async function executeSweep(chunk: Matrix, ctx: Context): Promise<ChunkOutput> {
  const { options, model } = ctx;
  const { paramNames } = options;
  const rows = chunk.rows;
  const cols = chunk.columns;
  const data = chunk.data;
  const index = new Float64Array(rows);
  const success = new Uint8Array(rows);
  const errors: [number, string][] = [];
  const requested = options.outputs;
  const names: string[] = requested ? [...requested] : [];
  const slots = new Map<string, number>(names.map((n, i) => [n, i]));
  let firstNames: string[] | undefined;
  // Values grow by column when new names appear (only without requested outputs).
  const columns: Float64Array[] = names.map(() => new Float64Array(rows).fill(NaN));
  const { evaluate, probe, initialize } = model;
  const makePoint = ctx.makePoint ??= pointFactory(paramNames);
  let reader: OutputReader | undefined;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    index[r] = data[base];
    const point = makePoint(data, base + 1);
    let failed: string | undefined;
    try {
      // Awaiting only real promises: a microtask per row would cost more than a cheap model.
      if (ctx.fresh && initialize) await Reflect.apply(initialize, model, [ctx.state, point]);
      ctx.fresh = false;
      let accepted: boolean | Promise<boolean> = true;
      if (probe) {
        accepted = Reflect.apply(probe, model, [ctx.state, point]);
        if (isThenable(accepted)) accepted = await accepted;
      }
      if (!accepted) {
        failed = "probe returned false";
      } else {
        let out = Reflect.apply(evaluate, model, [ctx.state, point]) as Outputs | Promise<Outputs>;
        if (isThenable(out)) out = await out;
        if (out === null || typeof out !== "object") {
          throw new TypeError(
            `evaluate must return an object of numbers: it returned ${String(out)}`,
          );
        }
        reader ??= outputReader(names);
        const seen = reader(out, columns, r);
        if (requested) {
          // A requested output the row does not produce stays NaN; one it produces must be finite.
          if (seen < 0) failed = `output '${names[-1 - seen]}' is ${String(out[names[-1 - seen]])}`;
        } else if (seen !== countKeys(out)) {
          // Only a row with keys not seen before pays for walking its keys.
          for (const key in out) {
            if (slots.has(key)) continue;
            slots.set(key, names.length);
            names.push(key);
            const col = new Float64Array(rows).fill(NaN);
            const v = out[key];
            col[r] = typeof v === "number" ? v : NaN;
            columns.push(col);
          }
          reader = undefined;
        }
        if (failed === undefined && firstNames === undefined) firstNames = Object.keys(out);
      }
    } catch (error) {
      const info = toErrorInfo(error);
      failed = `${info.name}: ${info.message}`;
    }
    if (failed === undefined) {
      success[r] = 1;
    } else {
      errors.push([r, failed]);
      // Failed rows keep no outputs (WaterTAP fills them with NaN).
      for (const col of columns) col[r] = NaN;
      if (options.rebuildOnFailure) {
        try {
          ctx.state = await buildState(ctx);
          ctx.fresh = true;
        } catch {
          // The next row reports the broken build through its own failure.
        }
      }
    }
  }
  const K = names.length;
  const values = new Float64Array(rows * K);
  for (let c = 0; c < K; c++) {
    const col = columns[c];
    for (let r = 0; r < rows; r++) values[r * K + c] = col[r];
  }
  const result: ChunkOutput = { index, names, firstNames, values, success, errors };
  if (options.encode?.length) {
    // Encoding here spreads the cost of text over the workers; the main thread only appends.
    const params = new Float64Array(rows * paramNames.length);
    for (let r = 0, w = 0; r < rows; r++) {
      for (let c = 1; c < cols; c++) params[w++] = data[r * cols + c];
    }
    const messages: (string | undefined)[] = new Array(rows);
    for (const [r, message] of errors) messages[r] = message;
    const header = { extraNames: [], paramNames, outputNames: names };
    const batch = { rows, params, outputs: values, success, errors: messages };
    for (const format of options.encode) result[format] = encodeBatch(format, header, batch);
  }
  return result;
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
 * Copies a row's outputs into their columns. Returns, with requested outputs, -1 - c for the
 * first output c that is present but not a finite number (else the count found); otherwise the
 * number of known names the row produced.
 */
type OutputReader = (out: Outputs, columns: Float64Array[], row: number) => number;

// Like pointFactory: reading outputs by names spelled out keeps the property loads fast.
function outputReader(names: readonly string[]): OutputReader {
  const body = names.map((n, c) =>
    `v = o[${JSON.stringify(n)}];
    if (v !== undefined) {
      k++;
      if (typeof v === "number") { cols[${c}][r] = v; if (bad === 0 && v - v !== 0) bad = ${
      -1 - c
    }; }
      else { cols[${c}][r] = NaN; if (bad === 0) bad = ${-1 - c}; }
    }`
  ).join("\n");
  try {
    return new Function(
      "o",
      "cols",
      "r",
      `let k = 0, v, bad = 0;\n${body}\nreturn bad < 0 ? bad : k;`,
    ) as OutputReader;
  } catch {
    return (o, cols, r) => {
      let k = 0, bad = 0;
      names.forEach((n, c) => {
        const v = o[n];
        if (v === undefined) return;
        k++;
        cols[c][r] = typeof v === "number" ? v : NaN;
        if (bad === 0 && !(typeof v === "number" && Number.isFinite(v))) bad = -1 - c;
      });
      return bad < 0 ? bad : k;
    };
  }
}

function countKeys(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
