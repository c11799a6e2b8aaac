// A sweep of a model with probe(): points the probe rejects are recorded as failed, unevaluated.
// Run: deno run -A --no-prompt examples/probe_sweep.ts
import { linearSample, parameterSweep } from "../mod.ts";

const result = await parameterSweep({
  model: new URL("./models/pump_with_probe.ts", import.meta.url),
  params: { staticHead: linearSample(0, 80, 9), friction: linearSample(0.001, 0.01, 4) },
  outputs: ["flow", "head", "powerKw"],
  workers: 2,
});
const skipped = [...result.errors.values()].filter((m) => m === "probe returned false").length;
console.log(
  `${result.rows} points, ${result.stats.succeeded} evaluated, ${skipped} rejected by probe`,
);
