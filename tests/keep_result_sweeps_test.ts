// keepResult: false for differential and recursive sweeps (issue 11 point 15): they write the same
// files (CSV, JSON Lines and Parquet byte for byte, Arrow and HDF5 row for row) and return the same
// summary as the same sweep keeping its rows, resumed or not; the CLI runs them so.
import {
  differentialParameterSweep,
  type DifferentialSweepOptions,
  linearSample,
  recursiveParameterSweep,
  type RecursiveSweepOptions,
  summarizeResult,
  type SweepSummary,
  uniformSample,
} from "../mod.ts";
import { readRowBatches, readRows } from "../src/io/mod.ts";
import { resultsFormat } from "../src/io/_formats.ts";
import { streamWindow } from "../src/sweep/_run.ts";
import { perturbedCache } from "../src/sweep/differential_parameter_sweep.ts";
import { roundPath } from "../src/sweep/_recursive_files.ts";
import { streamsRows } from "../src/cli/run.ts";
import { summaryJson } from "../src/cli/_summary.ts";
import type { SweepSpec } from "../src/cli/sweep_file.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const root = new URL("../", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;
// Fails where a + b > limit; its output "ratio" exists only where a > 0.5.
const analytic = new URL("./fixtures/models/analytic.ts", import.meta.url).pathname;
const permissions = { read: [root] };

type FileField = "csv" | "jsonl" | "arrow" | "h5" | "parquet";
const FIELDS: readonly FileField[] = ["csv", "jsonl", "arrow", "h5", "parquet"];

// The parts of a summary that do not depend on timing.
function timeless(s: SweepSummary): unknown {
  const { elapsedMs: _e, rowsPerSecond: _r, ...stats } = s.stats;
  return { ...s, stats };
}

// What a results file holds, to compare: its bytes, or for Arrow and HDF5 (whose bytes depend on
// the batches they were written in) every value bit for bit; then its metadata.
async function contents(path: string): Promise<unknown[]> {
  const meta = await Deno.readTextFile(`${path}.meta.json`);
  const field = path.endsWith(".h5") ? "h5" : path.endsWith(".arrow") ? "arrow" : undefined;
  if (field === undefined) return [await Deno.readFile(path), meta];
  const disk = await (await resultsFormat(field)).read(path);
  const bits = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return [
    disk.extraNames,
    Object.values(disk.extra ?? {}).map(bits),
    disk.paramNames,
    disk.outputNames,
    disk.rows,
    bits(disk.params),
    bits(disk.outputs),
    disk.success,
    meta,
  ];
}

// Every results file of `dir`/held and `dir`/streamed, side by side.
async function sameFiles(dir: string, fields: readonly FileField[]): Promise<void> {
  for (const f of fields) {
    const held = await contents(`${dir}/held/r.${f}`);
    assertEquals(await contents(`${dir}/streamed/r.${f}`), held, f);
  }
  // Nothing else is left beside them (part files, pending files, Parquet's stream).
  const names = (sub: string) => [...Deno.readDirSync(`${dir}/${sub}`)].map((e) => e.name).sort();
  assertEquals(names("streamed"), names("held"));
}

// `run(sub, keepResult)` in `dir`/held keeping its rows and in `dir`/streamed not, with windows of
// `window` rows; returns both summaries.
async function both(
  dir: string,
  window: number,
  run: (sub: string, keep: boolean) => Promise<SweepSummary>,
): Promise<{ held: SweepSummary; streamed: SweepSummary }> {
  const saved = streamWindow.rows;
  try {
    streamWindow.rows = window;
    const out: SweepSummary[] = [];
    for (const keep of [true, false]) {
      const sub = `${dir}/${keep ? "held" : "streamed"}`;
      await Deno.mkdir(sub, { recursive: true });
      out.push(await run(sub, keep));
    }
    return { held: out[0], streamed: out[1] };
  } finally {
    streamWindow.rows = saved;
  }
}

const files = (sub: string, fields: readonly FileField[]) =>
  Object.fromEntries(fields.map((f) => [f, `${sub}/r.${f}`]));

