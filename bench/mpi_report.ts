/**
 * MpiManager's cost (issue 15), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/mpi_report.ts
 * ```
 *
 * 1. Throughput: `parameterSweep` of 1 ms points (bench/models/spin_1ms.ts), without files, on
 *    a local pool of 2 workers, and on 2 MPI ranks of 1 worker each (`mpirun -n 2`, Open MPI,
 *    then MPICH). The sweep's own time on the root (ranks start together after a barrier), and
 *    the job's wall time including `mpirun` and Deno's start-up, separately. Median of 3.
 * 2. Collectives on 2 ranks: `syncWithPeers` (barrier), `sumValuesAndSync` (allreduce) and
 *    `gatherArraysToRoot` (gatherv) of 1k, 64k and 1M doubles, against the same MPI calls in a C
 *    loop (bench/mpi_collectives.c, built here with `mpicc -shared`, which needs libopenmpi-dev /
 *    libmpich-dev, else that column is empty) called from the same ranks: five rounds, psweep and
 *    C alternating, after a warm-up; the median of each round's mean per call.
 *
 * @module
 */

import { MpiManager, parameterSweep, uniformSample } from "../mod.ts";
import { DenoWorkerManager } from "../src/parallel/deno_worker_manager.ts";

const MODEL = new URL("./models/spin_1ms.ts", import.meta.url).href;
const REPO = new URL("../", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;
const POINTS = 1000;
const LAUNCHERS = [
  {
    name: "Open MPI",
    run: "/usr/bin/mpirun.openmpi",
    cc: "/usr/bin/mpicc.openmpi",
    flags: ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"],
  },
  { name: "MPICH", run: "/usr/bin/mpirun.mpich", cc: "/usr/bin/mpicc.mpich", flags: [] },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function sweepOn(manager: MpiManager | DenoWorkerManager): Promise<number> {
  await manager.syncWithPeers();
  const t0 = performance.now();
  await parameterSweep({
    model: MODEL,
    params: { x: uniformSample(0, 1, POINTS) },
    seed: 1,
    manager,
  });
  return performance.now() - t0;
}

// Inside an MPI job: one part of the benchmark, printed by rank 0 as JSON lines.
async function rankPart(part: string): Promise<void> {
  await using pm = new MpiManager({ workers: 1, permissions: { read: [REPO] } });
  const say = (value: unknown) => {
    if (pm.isRootProcess()) console.log(JSON.stringify(value));
  };
  if (part === "throughput") {
    // A first sweep warms the worker and the JIT, as the local pool's does.
    await sweepOn(pm);
    say({ op: "sweep", ms: await sweepOn(pm) });
    return;
  }
  // The C loops, built by the driver for this MPI (absent: that column stays empty).
  const cPath = Deno.env.get("PSWEEP_BENCH_C");
  const c = cPath
    ? Deno.dlopen(cPath, {
      bench_barrier: { parameters: ["i32"], result: "f64" },
      bench_allreduce: { parameters: ["i32", "i32"], result: "f64" },
      bench_gatherv: { parameters: ["i32", "i32"], result: "f64" },
    }).symbols
    : undefined;
  // Five rounds, psweep and C alternating; the median of each (µs per call).
  const time = async (iters: number, call: () => Promise<void>, native?: () => number) => {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = -1; r < 5; r++) {
      await pm.syncWithPeers();
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) await call();
      const t = ((performance.now() - t0) / iters) * 1000;
      await pm.syncWithPeers();
      const tc = native ? native() * 1e6 : NaN;
      if (r >= 0) {
        ours.push(t);
        theirs.push(tc);
      }
    }
    return { us: median(ours), c: native ? median(theirs) : undefined };
  };
  say({
    op: "barrier",
    n: 0,
    ...await time(20000, () => pm.syncWithPeers(), c && (() => c.bench_barrier(20000))),
  });
  const size = pm.numberOfWorkerProcesses();
  for (const [n, iters] of [[1000, 20000], [65536, 500], [1048576, 20]]) {
    const send = Float64Array.from({ length: n }, (_, i) => i);
    const recv = new Float64Array(n * size);
    const out = new Float64Array(n);
    say({
      op: "allreduce",
      n,
      ...await time(
        iters,
        () => pm.sumValuesAndSync(send, out),
        c && (() => c.bench_allreduce(n, iters)),
      ),
    });
    const spec = { buffer: recv, sizes: Array(size).fill(n) };
    say({
      op: "gatherv",
      n,
      ...await time(
        iters,
        () => pm.gatherArraysToRoot(send, pm.isRootProcess() ? spec : undefined),
        c && (() => c.bench_gatherv(n, iters)),
      ),
    });
  }
}

