// Helpers of the Redis tests: the server the CI setup started (PSWEEP_REDIS_URL), servers of a
// test's own (ports 6391-6399, or from PSWEEP_TEST_REDIS_PORT on), and `psweep worker` daemons as real processes.

/** The URL CI exports; without it, the Redis tests skip (unless they are required). */
export const REDIS_URL = Deno.env.get("PSWEEP_REDIS_URL") ?? "";
/**
 * Set by CI (.ci/setup.d/20-redis.sh): there the Redis tests always run, so a server that is
 * missing or unreachable fails a test instead of skipping them all.
 */
export const REQUIRE_REDIS = Deno.env.get("PSWEEP_REQUIRE_REDIS") === "1";

/** Why the Redis server at `url` cannot be used, or undefined when it accepts connections. */
async function unreachable(url: string): Promise<string | undefined> {
  if (url === "") return "PSWEEP_REDIS_URL is not set";
  if (!URL.canParse(url)) return "PSWEEP_REDIS_URL is not a URL";
  const { hostname, port } = new URL(url);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const conn = await Promise.race([
      Deno.connect({ hostname, port: Number(port || 6379) }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer in 10 s")), 10_000);
      }),
    ]);
    conn.close();
    return undefined;
  } catch (e) {
    return `nothing accepts connections at ${hostname}:${port || 6379} (${
      e instanceof Error ? e.message : e
    })`;
  } finally {
    clearTimeout(timer);
  }
}

const missing = REQUIRE_REDIS ? await unreachable(REDIS_URL) : undefined;
export const SKIP_REDIS = REDIS_URL === "" || missing !== undefined;
if (missing !== undefined) {
  Deno.test(`Redis tests: the server CI started is reachable (PSWEEP_REQUIRE_REDIS=1)`, () => {
    throw new Error(
      `The Redis tests must run here (PSWEEP_REQUIRE_REDIS=1) but cannot: ${missing}; see .ci/setup.d/20-redis.sh`,
    );
  });
} else if (SKIP_REDIS) {
  console.error(
    "Redis tests skipped: PSWEEP_REDIS_URL is not set (CI starts redis-server: .ci/setup.d/20-redis.sh)",
  );
}

const MOD = new URL("../mod.ts", import.meta.url).pathname;
export const MODEL_DIR = new URL("./fixtures/redis/", import.meta.url).pathname;
export const MODEL = new URL("./fixtures/redis/model.ts", import.meta.url).href;

let unique = 0;
/** A key prefix no other test uses, so that tests share one server safely. */
export function freshPrefix(): string {
  return `psweep_test_${Deno.pid}_${++unique}_${crypto.randomUUID().slice(0, 8)}`;
}

/** Options of a daemon process. */
export interface DaemonOptions {
  prefix: string;
  url?: string;
  models?: string[];
  workers?: number;
  name?: string;
  args?: string[];
  env?: Record<string, string>;
  /** A command the daemon runs under, e.g. ["ip", "netns", "exec", "ns"]. */
  wrap?: string[];
  /** Run as users do, `deno run -A mod.ts worker`: the CLI starts itself again with the flags. */
  plain?: boolean;
}

/** A `psweep worker` process; its stderr lines are kept for waitFor. */
export class Daemon {
  readonly child: Deno.ChildProcess;
  readonly name: string;
  readonly lines: string[] = [];
  #waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  readonly #reading: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  /** Whether the process has ended. */
  ended = false;

  constructor(o: DaemonOptions) {
    this.name = o.name ?? `d${++unique}`;
    const [program, ...before] = [...(o.wrap ?? []), Deno.execPath()];
    this.child = new Deno.Command(program, {
      args: [
        ...before,
        "run",
        "-A",
        // With all three flags the CLI runs where it was started (no relaunched child), so a
        // signal the test sends reaches the process that runs the chunks.
        ...(o.plain ? [] : ["--unstable-worker-options", "--no-prompt", "--frozen"]),
        MOD,
        "worker",
        "--redis",
        o.url ?? REDIS_URL,
        "--prefix",
        o.prefix,
        "--name",
        this.name,
        "--workers",
        String(o.workers ?? 1),
        ...(o.models ?? [MODEL_DIR]).flatMap((m) => ["--models", m]),
        ...(o.args ?? []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: o.env,
    }).spawn();
    this.#status = this.child.status.then((s) => {
      this.ended = true;
      return s;
    });
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    let rest = "";
    for await (const text of this.child.stderr.pipeThrough(new TextDecoderStream())) {
      rest += text;
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    }
  }

