// Internal: how a SweepSink is set up, and what identifies its sweep in a results file's
// metadata (written with each file, checked on resume).
import type { SweepMeta } from "../io/sweep_meta.ts";
import type { Progress } from "../io/progress.ts";
import type { ParamRows } from "./_param_rows.ts";
import type { ExtraColumns } from "./_extra_columns.ts";

/** How a sink is set up. */
export interface SinkOptions {
  csv?: string;
  jsonl?: string;
  /** An Arrow IPC stream, an HDF5 file (WaterTAP's layout) and a Parquet file. */
  arrow?: string;
  h5?: string;
  parquet?: string;
  resume: boolean;
  overwrite: boolean;
  paramNames: string[];
  outputs: string[] | undefined;
  /** rows x paramNames.length, row-major, or the rows computed by index (a grid). */
  params: Float64Array | ParamRows;
  /**
   * Extra numeric columns, `rows` values each, written before the parameters (a differential
   * sweep's nominalIndex and differentialIndex), computed from the row index. Derived from the
   * rows, so not read back.
   */
  extra?: ExtraColumns;
  rows: number;
  /** What identifies the sweep on disk, checked on resume. */
  meta: Record<string, unknown>;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** How long a chunk that arrives ahead of its turn may wait in memory. @default {250} */
  holdMs?: number;
  /** How many bytes of such chunks may wait in all. @default {32 MiB} */
  holdBytes?: number;
  /** Encoded rows waiting to be written (bytes) beyond which the workers wait. @default {32 MiB} */
  backlogBytes?: number;
  /**
   * Whether every row's values are held, to return a SweepResult; false holds only the rows
   * on their way to disk and returns a SweepSummary. @default {true}
   */
  keepRows?: boolean;
}

/** The metadata of the sweep's results files under these output names. */
export function sinkMeta(o: SinkOptions, outputNames: readonly string[]): SweepMeta {
  return {
    version: 1,
    paramNames: o.paramNames,
    outputNames,
    ...(o.extra ? { extraNames: [...o.extra.names] } : {}),
    totalRows: o.rows,
    ...o.meta,
  } as SweepMeta;
}
