// Internal: the summary a run prints: a table on stderr, or JSON with --json.
// It reads a SweepSummary: the same whether the sweep kept its rows (summarizeResult) or
// computed it as they streamed to disk (keepResult: false).
import type { ColumnSummary, SweepSummary } from "../sweep/sweep_summary.ts";
import { csvColumnNames } from "../io/_rows.ts";

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3)
    ? x.toExponential(3)
    : Number(x.toPrecision(4)).toString();
}

export function summaryTable(r: SweepSummary, where: string | undefined): string {
  const s = r.stats;
  const lines = [
    `${r.rows} points, ${s.succeeded} succeeded, ${s.failed} failed in ${
      (s.elapsedMs / 1000).toFixed(2)
    } s` +
    (s.resumed ? ` (${s.resumed} resumed from disk)` : "") +
    (r.seed !== undefined ? `, seed ${r.seed}` : ""),
  ];
  if (r.samples) {
    const { requested, found, drawn, rounds } = r.samples;
    lines.push(
      `recursive: ${found} of ${requested} successful samples found, ${drawn} drawn in ${rounds} round${
        rounds === 1 ? "" : "s"
      }`,
    );
  }
  // Outputs labelled as their CSV columns are: `outputs.x` beside a parameter `x`.
  const labels = csvColumnNames({
    extraNames: [],
    paramNames: r.paramNames,
    outputNames: r.outputNames,
  }).slice(r.paramNames.length, r.paramNames.length + r.outputNames.length);
  const rows = [
    ["", "min", "mean", "max"],
    ...r.paramNames.map((n) => [n, ...minMeanMax(r.params[n])]),
    ...r.outputNames.map((n, i) => [labels[i], ...minMeanMax(r.outputs[n])]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) {
    lines.push(
      "  " +
        row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(
          "  ",
        ),
    );
  }
  if (s.failed) lines.push(`first failure: ${r.firstError?.message}`);
  if (where) lines.push(`results: ${where}`);
  return lines.join("\n");
}

function minMeanMax({ min, mean, max, count }: ColumnSummary): string[] {
  return count ? [fmt(min), fmt(mean), fmt(max)] : ["-", "-", "-"];
}

export function summaryJson(r: SweepSummary, where: string | undefined): Record<string, unknown> {
  return {
    rows: r.rows,
    succeeded: r.stats.succeeded,
    failed: r.stats.failed,
    resumed: r.stats.resumed,
    elapsedMs: r.stats.elapsedMs,
    seed: r.seed ?? null,
    results: where ?? null,
    ...(r.samples ? { samples: r.samples } : {}),
    warnings: r.warnings,
    paramNames: r.paramNames,
    outputNames: r.outputNames,
    outputs: Object.fromEntries(r.outputNames.map((n) => {
      const { min, mean, max, count } = r.outputs[n];
      return [n, count ? { min, mean, max, count } : { count }];
    })),
  };
}
