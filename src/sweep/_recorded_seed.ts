// Internal: the seed a resumed sweep draws with when it is given none: the one its file recorded.
import { readSweepMeta } from "../io/resume.ts";

/** The seed in the metadata of the first of `paths` that has one, if any. */
export async function recordedSeed(
  paths: readonly (string | undefined)[],
): Promise<number | undefined> {
  for (const path of paths) {
    if (path === undefined) continue;
    try {
      const seed = (await readSweepMeta(path)).seed;
      if (typeof seed === "number") return seed;
    } catch {
      // No metadata (or none readable): the resume itself reports what is wrong.
    }
  }
  return undefined;
}
