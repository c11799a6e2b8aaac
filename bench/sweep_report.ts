/**
 * The sweep layer's cost (issue 4), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/sweep_report.ts
 * ```
 *
 * 1,000,000 points of a trivial 3-output model on 2 workers: the raw worker pool running the
 * model per row, `parameterSweep` without files, and `parameterSweep` streaming to CSV and to JSON
 * Lines. Each case runs in a fresh child process (so that start-up, JIT warm-up and peak RSS are
 * those of a real run); the table shows the median of 3 runs.
 *
 * @module
 */

import { buildCombinations, DenoWorkerManager, linearSample, parameterSweep } from "../mod.ts";

const MODEL = new URL("./models/trivial3.ts", import.meta.url);
const REPO = new URL("../", import.meta.url).pathname;
const params = { x: linearSample(0, 1, 1000), y: linearSample(0, 1, 1000) };
const CASES = ["raw", "sweep", "sweep+csv", "sweep+jsonl"] as const;
type Case = typeof CASES[number];

function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Deno.memoryUsage().rss / 2 ** 20;
}

async function runCase(which: Case): Promise<{ ms: number; rss: number }> {
  const dir = await Deno.makeTempDir();
  try {
    const t0 = performance.now();
    if (which === "raw") {
      const combos = buildCombinations(params);
      await using pm = new DenoWorkerManager({ workers: 2, permissions: { read: [REPO] } });
      const module = MODEL.href;
      await pm.scatter({ module, name: "build" }, {}, { module, name: "executeRows" }, combos);
      await pm.gather();
    } else {
      await parameterSweep({
        model: MODEL,
        params,
        workers: 2,
        csv: which === "sweep+csv" ? `${dir}/r.csv` : undefined,
        jsonl: which === "sweep+jsonl" ? `${dir}/r.jsonl` : undefined,
      });
    }
    return { ms: performance.now() - t0, rss: peakRssMb() };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (Deno.args[0] === "--case") {
  console.log(JSON.stringify(await runCase(Deno.args[1] as Case)));
} else if (import.meta.main) {
  const rows: string[][] = [];
  let rawMs = NaN;
  for (const which of CASES) {
    const runs: { ms: number; rss: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--unstable-worker-options",
          "--no-prompt",
          new URL(import.meta.url).pathname,
          "--case",
          which,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`case ${which} failed`);
      runs.push(JSON.parse(new TextDecoder().decode(out.stdout)));
    }
    runs.sort((a, b) => a.ms - b.ms);
    const { ms, rss } = runs[1];
    if (which === "raw") rawMs = ms;
    rows.push([
      which,
      ms.toFixed(0),
      `${(1e6 / ms / 1e3).toFixed(2)} M/s`,
      (ms / rawMs).toFixed(2),
      rss.toFixed(0),
    ]);
  }
  const head = ["case (1M points, 2 workers)", "ms", "points/s", "vs raw", "peak RSS MB"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [head, ...rows]) {
    console.log(r.map((x, c) => c ? x.padStart(widths[c]) : x.padEnd(widths[c])).join("  "));
  }
}
