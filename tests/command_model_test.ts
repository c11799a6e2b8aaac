// Command models (issue 17): a model that is a program, spoken to over stdin and stdout. Python
// models through psweep_model.py, and a C program that implements the protocol by hand.
import {
  DenoWorkerManager,
  fixedSample,
  linearSample,
  parameterSweep,
  RedisManager,
  SingleProcessManager,
} from "../mod.ts";
import { build, closeCommandProcesses, evaluate } from "../src/command/_command_driver.ts";
import { withRunPermission } from "../src/command/_command_model.ts";
import { LineReader, LineTooLongError } from "../src/command/_process.ts";
import { COMMAND_DEFAULTS } from "../src/_defaults.ts";
import {
  formatNumber,
  jsonText,
  parseNumber,
  parseOutputs,
  parseReply,
} from "../src/command/_protocol.ts";
import { PSWEEP_MODEL_PY } from "../src/command/_python_helper.ts";
import { readRows } from "../src/io/read_rows.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertSameBits,
  assertThrows,
} from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { freshPrefix, REDIS_URL, SKIP_REDIS, withDaemons } from "./_redis.ts";

// A column of a table readRows returned (its values are row-major).
function column(
  table: {
    rows: number;
    paramNames: readonly string[];
    outputNames: readonly string[];
    params: Float64Array;
    outputs: Float64Array;
  },
  name: string,
): number[] {
  const p = table.paramNames.indexOf(name);
  const [data, names, c] = p >= 0
    ? [table.params, table.paramNames, p]
    : [table.outputs, table.outputNames, table.outputNames.indexOf(name)];
  assert(c >= 0, `no column ${name}`);
  return Array.from({ length: table.rows }, (_, r) => data[r * names.length + c]);
}

