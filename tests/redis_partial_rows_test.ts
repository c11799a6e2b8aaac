// Issue 11, point 9, on Redis: rows a `psweep worker` daemon finished ahead of a slow row of
// their chunk reach the root (and its results file) while that row still runs, and a daemon
// killed after some of a chunk's rows were recorded leaves every row recorded exactly once. The
// slow row of these tests waits until the test, or the rows before it on disk, release it:
// without the rows going ahead, they would wait for ever.
import { join } from "node:path";
import { linearSample, parameterSweep, RedisManager } from "../mod.ts";
import { assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { expected, lines, range } from "./_slow_row.ts";
import {
  closeRedis,
  connectRedis,
  Daemon,
  evaluations,
  freshPrefix,
  MODEL,
  REDIS_URL,
  SKIP_REDIS,
  until,
  withDaemons,
} from "./_redis.ts";
import { encode, missingRuns, recordedRuns } from "../src/parallel/_redis_protocol.ts";

const ignore = SKIP_REDIS;
const MODELS = new URL("./fixtures/models/", import.meta.url).pathname;
const waitsForDisk = new URL("./fixtures/models/waits_for_disk.ts", import.meta.url).href;

// The x of each complete line of a results file written by the Redis fixture model (x, y, z, ...).
async function xsOnDisk(csv: string): Promise<number[]> {
  const text = await Deno.readTextFile(csv).catch(() => "");
  const all = text.split("\n");
  all.pop();
  return all.slice(1).map((line) => Number(line.split(",")[0]));
}

// x = 1..60 in chunks of 30 rows on one daemon of one worker; the row x = 20 holds its worker's
// thread (a synchronous wait) until the file `gate` exists.
function gatedSweep(manager: RedisManager, csv: string, gate: string, log?: string) {
  return parameterSweep({
    model: MODEL,
    params: { x: linearSample(1, 60, 60) },
    buildOptions: { gate, gateX: 20, ...(log ? { log } : {}) },
    outputs: ["y"],
    manager,
    csv,
  });
}

Deno.test({
  name:
    "Redis: the rows before a synchronous slow row of their chunk reach the root's file while it runs",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      const gate = join(dir, "gate");
      await withDaemons([{ prefix, args: [`--allow-read=${dir}`] }], async () => {
        await using manager = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 30 });
        const sweep = gatedSweep(manager, csv, gate);
        // Row 20 is still waiting (nothing opens its gate before this): rows 1-19 of its chunk
        // are on disk all the same, and no row after it.
        const xs = await until(async () => {
          const xs = await xsOnDisk(csv);
          return xs.length >= 19 ? xs : undefined;
        }, sweep);
        assertEquals(xs, range(19).map((i) => i + 1));
        await Deno.writeTextFile(gate, "");
        const result = await sweep;
        assertEquals(result.stats.succeeded, 60);
        assertEquals(await xsOnDisk(csv), range(60).map((i) => i + 1));
        assertEquals([...result.outputs.y], range(60).map((i) => 2 * (i + 1)));
      });
    });
  },
});

Deno.test({
  name:
    "Redis: the rows before an awaited slow row of their chunk, failed ones included, reach the root's file while it runs",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const out = join(dir, "out.csv");
      await Deno.writeTextFile(`${out}.gate`, "");
      await Deno.writeTextFile(`${out}.hold`, "");
      await withDaemons(
        [{ prefix, models: [MODELS], args: [`--allow-read=${dir}`] }],
        async ([daemon]) => {
          await using manager = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 30 });
          // The row x = 40 waits until rows 0-39, ten of its own chunk among them, are in the
          // file; then, while the hold file exists, on.
          const sweep = parameterSweep({
            model: waitsForDisk,
            buildOptions: { file: out, gate: 40 },
            params: { x: linearSample(0, 59, 60) },
            outputs: ["y"],
            csv: out,
            manager,
          });
          let over = false;
          sweep.finally(() => over = true).catch(() => {});
          assertMatch(
            await daemon.waitFor(/gate:/),
            /gate: the 40 rows before x = 40 are on disk/,
          );
          assertEquals(over, false);
          assertEquals(await lines(out), expected(range(40)));
          await Deno.remove(`${out}.hold`);
          const result = await sweep;
          assertEquals(result.rows, 60);
          assertEquals(await lines(out), expected(range(60)));
        },
      );
    });
  },
});

Deno.test({
  name:
    "Redis: a daemon killed (SIGKILL) after part of its chunk was recorded: the next runs only the rest, every row once, as a clean run",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      const clean = join(dir, "clean.csv");
      const gate = join(dir, "gate");
      const log = join(dir, "evaluations.txt");
      const allow = [`--allow-read=${dir}`, `--allow-write=${dir}`];
      let b: Daemon | undefined;
      try {
        await withDaemons([{ prefix, name: "a", args: allow }], async ([a]) => {
          await using manager = new RedisManager({
            url: REDIS_URL,
            prefix,
            chunkSize: 30,
            leaseMs: 1000,
          });
          const sweep = gatedSweep(manager, csv, gate, log);
          // Rows 1-19 of the first chunk went ahead of row 20, which still waits: kill `a` there.
          await until(async () => (await xsOnDisk(csv)).length >= 19 || undefined, sweep);
          a.kill("SIGKILL");
          await a.exited();
          await Deno.writeTextFile(gate, "");
          b = new Daemon({ prefix, name: "b", args: allow });
          await b.ready();
          const result = await sweep;
          assertEquals(result.stats.succeeded, 60);
          // Each row was evaluated once: `b` ran only the rows of the chunk `a` had not recorded.
          assertEquals((await evaluations(log)).sort((p, q) => p - q), range(60).map((i) => i + 1));
          await gatedSweep(manager, clean, gate);
        });
        assertEquals(await Deno.readTextFile(csv), await Deno.readTextFile(clean));
      } finally {
        await b?.stop("SIGKILL");
      }
    });
  },
});

