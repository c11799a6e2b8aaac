// Hardening against hostile models and careless use (issue 11): each test reproduces an attack
// or a mistake with real workers, processes, signals and files.
import { assertEquals } from "./_assert.ts";
import { fixedSample, parameterSweep } from "../mod.ts";

const hostile = (name: string) => new URL(`./fixtures/hostile/${name}`, import.meta.url).href;

Deno.test("workers: 1 runs the model in a scoped worker: every probe is refused", async () => {
  for (const workers of [1, undefined]) {
    const result = await parameterSweep({
      model: hostile("probe.ts"),
      params: { x: fixedSample([1, 2]) },
      workers,
    });
    for (const [name, column] of Object.entries(result.outputs)) {
      assertEquals([...column], [0, 0], `probe '${name}' got past the sandbox (workers: ${workers})`);
    }
    assertEquals(Object.keys(result.outputs).length, 7);
  }
});