const differential: Omit<DifferentialSweepOptions, FileField> = {
  model: analytic,
  buildOptions: { limit: 1.3 },
  params: { a: linearSample(0.1, 0.9, 9), b: linearSample(0, 0.8, 7) },
  differential: {
    a: { mode: "sum", sample: "uniform", relativeLower: 0.2, relativeUpper: 0.3 },
    b: { mode: "product", sample: "uniform", relativeLower: 0.5, relativeUpper: 1.5 },
  },
  numDiffSamples: 5,
  seed: 7,
  workers: 2,
  permissions,
};

function runDifferential(
  options: Omit<DifferentialSweepOptions, FileField>,
  fields: readonly FileField[],
) {
  return async (sub: string, keep: boolean): Promise<SweepSummary> => {
    const o = { ...options, ...files(sub, fields) };
    return keep
      ? summarizeResult(await differentialParameterSweep(o))
      : await differentialParameterSweep({ ...o, keepResult: false });
  };
}

Deno.test("keepResult false: a differential sweep writes the same files, index columns included, and the same summary", async () => {
  await withTempDir(async (dir) => {
    // Perturbation rows are made as they are asked for, 17 at a time (not held).
    const saved = perturbedCache.rows;
    perturbedCache.rows = 17;
    let r;
    try {
      r = await both(dir, 50, runDifferential(differential, FIELDS));
    } finally {
      perturbedCache.rows = saved;
    }
    await sameFiles(dir, FIELDS);
    assertEquals(timeless(r.streamed), timeless(r.held));
    const s = r.streamed;
    assertEquals(s.rows, 63 * 6);
    assert(s.stats.failed > 0 && s.stats.succeeded > 0, "some rows fail");
    assert(s.firstError !== undefined && /no solution/.test(s.firstError.message));
    assertEquals(s.outputNames, ["sum", "product", "ratio"]);
    // The index columns are in every file: nominal rows first, then 5 perturbations of each.
    const csv = await readRows(`${dir}/streamed/r.csv`);
    assertEquals(csv.extraNames, ["nominalIndex", "differentialIndex"]);
    assertEquals([...csv.extra.nominalIndex.slice(61, 64)], [61, 62, NaN]);
    assertEquals([...csv.extra.differentialIndex.slice(62, 69)], [NaN, 0, 0, 0, 0, 0, 1]);
    assertEquals(csv.extra.differentialIndex[63 * 6 - 1], 62);
  });
});

Deno.test("keepResult false: a stopped differential sweep resumes to the same files and summary", async () => {
  await withTempDir(async (dir) => {
    // A whole run's CSV, cut after 100 rows as a stopped run leaves it. (A JSON Lines file
    // missing then would be written from the CSV, which records no messages, as for any sweep
    // that keeps no rows: see StreamedSweepOptions.)
    await Deno.mkdir(`${dir}/whole`);
    await differentialParameterSweep({ ...differential, csv: `${dir}/whole/r.csv` });
    const whole = await Deno.readTextFile(`${dir}/whole/r.csv`);
    const meta = await Deno.readTextFile(`${dir}/whole/r.csv.meta.json`);
    const cut = whole.split("\n").slice(0, 101).join("\n") + "\n";
    const r = await both(dir, 64, async (sub, keep) => {
      await Deno.writeTextFile(`${sub}/r.csv`, cut);
      await Deno.writeTextFile(`${sub}/r.csv.meta.json`, meta);
      return await runDifferential({ ...differential, resume: true }, ["csv", "arrow"])(sub, keep);
    });
    await sameFiles(dir, ["csv", "arrow"]);
    assertEquals(timeless(r.streamed), timeless(r.held));
    assertEquals(r.streamed.stats.resumed, 100);
    assertEquals(await Deno.readTextFile(`${dir}/streamed/r.csv`), whole);
  });
});

