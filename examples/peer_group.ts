// A peer group: the same entry runs on every worker, with real collectives between them over
// MessageChannel ports (the Deno counterpart of running a script under mpirun).
// Run: deno run -A --unstable-worker-options --no-prompt examples/peer_group.ts
import { DenoWorkerManager } from "../mod.ts";

await using pool = new DenoWorkerManager({ workers: 4 });
const results = await pool.runPeers<number>(
  { module: new URL("./peer_entry.ts", import.meta.url), name: "estimatePi" },
  [1_000_000],
);
console.log(
  `pi ~ ${results[0].toFixed(10)} (every rank agrees: ${results.every((r) => r === results[0])})`,
);
