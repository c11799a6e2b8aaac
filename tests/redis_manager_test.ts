// RedisManager with real `psweep worker` processes against a real Redis server.
import assert from "node:assert/strict";
import {
  differentialParameterSweep,
  fixedSample,
  linearSample,
  parameterSweep,
  recursiveParameterSweep,
  RedisManager,
  type RedisManagerOptions,
  uniformSample,
} from "../mod.ts";
import {
  canRun,
  freshPrefix,
  makeCertificates,
  MODEL,
  REDIS_URL,
  RedisServer,
  SKIP_REDIS,
  testPort,
  withDaemons,
} from "./_redis.ts";
import { withTempDir } from "./_temp.ts";
import { conformance } from "./_conformance.ts";

const FUNCTIONS = new URL("./fixtures/redis/functions.ts", import.meta.url).href;

const ignore = SKIP_REDIS;

Deno.test({
  name: "RedisManager: a sweep on two worker daemons equals the model, NaN and -0 included",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix }, { prefix }], async (daemons) => {
      await using manager = new RedisManager({ url: REDIS_URL, prefix, leaseMs: 2000 });
      const result = await parameterSweep({
        model: MODEL,
        params: { x: linearSample(-2, 10, 49) },
        buildOptions: { ms: 2 },
        manager,
      });
      assert.equal(result.rows, 49);
      assert.equal(result.stats.succeeded, 49);
      const xs = result.params.x;
      for (let i = 0; i < 49; i++) {
        const x = xs[i];
        assert.equal(result.outputs.y[i], 2 * x);
        if (x === 0) assert.ok(Object.is(result.outputs.z[i], -0));
        else if (x < 0) assert.ok(Number.isNaN(result.outputs.z[i]));
        else assert.equal(result.outputs.z[i], 1 / x);
      }
      // Both daemons joined the sweep.
      await Promise.all(daemons.map((d) => d.waitFor(/joined sweep/)));
    });
  },
});

Deno.test({
  name:
    "RedisManager: scatter/gather keeps NaN, -0 and typed arrays; chunks in order; failures per chunk",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix }, { prefix }], async () => {
      await using pm = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 3 });
      const rows = [[NaN], [-0], [1], [Infinity], [2], [3], [4]];
      const seen: number[] = [];
      await pm.scatter(
        { module: FUNCTIONS, name: "build" },
        { offset: -0, tag: { nan: NaN, list: [1n, "a"] } },
        { module: FUNCTIONS, name: "execute" },
        rows,
        { onResult: (r) => void seen.push(r.processNumber) },
      );
      const results = await pm.gather();
      assert.deepEqual(results.map((r) => r.processNumber), [0, 1, 2]);
      assert.deepEqual([...seen].sort(), [0, 1, 2]);
      const values = results.flatMap((r) => [...(r.results as { values: Float64Array }).values]);
      assert.ok(Number.isNaN(values[0]));
      assert.ok(Object.is(values[1], -0));
      assert.deepEqual(values.slice(2), [1, Infinity, 2, 3, 4]);
      const tag = (results[0].results as { tag: { nan: number; list: unknown[] } }).tag;
      assert.ok(Number.isNaN(tag.nan));
      assert.deepEqual(tag.list, [1n, "a"]);
      assert.ok(
        results[0].results &&
          (results[0].results as { values: unknown }).values instanceof Float64Array,
      );
      assert.deepEqual([...results[2].parameters.data], [4]);
      // Each array owns its memory: none is a view of the message it came in, which one kept
      // array would keep whole.
      for (const r of results) {
        const values = (r.results as { values: Float64Array }).values;
        assert.equal(values.buffer.byteLength, values.byteLength);
      }

      // Functions cannot cross machines: a clear error, before anything is published.
      await assert.rejects(
        pm.scatter(() => [], {}, { module: FUNCTIONS, name: "fails" }, [[1]]),
        /'doBuild' .* must be a module reference/,
      );
      await pm.scatter(
        { module: FUNCTIONS, name: "build" },
        {},
        { module: FUNCTIONS, name: "fails" },
        [[1], [2]],
      );
      const failed = await pm.gather();
      assert.equal(failed[0].error?.name, "RangeError");
      assert.equal(failed[0].error?.message, "this chunk fails");
    });
  },
});

