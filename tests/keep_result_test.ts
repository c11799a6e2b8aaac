// keepResult: false: a sweep that keeps no rows in memory writes the same files (CSV, JSON Lines,
// Arrow, HDF5, Parquet), byte for byte (HDF5 and an Arrow stream written in order: row for row),
// and returns the same summary as one that keeps them (issue 11 point 15); the CLI runs every
// plain sweep so. The memory it saves is measured in bench/memory_report.ts.
import {
  fixedSample,
  geomSample,
  linearSample,
  parameterSweep,
  reverseGeomSample,
  summarizeResult,
  type SweepOptions,
  type SweepSummary,
  uniformSample,
} from "../mod.ts";
import { streamWindow } from "../src/sweep/_run.ts";
import { STREAM_DEFAULTS } from "../src/_defaults.ts";
import { gridRows } from "../src/sweep/_param_rows.ts";
import { buildCombinations } from "../src/sampling/mod.ts";
import { assert, assertEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { resultsFormat } from "../src/io/_formats.ts";
import { partialPath } from "../src/io/_parquet.ts";
import { EOS } from "../src/io/_arrow_ipc.ts";
import { streamsRows } from "../src/cli/run.ts";
import type { SweepSpec } from "../src/cli/sweep_file.ts";

const root = new URL("../", import.meta.url).pathname;
const models = new URL("./fixtures/models/", import.meta.url);
// Fails where a + b > limit; its output "ratio" exists only where a > 0.5, so it first appears
// after the files' header is fixed.
const analytic = new URL("analytic.ts", models).pathname;
const permissions = { read: [root] };
const mod = new URL("../mod.ts", import.meta.url).pathname;

// The parts of a summary that do not depend on timing.
function timeless(s: SweepSummary): unknown {
  const { elapsedMs: _e, rowsPerSecond: _r, ...stats } = s.stats;
  return { ...s, stats };
}

// The results files a sweep may write, by the option that names them.
type FileField = "csv" | "jsonl" | "arrow" | "h5" | "parquet";
const EXTENSION: Record<FileField, string> = {
  csv: "csv",
  jsonl: "jsonl",
  arrow: "arrow",
  h5: "h5",
  parquet: "parquet",
};

// What a results file holds, to compare: its bytes, or its rows, every value bit for bit: for
// HDF5, whose bytes depend on when its buffered rows were flushed, and (`byRows`) for an Arrow
// stream that was not rewritten, whose record batches are the chunks as they came. Then its
// metadata file.
async function contents(path: string, byRows = false): Promise<unknown[]> {
  const meta = await Deno.readTextFile(`${path}.meta.json`);
  const field = path.endsWith(".h5") ? "h5" : "arrow";
  if (!(field === "h5" || (byRows && path.endsWith(".arrow")))) {
    return [await Deno.readFile(path), meta];
  }
  const disk = await (await resultsFormat(field)).read(path);
  const bits = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return [
    disk.paramNames,
    disk.outputNames,
    disk.rows,
    bits(disk.params),
    bits(disk.outputs),
    disk.success,
    meta,
  ];
}

// Runs `options` keeping the rows in `dir`/held and not keeping them in `dir`/streamed, with
// windows of `window` rows, writing `fields` (r.<extension> each); returns both summaries and
// both directories' files.
async function both(
  dir: string,
  options: Omit<SweepOptions, FileField | "keepResult">,
  window: number,
  prepare?: (sub: string) => Promise<void>,
  fields: readonly FileField[] = ["csv", "jsonl"],
  byRows = false,
): Promise<{ held: SweepSummary; streamed: SweepSummary; files: [unknown, unknown][] }> {
  const saved = streamWindow.rows;
  const out: SweepSummary[] = [];
  try {
    streamWindow.rows = window;
    for (const keepResult of [true, false]) {
      const sub = `${dir}/${keepResult ? "held" : "streamed"}`;
      await Deno.mkdir(sub);
      await prepare?.(sub);
      const o = {
        ...options,
        ...Object.fromEntries(fields.map((f) => [f, `${sub}/r.${EXTENSION[f]}`])),
      };
      out.push(
        keepResult
          ? summarizeResult(await parameterSweep({ ...o, keepResult: true }))
          : await parameterSweep({ ...o, keepResult: false }),
      );
    }
  } finally {
    streamWindow.rows = saved;
  }
  const files: [unknown, unknown][] = [];
  for (const f of fields) {
    const name = `r.${EXTENSION[f]}`;
    files.push([
      await contents(`${dir}/held/${name}`, byRows),
      await contents(`${dir}/streamed/${name}`, byRows),
    ]);
    // Parquet's stream is gone once the file is written.
    if (f === "parquet") {
      for (const sub of ["held", "streamed"]) {
        assertEquals(await exists(partialPath(`${dir}/${sub}/${name}`)), false);
      }
    }
  }
  return { held: out[0], streamed: out[1], files };
}

function assertSame(r: Awaited<ReturnType<typeof both>>): void {
  for (const [held, streamed] of r.files) assertEquals(streamed, held);
  assertEquals(timeless(r.streamed), timeless(r.held));
}

// A file's bytes, of what `contents` gives.
const first = (c: unknown) => (c as unknown[])[0];
const existsSync = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("keepResult false: the same files and summary as a kept result, failed rows and late outputs included", async () => {
  await withTempDir(async (dir) => {
    const r = await both(dir, {
      model: analytic,
      buildOptions: { limit: 1.5 },
      params: { a: linearSample(0, 1, 41), b: linearSample(0, 1, 37) },
      workers: 2,
      permissions,
    }, 97);
    assertSame(r);
    const s = r.streamed;
    assertEquals(s.rows, 41 * 37);
    assert(s.stats.failed > 0 && s.stats.succeeded > 0);
    // Row 0 (a = 0) never fails; the first failure is the lowest row with a + b > 1.5.
    assert(s.firstError !== undefined && /no solution/.test(s.firstError.message));
    assertEquals(s.outputNames, ["sum", "product", "ratio"]);
    assert(s.outputs.ratio.count > 0 && s.outputs.ratio.count < s.stats.succeeded);
    // The late output reached the files: the header has it, and rows with a > 0.5 its value.
    const csv = new TextDecoder().decode((r.files[0][1] as Uint8Array[])[0]);
    assertEquals(csv.split("\n")[0], "a,b,sum,product,ratio,success");
  });
});

// Arrow, HDF5 and Parquet stream too (Parquet to its partial stream, which it is written from at
// the end): rows that reached disk out of order, under a header without the late output, are read
// back from the one file for the final rewrite.
for (
  const fields of [["arrow"], ["h5"], ["parquet"], [
    "csv",
    "jsonl",
    "arrow",
    "h5",
    "parquet",
  ]] as const
) {
  Deno.test(`keepResult false: ${fields.join(", ")}: the same files and summary as a kept result, failed rows and late outputs included`, async () => {
    await withTempDir(async (dir) => {
      const r = await both(
        dir,
        {
          model: analytic,
          buildOptions: { limit: 1.5 },
          params: { a: linearSample(0, 1, 41), b: linearSample(0, 1, 37) },
          workers: 2,
          permissions,
        },
        97,
        undefined,
        fields,
      );
      assertSame(r);
      const s = r.streamed;
      assertEquals(s.rows, 41 * 37);
      assert(s.stats.failed > 0 && s.stats.succeeded > 0);
      assert(s.firstError !== undefined && /no solution/.test(s.firstError.message));
      assertEquals(s.outputNames, ["sum", "product", "ratio"]);
      // Every row, with the late output, is on disk.
      const path = `${dir}/streamed/r.${EXTENSION[fields.at(-1)!]}`;
      const disk = await (await resultsFormat(fields.at(-1)!)).read(path);
      assertEquals([disk.rows, disk.outputNames], [41 * 37, ["sum", "product", "ratio"]]);
      const ratios = Array.from({ length: disk.rows }, (_, i) => disk.outputs[i * 3 + 2]);
      assertEquals(ratios.filter((x) => !Number.isNaN(x)).length, s.outputs.ratio.count);
    });
  });

  // Named outputs on one worker: every row reaches the files in order, under their final header,
  // and none is rewritten (Parquet is written from its stream); the Arrow stream's record batches
  // are the chunks as they came, so its rows are compared.
  Deno.test(`keepResult false: ${fields.join(", ")}: named outputs, rows in order`, async () => {
    await withTempDir(async (dir) => {
      // The streamed Arrow or HDF5 file as the sweep ran: the same file at the end (no rewrite).
      const streaming = fields.filter((f) => f === "arrow" || f === "h5")
        .map((f) => `${dir}/streamed/r.${EXTENSION[f]}`);
      const seen = new Map<string, number>();
      const r = await both(
        dir,
        {
          model: analytic,
          buildOptions: { limit: 1.5 },
          params: { a: linearSample(0, 1, 30), b: linearSample(0, 1, 30) },
          outputs: ["ratio", "sum"],
          workers: 1,
          permissions,
          progressIntervalMs: 0,
          onProgress: (p) => {
            if (p.done === 0 || p.done === p.total) return;
            // (Called in the kept run too, before the streamed files exist.)
            for (const path of streaming) {
              const ino = existsSync(path) ? Deno.statSync(path).ino : null;
              if (ino !== null) seen.set(path, ino);
            }
          },
        },
        128,
        undefined,
        fields,
        true,
      );
      assertSame(r);
      assertEquals(r.streamed.outputNames, ["ratio", "sum"]);
      assert(r.streamed.stats.failed > 0);
      assertEquals(seen.size, streaming.length);
      for (const [path, ino] of seen) assertEquals(Deno.statSync(path).ino, ino, path);
    });
  });
}

// A stopped run's file, as it left it: the first `rows` rows of `clean` (a whole run's file of
// the same sweep) and its metadata, and for the Arrow streams a cut batch after them.
async function stoppedRun(
  field: "arrow" | "h5" | "parquet",
  clean: string,
  path: string,
  rows: number,
): Promise<void> {
  const module = await resultsFormat(field);
  const disk = await module.read(clean);
  const P = disk.paramNames.length;
  const O = disk.outputNames.length;
  const header = { paramNames: [...disk.paramNames], outputNames: [...disk.outputNames] };
  const writer = await module.open(path, header);
  const part = (from: number, to: number) => ({
    rows: to - from,
    params: disk.params.slice(from * P, to * P),
    outputs: disk.outputs.slice(from * O, to * O),
    success: disk.success.slice(from, to),
  });
  await writer.write(part(0, rows));
  if (field !== "h5") await writer.write(part(rows, rows + 50));
  await writer.close();
  if (field !== "h5") {
    // The second batch cut short, as by kill -9: only the first batch's rows are whole.
    const stream = field === "parquet" ? partialPath(path) : path;
    const size = (await Deno.stat(stream)).size;
    await Deno.truncate(stream, size - EOS.length - 100);
  }
  await Deno.copyFile(`${clean}.meta.json`, `${path}.meta.json`);
}

for (const field of ["arrow", "h5", "parquet"] as const) {
  Deno.test(`keepResult false: a stopped sweep to ${field} only resumes to the file of a whole run`, async () => {
    await withTempDir(async (dir) => {
      const options = {
        model: analytic,
        buildOptions: { limit: 1.2 },
        params: { a: uniformSample(0, 1, 900), b: uniformSample(0, 1, 900) },
        seed: 7,
        workers: 2,
        permissions,
      };
      const name = `r.${EXTENSION[field]}`;
      await Deno.mkdir(`${dir}/clean`);
      const clean = `${dir}/clean/${name}`;
      await parameterSweep({ ...options, [field]: clean });
      const r = await both(
        dir,
        { ...options, resume: true },
        128,
        (sub) => stoppedRun(field, clean, `${sub}/${name}`, 300),
        [field],
      );
      assertSame(r);
      assertEquals([r.streamed.rows, r.streamed.stats.resumed], [900, 300]);
      assert(r.streamed.stats.failed > 0);
      // The resumed file is the whole run's (its bytes; HDF5's rows).
      assertEquals(r.files[0][1], await contents(clean));
      // A resume of the finished sweep computes nothing and leaves the same file.
      const again = await parameterSweep({
        ...options,
        resume: true,
        [field]: `${dir}/streamed/${name}`,
        keepResult: false,
      });
      assertEquals([again.stats.resumed, again.stats.failed], [900, r.held.stats.failed]);
      assertEquals(again.outputs, r.held.outputs);
      assertEquals(await contents(`${dir}/streamed/${name}`), r.files[0][1]);
    });
  });
}

for (
  const [kind, params] of [
    ["random samples", { a: uniformSample(0, 1, 900), b: uniformSample(0, 1, 900) }],
    // A grid, whose rows a sweep that keeps none computes by index (made whole for the resume).
    ["a grid", { a: linearSample(0, 1, 30), b: geomSample(0.01, 1, 30) }],
  ] as const
) {
  Deno.test(`keepResult false: a resumed sweep of ${kind} gives the same files and summary`, async () => {
    await withTempDir(async (dir) => {
      const options = {
        model: analytic,
        buildOptions: { limit: 1.2 },
        params,
        seed: 7,
        workers: 2,
        permissions,
      };
      // A run that stopped after 300 rows: its files hold those (and the metadata).
      await parameterSweep({ ...options, csv: `${dir}/r.csv`, jsonl: `${dir}/r.jsonl` });
      const cut = async (sub: string) => {
        for (const name of ["r.csv", "r.jsonl"]) {
          const lines = (await Deno.readTextFile(`${dir}/${name}`)).split("\n");
          const keep = name.endsWith(".csv") ? 301 : 300;
          await Deno.writeTextFile(`${sub}/${name}`, lines.slice(0, keep).join("\n") + "\n");
          await Deno.copyFile(`${dir}/${name}.meta.json`, `${sub}/${name}.meta.json`);
        }
      };
      const r = await both(dir, { ...options, resume: true }, 128, cut);
      assertSame(r);
      assertEquals([r.streamed.rows, r.streamed.stats.resumed], [900, 300]);
      assert(r.streamed.stats.failed > 0);
      // And the resumed files are those of the run that was not stopped.
      assertEquals(first(r.files[0][1]), await Deno.readFile(`${dir}/r.csv`));
      assertEquals(first(r.files[1][1]), await Deno.readFile(`${dir}/r.jsonl`));
      // A resume of the finished sweep computes nothing, and leaves the same files and summary.
      const again = await parameterSweep({
        ...options,
        resume: true,
        csv: `${dir}/streamed/r.csv`,
        jsonl: `${dir}/streamed/r.jsonl`,
        keepResult: false,
      });
      // (Rows read back carry no stack of the model's.)
      const { stats: _s, stacks: _t, ...rest } = timeless(again) as SweepSummary;
      const { stats: _h, stacks: _u, ...held } = timeless(r.held) as SweepSummary;
      assertEquals(rest, held);
      assertEquals([again.stats.resumed, again.stats.failed], [900, r.held.stats.failed]);
      assertEquals(await Deno.readFile(`${dir}/streamed/r.csv`), first(r.files[0][1]));
      assertEquals(await Deno.readFile(`${dir}/streamed/r.jsonl`), first(r.files[1][1]));
    });
  });
}

Deno.test("a grid's rows computed by index are buildCombinations' rows", () => {
  const params = {
    a: linearSample(-1, 1, 7),
    b: fixedSample([3, 2.5, -0, 5]),
    c: geomSample(1, 1000, 5),
  };
  const grid = gridRows(params)!;
  const combos = buildCombinations(params);
  assertEquals([grid.rows, grid.columns], [combos.rows, 3]);
  assertEquals([...grid.held()], [...combos.data]);
  const row = new Float64Array(4);
  grid.copyRow(97, row, 1);
  assertEquals([...row.subarray(1)], [...combos.data.subarray(97 * 3, 98 * 3)]);
  assert(Object.is(grid.value(10, 1), -0) && Object.is(combos.data[10 * 3 + 1], -0));
  // Runs of consecutive rows (slice, counting along each column's strides) from anywhere.
  for (const [first, n] of [[0, combos.rows], [1, 20], [19, 41], [combos.rows - 3, 3], [60, 0]]) {
    const rows = grid.slice(first, n);
    const want = combos.data.subarray(first * 3, (first + n) * 3);
    assert(rows.every((v, i) => Object.is(v, want[i])), `rows ${first}..${first + n}`);
  }
  // Random samplers draw in an order by their first column: no grid.
  assertEquals(gridRows({ a: uniformSample(0, 1, 3) }), undefined);
});

Deno.test("long spaced ranges are computed value by value, the same bits as buildCombinations'", () => {
  // Over 4096 values: not held, each computed from its index.
  const params = { a: fixedSample([2, -0, 3]), c: linearSample(-3, 1e-300, 4099) };
  const grid = gridRows(params)!;
  const combos = buildCombinations(params);
  assertEquals([grid.rows, grid.columns], [combos.rows, 2]);
  const held = grid.held();
  const sliced = grid.slice(0, grid.rows);
  for (let i = 0; i < combos.data.length; i++) {
    assert(Object.is(held[i], combos.data[i]), `value ${i}: ${held[i]} vs ${combos.data[i]}`);
    assert(Object.is(sliced[i], combos.data[i]), `sliced ${i}: ${sliced[i]} vs ${combos.data[i]}`);
  }
  for (const [lower, upper, n] of [[0, 1, 4097], [5, 5, 5000], [1, 1 + 2 ** -1060, 4100]]) {
    const one = gridRows({ x: linearSample(lower, upper, n) })!;
    const made = buildCombinations({ x: linearSample(lower, upper, n) }).data;
    for (let i = 0; i < n; i++) assert(Object.is(one.value(i, 0), made[i]), `linear ${i}`);
  }
  for (const sampler of [geomSample(1e-3, 1e6, 4500), reverseGeomSample(0.5, 7, 5000)]) {
    const one = gridRows({ x: sampler })!;
    const made = buildCombinations({ x: sampler }).data;
    for (let i = 0; i < made.length; i++) assert(Object.is(one.value(i, 0), made[i]), `${i}`);
  }
  // A grid with a parameter computed value by value gives no values to make its text from,
  // whichever place that parameter has; one whose values are all held gives them all.
  assertEquals(grid.grid, undefined);
  assertEquals(gridRows({ c: params.c, a: params.a })!.grid, undefined);
  const small = gridRows({ a: params.a, b: linearSample(0, 1, 5) })!.grid!;
  assertEquals(small.values.map((v) => v.length), [3, 5]);
  assertEquals(small.strides, [5, 1]);
});

Deno.test("keepResult false: a grid with a long spaced range: the same files and summary as a kept result", async () => {
  await withTempDir(async (dir) => {
    const r = await both(dir, {
      model: analytic,
      buildOptions: { limit: 1.5 },
      // Spaced first and last: each parameter of such a grid is computed from the row index.
      params: { a: linearSample(0, 1, 4500), b: fixedSample([0.25, -0, 1]) },
      workers: 2,
      permissions,
    }, 5000);
    assertSame(r);
    const s = r.streamed;
    assertEquals(s.rows, 13_500);
    assertEquals(s.params.a.count, 13_500);
    assertEquals(s.params.b.count, 13_500);
    assertEquals(s.params.a.max, 1);
    assertEquals(
      s.params.b.mean,
      (Math as unknown as { sumPrecise(v: number[]): number })
        .sumPrecise([0.25, -0, 1]) / 3,
    );
  });
});

Deno.test("keepResult false: named outputs, one window, CSV only", async () => {
  await withTempDir(async (dir) => {
    const options = {
      model: analytic,
      buildOptions: { limit: 1.5 },
      params: { a: linearSample(0, 1, 20), b: linearSample(0, 1, 20) },
      outputs: ["ratio", "sum"],
      workers: 1,
      permissions,
    };
    const held = summarizeResult(await parameterSweep({ ...options, csv: `${dir}/a.csv` }));
    const streamed = await parameterSweep({ ...options, csv: `${dir}/b.csv`, keepResult: false });
    assertEquals(await Deno.readTextFile(`${dir}/b.csv`), await Deno.readTextFile(`${dir}/a.csv`));
    assertEquals(timeless(streamed), timeless(held));
    assertEquals(streamed.outputNames, ["ratio", "sum"]);
  });
});

Deno.test("keepResult is type-checked, and false needs a results file and no interpolation", async () => {
  const base = { model: analytic, params: { a: linearSample(0, 1, 2), b: linearSample(0, 1, 2) } };
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { keepResult: "false", csv: "r.csv" },
      /'keepResult' must be true or false: current value is "false"/,
    ],
    [{ keepResult: 0 }, /'keepResult' must be true or false: current value is 0/],
    [
      { keepResult: false },
      /'keepResult: false' as none of 'csv', 'jsonl', 'arrow', 'h5' and 'parquet' names a results file/,
    ],
    [
      { keepResult: false, csv: "r.csv", interpolateNanOutputs: true },
      /'keepResult: false' and 'interpolateNanOutputs'/,
    ],
  ];
  for (const [extra, message] of cases) {
    const error = await parameterSweep({ ...base, ...extra } as unknown as SweepOptions).then(
      () => undefined,
      (e: Error) => e,
    );
    assert(error instanceof TypeError && message.test(error.message), String(error));
  }
  // (Differential and recursive sweeps: tests/keep_result_sweeps_test.ts.)
});

