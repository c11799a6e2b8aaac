// End-to-end tests of the CLI: psweep runs as a user would run it, in a subprocess.
import { VERSION } from "../src/cli/_version.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { hasScript, runOnTerminal } from "./_terminal.ts";
import { resultsFormat } from "../src/io/_formats.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function psweep(
  args: string[],
  options: { cwd?: string; flags?: string[] } = {},
): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.flags ?? ["-A"]), mod, ...args],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const slow = new URL("./fixtures/models/slow.ts", import.meta.url).pathname;
// 1000 points of about 2 ms on 2 workers: long enough to stop halfway.
const SLOW_GRID =
  `model: ${slow}\nparams:\n  x: { sampler: linear, lower: 0, upper: 19, n: 20 }\n` +
  `  z: { sampler: linear, lower: 1, upper: 50, n: 50 }\noutputs: [y]\nworkers: 2\ncsv: out.csv\n`;

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "psweep_cli_" });
}

Deno.test("--version prints deno.json's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assertEquals(VERSION, config.version);
  const r = await psweep(["--version"]);
  assertEquals([r.code, r.stdout.trim()], [0, `psweep ${config.version}`]);
});

Deno.test("--help on every command shows usage with examples", async () => {
  for (
    const args of [["--help"], ["run", "--help"], ["init", "--help"], ["report", "--help"], [
      "--quiet",
      "--help",
    ]]
  ) {
    const r = await psweep(args);
    assertEquals(r.code, 0, r.stderr);
    // Usage lines repeat the command as typed: here `deno run -A <path>/mod.ts`.
    assertMatch(r.stdout, /psweep|deno run -A \S*mod\.ts/);
    assert(/Example|deno run|psweep run|Options/.test(r.stdout), `${args}: ${r.stdout}`);
  }
});

