// Sweep files: a sweep described in JSON or YAML, validated field by field so that every mistake
// names the file, the field and the fix.
import { describe } from "../_describe.ts";
import { extensionText, formatOfPath } from "../io/_formats.ts";
import type { WorkerPermissions } from "../parallel/deno_worker_manager.ts";
import { parseSampler, type Sampler } from "../sampling/samplers.ts";
import { UsageError } from "./_errors.ts";
import {
  isPermissionKind,
  MAX_ROWS,
  MAX_SEED,
  MAX_SWEEP_FILE_BYTES,
  MAX_TIMEOUT_MS,
  MAX_WORKERS,
  PATH_PERMISSION_KINDS,
  PERMISSION_KINDS,
} from "../_limits.ts";
import { parseYaml } from "./_yaml.ts";
import {
  diffSpecSamples,
  fromWaterTapDiffSpec,
  fromWaterTapSampler,
  waterTapWording,
} from "./_watertap_names.ts";
import type { DifferentialSpec } from "../sweep/differential_parameter_sweep.ts";
import type { CommandModel } from "../command/command_model.ts";
import { checkCommandModel, isCommandModel } from "../command/_command_model.ts";

/** A validated sweep file, with every path made absolute. */
export interface SweepSpec {
  /** Absolute path (or URL) of the model module, or a command (paths made absolute). */
  model: string | CommandModel;
  buildOptions?: Record<string, unknown>;
  params: Record<string, Sampler>;
  outputs?: string[];
  seed?: number;
  /** Present for a recursive sweep: how many successful rows to collect. */
  numSamples?: number;
  /** A recursive sweep's limit on rounds of drawing. */
  maxRounds?: number;
  /** Present for a differential sweep: how each parameter is perturbed. */
  differential?: Record<string, DifferentialSpec>;
  /** A differential sweep's samples per perturbed parameter. */
  numDiffSamples?: number;
  /** The differential specs as the file wrote them (for errors in its own words). */
  differentialAsWritten?: Record<string, unknown>;
  workers?: number;
  permissions?: WorkerPermissions;
  /** Milliseconds per point. */
  timeout?: number;
  csv?: string;
  jsonl?: string;
  /** Run the points on `psweep worker` daemons through the Redis server at this URL. */
  redis?: string;
  /** An Arrow IPC stream, an HDF5 file (WaterTAP's layout), a Parquet file. */
  arrow?: string;
  h5?: string;
  parquet?: string;
  initializeBeforeSweep?: boolean;
  updateParamsBeforeInit?: boolean;
  interpolateNanOutputs?: boolean;
  publishAddress?: string;
}

const FIELDS = [
  "model",
  "buildOptions",
  "params",
  "outputs",
  "seed",
  "numSamples",
  "maxRounds",
  "differential",
  "numDiffSamples",
  "workers",
  "permissions",
  "timeout",
  "csv",
  "jsonl",
  "redis",
  "arrow",
  "h5",
  "parquet",
  "initializeBeforeSweep",
  "updateParamsBeforeInit",
  "interpolateNanOutputs",
  "publishAddress",
] as const;

/** Reads and validates a sweep file (`.json`, `.yaml` or `.yml`). */
export async function loadSweepFile(path: string): Promise<SweepSpec> {
  let text: string;
  try {
    text = await readSweepText(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      e instanceof Deno.errors.NotFound
        ? `Cannot read sweep file ${path}: it does not exist (create one with 'psweep init')`
        : `Cannot read sweep file ${path}: ${(e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new UsageError(`Cannot parse sweep file ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return validateSweep(raw, path);
}

// Only a regular file, checked before it is opened (opening a FIFO waits for a writer) and
// again once open (the path could have changed in between), read up to the cap.
async function readSweepText(path: string): Promise<string> {
  const regular = (info: Deno.FileInfo) => {
    if (!info.isFile) {
      throw new UsageError(
        `Cannot read sweep file ${path}: it is not a regular file (a directory, FIFO, socket or device); name a .yaml or .json file`,
      );
    }
    if (info.size > MAX_SWEEP_FILE_BYTES) tooBig();
  };
  const tooBig = (): never => {
    throw new UsageError(
      `Cannot read sweep file ${path}: it is larger than ${MAX_SWEEP_FILE_BYTES} bytes, which no sweep's settings need`,
    );
  };
  regular(await Deno.stat(path));
  using file = await Deno.open(path, { read: true });
  regular(await file.stat());
  const buf = new Uint8Array(MAX_SWEEP_FILE_BYTES + 1);
  let at = 0;
  for (;;) {
    const n = await file.read(buf.subarray(at));
    if (n === null) break;
    at += n;
    if (at > MAX_SWEEP_FILE_BYTES) tooBig();
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, at));
  } catch {
    throw new UsageError(`Cannot read sweep file ${path}: it is not UTF-8 text`);
  }
}