Deno.test("the CLI's summary of a CSV sweep (kept in no result) matches the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${analytic}\nbuildOptions: { limit: 1.5 }\nparams:\n` +
        `  a: { sampler: linear, lower: 0, upper: 1, n: 30 }\n` +
        `  b: { sampler: linear, lower: 0, upper: 1, n: 30 }\nworkers: 2\ncsv: r.csv\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", mod, "run", "s.yaml", "--json", `--allow-read=${root}`],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    const [header, ...lines] = (await Deno.readTextFile(`${dir}/r.csv`)).trim().split("\n");
    const names = header.split(",");
    const rows = lines.map((l) => l.split(",").map(Number));
    assertEquals(summary.rows, rows.length);
    assertEquals(summary.failed, lines.filter((l) => l.endsWith(",false")).length);
    assert(summary.failed > 0);
    assertEquals(summary.outputNames, ["sum", "product", "ratio"]);
    for (const name of summary.outputNames as string[]) {
      const values = rows.map((r) => r[names.indexOf(name)]).filter((v) => !Number.isNaN(v));
      const s = summary.outputs[name];
      assertEquals([s.count, s.min, s.max], [
        values.length,
        Math.min(...values),
        Math.max(...values),
      ]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      assert(Math.abs(s.mean - mean) <= 1e-12 * Math.max(1, Math.abs(mean)), `${name} mean`);
    }
  });
});

// The CLI runs every plain sweep keeping no rows, whatever its files' formats: its summary, on
// stdout (--json) and stderr (the table), is that of the same sweep to CSV.
Deno.test("the CLI keeps no rows for any results format, and prints the same summary", async () => {
  const spec = (extra: Record<string, unknown>) =>
    ({ model: "m.js", params: {}, ...extra }) as unknown as SweepSpec;
  for (const path of ["r.csv", "r.jsonl", "r.arrow", "r.h5", "r.parquet"]) {
    assertEquals(streamsRows(spec({}), [path]), true, path);
  }
  assertEquals(streamsRows(spec({}), ["r.arrow", "r.parquet"]), true);
  assertEquals(streamsRows(spec({ numSamples: 3 }), ["r.arrow"]), false);
  assertEquals(streamsRows(spec({ interpolateNanOutputs: true }), ["r.csv"]), false);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/s.yaml`,
      `model: ${analytic}\nbuildOptions: { limit: 1.5 }\nparams:\n` +
        `  a: { sampler: linear, lower: 0, upper: 1, n: 30 }\n` +
        `  b: { sampler: linear, lower: 0, upper: 1, n: 30 }\nworkers: 2\n`,
    );
    const run = async (out: string, json: boolean) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          mod,
          "run",
          "s.yaml",
          "--out",
          out,
          ...(json ? ["--json"] : []),
          `--allow-read=${root}`,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(o.stderr);
      assertEquals(o.code, 0, stderr);
      if (!json) {
        // The table without its timing, and the results line without the file's name (progress
        // lines, which tell times, aside).
        return stderr.split("\n").filter((line) => !line.startsWith("progress:")).join("\n")
          .replace(/ in [\d.]+ s/, "").replace(/results: \w+\.\w+/, "results: r");
      }
      const { elapsedMs: _e, results, ...summary } = JSON.parse(
        new TextDecoder().decode(o.stdout),
      );
      assertEquals(results, out);
      return summary;
    };
    for (const json of [true, false]) {
      const csv = await run(`csv${json}.csv`, json);
      for (const ext of ["arrow", "h5", "parquet"]) {
        assertEquals(await run(`${ext}${json}.${ext}`, json), csv, ext);
      }
    }
  });
});

Deno.test("the README states the window of a sweep that keeps no rows as src/_defaults.ts holds it", async () => {
  const readme = (await Deno.readTextFile(new URL("../README.md", import.meta.url)))
    .replace(/\s+/g, " ");
  const text = `a window of ${STREAM_DEFAULTS.windowRows.toLocaleString("en-US")} at a time`;
  assert(readme.includes(text), `README lacks "${text}"`);
});