Deno.test("usage errors exit 2 with one line and no stack trace", async () => {
  const dir = await tempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["bogus"], /unknown command "bogus"/],
      [["run"], /run takes one sweep file/],
      [["run", `${dir}/missing.yaml`], /Cannot read sweep file .*missing.yaml: it does not exist/],
      [["run", "--workers", "0", `${dir}/x.yaml`], /--workers must be an integer from 1 to/],
      [["run", "--frobnicate", `${dir}/x.yaml`], /--frobnicate/],
      // Number("") is 0: an empty seed must not pass for seed 0.
      [["run", "--seed", "", `${dir}/x.yaml`], /--seed must be an integer from 0 to 4294967295/],
      [["run", "--seed", "99999999999", `${dir}/x.yaml`], /--seed must be an integer from 0/],
      [["run", "--out", "r.txt", `${dir}/x.yaml`], /--out must name a \.csv or \.jsonl/],
      [["run", "--resume", "--overwrite", `${dir}/x.yaml`], /exclude each other/],
      // A results file that could not be written, found before any work.
      [
        ["run", "--out", `${dir}/no/such/r.csv`, `${dir}/x.yaml`],
        /Cannot write results to ".*no\/such\/r\.csv" as its directory ".*no\/such" does not exist/,
      ],
      // Past what the pool takes: too many threads, a timer the platform cannot hold.
      [
        ["run", "--workers", "2000", `${dir}/x.yaml`],
        /--workers must be an integer from 1 to 1024/,
      ],
      [
        ["run", "--timeout", "3000000000", `${dir}/x.yaml`],
        /--timeout must be .* up to 2147483647/,
      ],
    ];
    for (const [args, pattern] of cases) {
      if (args.includes(`${dir}/x.yaml`)) {
        await Deno.writeTextFile(`${dir}/x.yaml`, "model: ./m.js\nparams: { x: [0, 1, 3] }\n");
        await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });");
      }
      const r = await psweep(args);
      assertEquals(r.code, 2, `${args}: ${r.stderr}`);
      assertMatch(r.stderr, pattern);
      assert(!/\n\s+at /.test(r.stderr), `no stack trace expected: ${r.stderr}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("malformed sweep files name the file, the field and the fix", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });");
    const cases: [string, string, RegExp][] = [
      ["bad.yaml", "model: ./m.js\nparams: [\n", /Cannot parse sweep file .*bad.yaml/],
      ["bad.json", '{ "model": ', /Cannot parse sweep file .*bad.json/],
      [
        "nomodel.yaml",
        "params: { x: [0, 1, 3] }\n",
        /'model' must be the path of the model module/,
      ],
      [
        "sampler.yaml",
        "model: ./m.js\nparams: { x: { sampler: wobbly, n: 3 } }\n",
        /params\.x.*wobbly/,
      ],
      [
        "value.yaml",
        "model: ./m.js\nparams: { x: { sampler: linear, lower: 0, upper: 1, n: 0 } }\n",
        /'params\.x\.n' must be a positive integer: current value is 0/,
      ],
      [
        "typo.yaml",
        "model: ./m.js\nparams: { x: [0, 1, 3] }\nworkerz: 2\n",
        /'workerz' is not a sweep setting/,
      ],
      [
        "seed.yaml",
        "model: ./m.js\nparams: { x: [0, 1, 3] }\nseed: 99999999999\n",
        /'seed' must be an integer from 0 to 4294967295: current value is 99999999999/,
      ],
      ["csvname.yaml", "model: ./m.js\nparams: { x: [0, 1, 3] }\ncsv: r.txt\n", /'csv' must be/],
      // Settings the library checks still name the file, and are usage errors too.
      [
        "success.yaml",
        "model: ./m.js\nparams: { success: [0, 1, 3] }\n",
        /Invalid sweep file .*success\.yaml: .*'params' must name its parameters .*"success"/,
      ],
      [
        "huge.yaml",
        "model: ./m.js\nparams: { x: { sampler: linear, lower: 0, upper: 1, n: 1e12 } }\n",
        /Invalid sweep file .*huge\.yaml: .*'params\.x\.n' of the linear sampler asks for 1000000000000 rows, more than a sweep holds in memory/,
      ],
      [
        "samples.yaml",
        "model: ./m.js\nparams: { x: { sampler: uniform, lower: 0, upper: 1, n: 10 } }\nnumSamples: 200000000\n",
        /'numSamples' must be an integer from 1 to 100000000: current value is 200000000/,
      ],
      [
        "interp_h5.yaml",
        "model: ./m.js\nparams: { x: [0, 1, 3] }\nh5: r.h5\ninterpolateNanOutputs: true\n",
        /Invalid sweep file .*interp_h5\.yaml: Cannot run a sweep with 'interpolateNanOutputs' as neither 'csv' nor 'jsonl'/,
      ],
      [
        "interp5.yaml",
        "model: ./m.js\nparams: { a: [0, 1, 2], b: [0, 1, 2], c: [0, 1, 2], d: [0, 1, 2], e: [0, 1, 2] }\ncsv: r5.csv\ninterpolateNanOutputs: true\n",
        /Invalid sweep file .*interp5\.yaml: Cannot run a sweep with 'interpolateNanOutputs' as linear interpolation supports up to 4 varying parameters: current value is 5/,
      ],
      [
        "mixed.yaml",
        "model: ./m.js\nparams:\n  x: [0, 1, 3]\n  z: { sampler: uniform, lower: 0, upper: 1, n: 3 }\n",
        /Invalid sweep file .*mixed\.yaml: .*types cannot be mixed/,
      ],
    ];
    for (const [name, text, pattern] of cases) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
      const r = await psweep(["run", `${dir}/${name}`]);
      assertEquals(r.code, 2, `${name}: ${r.stderr}`);
      assertMatch(r.stderr, pattern);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model without evaluate fails the run (exit 1); a missing one is a usage error (exit 2)", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.js`, "export const build = () => 1;");
    await Deno.writeTextFile(
      `${dir}/s.json`,
      JSON.stringify({ model: "./m.js", params: { x: [0, 1, 3] } }),
    );
    const r = await psweep(["run", `${dir}/s.json`, "--quiet"]);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /must export a function 'evaluate'/);
    await Deno.writeTextFile(
      `${dir}/s2.json`,
      JSON.stringify({ model: "./nope.js", params: { x: [0, 1, 3] } }),
    );
    const r2 = await psweep(["run", `${dir}/s2.json`, "--quiet"]);
    assertEquals(r2.code, 2, r2.stderr);
    assertMatch(
      r2.stderr,
      /Invalid sweep file .*s2\.json: .*'model' must name an existing module file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model that reads a file it was not granted fails every point, and --allow-read grants it", async () => {
  const dir = await tempDir();
  const secret = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      `export const evaluate = (_, p) => ({ y: Deno.readTextFileSync(${
        JSON.stringify(secret)
      }).length + p.x });`,
    );
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams:\n  x: { sampler: linear, lower: 0, upper: 1, n: 3 }\n",
    );
    // On any number of workers: one is a scoped worker too, not the CLI's own -A.
    for (const workers of ["1", "2"]) {
      const denied = await psweep(["run", `${dir}/s.yaml`, "--json", "--workers", workers]);
      assertEquals(denied.code, 1, denied.stderr);
      assertMatch(denied.stderr, /all 3 points failed; first error: NotCapable: .*read access/);
    }
    const granted = await psweep(["run", `${dir}/s.yaml`, "--json", `--allow-read=${secret}`]);
    // Deno's syntax: a bare --allow-x takes no value (here before the file name).
    const bare = await psweep(["run", "--allow-read", `${dir}/s.yaml`, "--allow-sys", "--json"]);
    assertEquals(bare.code, 0, bare.stderr);
    assertEquals(JSON.parse(bare.stdout).succeeded, 3);
    assertEquals(granted.code, 0, granted.stderr);
    const summary = JSON.parse(granted.stdout);
    assertEquals([summary.rows, summary.succeeded, summary.failed], [3, 3, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(secret);
  }
});

