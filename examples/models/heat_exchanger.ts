// A small closed-form model: counter-flow heat exchanger effectiveness (NTU method).
// Inputs: ntu (number of transfer units) and cr (heat capacity ratio, 0..1).
import type { Outputs, Point } from "../../mod.ts";

export function build(options: { maxNtu?: number } = {}): { maxNtu: number } {
  return { maxNtu: options.maxNtu ?? 10 };
}

export function evaluate(model: { maxNtu: number }, p: Point): Outputs {
  if (p.ntu > model.maxNtu) throw new RangeError(`ntu ${p.ntu} is beyond the correlation's range`);
  const { ntu, cr } = p;
  const effectiveness = cr === 1
    ? ntu / (1 + ntu)
    : (1 - Math.exp(-ntu * (1 - cr))) / (1 - cr * Math.exp(-ntu * (1 - cr)));
  return { effectiveness, heatRatio: effectiveness * Math.min(1, cr) };
}