Deno.test({
  name: "RedisManager: a daemon goes from one finished sweep to the next without an outage",
  ignore,
  async fn() {
    // Redis 7 ends a blocking read with UNBLOCKED when the root deletes a finished sweep's stream;
    // the daemon took that for an outage, logged 'retrying' and paused half a second before every
    // sweep that followed another.
    const prefix = freshPrefix();
    await withDaemons([{ prefix }], async ([daemon]) => {
      for (let i = 0; i < 5; i++) {
        await using manager = new RedisManager({ url: REDIS_URL, prefix });
        const result = await parameterSweep({
          model: MODEL,
          params: { x: linearSample(i, i + 1, 200) },
          buildOptions: { ms: 0 },
          manager,
        });
        assert.equal(result.stats.succeeded, 200);
      }
      const outages = daemon.lines.filter((l) => /retrying/.test(l));
      assert.deepEqual(outages, []);
    });
  },
});

Deno.test({
  name: "RedisManager: a recursive sweep runs unchanged, its progress counts rows as they finish",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix }, { prefix }], async () => {
      await using manager = new RedisManager({ url: REDIS_URL, prefix });
      const done: number[] = [];
      const result = await recursiveParameterSweep({
        model: MODEL,
        params: { x: uniformSample(1, 2, 10) },
        numSamples: 25,
        seed: 3,
        manager,
        progressIntervalMs: 0,
        onProgress: (p) => void done.push(p.done),
      });
      assert.equal(result.rows, 25);
      for (let i = 0; i < 25; i++) assert.equal(result.outputs.y[i], 2 * result.params.x[i]);
      assert.ok(done.length > 0);
      const local = await recursiveParameterSweep({
        model: MODEL,
        params: { x: uniformSample(1, 2, 10) },
        numSamples: 25,
        seed: 3,
        workers: 1,
      });
      assert.deepEqual([...result.params.x], [...local.params.x]);
    });
  },
});

Deno.test({
  name: "RedisManager over TLS (rediss://) with a password: a sweep runs end to end",
  ignore: ignore || !canRun("redis-server", ["--version"]) || !canRun("openssl", ["version"]),
  async fn() {
    await withTempDir(async (dir) => {
      const { ca, cert, key } = await makeCertificates(dir);
      const server = new RedisServer(testPort(3), dir, [
        "--tls-port",
        String(testPort(3)),
        "--tls-cert-file",
        cert,
        "--tls-key-file",
        key,
        "--tls-ca-cert-file",
        ca,
        "--tls-auth-clients",
        "no",
      ], 0);
      await server.start();
      const url = server.url.replace("redis://", "rediss://");
      const prefix = freshPrefix();
      // The test's CA reaches Deno's TLS through DENO_CERT, in the root's process as the daemons'.
      const env = { DENO_CERT: ca };
      try {
        await withDaemons([{ prefix, url, env }], async () => {
          const root = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--unstable-worker-options",
              "--no-prompt",
              new URL("./fixtures/redis/root.ts", import.meta.url).pathname,
              url,
              prefix,
              "12",
              "0",
              "",
            ],
            env,
            stdout: "piped",
            stderr: "piped",
          }).output();
          assert.equal(root.code, 0, new TextDecoder().decode(root.stderr));
          const out = JSON.parse(new TextDecoder().decode(root.stdout));
          assert.equal(out.succeeded, 12);
          assert.deepEqual(out.y, out.x.map((x: number) => 2 * x));
        });
      } finally {
        await server.stop();
      }
    });
  },
});

