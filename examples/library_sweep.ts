// Library use: sweep a model over a grid on every core, then print a few rows.
// Run: deno run -A --no-prompt examples/library_sweep.ts
import { geomSample, linearSample, parameterSweep } from "../mod.ts";

const result = await parameterSweep({
  model: new URL("./models/heat_exchanger.ts", import.meta.url),
  buildOptions: { maxNtu: 4 },
  params: { ntu: geomSample(0.1, 5, 12), cr: linearSample(0, 1, 5) },
  workers: 2,
});

console.log(`${result.rows} rows, ${result.stats.failed} failed`);
for (let r = 0; r < result.rows; r += 11) {
  const ntu = result.params.ntu[r].toFixed(3);
  const cr = result.params.cr[r].toFixed(2);
  const e = result.outputs.effectiveness[r].toFixed(4);
  console.log(`ntu=${ntu} cr=${cr} effectiveness=${e}${result.success[r] ? "" : " (failed)"}`);
}
