// Internal: WaterTAP's sampler names and fields in sweep files, so that a WaterTAP user's YAML
// ports with few edits: `type: LinearSample` with `lower_limit`, `upper_limit` and `num_samples`
// becomes `sampler: linear` with `lower`, `upper` and `n`. Only the names change: the values
// then go through psweep's own checks.
import { describe } from "../_describe.ts";

/** WaterTAP's sample classes, by the psweep sampler each one is. */
const TYPES: Readonly<Record<string, string>> = {
  LinearSample: "linear",
  GeomSample: "geom",
  ReverseGeomSample: "reverseGeom",
  UniformSample: "uniform",
  NormalSample: "normal",
  LatinHypercubeSample: "lhs",
  PredeterminedFixedSample: "fixed",
  PredeterminedRandomSample: "random",
};

/** WaterTAP's field names, by psweep's. `std` is what WaterTAP's YAML reader reads. */
const FIELDS: Readonly<Record<string, string>> = {
  lower_limit: "lower",
  upper_limit: "upper",
  num_samples: "n",
  std: "sd",
  array: "values",
};

/**
 * A sampler written with WaterTAP's names, in psweep's; anything else is returned as it is.
 * `param` (the Pyomo path WaterTAP needs) is dropped: the key names the parameter here.
 */
export function fromWaterTapSampler(value: unknown, field: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  if (o.type === undefined) return value;
  if (o.sampler !== undefined) {
    throw new TypeError(
      `Cannot create sampler as '${field}' gives both 'sampler' and WaterTAP's 'type': current value is ${
        describe(o.type)
      }`,
    );
  }
  if (typeof o.type !== "string" || !Object.hasOwn(TYPES, o.type)) {
    throw new RangeError(
      `Cannot create sampler as '${field}.type' must be one of ${
        Object.keys(TYPES).join(", ")
      } (WaterTAP's names) or be replaced by 'sampler': current value is ${describe(o.type)}`,
    );
  }
  const out: Record<string, unknown> = { sampler: TYPES[o.type] };
  for (const [key, v] of Object.entries(o)) {
    if (key === "type" || key === "param") continue;
    const name = Object.hasOwn(FIELDS, key) ? FIELDS[key] : key;
    if (Object.hasOwn(out, name)) {
      throw new TypeError(
        `Cannot create sampler as '${field}' gives '${name}' twice (once as '${key}'): current value is ${
          describe(v)
        }`,
      );
    }
    out[name] = v;
  }
  return out;
}

/** WaterTAP's differential sample classes, by psweep's `sample`. */
const DIFF_TYPES: Readonly<Record<string, string>> = {
  UniformSample: "uniform",
  NormalSample: "normal",
  LinearSample: "linear",
  GeomSample: "geom",
  ReverseGeomSample: "reverseGeom",
};

/** WaterTAP's differential spec fields, by psweep's. */
const DIFF_FIELDS: Readonly<Record<string, string>> = {
  diff_mode: "mode",
  diff_sample_type: "sample",
  relative_lb: "relativeLower",
  relative_ub: "relativeUpper",
  std_dev: "sd",
  nominal_lb: "nominalLower",
  nominal_ub: "nominalUpper",
};

/**
 * An error about a sampler that `value` wrote with WaterTAP's names, naming the fields as written
 * (`'params.a.lower_limit'`, not psweep's `'params.a.lower'`).
 */
export function waterTapWording(message: string, value: unknown, field: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return message;
  const o = value as Record<string, unknown>;
  if (o.type === undefined) return message;
  let out = message;
  // A field given by WaterTAP's name, or missing while psweep's name is not given either.
  for (const [key, name] of Object.entries(FIELDS)) {
    if (Object.hasOwn(o, key) || !Object.hasOwn(o, name)) {
      out = out.replaceAll(`'${field}.${name}'`, `'${field}.${key}'`);
    }
  }
  return out;
}

/**
 * A differential spec written with WaterTAP's names (`diff_mode`, `diff_sample_type:
 * UniformSample`, `relative_lb`, ...), in psweep's; psweep's own names pass as they are. As
 * WaterTAP's reader, `nominal_lb` and `nominal_ub` are read only with `diff_mode: percentile`
 * (its own tests give them with `sum`); psweep's `nominalLower` and `nominalUpper` are refused
 * with other modes, as ever.
 */
export function fromWaterTapDiffSpec(value: unknown, field: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  const spec = value as Record<string, unknown>;
  const ignoresNominal = spec.diff_mode !== undefined && spec.diff_mode !== "percentile";
  for (const [key, v] of Object.entries(spec)) {
    // (`num_samples` is the sweep's numDiffSamples: see diffSpecSamples.)
    if (key === "param" || key === "num_samples") continue;
    if (ignoresNominal && (key === "nominal_lb" || key === "nominal_ub")) continue;
    const name = Object.hasOwn(DIFF_FIELDS, key) ? DIFF_FIELDS[key] : key;
    let given = v;
    if (key === "diff_sample_type") {
      if (typeof v !== "string" || !Object.hasOwn(DIFF_TYPES, v)) {
        throw new RangeError(
          `Cannot run a differential sweep as '${field}.diff_sample_type' must be one of ${
            Object.keys(DIFF_TYPES).join(", ")
          }: current value is ${describe(v)}`,
        );
      }
      given = DIFF_TYPES[v];
    }
    if (Object.hasOwn(out, name)) {
      throw new TypeError(
        `Cannot run a differential sweep as '${field}' gives '${name}' twice (once as '${key}'): current value is ${
          describe(v)
        }`,
      );
    }
    out[name] = given;
  }
  return out;
}

/**
 * The `num_samples` that WaterTAP's loop tool reads from a differential spec (its
 * `num_diff_samples`, the last spec's winning there): each spec's, by its field name.
 */
export function diffSpecSamples(
  differential: Readonly<Record<string, unknown>>,
): [field: string, value: unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, spec] of Object.entries(differential)) {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) continue;
    if (Object.hasOwn(spec, "num_samples")) {
      out.push([`differential.${name}.num_samples`, (spec as Record<string, unknown>).num_samples]);
    }
  }
  return out;
}

/**
 * An error about differential specs as the sweep file wrote them: a spec written with WaterTAP's
 * names (`diff_mode`, `diff_sample_type`) has its fields named so (`'differential.a.relative_lb'`,
 * not psweep's `'differential.a.relativeLower'`), those it gave and those it lacks.
 */
export function waterTapDiffWording(
  message: string,
  differential: Readonly<Record<string, unknown>>,
): string {
  let out = message;
  for (const [name, value] of Object.entries(differential)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    const o = value as Record<string, unknown>;
    if (o.diff_mode === undefined && o.diff_sample_type === undefined) continue;
    const field = `differential.${name}`;
    for (const [key, psweep] of Object.entries(DIFF_FIELDS)) {
      if (Object.hasOwn(o, key) || !Object.hasOwn(o, psweep)) {
        out = out.replaceAll(`'${field}.${psweep}'`, `'${field}.${key}'`);
      }
    }
  }
  return out;
}
