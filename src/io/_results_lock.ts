// Internal: one writer per results file. A run holds an OS lock (flock, through Deno's
// FsFile.tryLock) on `<results>.lock` beside the file for as long as it may write the file or
// its `.meta.json`; the lock file also records the holder's pid, for the message a second run
// gets. The OS drops the lock when its holder dies, however it dies (kill -9 included), so a
// lock file left behind blocks nothing. Holding the lock, a run also removes what an earlier
// run killed mid-rewrite left beside the file (its `.tmp` files).
import { dirname } from "node:path";
import { removeTemporaries } from "./_fs.ts";

/** The path of the lock file of a results file. */
export function resultsLockPath(path: string): string {
  return `${path}.lock`;
}

/** A held lock on a results file; `release` it when the run is over. */
export interface ResultsLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock of the results file `path` at once, or throws naming the file and, where the
 * lock file tells it, the pid of the process that holds it.
 */
export async function lockResults(path: string): Promise<ResultsLock> {
  await checkResultsDir(path);
  const lockPath = resultsLockPath(path);
  // A holder that releases removes its lock file; one who opened that file meanwhile holds a
  // lock on a file no longer at the path, so the lock counts only if the path still names it.
  for (let attempt = 0;; attempt++) {
    const file = await Deno.open(lockPath, { read: true, write: true, create: true });
    let locked = false;
    try {
      locked = await file.tryLock(true);
      if (!locked) {
        const holder = await readPid(lockPath);
        throw new Deno.errors.Busy(
          `Cannot write results to ${JSON.stringify(path)} as another run${
            holder ? ` (pid ${holder})` : ""
          } is writing it (it holds ${
            JSON.stringify(lockPath)
          }): wait for it to finish, stop it, or write to another file`,
        );
      }
      const [held, named] = await Promise.all([file.stat(), Deno.stat(lockPath).catch(() => null)]);
      if (named && named.ino === held.ino && named.dev === held.dev) {
        await file.truncate(0);
        await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
        await removeStrayTemps(path);
        const lock = file;
        let released = false;
        return {
          path: lockPath,
          release() {
            if (released) return;
            released = true;
            // Removed while still held: nobody can then take a lock on a file about to go.
            try {
              Deno.removeSync(lockPath);
            } catch {
              // already gone
            }
            lock.close();
          },
        };
      }
      if (attempt >= 10) {
        throw new Deno.errors.Busy(
          `Cannot write results to ${
            JSON.stringify(path)
          } as its lock file ${lockPath} keeps being replaced`,
        );
      }
    } catch (error) {
      file.close();
      throw error;
    }
    file.close();
  }
}

/** Throws, naming the results file, when its directory does not exist or is not a directory. */
export async function checkResultsDir(path: string): Promise<void> {
  const dir = dirname(path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new Deno.errors.NotFound(
      `Cannot write results to ${JSON.stringify(path)} as its directory ${
        JSON.stringify(dir)
      } does not exist`,
    );
  }
  if (!info.isDirectory) {
    throw new Deno.errors.NotADirectory(
      `Cannot write results to ${JSON.stringify(path)} as ${
        JSON.stringify(dir)
      } is not a directory`,
    );
  }
}

async function readPid(lockPath: string): Promise<number | undefined> {
  try {
    const text = (await Deno.readTextFile(lockPath)).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

// Temporary files of the results file and of its metadata file, named by the one rule every
// writer follows (temporaryPath in _fs.ts). Only the holder of the lock writes them, so any found
// now were left by a run that died mid-rewrite. (And of Parquet's stream, rewritten in row order
// before the file is written from it.)
function removeStrayTemps(path: string): Promise<void> {
  return removeTemporaries([path, `${path}.meta.json`, `${path}.partial.arrow`]);
}
