// Internal: the extra results files of `interpolateNanOutputs`, WaterTAP's
// `interpolated_<name>` beside each results file, with the failed rows' outputs interpolated.
import { basename, dirname, join } from "node:path";
import { finalizeRows } from "../io/atomic.ts";
import { pathExists } from "../io/_fs.ts";
import { resultTable } from "./_result_table.ts";
import { type ExtraColumns, extraColumns } from "./_extra_columns.ts";
import { interpolateNanOutputs, MAX_INTERPOLATION_DIMENSIONS } from "./interpolate_nan_outputs.ts";
import type { SweepResult } from "./sweep_result.ts";

/** Where the interpolated copy of a results file goes: `interpolated_<name>` beside it. */
export function interpolatedPath(path: string): string {
  return join(dirname(path), `interpolated_${basename(path)}`);
}

/** Refuses, before any work, a sweep whose interpolation could not run or would clobber a file. */
export async function checkInterpolation(
  paths: string[],
  data: Float64Array,
  paramNames: readonly string[],
  rows: number,
  replace: boolean,
): Promise<void> {
  const P = paramNames.length;
  const varying: string[] = [];
  for (let c = 0; c < P; c++) {
    for (let r = 1; r < rows; r++) {
      if (data[r * P + c] !== data[c]) {
        varying.push(paramNames[c]);
        break;
      }
    }
  }
  if (varying.length > MAX_INTERPOLATION_DIMENSIONS) {
    throw new RangeError(
      `Cannot run a sweep with 'interpolateNanOutputs' as linear interpolation supports up to ${MAX_INTERPOLATION_DIMENSIONS} varying parameters: current value is ${varying.length} (${
        varying.join(", ")
      })`,
    );
  }
  if (replace) return;
  for (const path of paths.map(interpolatedPath)) {
    if (await pathExists(path)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write interpolated results as ${
          JSON.stringify(path)
        } already exists: pass overwrite (or resume) to replace it`,
      );
    }
  }
}

/**
 * Writes `interpolated_<name>` beside each results file, in the results file's format.
 * @returns The interpolation's warnings (outputs with too few rows to interpolate from).
 */
export async function writeInterpolated(
  paths: string[],
  result: SweepResult,
  extra: ExtraColumns | undefined,
): Promise<string[]> {
  const filled = await interpolateNanOutputs(result);
  // The success column still says which rows were interpolated: the ones that failed.
  const table = resultTable(filled, extra && extraColumns(extra, result.rows));
  for (const path of paths) {
    await finalizeRows(interpolatedPath(path), table, { overwrite: true });
  }
  return filled.warnings.slice(result.warnings.length);
}
