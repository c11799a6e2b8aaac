// Runs a fixture under a real MPI launcher and reads each rank's outcome: every rank prints one
// JSON line holding its "rank". Tests skip (with a message) where MPI is missing, except in CI
// (PSWEEP_MPI_REQUIRED=1), where they fail.

/** One installed MPI: its launcher and the flags the tests launch with. */
export interface Launcher {
  name: "openmpi" | "mpich";
  path: string;
  flags: string[];
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const ALL: Launcher[] = [
  // As root Open MPI refuses to start without --allow-run-as-root; more ranks than cores need
  // --oversubscribe; --bind-to none lets each rank's workers use every core.
  {
    name: "openmpi",
    path: "/usr/bin/mpirun.openmpi",
    flags: ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"],
  },
  { name: "mpich", path: "/usr/bin/mpirun.mpich", flags: [] },
];

/** The launchers installed here. */
export const LAUNCHERS: Launcher[] = ALL.filter((l) => exists(l.path));

const required = Deno.env.get("PSWEEP_MPI_REQUIRED") === "1";

/** Whether a launcher is missing and its tests skip (never in CI). */
export function skipWithout(name: Launcher["name"]): boolean {
  const missing = !LAUNCHERS.some((l) => l.name === name);
  if (missing && !required) {
    console.warn(
      `MPI tests for ${name} skipped: ${
        ALL.find((l) => l.name === name)!.path
      } is missing (apt-get install openmpi-bin mpich)`,
    );
  }
  return missing && !required;
}

/** Every known launcher, for tests that must run in CI whether installed or not. */
export const KNOWN: Launcher[] = ALL;

/** What a job printed and how it ended. */
export interface MpiRun {
  code: number;
  /** The JSON line of each rank, by rank. */
  ranks: Record<number, Record<string, unknown>>;
  stdout: string;
  stderr: string;
}

const deno = Deno.execPath();

/**
 * Runs `deno run -A <fixture> ...args` on `n` ranks under `launcher`, within `timeout`
 * (coreutils; a hang ends the job rather than the test run).
 */
export async function runMpi(
  launcher: Launcher,
  n: number,
  fixture: string | URL,
  args: string[] = [],
  options: { env?: Record<string, string>; cwd?: string; timeoutSeconds?: number } = {},
): Promise<MpiRun> {
  const path = fixture instanceof URL ? fixture.pathname : fixture;
  const out = await new Deno.Command("timeout", {
    args: [
      "-k",
      "10",
      String(options.timeoutSeconds ?? 240),
      launcher.path,
      ...launcher.flags,
      "-n",
      String(n),
      deno,
      "run",
      "-A",
      "--no-prompt",
      "--unstable-worker-options",
      path,
      ...args,
    ],
    env: { NO_COLOR: "1", UCX_DEBUG_SIGNO: "0", ...options.env },
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const ranks: MpiRun["ranks"] = {};
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const value = JSON.parse(line);
      if (typeof value.rank === "number") ranks[value.rank] = value;
    } catch {
      // not a rank's line
    }
  }
  return { code: out.code, ranks, stdout, stderr };
}
