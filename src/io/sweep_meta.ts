/**
 * The metadata file beside a results file (`<results>.meta.json`): what identifies the sweep,
 * so that a resumed run can tell whether the file belongs to it.
 *
 * @module
 */

import { describe } from "../_describe.ts";
import { writeFileAtomic } from "./atomic.ts";

/**
 * What identifies a sweep, stored next to its results (see
 * {@linkcode writeSweepMeta}) so that a resumed run can check that the file
 * belongs to it. Any other JSON fields may be added.
 *
 * @example Usage
 * ```ts
 * import { readRows, type SweepMeta, writeSweepMeta } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * const meta: SweepMeta = {
 *   version: 1,
 *   paramNames: ["a"],
 *   outputNames: ["y"],
 *   totalRows: 4,
 *   seed: 7,
 *   note: "any other JSON field",
 * };
 * await writeSweepMeta(path, meta);
 * await Deno.writeTextFile(path, "a,y,success\n1,2,true\n");
 * // A CSV header does not tell parameters from outputs: readRows finds them in the metadata.
 * const r = await readRows(path);
 * assert.deepEqual(r.paramNames, ["a"]);
 * assert.deepEqual(r.outputNames, ["y"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface SweepMeta {
  /** Version of the metadata format or of the program that wrote it. */
  readonly version: number | string;
  /** Names of the parameter columns. */
  readonly paramNames: readonly string[];
  /** Names of the output columns. */
  readonly outputNames: readonly string[];
  /** Names of the extra columns before the parameters, if any. */
  readonly extraNames?: readonly string[];
  /** Number of rows the whole sweep has. */
  readonly totalRows: number;
  /** Seed of random sampling, if any. */
  readonly seed?: number | string | null;
  /** The model, e.g. its module URL and export name. */
  readonly model?: string;
  /** The specification of the swept parameters, as JSON. */
  readonly params?: unknown;
  /** Further fields, as JSON. */
  readonly [field: string]: unknown;
}

/**
 * The path of the metadata file of a results file: `<results>.meta.json`.
 *
 * @param resultsPath The results file.
 * @returns The metadata file's path.
 *
 * @example Usage
 * ```ts
 * import { sweepMetaPath } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sweepMetaPath("out/results.csv"), "out/results.csv.meta.json");
 * ```
 */
export function sweepMetaPath(resultsPath: string | URL): string | URL {
  if (resultsPath instanceof URL) return new URL(`${resultsPath.href}.meta.json`);
  return `${resultsPath}.meta.json`;
}

/**
 * Writes a sweep's metadata next to its results file, atomically, as
 * `<results>.meta.json` (replacing an older one).
 *
 * @param resultsPath The results file.
 * @param meta What identifies the sweep; must be JSON-representable.
 * @returns A promise that resolves once the file is in place.
 * @throws {TypeError} When `meta` lacks its required fields or cannot be written as JSON.
 *
 * @example Usage
 * ```ts
 * import { readSweepMeta, writeSweepMeta } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const meta = { version: 1, paramNames: ["a"], outputNames: ["y"], totalRows: 10, seed: 7 };
 * await writeSweepMeta(`${dir}/results.csv`, meta);
 * assert.deepEqual(await readSweepMeta(`${dir}/results.csv`), meta);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSweepMeta(resultsPath: string | URL, meta: SweepMeta): Promise<void> {
  checkMeta(meta, "write sweep metadata", "'meta'");
  let text: string;
  try {
    text = JSON.stringify(meta, null, 2) + "\n";
  } catch (error) {
    throw new TypeError(
      `Cannot write sweep metadata as 'meta' must be JSON-representable: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  await writeFileAtomic(sweepMetaPath(resultsPath), text, { overwrite: true });
}

function checkMeta(meta: unknown, action: string, what: string): asserts meta is SweepMeta {
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new TypeError(
      `Cannot ${action} as ${what} must be an object: current value is ${describe(meta)}`,
    );
  }
  const m = meta as Record<string, unknown>;
  const bad = (field: string, expectation: string): never => {
    throw new TypeError(
      `Cannot ${action} as '${field}' of ${what} must be ${expectation}: current value is ${
        describe(m[field])
      }`,
    );
  };
  if (typeof m.version !== "number" && typeof m.version !== "string") {
    bad("version", "a number or string");
  }
  for (const field of ["paramNames", "outputNames"]) {
    if (!Array.isArray(m[field]) || !(m[field] as unknown[]).every((n) => typeof n === "string")) {
      bad(field, "an array of strings");
    }
  }
  if (
    m.extraNames !== undefined &&
    (!Array.isArray(m.extraNames) || !m.extraNames.every((n) => typeof n === "string"))
  ) {
    bad("extraNames", "an array of strings or absent");
  }
  if (!Number.isSafeInteger(m.totalRows) || (m.totalRows as number) < 0) {
    bad("totalRows", "a non-negative integer");
  }
}

/**
 * Options of {@linkcode readSweepMeta}.
 *
 * @example Usage
 * ```ts
 * import { readSweepMeta, type ReadSweepMetaOptions, writeSweepMeta } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/results.csv`;
 * const meta = { version: 1, paramNames: ["a"], outputNames: ["y"], totalRows: 10, startedAt: "2024-01-01" };
 * await writeSweepMeta(path, meta);
 * const options: ReadSweepMetaOptions = { expected: { ...meta, startedAt: "2024-06-01" }, ignore: ["startedAt"] };
 * const stored = await readSweepMeta(path, options);
 * assert.equal(stored.startedAt, "2024-01-01");
 * await assert.rejects(readSweepMeta(path, { expected: options.expected }), /'startedAt' differs/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ReadSweepMetaOptions {
  /**
   * The metadata of the sweep being resumed: when given, every field must
   * equal the stored one (after a JSON round trip), or an error names the first
   * field that differs.
   *
   * @default {undefined (no check)}
   */
  readonly expected?: SweepMeta;
  /**
   * Fields left out of the check, e.g. a time stamp.
   *
   * @default {[]}
   */
  readonly ignore?: readonly string[];
}

