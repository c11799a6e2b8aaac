// Every example runs as a user would run it, in a subprocess.
import { assertEquals, assertMatch } from "./_assert.ts";

const root = new URL("../", import.meta.url).pathname;

async function runExample(path: string, args: string[] = []): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", path, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  return text;
}

Deno.test("examples/library_sweep.ts sweeps the heat exchanger model", async () => {
  const text = await runExample("examples/library_sweep.ts");
  // geomSample(0.1, 5, 12) ends ..., 3.51, 5: only ntu = 5 exceeds maxNtu 4, failing 5 rows.
  assertMatch(text, /^60 rows, 5 failed$/m);
  assertMatch(text, /ntu=0\.100 cr=0\.00 effectiveness=0\.0952/);
});

Deno.test("examples/probe_sweep.ts records probe-rejected points as failed", async () => {
  const text = await runExample("examples/probe_sweep.ts");
  // staticHead 0..80 in steps of 10: 60, 70 and 80 reach the 60 m shut-off head (3 x 4 points).
  assertMatch(text, /^36 points, 24 evaluated, 12 rejected by probe$/m);
});

Deno.test("examples/peer_group.ts estimates pi with an allreduce over 4 ranks", async () => {
  const text = await runExample("examples/peer_group.ts");
  assertMatch(text, /^pi ~ 3\.14159265\d+ \(every rank agrees: true\)$/m);
});

Deno.test("examples/ro_sweep.yaml runs through the CLI", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/ro.csv`;
    const text = await runExample("mod.ts", [
      "run",
      "examples/ro_sweep.yaml",
      "--out",
      out,
      "--json",
    ]);
    const summary = JSON.parse(text.split("\n").find((l) => l.startsWith("{"))!);
    assertEquals([summary.rows, summary.seed], [200, 1]);
    assertEquals(summary.outputNames, ["recovery", "energyKwhPerM3"]);
    assertMatch(await Deno.readTextFile(out), /^pressure,salinity,recovery,energyKwhPerM3,success/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
