// Internal: the files of a recursive sweep. Its rounds depend on the outcomes of the rounds
// before, so each round streams to a part file of its own beside each results file
// (`.<name>.round-<r>.<ext>`), through the same sink as every sweep: a stopped run leaves every
// finished row on disk, and a resume replays the rounds (the draws depend only on the seed and
// the outcomes on disk), computing only the rows missing. Once the sweep is done, the results
// file gets the rows kept, as WaterTAP's, and the part files go.
import { basename, dirname, extname, join } from "node:path";
import { finalizeRows } from "../io/atomic.ts";
import { pathExists } from "../io/_fs.ts";
import { readRows, readSweepMeta, sweepMetaPath, writeSweepMeta } from "../io/resume.ts";
import type { SweepResult } from "./sweep_result.ts";
import { namedColumns } from "../_columns.ts";
import { resultTable } from "./_result_table.ts";

/** The part file of round `round` of the results file `path`. */
export function roundPath(path: string, round: number): string {
  return join(dirname(path), `.${basename(path)}.round-${round}${extname(path)}`);
}

/**
 * The part files of every round that exist on disk. Rounds run one after another, so a run
 * that stopped leaves rounds 0 to k: the first missing part ends the list.
 */
async function existingParts(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    for (let r = 0;; r++) {
      const part = roundPath(path, r);
      if (!await pathExists(part)) break;
      out.push(part);
    }
  }
  return out;
}

/**
 * Checks the files before any work. Returns the finished sweep's result when `resume` finds
 * one (a results file and no part files): there is nothing left to compute.
 */
export async function prepareRecursiveFiles(
  paths: string[],
  resume: boolean,
  overwrite: boolean,
  meta: Record<string, unknown>,
  seed: number | undefined,
): Promise<SweepResult | undefined> {
  const parts = await existingParts(paths);
  if (resume) {
    if (parts.length === 0) {
      for (const path of paths) {
        if (await pathExists(path)) return await readFinished(path, meta, seed);
      }
    }
    return undefined;
  }
  for (const path of [...paths, ...parts]) {
    if (!(await pathExists(path))) continue;
    if (!overwrite) {
      const part = parts.includes(path);
      throw new Deno.errors.AlreadyExists(
        `Cannot write results as ${JSON.stringify(path)} already exists${
          part ? " (a round of a recursive sweep that stopped)" : ""
        }: pass resume to continue that sweep, or overwrite to replace it`,
      );
    }
  }
  // Replaced: rounds of an earlier run must not be taken for this one's.
  await removeParts(parts);
  return undefined;
}

async function removeParts(parts: string[]): Promise<void> {
  for (const part of parts) {
    for (const file of [part, sweepMetaPath(part) as string]) {
      await Deno.remove(file).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
  }
}

/** Writes the rows kept to each results file, with its metadata, then removes the parts. */
export async function writeRecursiveResult(
  paths: string[],
  result: SweepResult,
  meta: Record<string, unknown>,
): Promise<void> {
  const { rows, paramNames, outputNames } = result;
  const table = resultTable(result);
  for (const path of paths) {
    await finalizeRows(path, table, { overwrite: true });
    await writeSweepMeta(path, {
      version: 1,
      paramNames,
      outputNames,
      totalRows: rows,
      ...meta,
      seed: result.seed ?? null,
    });
  }
  await removeParts(await existingParts(paths));
}

// A finished recursive sweep, read back from its results file.
async function readFinished(
  path: string,
  expected: Record<string, unknown>,
  seed: number | undefined,
): Promise<SweepResult> {
  const t0 = performance.now();
  let meta;
  try {
    meta = await readSweepMeta(path, {
      expected: { version: 1, paramNames: [], outputNames: [], totalRows: 0, ...expected, seed },
      // What the sweep cannot know before it runs; and without a seed, the recorded one holds.
      ignore: [
        "version",
        "paramNames",
        "outputNames",
        "totalRows",
        ...(seed === undefined ? ["seed"] : []),
      ],
    });
  } catch (e) {
    throw new Error(`Cannot resume from ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  const disk = await readRows(path, { paramNames: meta.paramNames, outputNames: meta.outputNames });
  return {
    paramNames: [...disk.paramNames],
    outputNames: [...disk.outputNames],
    params: namedColumns(disk.params, disk.paramNames, disk.rows),
    outputs: namedColumns(disk.outputs, disk.outputNames, disk.rows),
    success: Uint8Array.from(disk.success),
    errors: new Map(),
    warnings: [],
    seed: typeof meta.seed === "number" ? meta.seed : undefined,
    rows: disk.rows,
    stats: {
      succeeded: disk.rows,
      failed: 0,
      resumed: disk.rows,
      elapsedMs: performance.now() - t0,
      rowsPerSecond: 0,
    },
  };
}
