/**
 * Command models: a model that is a program (Python, C, Fortran, a simulator) rather than a
 * module, run once per worker and spoken to over its stdin and stdout.
 *
 * @module
 */

/**
 * A model that is a command: each worker starts it once, sends it the sweep's `buildOptions`,
 * then its points, over the protocol of the README's "Models in Python (or anything else)"
 * section (`psweep_model.py` implements it for Python). Elements that start with `./` or `../`
 * resolve against the working directory (in a sweep file: against the file). The workers get
 * Deno's `run` permission for `command[0]` only; the command itself runs with your rights,
 * outside Deno's sandbox.
 *
 * @example A Python model swept from the library
 * ```ts ignore
 * import { linearSample, parameterSweep } from "@x/psweep";
 *
 * const result = await parameterSweep({
 *   model: { command: ["python3", "/abs/path/flowsheet.py"] },
 *   params: { x: linearSample(0, 1, 11) },
 * });
 * ```
 *
 * @example The shape, checked by the type
 * ```ts
 * import type { CommandModel } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const model: CommandModel = { command: ["python3", "./flowsheet.py"] };
 * assert.equal(model.command[0], "python3");
 * ```
 */
export interface CommandModel {
  /** The program and its arguments; no shell is involved. */
  readonly command: readonly string[];
}
