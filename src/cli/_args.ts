// Internal: the one module that parses command-line arguments (node:util's parseArgs), so that
// moving to @std/cli later touches one file.
import { parseArgs } from "node:util";
import { UsageError } from "./_errors.ts";
import { PERMISSION_KINDS } from "../_limits.ts";

/** A flag's type: a boolean switch, a single string, or a string that may repeat. */
export type FlagSpec = Record<
  string,
  { type: "boolean" | "string"; multiple?: boolean; short?: string }
>;

/** Deno's `--allow-<kind>` flags, each with an optional value, for the models' permissions. */
export const ALLOW_FLAGS: FlagSpec = Object.fromEntries(
  PERMISSION_KINDS.map((kind) => [`allow-${kind}`, { type: "string", multiple: true }]),
);

/** The parsed flags and positional arguments. */
export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `args` against `spec`; unknown flags are a UsageError naming them. */
export function parseFlags(args: string[], spec: FlagSpec, command: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: spec,
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as Parsed["flags"], positionals };
  } catch (e) {
    throw new UsageError(
      `${(e as Error).message.replace(/\. To specify.*$/s, "")} (see 'psweep ${command} --help')`,
    );
  }
}