interface Line {
  op: string;
  n?: number;
  us?: number;
  c?: number;
  ms?: number;
}

async function job(cmd: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: { UCX_DEBUG_SIGNO: "0", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);
  return { lines, wallMs };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function driver(): Promise<void> {
  const deno = [Deno.execPath(), "run", "-A", "--unstable-worker-options", "--no-prompt", SELF];
  console.log(`${POINTS} points of 1 ms each, no files; ${navigator.hardwareConcurrency} cores`);
  const local: number[] = [];
  {
    await using pool = new DenoWorkerManager({ workers: 2, permissions: { read: [REPO] } });
    await sweepOn(pool);
    for (let i = 0; i < 3; i++) local.push(await sweepOn(pool));
  }
  const lm = median(local);
  console.log(
    `  local pool, 2 workers        ${lm.toFixed(0)} ms   ${
      (POINTS / lm * 1000).toFixed(0)
    } points/s`,
  );
  const installed = LAUNCHERS.filter((l) => exists(l.run));
  for (const l of installed) {
    const sweeps: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { lines, wallMs } = await job([l.run, ...l.flags, "-n", "2", ...deno, "throughput"]);
      sweeps.push(lines.find((x) => x.op === "sweep")!.ms!);
      walls.push(wallMs);
    }
    const m = median(sweeps);
    console.log(
      `  ${l.name.padEnd(8)} 2 ranks x 1 worker ${m.toFixed(0)} ms   ${
        (POINTS / m * 1000).toFixed(0)
      } points/s   ${(lm / m).toFixed(2)}x the local pool (job wall time with start-up: ${
        median(walls).toFixed(0)
      } ms)`,
    );
  }
  console.log("\ncollectives on 2 ranks, µs per call (median of 5 repeats)");
  console.log("  library   op          doubles   psweep        C   ratio");
  const dir = await Deno.makeTempDir();
  try {
    for (const l of installed) {
      const env: Record<string, string> = {};
      if (exists(l.cc)) {
        const lib = `${dir}/libbench_${l.name.replace(/\W/g, "")}.so`;
        const built = await new Deno.Command(l.cc, {
          args: [
            "-O2",
            "-shared",
            "-fPIC",
            "-o",
            lib,
            new URL("./mpi_collectives.c", import.meta.url).pathname,
          ],
          stderr: "piped",
        }).output();
        if (built.code === 0) env.PSWEEP_BENCH_C = lib;
        else {console.log(
            `  (${l.cc} could not build the C baseline: is the -dev package installed?)`,
          );}
      }
      const lines = (await job([l.run, ...l.flags, "-n", "2", ...deno, "collectives"], env)).lines;
      for (const o of lines) {
        console.log(
          `  ${l.name.padEnd(9)} ${o.op.padEnd(10)} ${String(o.n).padStart(8)} ${
            o.us!.toFixed(1).padStart(9)
          } ${o.c !== undefined ? o.c.toFixed(1).padStart(8) : "       -"} ${
            o.c !== undefined ? (o.us! / o.c).toFixed(2).padStart(6) + "x" : ""
          }`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const part = Deno.args[0];
  if (part) await rankPart(part);
  else await driver();
}
