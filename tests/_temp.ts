// A temporary directory for a test, removed afterwards whatever the test did.

/** Runs `fn` with a fresh temporary directory, then removes it. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "psweep_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
