// `psweep init`: a starter model and sweep file that `psweep run` accepts as they are.
import { pathExists } from "../io/_fs.ts";
import { UsageError } from "./_errors.ts";

const MODEL = `// A starter model for psweep: a damped oscillator's peak response.
// psweep imports this module in permission-scoped workers; by default it may read only this
// directory. Export build (optional), evaluate (required), probe and initialize (optional).

/** Built once per worker (and again after a failed point), from the sweep's buildOptions. */
export function build(options = {}) {
  return { mass: options.mass ?? 1 };
}

/** One point: parameter values in, named numbers out. Throw to fail the point. */
export function evaluate(model, point) {
  const { stiffness, damping } = point;
  const omega = Math.sqrt(stiffness / model.mass);
  const zeta = damping / (2 * Math.sqrt(stiffness * model.mass));
  if (zeta >= 1) throw new RangeError(\`overdamped (zeta = \${zeta.toFixed(2)}): no resonance peak\`);
  const peak = 1 / (2 * zeta * Math.sqrt(1 - zeta * zeta));
  return { naturalFrequency: omega, dampingRatio: zeta, peakAmplification: peak };
}
`;

const SWEEP = `# A psweep sweep file. Run it with: psweep run sweep.yaml
# Paths are relative to this file.
model: ./model.js
buildOptions:
  mass: 2
params:
  stiffness: { sampler: linear, lower: 1, upper: 100, n: 20 }
  damping: { sampler: geom, lower: 0.1, upper: 30, n: 20 }
outputs: [naturalFrequency, dampingRatio, peakAmplification]
# workers: 4          # default: every core
# seed: 1             # for random samplers: uniform, normal, lhs
# timeout: 1000       # milliseconds per point
# permissions:        # what the model may do besides reading its own directory
#   read: [./data]
csv: results.csv     # or jsonl: .jsonl, arrow: .arrow, h5: .h5, parquet: .parquet
`;

/** Writes model.js and sweep.yaml into `dir`; returns their paths. Never overwrites. */
export async function writeInit(dir: string): Promise<[string, string]> {
  const info = await Deno.stat(dir).catch(() => undefined);
  if (info && !info.isDirectory) {
    throw new UsageError(`Cannot write the starter files into ${dir} as it is not a directory`);
  }
  await Deno.mkdir(dir, { recursive: true });
  const model = `${dir.replace(/\/$/, "")}/model.js`;
  const sweep = `${dir.replace(/\/$/, "")}/sweep.yaml`;
  // Both files are checked before either is written: a refusal leaves the directory as it was.
  for (const path of [model, sweep]) {
    if (await pathExists(path)) {
      throw new UsageError(`Cannot write ${path} as it already exists: choose another directory`);
    }
  }
  for (const [path, text] of [[model, MODEL], [sweep, SWEEP]]) {
    try {
      await Deno.writeTextFile(path, text, { createNew: true });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new UsageError(`Cannot write ${path} as it already exists: choose another directory`);
      }
      throw e;
    }
  }
  return [model, sweep];
}
