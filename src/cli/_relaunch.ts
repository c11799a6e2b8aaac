// Internal: the CLI always runs models in permission-scoped workers, whatever flags `deno run` was
// given. Scoped workers need the worker-options feature and a process that cannot prompt; when
// psweep cannot see both, it runs itself again with them, passing on the permissions it holds.
import { commandLine, detectWorkerOptions, promptsDisabled } from "../parallel/_permissions.ts";
import { invocation, INVOCATION_ENV } from "./_invocation.ts";
import { PERMISSION_KINDS as KINDS } from "../_limits.ts";
import { MPI_DEFAULTS, RELAUNCH_ENV } from "../_defaults.ts";
import { underMpiLauncher } from "../parallel/_mpi_ffi.ts";

/** The hidden first argument that marks the relaunched process. */
export const RELAUNCHED = "--psweep-relaunched";

/** Whether this process can start scoped workers as it is. */
export function canScopeWorkers(): boolean {
  return detectWorkerOptions() !== undefined && promptsDisabled();
}

/**
 * Whether this process can run models as the CLI wants them run: in scoped workers, and under
 * --frozen, so that a model's `npm:` or remote import cannot rewrite the project's deno.lock.
 * Without --frozen psweep starts itself again with it, unless it may not start Deno (then it
 * runs here, as it was started).
 */
export function canRunHere(): boolean {
  if (!canScopeWorkers()) return false;
  if (commandLine().some((f) => /^--frozen(=true)?$/.test(f))) return true;
  return Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state !==
    "granted";
}

/**
 * Runs this CLI again under `--unstable-worker-options --no-prompt` with the same arguments and
 * the permissions this process holds in full; resolves with the child's exit code. Unless
 * `mayFetch` (the model was granted the network), the child runs `--cached-only`.
 */
export async function relaunch(args: string[], mayFetch = false): Promise<number> {
  if (Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state !== "granted") {
    throw new Error(
      "Cannot start permission-scoped workers: run psweep with `deno run -A` (it needs to start Deno " +
        "again with --unstable-worker-options --no-prompt), or pass those two flags yourself",
    );
  }
  // Path-limited grants cannot be read back to pass them on (Deno reports them only per path).
  for (const name of ["read", "write"] as const) {
    const whole = Deno.permissions.querySync({ name }).state === "granted";
    const here = Deno.permissions.querySync({ name, path: Deno.cwd() }).state === "granted";
    if (!whole && here) {
      throw new Error(
        `Cannot start permission-scoped workers: psweep must start Deno again with --unstable-worker-options --no-prompt and cannot pass on a path-limited --allow-${name}; run with -A, or with --allow-read --allow-write --allow-env --allow-run without paths (the model's own permissions stay narrow either way)`,
      );
    }
  }
  const granted = KINDS.filter((name) =>
    Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state === "granted"
  );
  const flags = granted.length === KINDS.length ? ["-A"] : granted.map((k) => `--allow-${k}`);
  // A model's imports resolve in this Deno, whatever its worker may do: an `npm:` or remote
  // import would otherwise fetch and rewrite the project's deno.lock. --frozen makes a lock
  // file that would change an error instead; the flags that keep modules offline or pin the
  // lock, when psweep itself was given them, apply to the relaunched run too.
  // (Looked for on the whole command line: a flag's value, such as --config's, ends the flags
  // where a word does not begin with "-", and no psweep option is spelled like these.)
  const modules = commandLine().filter((f) =>
    /^--(cached-only|no-remote|no-npm|no-lock|frozen(=.*)?|lock(=.*)?)$/.test(f)
  );
  if (!modules.some((f) => f.startsWith("--frozen"))) modules.push("--frozen");
  // Nor may such an import reach the registry for a model that was not granted the network.
  // psweep's own modules are then local files, or in the cache with this process's module graph
  // (dynamic imports included), but for those its workers load by URL: a psweep run from a URL
  // (jsr) caches them first.
  if (
    !mayFetch && !modules.includes("--cached-only") &&
    (Deno.mainModule.startsWith("file:") || await cacheWorkerModules(modules))
  ) {
    modules.push("--cached-only");
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-worker-options",
      "--no-prompt",
      ...flags,
      ...modules,
      Deno.mainModule,
      RELAUNCHED,
      ...args,
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
    // The child's own command line is not what the user typed: hints repeat the parent's.
    env: { ...relaunchEnv(envOf), [INVOCATION_ENV]: JSON.stringify(invocation()) },
  }).spawn();
  // The child stops cleanly on a signal (rows written, a resume hint): pass on what this process
  // gets. Ctrl-C on a terminal reaches both (one process group), so the child may see it twice,
  // which it handles as once.
  const handlers = (Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"]).map(
    (signal) => {
      const forward = () => {
        try {
          child.kill(signal as Deno.Signal);
        } catch {
          // It has already exited.
        }
      };
      Deno.addSignalListener(signal as Deno.Signal, forward);
      return [signal as Deno.Signal, forward] as const;
    },
  );
  try {
    return (await child.status).code;
  } finally {
    for (const [signal, forward] of handlers) Deno.removeSignalListener(signal, forward);
  }
}

/**
 * What the relaunched Deno's environment adds to this one's: the allocator's settings of
 * RELAUNCH_ENV that the user did not set (theirs win).
 */
export function relaunchEnv(get: (name: string) => string | undefined): Record<string, string> {
  const added: Record<string, string> = {};
  for (const [name, value] of Object.entries(RELAUNCH_ENV)) {
    if (get(name) === undefined) added[name] = value;
  }
  return added;
}

// A variable of this environment; unreadable (no --allow-env) counts as unset.
function envOf(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

// The modules psweep's workers load by URL, which are in no module graph a `deno run` fetches.
const WORKER_MODULES = [
  new URL("../parallel/_worker.ts", import.meta.url),
  new URL("../sweep/_driver.ts", import.meta.url),
  new URL("../command/_command_driver.ts", import.meta.url),
  new URL("./demo/ro_model.ts", import.meta.url),
  new URL("../io/_row_encoder_worker.ts", import.meta.url),
].map((u) => u.href);

// Fetches psweep's worker modules into Deno's cache (`deno cache`, with the module flags the run
// gets); whether that worked. Cached already, it fetches nothing.
async function cacheWorkerModules(flags: readonly string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: ["cache", "--quiet", ...flags, ...WORKER_MODULES],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * In the relaunched process: ends this run as SIGTERM does (rows written, a resume hint) once
 * the process that relaunched it is gone, however it went (`kill -9` included, which it cannot
 * pass on). An orphan is adopted by another process, so its parent pid changes; the check runs
 * four times a second and never keeps the process alive.
 */
export function followParent(): void {
  const parent = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid === parent) return;
    clearInterval(timer);
    Deno.kill(Deno.pid, Deno.build.os === "windows" ? "SIGINT" : "SIGTERM");
    if (underMpiLauncher() && Deno.build.os !== "windows") {
      // An MPI rank may wait for ranks that went with the launcher: a stop that has not ended
      // this process in time ends it (unref'd: a stop that ends sooner is not held up).
      const kill = setTimeout(() => Deno.kill(Deno.pid, "SIGKILL"), MPI_DEFAULTS.orphanGraceMs);
      Deno.unrefTimer(kill);
    }
  }, 250);
  Deno.unrefTimer(timer);
}
