// A custom model with probe and initialize: a centrifugal pump's operating point on a system
// curve. probe() skips points outside the pump's map without evaluating them (they are recorded
// as failed), as WaterTAP's probe does for points a solver would not converge on.

interface Pump {
  shutoffHead: number; // m
  maxFlow: number; // m3/h
  starts: number;
}

export function build(options: { shutoffHead?: number; maxFlow?: number } = {}): Pump {
  return { shutoffHead: options.shutoffHead ?? 60, maxFlow: options.maxFlow ?? 120, starts: 0 };
}

export function initialize(pump: Pump): void {
  pump.starts++;
}

export function probe(pump: Pump, p: Record<string, number>): boolean {
  // A static head above the shut-off head means no flow at any speed.
  return p.staticHead < pump.shutoffHead;
}

export function evaluate(pump: Pump, p: Record<string, number>): Record<string, number> {
  // Pump: H = H0 (1 - (Q/Qmax)^2); system: H = Hs + k Q^2. Solve for Q.
  const a = pump.shutoffHead / pump.maxFlow ** 2;
  const flow = Math.sqrt((pump.shutoffHead - p.staticHead) / (a + p.friction));
  const head = p.staticHead + p.friction * flow ** 2;
  return { flow, head, powerKw: (1000 * 9.81 * (flow / 3600) * head) / 0.7 / 1000 };
}
