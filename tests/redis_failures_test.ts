// What happens to a RedisManager sweep when machines fail: real `psweep worker` processes,
// real signals, a real Redis server.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { linearSample, parameterSweep, RedisManager, type SweepResult } from "../mod.ts";
import { withTempDir } from "./_temp.ts";
import {
  canRun,
  closeRedis,
  connectRedis,
  Daemon,
  evaluations,
  freshPrefix,
  MODEL,
  pendingOf,
  REDIS_URL,
  RedisServer,
  SKIP_REDIS,
  testPort,
  until,
  withDaemons,
} from "./_redis.ts";

const ignore = SKIP_REDIS;

// The x of each row of a results file (its first column).
async function csvXs(path: string): Promise<number[]> {
  const lines = (await Deno.readTextFile(path)).trim().split("\n");
  assert.equal(lines[0].split(",")[0], "x");
  return lines.slice(1).map((l) => Number(l.split(",")[0]));
}

// (These sweeps keep their rows: parameterSweep's type allows for a summary only.)
function assertComplete(result: SweepResult, rows: number): void {
  assert.equal(result.rows, rows);
  assert.equal(result.stats.succeeded, rows);
  for (let i = 0; i < rows; i++) assert.equal(result.outputs.y[i], 2 * result.params.x[i]);
}

Deno.test({
  name:
    "Redis: a worker killed (SIGKILL) mid-chunk: its chunks run elsewhere, every row recorded once",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const log = join(dir, "evaluations.txt");
      const csv = join(dir, "out.csv");
      const allow = [`--allow-write=${dir}`];
      const client = connectRedis(REDIS_URL);
      try {
        await withDaemons([
          { prefix, name: "a", args: allow },
          { prefix, name: "b", args: allow },
        ], async ([a]) => {
          await using manager = new RedisManager({
            url: REDIS_URL,
            prefix,
            leaseMs: 1000,
            chunkSize: 2,
          });
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 40, 40) },
            buildOptions: { ms: 20, log },
            manager,
            csv,
          });
          await until(
            async () =>
              (await pendingOf(client, prefix)).some(([, owner]) => owner === "a") || undefined,
            sweep,
          );
          a.kill("SIGKILL");
          const result = await sweep;
          assertComplete(result, 40);
          const xs = await csvXs(csv);
          assert.equal(xs.length, 40);
          assert.equal(new Set(xs).size, 40);
          const evaluated = new Set(await evaluations(log));
          for (let x = 1; x <= 40; x++) assert.ok(evaluated.has(x));
        });
      } finally {
        await closeRedis(client);
      }
    });
  },
});

// Runs a sweep whose row x = 3 waits for a gate file; once the root holds its lock in Redis,
// `meddle` changes that lock as another root (or its expiry) would, then the gate opens.
async function withMeddledLock(
  meddle: (client: ReturnType<typeof connectRedis>, root: string) => Promise<unknown>,
  check: (sweep: Promise<SweepResult>, csv: string, root: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const prefix = freshPrefix();
    const gate = join(dir, "gate");
    const csv = join(dir, "out.csv");
    const client = connectRedis(REDIS_URL);
    try {
      await withDaemons([{ prefix, name: "a", args: [`--allow-read=${dir}`] }], async () => {
        await using manager = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 2 });
        const sweep = parameterSweep({
          model: MODEL,
          params: { x: linearSample(1, 20, 20) },
          buildOptions: { gate, gateX: 3 },
          manager,
          csv,
        });
        sweep.catch(() => {});
        const root = await until(async () => {
          const [id] = await client.smembers(`${prefix}:jobs`);
          return id && await client.exists(`${prefix}:job:${id}:root`)
            ? `${prefix}:job:${id}:root`
            : undefined;
        }, sweep);
        await meddle(client, root);
        await Deno.writeTextFile(gate, "");
        await check(sweep, csv, root);
      });
    } finally {
      const left = await client.keys(`${prefix}:*`);
      if (left.length > 0) await client.del(...left);
      await closeRedis(client);
    }
  });
}

