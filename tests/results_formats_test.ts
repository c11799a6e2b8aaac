// Results formats beyond CSV and JSON Lines: the Arrow IPC stream, HDF5 in WaterTAP's layout and
// Parquet. Each round-trips: written by a sweep, read back by psweep (resume, the report) and by
// Python's readers where this machine has them; a sweep killed with kill -9 leaves every row it
// reported done readable, and a resume completes it.
import {
  differentialParameterSweep,
  fixedSample,
  linearSample,
  parameterSweep,
  type SweepResult,
} from "../mod.ts";
import { resultsFormat, type ResultsFormatName } from "../src/io/_formats.ts";
import { partialPath } from "../src/io/_parquet.ts";
import { EOS } from "../src/io/_arrow_ipc.ts";
import { isTemporaryOf, removeTemporaries } from "../src/io/_fs.ts";
import { readResults } from "../src/report/report.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertSameBits } from "./_assert.ts";

function same(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assertSameBits(actual, Array.from(expected), what);
}
import { withTempDir } from "./_temp.ts";
import { PUBLISH_DEFAULTS, RESULTS_FILE_DEFAULTS } from "../src/_defaults.ts";

const slow = new URL("./fixtures/models/slow.ts", import.meta.url);
const analytic = new URL("./fixtures/models/analytic.ts", import.meta.url).pathname;
const crash = new URL("./fixtures/crash_sweep_formats.ts", import.meta.url).pathname;

const FORMATS = ["arrow", "h5", "parquet"] as const;
type Binary = typeof FORMATS[number];