/** Validates a parsed sweep file; `path` names it in errors and anchors relative paths. */
export function validateSweep(raw: unknown, path: string): SweepSpec {
  // Settings the file gave by WaterTAP's names: errors name them so.
  const written = new Map<string, string>();
  const fail = (field: string, message: string): never => {
    throw new UsageError(`Invalid sweep file ${path}: '${written.get(field) ?? field}' ${message}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(
      `Invalid sweep file ${path}: it must hold an object of settings, not ${describe(raw)}`,
    );
  }
  const o = { ...raw } as Record<string, unknown>;
  // WaterTAP's names of settings.
  for (
    const [watertap, name] of [
      ["num_diff_samples", "numDiffSamples"],
      ["initialize_before_sweep", "initializeBeforeSweep"],
      ["update_sweep_params_before_init", "updateParamsBeforeInit"],
      ["interpolate_nan_outputs", "interpolateNanOutputs"],
      ["publish_address", "publishAddress"],
    ] as const
  ) {
    if (o[watertap] === undefined) continue;
    if (o[name] !== undefined) fail(watertap, `gives ${name} twice: keep one`);
    written.set(name, watertap);
    o[name] = o[watertap];
    delete o[watertap];
  }
  for (const key of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      fail(key, `is not a sweep setting: expected one of ${FIELDS.join(", ")}`);
    }
  }
  const dir = dirOf(path);
  let model: string | CommandModel;
  if (isCommandModel(o.model)) {
    // A program: its ./ and ../ words resolve against this file, like every path in it.
    try {
      model = { command: checkCommandModel(o.model, dir) };
    } catch (e) {
      throw new UsageError(`Invalid sweep file ${path}: ${(e as Error).message}`);
    }
  } else if (typeof o.model !== "string" || o.model === "") {
    return fail(
      "model",
      `must be the path of the model module, or a program to run as { command: [python3, ./model.py] }: current value is ${
        describe(o.model)
      }`,
    );
  } else {
    model = resolve(dir, o.model);
  }
  const spec: SweepSpec = { model, params: {} };
  if (o.buildOptions !== undefined) {
    if (
      typeof o.buildOptions !== "object" || o.buildOptions === null || Array.isArray(o.buildOptions)
    ) {
      fail("buildOptions", `must be an object: current value is ${describe(o.buildOptions)}`);
    }
    spec.buildOptions = o.buildOptions as Record<string, unknown>;
  }
  if (typeof o.params !== "object" || o.params === null || Array.isArray(o.params)) {
    fail("params", `must map parameter names to samplers: current value is ${describe(o.params)}`);
  }
  const params = o.params as Record<string, unknown>;
  if (Object.keys(params).length === 0) fail("params", "must name at least one parameter");
  for (const [name, value] of Object.entries(params)) {
    const field = `params.${name}`;
    try {
      spec.params[name] = parseSampler(fromWaterTapSampler(value, field), field);
    } catch (e) {
      // Named as the file wrote them: WaterTAP's field names where it used them.
      const message = waterTapWording((e as Error).message, value, field);
      throw new UsageError(`Invalid sweep file ${path}: ${message}`);
    }
  }
  if (o.outputs !== undefined) {
    if (!Array.isArray(o.outputs) || !o.outputs.every((x) => typeof x === "string" && x !== "")) {
      fail("outputs", `must be a list of output names: current value is ${describe(o.outputs)}`);
    }
    spec.outputs = o.outputs as string[];
  }
  if (o.maxRounds !== undefined && o.numSamples === undefined) {
    fail("maxRounds", "limits a recursive sweep's rounds: set numSamples too, or leave it out");
  }
  if (o.differential !== undefined) {
    const d = o.differential;
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      fail(
        "differential",
        `must map parameter names to differential specs: current value is ${describe(d)}`,
      );
    }
    if (o.numSamples !== undefined) {
      fail(
        "differential",
        "and 'numSamples' exclude each other: a sweep is differential or recursive",
      );
    }
    // WaterTAP's loop tool reads the perturbations per nominal row from each spec's
    // `num_samples`: they must agree with each other and with numDiffSamples.
    const given = diffSpecSamples(d as Record<string, unknown>);
    if (o.numDiffSamples !== undefined) given.unshift(["numDiffSamples", o.numDiffSamples]);
    for (const [field, v] of given) {
      if (!Number.isSafeInteger(v) || (v as number) < 1) {
        fail(field, `must be an integer of at least 1: current value is ${describe(v)}`);
      }
      if (v !== given[0][1]) {
        fail(
          field,
          `must equal '${
            written.get(given[0][0]) ?? given[0][0]
          }' (the perturbations per nominal row): current value is ${describe(v)}, '${
            written.get(given[0][0]) ?? given[0][0]
          }' is ${describe(given[0][1])}`,
        );
      }
    }
    if (given.length > 0) o.numDiffSamples = given[0][1];
    spec.differentialAsWritten = d as Record<string, unknown>;
    try {
      spec.differential = Object.fromEntries(
        Object.entries(d as Record<string, unknown>).map((
          [name, v],
        ) => [name, fromWaterTapDiffSpec(v, `differential.${name}`) as DifferentialSpec]),
      );
    } catch (e) {
      throw new UsageError(`Invalid sweep file ${path}: ${(e as Error).message}`);
    }
  } else if (o.numDiffSamples !== undefined) {
    fail("numDiffSamples", "is only used with 'differential'");
  }
  for (const field of ["seed", "numSamples", "maxRounds", "numDiffSamples", "workers"] as const) {
    const v = o[field];
    if (v === undefined) continue;
    const min = field === "seed" ? 0 : 1;
    // Seeds are numpy's: 32-bit unsigned integers.
    // (numSamples counts rows kept in memory: at most MAX_ROWS, as the library checks too.)
    const max = field === "seed"
      ? MAX_SEED
      : field === "workers"
      ? MAX_WORKERS
      : field === "numSamples"
      ? MAX_ROWS
      : Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      fail(field, `must be an integer from ${min} to ${max}: current value is ${describe(v)}`);
    }
    spec[field] = v as number;
  }
  if (o.timeout !== undefined) {
    if (typeof o.timeout !== "number" || !(o.timeout > 0) || o.timeout > MAX_TIMEOUT_MS) {
      fail(
        "timeout",
        `must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}: current value is ${
          describe(o.timeout)
        }`,
      );
    }
    spec.timeout = o.timeout as number;
  }
  for (const field of ["csv", "jsonl", "arrow", "h5", "parquet"] as const) {
    const v = o[field];
    if (v === undefined) continue;
    if (typeof v !== "string" || formatOfPath(v) !== field) {
      fail(
        field,
        `must be the path of a ${extensionText(field)} file: current value is ${describe(v)}`,
      );
    }
    spec[field] = resolve(dir, v as string);
  }
  for (
    const field of [
      "initializeBeforeSweep",
      "updateParamsBeforeInit",
      "interpolateNanOutputs",
    ] as const
  ) {
    const v = o[field];
    if (v === undefined) continue;
    if (typeof v !== "boolean") {
      fail(field, `must be true or false: current value is ${describe(v)}`);
    }
    spec[field] = v as boolean;
  }
  if (o.publishAddress !== undefined) {
    if (typeof o.publishAddress !== "string" || !/^https?:\/\//i.test(o.publishAddress)) {
      fail(
        "publishAddress",
        `must be an http or https URL: current value is ${describe(o.publishAddress)}`,
      );
    }
    spec.publishAddress = o.publishAddress as string;
  }
  if (o.permissions !== undefined) spec.permissions = parsePermissions(o.permissions, dir, fail);
  if (o.redis !== undefined) {
    if (typeof o.redis !== "string" || !/^rediss?:\/\/./.test(o.redis)) {
      fail("redis", `must be a redis:// or rediss:// URL: current value is ${describe(o.redis)}`);
    }
    spec.redis = o.redis as string;
  }
  return spec;
}

