// Internal: how values are shown in error messages.

/** A short description of any value, for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) {
    return value.length > 6
      ? `an array of length ${value.length}`
      : `[${value.map(describe).join(", ")}]`;
  }
  if (value instanceof URL) return value.href;
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "object" && value !== null) {
    try {
      const s = JSON.stringify(value);
      return s.length > 80 ? s.slice(0, 77) + "..." : s;
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
