/**
 * psweep: parameter sweeps in parallel for Deno, a port of WaterTAP's
 * `parameter_sweep` package.
 *
 * @example Serial scatter and gather
 * ```ts
 * import { SingleProcessManager, type Matrix } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const pm = new SingleProcessManager();
 * await pm.scatter(() => [2], {}, (p: Matrix, k: number) => p.data.map((x) => x * k), [[1], [2]]);
 * const [chunk] = await pm.gather();
 * assert.deepEqual([...(chunk.results as Float64Array)], [2, 4]);
 * ```
 *
 * @module
 */

export * from "./src/parallel/matrix.ts";
export * from "./src/parallel/parallel_manager.ts";
export * from "./src/parallel/build_and_execute.ts";
export * from "./src/parallel/single_process_manager.ts";
export * from "./src/parallel/deno_worker_manager.ts";
export * from "./src/parallel/create_parallel_manager.ts";
export * from "./src/parallel/mpi_manager.ts";
export * from "./src/parallel/redis_manager.ts";
export * from "./src/sampling/random_state.ts";
export * from "./src/sampling/samplers.ts";
export * from "./src/sampling/build_combinations.ts";
export * from "./src/sweep/model.ts";
export * from "./src/sweep/sweep_result.ts";
export * from "./src/sweep/sweep_options.ts";
export * from "./src/sweep/parameter_sweep.ts";
export * from "./src/sweep/differential_parameter_sweep.ts";
export * from "./src/io/format.ts";
export * from "./src/io/row_types.ts";
export * from "./src/io/row_writer.ts";
export * from "./src/io/atomic.ts";
export * from "./src/io/resume.ts";
export * from "./src/io/progress.ts";

if (import.meta.main) {
  // The CLI loads only when psweep runs as a program (`deno run -A jsr:@x/psweep`).
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
