// Hundreds of malformed sweep files, generated here from one valid file by breaking one field at
// a time (in JSON and in YAML), plus text that does not parse. Every one must be refused as a
// usage error that names the file and the field, without a stack trace and without hanging.
// All go through the sweep file reader in this process; a sample goes through the real CLI,
// which must exit 2.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { loadSweepFile } from "../src/cli/sweep_file.ts";
import { MAX_SWEEP_FILE_BYTES } from "../src/_limits.ts";
import { UsageError } from "../src/cli/_errors.ts";
import { stringify as yamlStringify } from "yaml";

const mod = new URL("../mod.ts", import.meta.url).pathname;

interface Case {
  name: string;
  text: string;
  ext: "json" | "yaml";
  /** What the message must name: the field, or for text that does not parse, the parser's say. */
  field: string;
}

const BASE = {
  model: "./m.js",
  params: { x: { sampler: "linear", lower: 0, upper: 1, n: 3 } },
  csv: "out.csv",
};

// Values that no setting below accepts where they are put. (Numbers JSON cannot spell, such as
// NaN and Infinity, are written by YAML as .nan and .inf.)
const JUNK: unknown[] = [null, true, "text", [], {}, [1, "a"], { a: 1 }, -1, 1.5, NaN, Infinity];

function cases(): Case[] {
  const out: Case[] = [];
  const add = (name: string, spec: unknown, field: string) => {
    for (const ext of ["json", "yaml"] as const) {
      // JSON cannot hold NaN or Infinity: only YAML carries those cases.
      const text = ext === "json" ? JSON.stringify(spec) : yamlStringify(spec);
      if (ext === "json" && /NaN|Infinity/.test(String(JSON.stringify(spec, replacer)))) continue;
      out.push({ name: `${name} (${ext})`, text, ext, field });
    }
  };
  const withField = (field: string, value: unknown) => ({ ...BASE, [field]: value });
  const sampler = (s: Record<string, unknown>) => ({ ...BASE, params: { x: s } });

  for (const v of [null, 1, true, "", [], {}, NaN]) {
    add(`model ${v}`, withField("model", v), "model");
  }
  for (const v of [null, 1, "s", [], true]) {
    add(`buildOptions ${v}`, withField("buildOptions", v), "buildOptions");
  }
  for (const v of [null, 1, "s", [], {}, true, [1, 2, 3]]) {
    add(`params ${v}`, withField("params", v), "params");
  }
  for (
    const v of [null, 1, "s", [], [1, 2], [1, 2, 3, 4], {}, true, { sampler: 1 }, {
      sampler: "bogus",
    }]
  ) {
    add(`params.x ${JSON.stringify(v)}`, sampler(v as Record<string, unknown>), "params.x");
  }
  for (const kind of ["linear", "geom", "reverseGeom", "uniform", "lhs"]) {
    const good = { sampler: kind, lower: 1, upper: 2, n: 3 };
    for (const key of ["lower", "upper", "n"]) {
      for (const v of JUNK) {
        if (key !== "n" && (v === -1 || v === 1.5) && kind !== "geom" && kind !== "reverseGeom") {
          continue;
        }
        if (key === "upper" && v === 1.5) continue;
        if (key === "lower" && (v === -1 || v === 1.5)) continue;
        add(`${kind}.${key} ${String(v)}`, sampler({ ...good, [key]: v }), `params.x`);
      }
    }
    for (const v of [0, 1e400, "3", 2.5]) {
      add(`${kind}.n ${v}`, sampler({ ...good, n: v }), "params.x");
    }
    add(`${kind} extra field`, sampler({ ...good, foo: 1 }), "params.x.foo");
    add(`${kind} missing n`, sampler({ sampler: kind, lower: 1, upper: 2 }), "params.x");
    add(`${kind} kind`, sampler({ ...good, kind: "bogus" }), "params.x.kind");
  }
  for (const kind of ["fixed", "random"]) {
    for (const v of [null, [], "s", [1, "a"], 1, {}, [NaN], [[1]], true]) {
      add(`${kind}.values ${JSON.stringify(v)}`, sampler({ sampler: kind, values: v }), "params.x");
    }
  }
  const normal = { sampler: "normal", mean: 1, sd: 1, n: 3 };
  for (const key of ["mean", "sd", "n"]) {
    for (const v of [null, "1", true, [], {}, NaN, Infinity]) {
      add(`normal.${key} ${String(v)}`, sampler({ ...normal, [key]: v }), "params.x");
    }
  }
  add("normal.sd -1", sampler({ ...normal, sd: -1 }), "params.x");
  for (const v of [null, 1, "s", [1], [""], {}, true, ["y", "y"], ["x"], ["success"]]) {
    add(`outputs ${JSON.stringify(v)}`, withField("outputs", v), "outputs");
  }
  for (const field of ["seed", "numSamples", "workers"]) {
    for (const v of [-1, 1.5, "1", null, true, [], {}, NaN, Infinity, 2 ** 53]) {
      add(`${field} ${String(v)}`, withField(field, v), field);
    }
  }
  add("seed 2**32", withField("seed", 2 ** 32), "seed");
  add("workers 0", withField("workers", 0), "workers");
  add("workers 2000", withField("workers", 2000), "workers");
  add("numSamples 0", withField("numSamples", 0), "numSamples");
  for (const v of [0, -1, "1", null, true, [], {}, NaN, Infinity, 2 ** 31]) {
    add(`timeout ${String(v)}`, withField("timeout", v), "timeout");
  }
  for (const field of ["csv", "jsonl"]) {
    for (const v of [1, "out.txt", null, "", true, [], {}]) {
      add(`${field} ${JSON.stringify(v)}`, withField(field, v), field);
    }
  }
  for (const v of ["all", 1, null, [], true]) {
    add(`permissions ${v}`, withField("permissions", v), "permissions");
  }
  add("permissions.bogus", withField("permissions", { bogus: true }), "permissions.bogus");
  for (const v of ["x", [1], 1, null, {}]) {
    add(
      `permissions.read ${JSON.stringify(v)}`,
      withField("permissions", { read: v }),
      "permissions.read",
    );
  }
  for (const key of ["bogus", "Params", "model ", "__proto__x"]) {
    add(`unknown setting ${key}`, { ...BASE, [key]: 1 }, key);
  }
  for (const name of ["", "success"]) {
    add(
      `parameter named ${JSON.stringify(name)}`,
      { ...BASE, params: { [name]: BASE.params.x } },
      "params",
    );
  }
  for (const v of [1, "s", null, [], true]) {
    add(`top level ${JSON.stringify(v)}`, v, "object of settings");
  }
  // Text that does not parse: the message names the file and says it could not be parsed.
  const broken: [string, "json" | "yaml"][] = [
    ['{"model": "m.js", "params": {', "json"],
    ["{model: m.js}", "json"],
    ["\u0000\u0001\u0002binary", "json"],
    ["model: [unclosed", "yaml"],
    ["params:\n  x: {sampler: linear\n", "yaml"],
    ["\t- tabs:\n\t\t- bad", "yaml"],
    ["a: *undefined_alias", "yaml"],
    ["{", "yaml"],
    ["'", "json"],
    ["[1, 2", "json"],
  ];
  for (const [text, ext] of broken) {
    out.push({
      name: `unparsable ${JSON.stringify(text)}`,
      text,
      ext,
      field: "Cannot parse sweep file",
    });
  }
  return out;
}

