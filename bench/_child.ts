// Internal to the benchmarks: the arguments that run a benchmark module again as a fresh Deno
// process (its cases each run in their own process, so that start-up, JIT warm-up and peak RSS
// are those of a real run).

/** `deno run` arguments for the module at `url` with `args` after it. */
export function childArgs(url: string, ...args: string[]): string[] {
  return ["run", "-A", "--unstable-worker-options", "--no-prompt", new URL(url).pathname, ...args];
}