Deno.test({
  name:
    "Redis: a root whose sweep another root took over stops at once, its rows right, the other's lock left",
  ignore,
  async fn() {
    const takeovers: [
      string,
      (c: ReturnType<typeof connectRedis>, root: string) => Promise<unknown>,
    ][] = [
      // Another root holds the lock now (this one was stopped past it, and the sweep started again).
      ["held", (c, root) => c.set(root, "another root", "PX", 60_000)],
      // The lock expired, and another root published chunks and ended meanwhile.
      ["published", async (c, root) => {
        await c.del(root);
        await c.hset(root.slice(0, -":root".length), "next", "18");
      }],
      // The lock gone and the next row behind this root's: Redis went back to an older snapshot.
      ["went back", async (c, root) => {
        const meta = root.slice(0, -":root".length);
        await until(async () => (await c.hget(meta, "next")) !== "0" || undefined);
        await c.del(root);
        await c.hset(meta, "next", "0");
      }],
    ];
    for (const [what, meddle] of takeovers) {
      await withMeddledLock(meddle, async (sweep, csv, root) => {
        await assert.rejects(
          sweep,
          what === "went back"
            ? /its state went back \(row 0 is next in Redis, \d+ here/
            : /as another root took it over: this one did not renew its lock/,
        );
        const client = connectRedis(REDIS_URL);
        try {
          assert.equal(await client.get(root), what === "held" ? "another root" : null, what);
        } finally {
          await closeRedis(client);
        }
        // Rows before the takeover reached the file (which opens with the first rows), and are
        // the model's.
        const text = await Deno.readTextFile(csv).catch(() => "");
        const lines = text.trim().split("\n").slice(1).filter((l) => l !== "");
        assert.ok(lines.length < 20, what);
        for (const line of lines) {
          const [x, y] = line.split(",").map(Number);
          assert.equal(y, 2 * x, line);
        }
      });
    }
  },
});

Deno.test({
  name: "Redis: a publish the client sends again (after a lost connection) adds its chunks once",
  ignore,
  async fn() {
    const client = connectRedis(REDIS_URL);
    const prefix = freshPrefix();
    const k = (name: string) => `${prefix}:${name}`;
    try {
      await client.set(k("root"), "me", "PX", 60_000);
      await client.hset(k("meta"), "next", "0");
      const publish = (token: string) =>
        client.psweepPublish(
          k("root"),
          k("tasks"),
          k("ranges"),
          k("meta"),
          token,
          60_000,
          "0",
          "2",
          Buffer.from(new Uint32Array([0, 2]).buffer),
          "0",
          "0",
          "2",
          Buffer.from([1, 2, 3]),
        );
      assert.equal(await publish("me"), 1);
      assert.equal(await publish("me"), 1);
      assert.equal(await client.xlen(k("tasks")), 1);
      assert.equal((await client.getBuffer(k("ranges")))!.length, 8);
      assert.equal(await client.hget(k("meta"), "next"), "2");
      // Another root's token publishes nothing.
      assert.equal(await publish("another root"), 0);
      assert.equal(await client.xlen(k("tasks")), 1);
    } finally {
      const left = await client.keys(`${prefix}:*`);
      if (left.length > 0) await client.del(...left);
      await closeRedis(client);
    }
  },
});

Deno.test({
  name: "Redis: a root whose lock expired while nobody took the sweep carries on and finishes it",
  ignore,
  async fn() {
    // (A root busy for longer than the lock, writing a slow disk say, with no second root.)
    await withMeddledLock((c, root) => c.del(root), async (sweep, csv) => {
      assertComplete(await sweep, 20);
      assert.deepEqual(await csvXs(csv), Array.from({ length: 20 }, (_, i) => i + 1));
    });
  },
});

Deno.test({
  name:
    "Redis: a worker frozen (SIGSTOP) past its lease, then resumed: its late result is discarded",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      const client = connectRedis(REDIS_URL);
      try {
        await withDaemons([{ prefix, name: "a" }, { prefix, name: "b" }], async ([a]) => {
          await using manager = new RedisManager({
            url: REDIS_URL,
            prefix,
            leaseMs: 1000,
            chunkSize: 3,
          });
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 60, 60) },
            buildOptions: { ms: 30 },
            manager,
            csv,
          });
          let finished = false;
          sweep.finally(() => finished = true).catch(() => {});
          // Freeze `a` while it holds a chunk, until `b` is seen holding that chunk. A chunk
          // that leaves the pending list unseen (finished between two looks) does not count:
          // then `a` resumes and the test tries again with a later chunk.
          for (;;) {
            const held = await until(async () => {
              if (finished) return "sweep over";
              return (await pendingOf(client, prefix)).some(([, owner]) => owner === "a")
                ? "held"
                : undefined;
            });
            assert.equal(held, "held", "the sweep ended before a takeover was seen");
            a.kill("SIGSTOP");
            const frozen = (await pendingOf(client, prefix))
              .filter(([, owner]) => owner === "a").map(([id]) => id);
            const outcome = frozen.length === 0 ? "gone" : await until(async () => {
              const mine = (await pendingOf(client, prefix)).filter(([id]) => frozen.includes(id));
              if (mine.some(([, owner]) => owner !== "a")) return "taken";
              return mine.length === 0 ? "gone" : undefined;
            });
            a.kill("SIGCONT");
            if (outcome === "taken") break;
          }
          await a.waitFor(/taken over while it ran .*discarded/);
          const result = await sweep;
          assertComplete(result, 60);
          const xs = await csvXs(csv);
          assert.equal(xs.length, 60);
          assert.equal(new Set(xs).size, 60);
        });
      } finally {
        await closeRedis(client);
      }
    });
  },
});

