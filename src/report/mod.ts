/**
 * The report of a sweep: one self-contained HTML page (no requests, no dependencies) from any
 * results file or from a sweep's result, with the sweep's settings, statistics, a chart per
 * output, sensitivity, trade-offs and a map of the failures. `psweep report` runs it from the
 * command line.
 *
 * @example A page from a sweep's result
 * ```ts
 * import { linearSample, parameterSweep } from "@x/psweep";
 * import { writeReport } from "@x/psweep/report";
 * import assert from "node:assert/strict";
 *
 * const model = URL.createObjectURL(
 *   new Blob(["export const evaluate = (_, p) => ({ y: p.x * p.x });"], { type: "text/javascript" }),
 * );
 * const result = await parameterSweep({ model, params: { x: linearSample(0, 1, 5) }, workers: 1 });
 * const dir = await Deno.makeTempDir();
 * const page = await writeReport(result, `${dir}/report.html`);
 * assert.match(await Deno.readTextFile(page), /<html/i);
 * await Deno.remove(dir, { recursive: true });
 * URL.revokeObjectURL(model);
 * ```
 *
 * @module
 */

export * from "./report.ts";
// A sweep's result, which writeReport takes as it takes a results file.
export type { SweepResult, SweepStats } from "../sweep/sweep_result.ts";
