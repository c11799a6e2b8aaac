// The SPMD entry of examples/peer_group.ts: every worker runs it with its own rank.
import type { ParallelManager } from "../mod.ts";

/** Estimates pi: each rank integrates its share of 4/(1+x^2) over [0, 1], then an allreduce. */
export async function estimatePi(peers: ParallelManager, steps: number): Promise<number> {
  const rank = peers.getRank();
  const size = peers.numberOfWorkerProcesses();
  let local = 0;
  for (let i = rank; i < steps; i += size) {
    const x = (i + 0.5) / steps;
    local += 4 / (1 + x * x);
  }
  const total = new Float64Array(1);
  await peers.sumValuesAndSync(new Float64Array([local / steps]), total);
  // Every rank learns the root's view of who took part.
  const ranks = await peers.combineDataWithPeers(rank);
  if (ranks.length !== size) throw new Error("a rank is missing");
  return total[0];
}
