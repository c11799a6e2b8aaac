// The Deno the CLI starts again gets the allocator settings that keep a long sweep's memory down
// (RELAUNCH_ENV; the README's Limits give the figures), unless the user set them: theirs win.
import { RELAUNCH_ENV } from "../src/_defaults.ts";
import { assert, assertEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;
const probe = new URL("./fixtures/models/env_probe.ts", import.meta.url).pathname;

async function run(dir: string, env: Record<string, string>): Promise<string> {
  await Deno.writeTextFile(
    `${dir}/sweep.yaml`,
    `model: ${probe}\nparams:\n  x: { sampler: linear, lower: 0, upper: 1, n: 2 }\nworkers: 1\n`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      mod,
      "run",
      "sweep.yaml",
      "--allow-env",
      "--out",
      "r.csv",
      "--quiet",
      "--overwrite",
    ],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return await Deno.readTextFile(`${dir}/r.csv`);
}

Deno.test("the relaunched CLI runs with the allocator settings unless the user set them", async () => {
  await withTempDir(async (dir) => {
    const path = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? dir };
    const given = await run(dir, path);
    const { MALLOC_ARENA_MAX: arena, MALLOC_TRIM_THRESHOLD_: trim } = RELAUNCH_ENV;
    assertEquals(given.split("\n").slice(0, 3), [
      "x,arena,trim,success",
      `0,${arena},${trim},true`,
      `1,${arena},${trim},true`,
    ]);
    const theirs = await run(dir, { ...path, MALLOC_ARENA_MAX: "4" });
    assertEquals(theirs.split("\n")[1], `0,4,${trim},true`);
  });
});

Deno.test("a relaunched MPI rank whose launcher process died is ended even when its stop hangs", async () => {
  // Under MPICH, a rank's relaunched child outlived its launcher: its stop waited in a collective
  // for ranks that were gone. The child here ignores SIGTERM; MPI_DEFAULTS.orphanGraceMs after
  // its parent's death it must be gone all the same.
  const fixture = new URL("./fixtures/orphan_rank.ts", import.meta.url).pathname;
  const parent = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture, "parent"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/child \d+\n[\s\S]*ready\n/.test(text)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the fixture ended early: ${text}`);
    text += value;
  }
  const child = Number(/child (\d+)/.exec(text)![1]);
  const alive = () => {
    try {
      Deno.kill(child, "SIGCONT");
      return true;
    } catch {
      return false;
    }
  };
  try {
    parent.kill("SIGKILL");
    await parent.status;
    // (A bound only for a broken build, so that it fails rather than hangs.)
    const giveUp = performance.now() + 60_000;
    while (alive() && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 50));
    assert(!alive(), `the orphaned rank ${child} still runs`);
  } finally {
    if (alive()) Deno.kill(child, "SIGKILL");
    await lines.cancel().catch(() => {});
  }
});
