// Internal: a sweep's command model checked, named and turned into what the command driver and
// the workers need.
import { resolve } from "node:path";
import { describe } from "../_describe.ts";
import type { CommandBuildOptions } from "./_command_driver.ts";
import type { CommandModel } from "./command_model.ts";
import { commandText } from "./_process.ts";
import { jsonText } from "./_protocol.ts";

/** The module that drives a command model in a worker (the sweep driver imports it). */
export const COMMAND_DRIVER: string = new URL("./_command_driver.ts", import.meta.url).href;

/** The build function of command-model sweeps (the driver's, with the command driver as model). */
export const COMMAND_BUILD = { module: COMMAND_DRIVER, name: "buildCommandSweep" } as const;

/** The per-chunk function of command-model sweeps (the driver's, with points sent ahead). */
export const COMMAND_EXECUTE = { module: COMMAND_DRIVER, name: "executeCommandSweep" } as const;

/**
 * How long (ms) the chunks of a command model's sweep aim to take, in the managers psweep
 * creates: points are sent ahead within a chunk only, so each chunk's first point waits for a
 * round trip through the worker; at 100 ms that is a small share.
 */
export const COMMAND_CHUNK_MS = 100;

/** Whether a sweep's `model` is a command model (an object with a `command`). */
export function isCommandModel(model: unknown): model is CommandModel {
  return typeof model === "object" && model !== null && !(model instanceof URL) &&
    "command" in model;
}

/**
 * Checks a command model and makes its path-like words absolute (against `base`, by default the
 * working directory), so that every worker and machine runs the same program.
 */
export function checkCommandModel(model: CommandModel, base?: string): string[] {
  const command = (model as { command: unknown }).command;
  const extra = Object.keys(model).filter((k) => k !== "command");
  if (extra.length > 0) {
    throw new TypeError(
      `Cannot run a sweep as 'model.${
        extra[0]
      }' is not a setting of a command model: expected only 'command'`,
    );
  }
  if (
    !Array.isArray(command) || command.length === 0 ||
    !command.every((w) => typeof w === "string") || command[0] === ""
  ) {
    throw new TypeError(
      `Cannot run a sweep as 'model.command' must be a non-empty list of strings, the program first: current value is ${
        describe(command)
      }`,
    );
  }
  return command.map((word: string, i: number) =>
    word.startsWith("./") || word.startsWith("../") ||
      (i === 0 && word.includes("/") && !word.startsWith("/"))
      ? (base === undefined ? resolve(word) : resolve(base, word))
      : word
  );
}

/** How a command model is named in messages and in results files' metadata. */
export function commandLabel(command: readonly string[]): string {
  return `command ${commandText(command)}`;
}

/**
 * The build options the command driver gets: the command, the sweep's own build options (which
 * must be JSON: they are checked here, before any work), the parameters, and the time limits.
 */
export function commandBuildOptions(
  command: string[],
  buildOptions: Record<string, unknown> | undefined,
  params: string[],
  timeout: number | undefined,
): CommandBuildOptions {
  const options = buildOptions ?? {};
  jsonText(options, "buildOptions");
  const limited = timeout !== undefined && Number.isFinite(timeout);
  return {
    command,
    options,
    params,
    ...(limited
      ? {
        timeout,
        // As the pool's: the longer of 60 s and ten points, so a slow import is not a failure
        // (at most what a timer holds).
        buildTimeout: Math.min(2 ** 31 - 1, Math.max(60_000, 10 * timeout)),
      }
      : {}),
  };
}

/**
 * The permissions workers need for a command model: the sweep's, plus running `program`.
 *
 * Deno refuses a permission to run only some programs to start one while the environment holds
 * `LD_*` or `DYLD_*` variables (they can load code into it), and HPC modules, conda and
 * `mpirun` set `LD_LIBRARY_PATH`. The program inherits that environment and runs with the
 * user's rights whatever psweep's worker may run, so then the worker may run any program: the
 * model's process keeps the library path it needs.
 */
export function withRunPermission<P>(
  permissions: P,
  program: string,
): P | Deno.PermissionOptionsObject {
  if (permissions === "inherit") return permissions;
  const base: Record<string, unknown> = permissions === undefined || permissions === "none"
    ? {}
    : { ...(permissions as Record<string, unknown>) };
  const run = base.run;
  if (run === true || run === "inherit") return base as Deno.PermissionOptionsObject;
  if (loaderVariablesSet()) {
    base.run = true;
    return base as Deno.PermissionOptionsObject;
  }
  base.run = [...new Set([...(Array.isArray(run) ? run as string[] : []), program])];
  return base as Deno.PermissionOptionsObject;
}

// Whether the environment holds variables that make Deno refuse a run permission limited to
// some programs. Without permission to read the environment, psweep cannot tell: it keeps the
// limited permission, and Deno's own error names the variable if one is set.
function loaderVariablesSet(): boolean {
  try {
    return Object.keys(Deno.env.toObject()).some((k) => /^(LD|DYLD)_/.test(k));
  } catch {
    return false;
  }
}