Deno.test({
  name:
    "Redis: a chunk that kills every worker taking it after some of its rows went ahead fails only its rows not recorded",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const prefix = freshPrefix();
      const csv = join(dir, "out.csv");
      const gate = join(dir, "gate");
      const args = ["--allow-run", `--allow-read=${dir}`];
      await withDaemons(
        ["a", "b", "c"].map((name) => ({ prefix, name, args })),
        async (daemons) => {
          await using manager = new RedisManager({
            url: REDIS_URL,
            prefix,
            leaseMs: 1000,
            maxDeliveries: 2,
            chunkSize: 6,
          });
          // The row x = 5 waits for its gate, then kills its daemon, on every daemon taking it.
          const sweep = parameterSweep({
            model: MODEL,
            params: { x: linearSample(1, 12, 12) },
            buildOptions: { gate, gateX: 5, poison: 5 },
            outputs: ["y"],
            manager,
            csv,
          });
          await until(async () => {
            const xs = new Set(await xsOnDisk(csv));
            return [1, 2, 3, 4].every((x) => xs.has(x)) || undefined;
          }, sweep);
          await Deno.writeTextFile(gate, "");
          const result = await sweep;
          assertEquals(result.rows, 12);
          assertEquals([...result.success], [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
          assertMatch(result.errors.get(4)!, /taken by 2 workers that each stopped/);
          assertMatch(result.errors.get(5)!, /taken by 2 workers that each stopped/);
          assertEquals((await xsOnDisk(csv)).sort((p, q) => p - q), range(12).map((i) => i + 1));
          // Exactly two daemons took the chunk, and died of it; the third is alive.
          await until(() =>
            Promise.resolve(daemons.filter((d) => d.ended).length >= 2 || undefined)
          );
          assertEquals(daemons.filter((d) => d.ended).length, 2);
        },
      );
    });
  },
});

Deno.test("Redis: the runs of a chunk's rows recorded, as Redis keeps them, and those left to run", () => {
  const runs = recordedRuns("4-6,0-2,");
  assertEquals(runs, [[0, 2], [4, 6]]);
  assertEquals(missingRuns(runs, 9), [[2, 4], [6, 9]]);
  assertEquals(missingRuns(recordedRuns(null), 3), [[0, 3]]);
  assertEquals(missingRuns(recordedRuns("0-3,"), 3), []);
});

Deno.test({
  name:
    "Redis: the root takes a chunk recorded whole under its number alone, as earlier versions' daemons record it",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    const client = connectRedis(REDIS_URL);
    try {
      await using pm = new RedisManager({ url: REDIS_URL, prefix, chunkSize: 2 });
      const functions = new URL("./fixtures/redis/functions.ts", import.meta.url).href;
      await pm.scatter(
        { module: functions, name: "build" },
        {},
        { module: functions, name: "execute" },
        [[1], [2], [3]],
      );
      const [id] = await client.smembers(`${prefix}:jobs`);
      const k = `${prefix}:job:${id}`;
      // This test is the daemon: it takes both chunks and records each as earlier versions did
      // (the field and the done entry name the chunk only, and the chunk is acknowledged).
      const taken: [string, string][] = [];
      while (taken.length < 2) {
        const reply = await client.xreadgroup(
          "GROUP",
          "workers",
          "old",
          "COUNT",
          2,
          "BLOCK",
          1000,
          "STREAMS",
          `${k}:tasks`,
          ">",
        ) as [string, [string, string[]][]][] | null;
        for (const [entry, fields] of reply?.[0][1] ?? []) {
          taken.push([entry, fields[fields.indexOf("c") + 1]]);
        }
      }
      for (const [entry, chunk] of taken) {
        const payload = encode({ results: `chunk ${chunk}`, elapsed: 1, rows: 1, worker: "old" });
        await client.multi()
          .hset(`${k}:results`, chunk, payload)
          .xadd(`${k}:done`, "*", "c", chunk)
          .xack(`${k}:tasks`, "workers", entry)
          .xdel(`${k}:tasks`, entry)
          .exec();
      }
      const results = await pm.gather();
      assertEquals(results.map((r) => r.processNumber), [0, 1]);
      assertEquals(results.map((r) => [...r.parameters.data]), [[1, 2], [3]]);
      assertEquals(results.map((r) => r.results), ["chunk 0", "chunk 1"]);
    } finally {
      await closeRedis(client);
    }
  },
});
