// Internal: errors flattened for posting between threads, and raised again on the other side.
import type { ErrorInfo } from "./parallel_manager.ts";

/** Flattens any thrown value to `{ name, message, stack }`. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error) };
}

/** An error raised from an {@linkcode ErrorInfo} that crossed a thread; keeps the original name. */
export class RemoteError extends Error {
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
    if (info.stack) this.stack = info.stack;
  }
}
