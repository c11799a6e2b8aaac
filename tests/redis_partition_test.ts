// A real network partition: a `psweep worker` in a network namespace of the test's own, joined to
// this host by a veth pair whose link goes down mid-sweep. Needs root and `ip`: skipped otherwise,
// failed instead where CI requires it (PSWEEP_REQUIRE_NETNS=1).
// The daemon enters the namespace with `nsenter`, which execs it: `ip netns exec` forks, and
// killing it would leave the daemon running with the test's stderr pipe open.
import assert from "node:assert/strict";
import { join } from "node:path";
import { linearSample, parameterSweep, RedisManager } from "../mod.ts";
import { withTempDir } from "./_temp.ts";
import {
  canRun,
  closeRedis,
  connectRedis,
  freshPrefix,
  MODEL,
  pendingOf,
  RedisServer,
  SKIP_REDIS,
  testPort,
  until,
  withDaemons,
} from "./_redis.ts";

const tag = (Deno.pid % 10000).toString();
const NS = `psweep_ns${tag}`;
const HOST_IF = `psw${tag}h`;
const NS_IF = `psw${tag}n`;
// Addresses of this run's own, so that a second copy of the suite gets other ones.
const NET = `10.213.${Deno.pid % 250}`;
const HOST_IP = `${NET}.1`;
const NS_IP = `${NET}.2`;

function ip(...args: string[]): void {
  const out = new Deno.Command("ip", { args, stdout: "null", stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

// Set by CI when it runs as root (.ci/setup.d/20-redis.sh): then this test must run, and a
// machine that cannot make a network namespace fails it instead of skipping it.
const REQUIRED = Deno.env.get("PSWEEP_REQUIRE_NETNS") === "1";

// Why this test cannot run here, or undefined when it can.
function whyNot(): string | undefined {
  if (SKIP_REDIS) return "the Redis tests are skipped (PSWEEP_REDIS_URL)";
  for (
    const [program, args] of [["ip", ["-V"]], ["nsenter", ["--version"]], ["redis-server", [
      "--version",
    ]]] as const
  ) {
    if (!canRun(program, [...args])) return `\`${program}\` does not run`;
  }
  try {
    ip("netns", "add", `${NS}p`);
    ip("netns", "del", `${NS}p`);
    return undefined;
  } catch (e) {
    return `no network namespace can be made (root with CAP_NET_ADMIN is needed): ${
      e instanceof Error ? e.message : e
    }`;
  }
}

const notHere = whyNot();
if (notHere !== undefined && REQUIRED) {
  Deno.test("Redis: the partition test can run here (PSWEEP_REQUIRE_NETNS=1)", () => {
    throw new Error(
      `The partition test must run here (PSWEEP_REQUIRE_NETNS=1) but cannot: ${notHere}`,
    );
  });
}

Deno.test({
  name: "Redis: a worker cut off by a network partition: its chunks run elsewhere, rows once",
  ignore: notHere !== undefined,
  async fn() {
    await withTempDir(async (dir) => {
      ip("netns", "add", NS);
      try {
        ip("link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF);
        ip("link", "set", NS_IF, "netns", NS);
        ip("addr", "add", `${HOST_IP}/30`, "dev", HOST_IF);
        ip("link", "set", HOST_IF, "up");
        ip("netns", "exec", NS, "ip", "addr", "add", `${NS_IP}/30`, "dev", NS_IF);
        ip("netns", "exec", NS, "ip", "link", "set", NS_IF, "up");
        ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
        const server = new RedisServer(testPort(5), dir, ["--bind", "127.0.0.1", HOST_IP]);
        await server.start();
        const remote = server.url.replace("127.0.0.1", HOST_IP);
        const prefix = freshPrefix();
        const csv = join(dir, "out.csv");
        const client = connectRedis(server.url);
        try {
          await withDaemons([
            { prefix, name: "far", url: remote, wrap: ["nsenter", `--net=/run/netns/${NS}`, "--"] },
            { prefix, name: "near", url: server.url },
          ], async () => {
            await using manager = new RedisManager({
              url: server.url,
              prefix,
              leaseMs: 1000,
              chunkSize: 2,
            });
            const sweep = parameterSweep({
              model: MODEL,
              params: { x: linearSample(1, 60, 60) },
              buildOptions: { ms: 20 },
              manager,
              csv,
            });
            await until(
              async () =>
                (await pendingOf(client, prefix)).some(([, owner]) => owner === "far") || undefined,
              sweep,
            );
            ip("link", "set", HOST_IF, "down");
            const result = await sweep;
            assert.equal(result.stats.succeeded, 60);
            for (let i = 0; i < 60; i++) assert.equal(result.outputs.y[i], 2 * result.params.x[i]);
            const lines = (await Deno.readTextFile(csv)).trim().split("\n").slice(1);
            assert.equal(lines.length, 60);
            assert.equal(new Set(lines.map((l) => l.split(",")[0])).size, 60);
          });
        } finally {
          await closeRedis(client);
          await server.stop();
        }
      } finally {
        try {
          ip("link", "del", HOST_IF);
        } catch {
          // gone with the namespace
        }
        ip("netns", "del", NS);
      }
    });
  },
});