const recursive: Omit<RecursiveSweepOptions, FileField> = {
  model: analytic,
  buildOptions: { limit: 1 },
  params: { a: uniformSample(0, 1, 40), b: uniformSample(0, 1, 40) },
  numSamples: 150,
  seed: 11,
  workers: 2,
  permissions,
};

function runRecursive(
  options: Omit<RecursiveSweepOptions, FileField>,
  fields: readonly FileField[],
) {
  return async (sub: string, keep: boolean): Promise<SweepSummary> => {
    const o = { ...options, ...files(sub, fields) };
    return keep
      ? summarizeResult(await recursiveParameterSweep(o))
      : await recursiveParameterSweep({ ...o, keepResult: false });
  };
}

for (const fields of [FIELDS, ["jsonl", "parquet"]] as const) {
  Deno.test(`keepResult false: a recursive sweep to ${fields.join(", ")} writes the same files from its rounds' parts, and the same summary`, async () => {
    await withTempDir(async (dir) => {
      const r = await both(dir, 37, runRecursive(recursive, fields));
      await sameFiles(dir, fields);
      assertEquals(timeless(r.streamed), timeless(r.held));
      const s = r.streamed;
      assertEquals(s.rows, 150);
      assert(s.samples!.rounds > 1, "more than one round");
      assertEquals(s.outputNames, ["sum", "product", "ratio"]);
      assert(s.outputs.ratio.count > 0 && s.outputs.ratio.count < 150, "a late output");
      assert(s.outputs.sum.max <= 1, "only successful rows are kept");
    });
  });
}

Deno.test("keepResult false: a recursive sweep that finds too few says so, with the same files and summary", async () => {
  await withTempDir(async (dir) => {
    const few = { ...recursive, buildOptions: { limit: 0.05 }, maxRounds: 2 };
    const r = await both(dir, 1000, runRecursive(few, ["csv"]));
    await sameFiles(dir, ["csv"]);
    assertEquals(timeless(r.streamed), timeless(r.held));
    assert(r.streamed.rows < 150 && /found \d+ of the 150/.test(r.streamed.warnings.join("\n")));
  });
});

