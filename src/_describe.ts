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

/**
 * Throws a TypeError naming a key of `options` that is not among `known`: in plain JavaScript a
 * misspelt option (`timout`) would otherwise be ignored, and the sweep would run without what the
 * caller asked for. Keys whose value is `undefined` ask for nothing and pass.
 */
export function knownKeys(action: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const near = closest(key, known);
    throw new TypeError(
      `Cannot ${action} as ${describe(key)} is not an option${
        near ? ` (did you mean '${near}'?)` : ""
      }: expected one of ${known.join(", ")}`,
    );
  }
}

// The known name within two edits of `key` (case ignored), if one is.
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
