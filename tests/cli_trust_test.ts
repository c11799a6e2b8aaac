// Issue 10 through the command line and as a new user meets psweep: each test reproduces a
// symptom the issue reported (it failed before the fix).
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const root = new URL("../", import.meta.url).pathname;
const mod = `${root}mod.ts`;
const dec = new TextDecoder();

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const out = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1", ...options.env },
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const psweep = (args: string[], cwd?: string) =>
  run(Deno.execPath(), ["run", "-A", mod, ...args], { cwd });

const RO_MODEL = `export const evaluate = (_, p) => ({
  recovery: p.pressure / 100,
  fluxLmh: p.pressure / 2,
  label: "ok",
});\n`;

Deno.test("CLI: a misspelt output fails its rows, naming what the model returned, and the run exits 1", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/m.js`, RO_MODEL);
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { pressure: [20, 80, 4] }\noutputs: [Recovery]\nworkers: 1\ncsv: r.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
    // Before: exit 0, every row success=true, an all-NaN Recovery column.
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      r.stderr,
      /all 4 points failed; first error: 'outputs' names "Recovery", which evaluate did not return; it returned recovery, fluxLmh, label/,
    );
  });
});

Deno.test("CLI: found outputs that are not numbers warn on stderr and in --json", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/m.js`, RO_MODEL);
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { pressure: [20, 80, 4] }\nworkers: 1\ncsv: r.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stderr,
      /psweep: warning: output "label" is not a number in some successful rows \(first row 0: a string \("ok"\)\)/,
    );
    const summary = JSON.parse(r.stdout);
    assertEquals(summary.warnings.length, 1);
    assertMatch(summary.warnings[0], /^output "label"/);
  });
});

Deno.test("CLI: a recursive sweep that comes up short prints asked and found, writes its rows and exits 1", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = (_, p) => { if (p.x < 0.99) throw new Error('no'); return { y: p.x }; };",
    );
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams:\n  x: { sampler: uniform, lower: 0, upper: 1, n: 10 }\nnumSamples: 50\nmaxRounds: 3\nseed: 3\nworkers: 1\ncsv: r.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--debug"]);
    // Before: "0 failed", exit 0.
    assertEquals(r.code, 1, r.stderr);
    const m = r.stderr.match(
      /recursive: (\d+) of 50 successful samples found, (\d+) drawn in 3 rounds/,
    );
    assert(m, r.stderr);
    assert(Number(m[1]) > 0 && Number(m[1]) < 50);
    assertMatch(
      r.stderr,
      /the recursive sweep found \d+ of the 50 successful samples asked for, in 3 rounds/,
    );
    // --debug: the model's stack for the first failed draw.
    assertMatch(
      r.stderr,
      /psweep: debug: draw \d+ failed in the model:\nError: no\n\s+at (Module\.)?evaluate \(file:\/\/\S*\/m\.js:1:\d+\)/,
    );
    // Said once, as the run's error, not again as a warning.
    assertEquals(r.stderr.match(/the recursive sweep found/g)?.length, 1);
    const rows = (await Deno.readTextFile(`${dir}/r.csv`)).trim().split("\n").length - 1;
    assertEquals(rows, Number(m[1]));
  });
});

Deno.test("CLI: n: 3e9 and grids no memory holds are usage errors that name the sampler and the rows", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });\n");
    const cases: [string, RegExp][] = [
      [
        "params:\n  x: { sampler: uniform, lower: 0, upper: 1, n: 3e9 }\n",
        /'params\.x\.n' of the uniform sampler asks for 3000000000 rows, more than a sweep holds in memory/,
      ],
      [
        "params:\n  x: [0, 1, 100000]\n  y: [0, 1, 100000]\n",
        /the grid of 'params\.x' \(100000\) x 'params\.y' \(100000\) makes more rows than a sweep holds in memory \(at most 100000000\): current value is 10000000000/,
      ],
    ];
    for (const [params, pattern] of cases) {
      await Deno.writeTextFile(`${dir}/s.yaml`, `model: ./m.js\n${params}csv: r.csv\n`);
      const r = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, pattern);
    }
  });
});

Deno.test("CLI: without csv, jsonl or --out the rows go to a new file beside the sweep file, and --report works", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = (_, p) => ({ y: 2 * p.x });\n",
    );
    await Deno.writeTextFile(
      `${dir}/sweep.yaml`,
      "model: ./m.js\nparams: { x: [0, 1, 3] }\nworkers: 1\n",
    );
    // Before: everything computed, nothing kept, the report silently skipped.
    const first = await psweep(["run", "sweep.yaml", "--report"], dir);
    assertEquals(first.code, 0, first.stderr);
    assertMatch(first.stderr, /no --out was given: writing sweep\.csv/);
    assertEquals(
      await Deno.readTextFile(`${dir}/sweep.csv`),
      "x,y,success\n0,0,true\n0.5,1,true\n1,2,true\n",
    );
    assert((await Deno.stat(`${dir}/sweep.html`)).isFile);
    // Never overwriting: the next run writes the next free name.
    const second = await psweep(["run", "sweep.yaml", "--quiet"], dir);
    assertEquals(second.code, 0, second.stderr);
    assert((await Deno.stat(`${dir}/sweep-1.csv`)).isFile);
  });
});

