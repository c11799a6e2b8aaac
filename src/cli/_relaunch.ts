// Internal: the CLI always runs models in permission-scoped workers, whatever flags `deno run` was
// given. Scoped workers need the worker-options feature and a process that cannot prompt; when
// psweep cannot see both, it runs itself again with them, passing on the permissions it holds.
import { detectWorkerOptions, promptsDisabled } from "../parallel/_permissions.ts";
import { PERMISSION_KINDS as KINDS } from "../_limits.ts";

/** The hidden first argument that marks the relaunched process. */
export const RELAUNCHED = "--psweep-relaunched";

/** Whether this process can start scoped workers as it is. */
export function canScopeWorkers(): boolean {
  return detectWorkerOptions() !== undefined && promptsDisabled();
}

/**
 * Runs this CLI again under `--unstable-worker-options --no-prompt` with the same arguments and
 * the permissions this process holds in full; resolves with the child's exit code.
 */
export async function relaunch(args: string[]): Promise<number> {
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
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-worker-options",
      "--no-prompt",
      ...flags,
      Deno.mainModule,
      RELAUNCHED,
      ...args,
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
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
