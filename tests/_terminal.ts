// Running a command on a pseudo-terminal (util-linux `script`), for what only happens on a TTY.

/** Whether `script` is there; tests that need a terminal are skipped without it. */
export const hasScript: boolean = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

/** Runs a shell command line on a pseudo-terminal; resolves with its exit code and output. */
export async function runOnTerminal(
  command: string,
  cwd: string,
): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command("/usr/bin/script", {
    args: ["-qec", command, "/dev/null"],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}