// Python with the readers users reach for. Checked once; without them the Python half of each
// test is skipped with a message (CI installs them: .ci/setup.d/30-python-readers.sh).
const PYTHON_MODULES = ["h5py", "pyarrow", "pandas", "polars"];
const python = (() => {
  try {
    const out = new Deno.Command("python3", {
      args: ["-c", `import ${PYTHON_MODULES.join(", ")}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success;
  } catch {
    return false;
  }
})();

/** Runs a Python script with `args`, returning its stdout, or `undefined` (skipped) without Python. */
async function py(script: string, ...args: string[]): Promise<string | undefined> {
  if (!python) {
    console.log(
      `skipped the Python reader check: python3 with ${PYTHON_MODULES.join(", ")} is not here`,
    );
    return undefined;
  }
  const out = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, `python failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

// Reads a results file with Python's usual reader for its format, printing the rows as JSON
// (repr of each float, so that NaN, infinities and -0.0 survive the trip).
const PY_READ = `
import sys, json, math
path, fmt = sys.argv[1], sys.argv[2]
def show(v):
    return repr(float(v))
if fmt == "arrow":
    import pyarrow as pa, polars as pl
    # Batch by batch: the batches before a cut one read whole after a crash.
    reader = pa.ipc.open_stream(path)
    batches = []
    cut = False
    while True:
        try:
            batches.append(reader.read_next_batch())
        except StopIteration:
            break
        except Exception:
            cut = True
            break
    table = pa.Table.from_batches(batches, schema=reader.schema)
    cols = {n: table.column(n).to_pylist() for n in table.column_names}
    if not cut:
        # Whole batches (with or without the end-of-stream marker): polars reads the same rows.
        frame = pl.read_ipc_stream(path)
        assert frame.height == table.num_rows, (frame.height, table.num_rows)
        for n in table.column_names:
            assert [repr(v) for v in frame[n].to_list()] == [repr(v) for v in cols[n]], n
    else:
        # polars reads a stream whole, with no batch-by-batch reader: one that kill -9 cut
        # mid-batch it refuses ("failed to fill whole buffer"), where pyarrow reads the batches
        # before the cut. Users of a crashed stream read it with pyarrow (or resume the sweep).
        try:
            pl.read_ipc_stream(path)
        except Exception:
            pass
        else:
            raise AssertionError("polars read an Arrow stream cut mid-batch")
elif fmt == "parquet":
    import pandas as pd, polars as pl
    frame = pd.read_parquet(path)
    assert pl.read_parquet(path).height == len(frame)
    cols = {n: frame[n].tolist() for n in frame.columns}
elif fmt == "h5":
    import h5py
    f = h5py.File(path, "r")
    cols = {}
    for name in f["sweep_params"].keys():
        cols[name] = list(f["sweep_params"][name]["value"][()])
    for name in f["outputs"].keys():
        cols[name] = list(f["outputs"][name]["value"][()])
    cols["success"] = [bool(v) for v in f["solve_successful"]["solve_successful"][()]]
    for key in ("nominal_idx", "differential_idx"):
        if key in f:
            cols[key] = list(f[key][key][()])
    f.close()
elif fmt == "csv":
    import pandas as pd
    frame = pd.read_csv(path, float_precision="round_trip")
    cols = {n: frame[n].tolist() for n in frame.columns}
elif fmt == "jsonl":
    # The README's lines: pandas through json, polars' own reader (which reads a column holding
    # "NaN" or "Infinity" as text, so float() reads it here).
    import numpy as np, pandas as pd, polars as pl
    frame = pd.json_normalize([json.loads(l) for l in open(path)]).replace(
        {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}).infer_objects()
    cols = {n.split(".", 1)[-1]: frame[n].tolist() for n in frame.columns}
    polar = pl.read_ndjson(path).unnest("params", "outputs")
    for n in polar.columns:
        if n != "success":
            assert [show(v) for v in polar[n].to_list()] == [show(v) for v in cols[n]], n
out = {n: ([bool(v) for v in c] if n == "success" else [show(v) for v in c]) for n, c in cols.items()}
print(json.dumps(out))
`;

/** A number as Python's repr writes it. */
function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  return String(x).replace(/e\+?/, "e+").replace("e+-", "e-");
}

/** Checks that Python's reader sees exactly `result`'s rows (or its first `rows`). */
async function pythonSees(path: string, format: Binary, result: SweepResult): Promise<void> {
  const text = await py(PY_READ, path, format);
  if (text === undefined) return;
  const cols = JSON.parse(text) as Record<string, unknown[]>;
  for (const [name, column] of Object.entries(result.params)) {
    assertEquals(cols[name], [...column].map(pyRepr), `parameter ${name}`);
  }
  for (const [name, column] of Object.entries(result.outputs)) {
    assertEquals(cols[name], [...column].map(pyRepr), `output ${name}`);
  }
  assertEquals(cols.success, [...result.success].map((s) => s === 1));
}

function fileOf(dir: string, format: Binary, name = "r"): string {
  return `${dir}/${name}.${format}`;
}

Deno.test("csv and jsonl: Python reads a sweep's file exactly, -0 and NaN included (pandas, polars)", async () => {
  await withTempDir(async (dir) => {
    // -0 as a parameter and as an output (a product), NaN (a ratio), infinity (an overflow).
    const params = {
      a: fixedSample([-0, 1e-310, 0.1 + 0.2, 1.7976931348623157e308]),
      b: fixedSample([0, 3]),
    };
    const csv = `${dir}/r.csv`, jsonl = `${dir}/r.jsonl`;
    const result = await parameterSweep({ model: analytic, params, workers: 1, csv, jsonl });
    assert(result.outputs.product.some((x) => Object.is(x, -0)), "a -0 output");
    assert(result.outputs.product.some((x) => x === Infinity), "an infinite output");
    for (const [path, format] of [[csv, "csv"], [jsonl, "jsonl"]] as const) {
      const text = await py(PY_READ, path, format);
      if (text === undefined) return;
      const cols = JSON.parse(text) as Record<string, unknown[]>;
      for (const [name, column] of Object.entries({ ...result.params, ...result.outputs })) {
        assertEquals(cols[name], [...column].map(pyRepr), `${format}: ${name}`);
      }
      assertEquals(cols.success, [...result.success].map((s) => s === 1), format);
    }
  });
});

for (const format of FORMATS) {
  Deno.test(`${format}: a sweep's file reads back exactly, in psweep and in Python`, async () => {
    await withTempDir(async (dir) => {
      const path = fileOf(dir, format);
      // Values that text formats get wrong easily: -0, NaN (a failed ratio), tiny and huge.
      const params = {
        a: fixedSample([-0, 1e-310, 0.1 + 0.2, 1.7976931348623157e308]),
        b: fixedSample([0, 3]),
      };
      const result = await parameterSweep({ model: analytic, params, workers: 1, [format]: path });
      const module = await resultsFormat(format);
      const back = await module.read(path);
      assertEquals(back.rows, result.rows);
      assertEquals(back.paramNames, result.paramNames);
      assertEquals(back.outputNames, result.outputNames);
      result.paramNames.forEach((name, j) => {
        const column = Float64Array.from({ length: back.rows }, (_, r) => back.params[r * 2 + j]);
        same(column, result.params[name], name);
      });
      const O = result.outputNames.length;
      result.outputNames.forEach((name, j) => {
        const column = Float64Array.from({ length: back.rows }, (_, r) => back.outputs[r * O + j]);
        same(column, result.outputs[name], name);
      });
      assertEquals([...back.success], [...result.success]);
      assert(!back.truncated);
      if (format === "parquet") {
        assert(!(await exists(partialPath(path))), "the partial stream is removed at the end");
      }
      await pythonSees(path, format, result);

      // The report reads it too.
      const report = await readResults(path);
      assertEquals(report.paramNames, result.paramNames);
      assertEquals(report.outputNames, result.outputNames);
      same(report.outputs.sum, result.outputs.sum, "sum");
      assertEquals([...report.success], [...result.success]);
    });
  });

  Deno.test(`${format}: an interrupted sweep resumes from its file`, async () => {
    await withTempDir(async (dir) => {
      const path = fileOf(dir, format);
      // Long enough (1000 points of about 2 ms) that the stop lands midway even for HDF5, whose
      // rows count as done only once appended (every 250 ms).
      const params = { x: linearSample(0, 19, 20), z: linearSample(1, 50, 50) };
      const ac = new AbortController();
      await assertRejects(() =>
        parameterSweep({
          model: slow,
          params,
          outputs: ["y"],
          workers: 2,
          [format]: path,
          signal: ac.signal,
          progressIntervalMs: 0,
          onProgress: (p) => p.done >= 30 && ac.abort(new Error("stop")),
        })
      );
      const module = await resultsFormat(format);
      const partial = await module.read(path, {}, true);
      assert(partial.rows >= 30 && partial.rows < 1000, `rows on disk: ${partial.rows}`);
      let computed = 0;
      const result = await parameterSweep({
        model: slow,
        params,
        outputs: ["y"],
        workers: 2,
        [format]: path,
        resume: true,
        onProgress: (p) => (computed = p.done),
      });
      assertEquals(result.stats.resumed, partial.rows);
      assertEquals(computed, 1000);
      const whole = await parameterSweep({
        model: slow,
        params,
        outputs: ["y"],
        workers: 2,
        [format]: fileOf(dir, format, "whole"),
      });
      same(result.outputs.y, whole.outputs.y, "y");
      const back = await module.read(path);
      assertEquals(back.rows, 1000);
      same(back.outputs, whole.outputs.y, "y on disk");
      assertEquals([...back.success], [...whole.success]);
      await pythonSees(path, format, whole);
    });
  });

  Deno.test(`${format}: kill -9 mid-sweep keeps every row reported done; resume completes`, async () => {
    await withTempDir(async (dir) => {
      const path = fileOf(dir, format);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", crash, path, "pause"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      // Progress counts a row once it is on disk: 60 reported done means 60 on disk.
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
      let buffer = "";
      let reported = 0;
      for await (const text of lines) {
        buffer += text;
        const done = [...buffer.matchAll(/done (\d+)/g)].map((m) => Number(m[1]));
        reported = Math.max(0, ...done);
        if (reported >= 60) {
          child.kill("SIGKILL");
          break;
        }
      }
      await lines.return?.();
      const status = await child.status;
      assert(reported >= 60 && !status.success, "the sweep must be killed midway");

      // What the crash left: the file itself, or for Parquet the stream beside it.
      const streamed = format === "parquet" ? partialPath(path) : path;
      const module = await resultsFormat(format);
      const disk = await module.read(path, {}, true);
      assert(disk.rows >= reported && disk.rows < 1000, `rows on disk: ${disk.rows}`);
      const seen = new Set<string>();
      for (let i = 0; i < disk.rows; i++) {
        const [x, z] = [disk.params[2 * i], disk.params[2 * i + 1]];
        seen.add(`${x},${z}`);
        if (x === 7) assertEquals(disk.success[i], 0);
        else assertEquals(disk.outputs[i], x * z);
      }
      assertEquals(seen.size, disk.rows);
      const text = await py(PY_READ, streamed, format === "parquet" ? "arrow" : format);
      if (text !== undefined) {
        const cols = JSON.parse(text) as Record<string, unknown[]>;
        assert(cols.y.length >= reported, `Python reads ${cols.y.length} rows`);
      }

      const resumed = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", crash, path, "resume"],
        stdout: "piped",
      }).output();
      assertMatch(new TextDecoder().decode(resumed.stdout), /finished/);
      const back = await module.read(path);
      assertEquals(back.rows, 1000);
      for (let i = 0; i < 1000; i++) {
        const [x, z] = [back.params[2 * i], back.params[2 * i + 1]];
        assertEquals([x, z], [Math.floor(i / 50), (i % 50) + 1]);
        if (x !== 7) assertEquals(back.outputs[i], x * z);
      }
    });
  });
}

// What WaterTAP writes beside `value` for a component without units or bounds, as the test above
// prints it: the name, "None", and numpy's finfo("d").min and .max.
const unknown = (name: string) => ({
  full_name: name,
  units: "None",
  "lower bound": "-1.7976931348623157e+308",
  "upper bound": "1.7976931348623157e+308",
});

Deno.test("h5: WaterTAP's layout, with its differential index groups", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/w.h5`;
    const module = await resultsFormat("h5");
    const header = {
      extraNames: ["nominalIndex", "differentialIndex"],
      paramNames: ["fs.input[a]", "fs.input[b]"],
      outputNames: ["fs.output[c]", "fs.input[a]"],
    };
    const writer = await module.open(path, header);
    await writer.write({
      rows: 2,
      params: Float64Array.of(1, 2, 3, 4),
      outputs: Float64Array.of(0.5, 1, NaN, 3),
      success: Uint8Array.of(1, 0),
      extra: { nominalIndex: Float64Array.of(0, 0), differentialIndex: Float64Array.of(NaN, 1) },
    });
    await writer.close();
    const back = await module.read(path);
    assertEquals(back.extraNames, header.extraNames);
    assertEquals(back.outputNames, header.outputNames);
    same(back.extra.differentialIndex, [NaN, 1], "differentialIndex");
    // The groups and datasets WaterTAP's writer makes and its tests' reader walks.
    const text = await py(
      `
import sys, h5py, json
f = h5py.File(sys.argv[1], "r")
show = lambda v: v.decode("utf-8") if isinstance(v, bytes) else repr(v.tolist())
out = {"keys": sorted(f.keys())}
for key in f.keys():
    if key in ("sweep_params", "outputs"):
        out[key] = {name: {sub: show(f[key][name][sub][()]) for sub in f[key][name].keys()} for name in f[key].keys()}
    elif key == "solve_successful":
        out[key] = [bool(v) for v in f[key]["solve_successful"][()]]
    else:
        out[key] = repr(f[key][key][()].tolist())
print(json.dumps(out))
`,
      path,
    );
    if (text === undefined) return;
    assertEquals(JSON.parse(text), {
      keys: ["differential_idx", "nominal_idx", "outputs", "solve_successful", "sweep_params"],
      sweep_params: {
        "fs.input[a]": { value: "[1.0, 3.0]", ...unknown("fs.input[a]") },
        "fs.input[b]": { value: "[2.0, 4.0]", ...unknown("fs.input[b]") },
      },
      outputs: {
        "fs.output[c]": { value: "[0.5, nan]", ...unknown("fs.output[c]") },
        "fs.input[a]": { value: "[1.0, 3.0]", ...unknown("fs.input[a]") },
      },
      solve_successful: [true, false],
      nominal_idx: "[0.0, 0.0]",
      differential_idx: "[nan, 1.0]",
    });
  });
});

// WaterTAP's writer puts four scalars beside each component's `value` (full_name, units, lower
// bound, upper bound); its tests' reader reads each with `[()]` and decodes units and full_name
// from UTF-8 bytes. Every way psweep writes a file (streamed, resumed, finalized from a table)
// leaves them, once, readable that way.
Deno.test("h5: full_name, units and bounds beside each value, as WaterTAP writes them", async () => {
  const { default: h5wasm } = await import("h5wasm/node");
  await h5wasm.ready;
  await withTempDir(async (dir) => {
    const module = await resultsFormat("h5");
    const header = { paramNames: ["fs.input[a]", "µ b"], outputNames: ["fs.input[a]", "c"] };
    const batch = {
      rows: 2,
      params: Float64Array.of(1, 2, 3, 4),
      outputs: Float64Array.of(0.5, 1, NaN, 3),
      success: Uint8Array.of(1, 0),
    };
    const streamed = `${dir}/streamed.h5`;
    let writer = await module.open(streamed, header);
    await writer.write(batch);
    await writer.close();
    // Resumed: a file made before these scalars existed (value datasets only) gains them.
    const resumed = `${dir}/resumed.h5`;
    const old = new h5wasm.File(resumed, "w");
    old.create_attribute("psweep", JSON.stringify({ extraNames: [], ...header }));
    for (
      const [group, names] of [["sweep_params", header.paramNames], [
        "outputs",
        header.outputNames,
      ]] as const
    ) {
      const g = old.create_group(group);
      for (const name of names) {
        g.create_group(name).create_dataset({
          name: "value",
          data: new Float64Array(0),
          shape: [0],
          maxshape: [null],
          chunks: [1024],
          dtype: "<d",
        });
      }
    }
    old.create_group("solve_successful").create_dataset({
      name: "solve_successful",
      data: new Uint8Array(0),
      shape: [0],
      maxshape: [null],
      chunks: [1024],
      dtype: "<B",
    });
    old.close();
    writer = await module.open(resumed, header, { append: true });
    await writer.write(batch);
    await writer.close();
    // Resumed again: the scalars it has are kept, not written twice.
    writer = await module.open(resumed, header, { append: true });
    await writer.close();
    const finalized = `${dir}/finalized.h5`;
    await module.finalize(finalized, { ...header, ...batch });
    for (const path of [streamed, resumed, finalized]) {
      assertEquals((await module.read(path)).rows, 2, path);
      const file = new h5wasm.File(path, "r");
      try {
        for (
          const [group, names] of [["sweep_params", header.paramNames], [
            "outputs",
            header.outputNames,
          ]] as const
        ) {
          for (const name of names) {
            const at = (
              key: string,
            ) => (file.get(`${group}/${name}/${key}`) as InstanceType<typeof h5wasm.Dataset>);
            assertEquals(
              (file.get(`${group}/${name}`) as InstanceType<typeof h5wasm.Group>).keys().sort(),
              ["full_name", "lower bound", "units", "upper bound", "value"],
              `${path} ${group}/${name}`,
            );
            assertEquals(at("full_name").value, name);
            assertEquals(at("units").value, "None");
            assertEquals(at("lower bound").value, -Number.MAX_VALUE);
            assertEquals(at("upper bound").value, Number.MAX_VALUE);
            assertEquals(at("lower bound").dtype, "<d");
          }
        }
      } finally {
        file.close();
      }
      // WaterTAP's reader: every dataset under a component read with [()], units and full_name
      // decoded from bytes; bounds compared with numpy's finfo("d") as its writer's test does.
      const text = await py(
        `
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
out = {}
for key in ("sweep_params", "outputs"):
    out[key] = {}
    for name in f[key].keys():
        d = {sub: f[key][name][sub][()] for sub in f[key][name].keys()}
        d["units"] = d["units"].decode("utf-8")
        d["full_name"] = d["full_name"].decode("utf-8")
        assert h5py.check_string_dtype(f[key][name]["units"].dtype).length is None  # variable length
        assert d["lower bound"] == np.finfo("d").min and d["upper bound"] == np.finfo("d").max, d
        assert f[key][name]["lower bound"].dtype == np.float64 and f[key][name]["lower bound"].shape == ()
        out[key][name] = [d["full_name"], d["units"], len(d["value"])]
print(json.dumps(out, ensure_ascii=False))
`,
        path,
      );
      if (text !== undefined) {
        assertEquals(JSON.parse(text), {
          sweep_params: { "fs.input[a]": ["fs.input[a]", "None", 2], "µ b": ["µ b", "None", 2] },
          outputs: { "fs.input[a]": ["fs.input[a]", "None", 2], c: ["c", "None", 2] },
        });
      }
    }
  });
});

Deno.test("h5: a name HDF5 cannot hold is refused, naming it", async () => {
  await withTempDir(async (dir) => {
    const module = await resultsFormat("h5");
    await assertRejects(
      () => module.open(`${dir}/x.h5`, { paramNames: ["a/b"], outputNames: [] }),
      /HDF5 cannot name a group "a\/b"/,
    );
    // A NUL would cut the name short (here into "y", the other output's group).
    await assertRejects(
      () => module.open(`${dir}/y.h5`, { paramNames: ["a"], outputNames: ["y", "y\0z"] }),
      /HDF5 cannot name a group .*: a name must not contain '\/' or a NUL character/,
    );
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("y")),
      [],
    );
  });
});

Deno.test("columnar files name an output that has a parameter's name apart", async () => {
  await withTempDir(async (dir) => {
    for (const format of ["arrow", "parquet"] as const) {
      const path = fileOf(dir, format);
      const module = await resultsFormat(format);
      // An output named `outputs.x` too: prefixed again, as in CSV, so that no two columns
      // share a name (pyarrow, pandas and polars refuse such files).
      const header = { paramNames: ["x"], outputNames: ["x", "y", "outputs.x"] };
      const table = {
        ...header,
        rows: 1,
        params: Float64Array.of(2),
        outputs: Float64Array.of(4, 5, 6),
        success: Uint8Array.of(1),
      };
      await module.finalize(path, table);
      const back = await module.read(path);
      assertEquals(back.outputNames, ["x", "y", "outputs.x"]);
      assertEquals([...back.params, ...back.outputs], [2, 4, 5, 6]);
      const text = await py(PY_READ, path, format);
      if (text !== undefined) {
        assertEquals(Object.keys(JSON.parse(text)), [
          "x",
          "outputs.x",
          "y",
          "outputs.outputs.x",
          "success",
        ]);
      }
    }
  });
});

Deno.test("no parameter may take a name a results file gives its own columns", async () => {
  await assertRejects(
    () => parameterSweep({ model: analytic, params: { "outputs.a": fixedSample([1]) } }),
    RangeError,
    `must name its parameters with names that do not start with "outputs." (the results files' prefix for an output that has a parameter's name): current value is "outputs.a"`,
  );
  await assertRejects(
    () =>
      differentialParameterSweep({
        model: analytic,
        params: { nominalIndex: fixedSample([1]) },
        differential: { nominalIndex: { mode: "sum", sample: "normal", sd: 0.01 } },
      }),
    RangeError,
    `'params' names "nominalIndex", a column this sweep writes itself (nominalIndex, differentialIndex)`,
  );
});

Deno.test("a name with a lone surrogate, which has no UTF-8 form, is refused", async () => {
  await assertRejects(
    () => parameterSweep({ model: analytic, params: { "a\ud800": fixedSample([1]) } }),
    RangeError,
    `'params' must name its parameters with well-formed Unicode`,
  );
  await assertRejects(
    () =>
      parameterSweep({
        model: analytic,
        params: { a: fixedSample([1]), b: fixedSample([1]) },
        outputs: ["y\udc00"],
      }),
    RangeError,
    `'outputs' must hold well-formed Unicode`,
  );
  const model = URL.createObjectURL(
    new Blob([`export const evaluate = () => ({ "y\\ud800": 1 });`], {
      type: "text/javascript",
    }),
  );
  await withTempDir(async (dir) => {
    await assertRejects(
      () => parameterSweep({ model, params: { x: fixedSample([1]) }, csv: `${dir}/r.csv` }),
      RangeError,
      "its name is not well-formed Unicode",
    );
  });
});

Deno.test("a results path must carry its option's extension", async () => {
  for (const [field, path] of [["arrow", "r.csv"], ["h5", "r.arrow"], ["parquet", "r.h5"]]) {
    await assertRejects(
      () =>
        parameterSweep({
          model: analytic,
          params: { a: fixedSample([1]), b: fixedSample([1]) },
          [field]: path,
        }),
      new RegExp(`'${field}' must be the path of a \\.`),
    );
  }
});

Deno.test("a resumed file of another sweep's columns is refused", async () => {
  await withTempDir(async (dir) => {
    for (const format of ["arrow", "h5"] as const) {
      const path = fileOf(dir, format);
      const module = await resultsFormat(format);
      await (await module.open(path, { paramNames: ["a"], outputNames: ["y"] })).close();
      await assertRejects(
        () => module.open(path, { paramNames: ["b"], outputNames: ["y"] }, { append: true }),
        /columns differ/,
      );
    }
  });
});

Deno.test("a file that is not of its extension's format is refused, naming it", async () => {
  await withTempDir(async (dir) => {
    for (
      const [format, why] of [["arrow", /not an Arrow IPC stream/], [
        "h5",
        /HDF5 cannot open/,
      ]] as const
    ) {
      const path = fileOf(dir, format, "garbage");
      await Deno.writeTextFile(path, "not results\n");
      const module = await resultsFormat(format);
      await assertRejects(() => module.read(path), why);
      await assertRejects(
        () => module.open(path, { paramNames: ["a"], outputNames: [] }, { append: true }),
        /does not start like an Arrow stream|HDF5 cannot open/,
      );
      assertEquals(await Deno.readTextFile(path), "not results\n", "left as it was");
    }
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

// Every name a format's extension maps to.
Deno.test("the format of a path is its extension's", async () => {
  const { formatOfPath } = await import("../src/io/_formats.ts");
  const cases: [string, ResultsFormatName | undefined][] = [
    ["a.csv", "csv"],
    ["a.JSONL", "jsonl"],
    ["a.ndjson", "jsonl"],
    ["a.arrow", "arrow"],
    ["a.h5", "h5"],
    ["a.hdf5", "h5"],
    ["a.parquet", "parquet"],
    ["a.txt", undefined],
  ];
  for (const [path, format] of cases) assertEquals(formatOfPath(path), format, path);
});

Deno.test("the CLI writes each format from a sweep file or --out, and reports it", async () => {
  await withTempDir(async (dir) => {
    const mod = new URL("../mod.ts", import.meta.url).pathname;
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", mod, ...args],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    };
    await Deno.writeTextFile(
      `${dir}/sweep.yaml`,
      `model: ${analytic}\nparams:\n  a: { sampler: linear, lower: 0, upper: 1, n: 3 }\n` +
        `  b: { sampler: linear, lower: 1, upper: 2, n: 2 }\nworkers: 1\n` +
        `arrow: out.arrow\nh5: out.h5\n`,
    );
    let r = await run("run", "sweep.yaml", "--quiet", "--report");
    assertEquals(r.code, 0, r.stderr);
    for (const [format, path] of [["arrow", "out.arrow"], ["h5", "out.h5"]] as const) {
      const back = await (await resultsFormat(format)).read(`${dir}/${path}`);
      assertEquals(back.rows, 6);
      assertEquals(back.paramNames, ["a", "b"]);
    }
    assert(await exists(`${dir}/out.html`), "--report reports the first results file");
    r = await run("run", "sweep.yaml", "--quiet", "--out", "out.parquet");
    assertEquals(r.code, 0, r.stderr);
    assertEquals((await (await resultsFormat("parquet")).read(`${dir}/out.parquet`)).rows, 6);
    r = await run("report", "out.h5", "--out", "h5.html");
    assertEquals(r.code, 0, r.stderr);
    // The page has its overview (charts are drawn there by the page's script).
    assertMatch(await Deno.readTextFile(`${dir}/h5.html`), /<section id="overview"><h2>Overview/);
    r = await run("run", "sweep.yaml", "--quiet", "--out", "out.txt");
    assertEquals(r.code, 2);
    assertMatch(
      r.stderr,
      /--out must name a \.csv or \.jsonl results file, or an \.arrow, \.h5 or \.parquet one/,
    );
  });
});

Deno.test("arrow: record batches are byte for byte what apache-arrow's writer makes", async () => {
  const { ArrowLayout } = await import("../src/io/_arrow.ts");
  const A = await import("apache-arrow");
  for (const [E, P, O] of [[0, 1, 0], [0, 2, 3], [2, 3, 5]]) {
    const header = {
      extraNames: Array.from({ length: E }, (_, i) => `e${i}`),
      paramNames: Array.from({ length: P }, (_, i) => `p${i}`),
      outputNames: Array.from({ length: O }, (_, i) => `o${i}`),
    };
    const layout = new ArrowLayout(header);
    // The hand-written schema reads back as the schema apache-arrow would write.
    const names = [...header.extraNames, ...header.paramNames, ...header.outputNames];
    const fields = [
      ...names.map((name) => new A.Field(name, new A.Float64(), false)),
      new A.Field("success", new A.Bool(), false),
    ];
    const read = A.tableFromIPC(Uint8Array.of(...layout.schemaBytes, ...EOS)).schema;
    assertEquals(
      read.fields.map((f) => [f.name, String(f.type), f.nullable]),
      fields.map((f) => [
        f.name,
        String(f.type),
        false,
      ]),
    );
    assertEquals(JSON.parse(read.metadata.get("psweep")!), header);
    const schema = new A.Schema(fields, read.metadata);
    for (const n of [1, 7, 8, 9, 64, 1000, 4097]) {
      const column = (k: number) => Float64Array.from({ length: n }, (_, i) => i * 0.1 + k);
      const batch = {
        rows: n,
        extra: Array.from({ length: E }, (_, k) => column(k)),
        params: Array.from({ length: P }, (_, k) => column(10 + k)),
        outputs: Array.from({ length: O }, (_, k) => column(20 + k)),
        success: Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 0 : 1),
      };
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (batch.success[i]) bits[i >> 3] |= 1 << (i & 7);
      const children = [
        ...[...batch.extra, ...batch.params, ...batch.outputs].map((data) =>
          A.makeData({ type: new A.Float64(), length: n, nullCount: 0, data })
        ),
        A.makeData({ type: new A.Bool(), length: n, nullCount: 0, data: bits }),
      ];
      const data = A.makeData({ type: new A.Struct(fields), length: n, nullCount: 0, children });
      const writer = new A.RecordBatchStreamWriter();
      writer.write(new A.RecordBatch(schema, data));
      writer.finish();
      const bytes = writer.toUint8Array(true);
      // The library's stream: its schema message, the batch, the end marker.
      const schemaLength = 8 + new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
      const expected = bytes.subarray(schemaLength, bytes.length - EOS.length);
      assertEquals(layout.encode(batch), expected, `${E}/${P}/${O} x ${n}`);
    }
  }
});

Deno.test("arrow: a stream cut inside its schema resumes from no rows", async () => {
  await withTempDir(async (dir) => {
    const path = fileOf(dir, "arrow");
    const module = await resultsFormat("arrow");
    const header = { paramNames: ["a"], outputNames: ["y"] };
    await (await module.open(path, header)).close();
    const whole = await Deno.readFile(path);
    await Deno.writeFile(path, whole.subarray(0, 20)); // killed while writing the schema
    const read = await module.read(path, header, true);
    assertEquals([read.rows, read.truncated], [0, true]);
    await assertRejects(() => module.read(path), /not an Arrow IPC stream/);
    const writer = await module.open(path, header, { append: true });
    await writer.write({
      rows: 1,
      params: Float64Array.of(1),
      outputs: Float64Array.of(2),
      success: Uint8Array.of(1),
    });
    await writer.close();
    assertEquals((await module.read(path)).rows, 1);
  });
});

// WaterTAP's test_parameter_sweep writes h5_results_file_name and checks it with its
// _read_output_h5 and _assert_dictionary_correctness: the top-level keys, every `value` within
// numpy's allclose (NaN equal), and solve_successful as a list. Its truth values, as it states them
// (bounds and units are Pyomo metadata, which psweep's models do not have).
const WT_TRUTH = {
  sweep_params: {
    "fs.input[a]": [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9],
    "fs.input[b]": [0.0, 0.25, 0.5, 0.0, 0.25, 0.5, 0.0, 0.25, 0.5],
  },
  outputs: {
    output_c: [0.2, 0.2, NaN, 1.0, 1.0, NaN, NaN, NaN, NaN],
    output_d: [0.0, 0.75, NaN, 0.0, 0.75, NaN, NaN, NaN, NaN],
    performance: [0.2, 0.95, NaN, 1.0, 1.75, NaN, NaN, NaN, NaN],
  },
  solve_successful: [true, true, false, true, true, false, false, false, false],
};

Deno.test("h5: kill -9 while a new file's layout is made leaves the whole file or none, never a cut one", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.h5`;
    const watcher = Deno.watchFs(dir);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./fixtures/h5_create.ts", import.meta.url).pathname, path],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // Killed as soon as a file appears: the layout's temporary (or, were it made in place, the
      // results file itself).
      for await (const event of watcher) {
        if (event.kind === "create") break;
      }
      child.kill("SIGKILL");
    } finally {
      watcher.close();
      await child.status;
    }
    const h5 = await resultsFormat("h5");
    // The fixture's header.
    const header = {
      paramNames: ["x"],
      outputNames: Array.from({ length: 1023 }, (_, i) => `o${i}`),
    };
    // The layout takes about a second, so the kill lands while it is made and the path is
    // empty; a machine slow to deliver the kill may let it finish, and then the file is whole.
    if (await exists(path)) assertEquals((await h5.read(path)).rows, 0);
    // What is left is a temporary, which the next run's lock removes.
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name !== "r.h5") assert(isTemporaryOf(entry.name, "r.h5"), entry.name);
    }
    await removeTemporaries([path]);
    // A resume (append) starts the file, or continues the whole one.
    const writer = await h5.open(path, header, { append: true });
    await writer.write({
      rows: 1,
      params: Float64Array.of(1),
      outputs: Float64Array.from({ length: 1023 }, (_, i) => i / 3),
      success: Uint8Array.of(1),
    });
    await writer.close();
    const back = await h5.read(path);
    assertEquals([back.rows, back.params[0], back.outputs[1022]], [1, 1, 1022 / 3]);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["r.h5"]);
  });
});

