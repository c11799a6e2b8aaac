// Internal: the one module that parses YAML, so that replacing the library touches one file.
import { parse } from "npm:yaml@^2.9.1";

/** Parses YAML text; throws with the line and column of a syntax error. */
export function parseYaml(text: string): unknown {
  return parse(text, { prettyErrors: true });
}
