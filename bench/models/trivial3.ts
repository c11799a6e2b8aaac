// The sweep benchmark's model: three trivial outputs per point.
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
