// The parts of a SweepResult that must not depend on the manager or the number of workers (no
// timings), as plain arrays that assertEquals can compare and that can cross threads.
import type { SweepResult, SweepSummary } from "../mod.ts";

/** A SweepResult without timings, with typed arrays as plain arrays. */
export interface PlainResult {
  paramNames: readonly string[];
  outputNames: readonly string[];
  params: Record<string, number[]>;
  outputs: Record<string, number[]>;
  success: number[];
  errors: [number, string][];
  rows: number;
  seed: number | undefined;
  succeeded: number;
  failed: number;
  nominalIndex: number[] | undefined;
  differentialIndex: number[] | undefined;
}

/** Converts a SweepResult to a {@linkcode PlainResult}. */
export function plainResult(r: SweepResult): PlainResult {
  return {
    paramNames: r.paramNames,
    outputNames: r.outputNames,
    params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, [...v]])),
    outputs: Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, [...v]])),
    success: [...r.success],
    errors: [...r.errors],
    rows: r.rows,
    seed: r.seed,
    succeeded: r.stats.succeeded,
    failed: r.stats.failed,
    nominalIndex: r.nominalIndex ? [...r.nominalIndex] : undefined,
    differentialIndex: r.differentialIndex ? [...r.differentialIndex] : undefined,
  };
}

/** SHA-256 of a result's {@linkcode PlainResult} as JSON: the same rows, outcomes and messages. */
export async function resultDigest(r: SweepResult): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(plainResult(r)));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A summary's digest, without what depends on timing (elapsed time, rows a second) or on where a
 * run stopped (stacks are of the rows computed).
 */
export async function summaryDigest(s: SweepSummary): Promise<string> {
  const { elapsedMs: _e, rowsPerSecond: _r, ...stats } = s.stats;
  const plain = { ...s, stats, stacks: [...(s.stacks ?? [])].map(([row]) => row) };
  // Keys in one order, whichever way the summary was made.
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : typeof v === "object" && v !== null
      ? Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      )
      : v;
  const bytes = new TextEncoder().encode(JSON.stringify(sorted(plain)));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