Deno.test("h5: a results path that is a symbolic link is written through, its file's permissions kept", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/real`);
    const real = `${dir}/real/r.h5`;
    await Deno.writeTextFile(real, "old");
    await Deno.chmod(real, 0o600);
    await Deno.symlink(real, `${dir}/r.h5`);
    const params = { x: linearSample(0, 1, 3) };
    await parameterSweep({
      model: analytic,
      params,
      workers: 1,
      h5: `${dir}/r.h5`,
      overwrite: true,
    });
    assert((await Deno.lstat(`${dir}/r.h5`)).isSymlink, "the link stays a link");
    assertEquals((await Deno.stat(real)).mode! & 0o777, 0o600);
    assertEquals((await (await resultsFormat("h5")).read(`${dir}/r.h5`)).rows, 3);
  });
});

Deno.test("h5: a file HDF5 opens but cannot read is refused in one line naming it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.h5`;
    await Deno.copyFile(
      new URL("./fixtures/reference/h5_cut_layout.h5", import.meta.url).pathname,
      path,
    );
    const h5 = await resultsFormat("h5");
    const header = { paramNames: ["x"], outputNames: ["y"] };
    const oneLine = (what: string) => (error: unknown) => {
      const message = (error as Error).message;
      assertMatch(
        message,
        new RegExp(
          `^Cannot ${what} as HDF5 cannot read ".*r\\.h5" \\(cut by a crash, or not a results file\\): `,
        ),
      );
      assert(!message.includes("\n"), message);
    };
    oneLine("read results file")(await h5.read(path).catch((e) => e));
    oneLine("append to results file")(
      await h5.open(path, header, { append: true }).catch((e) => e),
    );
  });
});