function parsePermissions(
  value: unknown,
  dir: string,
  fail: (field: string, message: string) => never,
): WorkerPermissions {
  if (value === "none") return "none";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(
      "permissions",
      `must be "none" or an object like { read: ["data/"] }: current value is ${describe(value)}`,
    );
  }
  const out: Record<string, boolean | string[]> = {};
  for (const [kind, grant] of Object.entries(value)) {
    if (!isPermissionKind(kind)) {
      fail(
        `permissions.${kind}`,
        `is not a Deno permission: expected one of ${PERMISSION_KINDS.join(", ")}`,
      );
    }
    if (typeof grant === "boolean") {
      out[kind] = grant;
    } else if (Array.isArray(grant) && grant.every((g) => typeof g === "string")) {
      // File-system grants are relative to the sweep file, like every other path in it.
      out[kind] = PATH_PERMISSION_KINDS.includes(kind)
        ? grant.map((g: string) => resolve(dir, g))
        : grant;
    } else {
      fail(
        `permissions.${kind}`,
        `must be true, false or a list of strings: current value is ${describe(grant)}`,
      );
    }
  }
  return out as Deno.PermissionOptionsObject;
}

function dirOf(path: string): string {
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return abs.slice(0, abs.lastIndexOf("/")) || "/";
}

function resolve(dir: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
  if (path.startsWith("/")) return path;
  const parts = `${dir}/${path}`.split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return "/" + out.join("/");
}