  /** Resolves with the first stderr line (past or future) that matches. */
  waitFor(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ re, resolve }));
  }

  /** Started and listening for sweeps. */
  async ready(): Promise<string> {
    // A daemon that ends before it is ready (a bad URL, say) fails the test instead of hanging it.
    const ended = this.#status.then((s) => {
      throw new Error(
        `psweep worker ${this.name} ended (code ${s.code}): ${this.lines.join("\n")}`,
      );
    });
    ended.catch(() => {});
    return await Promise.race([this.waitFor(/waiting for sweeps/), ended]);
  }

  kill(signal: Deno.Signal): void {
    this.child.kill(signal);
  }

  /** Stops the process (SIGTERM unless it already ended) and waits for it. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGCONT");
      this.child.kill(signal);
    } catch {
      // already ended
    }
    const status = await this.#status;
    await this.#reading;
    return status;
  }

  /** Waits for the process to end by itself. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.#status;
    await this.#reading;
    return status;
  }
}

/** Starts daemons and stops them all after `fn`, whatever it did. */
export async function withDaemons(
  options: DaemonOptions[],
  fn: (daemons: Daemon[]) => Promise<void>,
): Promise<void> {
  const daemons = options.map((o) => new Daemon(o));
  try {
    await Promise.all(daemons.map((d) => d.ready()));
    await fn(daemons);
  } finally {
    await Promise.all(daemons.map((d) => d.stop("SIGKILL")));
  }
}

/** A connection of the test's own, to watch what the sweep does in Redis. */
export { closeRedis, connectRedis } from "../src/parallel/_redis_client.ts";

/**
 * Polls `check` until it returns a value (not undefined); a short pause between tries. When `over`
 * (the sweep being watched) settles first, throws: the moment waited for can no longer come.
 */
export async function until<T>(
  check: () => Promise<T | undefined>,
  over?: Promise<unknown>,
): Promise<T> {
  let settled = false;
  over?.then(() => settled = true, () => settled = true);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (settled) throw new Error("the sweep ended before the moment this test waits for");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The x values a log file lists, one per evaluation. */
export async function evaluations(log: string): Promise<number[]> {
  const text = await Deno.readTextFile(log).catch(() => "");
  return text.split("\n").filter((l) => l !== "").map(Number);
}

/** The pending entries of the sweep's stream: [id, consumer, idle ms, deliveries]. */
export async function pendingOf(
  client: ReturnType<typeof import("../src/parallel/_redis_client.ts").connectRedis>,
  prefix: string,
): Promise<[string, string, number, number][]> {
  const jobs = await client.smembers(`${prefix}:jobs`);
  const out: [string, string, number, number][] = [];
  for (const id of jobs) {
    const p = await client.xpending(`${prefix}:job:${id}:tasks`, "workers", "-", "+", 100).catch(
      () => [],
    );
    out.push(...(p as [string, string, number, number][]));
  }
  return out;
}

/**
 * The port of a test's own Redis server number `n`: PSWEEP_TEST_REDIS_PORT + n when that is set,
 * else a port the system finds free, the same for every call with this `n`. So two copies of the
 * suite running at once do not meet on a port.
 */
export function testPort(n: number): number {
  const base = Deno.env.get("PSWEEP_TEST_REDIS_PORT");
  if (base !== undefined) return Number(base) + n;
  let port = ports.get(n);
  if (port === undefined) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    ports.set(n, port);
  }
  return port;
}
const ports = new Map<number, number>();

/** A redis-server of a test's own (ports from {@linkcode testPort}), stopped by its pid. */
export class RedisServer {
  readonly url: string;
  readonly #args: string[];
  readonly #pidfile: string;

  /** `plainPort` 0 with `--tls-port port` in `extra` serves TLS only. */
  constructor(
    readonly port: number,
    readonly dir: string,
    extra: string[] = [],
    plainPort: number = port,
  ) {
    const password = crypto.randomUUID().replaceAll("-", "");
    this.url = `redis://:${password}@127.0.0.1:${port}`;
    this.#pidfile = `${dir}/redis.pid`;
    this.#args = [
      "--port",
      String(plainPort),
      "--bind",
      "127.0.0.1",
      "--requirepass",
      password,
      "--save",
      "",
      "--dir",
      dir,
      "--daemonize",
      "yes",
      "--pidfile",
      this.#pidfile,
      "--logfile",
      `${dir}/redis.log`,
      ...extra,
    ];
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const out = await new Deno.Command("redis-server", { args: this.#args }).output();
    if (!out.success) {
      throw new Error(`redis-server did not start: ${new TextDecoder().decode(out.stderr)}`);
    }
    // A server that could not start (a bad option) says why in its log, instead of a hang.
    for (let attempt = 0;; attempt++) {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: this.port });
        conn.close();
        return;
      } catch {
        if (attempt >= 1500) {
          const log = await Deno.readTextFile(`${this.dir}/redis.log`).catch(() => "");
          throw new Error(`redis-server did not start on ${this.port}: ${log.slice(-500)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Ends the server with `signal` and waits until its process is gone. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    let pid: number;
    try {
      pid = Number((await Deno.readTextFile(this.#pidfile)).trim());
    } catch {
      return;
    }
    try {
      Deno.kill(pid, signal);
    } catch {
      return;
    }
    await until(async () => {
      const out = await new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" })
        .output();
      return out.success ? undefined : true;
    });
    await Deno.remove(this.#pidfile).catch(() => {});
  }
}

/** Whether a program runs here: `program args` succeeds. */
export function canRun(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** A CA and a certificate for 127.0.0.1 it signed, made with openssl in `dir`. */
export async function makeCertificates(
  dir: string,
): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=psweep test CA",
  ]);
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1\n");
  await run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}
