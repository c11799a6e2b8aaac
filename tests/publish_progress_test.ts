// publishAddress: WaterTAP's publish_progress, one form-encoded PUT per point; a server that is
// down neither blocks nor fails the sweep.
import { linearSample, parameterSweep } from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";

const model = URL.createObjectURL(
  new Blob([
    `export const evaluate = (_, p) => {
      if (p.x === 2) throw new Error("no solution");
      return { y: p.x * 10 };
    };`,
  ], { type: "text/javascript" }),
);

interface Received {
  method: string;
  type: string | null;
  authorization: string | null;
  fields: Record<string, string>;
}

Deno.test("publishAddress PUTs WaterTAP's fields for every point", async () => {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({
      method: req.method,
      type: req.headers.get("content-type"),
      authorization: req.headers.get("authorization"),
      fields: Object.fromEntries(new URLSearchParams(await req.text())),
    });
    return new Response("ok");
  });
  try {
    for (const workers of [1, 2]) {
      received.length = 0;
      const r = await parameterSweep({
        model,
        params: { x: linearSample(0, 4, 5) },
        workers,
        // With a user and password in the address, as requests.put sends them (basic auth).
        publishAddress: workers === 2
          ? `http://sweeper:s3cret@127.0.0.1:${server.addr.port}/progress`
          : `http://127.0.0.1:${server.addr.port}/progress`,
      });
      assertEquals([...r.success], [1, 1, 0, 1, 1]);
      // Every point's message has arrived by the time the sweep returns (the server is up).
      assertEquals(received.length, 5);
      for (const m of received) {
        assertEquals(m.method, "PUT");
        assertEquals(m.type, "application/x-www-form-urlencoded");
        assertEquals(m.authorization, workers === 2 ? `Basic ${btoa("sweeper:s3cret")}` : null);
        assertEquals(Object.keys(m.fields).sort(), [
          "iteration",
          "solve_status",
          "solve_time",
          "worker_number",
        ]);
        assertEquals(m.fields.worker_number, "0");
        assert(Number(m.fields.solve_time) >= 0, `solve_time ${m.fields.solve_time}`);
      }
      const byRow = new Map(received.map((m) => [Number(m.fields.iteration), m.fields]));
      assertEquals([...byRow.keys()].sort(), [0, 1, 2, 3, 4]);
      assertEquals([0, 1, 2, 3, 4].map((i) => byRow.get(i)!.solve_status), [
        "True",
        "True",
        "False",
        "True",
        "True",
      ]);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("a publishAddress whose server is down neither blocks nor fails the sweep", async () => {
  // A port that was just listened on and is closed now: connections are refused.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    const r = await parameterSweep({
      model,
      params: { x: linearSample(0, 4, 5) },
      workers: 1,
      // A password in the address is not repeated in the warnings.
      publishAddress: `http://sweeper:s3cret@127.0.0.1:${port}/`,
    });
    assertEquals([...r.outputs.y], [0, 10, NaN, 30, 40]);
    assertEquals([...r.success], [1, 1, 0, 1, 1]);
    // The result says how many were lost and why (the CLI prints it, and --json lists it).
    assertEquals(r.warnings.length, 1);
    assert(
      r.warnings[0].startsWith(
        `Cannot publish all progress to http://sweeper:***@127.0.0.1:${port}/: 5 of 5 messages were not delivered (first: `,
      ),
      r.warnings[0],
    );
    assert(!r.warnings[0].includes("s3cret"), "password shown");
  } finally {
    console.warn = warn;
  }
  // One warning as it happens, whatever the number of points.
  assertEquals(warnings.length, 1);
  assert(
    warnings[0].includes(
      `psweep: warning: cannot publish progress to http://sweeper:***@127.0.0.1:${port}/`,
    ),
    warnings[0],
  );
  assert(!warnings.some((w) => w.includes("s3cret")), "password shown");
  await assertRejects(
    () =>
      parameterSweep({
        model,
        params: { x: linearSample(0, 4, 5) },
        workers: 1,
        publishAddress: "localhost:8888",
      }),
    TypeError,
    `'publishAddress' must be an http or https URL: current value is "localhost:8888"`,
  );
});

Deno.test("a publishAddress whose server never answers does not hold the sweep back", async () => {
  // The server takes every request and answers none until the sweep has returned: the sweep
  // must return anyway (what is on its way is given up after a short grace).
  const release = Promise.withResolvers<void>();
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    requests++;
    await release.promise;
    return new Response("late");
  });
  try {
    const r = await parameterSweep({
      model,
      params: { x: linearSample(0, 4, 5) },
      workers: 1,
      publishAddress: `http://127.0.0.1:${server.addr.port}/`,
    });
    assertEquals([...r.success], [1, 1, 0, 1, 1]);
    assert(requests >= 1, "the server was asked");
    // Nothing was answered: every message is counted as lost, with the reason.
    assertEquals(r.warnings.length, 1);
    assert(
      r.warnings[0].includes("5 of 5 messages were not delivered") &&
        r.warnings[0].includes("had not answered 2 s after the sweep ended"),
      r.warnings[0],
    );
  } finally {
    release.resolve();
    await server.shutdown();
  }
});

Deno.test("a point over its time limit is published with that limit as its solve time", async () => {
  // The point x = 2 never finishes: the sweep's timeout (0.3 s) fails it.
  const hangs = URL.createObjectURL(
    new Blob([
      `export const evaluate = (_, p) => p.x === 2 ? new Promise(() => {}) : { y: p.x };`,
    ], { type: "text/javascript" }),
  );
  const received: Record<string, string>[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push(Object.fromEntries(new URLSearchParams(await req.text())));
    return new Response("ok");
  });
  try {
    const r = await parameterSweep({
      model: hangs,
      params: { x: linearSample(0, 4, 5) },
      workers: 1,
      timeout: 300,
      publishAddress: `http://127.0.0.1:${server.addr.port}/`,
    });
    assertEquals([...r.success], [1, 1, 0, 1, 1]);
    const timedOut = received.find((m) => m.iteration === "2");
    assertEquals([timedOut?.solve_status, timedOut?.solve_time], ["False", "0.3"]);
  } finally {
    await server.shutdown();
  }
});
