// Internal: the files of a recursive sweep. Its rounds depend on the outcomes of the rounds
// before, so each round streams to a part file of its own beside each CSV or JSON Lines results
// file (`.<name>.round-<r>.<ext>`), through the same sink as every sweep: a stopped run leaves
// every finished row on disk, and a resume replays the rounds (the draws depend only on the seed
// and the outcomes on disk), computing only the rows missing. Once the sweep is done, every
// results file (Arrow, HDF5 and Parquet too) gets the rows kept, as WaterTAP's, and the part
// files go. From the first look at the files to the last write, the sweep holds the lock of each
// results file (see _results_lock.ts): a second run on them fails at once, touching nothing.
import { basename, dirname, extname, join } from "node:path";
import { pathExists } from "../io/_fs.ts";
import { formatOfPath, resultsFormat } from "../io/_formats.ts";
import { lockResults, type ResultsLock } from "../io/_results_lock.ts";
import { readRows } from "../io/read_rows.ts";
import { readSweepMeta, sweepMetaPath, writeSweepMeta } from "../io/sweep_meta.ts";
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

/** The results files of a recursive sweep, locked for this run and checked. */
export interface RecursiveFiles {
  /** On `resume`, the finished sweep's result (a results file and no part files). */
  readonly finished?: SweepResult;
  /** Writes the rows kept to every results file, with its metadata, then removes the parts. */
  write(result: SweepResult): Promise<void>;
  /** Lets go of the locks: the run writes the files no more. */
  release(): void;
}

/**
 * Locks every results file of `paths` (`streamed` names the CSV and JSON Lines ones among them,
 * whose rounds stream to part files), then checks them before any work: an existing file or part
 * is refused unless `resume` or `overwrite`; `overwrite` removes the parts of an earlier run.
 * The locks come first, so that a second run on the same files fails before it reads, removes or
 * replaces anything of the first's.
 */
export async function openRecursiveFiles(
  paths: string[],
  streamed: string[],
  resume: boolean,
  overwrite: boolean,
  meta: Record<string, unknown>,
  seed: number | undefined,
): Promise<RecursiveFiles> {
  const locks: ResultsLock[] = [];
  const release = () => {
    for (const lock of locks.splice(0)) lock.release();
  };
  try {
    for (const path of paths) locks.push(await lockResults(path));
    const finished = await prepare(paths, streamed, resume, overwrite, meta, seed);
    return {
      finished,
      write: (result) => writeRecursiveResult(paths, streamed, result, meta),
      release,
    };
  } catch (error) {
    release();
    throw error;
  }
}

async function prepare(
  paths: string[],
  streamed: string[],
  resume: boolean,
  overwrite: boolean,
  meta: Record<string, unknown>,
  seed: number | undefined,
): Promise<SweepResult | undefined> {
  const parts = await existingParts(streamed);
  if (resume) {
    if (parts.length > 0) return undefined;
    for (const path of streamed) {
      if (!await pathExists(path)) continue;
      const finished = await readFinished(path, meta, seed);
      // A results file asked for now that the finished run did not write gets its rows.
      const missing = [];
      for (const other of paths) if (!await pathExists(other)) missing.push(other);
      await writeRecursiveResult(missing, [], finished, meta);
      return finished;
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

// Writes the rows kept to each results file (atomically, in its format), with its metadata, then
// removes the parts of the streamed ones: until then a stopped run can resume.
async function writeRecursiveResult(
  paths: string[],
  streamed: string[],
  result: SweepResult,
  meta: Record<string, unknown>,
): Promise<void> {
  const { rows, paramNames, outputNames } = result;
  const table = resultTable(result);
  for (const path of paths) {
    const format = await resultsFormat(formatOfPath(path)!);
    await format.finalize(path, table);
    await writeSweepMeta(path, {
      version: 1,
      paramNames,
      outputNames,
      totalRows: rows,
      ...meta,
      seed: result.seed ?? null,
    });
  }
  await removeParts(await existingParts(streamed));
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