Deno.test("keepResult false: a recursive sweep stopped in a round resumes to the same files and summary", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/whole`);
    const whole = summarizeResult(
      await recursiveParameterSweep({ ...recursive, csv: `${dir}/whole/r.csv` }),
    );
    const stopped = async (sub: string, keep: boolean) => {
      const stop = new AbortController();
      const options = {
        ...recursive,
        csv: `${sub}/r.csv`,
        signal: stop.signal,
        progressIntervalMs: 0,
        onProgress: (p: { done: number }) => {
          if (p.done >= 60) stop.abort(new Error("stopped"));
        },
      };
      await assertRejects(() =>
        keep
          ? recursiveParameterSweep(options)
          : recursiveParameterSweep({ ...options, keepResult: false })
      );
      assert(await Deno.stat(roundPath(`${sub}/r.csv`, 0)).then(() => true), "round 0 on disk");
      return await runRecursive({ ...recursive, resume: true }, ["csv", "arrow"])(sub, keep);
    };
    const r = await both(dir, 1000, stopped);
    await sameFiles(dir, ["csv", "arrow"]);
    assertEquals(
      await Deno.readTextFile(`${dir}/streamed/r.csv`),
      await Deno.readTextFile(`${dir}/whole/r.csv`),
    );
    // Where each run stopped may differ: the rows resumed, the stacks (of the rows computed,
    // not those read back), and whether a round's rows on disk lacked the output `ratio` (which
    // appears only where a > 0.5) and were computed again, are not compared.
    const plain = (s: SweepSummary) =>
      timeless({
        ...s,
        stacks: undefined,
        stats: { ...s.stats, resumed: 0 },
        warnings: s.warnings.filter((w) => !/^The rows in .* lacked the output "ratio"/.test(w)),
      });
    assertEquals(plain(r.streamed), plain(r.held));
    assertEquals(plain(r.streamed), plain(whole));
    // Round 0 (40 rows) was done when the run stopped at 60 rows, and is taken back; round 1's
    // rows are too, unless its file's rows lacked `ratio` and were computed again.
    assert(r.streamed.stats.resumed >= 40, `resumed ${r.streamed.stats.resumed}`);
    // A resume of the finished sweep reads it back, and summarizes it.
    const again = await recursiveParameterSweep({
      ...recursive,
      csv: `${dir}/streamed/r.csv`,
      resume: true,
      keepResult: false,
    });
    assertEquals(again.rows, 150);
    assertEquals(again.outputs, r.streamed.outputs);
  });
});

Deno.test("keepResult false: a differential sweep whose range is not finite fails before any work", async () => {
  await withTempDir(async (dir) => {
    await assertRejects(
      () =>
        differentialParameterSweep({
          ...differential,
          differential: {
            a: { mode: "product", sample: "geom", relativeLower: -1, relativeUpper: 2 },
          },
          csv: `${dir}/r.csv`,
          keepResult: false,
        }),
      RangeError,
      "must not include or cross zero",
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("keepResult false: a recursive sweep whose part file cannot be read leaves its parts, and no half-written file", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/r.csv`;
    let broken = false;
    const error = await recursiveParameterSweep({
      ...recursive,
      csv,
      parquet: `${dir}/r.parquet`,
      keepResult: false,
      progressIntervalMs: 0,
      // Round 0 (40 rows) is done once the total passes 40: its part file is spoilt.
      onProgress: (p) => {
        if (p.total <= 40 || broken) return;
        broken = true;
        Deno.writeTextFileSync(roundPath(csv, 0), "not,a,row\n", { append: true });
      },
    }).then(() => undefined, (e: Error) => e);
    assert(broken, "a second round ran");
    assert(error instanceof SyntaxError && /line 42/.test(error.message), String(error));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert(
      names.includes(".r.csv.round-0.csv") && names.includes(".r.csv.round-1.csv"),
      names.join(),
    );
    assertEquals(names.filter((n) => !n.startsWith(".r.csv.round-")), []);
  });
});

Deno.test("keepResult false: a recursive sweep needs csv or jsonl, and no interpolation", async () => {
  const base = {
    ...recursive,
    arrow: "r.arrow",
    keepResult: false,
  } as const;
  await assertRejects(
    () => recursiveParameterSweep(base),
    TypeError,
    "Cannot run a recursive sweep with 'keepResult: false' as neither 'csv' nor 'jsonl' names a results file",
  );
  await assertRejects(
    () =>
      recursiveParameterSweep({
        ...base,
        arrow: undefined,
        csv: "r.csv",
        interpolateNanOutputs: true,
      }),
    TypeError,
    "'keepResult: false' and 'interpolateNanOutputs'",
  );
  await assertRejects(
    () =>
      differentialParameterSweep({
        ...differential,
        keepResult: false,
      }),
    TypeError,
    "'keepResult: false' as none of 'csv', 'jsonl', 'arrow', 'h5' and 'parquet' names a results file",
  );
});