/**
 * Reads the metadata stored next to a results file by
 * {@linkcode writeSweepMeta}, and optionally checks that it is the metadata of
 * the sweep being resumed.
 *
 * @param resultsPath The results file (not the metadata file).
 * @param options The expected metadata and fields to ignore.
 * @returns The stored metadata.
 * @throws {Deno.errors.NotFound} When there is no metadata file.
 * @throws {SyntaxError} When the metadata file is not valid JSON or lacks required fields.
 * @throws {Error} When a field differs from `expected`; the message names the field.
 *
 * @example Usage
 * ```ts
 * import { readSweepMeta, writeSweepMeta } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const meta = { version: 1, paramNames: ["a"], outputNames: ["y"], totalRows: 10, seed: 7 };
 * await writeSweepMeta(`${dir}/results.csv`, meta);
 * await assert.rejects(
 *   readSweepMeta(`${dir}/results.csv`, { expected: { ...meta, seed: 8 } }),
 *   /'seed' differs.*current value is 8, expected 7/,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readSweepMeta(
  resultsPath: string | URL,
  options: ReadSweepMetaOptions = {},
): Promise<SweepMeta> {
  const metaPath = sweepMetaPath(resultsPath);
  let text: string;
  try {
    text = await Deno.readTextFile(metaPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot read sweep metadata as its file does not exist: current value is ${
          describe(String(metaPath))
        } (it is written next to the results when a sweep starts)`,
      );
    }
    throw error;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read sweep metadata as ${describe(String(metaPath))} is not valid JSON: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  try {
    checkMeta(meta, "read sweep metadata", describe(String(metaPath)));
  } catch (error) {
    throw new SyntaxError((error as Error).message);
  }
  if (options.expected !== undefined) {
    const expected = JSON.parse(JSON.stringify(options.expected));
    const ignore = new Set(options.ignore ?? []);
    // Row counts follow from the samplers: checked last, so that a changed sampler is named
    // (with both values) rather than the count it changes.
    const derived = ["totalRows", "rows"];
    const fields = [...new Set([...Object.keys(expected), ...Object.keys(meta)])]
      .sort((a, b) => Number(derived.includes(a)) - Number(derived.includes(b)));
    for (const field of fields) {
      if (ignore.has(field)) continue;
      const diff = difference(expected[field], (meta as Record<string, unknown>)[field], field);
      if (diff !== undefined) {
        throw new Error(
          `Cannot resume ${
            describe(String(resultsPath))
          } as the sweep's '${diff.path}' differs from the one it was started with: current value is ${
            show(diff.current)
          }, expected ${show(diff.stored)} (from ${describe(String(metaPath))})`,
        );
      }
    }
  }
  return meta;
}

function show(value: unknown): string {
  return value === undefined ? "absent" : describe(value);
}

/** The first place where two JSON values differ, as a dotted path. */
function difference(
  current: unknown,
  stored: unknown,
  path: string,
): { path: string; current: unknown; stored: unknown } | undefined {
  if (Object.is(current, stored)) return undefined;
  if (
    typeof current === "object" && typeof stored === "object" && current !== null &&
    stored !== null && Array.isArray(current) === Array.isArray(stored)
  ) {
    if (Array.isArray(current) && Array.isArray(stored)) {
      if (current.length !== stored.length) return { path, current, stored };
      for (let i = 0; i < current.length; i++) {
        const d = difference(current[i], stored[i], `${path}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    const c = current as Record<string, unknown>;
    const s = stored as Record<string, unknown>;
    for (const key of new Set([...Object.keys(c), ...Object.keys(s)])) {
      const d = difference(c[key], s[key], `${path}.${key}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return { path, current, stored };
}
