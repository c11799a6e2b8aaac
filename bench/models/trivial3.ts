// The sweep benchmark's model: three trivial outputs per point.
import { encodeBatch } from "../../src/io/_rows.ts";

export function evaluate(_: unknown, p: Record<string, number>): Record<string, number> {
  return { a: p.x * p.y + Math.sin(p.x), b: p.x - p.y, c: 2 * p.x };
}

/** The same model for the raw manager: a chunk loop calling evaluate per row. */
export function build(): unknown[] {
  return [];
}

export function executeRows(
  p: { rows: number; columns: number; data: Float64Array },
): Float64Array {
  const out = new Float64Array(p.rows * 3);
  for (let r = 0; r < p.rows; r++) {
    const o = Reflect.apply(evaluate, undefined, [undefined, {
      x: p.data[2 * r],
      y: p.data[2 * r + 1],
    }]);
    out[3 * r] = o.a;
    out[3 * r + 1] = o.b;
    out[3 * r + 2] = o.c;
  }
  return out;
}

const HEADER = { extraNames: [], paramNames: ["x", "y"], outputNames: ["a", "b", "c"] };

/**
 * The raw manager writing CSV by hand: executeRows, then the chunk's rows as CSV lines (with
 * psweep's own encoder, the fastest we have), for the main thread to append as they come.
 */
export function executeRowsCsv(
  p: { rows: number; columns: number; data: Float64Array },
): { csv: Uint8Array } {
  const outputs = executeRows(p);
  const params = p.data.slice(0, p.rows * 2);
  const success = new Uint8Array(p.rows).fill(1);
  return { csv: encodeBatch("csv", HEADER, { rows: p.rows, params, outputs, success }) };
}