Deno.test("psweep relaunches itself with scoped workers under plain `deno run -A`", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: 2 * p.x });");
    await Deno.writeTextFile(
      `${dir}/s.json`,
      JSON.stringify({ model: "./m.js", params: { x: [0, 1, 5] }, workers: 2 }),
    );
    // A config without "unstable": psweep must arrange worker-options itself.
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: config.imports }));
    const r = await psweep(["run", `${dir}/s.json`, "--json"], {
      flags: ["-A", "--config", `${dir}/deno.json`],
      cwd: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout).succeeded, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the demo writes a results file it never overwrites, and a summary", async () => {
  const dir = await tempDir();
  try {
    const first = await psweep([], { cwd: dir });
    assertEquals(first.code, 0, first.stderr);
    assertMatch(first.stderr, /^775 points, \d+ succeeded, \d+ failed in [\d.]+ s$/m);
    assertMatch(first.stderr, /energyKwhPerM3/);
    assertMatch(first.stderr, /results: psweep-demo\.csv/);
    const second = await psweep(["--quiet"], { cwd: dir });
    assertEquals(second.code, 0, second.stderr);
    assertEquals(second.stderr, "");
    const a = await Deno.readTextFile(`${dir}/psweep-demo.csv`);
    const b = await Deno.readTextFile(`${dir}/psweep-demo-1.csv`);
    assertEquals(a, b);
    assertEquals(a.trim().split("\n").length, 776);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("init writes a model and sweep file that run accepts as they are, with a report", async () => {
  const dir = await tempDir();
  try {
    const init = await psweep(["init", `${dir}/starter`]);
    assertEquals(init.code, 0, init.stderr);
    const run = await psweep(["run", `${dir}/starter/sweep.yaml`, "--report", "--quiet"]);
    assertEquals(run.code, 0, run.stderr);
    const csv = await Deno.readTextFile(`${dir}/starter/results.csv`);
    assertMatch(csv, /^stiffness,damping,naturalFrequency,dampingRatio,peakAmplification,success/);
    assertEquals(csv.trim().split("\n").length, 401);
    assertMatch(await Deno.readTextFile(`${dir}/starter/results.html`), /<svg/);
    const again = await psweep(["init", `${dir}/starter`]);
    assertEquals(again.code, 2);
    assertMatch(again.stderr, /already exists/);
    // Either file in the way stops init before it writes anything.
    await Deno.mkdir(`${dir}/half`);
    await Deno.writeTextFile(`${dir}/half/sweep.yaml`, "mine\n");
    const half = await psweep(["init", `${dir}/half`]);
    assertEquals(half.code, 2);
    assertEquals([...Deno.readDirSync(`${dir}/half`)].map((e) => e.name), ["sweep.yaml"]);
    const report = await psweep(["report", `${dir}/starter/results.csv`, "--out", `${dir}/r.html`]);
    assertEquals(report.code, 0, report.stderr);
    const twice = await psweep(["report", `${dir}/starter/results.csv`, "--out", `${dir}/r.html`]);
    assertEquals(twice.code, 2);
    assertMatch(twice.stderr, /pass --overwrite to replace it/);
    // A directory is no page's path, --overwrite or not.
    const intoDir = await psweep(
      ["report", `${dir}/starter/results.csv`, "--out", `${dir}/half`, "--overwrite"],
    );
    assertEquals(intoDir.code, 2);
    assertMatch(
      intoDir.stderr,
      /^psweep: Cannot write report as ".*half" is a directory: name the page's file/,
    );
    // A report in the way is found before the sweep runs.
    await Deno.mkdir(`${dir}/again`);
    await Deno.copyFile(`${dir}/starter/model.js`, `${dir}/again/model.js`);
    await Deno.copyFile(`${dir}/starter/sweep.yaml`, `${dir}/again/sweep.yaml`);
    await Deno.writeTextFile(`${dir}/again/results.html`, "old page\n");
    const early = await psweep(["run", `${dir}/again/sweep.yaml`, "--report", "--quiet"]);
    assertEquals(early.code, 2);
    assertMatch(early.stderr, /results\.html already exists: pass --overwrite/);
    assertEquals(await Deno.stat(`${dir}/again/results.csv`).then(() => true, () => false), false);
    const missing = await psweep(["report", `${dir}/nope.csv`]);
    assertEquals(missing.code, 2);
    assertMatch(missing.stderr, /Cannot read results file .*nope\.csv: it does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C stops cleanly with the resume command, and --resume finishes the sweep", async () => {
  const dir = await tempDir();
  try {
    // A path the resume command must quote for the shell.
    await Deno.mkdir(`${dir}/sp ace`);
    await Deno.writeTextFile(
      `${dir}/sp ace/s.yaml`,
      SLOW_GRID,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        mod,
        "run",
        `${dir}/sp ace/s.yaml`,
        "--out",
        `${dir}/other.csv`,
        "--seed",
        "5",
        "--timeout",
        "60000",
      ],
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    // The first progress line comes with the first finished chunk, already on disk.
    const { code, err } = await interrupt(child, /progress: [1-9]/, "SIGINT");
    assertEquals(code, 130, err);
    // The command as typed, every flag kept, quoted for the shell.
    assertMatch(
      err,
      /stopped\. Every finished row is in .*other\.csv; resume with: \S*deno run -A \S*mod\.ts run '.*\/sp ace\/s\.yaml' --out .*other\.csv --seed 5 --timeout 60000 --resume/,
    );
    const partial = (await Deno.readTextFile(`${dir}/other.csv`)).trim().split("\n").length - 1;
    assert(partial > 0 && partial < 1000, `rows on disk: ${partial}`);
    // The hint's command, run by a shell as printed, finishes the sweep.
    const hint = /resume with: (\S*deno run .*)$/m.exec(err)![1];
    const out = await new Deno.Command("sh", {
      args: ["-c", hint],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const resumed = { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    assertEquals(resumed.code, 0, resumed.stderr);
    assertMatch(
      resumed.stderr,
      new RegExp(`1000 points, 950 succeeded, 50 failed .*\\(${partial} resumed from disk\\)`),
    );
    assertEquals((await Deno.readTextFile(`${dir}/other.csv`)).trim().split("\n").length, 1001);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Reads a child's stderr until `until` matches, then signals it, then reads the rest.
async function interrupt(
  child: Deno.ChildProcess,
  until: RegExp,
  signal: Deno.Signal,
): Promise<{ code: number; err: string }> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let err = "";
  while (!until.test(err)) {
    const { value, done } = await reader.read();
    if (done) break;
    err += value;
  }
  child.kill(signal);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    err += value;
  }
  return { code: (await child.status).code, err };
}

Deno.test("a relaunched psweep passes SIGTERM on: the sweep stops cleanly, rows on disk", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      SLOW_GRID,
    );
    // A config without "unstable": psweep relaunches itself, and the signal goes to the parent.
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: config.imports }));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", `${dir}/deno.json`, mod, "run", `${dir}/s.yaml`],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    const { code, err } = await interrupt(child, /progress: [1-9]/, "SIGTERM");
    assertEquals(code, 130, err);
    assertMatch(
      err,
      /stopped\. Every finished row is in .*out\.csv; resume with: \S*deno run -A --config \S+ \S*mod\.ts run /,
    );
    const rows = (await Deno.readTextFile(`${dir}/out.csv`)).trim().split("\n").length - 1;
    assert(rows > 0 && rows < 1000, `rows on disk: ${rows}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C during a recursive sweep leaves its rounds on disk and prints the resume command", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${slow}\nparams:\n  x: { sampler: uniform, lower: 8, upper: 9, n: 500 }\n` +
        `  z: { sampler: uniform, lower: 1, upper: 2, n: 500 }\nnumSamples: 5000\nworkers: 2\ncsv: r.csv\n`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", mod, "run", `${dir}/s.yaml`],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    const { code, err } = await interrupt(child, /progress: [1-9]/, "SIGINT");
    assertEquals(code, 130, err);
    assertMatch(
      err,
      /Every finished row is in the round files beside .*r\.csv; resume with: .*--resume/,
    );
    // The results file comes once the sweep completes; the first round's rows are on disk.
    assertEquals(await Deno.stat(`${dir}/r.csv`).then(() => true, () => false), false);
    assertEquals(await Deno.stat(`${dir}/.r.csv.round-0.csv`).then(() => true, () => false), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's narrower flags suffice: psweep relaunches with exactly those", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: 2 * p.x });");
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams: { x: [0, 1, 5] }\ncsv: out.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--json"], {
      flags: ["--allow-read", "--allow-write", "--allow-env", "--allow-run"],
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout).succeeded, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "on a terminal the demo draws a progress bar with done/total, rate and time",
  ignore: !hasScript,
  async fn() {
    const dir = await tempDir();
    try {
      // `script` gives the CLI a terminal; psweep relaunches itself with --no-prompt there.
      const { code, text } = await runOnTerminal(
        `${Deno.execPath()} run -A ${mod} --out ${dir}/d.csv`,
        dir,
      );
      assertEquals(code, 0, text);
      assertMatch(text, /\r\[#+\.*\] \d+\/775 \(\d+ failed\) [\d.]+k?\/s (ETA|in) \d+:\d\d/);
      assertMatch(text, /775 points, \d+ succeeded, \d+ failed/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("path-limited grants get a clear message instead of a denied relaunch", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/s.yaml`, "model: ./m.js\nparams: { x: [0, 1, 3] }\n");
    const r = await psweep(["run", "s.yaml"], {
      cwd: dir,
      flags: [
        `--allow-read=${dir},${new URL("../", import.meta.url).pathname}`,
        "--allow-write",
        "--allow-env",
        "--allow-run",
      ],
    });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /cannot pass on a path-limited --allow-read; run with -A/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a recursive sweep file writes the rows it keeps; --resume of a finished one reads them back", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = (_, p) => { if (p.x < 0.5) throw new Error('low'); return { y: p.x }; };",
    );
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams:\n  x: { sampler: uniform, lower: 0, upper: 1, n: 4 }\nnumSamples: 5\nseed: 0\ncsv: r.csv\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
    assertEquals(r.code, 0, r.stderr);
    const lines = (await Deno.readTextFile(`${dir}/r.csv`)).trim().split("\n");
    assertEquals(lines.length, 6);
    assertEquals(lines[0], "x,y,success");
    const again = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
    assertEquals(again.code, 2);
    assertMatch(again.stderr, /r\.csv" already exists: run again with --resume .* or --overwrite/);
    const replaced = await psweep(["run", `${dir}/s.yaml`, "--quiet", "--overwrite"]);
    assertEquals(replaced.code, 0, replaced.stderr);
    const before = await Deno.readTextFile(`${dir}/r.csv`);
    const resumed = await psweep(["run", `${dir}/s.yaml`, "--resume", "--quiet"]);
    assertEquals(resumed.code, 0, resumed.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/r.csv`), before);
    // Every point failing is a failed run, for a recursive sweep too.
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = () => { throw new Error('no'); };",
    );
    const none = await psweep(["run", `${dir}/s.yaml`, "--quiet", "--overwrite"]);
    assertEquals(none.code, 1, none.stderr);
    assertMatch(
      none.stderr,
      /the recursive sweep found 0 of the 5 successful samples asked for, in 10 rounds of drawing \(\d+ drawn, \d+ failed\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a recursive sweep file with csv and h5 writes both, with their metadata, once it completes", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/m.js`,
      "export const evaluate = (_, p) => { if (p.x < 0.5) throw new Error('low'); return { y: 2 * p.x }; };",
    );
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      "model: ./m.js\nparams:\n  x: { sampler: uniform, lower: 0, upper: 1, n: 4 }\nnumSamples: 5\nseed: 0\ncsv: r.csv\nh5: r.h5\n",
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
    assertEquals(r.code, 0, r.stderr);
    const csv = await (await resultsFormat("csv")).read(`${dir}/r.csv`);
    const h5 = await (await resultsFormat("h5")).read(`${dir}/r.h5`);
    assertEquals(h5.rows, 5);
    assertEquals([h5.paramNames, h5.outputNames], [["x"], ["y"]]);
    assertEquals([...h5.params], [...csv.params]);
    assertEquals([...h5.outputs], [...csv.outputs]);
    assertEquals([...h5.success], [1, 1, 1, 1, 1]);
    assert([...h5.params].every((x, i) => x >= 0.5 && h5.outputs[i] === 2 * x));
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/r.h5.meta.json`));
    assertEquals([meta.numSamples, meta.seed], [5, 0]);
    // The h5 file is refused like the csv one, in the CLI's words.
    await Deno.remove(`${dir}/r.csv`);
    const again = await psweep(["run", `${dir}/s.yaml`, "--quiet"]);
    assertEquals(again.code, 2, again.stderr);
    assertMatch(again.stderr, /r\.h5" already exists: run again with --resume .* or --overwrite/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second run names the CLI's flags; the demo resumes its own file; --resume rewrites the report", async () => {
  const dir = await tempDir();
  try {
    const first = await psweep(["--quiet"], { cwd: dir });
    assertEquals(first.code, 0, first.stderr);
    const resumed = await psweep(["--resume", "--json", "--report"], { cwd: dir });
    assertEquals(resumed.code, 0, resumed.stderr);
    assertEquals(JSON.parse(resumed.stdout).resumed, 775);
    const again = await psweep(["--resume", "--quiet", "--report"], { cwd: dir });
    assertEquals(again.code, 0, again.stderr);
    await Deno.stat(`${dir}/psweep-demo.html`);
    const clash = await psweep(["--out", "psweep-demo.csv", "--quiet"], { cwd: dir });
    assertEquals(clash.code, 2);
    assertMatch(
      clash.stderr,
      /run again with --resume to continue that sweep, or --overwrite to replace it/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's sweep file example is a valid sweep file", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const yaml = /### Sweep files\s+```yaml\n([\s\S]*?)```/.exec(readme)![1];
  const dir = await tempDir();
  try {
    const init = await psweep(["init", dir]);
    assertEquals(init.code, 0, init.stderr);
    await Deno.remove(`${dir}/sweep.yaml`);
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/sweep.yaml`, yaml);
    const r = await psweep(["run", `${dir}/sweep.yaml`, "--quiet"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals((await Deno.readTextFile(`${dir}/results.csv`)).trim().split("\n").length, 401);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the summary table labels an output named like a parameter as its CSV column, outputs.<name>", async () => {
  const { parameterSweep, fixedSample } = await import("../mod.ts");
  const { summarizeResult } = await import("../src/sweep/sweep_summary.ts");
  const { summaryTable } = await import("../src/cli/_summary.ts");
  const model = URL.createObjectURL(
    new Blob(["export const evaluate = (_, p) => ({ x: 10 * p.x, y: 1 });"], {
      type: "text/javascript",
    }),
  );
  try {
    const result = await parameterSweep({
      model,
      params: { x: fixedSample([1, 2]) },
      workers: 1,
    });
    const table = summaryTable(summarizeResult(result), undefined).split("\n");
    assertMatch(table.find((line) => /^\s+x\s/.test(line)) ?? "", /^\s+x\s+1\s+1\.5\s+2$/);
    assertMatch(
      table.find((line) => line.includes("outputs.x")) ?? "",
      /outputs\.x\s+10\s+15\s+20$/,
    );
    assertMatch(table.find((line) => /^\s+y\s/.test(line)) ?? "", /^\s+y\s+1\s+1\s+1$/);
  } finally {
    URL.revokeObjectURL(model);
  }
});
