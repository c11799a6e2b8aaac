// Internal: the worker pool's options, what each means and its default, and the one place they
// are checked and resolved into the settings the pool runs with.
import { describe, knownKeys, positiveInteger, positiveNumber } from "../_describe.ts";
import { POOL_DEFAULTS } from "../_defaults.ts";
import { MAX_TIMEOUT_MS, MAX_WORKERS } from "../_limits.ts";
import {
  detectWorkerOptions,
  promptsDisabled,
  promptsPossibleMessage,
  workerOptionsMissingMessage,
  type WorkerPermissions,
} from "./_permissions.ts";

/**
 * Options of {@linkcode DenoWorkerManager}.
 *
 * @example Options checked at construction
 * ```ts
 * import { DenoWorkerManager, type DenoWorkerManagerOptions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * const options: DenoWorkerManagerOptions = { workers: 0 };
 * assert.throws(() => new DenoWorkerManager(options), /'workers' must be a positive integer/);
 * ```
 */
export interface DenoWorkerManagerOptions {
  /** Number of workers in the pool. @default {navigator.hardwareConcurrency} */
  readonly workers?: number;
  /**
   * Deno permissions the workers get. Workers always get read access to the
   * directories of the modules they import, and nothing else unless granted
   * here; asking for more than this process has throws `NotCapable`.
   * @default {"none"}
   */
  readonly permissions?: WorkerPermissions;
  /**
   * Time limit of one chunk in milliseconds, counted once its worker has built the model; a
   * chunk over it is reported as timed out and its worker replaced.
   * @default {Infinity}
   */
  readonly timeout?: number;
  /**
   * With a `timeout`, how long a worker may take to build the model before its chunk is
   * reported as timed out (a build that never ends would otherwise hold the sweep).
   * @default {the longer of 60 s and 10 times `timeout`}
   */
  readonly buildTimeout?: number;
  /**
   * How often a row whose worker died is retried before it is reported failed (a chunk of
   * several rows is first split into single rows), and how often a worker may die while
   * building the model before the build is reported failed.
   * @default {2}
   */
  readonly maxRetries?: number;
  /**
   * Rows per chunk. When unset, chunks adapt to the measured cost of rows so
   * that each takes about `chunkTargetMs` and the tail stays balanced.
   * @default {undefined}
   */
  readonly chunkSize?: number;
  /** What adaptive chunks aim to take, in milliseconds. @default {5} */
  readonly chunkTargetMs?: number;
  /**
   * Skip the check that Deno's `worker-options` unstable feature is enabled.
   * Only set it when you enable the feature in a way psweep cannot see: without
   * the feature, Deno ends the process (exit code 70) when a worker starts.
   * @default {false}
   */
  readonly assumeWorkerOptions?: boolean;
  /**
   * Skip the check that no worker can prompt for a permission. Workers prompt
   * on a terminal unless Deno runs with `--no-prompt` (or `DENO_NO_PROMPT`),
   * even under `-A`; only set this when prompts are off in a way psweep cannot see.
   * @default {false}
   */
  readonly assumeNoPrompt?: boolean;
}

/** The pool's options, checked, with every default filled in. */
export interface PoolSettings {
  readonly workers: number;
  readonly permissions: WorkerPermissions | undefined;
  readonly timeout: number;
  readonly buildTimeout: number;
  readonly maxRetries: number;
  readonly chunkSize: number | undefined;
  readonly chunkTargetMs: number;
}

const POOL = "create a worker pool";

/**
 * Checks `options` and this process (Deno's `worker-options` feature, prompts) and fills in the
 * defaults. The permissions themselves are checked where workers are made (`_worker_slots.ts`).
 */
export function poolSettings(options: DenoWorkerManagerOptions): PoolSettings {
  knownKeys(POOL, options, POOL_OPTION_KEYS);
  const workers = options.workers ?? navigator.hardwareConcurrency;
  positiveInteger(POOL, "workers", workers);
  if (workers > MAX_WORKERS) {
    throw new RangeError(
      `Cannot create a worker pool as 'workers' must be at most ${MAX_WORKERS}: current value is ${workers}`,
    );
  }
  const timeout = options.timeout ?? POOL_DEFAULTS.timeout;
  timeLimit("timeout", timeout);
  const buildTimeout = options.buildTimeout ??
    Math.min(MAX_TIMEOUT_MS, Math.max(60_000, 10 * timeout));
  timeLimit("buildTimeout", buildTimeout);
  const maxRetries = options.maxRetries ?? POOL_DEFAULTS.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(
      `Cannot create a worker pool as 'maxRetries' must be a non-negative integer: current value is ${
        describe(maxRetries)
      }`,
    );
  }
  if (options.chunkSize !== undefined) positiveInteger(POOL, "chunkSize", options.chunkSize);
  const chunkTargetMs = positiveNumber(
    POOL,
    "chunkTargetMs",
    options.chunkTargetMs ?? POOL_DEFAULTS.chunkTargetMs,
  );
  // "false" would be true: a check skipped that the caller meant to keep.
  for (const field of ["assumeWorkerOptions", "assumeNoPrompt"] as const) {
    const value = options[field];
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(
        `Cannot create a worker pool as '${field}' must be true or false: current value is ${
          describe(value)
        }`,
      );
    }
  }
  if (!options.assumeWorkerOptions && detectWorkerOptions() === undefined) {
    throw new Error(workerOptionsMissingMessage());
  }
  if (!options.assumeNoPrompt && !promptsDisabled()) {
    throw new Error(promptsPossibleMessage());
  }
  return {
    workers,
    permissions: options.permissions,
    timeout,
    buildTimeout,
    maxRetries,
    chunkSize: options.chunkSize,
    chunkTargetMs,
  };
}

// Timers hold at most 2**31 - 1 ms; a longer one would fire at once.
function timeLimit(field: string, value: unknown): void {
  if (
    typeof value !== "number" || !(value > 0) || (value > MAX_TIMEOUT_MS && value !== Infinity)
  ) {
    throw new RangeError(
      `Cannot create a worker pool as '${field}' must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, or Infinity for none: current value is ${
        describe(value)
      }`,
    );
  }
}

// Every option of DenoWorkerManagerOptions, as the compiler checks: a key outside them is a mistake.
const POOL_OPTION_FIELDS: Record<keyof DenoWorkerManagerOptions, true> = {
  workers: true,
  permissions: true,
  timeout: true,
  buildTimeout: true,
  maxRetries: true,
  chunkSize: true,
  chunkTargetMs: true,
  assumeWorkerOptions: true,
  assumeNoPrompt: true,
};
/** The keys a pool's options may have (managers that make a pool add their own). */
export const POOL_OPTION_KEYS: readonly string[] = Object.keys(POOL_OPTION_FIELDS);
