// `psweep worker`: the daemon that runs, on this machine, the chunks of sweeps whose root uses a
// RedisManager (`psweep run --redis URL`, or `manager: new RedisManager({ url })`).
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { describe } from "../_describe.ts";
import { runRedisWorker } from "../parallel/_redis_worker.ts";
import { redactUrl } from "../parallel/_redis_protocol.ts";
import type { WorkerPermissions } from "../parallel/_permissions.ts";
import { type FlagSpec, parseFlags } from "./_args.ts";
import { UsageError } from "./_errors.ts";

const WORKER_HELP = `psweep worker --redis <url> --models <dir-or-url> [options]

Joins the sweeps published on a Redis server (psweep run --redis, or a RedisManager) and runs
their points on this machine's cores, in permission-scoped workers. Runs until stopped (Ctrl-C or
SIGTERM: it finishes the chunks it holds, then exits).

Options:
  --redis <url>        redis://[user:password@]host:port, or rediss:// for TLS (default: the
                       PSWEEP_REDIS_URL environment variable)
  --models <dir|url>   run only models under this directory or URL prefix (repeat for more);
                       a sweep whose model lies elsewhere, or whose code differs, is refused
  --workers <n>        points run at once (default: every core)
  --sweep <name>       join only sweeps of this name (RedisManager's 'name')
  --name <name>        this worker's name in Redis (default: host-pid)
  --allow-read[=<paths>], --allow-write[=<paths>], --allow-net[=<hosts>], --allow-env[=<names>],
  --allow-run[=<cmds>], --allow-sys, --allow-ffi, --allow-import[=<hosts>]
                       widen what models may do (by default they may read only their directory)

Example:
  psweep worker --redis redis://:secret@10.0.0.5:6390 --models /shared/models
`;

const FLAGS: FlagSpec = {
  redis: { type: "string" },
  models: { type: "string", multiple: true },
  workers: { type: "string" },
  sweep: { type: "string" },
  name: { type: "string" },
  prefix: { type: "string" },
  help: { type: "boolean", short: "h" },
  debug: { type: "boolean" },
  "allow-read": { type: "string", multiple: true },
  "allow-write": { type: "string", multiple: true },
  "allow-net": { type: "string", multiple: true },
  "allow-env": { type: "string", multiple: true },
  "allow-run": { type: "string", multiple: true },
  "allow-sys": { type: "string", multiple: true },
  "allow-ffi": { type: "string", multiple: true },
  "allow-import": { type: "string", multiple: true },
};

/**
 * Runs `psweep worker ...`; resolves with the exit code once stopped. `relaunched`: this process
 * is the CLI started again with --unstable-worker-options --no-prompt (which it cannot read back).
 */
export async function worker(args: string[], relaunched = false): Promise<number> {
  const { flags, positionals } = parseFlags(
    args.map((a) => (/^--allow-[a-z]+$/.test(a) ? `${a}=` : a)),
    FLAGS,
    "worker",
  );
  if (flags.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`worker takes no arguments: got ${describe(positionals[0])}`);
  }
  const url = (flags.redis as string | undefined) ?? Deno.env.get("PSWEEP_REDIS_URL");
  if (!url || !/^rediss?:\/\/./.test(url) || !URL.canParse(url)) {
    throw new UsageError(
      `--redis must be a redis:// or rediss:// URL: current value is ${
        url ? describe(redactUrl(url)) : "unset"
      }`,
    );
  }
  const models = (flags.models as string[] | undefined) ?? [];
  if (models.length === 0) {
    throw new UsageError(
      "--models must name the directories (or URL prefixes) whose models this worker runs: a worker runs no code merely because it appeared in Redis",
    );
  }
  const prefixes = models.map((m) => {
    if (/^https?:\/\//.test(m)) return m;
    const href = pathToFileURL(resolve(m)).href;
    return href.endsWith("/") ? href : `${href}/`;
  });
  let workers = navigator.hardwareConcurrency;
  if (flags.workers !== undefined) {
    const text = String(flags.workers);
    workers = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(workers) || workers < 1 || workers > 1024) {
      throw new UsageError(
        `--workers must be an integer from 1 to 1024: current value is ${describe(flags.workers)}`,
      );
    }
  }
  const controller = new AbortController();
  let stops = 0;
  const onSignal = () => {
    if (++stops > 1) Deno.exit(130);
    console.error("psweep worker: stopping after the chunks it holds (again to quit now)");
    controller.abort();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    await runRedisWorker({
      url,
      models: prefixes,
      workers,
      permissions: permissions(flags),
      sweep: flags.sweep as string | undefined,
      name: flags.name as string | undefined,
      prefix: flags.prefix as string | undefined,
      assumeScoped: relaunched,
    }, controller.signal);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  return 0;
}

// The models' permissions from --allow-* flags (Deno's own syntax); none without them.
function permissions(flags: Record<string, unknown>): WorkerPermissions {
  const out: Record<string, boolean | string[]> = {};
  for (const kind of ["read", "write", "net", "env", "run", "sys", "ffi", "import"]) {
    const values = flags[`allow-${kind}`] as string[] | undefined;
    if (!values) continue;
    const list = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    if (values.some((v) => v === "") || list.length === 0) out[kind] = true;
    else {
      out[kind] = ["read", "write", "ffi"].includes(kind) ? list.map((p) => resolve(p)) : list;
    }
  }
  return Object.keys(out).length ? out as Deno.PermissionOptionsObject : "none";
}
