/**
 * Models of many outputs, side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/many_outputs.ts [rows]
 * ```
 *
 * A sweep of `rows` points (2,000 by default) of a model of 1,023 outputs
 * (`bench/models/wide.ts`) on 2 workers: without files, then to each results format, keeping
 * the rows and keeping none (`keepResult: false`, what the CLI runs). Each case runs in a fresh
 * child process, in 3 rounds of every case in turn; the table shows each case's median time
 * and its ratio to the sweep without files.
 *
 * @module
 */

import { childArgs } from "./_child.ts";
const FORMATS = ["csv", "jsonl", "arrow", "h5", "parquet"] as const;
const rows = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 2000);
const CASES = ["none", ...FORMATS.flatMap((f) => [f, `${f} stream`])];

if (Deno.args[0] === "--child") {
  const { linearSample, parameterSweep } = await import("../mod.ts");
  const [, which, n] = Deno.args;
  const [format, stream] = which.split(" ");
  const dir = await Deno.makeTempDir();
  try {
    const options = {
      model: new URL("./models/wide.ts", import.meta.url),
      params: { i: linearSample(0, Number(n) - 1, Number(n)) },
      workers: 2,
      ...(format === "none" ? {} : { [format]: `${dir}/r.${format}` }),
    };
    const t0 = performance.now();
    if (stream) await parameterSweep({ ...options, keepResult: false });
    else await parameterSweep(options);
    console.log(performance.now() - t0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
} else {
  const times = new Map<string, number[]>(CASES.map((c) => [c, []]));
  for (let round = 0; round < 3; round++) {
    for (const which of CASES) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: childArgs(import.meta.url, "--child", which, String(rows)),
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`case ${which} failed`);
      times.get(which)!.push(Number(new TextDecoder().decode(out.stdout).trim()));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const none = median(times.get("none")!);
  console.log(`case (${rows} points x 1,023 outputs, 2 workers)   ms   vs none`);
  for (const which of CASES) {
    const ms = median(times.get(which)!);
    console.log(
      `${which.padEnd(44)}${ms.toFixed(0).padStart(6)}   ${(ms / none).toFixed(2)}`,
    );
  }
}
