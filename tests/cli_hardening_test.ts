// The CLI against hostile models and careless use (issue 11), as a user runs it: real processes,
// real signals, real second runs.
import { assert, assertEquals, assertMatch } from "./_assert.ts";

const mod = new URL("../mod.ts", import.meta.url).pathname;
const slow = new URL("./fixtures/models/slow.ts", import.meta.url).pathname;
const hostile = (name: string) => new URL(`./fixtures/hostile/${name}`, import.meta.url).pathname;
// 1000 points of about 2 ms on 2 workers: long enough to act while it runs.
const SLOW_GRID =
  `model: ${slow}\nparams:\n  x: { sampler: linear, lower: 0, upper: 19, n: 20 }\n` +
  `  z: { sampler: linear, lower: 1, upper: 50, n: 50 }\noutputs: [y]\nworkers: 2\ncsv: out.csv\n`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "psweep_cli_hard_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function spawn(args: string[], cwd: string, flags = ["-A"]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, mod, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function psweep(args: string[], cwd: string, flags?: string[]) {
  const out = await spawn(args, cwd, flags).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// Reads stderr until `until` matches; then `act`, then the rest (until every holder of the pipe
// has closed it: the process, and any child it started).
async function whileRunning(
  child: Deno.ChildProcess,
  until: RegExp,
  act: () => Promise<void>,
): Promise<{ code: number; err: string }> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let err = "";
  while (!until.test(err)) {
    const { value, done } = await reader.read();
    if (done) break;
    err += value;
  }
  await act();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    err += value;
  }
  await child.stdout.cancel();
  return { code: (await child.status).code, err };
}

// Whether a process runs: an ended one is gone, or a zombie until something reaps it.
async function running(pid: number): Promise<boolean> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat !== "" && !/\) Z /.test(stat);
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("a second run on a results file in use fails at once, naming the file and the pid", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/s.yaml`, SLOW_GRID);
    const first = spawn(["run", `${dir}/s.yaml`], dir);
    let second: { code: number; stderr: string } | undefined;
    let holder = "";
    const { code } = await whileRunning(first, /progress: [1-9]/, async () => {
      holder = (await Deno.readTextFile(`${dir}/out.csv.lock`)).trim();
      second = await psweep(["run", `${dir}/s.yaml`, "--overwrite"], dir);
      first.kill("SIGINT");
    });
    assertEquals(code, 130);
    assertEquals(second!.code, 2, second!.stderr);
    assertMatch(
      second!.stderr,
      new RegExp(`out\\.csv" as another run \\(pid ${holder}\\) is writing it`),
    );
    assert(!/\n\s+at /.test(second!.stderr), second!.stderr);
    // The first run's rows are intact: a header and whole lines of three fields.
    const lines = (await Deno.readTextFile(`${dir}/out.csv`)).trim().split("\n");
    assertEquals(lines[0], "x,z,y,success");
    assert(lines.slice(1).every((l) => l.split(",").length === 4), "a malformed line");
    // Released when the run ends: the next run resumes.
    assert(!await exists(`${dir}/out.csv.lock`));
  });
});

Deno.test("a second run of a recursive sweep on its results file fails at once, leaving the first's rounds", async () => {
  await withDir(async (dir) => {
    // Rounds far longer than the test: the first run is stopped by the test, not by finishing.
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${slow}\nparams:\n  x: { sampler: uniform, lower: 8, upper: 9, n: 500 }\n` +
        `  z: { sampler: uniform, lower: 1, upper: 2, n: 500 }\nnumSamples: 5000\nworkers: 2\n` +
        `csv: r.csv\nh5: r.h5\n`,
    );
    const first = spawn(["run", `${dir}/s.yaml`], dir);
    const part = `${dir}/.r.csv.round-0.csv`;
    let second: { code: number; stderr: string } | undefined;
    let holder = "";
    let rowsBefore = 0;
    const { code, err } = await whileRunning(first, /progress: [1-9]/, async () => {
      try {
        holder = (await Deno.readTextFile(`${dir}/r.csv.lock`).catch(() => "no lock file")).trim();
        rowsBefore = (await Deno.readTextFile(part)).trim().split("\n").length - 1;
        second = await psweep(["run", `${dir}/s.yaml`, "--overwrite"], dir);
      } finally {
        first.kill("SIGINT");
      }
    });
    assertEquals(second!.code, 2, second!.stderr);
    assertMatch(
      second!.stderr,
      new RegExp(`r\\.csv" as another run \\(pid ${holder}\\) is writing it`),
    );
    // The first run lost nothing: it stopped as a stopped run does, its round on disk.
    assertEquals(code, 130, err);
    assertMatch(err, /Every finished row is in the round files beside \S*r\.csv; resume with/);
    const lines = (await Deno.readTextFile(part)).trim().split("\n");
    assertEquals(lines[0], "x,z,y,spun,success");
    assert(
      lines.length - 1 >= rowsBefore && rowsBefore > 0,
      `rows: ${rowsBefore}, ${lines.length}`,
    );
    assert(lines.slice(1).every((l) => l.split(",").length === 5), "a malformed line");
    assert(!await exists(`${dir}/r.csv.lock`) && !await exists(`${dir}/r.h5.lock`));
  });
});

