// The demo model: a reverse-osmosis desalination stage, WaterTAP's home ground, in closed form.
//
// Feed water at pressure P (bar) and salinity S (g/L) flows along a spiral-wound membrane. Along
// the membrane, water permeates at a flux J = A (P - dP(x) - CP * pi(x)), where pi is the local
// osmotic pressure of the concentrating brine. Salt leaks at B * (c - c_p). The stage stops when
// the net driving pressure runs out or the membrane ends. Outputs: water recovery, mean permeate
// flux, specific energy (kWh per m3 of permeate, with a pump and pressure exchanger) and
// permeate salinity. A feed whose osmotic pressure exceeds the feed pressure cannot be desalted:
// the point fails, as a solver would.

/** Membrane and plant constants, overridable through the sweep's build options. */
export interface RoModel {
  /** Water permeability, L / (m2 h bar). */
  permeability: number;
  /** Salt permeability, L / (m2 h). */
  saltPermeability: number;
  /** Membrane area, m2, per m3/h of feed. */
  areaPerFeed: number;
  /** Osmotic pressure per g/L of salt (NaCl near 25 C), bar. */
  osmoticCoefficient: number;
  /** Concentration polarisation factor at the membrane wall. */
  polarisation: number;
  /** Pressure drop along the whole membrane, bar. */
  pressureDrop: number;
  /** High-pressure pump efficiency. */
  pumpEfficiency: number;
  /** Pressure exchanger efficiency (0 disables energy recovery). */
  recoveryEfficiency: number;
  /** Integration steps along the membrane. */
  steps: number;
}

/** Builds the model state from the sweep's build options. */
export function build(options: Partial<RoModel> = {}): RoModel {
  return {
    permeability: 1.2,
    saltPermeability: 0.05,
    areaPerFeed: 40,
    osmoticCoefficient: 0.78,
    polarisation: 1.1,
    pressureDrop: 1.5,
    pumpEfficiency: 0.8,
    recoveryEfficiency: 0.95,
    steps: 400,
    ...options,
  };
}

/** One operating point: feed pressure (bar) and feed salinity (g/L). */
export function evaluate(m: RoModel, p: Record<string, number>): Record<string, number> {
  const pressure = p.pressure;
  const salinity = p.salinity;
  const osmoticFeed = m.osmoticCoefficient * salinity;
  if (pressure <= osmoticFeed * m.polarisation) {
    throw new RangeError(
      `feed pressure ${pressure.toFixed(1)} bar is below the osmotic pressure ${
        (osmoticFeed * m.polarisation).toFixed(1)
      } bar at the membrane`,
    );
  }
  // Per 1 m3/h of feed: integrate permeate flow along the membrane area.
  const dA = m.areaPerFeed / m.steps;
  let flow = 1000; // L/h of brine
  let salt = salinity * flow; // g/h
  let permeate = 0; // L/h
  let permeateSalt = 0; // g/h
  for (let i = 0; i < m.steps; i++) {
    const c = salt / flow;
    const drop = m.pressureDrop * (i + 0.5) / m.steps;
    const net = pressure - drop - m.polarisation * m.osmoticCoefficient * c;
    if (net <= 0) break;
    const water = m.permeability * net * dA;
    const leak = Math.min(m.saltPermeability * m.polarisation * c * dA, salt);
    if (water >= flow * 0.98) break;
    flow -= water;
    salt -= leak;
    permeate += water;
    permeateSalt += leak;
  }
  const recovery = permeate / 1000;
  if (recovery < 0.02) {
    throw new RangeError(
      `net driving pressure too low: recovery ${(recovery * 100).toFixed(2)}% is below 2%`,
    );
  }
  const flux = permeate / m.areaPerFeed;
  // Pump work on the feed, less what the pressure exchanger returns from the brine.
  const pumpKwh = (pressure * 1e5 * 1) / 3.6e6 / m.pumpEfficiency; // per m3 of feed
  const returned = ((pressure - m.pressureDrop) * 1e5 * (1 - recovery)) / 3.6e6 *
    m.recoveryEfficiency;
  const energy = (pumpKwh - returned) / recovery;
  return {
    recovery,
    fluxLmh: flux,
    energyKwhPerM3: energy,
    permeateMgPerL: (permeateSalt / permeate) * 1000,
  };
}
