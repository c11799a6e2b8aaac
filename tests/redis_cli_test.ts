// The CLI on Redis: `psweep run --redis`, the sweep file's `redis:` field, and `psweep worker`.
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "./_temp.ts";
import { MODEL_DIR, REDIS_URL, SKIP_REDIS, withDaemons } from "./_redis.ts";
import { redisFailure } from "../src/parallel/_redis_protocol.ts";
import { hidePassword } from "../src/cli/run.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;

async function psweep(args: string[], cwd?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", mod, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("psweep worker refuses to start without --models, or with a bad URL (exit 2)", async () => {
  const noModels = await psweep(["worker", "--redis", "redis://127.0.0.1:6390"]);
  assert.equal(noModels.code, 2);
  assert.match(noModels.stderr, /--models must name the directories/);
  const badUrl = await psweep(["worker", "--redis", "http://x", "--models", "."]);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /--redis must be a redis:\/\/ or rediss:\/\/ URL/);
  const help = await psweep(["worker", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /psweep worker --redis <url> --models/);
});

Deno.test({
  name:
    "psweep worker with a wrong password says Redis refused the credentials, the password hidden",
  // (Against a server that asks for one, as CI's does.)
  ignore: SKIP_REDIS || new URL(REDIS_URL).password === "",
  async fn() {
    const url = new URL(REDIS_URL);
    url.password = "not-the-password";
    const r = await psweep(["worker", "--redis", url.href, "--models", MODEL_DIR]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^psweep: Cannot start the worker on Redis at redis:\/\/.*\*\*\*@.*: Redis refused the credentials \((WRONGPASS|NOAUTH)\b.*give the password in the URL/,
    );
    assert.ok(!r.stderr.includes("not-the-password"), r.stderr);
  },
});

Deno.test("the Redis client's usual connection failures are said plainly", () => {
  assert.match(
    redisFailure(
      new Error("Reached the max retries per request limit (which is 20). Refer to ..."),
    ),
    /^cannot reach Redis \(Reached the max retries.*\): is redis-server running there/,
  );
  assert.match(redisFailure(new Error("Command timed out")), /^cannot reach Redis/);
  assert.match(
    redisFailure(new Error("NOAUTH HELLO must be called")),
    /^Redis refused the credentials/,
  );
  assert.equal(redisFailure(new Error("ERR something else")), "ERR something else");
});

Deno.test("the resume command printed after a stop hides a Redis password", () => {
  assert.equal(hidePassword("redis://:s3cret@host:6390"), "redis://:***@host:6390");
  assert.equal(
    hidePassword("--redis=rediss://user:s3cret@host/"),
    "--redis=rediss://user:***@host/",
  );
  assert.equal(hidePassword("redis://host:6390"), "redis://host:6390");
  for (const word of ["sweep.yaml", "--seed", "5", "a redis://:x@h in a path"]) {
    assert.equal(hidePassword(word), word);
  }
});

Deno.test("psweep run --redis refuses local-only flags (exit 2)", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "sweep.yaml");
    await Deno.writeTextFile(
      file,
      `model: ${
        join(MODEL_DIR, "model.ts")
      }\nparams:\n  x: { sampler: linear, lower: 1, upper: 4, n: 4 }\n`,
    );
    const r = await psweep(["run", file, "--redis", "redis://127.0.0.1:6390", "--workers", "2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /set their own workers and permissions .*--workers/);
  });
});

Deno.test({
  name: "psweep run --redis, and a sweep file's redis: field, run on worker daemons",
  ignore: SKIP_REDIS,
  async fn() {
    await withTempDir(async (dir) => {
      // The CLI's manager uses the default prefix: a daemon of its own, named for this test.
      const prefix = "psweep";
      // Started as users start it: the CLI runs itself again with the flags scoped workers need.
      await withDaemons([{ prefix, name: `cli-${Deno.pid}`, plain: true }], async () => {
        const grid = `model: ${join(MODEL_DIR, "model.ts")}\n` +
          `params:\n  x: { sampler: linear, lower: 1, upper: 20, n: 20 }\noutputs: [y]\n`;
        await Deno.writeTextFile(join(dir, "a.yaml"), grid + "csv: a.csv\n");
        const a = await psweep(["run", join(dir, "a.yaml"), "--redis", REDIS_URL, "--quiet"]);
        assert.equal(a.code, 0, a.stderr);
        await Deno.writeTextFile(
          join(dir, "b.yaml"),
          grid + `csv: b.csv\nredis: "${REDIS_URL}"\nbuildOptions: { ms: 1 }\n`,
        );
        const b = await psweep(["run", join(dir, "b.yaml"), "--quiet"]);
        assert.equal(b.code, 0, b.stderr);
        for (const name of ["a.csv", "b.csv"]) {
          const rows = (await Deno.readTextFile(join(dir, name))).trim().split("\n");
          assert.equal(rows.length, 21);
          const header = rows[0].split(",");
          for (const row of rows.slice(1)) {
            const cells = row.split(",");
            const x = Number(cells[header.indexOf("x")]);
            assert.equal(Number(cells[header.indexOf("y")]), 2 * x, row);
          }
        }
      });
    });
  },
});