Deno.test({
  name:
    "Redis: a chunk that kills every worker taking it fails after maxDeliveries; the sweep goes on",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons(
      ["a", "b", "c"].map((name) => ({ prefix, name, args: ["--allow-run"] })),
      async (daemons) => {
        await using manager = new RedisManager({
          url: REDIS_URL,
          prefix,
          leaseMs: 1000,
          maxDeliveries: 2,
          chunkSize: 1,
        });
        const result = await parameterSweep({
          model: MODEL,
          params: { x: linearSample(1, 12, 12) },
          buildOptions: { ms: 20, poison: 5 },
          manager,
        });
        assert.equal(result.rows, 12);
        assert.equal(result.stats.succeeded, 11);
        assert.equal(result.success[4], 0);
        assert.match(result.errors.get(4)!, /taken by 2 workers that each stopped/);
        // Exactly two daemons took the poisoned chunk, and died of it; the third is alive.
        await until(() => Promise.resolve(daemons.filter((d) => d.ended).length >= 2 || undefined));
        assert.equal(daemons.filter((d) => d.ended).length, 2);
      },
    );
  },
});

Deno.test({
  name: "Redis: no worker ever joins: the sweep fails after workerWaitMs, saying so",
  ignore,
  async fn() {
    await using manager = new RedisManager({
      url: REDIS_URL,
      prefix: freshPrefix(),
      workerWaitMs: 1500,
    });
    await assert.rejects(
      parameterSweep({ model: MODEL, params: { x: linearSample(1, 4, 4) }, manager }),
      /no psweep worker ran its work for 1.5 s .*None is alive: start one/,
    );
  },
});

