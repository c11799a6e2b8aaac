/**
 * Memory of Parquet's final write (issue 14), side by side in one run:
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/parquet_memory.ts [rows...]
 * ```
 *
 * A sweep that writes `.parquet` streams its rows to `<file>.partial.arrow` and writes the
 * Parquet file at the end. Three ways of writing that file, each in a fresh process at each size
 * (default 250,000, 1,000,000 and 2,000,000 rows of 3 parameters and 3 outputs, 1 in 13 failed):
 *
 * - `whole buffer`: what psweep did before: every column copied out of the table, then
 *   hyparquet-writer's `parquetWriteBuffer` encodes the whole table into one buffer, written at
 *   once.
 * - `row groups from table`: psweep's `finalize` (used after a resume or rows written out of
 *   order): each row group's columns copied out of the table, encoded and written in turn.
 * - `row groups from stream`: psweep's `finalizeFromStream` (a run that wrote its rows in order):
 *   the partial Arrow stream read a record batch at a time, regrouped, encoded and written.
 *
 * Each process holds the table (a sweep holds its result) and has streamed it to the partial
 * file; after a full GC it takes its RSS, resets the kernel's peak (`/proc/self/clear_refs`),
 * writes the file, and reads the peak again (`VmHWM`). The figure is that peak over the RSS
 * before: what the final write adds; median and range of 3 processes. It also checks that the
 * three files are the same bytes.
 *
 * @module
 */

import zlib from "node:zlib";
import { parquetWriteBuffer } from "npm:hyparquet-writer@0.17.0";
import { parquetFormat, partialPath } from "../src/io/_parquet.ts";
import { ARROW_META_KEY } from "../src/io/_arrow.ts";
import { columnNames } from "../src/io/_results_format.ts";
import { normalizeHeader } from "../src/io/_rows.ts";
import { writeFileAtomic } from "../src/io/atomic.ts";
import { RESULTS_FILE_DEFAULTS } from "../src/_defaults.ts";
import type { RowTable } from "../src/io/row_types.ts";

// Fresh processes per cell: the peak depends on when V8 collects, so the median and the range.
const REPEATS = 3;
const VARIANTS = ["whole buffer", "row groups from table", "row groups from stream"] as const;
type Variant = typeof VARIANTS[number];

function statusMb(field: "VmHWM" | "VmRSS"): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
}

function makeTable(rows: number): RowTable {
  const params = new Float64Array(rows * 3);
  const outputs = new Float64Array(rows * 3);
  const success = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const ok = r % 13 !== 0;
    success[r] = ok ? 1 : 0;
    for (let j = 0; j < 3; j++) {
      params[r * 3 + j] = (r * (j + 1)) / 1e3;
      outputs[r * 3 + j] = ok ? Math.sin(r + j) * 1e3 : NaN;
    }
  }
  return {
    paramNames: ["a", "b", "c"],
    outputNames: ["x", "y", "z"],
    rows,
    params,
    outputs,
    success,
  };
}

/** psweep's final write before: the whole table encoded into one buffer. */
async function wholeBuffer(path: string, table: RowTable): Promise<void> {
  const names = normalizeHeader(table, "bench");
  const columnName = columnNames(names);
  const n = table.rows;
  const column = (m: Float64Array, w: number, j: number) => {
    const out = new Float64Array(n);
    for (let r = 0, at = j; r < n; r++, at += w) out[r] = m[at];
    return out;
  };
  const success: boolean[] = new Array(n);
  for (let r = 0; r < n; r++) success[r] = table.success[r] === 1;
  const doubles = (name: string, data: Float64Array) => ({
    name,
    data,
    type: "DOUBLE" as const,
    nullable: false,
    encoding: "PLAIN" as const,
  });
  const buffer = parquetWriteBuffer({
    codec: "ZSTD",
    compressors: { ZSTD: (b: Uint8Array) => new Uint8Array(zlib.zstdCompressSync(b)) },
    rowGroupSize: RESULTS_FILE_DEFAULTS.parquet.rowGroupRows,
    kvMetadata: [{ key: ARROW_META_KEY, value: JSON.stringify(names) }],
    columnData: [
      ...[0, 1, 2].map((j) => doubles(columnName[j], column(table.params, 3, j))),
      ...[0, 1, 2].map((j) => doubles(columnName[3 + j], column(table.outputs, 3, j))),
      { name: "success", data: success, type: "BOOLEAN" as const, nullable: false },
    ],
  });
  await writeFileAtomic(path, new Uint8Array(buffer), { overwrite: true });
}

async function child(variant: Variant, rows: number, dir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const table = makeTable(rows);
  const path = `${dir}/${variant.replaceAll(" ", "_")}.parquet`;
  const writer = await parquetFormat.open(path, table, { overwrite: true });
  for (let from = 0; from < rows; from += 10_000) {
    const n = Math.min(10_000, rows - from);
    await writer.write({
      rows: n,
      params: table.params.subarray(from * 3, (from + n) * 3),
      outputs: table.outputs.subarray(from * 3, (from + n) * 3),
      success: table.success.subarray(from, from + n),
    });
  }
  await writer.close();
  gc();
  const before = statusMb("VmRSS");
  Deno.writeTextFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
  const start = performance.now();
  if (variant === "whole buffer") await wholeBuffer(path, table);
  else if (variant === "row groups from table") await parquetFormat.finalize(path, table);
  else await parquetFormat.finalizeFromStream!(path, table, rows);
  const ms = performance.now() - start;
  const peak = statusMb("VmHWM");
  await Deno.remove(partialPath(path)).catch(() => {});
  console.log(JSON.stringify({ before, peak, ms, size: (await Deno.stat(path)).size }));
}

async function main(): Promise<void> {
  const sizes = Deno.args.length ? Deno.args.map(Number) : [250_000, 1_000_000, 2_000_000];
  const dir = await Deno.makeTempDir({ prefix: "psweep-parquet-mem-" });
  try {
    console.log(
      `| rows | ${
        VARIANTS.map((v) => `${v}: added peak RSS MB, median (range); median time`).join(" | ")
      } | file MB |`,
    );
    console.log(`| ---: | ${VARIANTS.map(() => "---:").join(" | ")} | ---: |`);
    for (const rows of sizes) {
      const cells: string[] = [];
      let size = 0;
      const files: Uint8Array[] = [];
      for (const variant of VARIANTS) {
        const added: number[] = [];
        const times: number[] = [];
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          const out = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--v8-flags=--expose-gc",
              import.meta.filename!,
              "--child",
              variant,
              String(rows),
              dir,
            ],
            stderr: "inherit",
          }).output();
          if (!out.success) throw new Error(`child ${variant} ${rows} failed`);
          const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
          added.push(r.peak - r.before);
          times.push(r.ms);
          size = r.size;
        }
        const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
        const [a, t] = [sorted(added), sorted(times)];
        cells.push(
          `${a[a.length >> 1].toFixed(0)} (${a[0].toFixed(0)}-${a.at(-1)!.toFixed(0)}), ${
            t[t.length >> 1].toFixed(0)
          } ms`,
        );
        files.push(await Deno.readFile(`${dir}/${variant.replaceAll(" ", "_")}.parquet`));
      }
      const same = files.every((f) =>
        f.length === files[0].length && f.every((b, i) => b === files[0][i])
      );
      if (!same) throw new Error(`the three files of ${rows} rows differ`);
      console.log(
        `| ${rows.toLocaleString("en-US")} | ${cells.join(" | ")} | ${
          (size / 2 ** 20).toFixed(1)
        } |`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1] as Variant, Number(Deno.args[2]), Deno.args[3]);
} else {
  await main();
}