Deno.test("kill -9 of the CLI ends the child it relaunched: the child stops cleanly", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/s.yaml`, SLOW_GRID);
    // A config without "unstable": psweep relaunches itself.
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: config.imports }));
    const parent = spawn(["run", `${dir}/s.yaml`], dir, ["-A", "--config", `${dir}/deno.json`]);
    let child = 0;
    const { code, err } = await whileRunning(parent, /progress: [1-9]/, async () => {
      child = Number((await Deno.readTextFile(`${dir}/out.csv.lock`)).trim());
      assert(child !== parent.pid, "the lock is the relaunched child's");
      parent.kill("SIGKILL");
    });
    assertEquals(code, 137);
    // The stderr pipe closed: the child has ended too, after writing its rows.
    assertMatch(err, /stopped\. Every finished row is in .*out\.csv/);
    assert(!await running(child), `the relaunched child ${child} still runs`);
    assert(!await exists(`${dir}/out.csv.lock`));
    const rows = (await Deno.readTextFile(`${dir}/out.csv`)).trim().split("\n").length - 1;
    assert(rows > 0 && rows < 1000, `rows on disk: ${rows}`);
  });
});

Deno.test("control characters of a model's names and messages reach the terminal escaped", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${hostile("escapes.ts")}\nparams:\n  x: [1, 2, 2]\n`,
    );
    for (const args of [[], ["--debug"]]) {
      const r = await psweep(["run", `${dir}/s.yaml`, ...args], dir);
      assertEquals(r.code, 0, r.stderr);
      const text = r.stdout + r.stderr;
      // deno-lint-ignore no-control-regex
      assert(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), JSON.stringify(text));
      assertMatch(r.stderr, /\\x1b\[31mred/);
      assertMatch(
        r.stderr,
        /\\x1b\]0;pwned\\x07\\x1b\]52;c;ZWNobyBoaQ==\\x07\\x1b\[2J\\x0dboom\\x9b31m/,
      );
    }
  });
});

