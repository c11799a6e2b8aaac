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

/**
 * Throws psweep's error for a bad value: "Cannot `action` as `what`: current value is `value`",
 * a TypeError for a value of the wrong type, a RangeError for one out of range.
 */
export function invalid(
  action: string,
  kind: "type" | "range",
  what: string,
  value: unknown,
): never {
  const message = `Cannot ${action} as ${what}: current value is ${describe(value)}`;
  throw kind === "type" ? new TypeError(message) : new RangeError(message);
}

/**
 * `value` when it is an integer of at least 1; otherwise throws {@linkcode invalid}'s RangeError:
 * "Cannot `action` as '`field`' must be a positive integer: current value is V".
 */
export function positiveInteger(action: string, field: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    invalid(action, "range", `'${field}' must be a positive integer`, value);
  }
  return value as number;
}

/**
 * `value` when it is a finite number above 0; otherwise throws {@linkcode invalid}'s RangeError:
 * "Cannot `action` as '`field`' must be a positive number: current value is V".
 */
export function positiveNumber(action: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    invalid(action, "range", `'${field}' must be a positive number`, value);
  }
  return value;
}
