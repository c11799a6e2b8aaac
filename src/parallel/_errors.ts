// Internal: errors flattened for posting between threads, and raised again on the other side.
import { CHUNK_ERROR_NAMES, type ErrorInfo } from "./parallel_manager.ts";

/** Flattens any thrown value to `{ name, message, stack }`; never throws itself. */
export function toErrorInfo(error: unknown): ErrorInfo {
  try {
    if (error instanceof Error) {
      const stack = error.stack;
      return {
        name: String(error.name),
        message: String(error.message),
        ...(stack === undefined ? {} : { stack: String(stack) }),
      };
    }
  } catch {
    // A revoked Proxy (instanceof throws on it), a getter of name or message that throws:
    // described as a value below.
  }
  return { name: "Error", message: textOf(error) };
}

// String(value), or what Object.prototype.toString says of a value that String cannot convert
// (an object without a prototype, or whose toString throws), or a plain word for one that
// neither can (a revoked Proxy): a thrown value is never a reason to fail more than its own row.
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "a value that cannot be described (a revoked Proxy?)";
    }
  }
}

/**
 * A chunk's error when `doBuild` failed: named as the pool names it (`BuildError`), with the
 * original name in the message, so that every manager reports it alike.
 */
export function buildFailure(error: unknown): ErrorInfo {
  const info = toErrorInfo(error);
  return {
    name: CHUNK_ERROR_NAMES.buildFailed,
    message: `${info.name}: ${info.message}`,
    stack: info.stack,
  };
}

/** A chunk's error when the scatter was aborted, whatever the reason: `AbortError`. */
export function abortFailure(reason: unknown): ErrorInfo {
  const info = toErrorInfo(reason);
  return { name: CHUNK_ERROR_NAMES.aborted, message: info.message, stack: info.stack };
}

/** An error raised from an {@linkcode ErrorInfo} that crossed a thread; keeps the original name. */
export class RemoteError extends Error {
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
    if (info.stack) this.stack = info.stack;
  }
}
