/**
 * Progress of a sweep: counts, rate and time left, reported at a bounded
 * frequency, and formatted as a terminal progress bar or a plain log line.
 *
 * @module
 */

import { describe } from "../_describe.ts";

/**
 * A snapshot of a sweep's progress.
 *
 * @example Usage
 * ```ts
 * import { type Progress } from "@x/psweep";
 * import { formatProgressLine } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const progress: Progress = { done: 1000, failed: 0, total: 1000, rate: 83.3, etaMs: 0, elapsedMs: 12000 };
 * // Once every row is done, the line shows the time taken instead of an ETA.
 * assert.equal(formatProgressLine(progress, { width: 4 }), "[####] 1000/1000 83/s in 0:12");
 * ```
 */
export interface Progress {
  /** Rows finished, successful or failed (including rows done before a resume). */
  readonly done: number;
  /** Rows among `done` that failed. */
  readonly failed: number;
  /** Rows the whole sweep has. */
  readonly total: number;
  /** Rows per second finished since the tracker started (rows done before a resume excluded). */
  readonly rate: number;
  /** Estimated milliseconds left: 0 when done, `Infinity` while unknown. */
  readonly etaMs: number;
  /** Milliseconds since the tracker started. */
  readonly elapsedMs: number;
}

/**
 * Options of {@linkcode ProgressTracker}.
 *
 * @example Usage
 * ```ts
 * import { ProgressTracker, type ProgressTrackerOptions } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * let t = 0;
 * const seen: number[] = [];
 * // Resuming a sweep of 100 rows with 40 done, 2 of them failed.
 * const options: ProgressTrackerOptions = {
 *   done: 40,
 *   failed: 2,
 *   intervalMs: 1000,
 *   now: () => t,
 *   onProgress: (p) => seen.push(p.done),
 * };
 * const tracker = new ProgressTracker(100, options);
 * t = 500;
 * tracker.add(10); // the first rows report at once
 * t = 1000;
 * tracker.add(10); // only 500 ms later: no report
 * assert.deepEqual(seen, [50]);
 * const p = tracker.progress;
 * assert.equal(p.failed, 2);
 * assert.equal(p.rate, 20); // the 40 rows done before the resume are not counted
 * assert.equal(p.etaMs, 2000);
 * ```
 */
export interface ProgressTrackerOptions {
  /**
   * Least milliseconds between two reports from {@linkcode ProgressTracker.add}.
   *
   * @default {200}
   */
  readonly intervalMs?: number;
  /**
   * Receives the reports.
   *
   * @default {undefined (no reports; read `progress` instead)}
   */
  readonly onProgress?: (progress: Progress) => void;
  /**
   * Clock in milliseconds, e.g. a fake one in tests.
   *
   * @default {performance.now}
   */
  readonly now?: () => number;
  /**
   * Rows already done when the tracker starts, e.g. when resuming.
   *
   * @default {0}
   */
  readonly done?: number;
  /**
   * Rows among `done` that had failed.
   *
   * @default {0}
   */
  readonly failed?: number;
}