Deno.test({
  name: "RedisManager with an ACL user (redis://user:password@...): a sweep runs end to end",
  ignore: ignore || !canRun("redis-server", ["--version"]),
  async fn() {
    await withTempDir(async (dir) => {
      const password = crypto.randomUUID().replaceAll("-", "");
      await Deno.writeTextFile(
        `${dir}/users.acl`,
        `user default off\nuser sweeper on >${password} ~* &* +@all\n`,
      );
      const server = new RedisServer(testPort(4), dir, ["--aclfile", `${dir}/users.acl`]);
      await server.start();
      const url = `redis://sweeper:${password}@127.0.0.1:${testPort(4)}`;
      const prefix = freshPrefix();
      try {
        await withDaemons([{ prefix, url }], async () => {
          await using manager = new RedisManager({ url, prefix });
          const result = await parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 8, 8) },
            manager,
          });
          assert.deepEqual([...result.outputs.y], [...result.params.x].map((x) => 2 * x));
        });
      } finally {
        await server.stop();
      }
    });
  },
});

Deno.test({
  name: "RedisManager passes the ParallelManager conformance suite on worker daemons",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    const fixtures = new URL("./fixtures/", import.meta.url).pathname;
    await withDaemons(
      [{ prefix, models: [fixtures] }, { prefix, models: [fixtures] }],
      async () => {
        await using pm = new RedisManager({ url: REDIS_URL, prefix });
        const checks = await conformance(pm, { groupSize: 1 });
        assert.ok(checks.length > 5);
      },
    );
  },
});

Deno.test({
  name: "RedisManager: a differential sweep gives the rows it gives locally",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix }, { prefix }], async () => {
      const options = {
        model: MODEL,
        params: { x: fixedSample([10, 20, 30]) },
        differential: {
          x: { mode: "sum", sample: "uniform", relativeLower: -1, relativeUpper: 1 } as const,
        },
        numDiffSamples: 4,
        seed: 5,
      };
      await using manager = new RedisManager({ url: REDIS_URL, prefix });
      const remote = await differentialParameterSweep({ ...options, manager });
      const local = await differentialParameterSweep({ ...options, workers: 1 });
      assert.equal(remote.rows, local.rows);
      assert.deepEqual([...remote.params.x], [...local.params.x]);
      assert.deepEqual([...remote.outputs.y], [...local.outputs.y]);
    });
  },
});

Deno.test("RedisManager checks its options and functions before connecting (no server needed)", async () => {
  const url = "redis://127.0.0.1:1";
  const bad: [Record<string, unknown>, RegExp][] = [
    [
      { url: "http://x" },
      /^Cannot create a Redis manager as 'url' must be a redis:\/\/ or rediss:\/\/ URL: current value is "http:\/\/x\/"$/,
    ],
    [
      { url, leaseMs: 0 },
      /^Cannot create a Redis manager as 'leaseMs' must be a positive number: current value is 0$/,
    ],
    [
      { url, workerWaitMs: Infinity },
      /'workerWaitMs' must be a positive number: current value is Infinity$/,
    ],
    [
      { url, chunkTargetMs: "5" },
      /'chunkTargetMs' must be a positive number: current value is "5"$/,
    ],
    [
      { url, maxDeliveries: 1.5 },
      /^Cannot create a Redis manager as 'maxDeliveries' must be a positive integer: current value is 1.5$/,
    ],
    [{ url, chunkSize: 0 }, /'chunkSize' must be a positive integer: current value is 0$/],
    [{ url, prefix: "a b" }, /^Cannot create a Redis manager as 'prefix' must be 1 to 100 letters/],
  ];
  for (const [options, message] of bad) {
    assert.throws(
      () => new RedisManager(options as unknown as RedisManagerOptions),
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
    );
  }
  await using pm = new RedisManager({ url });
  const execute = { module: FUNCTIONS, name: "execute" };
  await assert.rejects(
    pm.scatter({ module: "./relative.ts", name: "build" }, {}, execute, [[1]]),
    /^TypeError: Cannot send 'doBuild' to psweep workers as 'module' must be an absolute URL/,
  );
  await assert.rejects(
    pm.scatter({ module: "data:text/javascript,", name: "build" }, {}, execute, [[1]]),
    /^TypeError: Cannot send 'doBuild' to psweep workers as 'module' must be an absolute file: or http\(s\): URL/,
  );
});