Deno.test("readRowBatches reads a file a batch at a time, the same rows as readRows", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.jsonl`;
    const lines = Array.from(
      { length: 100_000 },
      (_, i) =>
        `{"params":{"x":${i}},"outputs":{"y":${i % 7 ? i / 3 : null}},"success":${i % 7 !== 0}${
          i % 7 ? "" : `,"error":"row ${i}"`
        }}`,
    );
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const all = await readRows(path);
    let rows = 0;
    let batches = 0;
    for await (const batch of readRowBatches(path)) {
      batches++;
      assertEquals([...batch.params], [...all.params.subarray(rows, rows + batch.rows)]);
      assertEquals([...batch.outputs], [...all.outputs.subarray(rows, rows + batch.rows)]);
      assertEquals(batch.errors, all.errors.slice(rows, rows + batch.rows));
      rows += batch.rows;
    }
    assertEquals(rows, 100_000);
    assert(batches > 1, `${batches} batches`);
    // A file without rows: one empty batch.
    await Deno.writeTextFile(`${dir}/e.csv`, "x,y,success\n");
    const empty = [];
    for await (const batch of readRowBatches(`${dir}/e.csv`, { paramNames: ["x"] })) {
      empty.push(batch.rows);
    }
    assertEquals(empty, [0]);
  });
});

// The CLI runs differential and recursive sweeps with a results file keeping no rows (a
// recursive one when a CSV or JSON Lines file is among them), and prints the summary of the kept
// result.
Deno.test("the CLI keeps no rows for differential and recursive sweeps, and prints the same summary", async () => {
  const spec = (extra: Record<string, unknown>) =>
    ({ model: "m.js", params: {}, ...extra }) as unknown as SweepSpec;
  assertEquals(streamsRows(spec({ differential: {} }), ["r.h5"]), true);
  assertEquals(streamsRows(spec({ differential: {} }), []), false);
  assertEquals(streamsRows(spec({ numSamples: 3 }), ["r.csv"]), true);
  assertEquals(streamsRows(spec({ numSamples: 3 }), ["r.arrow", "r.jsonl"]), true);
  assertEquals(streamsRows(spec({ numSamples: 3 }), ["r.arrow"]), false);
  assertEquals(streamsRows(spec({ numSamples: 3, interpolateNanOutputs: true }), ["r.csv"]), false);
  await withTempDir(async (dir) => {
    const head = `model: ${analytic}\nworkers: 2\nseed: 5\n`;
    await Deno.writeTextFile(
      `${dir}/diff.yaml`,
      head + `buildOptions: { limit: 1.3 }\nparams:\n` +
        `  a: { sampler: linear, lower: 0.1, upper: 0.9, n: 5 }\n` +
        `  b: { sampler: linear, lower: 0, upper: 0.8, n: 4 }\n` +
        `differential:\n  a: { mode: sum, sample: uniform, relativeLower: 0.2, relativeUpper: 0.3 }\n` +
        `numDiffSamples: 3\n`,
    );
    await Deno.writeTextFile(
      `${dir}/rec.yaml`,
      head + `buildOptions: { limit: 1 }\nparams:\n` +
        `  a: { sampler: uniform, lower: 0, upper: 1, n: 20 }\n` +
        `  b: { sampler: uniform, lower: 0, upper: 1, n: 20 }\nnumSamples: 30\n`,
    );
    const cli = async (file: string, out: string) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", mod, "run", file, "--out", out, "--json", `--allow-read=${root}`],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
      const { elapsedMs: _e, results: _r, ...summary } = JSON.parse(
        new TextDecoder().decode(o.stdout),
      );
      return summary;
    };
    const library = (s: SweepSummary) => {
      const { elapsedMs: _e, results: _r, ...summary } = JSON.parse(
        JSON.stringify(summaryJson(s, undefined)),
      );
      return summary;
    };
    const options = { workers: 2, seed: 5, permissions, csv: `${dir}/lib.csv`, overwrite: true };
    const diffKept = await differentialParameterSweep({
      ...differential,
      ...options,
      buildOptions: { limit: 1.3 },
      params: { a: linearSample(0.1, 0.9, 5), b: linearSample(0, 0.8, 4) },
      differential: {
        a: { mode: "sum", sample: "uniform", relativeLower: 0.2, relativeUpper: 0.3 },
      },
      numDiffSamples: 3,
    });
    assertEquals(await cli("diff.yaml", "d.csv"), library(summarizeResult(diffKept)));
    assertEquals(await cli("diff.yaml", "d.parquet"), library(summarizeResult(diffKept)));
    const recKept = await recursiveParameterSweep({
      ...recursive,
      ...options,
      params: { a: uniformSample(0, 1, 20), b: uniformSample(0, 1, 20) },
      numSamples: 30,
    });
    assertEquals(await cli("rec.yaml", "r.csv"), library(summarizeResult(recKept)));
    // (Arrow alone: kept, as before.)
    assertEquals(await cli("rec.yaml", "r.arrow"), library(summarizeResult(recKept)));
  });
});