function checkCount(value: unknown, field: string, action: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot ${action} as '${field}' must be a non-negative integer: current value is ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Tracks a sweep's progress and reports it: at the first rows, then at most
 * every `intervalMs` milliseconds, plus once at {@linkcode ProgressTracker.finish}.
 *
 * It uses no timers: the clock is read when rows are added, so nothing
 * outlives the tracker and a stalled sweep produces no reports.
 *
 * @example Usage
 * ```ts
 * import { type Progress } from "@x/psweep";
 * import { ProgressTracker } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * let t = 0;
 * const reports: Progress[] = [];
 * const tracker = new ProgressTracker(100, { now: () => t, onProgress: (p) => reports.push(p) });
 * t = 100;
 * tracker.add(10); // the first rows report at once
 * t = 250;
 * tracker.add(15, 1); // only 150 ms later: no report
 * t = 500;
 * tracker.add(75); // reported
 * tracker.finish();
 * assert.deepEqual(reports.map((p) => [p.done, p.failed]), [[10, 0], [100, 1], [100, 1]]);
 * assert.equal(reports[0].rate, 100); // 10 rows in 0.1 s
 * assert.equal(reports[0].etaMs, 900);
 * ```
 */
export class ProgressTracker {
  readonly #total: number;
  readonly #interval: number;
  readonly #onProgress?: (progress: Progress) => void;
  readonly #now: () => number;
  readonly #start: number;
  readonly #initialDone: number;
  #done: number;
  #failed: number;
  #lastReport: number;
  #finished = false;

  /**
   * Starts tracking; the clock starts now.
   *
   * @param total Rows the whole sweep has.
   * @param options Report interval, callback, clock and rows already done.
   * @throws {RangeError} When a count is not a non-negative integer, `failed` exceeds `done`, `done` exceeds `total`, or `intervalMs` is negative.
   */
  constructor(total: number, options: ProgressTrackerOptions = {}) {
    const action = "track progress";
    this.#total = checkCount(total, "total", action);
    const { intervalMs = 200, onProgress, now = () => performance.now() } = options;
    if (typeof intervalMs !== "number" || !(intervalMs >= 0)) {
      throw new RangeError(
        `Cannot ${action} as 'intervalMs' must be a non-negative number: current value is ${
          describe(intervalMs)
        }`,
      );
    }
    if (onProgress !== undefined && typeof onProgress !== "function") {
      throw new TypeError(
        `Cannot ${action} as 'onProgress' must be a function: current value is ${
          describe(onProgress)
        }`,
      );
    }
    this.#done = checkCount(options.done ?? 0, "done", action);
    this.#failed = checkCount(options.failed ?? 0, "failed", action);
    if (this.#failed > this.#done || this.#done > this.#total) {
      throw new RangeError(
        `Cannot ${action} as 'failed' <= 'done' <= 'total' must hold: current value is ${this.#failed}, ${this.#done}, ${this.#total}`,
      );
    }
    this.#initialDone = this.#done;
    this.#interval = intervalMs;
    this.#onProgress = onProgress;
    this.#now = now;
    this.#start = now();
    // The first rows report at once, so that a run shows life (and callers learn rows are on disk)
    // without waiting a whole interval; after that, at most one report per interval.
    this.#lastReport = -Infinity;
  }

  /**
   * Counts finished rows, and reports progress when at least `intervalMs` has
   * passed since the last report (or the start). Ignored after
   * {@linkcode ProgressTracker.finish}.
   *
   * @param done Rows just finished, successful or failed.
   * @param failed How many of them failed.
   * @throws {RangeError} When a count is not a non-negative integer or `failed` exceeds `done`.
   *
   * @example Usage
   * ```ts
   * import { ProgressTracker } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * const tracker = new ProgressTracker(10);
   * tracker.add(4, 1);
   * assert.equal(tracker.progress.done, 4);
   * assert.equal(tracker.progress.failed, 1);
   * ```
   */
  add(done: number, failed = 0): void {
    checkCount(done, "done", "add progress");
    checkCount(failed, "failed", "add progress");
    if (failed > done) {
      throw new RangeError(
        `Cannot add progress as 'failed' must not exceed 'done': current value is ${failed}, expected at most ${done}`,
      );
    }
    if (this.#finished) return;
    if (this.#done + done > this.#total) {
      throw new RangeError(
        `Cannot add progress as 'done' would pass the total: current value is ${done}, expected at most ${
          this.#total - this.#done
        }`,
      );
    }
    this.#done += done;
    this.#failed += failed;
    const now = this.#now();
    if (now - this.#lastReport >= this.#interval) {
      this.#lastReport = now;
      this.#onProgress?.(this.#snapshot(now));
    }
  }

  /**
   * Reports the final progress once; later calls, and later
   * {@linkcode ProgressTracker.add} calls, do nothing.
   *
   * @example Usage
   * ```ts
   * import { ProgressTracker } from "@x/psweep/io";
   * import assert from "node:assert/strict";
   *
   * let reports = 0;
   * const tracker = new ProgressTracker(2, { onProgress: () => reports++ });
   * tracker.finish();
   * tracker.finish();
   * assert.equal(reports, 1);
   * ```
   */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const now = this.#now();
    this.#lastReport = now;
    this.#onProgress?.(this.#snapshot(now));
  }

  /** The progress now (reads the clock; reports nothing). */
  get progress(): Progress {
    return this.#snapshot(this.#now());
  }

  #snapshot(now: number): Progress {
    const elapsedMs = Math.max(0, now - this.#start);
    const added = this.#done - this.#initialDone;
    const rate = elapsedMs > 0 ? added / (elapsedMs / 1000) : 0;
    const left = Math.max(0, this.#total - this.#done);
    const etaMs = left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : Infinity;
    return {
      done: this.#done,
      failed: this.#failed,
      total: this.#total,
      rate,
      etaMs,
      elapsedMs,
    };
  }
}

/**
 * Options of {@linkcode formatProgressLine}.
 *
 * @example Usage
 * ```ts
 * import { type FormatProgressOptions, formatProgressLine } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const p = { done: 0, failed: 0, total: 50, rate: 0, etaMs: Infinity, elapsedMs: 0 };
 * const options: FormatProgressOptions = { style: "plain" };
 * assert.equal(formatProgressLine(p, options), "0/50 rows (0%), 0.0 rows/s, ETA ?");
 * assert.throws(() => formatProgressLine(p, { width: 0 }), RangeError);
 * ```
 */
export interface FormatProgressOptions {
  /**
   * Characters inside the bar's brackets.
   *
   * @default {20}
   */
  readonly width?: number;
  /**
   * `"bar"` for a terminal line with a bar; `"plain"` for a log line without one.
   *
   * @default {"bar"}
   */
  readonly style?: "bar" | "plain";
}

/**
 * Formats a rate in rows per second: `0.5`, `12`, `340`, `1.2k`, `45k`, `1.5M`.
 *
 * @param rate Rows per second.
 */
function formatRate(rate: number): string {
  if (!Number.isFinite(rate) || rate < 0) return "?";
  const scaled = (x: number, unit: string) =>
    (x < 10 ? x.toFixed(1) : Math.round(x).toString()) + unit;
  if (rate < 10) return rate.toFixed(1);
  if (rate < 1000) return Math.round(rate).toString();
  if (rate < 999_500) return scaled(rate / 1000, "k");
  return scaled(rate / 1e6, "M");
}

/** Formats milliseconds as `m:ss` or `h:mm:ss` (rounded up to whole seconds). */
function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const seconds = Math.ceil(ms / 1000);
  const s = seconds % 60;
  const m = Math.floor(seconds / 60) % 60;
  const h = Math.floor(seconds / 3600);
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Formats progress as one line of text.
 *
 * The bar style reads `[##########..........] 500/1000 (3 failed) 1.2k/s ETA 0:04`;
 * the plain style, for logs, reads `500/1000 rows (50%), 3 failed, 1.2k rows/s, ETA 0:04`.
 * The failed count appears only when rows failed; once every row is done,
 * the ETA gives way to the time taken (`in 0:12`), and an unknown ETA shows as `?`.
 *
 * @param progress The progress, e.g. from {@linkcode ProgressTracker}.
 * @param options Bar width and style.
 * @returns The line, without a line break.
 * @throws {RangeError} When `width` is not a positive integer.
 * @throws {TypeError} When `style` is neither `"bar"` nor `"plain"`.
 *
 * @example Usage
 * ```ts
 * import { formatProgressLine } from "@x/psweep/io";
 * import assert from "node:assert/strict";
 *
 * const p = { done: 500, failed: 3, total: 1000, rate: 1200, etaMs: 4000, elapsedMs: 417 };
 * assert.equal(formatProgressLine(p, { width: 10 }), "[#####.....] 500/1000 (3 failed) 1.2k/s ETA 0:04");
 * assert.equal(
 *   formatProgressLine(p, { style: "plain" }),
 *   "500/1000 rows (50%), 3 failed, 1.2k rows/s, ETA 0:04",
 * );
 * ```
 */
export function formatProgressLine(
  progress: Progress,
  options: FormatProgressOptions = {},
): string {
  const { width = 20, style = "bar" } = options;
  if (!Number.isSafeInteger(width) || width <= 0) {
    throw new RangeError(
      `Cannot format progress as 'width' must be a positive integer: current value is ${
        describe(width)
      }`,
    );
  }
  if (style !== "bar" && style !== "plain") {
    throw new TypeError(
      `Cannot format progress as 'style' must be "bar" or "plain": current value is ${
        describe(style)
      }`,
    );
  }
  const { done, failed, total, rate, etaMs, elapsedMs } = progress;
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const time = done >= total ? `in ${formatDuration(elapsedMs)}` : `ETA ${formatDuration(etaMs)}`;
  if (style === "plain") {
    const percent = Math.floor(fraction * 100);
    const failedText = failed > 0 ? `, ${failed} failed` : "";
    return `${done}/${total} rows (${percent}%)${failedText}, ${formatRate(rate)} rows/s, ${time}`;
  }
  const filled = Math.floor(fraction * width);
  const bar = "#".repeat(filled) + ".".repeat(width - filled);
  const failedText = failed > 0 ? ` (${failed} failed)` : "";
  return `[${bar}] ${done}/${total}${failedText} ${formatRate(rate)}/s ${time}`;
}
