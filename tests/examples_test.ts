// Every example runs as a user would run it, in a subprocess.
import { assertEquals, assertMatch } from "./_assert.ts";

const root = new URL("../", import.meta.url).pathname;

async function runExample(path: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", path],
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