const fixtures = new URL("./fixtures/command/", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;

async function succeeds(program: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(program, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

// CI installs Debian's python3 (.ci/setup.d/25-python.sh); numpy and cc are optional there.
const hasPython = await succeeds("python3", ["-c", "pass"]);
const hasNumpy = hasPython && await succeeds("python3", ["-c", "import numpy"]);
const hasCc = await succeeds("cc", ["--version"]);
// mawk (Debian's awk) reads a pipe in blocks unless told -W interactive; gawk reads what is there.
const awk = await succeeds("mawk", ["-W", "interactive", "BEGIN { exit 0 }"])
  ? ["mawk", "-W", "interactive"]
  : await succeeds("gawk", ["BEGIN { exit 0 }"])
  ? ["gawk"]
  : undefined;
const python = { ignore: !hasPython };

Deno.test("protocol: every float64 survives formatNumber then parseNumber, bit for bit", () => {
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1.7976931348623157e308, 0.1];
  const bits = new BigUint64Array(2000);
  crypto.getRandomValues(bits);
  const random = [...new Float64Array(bits.buffer)];
  for (const x of [...specials, ...random]) {
    const back = parseNumber(formatNumber(x));
    assert(Object.is(back, x) || (Number.isNaN(x) && Number.isNaN(back)), `${x} came back ${back}`);
  }
  assertEquals(formatNumber(-0), "-0");
  assertEquals([formatNumber(NaN), formatNumber(Infinity), formatNumber(-Infinity)], [
    "nan",
    "inf",
    "-inf",
  ]);
  // What Python's repr and C's printf write.
  for (const [text, value] of [["-0.0", -0], ["-nan", NaN], ["1e+300", 1e300], ["INF", Infinity]]) {
    assert(Object.is(parseNumber(text as string), value), String(text));
  }
  for (const bad of ["", "1,5", "0x10", "one", "1e", "--1", "nanx"]) {
    assertEquals(parseNumber(bad), undefined, bad);
  }
});

Deno.test("protocol: replies parse into outputs or the model's failure", () => {
  const out: Record<string, number> = {};
  assertEquals(parseOutputs(`"y" 1.5 "z" -0.0 "with space \\"q\\"" nan`, out), undefined);
  assertSameBits([out.y, out.z, out['with space "q"']], [1.5, -0, NaN], "outputs");
  assertMatch(parseOutputs(`"y" abc`, {})!, /output "y" is "abc", not a number/);
  assertMatch(parseOutputs(`y 1`, {})!, /expected a quoted output name/);
  assertMatch(parseOutputs(`"y"`, {})!, /has no value/);
  assertMatch(parseOutputs(`"__proto__" 1`, {})!, /__proto__/);
  // A name given twice is a malformed reply, not "the last one wins".
  assertMatch(parseOutputs(`"y" 1 "z" 2 "y" 3`, {})!, /output "y" appears twice/);
  assertEquals(parseReply(`error "bad x" "ValueError" "Traceback..."`), {
    ok: false,
    message: "bad x",
    type: "ValueError",
    traceback: "Traceback...",
  });
  assertEquals(parseReply(`error "only a message"`), {
    ok: false,
    message: "only a message",
    type: "Error",
    traceback: "",
  });
  assertEquals(parseReply("ok"), { ok: true, rest: "" });
  assertEquals(parseReply("Solver converged"), undefined);
  assertEquals(jsonText({ a: -0, b: [1, "x", null, true] }, "o"), `{"a":-0,"b":[1,"x",null,true]}`);
  assertThrows(
    () => jsonText({ a: { b: NaN } }, "buildOptions"),
    /'buildOptions\.a\.b' must be JSON.*NaN/,
  );
  assertThrows(() => jsonText({ a: new Float64Array(1) }, "buildOptions"), /'buildOptions\.a'/);
});

Deno.test("the embedded psweep_model.py is the file", async () => {
  const file = await Deno.readTextFile(new URL("../src/command/psweep_model.py", import.meta.url));
  if (file !== PSWEEP_MODEL_PY && Deno.env.get("PSWEEP_UPDATE_EMBEDS") === "1") {
    const helper = new URL("../src/command/_python_helper.ts", import.meta.url);
    const text = await Deno.readTextFile(helper);
    const at = text.indexOf("export const PSWEEP_MODEL_PY");
    await Deno.writeTextFile(
      helper,
      `${text.slice(0, at)}export const PSWEEP_MODEL_PY: string = ${JSON.stringify(file)};\n`,
    );
    return;
  }
  assert(
    file === PSWEEP_MODEL_PY,
    "src/command/_python_helper.ts is stale: run PSWEEP_UPDATE_EMBEDS=1 deno test -A tests/command_model_test.ts --filter embedded",
  );
});

Deno.test("workers get run permission for the command's program and nothing more", () => {
  assertEquals(withRunPermission(undefined, "python3"), { run: ["python3"] });
  assertEquals(withRunPermission("none", "python3"), { run: ["python3"] });
  assertEquals(withRunPermission({ read: ["/data"], run: ["cc"] }, "python3"), {
    read: ["/data"],
    run: ["cc", "python3"],
  });
  assertEquals(withRunPermission({ run: true }, "python3"), { run: true });
  assertEquals(withRunPermission("inherit", "python3"), "inherit");
});

Deno.test({
  name: "a Python model sweeps from the library: every value exact (-0 and extremes both ways)",
  ...python,
  fn: async () => {
    const xs = [0, -0, 5e-324, 0.1, -1e300, 1.7976931348623157e308, 1 / 3];
    const result = await parameterSweep({
      model: { command: ["python3", `${fixtures}exact.py`] },
      buildOptions: { k: 3, nested: { list: [1, 2, -0.5] } },
      params: { x: fixedSample(xs), y: fixedSample([2, -4]) },
      workers: 2,
    });
    assertEquals(result.stats.failed, 0, [...result.errors.values()].join("\n"));
    const rows = xs.flatMap((x) => [[x, 2], [x, -4]]);
    assertSameBits(result.outputs.echo, rows.map(([x]) => x), "echo");
    assertSameBits(result.outputs.negzero, rows.map(([x]) => Object.is(x, -0) ? 1 : 0), "negzero");
    assertSameBits(result.outputs.scaled, rows.map(([, y]) => 3 * y), "scaled");
    assertSameBits(result.outputs.listed, rows.map(() => 2.5), "listed");
    assertSameBits(result.outputs.inf, rows.map(() => Infinity), "inf");
    assertSameBits(result.outputs.minusZero, rows.map(() => -0), "minusZero");
    assertSameBits(result.outputs.flag, rows.map(() => 1), "flag");
    // One process per worker, started once: at most two distinct pids.
    assert(new Set(result.outputs.pid).size <= 2, `pids ${new Set(result.outputs.pid)}`);
  },
});

Deno.test({
  name: "points with NaN and ±Infinity reach the model exactly (the command driver on this thread)",
  ...python,
  fn: async () => {
    // Samplers refuse non-finite values; a differential sweep or a caller's rows can hold them.
    try {
      const state = await build({
        command: ["python3", `${fixtures}exact.py`],
        options: { k: 1, nested: { list: [] } },
        params: ["x", "y"],
      });
      for (const x of [NaN, Infinity, -Infinity, -0]) {
        const out = await evaluate(state, { x, y: x });
        assertSameBits(
          [out.echo, out.scaled, out.negzero],
          [x, x, Object.is(x, -0) ? 1 : 0],
          `${x}`,
        );
      }
    } finally {
      await closeCommandProcesses();
    }
  },
});

Deno.test({
  name: "a numpy model sweeps with every value checked",
  ignore: !hasNumpy,
  fn: async () => {
    const w = [0.5, -2, 0.25];
    const result = await parameterSweep({
      model: { command: ["python3", `${fixtures}numpy_model.py`] },
      buildOptions: { weights: w },
      params: { x: linearSample(-3, 3, 61) },
      outputs: ["y", "norm"],
      workers: 2,
    });
    assertEquals(result.stats.succeeded, 61);
    const xs = result.params.x;
    for (let i = 0; i < 61; i++) {
      const x = xs[i];
      // numpy's dot of three terms and its 2-norm, computed here the same way.
      const y = w[0] * x + w[1] * (x * x) + w[2] * (x * x * x);
      const p = [x, x * x, x * x * x];
      assert(Math.abs(result.outputs.y[i] - y) <= 1e-12 * Math.max(1, Math.abs(y)), `y at ${x}`);
      const norm = Math.hypot(...p);
      assert(Math.abs(result.outputs.norm[i] - norm) <= 1e-12 * Math.max(1, norm), `norm at ${x}`);
    }
  },
});

Deno.test({
  name:
    "failures: an exception fails its point with the traceback, os._exit and an endless loop (timeout) fail alone",
  ...python,
  fn: async () => {
    await withTempDir(async (dir) => {
      const counter = `${dir}/builds.txt`;
      const xs = [0, 1, 5, 2, 6, 3, 7, 4, 8, 9];
      const result = await parameterSweep({
        model: { command: ["python3", `${fixtures}failures.py`] },
        buildOptions: { counter },
        params: { x: fixedSample(xs) },
        // One worker, so that the builds can be counted.
        workers: 1,
        timeout: 2000,
      });
      const failing = [1, 2, 3, 4, 9];
      const expected = xs.map((x) => failing.includes(x) ? NaN : 10 * x);
      assertSameBits(result.outputs.y, expected, "y");
      assertEquals([...result.success], xs.map((x) => failing.includes(x) ? 0 : 1));
      const error = (x: number) => result.errors.get(xs.indexOf(x))!;
      assertMatch(error(1), /^ZeroDivisionError: x = 1 is not allowed\nTraceback/);
      assertMatch(error(1), /failures\.py", line \d+, in evaluate/);
      assertMatch(
        error(2),
        /^ProcessEndedError: .*failures\.py exited with code 7 during evaluate/,
      );
      assertMatch(error(3), /^TimeoutError: evaluate ran past the 2000 ms timeout/);
      assertMatch(error(4), /^TypeError: output 'y' is 'four', a string, not a number/);
      // Text that float() would read is refused too, as a module model's named output.
      assertMatch(error(9), /^TypeError: output 'y' is '1\.5', a string, not a number/);
      // Each failure rebuilds (WaterTAP's rebuildOnFailure), in a new process after a crash or
      // a timeout: the first build and 5 rebuilds, in 3 processes.
      const builds = (await Deno.readTextFile(counter)).trim().split("\n");
      assertEquals(builds.length, 6, builds.join(","));
      assertEquals(new Set(builds).size, 3, builds.join(","));
    });
  },
});

Deno.test({
  name: "a crashed process is started again even without rebuildOnFailure",
  ...python,
  fn: async () => {
    await withTempDir(async (dir) => {
      const xs = [0, 2, 5, 2, 6];
      const result = await parameterSweep({
        model: { command: ["python3", `${fixtures}failures.py`] },
        buildOptions: { counter: `${dir}/builds.txt` },
        params: { x: fixedSample(xs) },
        workers: 1,
        rebuildOnFailure: false,
      });
      assertSameBits(result.outputs.y, [0, NaN, 50, NaN, 60], "y");
    });
  },
});

Deno.test({
  name:
    "a reply that names an output twice or runs past COMMAND_DEFAULTS.maxLineBytes fails its point alone",
  ...python,
  fn: async () => {
    const result = await parameterSweep({
      model: { command: ["python3", `${fixtures}raw_replies.py`] },
      params: { x: fixedSample([0, 1, 2, 3]) },
      workers: 1,
    });
    assertEquals([...result.success], [1, 0, 0, 1]);
    assertSameBits(result.outputs.y, [0, NaN, NaN, 30], "y");
    assertMatch(result.errors.get(1)!, /output "y" appears twice/);
    assertMatch(
      result.errors.get(2)!,
      new RegExp(
        `^ProcessEndedError: .*wrote a line longer than ${COMMAND_DEFAULTS.maxLineBytes} bytes during evaluate`,
      ),
    );
  },
});

Deno.test("LineReader reads lines split across chunks, and refuses one over its limit", async () => {
  const text = ["a", "", "b\r", "x".repeat(5000), "tail"].join("\n");
  const bytes = new TextEncoder().encode(text);
  // Chunks of 1, 7 and 3 bytes in turn: every line is split, some at "\r\n".
  const chunks: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = [1, 7, 3][k % 3];
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  const stream = () => ReadableStream.from(chunks);
  const lines = new LineReader(stream(), 6000);
  const read: (string | null)[] = [];
  for (let line = await lines.next(); line !== null; line = await lines.next()) read.push(line);
  assertEquals(read, ["a", "", "b", "x".repeat(5000), "tail"]);
  const short = new LineReader(stream(), 4000);
  assertEquals([await short.next(), await short.next(), await short.next()], ["a", "", "b"]);
  await assertRejects(() => short.next(), LineTooLongError, "longer than 4000 bytes");
  await short.drain();
  // The limit is the line's, exact whatever the chunks: 5000 bytes in one chunk with its line
  // break are refused; 5000 bytes and "\r" | "\n" split across chunks are not.
  const whole = new LineReader(ReadableStream.from([bytes.slice()]), 4999);
  assertEquals([await whole.next(), await whole.next(), await whole.next()], ["a", "", "b"]);
  await assertRejects(() => whole.next(), LineTooLongError, "longer than 4999 bytes");
  await whole.drain();
  const crlf = new TextEncoder().encode(`${"y".repeat(5000)}\r`);
  const exact = new LineReader(ReadableStream.from([crlf, Uint8Array.of(10)]), 5000);
  assertEquals(await exact.next(), "y".repeat(5000));
  await exact.drain();
  const readme = (await Deno.readTextFile(new URL("../README.md", import.meta.url)))
    .replace(/\s+/g, " ");
  assert(readme.includes(`a line longer than ${COMMAND_DEFAULTS.maxLineBytes / 2 ** 20} MiB`));
});

Deno.test({
  name: "probe and initialize are sent when the model offers them",
  ...python,
  fn: async () => {
    const result = await parameterSweep({
      model: { command: ["python3", `${fixtures}probing.py`] },
      params: { x: fixedSample([2, -1, 3, 4]) },
      workers: 1,
      timeout: 60_000,
    });
    assertEquals([...result.success], [1, 0, 1, 1]);
    assertEquals(result.errors.get(1), "probe returned false");
    assertSameBits(result.outputs.y, [4, NaN, 9, 16], "y");
    // Initialized with the first point after the build; a point the probe rejects fails without
    // a rebuild, as in WaterTAP (_run_sample leaves the model as it is).
    assertSameBits(result.outputs.initializedAt, [2, NaN, 2, 2], "initializedAt");
    assertSameBits(result.outputs.since, [1, NaN, 2, 3], "since");
  },
});

Deno.test({
  name: "a command that cannot start or build fails the sweep promptly with its stderr",
  ...python,
  fn: async () => {
    await assertRejects(
      parameterSweep({
        model: { command: ["python3", `${fixtures}broken_build.py`] },
        params: { x: linearSample(0, 1, 50) },
        workers: 2,
      }),
      /command python3 \S*broken_build\.py could not be built: RuntimeError: the flowsheet does not converge at build\nTraceback/,
    );
    await assertRejects(
      parameterSweep({
        model: {
          command: [
            "python3",
            "-c",
            "import sys; sys.stderr.write('no module named flowsheet'); sys.exit(3)",
          ],
        },
        params: { x: linearSample(0, 1, 50) },
        workers: 2,
      }),
      /exited with code 3 before it greeted psweep.*stderr ended with:\nno module named flowsheet/s,
    );
    await assertRejects(
      parameterSweep({
        model: { command: ["/nonexistent/model-binary"] },
        params: { x: linearSample(0, 1, 50) },
        workers: 2,
      }),
      /Cannot start the model command \/nonexistent\/model-binary: NotFound/,
    );
  },
});

Deno.test({
  name: "a model that speaks another protocol version is refused by name",
  ...python,
  fn: async () => {
    await assertRejects(
      parameterSweep({
        model: { command: ["python3", "-c", "print('psweep-model 2', flush=True); input()"] },
        params: { x: linearSample(0, 1, 2) },
        workers: 1,
        timeout: 60_000,
      }),
      /speaks psweep's model protocol version 2, not 1/,
    );
  },
});

Deno.test("a command model's settings are checked before any work", async () => {
  const params = { x: linearSample(0, 1, 2) };
  await assertRejects(
    parameterSweep({ model: { command: [] }, params, workers: 1 }),
    /'model\.command' must be a non-empty list of strings/,
  );
  await assertRejects(
    parameterSweep({
      model: { command: ["python3"], cwd: "/" } as unknown as { command: string[] },
      params,
      workers: 1,
    }),
    /'model\.cwd' is not a setting of a command model/,
  );
  await assertRejects(
    parameterSweep({
      model: { command: ["python3"] },
      buildOptions: { k: NaN },
      params,
      workers: 1,
    }),
    /'buildOptions\.k' must be JSON/,
  );
});

Deno.test({
  name: "the model's stdout lines that are not replies fail the point, and the process restarts",
  ...python,
  fn: async () => {
    // Not through psweep_model.py: a hand-written model that prints on stdout mid-point.
    const script = `import sys
print("psweep-model 1", flush=True)
for line in sys.stdin:
    verb, _, rest = line.partition(" ")
    if verb == "build":
        print("ok", flush=True)
    elif float(rest) == 1:
        print("Solver converged", flush=True)
    else:
        print('ok "y" %r' % (2 * float(rest)), flush=True)
`;
    const result = await parameterSweep({
      model: { command: ["python3", "-c", script] },
      params: { x: fixedSample([0, 1, 2]) },
      workers: 1,
      timeout: 60_000,
    });
    assertSameBits(result.outputs.y, [0, NaN, 4], "y");
    assertMatch(
      result.errors.get(1)!,
      /wrote a line that is not a reply during evaluate: "Solver converged"/,
    );
  },
});

Deno.test({
  name: "a C program that implements the protocol by hand sweeps exactly (compiled with cc)",
  ignore: !hasCc,
  fn: async () => {
    await withTempDir(async (dir) => {
      const exe = `${dir}/model`;
      const cc = await new Deno.Command("cc", {
        args: ["-O2", "-o", exe, `${fixtures}model.c`],
        stderr: "piped",
      }).output();
      assert(cc.success, new TextDecoder().decode(cc.stderr));
      const xs = [0, -0, 1.5, 1e-300, 101];
      const result = await parameterSweep({
        model: { command: [exe] },
        params: { a: fixedSample([2]), b: fixedSample([0, -0.5]), x: fixedSample(xs) },
        workers: 2,
      });
      const rows = [0, -0.5].flatMap((b) => xs.map((x) => [b, x]));
      const ok = rows.map(([, x]) => x <= 100);
      assertSameBits(result.outputs.y, rows.map(([b, x], i) => ok[i] ? 2 * x + b : NaN), "y");
      assertSameBits(result.outputs.z, rows.map(([b, x], i) => ok[i] ? x / b : NaN), "z");
      assertMatch(result.errors.get(4)!, /^RangeError: x = 101 is out of range$/);
    });
  },
});

Deno.test({
  name: "an awk script that implements the protocol sweeps exactly",
  ignore: !awk,
  fn: async () => {
    const xs = [0, -0, 0.1, -2.5e-300, 1e300, 1.5e300];
    const result = await parameterSweep({
      model: { command: [...awk!, "-f", `${fixtures}model.awk`] },
      params: { x: fixedSample(xs) },
      workers: 1,
      timeout: 10_000,
    });
    const ok = xs.map((x) => x <= 1e300);
    assertSameBits(result.outputs.twice, xs.map((x, i) => ok[i] ? 2 * x : NaN), "twice");
    assertSameBits(result.outputs.neg, xs.map((x, i) => ok[i] ? -x : NaN), "neg");
    assertEquals(result.errors.get(5), "RangeError: x is too large");
  },
});

Deno.test({
  name: "a Python model sweeps from a sweep file (paths relative to the file), rows on disk",
  ...python,
  fn: async () => {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/sweeps/models`, { recursive: true });
      await Deno.copyFile(
        `${fixtures}../../../src/command/psweep_model.py`,
        `${dir}/sweeps/models/psweep_model.py`,
      );
      await Deno.writeTextFile(
        `${dir}/sweeps/models/square.py`,
        `import psweep_model\n\ndef evaluate(model, point):\n    if point["x"] == 3:\n        raise ValueError("three")\n    return {"y": point["x"] ** 2 * model["k"]}\n\npsweep_model.serve(lambda options: options, evaluate)\n`,
      );
      await Deno.writeTextFile(
        `${dir}/sweeps/sweep.yaml`,
        `model: { command: [python3, ./models/square.py] }\nbuildOptions: { k: 0.5 }\nparams:\n  x: { sampler: linear, lower: 0, upper: 5, n: 6 }\noutputs: [y]\nworkers: 2\ncsv: out/results.csv\n`,
      );
      await Deno.mkdir(`${dir}/sweeps/out`);
      // Run from elsewhere: the command's ./ path is the file's.
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", mod, "run", "sweeps/sweep.yaml", "--quiet"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, stderr);
      const rows = await readRows(`${dir}/sweeps/out/results.csv`);
      assertSameBits(column(rows, "x"), [0, 1, 2, 3, 4, 5], "x");
      assertSameBits(column(rows, "y"), [0, 0.5, 2, NaN, 8, 12.5], "y");
      assertEquals([...rows.success], [1, 1, 1, 0, 1, 1]);
    });
  },
});

Deno.test({
  name: "psweep init --python writes a starter that runs as written",
  ...python,
  fn: async () => {
    await withTempDir(async (dir) => {
      const run = (args: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", mod, ...args],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).output();
      const init = await run(["init", "--python", "py"]);
      assertEquals(init.code, 0, new TextDecoder().decode(init.stderr));
      assertEquals(await Deno.readTextFile(`${dir}/py/psweep_model.py`), PSWEEP_MODEL_PY);
      const sweep = await run(["run", "py/sweep.yaml", "--workers", "2", "--quiet"]);
      assertEquals(sweep.code, 0, new TextDecoder().decode(sweep.stderr));
      const rows = await readRows(`${dir}/py/results.csv`);
      assertEquals(rows.rows, 400);
      // The same physics as the JavaScript starter: spot-check one row.
      const damping = column(rows, "damping");
      const i = column(rows, "stiffness").findIndex((k, r) => k === 1 && damping[r] === 0.1);
      assertEquals(column(rows, "naturalFrequency")[i], Math.sqrt(1 / 2));
    });
  },
});

Deno.test({
  name:
    "a point sent ahead of a failed one is evaluated again after the rebuild; long points are not sent ahead",
  ...python,
  fn: async () => {
    await withTempDir(async (dir) => {
      const log = `${dir}/log.txt`;
      try {
        // The serial manager runs every row as one chunk: each point can be sent ahead.
        const result = await parameterSweep({
          model: { command: ["python3", `${fixtures}logging.py`] },
          buildOptions: { log },
          params: { x: fixedSample([0, 2, 1, 5, 6, 100, 1, 7]) },
          manager: new SingleProcessManager(),
        });
        assertSameBits(result.outputs.y, [0, 20, NaN, 50, 60, 1000, NaN, 70], "y");
        const lines = (await Deno.readTextFile(log)).trim().split("\n");
        // 5 was sent ahead of the failed 1 (unless this thread was too slow to see 2 as a short
        // point), so it ran, was dropped, and ran again after the rebuild; after the 60 ms
        // point nothing is sent ahead, so 7 ran once, after the second rebuild.
        assertEquals(lines.filter((l) => l === "build").length, 3, lines.join(","));
        assertEquals(lines.slice(-2), ["build", "7"], lines.join(","));
        const fives = lines.flatMap((l, i) => (l === "5" ? [i] : []));
        assert(
          fives.length === 1 || lines.slice(fives[0], fives[1]).includes("build"),
          lines.join(),
        );
        assertEquals(lines.filter((l) => l === "100").length, 1, lines.join(","));
      } finally {
        await closeCommandProcesses();
      }
    });
  },
});

Deno.test({
  name: "the pool's own timeout and a caller's manager run command models too",
  ...python,
  fn: async () => {
    // A caller's pool: the run permission is the caller's to give.
    await using pool = new DenoWorkerManager({
      workers: 2,
      permissions: { run: ["python3"] },
      timeout: 60_000,
    });
    const a = await parameterSweep({
      model: { command: ["python3", `${fixtures}exact.py`] },
      buildOptions: { k: 1, nested: { list: [] } },
      params: { x: linearSample(0, 1, 5), y: fixedSample([1]) },
      manager: pool,
    });
    assertSameBits(a.outputs.echo, [0, 0.25, 0.5, 0.75, 1], "echo");
    // Without run permission the sweep fails at once, saying so.
    await using scoped = new DenoWorkerManager({ workers: 1, permissions: "none" });
    await assertRejects(
      parameterSweep({
        model: { command: ["python3", `${fixtures}exact.py`] },
        params: { x: linearSample(0, 1, 5), y: fixedSample([1]) },
        manager: scoped,
      }),
      /Cannot start the model command python3 \S+exact\.py: NotCapable: Requires run access to "python3"/,
    );
    // The serial manager runs the command from this thread; its process ends on request.
    try {
      const b = await parameterSweep({
        model: { command: ["python3", `${fixtures}exact.py`] },
        buildOptions: { k: 2, nested: { list: [1] } },
        params: { x: linearSample(0, 1, 3), y: fixedSample([1]) },
        manager: new SingleProcessManager(),
      });
      assertSameBits(b.outputs.scaled, [2, 2, 2], "scaled");
    } finally {
      await closeCommandProcesses();
    }
  },
});

Deno.test({
  name:
    "a command model's process is killed when its sweep stops, even mid-point (workers: 1 and 2)",
  ...python,
  fn: async () => {
    for (const workers of [1, 2]) {
      await withTempDir(async (dir) => {
        // Every process that builds holds the FIFO open until it ends: reading it to its end
        // waits for exactly that, with no clock involved.
        const fifo = `${dir}/alive`;
        const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
        assert(made.success, "mkfifo failed");
        const controller = new AbortController();
        const sweep = parameterSweep({
          model: { command: ["python3", `${fixtures}endless.py`] },
          buildOptions: { fifo },
          params: { x: fixedSample([0, 1, 2, 3]) },
          workers,
          signal: controller.signal,
        });
        const rejected = assertRejects(() => sweep, Error, "stop here");
        const file = await Deno.open(fifo, { read: true });
        let text = "";
        let aborted = false;
        for await (const piece of file.readable.pipeThrough(new TextDecoderStream())) {
          text += piece;
          if (!aborted && text.includes("looping\n")) {
            // The point x = 1 is in its endless loop, ignoring SIGTERM: only a kill ends it.
            aborted = true;
            controller.abort(new Error("stop here"));
            await rejected;
          }
        }
        // The end of the FIFO: every process that built has ended, the looping one included.
        assert(aborted, text);
        assertMatch(text, /^built \d+\n/);
      });
    }
  },
});

Deno.test({
  name: "Redis daemons run command models unchanged, and only programs their --allow-run grants",
  ignore: !hasPython || SKIP_REDIS,
  fn: async () => {
    const xs = [-0, 0.5, 1e-300, -7, 3, 1.5, 2, 8, 9, 10, 11, 12];
    const model = { command: ["python3", `${fixtures}exact.py`] };
    const prefix = freshPrefix();
    const daemon = { prefix, models: [fixtures], args: ["--allow-run=python3"] };
    await withDaemons([daemon, daemon], async (daemons) => {
      await using manager = new RedisManager({ url: REDIS_URL, prefix, leaseMs: 5000 });
      const result = await parameterSweep({
        model,
        buildOptions: { k: 3, nested: { list: [1, 2] } },
        params: { x: fixedSample(xs), y: fixedSample([2]) },
        manager,
      });
      assertSameBits(result.outputs.echo, xs, "echo");
      assertSameBits(result.outputs.negzero, xs.map((x) => Object.is(x, -0) ? 1 : 0), "negzero");
      assertSameBits(result.outputs.scaled, xs.map(() => 6), "scaled");
      assertSameBits(result.outputs.listed, xs.map(() => 3), "listed");
      assertEquals(result.stats.succeeded, xs.length);
      await Promise.all(daemons.map((d) => d.waitFor(/joined sweep/)));
      // The daemon's worker enforces a command model's timeout itself: the endless point fails
      // alone, and the process started again serves the rest.
      await withTempDir(async (dir) => {
        const failing = await parameterSweep({
          model: { command: ["python3", `${fixtures}failures.py`] },
          buildOptions: { counter: `${dir}/builds.txt` },
          params: { x: fixedSample([0, 3, 5, 6]) },
          timeout: 1000,
          manager,
        });
        assertSameBits(failing.outputs.y, [0, NaN, 50, 60], "y");
        assertMatch(failing.errors.get(1)!, /^TimeoutError: evaluate ran past the 1000 ms timeout/);
      });
    });
    // A daemon without --allow-run starts no program, whatever a sweep in Redis asks.
    const closed = freshPrefix();
    await withDaemons([{ prefix: closed, models: [fixtures] }], async () => {
      await using manager = new RedisManager({ url: REDIS_URL, prefix: closed, leaseMs: 5000 });
      await assertRejects(
        () =>
          parameterSweep({ model, params: { x: fixedSample([1]), y: fixedSample([2]) }, manager }),
        Error,
        'Requires run access to "python3"',
      );
    });
  },
});

Deno.test({
  name:
    "a command model runs where LD_LIBRARY_PATH is set (HPC modules, conda, mpirun set it), as Deno refuses a run permission limited to some programs there",
  ...python,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/model.py`,
        [
          "import os, sys",
          `sys.path.insert(0, ${
            JSON.stringify(new URL("../src/command/", import.meta.url).pathname)
          })`,
          "import psweep_model",
          "def build(options): return {}",
          'def evaluate(model, point): return {"y": 2 * point["x"], "lib": float(os.environ.get("LD_LIBRARY_PATH") == "/opt/psweep-test/lib")}',
          "psweep_model.serve(build, evaluate)",
        ].join("\n"),
      );
      await Deno.writeTextFile(
        `${dir}/sweep.ts`,
        `import { linearSample, parameterSweep } from ${JSON.stringify(mod)};
const r = await parameterSweep({
  model: { command: ["python3", ${JSON.stringify(`${dir}/model.py`)}] },
  params: { x: linearSample(0, 1, 5) },
  workers: 1,
});
console.log(JSON.stringify({ ok: r.stats.succeeded, y: [...r.outputs.y], lib: [...r.outputs.lib] }));
`,
      );
      // Before: every point failed, "Requires --allow-run permissions to spawn subprocess with
      // LD_LIBRARY_PATH environment variable".
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-worker-options", "--no-prompt", `${dir}/sweep.ts`],
        env: { LD_LIBRARY_PATH: "/opt/psweep-test/lib" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert(out.success, new TextDecoder().decode(out.stderr));
      const r = JSON.parse(text);
      assertEquals(r.ok, 5);
      assertEquals(r.y, [0, 0.5, 1, 1.5, 2]);
      // The model's process keeps the library path it was started with.
      assertEquals(r.lib, [1, 1, 1, 1, 1]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