function replacer(_: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "psweep_fuzz_" });
  try {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// The CLI on one file: exit code and stderr, killed (and so failed) if it ever hangs.
async function cli(path: string, cwd: string): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    // The flags psweep would otherwise start itself again with: one process per case.
    args: ["run", "-A", "--unstable-worker-options", "--no-prompt", "--frozen", mod, "run", path],
    cwd,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const all = cases();

Deno.test(`${all.length} malformed sweep files are each refused as a usage error naming the field`, async () => {
  assert(all.length >= 300, `only ${all.length} cases`);
  await withDir(async (dir) => {
    const accepted: string[] = [];
    const wrong: string[] = [];
    for (const [i, c] of all.entries()) {
      const path = `${dir}/case${i}.${c.ext}`;
      await Deno.writeTextFile(path, c.text);
      try {
        await loadSweepFile(path);
        accepted.push(c.name);
      } catch (e) {
        const message = (e as Error).message;
        if (!(e instanceof UsageError)) wrong.push(`${c.name}: not a usage error: ${e}`);
        else if (!message.includes(path)) {
          wrong.push(`${c.name}: the file is not named: ${message}`);
        } else if (!message.includes(c.field)) {
          wrong.push(`${c.name}: '${c.field}' is not named: ${message}`);
        }
      }
    }
    assertEquals(wrong, []);
    // What the reader lets through must be refused by the sweep itself, before any work: those
    // cases all go through the CLI below.
    assertEquals(
      accepted.sort(),
      LATE.map((name) => [`${name} (json)`, `${name} (yaml)`]).flat().sort(),
    );
  });
});

// Settings only the sweep can judge (they depend on each other): refused when it starts.
const LATE = [
  'outputs ["x"]',
  'outputs ["success"]',
  'outputs ["y","y"]',
  'parameter named ""',
  'parameter named "success"',
];

Deno.test("a sample of the malformed files, through the CLI: exit 2, the field named, no stack trace", async () => {
  await withDir(async (dir) => {
    const late = all.filter((c) => LATE.some((name) => c.name.startsWith(name)));
    const sample = [...late, ...all.filter((_, i) => i % 32 === 0)];
    assert(sample.length >= 20);
    // Four at a time: each is a process.
    for (let from = 0; from < sample.length; from += 4) {
      await Promise.all(
        sample.slice(from, from + 4).map(async (c, k) => {
          const path = `${dir}/cli${from + k}.${c.ext}`;
          await Deno.writeTextFile(path, c.text);
          const r = await cli(path, dir);
          assertEquals(r.code, 2, `${c.name}: ${r.stderr}`);
          assert(r.stderr.includes(c.field), `${c.name}: '${c.field}' is not named: ${r.stderr}`);
          assert(!/\n\s+at /.test(r.stderr), `${c.name}: a stack trace: ${r.stderr}`);
          assertEquals(r.stderr.trim().split("\n").length, 1, `${c.name}: ${r.stderr}`);
        }),
      );
    }
  });
});

Deno.test("the CLI refuses a FIFO, a device, a directory and an oversized file at once", async () => {
  await withDir(async (dir) => {
    const fifo = `${dir}/s.yaml`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success);
    const big = `${dir}/big.yaml`;
    await Deno.writeTextFile(big, `# ${"x".repeat(MAX_SWEEP_FILE_BYTES)}\n`);
    for (
      const [path, why] of [
        [fifo, /is not a regular file/],
        ["/dev/zero", /is not a regular file/],
        ["/dev/urandom", /is not a regular file/],
        [dir, /is not a regular file/],
        [big, /is larger than 1048576 bytes/],
      ] as const
    ) {
      const r = await cli(path, dir);
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, why);
      assert(r.stderr.includes(path), r.stderr);
    }
  });
});
