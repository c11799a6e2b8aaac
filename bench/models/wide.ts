// The wide-model benchmark's model: 1,023 outputs per point (WaterTAP flowsheets often record
// hundreds), each a flop.
export function evaluate(_: unknown, p: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < 1023; k++) out["o" + k] = p.i * k + 0.5;
  return out;
}
