// Internal: the evenly and geometrically spaced values of the fixed samplers, with numpy's
// arithmetic step for step so that the values equal numpy's to the last bit.

/** `np.linspace(start, stop, num)`, endpoint included. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) {
      // numpy's route for a step that underflows (gh-5437): scale by div first.
      for (let i = 0; i < num; i++) out[i] = (i / div) * delta + start;
    } else {
      for (let i = 0; i < num; i++) out[i] = i * step + start;
    }
    out[div] = stop;
  } else {
    for (let i = 0; i < num; i++) out[i] = i * delta + start;
  }
  return out;
}

/**
 * `np.geomspace(start, stop, num)` for bounds of one sign (both positive or both negative):
 * powers of ten of a linspace of the base-10 logarithms of their magnitudes, with that sign, and
 * both ends then set to exactly `start` and `stop`.
 */
export function geomspace(start: number, stop: number, num: number): Float64Array {
  const sign = start < 0 ? -1 : 1;
  const out = linspace(Math.log10(sign * start), Math.log10(sign * stop), num);
  for (let i = 0; i < num; i++) out[i] = sign * 10 ** out[i];
  out[0] = start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** WaterTAP's ReverseGeomSample: `((upper + lower) - np.geomspace(lower, upper, num))[::-1]`. */
export function reverseGeomspace(start: number, stop: number, num: number): Float64Array {
  const g = geomspace(start, stop, num);
  const sum = stop + start;
  const out = new Float64Array(num);
  for (let i = 0; i < num; i++) out[i] = sum - g[num - 1 - i];
  return out;
}

/**
 * Element `i` of {@linkcode linspace}, {@linkcode geomspace} or {@linkcode reverseGeomspace}
 * (`kind`), computed alone and bit for bit the same (each element depends on its index only): a
 * sweep that keeps no rows reads a grid of millions of points without holding its values.
 */
export function spaceAt(
  kind: "linear" | "geom" | "reverseGeom",
  start: number,
  stop: number,
  num: number,
  i: number,
): number {
  if (kind === "reverseGeom") return stop + start - spaceAt("geom", start, stop, num, num - 1 - i);
  if (kind === "geom") {
    if (i === 0) return start;
    if (num > 1 && i === num - 1) return stop;
    const sign = start < 0 ? -1 : 1;
    return sign *
      10 ** spaceAt("linear", Math.log10(sign * start), Math.log10(sign * stop), num, i);
  }
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    if (i === div) return stop;
    const step = delta / div;
    return step === 0 ? (i / div) * delta + start : i * step + start;
  }
  return i * delta + start;
}
