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

// What a sweep's user imports. The rest of each layer is a subpath: `@x/psweep/parallel`
// (matrices, buildAndExecute, writing a manager), `@x/psweep/sampling` (numpy's generator,
// buildCombinations), `@x/psweep/io` (reading and writing results files), `@x/psweep/report`.

// The contract and the managers.
export type {
  BuildFunction,
  Callable,
  ErrorInfo,
  ExecuteFunction,
  ModuleFunction,
  ParallelManager,
  ReceiveBufferSpec,
  ScatterOptions,
} from "./src/parallel/parallel_manager.ts";
export { LocalResults, ROOT_PROCESS_RANK } from "./src/parallel/parallel_manager.ts";
export type { Matrix, ParameterRows, TypedArray } from "./src/parallel/matrix.ts";
export * from "./src/parallel/single_process_manager.ts";
export * from "./src/parallel/deno_worker_manager.ts";
export * from "./src/parallel/mpi_manager.ts";
export * from "./src/parallel/redis_manager.ts";
export * from "./src/parallel/create_parallel_manager.ts";

// The samplers.
export {
  fixedSample,
  geomSample,
  latinHypercubeSample,
  linearSample,
  normalSample,
  randomSample,
  reverseGeomSample,
  SamplingType,
  uniformSample,
} from "./src/sampling/samplers.ts";
export type {
  FixedRangeSampler,
  FixedValuesSampler,
  LatinHypercubeSampler,
  NormalSampler,
  RandomValuesSampler,
  Sampler,
  UniformSampler,
} from "./src/sampling/samplers.ts";

// The sweeps and what they take and give.
export * from "./src/sweep/model.ts";
export * from "./src/command/command_model.ts";
export * from "./src/sweep/sweep_options.ts";
export * from "./src/sweep/sweep_result.ts";
export * from "./src/sweep/sweep_summary.ts";
export * from "./src/sweep/parameter_sweep.ts";
export * from "./src/sweep/differential_parameter_sweep.ts";
export * from "./src/sweep/interpolate_nan_outputs.ts";
export type { Progress } from "./src/io/progress.ts";

if (import.meta.main) {
  // The CLI loads only when psweep runs as a program (`deno run -A jsr:@x/psweep`).
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