Deno.test({
  name: "Redis: a worker runs no model outside --models, and says why",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      await withDaemons([{ prefix, name: "strict", models: [dir] }], async ([d]) => {
        await using manager = new RedisManager({ url: REDIS_URL, prefix, workerWaitMs: 3000 });
        await assert.rejects(
          parameterSweep({ model: MODEL, params: { x: linearSample(1, 4, 4) }, manager }),
          /Workers refused it: strict: the module file:.*model\.ts is not under the locations this worker runs/,
        );
        await d.waitFor(/refusing sweep/);
      });
    });
  },
});

Deno.test({
  name: "Redis: a worker whose model code differs from the root's refuses it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const model = join(dir, "model.ts");
      await Deno.writeTextFile(model, "export const evaluate = (_, p) => ({ y: 2 * p.x });\n");
      const client = connectRedis(REDIS_URL);
      try {
        await using manager = new RedisManager({ url: REDIS_URL, prefix, workerWaitMs: 3000 });
        const sweep = parameterSweep({ model, params: { x: linearSample(1, 4, 4) }, manager });
        // The root has published the sweep (and the model's hash); the file changes under it, as
        // on a machine that holds another version at the same path.
        await until(async () => (await client.scard(`${prefix}:jobs`)) > 0 || undefined);
        await Deno.writeTextFile(model, "export const evaluate = (_, p) => ({ y: 3 * p.x });\n");
        const d = new Daemon({ prefix, name: "other", models: [dir] });
        try {
          await assert.rejects(
            sweep,
            /refused it: other: the module file:.*differs from the root's/,
          );
          await d.waitFor(/refusing sweep/);
        } finally {
          await d.stop();
        }
      } finally {
        await closeRedis(client);
      }
    });
  },
});

Deno.test({
  name: "Redis: the root killed mid-sweep: the same command resumes without recomputing rows",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const log = join(dir, "evaluations.txt");
      const client = connectRedis(REDIS_URL);
      const root = (): Deno.ChildProcess =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--unstable-worker-options",
            "--no-prompt",
            new URL("./fixtures/redis/root.ts", import.meta.url).pathname,
            REDIS_URL,
            prefix,
            "30",
            "40",
            log,
          ],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      try {
        await withDaemons([
          { prefix, name: "a", args: [`--allow-write=${dir}`] },
          { prefix, name: "b", args: [`--allow-write=${dir}`] },
        ], async () => {
          const first = root();
          // Some chunks recorded, the sweep not finished: kill the root.
          await until(async () => {
            const [id] = await client.smembers(`${prefix}:jobs`);
            if (id === undefined) return undefined;
            const n = await client.hlen(`${prefix}:job:${id}:results`);
            return n >= 2 || undefined;
          }, first.status);
          first.kill("SIGKILL");
          await first.output();
          const second = await root().output();
          assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
          const out = JSON.parse(new TextDecoder().decode(second.stdout));
          assert.equal(out.succeeded, 30);
          assert.deepEqual(out.y, out.x.map((x: number) => 2 * x));
          // No daemon died: every row was evaluated exactly once across both roots.
          const evaluated = (await evaluations(log)).sort((p, q) => p - q);
          assert.deepEqual(evaluated, Array.from({ length: 30 }, (_, i) => i + 1));
        });
      } finally {
        await closeRedis(client);
      }
    });
  },
});

Deno.test({
  name: "Redis: the server restarted mid-sweep (AOF): the sweep continues, every row recorded once",
  ignore: ignore || !canRun("redis-server", ["--version"]),
  async fn() {
    await withTempDir(async (dir) => {
      const server = new RedisServer(testPort(0), dir, [
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
      ]);
      await server.start();
      const client = connectRedis(server.url);
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      try {
        await withDaemons([
          { prefix, name: "a", url: server.url },
          { prefix, name: "b", url: server.url },
        ], async () => {
          await using manager = new RedisManager({
            url: server.url,
            prefix,
            leaseMs: 1000,
            chunkSize: 2,
          });
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 40, 40) },
            buildOptions: { ms: 30 },
            manager,
            csv,
          });
          await until(async () => {
            const [id] = await client.smembers(`${prefix}:jobs`);
            if (id === undefined) return undefined;
            return (await client.hlen(`${prefix}:job:${id}:results`)) >= 3 || undefined;
          }, sweep);
          await server.stop("SIGKILL");
          await server.start();
          const result = await sweep;
          assertComplete(result, 40);
          const xs = await csvXs(csv);
          assert.equal(xs.length, 40);
          assert.equal(new Set(xs).size, 40);
        });
      } finally {
        await closeRedis(client);
        await server.stop();
      }
    });
  },
});