Deno.test("CLI: --debug shows the model's own stack, with its file and line", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = (_, p) => {\n  if (p.x > 0) throw new RangeError('too far');\n  return { y: p.x };\n};\n",
    );
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { x: [0, 1, 3] }\ncsv: r.csv\n",
    );
    for (const workers of ["1", "2"]) {
      const r = await psweep([
        "run",
        `${dir}/s.yaml`,
        "--debug",
        "--workers",
        workers,
        "--overwrite",
      ]);
      assertEquals(r.code, 0, r.stderr);
      // Before: psweep's own stack only, never the model's.
      assertMatch(
        r.stderr,
        /psweep: debug: row 1 failed in the model:\nRangeError: too far\n\s+at (Module\.)?evaluate \(file:\/\/\S*\/m\.js:2:\d+\)/,
      );
      // Once per kind of error: row 2 failed the same way.
      assertEquals(r.stderr.match(/psweep: debug: row/g)?.length, 1);
    }
    // A build that fails shows the model's build stack too.
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const build = () => {\n  throw new TypeError('bad build');\n};\nexport const evaluate = () => ({ y: 1 });\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--debug", "--workers", "2", "--overwrite"]);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      r.stderr,
      /TypeError: bad build\n\s+at (Module\.)?build \(file:\/\/\S*\/m\.js:2:\d+\)/,
    );
  });
});

Deno.test("CLI: a refused resume says 'Cannot resume' once, names the changed sampler parameter, and exits 2", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });\n");
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { x: { sampler: linear, lower: 0, upper: 1, n: 4 } }\nworkers: 1\ncsv: r.csv\n",
    );
    assertEquals((await psweep(["run", `${dir}/s.yaml`, "--quiet"])).code, 0);
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { x: { sampler: linear, lower: 0, upper: 1, n: 5 } }\nworkers: 1\ncsv: r.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--resume", "--quiet"]);
    // Before: exit 1, "Cannot resume ... Cannot resume ... 'totalRows' differs".
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stderr.match(/Cannot resume/g)?.length, 1);
    assertMatch(
      r.stderr,
      /'params\.x\.n' differs from the one it was started with: current value is 5, expected 4/,
    );
  });
});

Deno.test("deno task install gives a working psweep command, whose hints say psweep", async () => {
  await withTempDir(async (dir) => {
    const bin = Deno.execPath().replace(/\/[^/]+$/, "");
    const env = { DENO_INSTALL_ROOT: `${dir}/root`, PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` };
    const install = await run(Deno.execPath(), ["task", "install"], { cwd: root, env });
    assertEquals(install.code, 0, install.stderr);
    const command = `${dir}/root/bin/psweep`;
    // Before: "Import "yaml" not a dependency" for any command.
    const version = await run(command, ["--version"], { cwd: dir, env });
    assertEquals(version.code, 0, version.stderr);
    assertMatch(version.stdout, /^psweep \d+\.\d+\.\d+/);
    const init = await run(command, ["init", "new"], { cwd: dir, env });
    assertEquals(init.code, 0, init.stderr);
    assertMatch(init.stdout, /^next: psweep run new\/sweep\.yaml$/m);
  });
});

Deno.test("hints repeat the command as typed when it was not psweep", async () => {
  await withTempDir(async (dir) => {
    const r = await psweep(["init", "new"], dir);
    assertEquals(r.code, 0, r.stderr);
    // Word for word, as this test typed it (Deno by its full path).
    const typed = `${Deno.execPath()} run -A ${mod}`;
    assertEquals(r.stdout.split("\n")[1], `next: ${typed} run new/sweep.yaml`);
    const help = await psweep(["run", "--help"], dir);
    assert(help.stdout.includes(`\n  ${typed} run sweep.yaml --resume\n`), help.stdout);
  });
});

Deno.test("a project with its own deno.json type-checks code that imports psweep's mod.ts", async () => {
  await withTempDir(async (dir) => {
    // None of psweep's dependencies listed: the CLI's and the report's must resolve anyway.
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: {} }));
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { linearSample, parameterSweep } from ${JSON.stringify(mod)};\n` +
        "export const run = () => parameterSweep({ model: './m.js', params: { x: linearSample(0, 1, 2) } });\n",
    );
    // Before: TS2307 Import "yaml"/"vega"/"vega-lite" not a dependency.
    const r = await run(Deno.execPath(), ["check", "main.ts"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
  });
});

// The README's library example, run as its text says, from a project of the user's own.
async function readmeLibraryExample(): Promise<{ code: string; line: string }> {
  const readme = await Deno.readTextFile(`${root}README.md`);
  const section = readme.slice(readme.indexOf("## Sweeping a model"));
  const code = section.match(/```ts\n([\s\S]*?)```/)![1];
  const line = section.match(/```sh\n(deno run [^\n]*)\n```/)![1];
  return { code, line };
}

Deno.test("the README's library example runs with the command line it shows; without the flags the first error names both", async () => {
  const { code, line } = await readmeLibraryExample();
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/examples/models`, { recursive: true });
    await Deno.copyFile(
      `${root}examples/models/heat_exchanger.ts`,
      `${dir}/examples/models/heat_exchanger.ts`,
    );
    await Deno.writeTextFile(`${dir}/deno.json`, "{}");
    await Deno.writeTextFile(
      `${dir}/sweep.ts`,
      code.replaceAll('"@x/psweep"', JSON.stringify(mod)),
    );
    const [command, ...args] = line.split(" ");
    assertEquals(command, "deno");
    const ok = await run(Deno.execPath(), args, { cwd: dir });
    assertEquals(ok.code, 0, ok.stderr);
    // Before: the first error named --unstable-worker-options only; --no-prompt came later.
    const bare = await run(Deno.execPath(), ["run", "-A", "sweep.ts"], { cwd: dir });
    assert(bare.code !== 0);
    assertMatch(bare.stderr, /--unstable-worker-options --no-prompt/);
  });
});
