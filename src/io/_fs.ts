// Internal: small file-system helpers shared by the writers, the sweep and the CLI.

import { basename, dirname, join } from "node:path";

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

/**
 * The one naming rule of temporary files: a writer that replaces `path` fills
 * `.<name>.<12 hex digits>.tmp` beside it, then renames it over `path`. The cleanup of files left
 * by a run killed mid-rewrite ({@linkcode isTemporaryOf}) knows them by this name alone.
 */
export function temporaryPath(path: string): string {
  const random = crypto.getRandomValues(new Uint8Array(6));
  const suffix = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

/** Whether the directory entry `entry` is a temporary file of the file named `name` (see temporaryPath). */
export function isTemporaryOf(entry: string, name: string): boolean {
  const m = /^\.(.*)\.[0-9a-f]{12}\.tmp$/.exec(entry);
  return m !== null && m[1] === name;
}

/**
 * Removes the temporary files (see temporaryPath) of each of `paths`, all in one directory: what
 * a run killed mid-rewrite left. Only for a caller that alone may write those files now (it holds
 * their results file's lock). An unreadable directory is left for the write itself to report.
 */
export async function removeTemporaries(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const dir = dirname(paths[0]);
  const names = paths.map((path) => basename(path));
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      if (names.some((name) => isTemporaryOf(entry.name, name))) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
  } catch {
    // An unreadable directory: the write itself will say so.
  }
}

/** Where a batch of rows lies in a file: its first byte and its length. */
export interface ByteRange {
  readonly offset: number;
  readonly bytes: number;
}

/**
 * A file's bytes with its batches in the given order: what precedes the first batch (a CSV
 * header, an Arrow schema), then each batch as it was written, then `tail` (an Arrow stream's
 * end marker). One batch is in memory at a time.
 */
export async function* blockBytes(
  path: string,
  blocks: readonly ByteRange[],
  tail?: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const start = blocks.reduce((m, b) => Math.min(m, b.offset), Infinity);
  using file = await Deno.open(path, { read: true });
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const out = new Uint8Array(length);
    await file.seek(offset, Deno.SeekMode.Start);
    for (let at = 0; at < length;) {
      const n = await file.read(out.subarray(at));
      if (n === null) throw new Error(`Cannot reorder ${JSON.stringify(path)}: it ended early`);
      at += n;
    }
    return out;
  };
  if (start > 0 && Number.isFinite(start)) yield await read(0, start);
  for (const b of blocks) yield await read(b.offset, b.bytes);
  if (tail) yield tail;
}
