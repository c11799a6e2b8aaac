/**
 * The per-process unit of work: build once, then execute chunks of rows.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { type Matrix, type ParameterRows, toMatrix } from "./matrix.ts";
import type {
  BuildFunction,
  Callable,
  ExecuteFunction,
  ModuleFunction,
} from "./parallel_manager.ts";

/**
 * Checks whether a value is a {@linkcode ModuleFunction} reference.
 *
 * @param value The value to test.
 * @returns `true` for `{ module, name }` objects.
 *
 * @example Usage
 * ```ts
 * import { isModuleFunction } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isModuleFunction({ module: "file:///m.ts", name: "f" }));
 * assert.ok(!isModuleFunction(() => 1));
 * ```
 */
export function isModuleFunction(value: unknown): value is ModuleFunction {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<ModuleFunction>;
  return (typeof v.module === "string" || v.module instanceof URL) && typeof v.name === "string";
}

/**
 * Imports the function a {@linkcode ModuleFunction} names; a plain function is
 * returned as it is.
 *
 * @typeParam F The function's type.
 * @param fn A module reference or a function.
 * @param field The option's name, for error messages.
 * @returns The function.
 * @throws {TypeError} When the module does not export a function of that name.
 *
 * @example Usage
 * ```ts
 * import { resolveCallable } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const f = await resolveCallable((x: number) => x + 1);
 * assert.equal(f(1), 2);
 * ```
 */
export async function resolveCallable<F>(fn: Callable<F>, field = "function"): Promise<F> {
  if (typeof fn === "function") return fn;
  if (!isModuleFunction(fn)) {
    throw new TypeError(
      `Cannot resolve '${field}' as it must be a function or { module, name }: current value is ${
        describe(fn)
      }`,
    );
  }
  const specifier = fn.module instanceof URL ? fn.module.href : fn.module;
  // A relative specifier would resolve against this file, not the caller's.
  if (!URL.canParse(specifier)) {
    throw new TypeError(
      `Cannot resolve '${field}' as 'module' must be an absolute URL (e.g. new URL("./model.ts", import.meta.url)): current value is ${
        describe(specifier)
      }`,
    );
  }
  const mod = await import(specifier);
  const f = mod[fn.name];
  if (typeof f !== "function") {
    throw new TypeError(
      `Cannot resolve '${field}' as module ${specifier} must export a function named '${fn.name}': current value is ${
        describe(f)
      }`,
    );
  }
  return f as F;
}

/**
 * Builds once (`doBuild(doBuildKwargs)`), then executes any number of chunks
 * with the built arguments (WaterTAP's `ParallelActor`).
 *
 * @example Usage
 * ```ts
 * import { ParallelActor, toMatrix, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const actor = new ParallelActor(
 *   ({ base }) => [base as number],
 *   {},
 *   (p: Matrix, base: number) => Array.from(p.data, (x) => x + base),
 * );
 * await actor.buildModel({ base: 10 });
 * assert.deepEqual(await actor.execute(toMatrix([[1], [2]])), [11, 12]);
 * ```
 */
export class ParallelActor {
  #doBuild: Callable<BuildFunction>;
  #doExecute: Callable<ExecuteFunction>;
  #kwargs: Record<string, unknown>;
  #execute: ExecuteFunction | undefined;
  #built: readonly unknown[] | undefined;

  /**
   * Prepares an actor; nothing is imported or built yet.
   *
   * @param doBuild Builds the extra arguments of `doExecute`.
   * @param doBuildKwargs The arguments of `doBuild`.
   * @param doExecute Computes a chunk.
   */
  constructor(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
  ) {
    this.#doBuild = doBuild;
    this.#kwargs = doBuildKwargs;
    this.#doExecute = doExecute;
  }

  /** Whether `buildModel` has completed. */
  get built(): boolean {
    return this.#built !== undefined;
  }

  /**
   * Imports both functions and calls `doBuild`.
   *
   * @param doBuildKwargs Overrides the arguments given to the constructor.
   * @throws {TypeError} When `doBuild` does not return an array.
   */
  async buildModel(doBuildKwargs?: Record<string, unknown>): Promise<void> {
    const build = await resolveCallable(this.#doBuild, "doBuild");
    this.#execute = await resolveCallable(this.#doExecute, "doExecute");
    const args = await Reflect.apply(build, undefined, [doBuildKwargs ?? this.#kwargs]);
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot build as 'doBuild' must return an array of arguments for doExecute: current value is ${
          describe(args)
        }`,
      );
    }
    this.#built = args;
  }

  /**
   * Executes one chunk, building first if needed.
   *
   * @param localParameters The chunk's rows: a Matrix, or an array of rows (as `scatter` takes).
   * @throws {TypeError} When `localParameters` is neither, naming it.
   * @returns What `doExecute` returned.
   */
  async execute(localParameters: ParameterRows): Promise<unknown> {
    // Rows as scatter takes them: a list of rows must not reach doExecute as a "matrix" with
    // no data (it computed nothing and returned []).
    const matrix: Matrix = toMatrix(localParameters, "localParameters");
    if (this.#built === undefined || this.#execute === undefined) await this.buildModel();
    return await Reflect.apply(this.#execute!, undefined, [matrix, ...this.#built!]);
  }
}

/**
 * Builds and executes one chunk in one go (WaterTAP's `build_and_execute`).
 *
 * @param doBuild Builds the extra arguments of `doExecute`.
 * @param doBuildKwargs The arguments of `doBuild`.
 * @param doExecute Computes the chunk.
 * @param localParameters The chunk's rows: a Matrix, or an array of rows (as `scatter` takes).
 * @throws {TypeError} When `localParameters` is neither, naming it.
 * @returns What `doExecute` returned.
 *
 * @example WaterTAP's scenario
 * ```ts
 * import { buildAndExecute, toMatrix, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const out = await buildAndExecute(
 *   ({ base }) => [base, -1],
 *   { base: 100 },
 *   (p: Matrix, base: number, mult: number) => Array.from(p.data, (x) => (base + x) * mult),
 *   toMatrix([[1], [2], [3]]),
 * );
 * assert.deepEqual(out, [-101, -102, -103]);
 * ```
 */
export async function buildAndExecute(
  doBuild: Callable<BuildFunction>,
  doBuildKwargs: Record<string, unknown>,
  doExecute: Callable<ExecuteFunction>,
  localParameters: ParameterRows,
): Promise<unknown> {
  const matrix = toMatrix(localParameters, "localParameters");
  const actor = new ParallelActor(doBuild, doBuildKwargs, doExecute);
  await actor.buildModel();
  return await actor.execute(matrix);
}
