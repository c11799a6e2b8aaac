// Internal: the per-chunk driver a manager runs (doBuild / doExecute). It imports the model,
// builds it once per worker, and evaluates each row of a chunk. Chunks carry the row's global
// index in column 0, so results are placed by index, never by arrival order.
import { toErrorInfo } from "../parallel/_errors.ts";
import type { Matrix } from "../parallel/matrix.ts";
import type { Outputs, Point, SweepModel } from "./model.ts";

/** What the sweep hands `doBuild`. */
export interface DriverOptions {
  model: string;
  buildOptions?: Record<string, unknown>;
  paramNames: string[];
  /** Outputs to record; undefined records every key of the evaluations. */
  outputs?: string[];
  rebuildOnFailure: boolean;
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
}

interface Context {
  options: DriverOptions;
  model: SweepModel;
  state: unknown;
  fresh: boolean;
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
  const index = new Float64Array(rows);
  const success = new Uint8Array(rows);
  const errors: [number, string][] = [];
  const requested = options.outputs;
  const names: string[] = requested ? [...requested] : [];
  const slots = new Map<string, number>(names.map((n, i) => [n, i]));
  let firstNames: string[] | undefined;
  // Values grow by column when new names appear (only without requested outputs).
  let columns: Float64Array[] = names.map(() => new Float64Array(rows).fill(NaN));
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    index[r] = chunk.data[base];
    const point: Point = {};
    for (let c = 0; c < paramNames.length; c++) point[paramNames[c]] = chunk.data[base + 1 + c];
    let failed: string | undefined;
    try {
      if (ctx.fresh && model.initialize) {
        await Reflect.apply(model.initialize, model, [ctx.state, point]);
      }
      ctx.fresh = false;
      if (model.probe && !(await Reflect.apply(model.probe, model, [ctx.state, point]))) {
        failed = "probe returned false";
      } else {
        const out: Outputs = await Reflect.apply(model.evaluate, model, [ctx.state, point]);
        if (out === null || typeof out !== "object") {
          throw new TypeError(
            `evaluate must return an object of numbers: it returned ${String(out)}`,
          );
        }
        for (const key in out) {
          let slot = slots.get(key);
          if (slot === undefined) {
            if (requested) continue;
            slot = names.length;
            names.push(key);
            slots.set(key, slot);
            columns.push(new Float64Array(rows).fill(NaN));
          }
          const v = out[key];
          columns[slot][r] = typeof v === "number" ? v : NaN;
        }
        if (requested) {
          // A requested output the row does not produce stays NaN; one it produces must be finite.
          const bad = requested.find((n) => n in out && !Number.isFinite(out[n]));
          if (bad !== undefined) failed = `output '${bad}' is ${String(out[bad])}`;
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
  const values = new Float64Array(rows * names.length);
  for (let c = 0; c < names.length; c++) {
    const col = columns[c];
    for (let r = 0; r < rows; r++) values[r * names.length + c] = col[r];
  }
  columns = [];
  return { index, names, firstNames, values, success, errors };
}
