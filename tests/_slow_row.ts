// Helpers of the tests of rows that finish before a slow row of their chunk (issue 11, point 9):
// the CSV's lines, what the fixture models record, and the CLI run killed while such a row runs.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { KNOWN, runMpi } from "./_mpi.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;

/** A data line of the results CSV (columns x, y, success). */
export interface Line {
  x: number;
  y: string;
  success: string;
}

/** The CSV's complete data lines. */
export async function lines(file: string): Promise<Line[]> {
  const all = (await Deno.readTextFile(file)).split("\n");
  all.pop();
  return all.slice(1).map((line) => {
    const [x, y, success] = line.split(",");
    return { x: Number(x), y, success };
  });
}

/** What the fixture models record for x: failed for x % 3 == 1 (and `also`), else y = 2x. */
export function expected(xs: number[], also: number[] = []): Line[] {
  return xs.map((x) =>
    x % 3 === 1 || also.includes(x)
      ? { x, y: "NaN", success: "false" }
      : { x, y: String(2 * x), success: "true" }
  );
}

/** 0, 1, ..., n - 1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * `psweep run` of `model` over x = 0..119 on one worker, whose row 50 waits (while a hold file
 * exists) until rows 0-49 are in the results file: asserts they are there while it runs and after
 * `kill -9` of the CLI, then that `--resume` completes the file (and, with `clean`, that it equals
 * a clean run's byte for byte).
 */
export async function killWhileRowWaits(model: string, clean = false): Promise<void> {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.csv`;
    // One worker: chunks of 1, 4, 16 and 64 rows, so row 50 runs in the chunk of rows 21-84.
    await Deno.writeTextFile(
      `${dir}/sweep.yaml`,
      `model: ${model}\nparams:\n  x: { sampler: linear, lower: 0, upper: 119, n: 120 }\n` +
        `outputs: [y]\nworkers: 1\ncsv: out.csv\nbuildOptions: { file: ${out}, gate: 50 }\n`,
    );
    await Deno.writeTextFile(`${out}.gate`, "");
    await Deno.writeTextFile(`${out}.hold`, "");
    const command = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--unstable-worker-options",
          "--no-prompt",
          mod,
          "run",
          "sweep.yaml",
          `--allow-read=${dir}`,
          "--quiet",
          ...args,
        ],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      });
    const child = command().spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    while (!/gate: the 50 rows/.test(err)) {
      const { value, done } = await reader.read();
      if (done) break;
      err += value;
    }
    assertMatch(err, /gate: the 50 rows before x = 50 are on disk/);
    // Row 50 still runs (it waits while the hold file exists): the rows before it are on disk.
    assertEquals(await lines(out), expected(range(50)));
    child.kill("SIGKILL");
    await reader.cancel();
    assert(!(await child.status).success);
    // Nothing that was on disk is lost, and nothing after it was written.
    assertEquals(await lines(out), expected(range(50)));

    await Deno.remove(`${out}.gate`);
    await Deno.remove(`${out}.hold`);
    const resumed = await command("--resume").output();
    assertEquals(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
    assertEquals(await lines(out), expected(range(120)));
    if (!clean) return;
    const fresh = await command("--out", "clean.csv").output();
    assertEquals(fresh.code, 0, new TextDecoder().decode(fresh.stderr));
    assertEquals(await Deno.readTextFile(out), await Deno.readTextFile(`${dir}/clean.csv`));
  });
}

/**
 * The MPI fixture (tests/fixtures/mpi/partial.ts) on 2 Open MPI ranks, x = 0..59: rank 1 runs rows
 * 30-59, and its row 45 waits until rows 0-44, its own 30-44 among them, are in rank 0's file.
 * `mode` "sync" makes that row hold its worker's thread (the rows are then taken by the rank's
 * main thread). Asserts the run completes with every row in order.
 */
export async function mpiRowWaits(mode?: "sync"): Promise<void> {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.csv`;
    await Deno.writeTextFile(`${out}.gate`, "");
    const launcher = KNOWN.find((l) => l.name === "openmpi")!;
    const fixture = new URL("./fixtures/mpi/partial.ts", import.meta.url);
    const run = await runMpi(launcher, 2, fixture, [out, "60", "45", ...(mode ? [mode] : [])]);
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /gate: the 45 rows before x = 45 are on disk/);
    assertEquals([run.ranks[0].rows, run.ranks[1].rows], [60, 60]);
    assertEquals(await lines(out), expected(range(60)));
  });
}
