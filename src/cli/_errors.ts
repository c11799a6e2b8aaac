// Internal: errors the CLI shows as one line and turns into an exit code.

/** A mistake in how the CLI was called or configured: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A run that did not succeed: exit code 1. */
export class RunError extends Error {
  override name = "RunError";
}
