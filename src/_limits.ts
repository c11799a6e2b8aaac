// Internal: the limits and lists that the library and the CLI both check, in one place, so that
// a sweep file, a flag and a library option are refused by the same rule with the same numbers.

/** Workers a pool may have: far beyond any machine's cores, short of exhausting threads. */
export const MAX_WORKERS = 1024;

/**
 * The longest time limit in milliseconds: timers take a signed 32-bit delay and fire at once
 * beyond it.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The most rows a sweep or a set of combinations may have: every row's values are held in
 * memory (parameters twice, outputs once), so a count beyond this is refused before anything is
 * allocated, rather than after minutes of paging.
 */
export const MAX_ROWS = 100_000_000;

/** The largest seed numpy's legacy seeding accepts, 2**32 - 1. */
export const MAX_SEED = 0xffffffff;

/** Deno's permission kinds, as a worker's permissions and the CLI's --allow-* flags name them. */
export const PERMISSION_KINDS = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "sys",
  "ffi",
  "import",
] as const;

/** A Deno permission kind. */
export type PermissionKind = typeof PERMISSION_KINDS[number];

/** The permission kinds whose grants are file-system paths (resolved like every other path). */
export const PATH_PERMISSION_KINDS: readonly PermissionKind[] = ["read", "write", "ffi"];

/** Whether `kind` is one of Deno's permission kinds. */
export function isPermissionKind(kind: string): kind is PermissionKind {
  return (PERMISSION_KINDS as readonly string[]).includes(kind);
}

/**
 * Distinct output names a sweep records. Each name is a column of every row (8 bytes a row in
 * memory, a field of every line on disk); a model that returns ever new keys (a generated name
 * per row) would otherwise make every row cost more than the last, and memory grow with names
 * times rows. A row whose outputs would pass the limit fails, naming it.
 */
export const MAX_OUTPUT_NAMES = 1024;

/** The largest sweep file the CLI reads: settings fit in far less; /dev/zero would never end. */
export const MAX_SWEEP_FILE_BYTES = 1 << 20;
