// A point that takes 1 ms of CPU: the unit of the MPI throughput benchmark.
import type { Outputs, Point } from "../../mod.ts";

export function build(): Record<string, never> {
  return {};
}

export function evaluate(_state: unknown, p: Point): Outputs {
  const end = performance.now() + 1;
  let x = p.x;
  while (performance.now() < end) x = Math.sqrt(x + 1);
  return { y: x };
}