Deno.test({
  name: "Redis: the server restarted without persistence: the sweep fails, saying so, never hangs",
  ignore: ignore || !canRun("redis-server", ["--version"]),
  async fn() {
    await withTempDir(async (dir) => {
      const server = new RedisServer(testPort(2), dir, ["--appendonly", "no"]);
      await server.start();
      const client = connectRedis(server.url);
      const prefix = freshPrefix();
      try {
        await withDaemons([{ prefix, name: "a", url: server.url }], async () => {
          await using manager = new RedisManager({ url: server.url, prefix, leaseMs: 1000 });
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 40, 40) },
            buildOptions: { ms: 30 },
            manager,
          });
          await until(async () => {
            const [id] = await client.smembers(`${prefix}:jobs`);
            if (id === undefined) return undefined;
            return (await client.hlen(`${prefix}:job:${id}:results`)) >= 1 || undefined;
          }, sweep);
          await server.stop("SIGKILL");
          await server.start();
          await assert.rejects(sweep, /Cannot finish the sweep on Redis at .*its keys are gone/);
        });
      } finally {
        await closeRedis(client);
        await server.stop();
      }
    });
  },
});

Deno.test({
  name: "Redis: a worker started with --sweep NAME joins only sweeps of that name",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix, name: "named", args: ["--sweep", "mine"] }], async ([d]) => {
      {
        await using other = new RedisManager({
          url: REDIS_URL,
          prefix,
          name: "theirs",
          workerWaitMs: 2500,
        });
        await assert.rejects(
          parameterSweep({ model: MODEL, params: { x: linearSample(1, 4, 4) }, manager: other }),
          /The workers alive do not take it \(started with --sweep for another name\?\)/,
        );
      }
      await using mine = new RedisManager({ url: REDIS_URL, prefix, name: "mine" });
      const result = await parameterSweep({
        model: MODEL,
        params: { x: linearSample(1, 4, 4) },
        manager: mine,
      });
      assertComplete(result, 4);
      await d.waitFor(/joined sweep .* \(mine\)/);
    });
  },
});

Deno.test({
  name: "Redis: a second root of the same sweep is refused while the first runs",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix, name: "a" }], async () => {
      await using first = new RedisManager({ url: REDIS_URL, prefix });
      await using second = new RedisManager({ url: REDIS_URL, prefix });
      const params = { x: linearSample(1, 200, 200) };
      const running = parameterSweep({
        model: MODEL,
        params,
        buildOptions: { ms: 20 },
        manager: first,
      });
      const client = connectRedis(REDIS_URL);
      try {
        await until(async () => (await client.scard(`${prefix}:jobs`)) > 0 || undefined, running);
      } finally {
        await closeRedis(client);
      }
      await assert.rejects(
        parameterSweep({ model: MODEL, params, buildOptions: { ms: 20 }, manager: second }),
        /the same sweep is running from another root/,
      );
      assertComplete(await running, 200);
    });
  },
});

