/**
 * What the main thread's check of a worker's encoded rows costs (issue 11), beside what encoding
 * them cost the worker, for 10,000-row chunks of a 2-parameter grid and 3 outputs, CPU time per
 * row, in one process:
 *
 * ```sh
 * deno run -A bench/chunk_check.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodeBatch } from "../src/io/_rows.ts";
import { checkChunkOutput } from "../src/sweep/_check_chunk.ts";

const n = 10_000;
const REPEAT = 50;
const paramNames = ["x", "y"];
const names = ["a", "b", "c"];
const params = new Float64Array(n * 2).map((_, i) => (i % 1000) / 999);
const values = names.map(() => new Float64Array(n).map((_, i) => Math.cos(i)));
const outputs = new Float64Array(n * 3);
for (let r = 0; r < n; r++) for (let c = 0; c < 3; c++) outputs[r * 3 + c] = values[c][r];
const success = new Uint8Array(n).fill(1);
const index = new Float64Array(n).map((_, i) => i);
const header = { extraNames: [], paramNames, outputNames: names };
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

console.log("format  encode us/row  check us/row  ratio");
for (const format of ["csv", "jsonl"] as const) {
  const batch = { rows: n, params, outputs, success, errors: new Array(n) };
  let t = cpu();
  let bytes: Uint8Array = new Uint8Array(0);
  for (let k = 0; k < REPEAT; k++) bytes = encodeBatch(format, header, batch);
  const encode = (cpu() - t) / (REPEAT * n);
  const out = { index, names, firstNames: names, values, success, errors: [], [format]: bytes };
  const expect = { index, paramNames, params, outputs: undefined, encode: [format] };
  t = cpu();
  for (let k = 0; k < REPEAT; k++) {
    const why = checkChunkOutput(out, expect);
    if (why) throw new Error(why);
  }
  const check = (cpu() - t) / (REPEAT * n);
  console.log(
    `${format.padEnd(7)} ${encode.toFixed(3).padStart(13)} ${check.toFixed(3).padStart(13)} ${
      (check / encode).toFixed(2).padStart(6)
    }`,
  );
}
