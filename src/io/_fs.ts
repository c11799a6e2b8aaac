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

/** Flushes a directory's entries (a file created or renamed in it) to the disk, where possible. */
export async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some file systems cannot sync directories; the file's own data is flushed regardless.
  }
}