Deno.test({
  name: "Redis: every worker dies mid-sweep: the sweep fails after workerWaitMs, rows kept",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      const client = connectRedis(REDIS_URL);
      try {
        await withDaemons([{ prefix, name: "only" }], async ([d]) => {
          await using manager = new RedisManager({
            url: REDIS_URL,
            prefix,
            workerWaitMs: 1500,
            chunkSize: 2,
          });
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 100, 100) },
            buildOptions: { ms: 20 },
            manager,
            csv,
          });
          await until(async () => {
            const [id] = await client.smembers(`${prefix}:jobs`);
            if (id === undefined) return undefined;
            return (await client.hlen(`${prefix}:job:${id}:results`)) >= 2 || undefined;
          }, sweep);
          d.kill("SIGKILL");
          await assert.rejects(sweep, /no psweep worker ran its work for 1.5 s .*None is alive/);
          // The rows recorded before are on disk, each once.
          const xs = await csvXs(csv);
          assert.ok(xs.length >= 4 && xs.length < 100);
          assert.equal(new Set(xs).size, xs.length);
        });
      } finally {
        await closeRedis(client);
      }
    });
  },
});

Deno.test({
  name: "Redis: a worker that starts mid-sweep joins it, runs chunks, and progress counts its rows",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const gate = join(dir, "gate");
      const csv = join(dir, "out.csv");
      const client = connectRedis(REDIS_URL);
      try {
        // `early` is alone when the sweep starts; its first row waits for the gate, which opens
        // only once `late` (started after the sweep began) has recorded rows: those rows can
        // only be `late`'s.
        await withDaemons([{ prefix, name: "early", args: [`--allow-read=${dir}`] }], async () => {
          await using manager = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 2 });
          const done: number[] = [];
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 30, 30) },
            buildOptions: { gate, gateX: 1 },
            manager,
            csv,
            progressIntervalMs: 0,
            onProgress: (p) => void done.push(p.done),
          });
          await until(
            async () =>
              (await pendingOf(client, prefix)).some(([, owner]) => owner === "early") ||
              undefined,
            sweep,
          );
          assert.deepEqual(done.filter((d) => d > 0), []);
          const late = new Daemon({ prefix, name: "late", args: [`--allow-read=${dir}`] });
          try {
            await late.ready();
            await late.waitFor(/joined sweep/);
            await until(
              async () =>
                (await pendingOf(client, prefix)).some(([, owner]) => owner === "late") ||
                undefined,
              sweep,
            );
            // The root's progress counts the late worker's rows while `early` still waits.
            await until(() => Promise.resolve(done.some((d) => d >= 2) || undefined), sweep);
            assert.ok(
              (await pendingOf(client, prefix)).some(([, owner]) => owner === "early"),
              "early still holds its gated chunk",
            );
            await Deno.writeTextFile(gate, "");
            const result = await sweep;
            assertComplete(result, 30);
            assert.equal(done.at(-1), 30);
            const xs = await csvXs(csv);
            assert.equal(xs.length, 30);
            assert.equal(new Set(xs).size, 30);
          } finally {
            await late.stop("SIGKILL");
          }
        });
      } finally {
        await closeRedis(client);
      }
    });
  },
});

Deno.test({
  name:
    "Redis: a model runs with its daemon's grants only: refused without --allow-write, runs with it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const log = join(dir, "evaluations.txt");
      const run = async (args: string[]) => {
        const prefix = freshPrefix();
        let result: SweepResult | undefined;
        await withDaemons([{ prefix, name: "d", args }], async () => {
          await using manager = new RedisManager({ url: REDIS_URL, prefix });
          result = await parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 6, 6) },
            buildOptions: { log },
            manager,
          });
        });
        return result!;
      };
      // The daemon itself runs with -A; its models get only what it was started with.
      const refused = await run([]);
      assert.equal(refused.rows, 6);
      assert.equal(refused.stats.succeeded, 0);
      for (let i = 0; i < 6; i++) {
        assert.match(refused.errors.get(i)!, /NotCapable: Requires write access to .*evaluations/);
      }
      assert.deepEqual(await evaluations(log), []);
      const granted = await run([`--allow-write=${dir}`]);
      assertComplete(granted, 6);
      assert.deepEqual((await evaluations(log)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    });
  },
});
