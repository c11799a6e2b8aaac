import { createParallelManager, DenoWorkerManager, type LocalResults } from "../mod.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { conformance } from "./_conformance.ts";

const root = new URL("../", import.meta.url);
// Tests import the package from the checkout, so their workers read the whole checkout.
const permissions = { read: [root.pathname] };
const fixtures = new URL("./fixtures/functions.ts", import.meta.url).href;
const peers = new URL("./fixtures/peer_entries.ts", import.meta.url).href;
const fn = (name: string) => ({ module: fixtures, name });

Deno.test("DenoWorkerManager pool passes the conformance suite", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions });
  const checks = await conformance(pm, { groupSize: 1 });
  assert(checks.includes("failed chunk"));
});

Deno.test("DenoWorkerManager pool passes with fixed small chunks", async () => {
  await using pm = new DenoWorkerManager({ workers: 3, permissions, chunkSize: 2 });
  await conformance(pm, { groupSize: 1 });
});

for (const workers of [1, 2, 4]) {
  Deno.test(`peer group of ${workers} passes the conformance suite on every rank`, async () => {
    await using pm = new DenoWorkerManager({ workers, permissions });
    const checks = await pm.runPeers<string[]>({ module: peers, name: "runConformance" });
    assertEquals(checks.length, workers);
    for (const c of checks) assertEquals(c, checks[0]);
    assert(checks[0].includes("sumValuesAndSync"));
  });
}

Deno.test("runPeers passes arguments and returns results in rank order", async () => {
  await using pm = new DenoWorkerManager({ workers: 3, permissions });
  const out = await pm.runPeers({ module: peers, name: "whoAmI" }, ["t"]);
  assertEquals(out, [[0, 3, true, "t"], [1, 3, false, "t"], [2, 3, false, "t"]]);
});

Deno.test("runPeers rejects when one rank throws, and the pool stays usable", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions });
  await assertRejects(
    () => pm.runPeers({ module: peers, name: "oneRankThrows" }),
    /rank 1 gave up/,
  );
  const out = await pm.runPeers({ module: peers, name: "whoAmI" }, ["again"]);
  assertEquals(out.length, 2);
});

Deno.test("runPeers refuses arguments that cannot reach a worker, and the pool goes on", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions });
  await assertRejects(
    () => pm.runPeers({ module: peers, name: "whoAmI" }, [() => 1]),
    TypeError,
    "Cannot run peers as 'args' must be plain data",
  );
  assertEquals((await pm.runPeers({ module: peers, name: "whoAmI" }, ["ok"])).length, 2);
});

Deno.test("in a peer group, gather before any scatter is a clear error on every rank", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions });
  const out = await pm.runPeers({ module: peers, name: "gatherFirst" });
  assertEquals(out, Array(2).fill("Cannot gather as nothing was scattered"));
});

Deno.test("runPeers gives workers read access to the modules named in imports", async () => {
  const entry = new URL("./fixtures/peer_import/entry.ts", import.meta.url).href;
  const model = new URL("../bench/models/trivial3.ts", import.meta.url).href;
  // Default permissions: the workers may read the entry's directory, and not the model's.
  await using pm = new DenoWorkerManager({ workers: 2 });
  await assertRejects(() => pm.runPeers({ module: entry, name: "importAndCall" }, [model]));
  const out = await pm.runPeers({ module: entry, name: "importAndCall" }, [model], {
    imports: [model],
  });
  assertEquals(out, ["function", "function"]);
});

Deno.test("scatter streams each chunk through onResult and gather orders them", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 3 });
  const seen: LocalResults[] = [];
  const rows = Array.from({ length: 20 }, (_, i) => [i]);
  await pm.scatter(fn("watertapBuild"), { base: 1 }, fn("watertapExecute"), rows, {
    onResult: (r) => seen.push(r),
  });
  const gathered = await pm.gather();
  assertEquals(gathered.length, 7);
  assertEquals(seen.length, 7);
  assertEquals(gathered.map((r) => r.processNumber), [0, 1, 2, 3, 4, 5, 6]);
  assertEquals(
    gathered.flatMap((r) => [...(r.results as Float64Array)]),
    rows.map(([x]) => -(1 + x)),
  );
});

Deno.test("DenoWorkerManager rejects bad options with the field's name", () => {
  assertThrows(
    () => new DenoWorkerManager({ workers: 0 }),
    /'workers' must be a positive integer: current value is 0/,
  );
  assertThrows(() => new DenoWorkerManager({ timeout: -1 }), /'timeout'/);
  // Timers hold at most 2**31 - 1 ms: a longer timeout would fire at once.
  assertThrows(
    () => new DenoWorkerManager({ timeout: 2 ** 31 }),
    /'timeout' must be a positive number of milliseconds up to 2147483647, or Infinity for none/,
  );
  assertThrows(
    () => new DenoWorkerManager({ workers: 1e15 }),
    /'workers' must be at most 1024: current value is 1000000000000000/,
  );
  assertThrows(() => new DenoWorkerManager({ maxRetries: 1.5 }), /'maxRetries'/);
  assertThrows(() => new DenoWorkerManager({ chunkSize: 0 }), /'chunkSize'/);
  assertThrows(
    () => new DenoWorkerManager({ permissions: { bogus: true } as Deno.PermissionOptionsObject }),
    /'permissions.bogus'/,
  );
});

Deno.test("scatter refuses plain functions, which cannot cross threads", async () => {
  await using pm = new DenoWorkerManager({ workers: 1, permissions });
  await assertRejects(
    () => pm.scatter(() => [], {}, fn("echoRows"), [[1]]),
    (e: Error) => {
      assert(e instanceof TypeError);
      assertMatch(e.message, /'doBuild'.*module reference/);
      return true;
    },
  );
});

Deno.test("an onResult that throws does not stop the other chunks, and gather reports it", async () => {
  await using pm = new DenoWorkerManager({ workers: 2, permissions, chunkSize: 2 });
  let calls = 0;
  await pm.scatter(fn("noBuild"), {}, fn("echoRows"), [[1], [2], [3], [4], [5]], {
    onResult: () => {
      calls++;
      throw new EvalError("callback failed");
    },
  });
  await assertRejects(() => pm.gather(), EvalError);
  assertEquals(calls, 3);
  // The pool is still usable.
  await pm.scatter(fn("noBuild"), {}, fn("echoRows"), [[1]]);
  assertEquals((await pm.gather()).length, 1);
});

Deno.test("createParallelManager gives one worker a scoped worker, never this thread", async () => {
  for (
    const options of [{}, { timeout: 1000 }, { permissions: "none" as const }, {
      timeout: Infinity,
    }]
  ) {
    await using one = createParallelManager({ workers: 1, ...options });
    assert(one instanceof DenoWorkerManager);
    assertEquals(one.numberOfWorkerProcesses(), 1);
  }
});
