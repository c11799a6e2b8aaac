/**
 * Benchmarks of the Redis manager (issue 13), measured side by side in one run:
 *
 * ```sh
 * deno run -A --unstable-worker-options --no-prompt bench/redis_report.ts
 * ```
 *
 * It uses the Redis server at PSWEEP_REDIS_URL, or starts its own on 127.0.0.1:6392 (PSWEEP_TEST_REDIS_PORT + 1).
 *
 * (a) 10 ms points: a local pool of two workers vs two `psweep worker` daemons of one worker
 *     each on this machine (the same two cores), the throughput ratio printed side by side;
 * (b) trivial points: rows/s of both, and the per-chunk overhead of Redis (1-row chunks);
 * (c) recovery: time from a daemon's SIGKILL to its chunk being taken by the other daemon,
 *     against the lease + 1 s.
 *
 * @module
 */

import { linearSample, parameterSweep, RedisManager } from "../mod.ts";
import {
  closeRedis,
  connectRedis,
  Daemon,
  MODEL,
  pendingOf,
  RedisServer,
  testPort,
  until,
} from "../tests/_redis.ts";

let url = Deno.env.get("PSWEEP_REDIS_URL");
let server: RedisServer | undefined;
let dir: string | undefined;
if (!url) {
  dir = await Deno.makeTempDir({ prefix: "psweep_bench_redis_" });
  server = new RedisServer(testPort(1), dir);
  await server.start();
  url = server.url;
}
const prefix = `psweep_bench_${Deno.pid}`;
const daemons = [
  new Daemon({ prefix, url, name: "bench-a" }),
  new Daemon({ prefix, url, name: "bench-b" }),
];
await Promise.all(daemons.map((d) => d.ready()));

async function local(rows: number, ms: number): Promise<number> {
  const t0 = performance.now();
  await parameterSweep({
    model: MODEL,
    params: { x: linearSample(1, rows, rows) },
    buildOptions: { ms },
    workers: 2,
  });
  return performance.now() - t0;
}

async function redis(rows: number, ms: number, chunkSize?: number): Promise<number> {
  await using manager = new RedisManager({ url: url!, prefix, chunkSize });
  const t0 = performance.now();
  await parameterSweep({
    model: MODEL,
    params: { x: linearSample(1, rows, rows) },
    buildOptions: { ms },
    manager,
  });
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

try {
  // Warm-up: modules compiled, workers started once.
  await local(50, 0);
  await redis(50, 0);

  const rows = 400;
  const l: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < 3; i++) {
    l.push(await local(rows, 10));
    r.push(await redis(rows, 10));
  }
  const tl = median(l);
  const tr = median(r);
  console.log(
    `(a) ${rows} points of 10 ms, median of 3 (ms): local pool of 2 ${tl.toFixed(0)}, ` +
      `2 daemons x 1 worker ${tr.toFixed(0)}; Redis throughput / local = ${(tl / tr).toFixed(2)}x`,
  );

  const trivial = 20_000;
  const lt = await local(trivial, 0);
  const rt = await redis(trivial, 0);
  console.log(
    `(b) ${trivial} trivial points: local ${(trivial / lt * 1000).toFixed(0)} rows/s, ` +
      `Redis ${(trivial / rt * 1000).toFixed(0)} rows/s (${(lt / rt).toFixed(2)}x)`,
  );
  const chunks = 400;
  const ct = await redis(chunks, 0, 1);
  console.log(
    `    1-row chunks on 2 daemons: ${(ct / chunks).toFixed(2)} ms per chunk ` +
      `(${(2 * ct / chunks).toFixed(2)} ms per chunk per daemon, all overhead)`,
  );

  // (c) Recovery: a daemon killed while it holds a chunk.
  const leaseMs = 2000;
  const client = connectRedis(url);
  const c = new Daemon({ prefix, url, name: "bench-c" });
  await c.ready();
  try {
    await using manager = new RedisManager({ url, prefix, leaseMs, chunkSize: 5 });
    const sweep = parameterSweep({
      model: MODEL,
      params: { x: linearSample(1, 200, 200) },
      buildOptions: { ms: 10 },
      manager,
    });
    const [held] = await until(async () => {
      const mine = (await pendingOf(client, prefix)).filter(([, owner]) => owner === "bench-c");
      return mine.length > 0 ? mine.map(([id]) => id) : undefined;
    });
    const t0 = performance.now();
    c.kill("SIGKILL");
    await until(async () => {
      const p = await pendingOf(client, prefix);
      const entry = p.find(([id]) => id === held);
      return entry === undefined || entry[1] !== "bench-c" || undefined;
    });
    const recovered = performance.now() - t0;
    await sweep;
    console.log(
      `(c) recovery after SIGKILL: ${recovered.toFixed(0)} ms until the chunk ran ` +
        `elsewhere (lease ${leaseMs} ms; bound lease + 1 s = ${leaseMs + 1000} ms)`,
    );
  } finally {
    await c.stop("SIGKILL");
    await closeRedis(client);
  }
} finally {
  await Promise.all(daemons.map((d) => d.stop()));
  await server?.stop();
  if (dir) await Deno.remove(dir, { recursive: true });
}