Deno.test("h5: WaterTAP test_parameter_sweep's file, checked as its test checks it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/global_results.h5`;
    const model = new URL("./fixtures/models/wt_ab_model.ts", import.meta.url).pathname;
    await parameterSweep({
      model,
      params: {
        "fs.input[a]": linearSample(0.1, 0.9, 3),
        "fs.input[b]": linearSample(0, 0.5, 3),
      },
      outputs: ["output_c", "output_d", "performance"],
      workers: 1,
      h5: path,
    });
    const back = await (await resultsFormat("h5")).read(path);
    assertEquals(back.paramNames, Object.keys(WT_TRUTH.sweep_params));
    assertEquals(back.outputNames, Object.keys(WT_TRUTH.outputs));
    Object.values(WT_TRUTH.sweep_params).forEach((truth, j) =>
      same(Array.from({ length: 9 }, (_, r) => back.params[r * 2 + j]), truth, `param ${j}`)
    );
    Object.values(WT_TRUTH.outputs).forEach((truth, j) =>
      same(Array.from({ length: 9 }, (_, r) => back.outputs[r * 3 + j]), truth, `output ${j}`)
    );
    assertEquals([...back.success].map(Boolean), WT_TRUTH.solve_successful);
    const text = await py(
      `
import sys, json, h5py, numpy as np
truth = json.loads(sys.argv[2])  # NaN as "nan", which float() reads
f = h5py.File(sys.argv[1], "r")
read = {}
for key in f.keys():
    if key in ("sweep_params", "outputs"):
        read[key] = {name: {sub: f[key][name][sub][()] for sub in f[key][name].keys()} for name in f[key].keys()}
    elif key == "solve_successful":
        read[key] = list(f[key]["solve_successful"][()])
assert set(read.keys()) == set(truth.keys()), read.keys()
for key in ("sweep_params", "outputs"):
    for name, values in truth[key].items():
        assert np.allclose(read[key][name]["value"], np.array(values, dtype=float), equal_nan=True), name
assert read["solve_successful"] == truth["solve_successful"], read["solve_successful"]
print("agrees")
`,
      path,
      JSON.stringify(WT_TRUTH, (_, v) => (typeof v === "number" && Number.isNaN(v) ? "nan" : v)),
    );
    if (text !== undefined) assertEquals(text.trim(), "agrees");
  });
});

Deno.test("the README states the writers' and publishing's tunables as src/_defaults.ts holds them", async () => {
  const readme = (await Deno.readTextFile(new URL("../README.md", import.meta.url)))
    .replace(/\s+/g, " ");
  const n = (x: number) => x.toLocaleString("en-US");
  const { h5, parquet } = RESULTS_FILE_DEFAULTS;
  for (
    const text of [
      `flushed every ${n(h5.flushRows)} rows or ${h5.flushMs} ms`,
      `row groups of ${n(parquet.rowGroupRows)} rows`,
      `at most ${PUBLISH_DEFAULTS.concurrency} requests at a time`,
      `dropped for a second after each failure`,
      `gets at most ${PUBLISH_DEFAULTS.graceMs / 1000} seconds`,
    ]
  ) assert(readme.includes(text), `README lacks "${text}"`);
  assertEquals(PUBLISH_DEFAULTS.backoffMs, 1000, "the README says a second");
});