Deno.test("what a model prints goes to stderr escaped, and --json's stdout holds the summary alone", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${hostile("prints.ts")}\nparams:\n  x: [1, 2, 2]\n`,
    );
    const r = await psweep(["run", `${dir}/s.yaml`, "--json"], dir);
    assertEquals(r.code, 0, r.stderr);
    // deno-lint-ignore no-control-regex
    assert(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(r.stdout + r.stderr), JSON.stringify(r));
    const summary = JSON.parse(r.stdout);
    assertEquals([summary.rows, summary.forged], [2, undefined]);
    for (const what of ["log 1", "error { x: 1 }", "stderr"]) {
      assertMatch(r.stderr, new RegExp(`\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[2J\\\\x0d${what}`));
    }
    assertMatch(r.stderr, /\{"rows":99,"forged":true\}/);
  });
});

Deno.test("a model's npm import neither rewrites the project's lock file nor reaches the registry unless granted the network", async () => {
  // A project of its own, with a lock file; with "unstable" on, psweep could run its workers in
  // this process, but starts itself again under --frozen all the same.
  for (const unstable of [[], ["worker-options"]]) {
    await npmImportRun(unstable);
  }
});

async function npmImportRun(unstable: string[]): Promise<void> {
  await withDir(async (dir) => {
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: config.imports, unstable }),
    );
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });");
    await Deno.writeTextFile(`${dir}/ok.yaml`, "model: ./m.js\nparams:\n  x: [1, 2, 2]\n");
    // No --cached-only from the user: psweep adds it for a model without the network.
    const flags = ["-A", "--config", `${dir}/deno.json`];
    const first = await psweep(["run", `${dir}/ok.yaml`], dir, flags);
    assertEquals(first.code, 0, first.stderr);
    const lock = await Deno.readTextFile(`${dir}/deno.lock`).catch(() => undefined);
    await Deno.writeTextFile(
      `${dir}/npm.yaml`,
      `model: ${hostile("npm_import.ts")}\nparams:\n  x: [1, 2, 2]\n`,
    );
    const r = await psweep(["run", `${dir}/npm.yaml`], dir, flags);
    assertEquals(r.code, 1, r.stderr);
    // Refused from the cache alone: the relaunched run was --cached-only.
    assertMatch(r.stderr, /psweep-i11-no-such-package.*--cached-only is specified/);
    assertEquals(await Deno.readTextFile(`${dir}/deno.lock`).catch(() => undefined), lock);
    // Granted the network (a flag, or the sweep file's permissions), the model's import may
    // reach the registry (which has no such package); the lock file still cannot change.
    await Deno.writeTextFile(
      `${dir}/npm_net.yaml`,
      `model: ${hostile("npm_import.ts")}\nparams:\n  x: [1, 2, 2]\npermissions:\n  net: true\n`,
    );
    for (
      const args of [["run", `${dir}/npm.yaml`, "--allow-net"], ["run", `${dir}/npm_net.yaml`]]
    ) {
      const granted = await psweep(args, dir, flags);
      assertEquals(granted.code, 1, granted.stderr);
      assertMatch(granted.stderr, /psweep-i11-no-such-package/);
      assert(!/--cached-only is specified/.test(granted.stderr), granted.stderr);
      assertEquals(await Deno.readTextFile(`${dir}/deno.lock`).catch(() => undefined), lock);
    }
  });
}

Deno.test("psweep run from a URL caches its workers' modules and runs a model's imports offline too", async () => {
  // psweep as `deno run -A jsr:@x/psweep` runs it: its modules from a server (here this
  // checkout, served on a port of this machine), its workers' modules fetched by URL.
  const root = new URL("../", import.meta.url).pathname;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      try {
        const body = await Deno.readFile(root + path);
        const type = path.endsWith(".json") ? "application/json" : "application/typescript";
        return new Response(body, { headers: { "content-type": type } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/mod.ts`;
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/m.js`, "export const evaluate = (_, p) => ({ y: p.x });");
    await Deno.writeTextFile(`${dir}/ok.yaml`, "model: ./m.js\nparams:\n  x: [1, 2, 2]\n");
    await Deno.writeTextFile(
      `${dir}/npm.yaml`,
      `model: ${hostile("npm_import.ts")}\nparams:\n  x: [1, 2, 2]\n`,
    );
    const run = async (file: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", url, "run", `${dir}/${file}`],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    };
    // The relaunched run is --cached-only: its workers load only because psweep cached them.
    const ok = await run("ok.yaml");
    assertEquals(ok.code, 0, ok.stderr);
    const npm = await run("npm.yaml");
    assertEquals(npm.code, 1, npm.stderr);
    assertMatch(npm.stderr, /psweep-i11-no-such-package.*--cached-only is specified/);
  });
});

Deno.test("rows with 20,000 new output names each fail at the limit, and SIGTERM still stops the run", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${hostile("many_keys.ts")}\nparams:\n  x: [0, 399, 400]\nworkers: 2\ncsv: out.csv\n`,
    );
    const child = spawn(["run", `${dir}/s.yaml`], dir);
    const { code, err } = await whileRunning(child, /progress: [1-9]/, () => {
      child.kill("SIGTERM");
      return Promise.resolve();
    });
    assertEquals(code, 130, err);
    assertMatch(err, /stopped\. Every finished row is in .*out\.csv/);
    const lines = (await Deno.readTextFile(`${dir}/out.csv`)).trim().split("\n");
    assertEquals(lines.slice(0, 2), ["x,y,success", "0,0,true"]);
    assert(lines.slice(2).every((l) => l.endsWith(",NaN,false")), lines[2]);
  });
});
