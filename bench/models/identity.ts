// The memory benchmark's model: one output per point, the parameter itself.
export function evaluate(_: unknown, p: Record<string, number>): Record<string, number> {
  return { y: p.x };
}
