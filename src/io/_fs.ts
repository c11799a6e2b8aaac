// Internal: small file-system helpers shared by the writers, the sweep and the CLI.

/** Whether something (a file, a directory, a link) exists at `path`; other errors are thrown. */
export async function pathExists(path: string | URL): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
