// Internal: the files of a recursive sweep. Its rounds depend on the outcomes of the rounds
// before, so each round streams to a part file of its own beside each CSV or JSON Lines results
// file (`.<name>.round-<r>.<ext>`), through the same sink as every sweep: a stopped run leaves
// every finished row on disk, and a resume replays the rounds (the draws depend only on the seed
// and the outcomes on disk), computing only the rows missing. Once the sweep is done, every
// results file (Arrow, HDF5 and Parquet too) gets the rows kept, as WaterTAP's, and the part
// files go. A sweep that keeps no rows (keepResult: false) holds none of its rounds' rows: every
// results file is then written from the part files, a batch at a time, and the summary's
// statistics taken as the rows pass. From the first look at the files to the last write, the sweep holds the lock of each
// results file (see _results_lock.ts): a second run on them fails at once, touching nothing.
import { basename, dirname, extname, join } from "node:path";
import { pathExists, removeTemporaries } from "../io/_fs.ts";
import { formatOfPath, resultsFormat } from "../io/_formats.ts";
import { lockResults, type ResultsLock } from "../io/_results_lock.ts";
import { readRowBatches, readRows } from "../io/read_rows.ts";
import type { RowBatch, RowHeader } from "../io/row_types.ts";
import type { ResultsFormatModule, ResultsWriter } from "../io/_results_format.ts";
import { readSweepMeta, sweepMetaPath, writeSweepMeta } from "../io/sweep_meta.ts";
import type { SweepResult } from "./sweep_result.ts";
import type { ColumnSummary } from "./sweep_summary.ts";
import { ColumnStats } from "./_column_stats.ts";
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
  /**
   * The same from the rounds' part files, for a sweep that kept no rows: every results file
   * gets the first `rows` successful rows of `parts`, a batch at a time; returns their
   * columns' statistics.
   */
  writeFromParts(parts: readonly RoundPart[], kept: KeptRows): Promise<KeptStats>;
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
      writeFromParts: (parts, kept) => writeFromParts(paths, streamed, parts, kept, meta),
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

/** A finished round's part file (CSV or JSON Lines), under the output names it was written with. */
export interface RoundPart {
  readonly path: string;
  readonly outputNames: readonly string[];
}

/** What the results files of a sweep that kept no rows hold. */
export interface KeptRows {
  readonly paramNames: readonly string[];
  readonly outputNames: readonly string[];
  /** How many successful rows, the first found. */
  readonly rows: number;
  readonly seed: number | undefined;
}

/** The statistics of the rows kept, by column name. */
export interface KeptStats {
  readonly params: Record<string, ColumnSummary>;
  readonly outputs: Record<string, ColumnSummary>;
}

// Where a results file is written before it replaces its path (in its own format: the name keeps
// the extension), so that a run that stops half way leaves no half file at the path.
function pendingPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.final${extname(path)}`);
}

// writeRecursiveResult's rows, from the part files: the successful rows of each round in turn,
// the first `kept.rows` of them, one batch of a part file in memory at a time.
async function writeFromParts(
  paths: string[],
  streamed: string[],
  parts: readonly RoundPart[],
  kept: KeptRows,
  meta: Record<string, unknown>,
): Promise<KeptStats> {
  const { paramNames, outputNames } = kept;
  const P = paramNames.length;
  const O = outputNames.length;
  const header: RowHeader = { paramNames, outputNames };
  const stats = [...paramNames, ...outputNames].map(() => new ColumnStats());
  const targets: { path: string; format: ResultsFormatModule; writer: ResultsWriter }[] = [];
  try {
    for (const path of paths) {
      const format = await resultsFormat(formatOfPath(path)!);
      // What a run killed while it wrote the pending file left beside it goes first (this run
      // holds the results file's lock).
      await removeTemporaries([pendingPath(path)]);
      const writer = await format.open(pendingPath(path), header, { overwrite: true });
      targets.push({ path, format, writer });
    }
    let left = kept.rows;
    for (const part of parts) {
      if (left === 0) break;
      const at = part.outputNames.map((name) => outputNames.indexOf(name));
      const batches = readRowBatches(part.path, {
        extraNames: [],
        paramNames,
        outputNames: part.outputNames,
      });
      for await (const batch of batches) {
        const Q = part.outputNames.length;
        let k = 0;
        for (let i = 0; i < batch.rows && k < left; i++) k += batch.success[i];
        const params = new Float64Array(k * P);
        const outputs = new Float64Array(k * O).fill(NaN);
        for (let i = 0, w = 0; w < k; i++) {
          if (!batch.success[i]) continue;
          for (let c = 0; c < P; c++) {
            const v = batch.params[i * P + c];
            params[w * P + c] = v;
            stats[c].add(v);
          }
          for (let q = 0; q < Q; q++) {
            if (at[q] < 0) continue;
            const v = batch.outputs[i * Q + q];
            outputs[w * O + at[q]] = v;
            stats[P + at[q]].add(v);
          }
          w++;
        }
        const rows: RowBatch = { rows: k, params, outputs, success: new Uint8Array(k).fill(1) };
        for (const { writer } of targets) if (k > 0) await writer.write(rows);
        left -= k;
        if (left === 0) break;
      }
    }
    for (const { path, format, writer } of targets.splice(0)) {
      await writer.close();
      const pending = pendingPath(path);
      // Parquet is written from the stream its writer kept beside the file.
      if (!format.streams) await format.finalizeFromStream!(pending, header, kept.rows);
      await Deno.rename(pending, path);
      await writeSweepMeta(path, {
        version: 1,
        paramNames,
        outputNames,
        totalRows: kept.rows,
        ...meta,
        seed: kept.seed ?? null,
      });
    }
  } finally {
    // A failed write leaves the parts (a resume starts from them) and no pending file (nor
    // Parquet's stream beside it).
    for (const { path, writer } of targets) {
      await writer.close().catch(() => {});
      for (const file of [pendingPath(path), writer.streamPath]) {
        if (file !== undefined) await Deno.remove(file).catch(() => {});
      }
    }
  }
  await removeParts(await existingParts(streamed));
  const summary = (c: number) => stats[c].summary();
  return {
    params: Object.fromEntries(paramNames.map((name, c) => [name, summary(c)])),
    outputs: Object.fromEntries(outputNames.map((name, o) => [name, summary(P + o)])),
  };
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
