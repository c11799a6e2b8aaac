import { matchRows } from "../src/io/match_rows.ts";
import { readRows } from "../src/io/read_rows.ts";
import {
  readSweepMeta,
  type SweepMeta,
  sweepMetaPath,
  writeSweepMeta,
} from "../src/io/sweep_meta.ts";
import { RowWriter } from "../src/io/row_writer.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const TRICKY = [0.1 + 0.2, 5e-324, 1.7976931348623157e308, -0, NaN, Infinity, -Infinity, 1e21];

Deno.test("readRows reads back exactly what RowWriter wrote, in both formats", async () => {
  await withTempDir(async (dir) => {
    const header = {
      extraNames: ["nominalIndex"],
      paramNames: ["a,b", 'q"'],
      outputNames: ["y\nz"],
    };
    const rows = TRICKY.length / 2;
    const batch = {
      rows,
      extra: { nominalIndex: Float64Array.from({ length: rows }, (_, i) => i) },
      params: Float64Array.from(TRICKY),
      outputs: Float64Array.from(TRICKY.slice(0, rows)),
      success: Uint8Array.of(1, 0, 1, 0),
      errors: [undefined, "bad", undefined, "worse"],
    };
    for (const ext of ["csv", "jsonl"] as const) {
      const path = `${dir}/r.${ext}`;
      const w = await RowWriter.open(path, header);
      await w.write(batch);
      await w.close();
      const r = await readRows(path, {
        paramNames: header.paramNames,
        extraNames: ["nominalIndex"],
      });
      assertStrictEquals(r.format, ext);
      assertStrictEquals(r.truncated, false);
      assertEquals(r.extraNames, header.extraNames);
      assertEquals(r.paramNames, header.paramNames);
      assertEquals(r.outputNames, header.outputNames);
      assertEquals(r.rows, rows);
      // Plain arrays compare by Object.is, so -0 and NaN must come back exactly.
      assertEquals([...r.params], [...batch.params]);
      assertEquals([...r.outputs], [...batch.outputs]);
      assertEquals(r.success, batch.success);
      assertEquals(r.extra, batch.extra);
      assertEquals(
        r.errors,
        ext === "jsonl" ? batch.errors : [undefined, undefined, undefined, undefined],
      );
      // JSON Lines describe themselves.
      if (ext === "jsonl") assertEquals((await readRows(path)).paramNames, header.paramNames);
    }
  });
});

Deno.test("readRows drops a truncated last line and reports it", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.csv`, "a,y,success\n1,2,true\n3,4,tr");
    const r = await readRows(`${dir}/a.csv`, { paramNames: ["a"] });
    assertEquals([r.rows, r.truncated, [...r.params]], [1, true, [1]]);
    await Deno.writeTextFile(
      `${dir}/b.jsonl`,
      '{"params":{"a":1},"outputs":{},"success":true}\n{"par',
    );
    const j = await readRows(`${dir}/b.jsonl`);
    assertEquals([j.rows, j.truncated, j.paramNames, j.outputNames], [1, true, ["a"], []]);
    // A file cut inside its header has no rows.
    await Deno.writeTextFile(`${dir}/c.csv`, "a,y,succ");
    const c = await readRows(`${dir}/c.csv`, { paramNames: ["a"], outputNames: ["y"] });
    assertEquals([c.rows, c.truncated, c.outputNames], [0, true, ["y"]]);
    // A file cut inside a multi-byte character still reads.
    const bytes = new TextEncoder().encode(
      '{"params":{"é":1},"outputs":{},"success":true}\n{"params":{"é',
    );
    await Deno.writeFile(`${dir}/d.jsonl`, bytes.subarray(0, bytes.length - 1));
    assertEquals((await readRows(`${dir}/d.jsonl`)).rows, 1);
  });
});

Deno.test("readRows names the file and line of a malformed middle line", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/bad.csv`;
    const cases: [string, RegExp][] = [
      [
        "a,y,success\n1,2,true\n1,x,true\n1,2,true\n",
        /line 3 has "x" in field 2, expected a number/,
      ],
      ["a,y,success\n1,2,true\n1,2\n", /line 3 has 2 fields, expected 3/],
      ["a,y,success\n1,2,true,4\n", /line 2 has 4 fields, expected 3/],
      ["a,y,success\n1,2,maybe\n", /line 2 has "maybe" for 'success', expected true or false/],
      ["a,y,success\n,2,true\n", /line 2 has "" in field 1, expected a number/],
      ['a,y,success\n1,"2"x,true\n', /line 2 is malformed: unexpected "x" after the closing quote/],
      ['"a,y,success\n1,2,true\n', /line 1 \(the header\) is malformed/],
    ];
    for (const [text, message] of cases) {
      await Deno.writeTextFile(csv, text);
      await assertRejects(
        readRows(csv, { paramNames: ["a"] }),
        (e: Error) => {
          assert(e instanceof SyntaxError, e.message);
          assertMatch(e.message, /^Cannot read results file ".*bad\.csv" as /);
          assertMatch(e.message, message);
          return true;
        },
      );
    }
    const jsonl = `${dir}/bad.jsonl`;
    const ok = '{"params":{"a":1},"outputs":{"y":2},"success":true}\n';
    const jcases: [string, RegExp][] = [
      [ok + "{oops}\n" + ok, /line 2 is not JSON/],
      [ok + "[1]\n", /line 2 must be a JSON object/],
      [
        ok + '{"params":{"a":1},"outputs":{"y":"x"},"success":true}\n',
        /line 2 must have a number for 'outputs\.y': current value is "x"/,
      ],
      [
        ok + '{"params":{"b":1},"outputs":{"y":2},"success":true}\n',
        /line 2 must have a number for 'params\.a'/,
      ],
      [
        ok + '{"params":{"a":1},"outputs":{"y":2},"success":1}\n',
        /line 2 must have a boolean 'success'/,
      ],
      [
        ok + '{"params":{"a":1,"b":2},"outputs":{"y":2},"success":true}\n',
        /line 2 must have the 1 columns \["a"\] in 'params'/,
      ],
    ];
    for (const [text, message] of jcases) {
      await Deno.writeTextFile(jsonl, text);
      await assertRejects(readRows(jsonl), SyntaxError);
      await assertRejects(readRows(jsonl), message);
    }
  });
});

Deno.test("readRows accepts CRLF, blank lines, quoted fields, pandas-style values", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.csv`,
      'a,"b",y,success\r\n"1",2,,True\r\n\r\n3,4,nan,FALSE\r\n-0,1e-7,inf,1\r\n',
    );
    const r = await readRows(`${dir}/a.csv`, { paramNames: ["a", "b"] });
    assertEquals(r.rows, 3);
    assertEquals([...r.params], [1, 2, 3, 4, -0, 1e-7]);
    assertEquals([...r.outputs], [NaN, NaN, Infinity]);
    assertEquals(r.success, Uint8Array.of(1, 0, 1));
    await Deno.writeTextFile(
      `${dir}/b.jsonl`,
      '{"params":{"a":-0},"outputs":{"y":null},"success":false}\n\n',
    );
    const j = await readRows(`${dir}/b.jsonl`);
    assert(Object.is(j.params[0], -0));
    assert(Number.isNaN(j.outputs[0]));
  });
});

Deno.test("readRows takes column names from options or the metadata file, and checks them", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    await Deno.writeTextFile(path, "k,a,y,z,success\n0,1,2,3,true\n");
    await assertRejects(
      readRows(path),
      /Cannot read results file ".*r\.csv" as its parameter columns are unknown: pass 'paramNames', or keep its metadata file ".*r\.csv\.meta\.json"/,
    );
    await assertRejects(
      readRows(path, { paramNames: ["k", "b"] }),
      /its parameter columns differ from those expected: current value is \["k", "a"\], expected \["k", "b"\]/,
    );
    await assertRejects(
      readRows(path, { extraNames: ["k"], paramNames: ["a"], outputNames: ["y"] }),
      /its output columns differ/,
    );
    const meta: SweepMeta = {
      version: 1,
      extraNames: ["k"],
      paramNames: ["a"],
      outputNames: ["y", "z"],
      totalRows: 1,
    };
    await writeSweepMeta(path, meta);
    const r = await readRows(path);
    assertEquals([r.extraNames, r.paramNames, r.outputNames], [["k"], ["a"], ["y", "z"]]);
    assertEquals([r.extra.k[0], r.params[0], ...r.outputs], [0, 1, 2, 3]);
    await Deno.writeTextFile(`${dir}/e.jsonl`, "");
    await writeSweepMeta(`${dir}/e.jsonl`, meta);
    const e = await readRows(`${dir}/e.jsonl`);
    assertEquals([e.rows, e.paramNames, e.outputNames], [0, ["a"], ["y", "z"]]);
    await assertRejects(readRows(`${dir}/missing.csv`), Deno.errors.NotFound);
  });
});

Deno.test("matchRows maps done rows to combinations, duplicates in order", () => {
  const all = { rows: 6, columns: 2, data: Float64Array.of(0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 1, 1) };
  const done = { rows: 4, columns: 2, data: Float64Array.of(0, 0, 1, 1, 0, 0, 0, 0) };
  assertEquals([...matchRows(done, all)], [0, 1, 2, 4]);
  // -0 and 0 are different doubles; NaN matches NaN.
  const signed = { rows: 3, columns: 1, data: Float64Array.of(0, -0, NaN) };
  assertEquals(
    [...matchRows({ rows: 3, columns: 1, data: Float64Array.of(NaN, -0, 0) }, signed)],
    [2, 1, 0],
  );
  assertThrows(
    () =>
      matchRows({ rows: 1, columns: 1, data: Float64Array.of(-0) }, {
        rows: 1,
        columns: 1,
        data: Float64Array.of(0),
      }),
    /column 0=-0/,
  );
  assertThrows(
    () =>
      matchRows({ rows: 2, columns: 2, data: Float64Array.of(2, 2, 2, 2) }, all, {
        paramNames: ["a", "b"],
      }),
    (e: Error) => {
      assertStrictEquals(
        e.message,
        "Cannot match done row 1 (a=2, b=2) as it does not belong to this sweep: no combination left has these values",
      );
      return true;
    },
  );
  assertThrows(() => matchRows({ rows: 0, columns: 3, data: new Float64Array(0) }, all), TypeError);
  assertEquals(matchRows({ rows: 0, columns: 2, data: new Float64Array(0) }, all).length, 0);
});

Deno.test("matchRows handles a large shuffled resume", () => {
  const N = 100_000;
  const P = 3;
  const all = new Float64Array(N * P);
  for (let i = 0; i < N; i++) {
    all[i * P] = i % 10;
    all[i * P + 1] = Math.floor(i / 10) * 0.1;
    all[i * P + 2] = 1 / (1 + (i % 7));
  }
  // Every third row, in a scrambled order.
  const picked: number[] = [];
  for (let i = 0; i < N; i += 3) picked.push(i);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  const done = new Float64Array(picked.length * P);
  picked.forEach((row, k) => done.set(all.subarray(row * P, row * P + P), k * P));
  const map = matchRows({ rows: picked.length, columns: P, data: done }, {
    rows: N,
    columns: P,
    data: all,
  });
  assertEquals([...map], picked);
});

Deno.test("writeSweepMeta and readSweepMeta round-trip and name the field that differs", async () => {
  await withTempDir(async (dir) => {
    const results = `${dir}/out.csv`;
    assertStrictEquals(sweepMetaPath(results), `${results}.meta.json`);
    const meta: SweepMeta = {
      version: 1,
      paramNames: ["a", "b"],
      outputNames: ["y"],
      totalRows: 100,
      seed: 7,
      model: "file:///model.ts#build",
      params: { a: { kind: "linear", lower: 0, upper: 1, num: 10 } },
      createdAt: "2024-01-01T00:00:00Z",
    };
    await writeSweepMeta(results, meta);
    assertEquals(await readSweepMeta(results), meta);
    assertEquals(await readSweepMeta(results, { expected: meta }), meta);
    const cases: [Partial<SweepMeta>, RegExp][] = [
      [
        { seed: 8 },
        /the sweep's 'seed' differs from the one it was started with: current value is 8, expected 7/,
      ],
      [{ paramNames: ["a", "c"] }, /'paramNames\[1\]' differs.*current value is "c", expected "b"/],
      [
        { params: { a: { kind: "linear", lower: 0, upper: 2, num: 10 } } },
        /'params\.a\.upper' differs.*current value is 2, expected 1/,
      ],
      [{ totalRows: 99 }, /'totalRows' differs/],
      [
        { model: undefined },
        /'model' differs.*current value is absent, expected "file:\/\/\/model\.ts#build"/,
      ],
    ];
    for (const [change, message] of cases) {
      await assertRejects(
        readSweepMeta(results, { expected: { ...meta, ...change }, ignore: ["createdAt"] }),
        (e: Error) => {
          assertMatch(e.message, /^Cannot resume ".*out\.csv" as /);
          assertMatch(e.message, message);
          assertMatch(e.message, /\(from ".*out\.csv\.meta\.json"\)$/);
          return true;
        },
      );
    }
    await assertRejects(
      readSweepMeta(results, { expected: { ...meta, createdAt: "later" } }),
      /'createdAt' differs/,
    );
    await readSweepMeta(results, {
      expected: { ...meta, createdAt: "later" },
      ignore: ["createdAt"],
    });
    assertEquals(await Array.fromAsync(Deno.readDir(dir), (e) => e.name), ["out.csv.meta.json"]);
  });
});

Deno.test("readSweepMeta and writeSweepMeta report missing, malformed and invalid metadata", async () => {
  await withTempDir(async (dir) => {
    await assertRejects(
      readSweepMeta(`${dir}/none.csv`),
      (e: Error) => {
        assert(e instanceof Deno.errors.NotFound);
        assertMatch(
          e.message,
          /^Cannot read sweep metadata as its file does not exist: current value is ".*none\.csv\.meta\.json"/,
        );
        return true;
      },
    );
    await Deno.writeTextFile(`${dir}/bad.csv.meta.json`, "{nope");
    await assertRejects(readSweepMeta(`${dir}/bad.csv`), SyntaxError);
    await Deno.writeTextFile(
      `${dir}/odd.csv.meta.json`,
      '{"version":1,"paramNames":"a","outputNames":[],"totalRows":1}',
    );
    await assertRejects(
      readSweepMeta(`${dir}/odd.csv`),
      /'paramNames' of ".*odd\.csv\.meta\.json" must be an array of strings: current value is "a"/,
    );
    await assertRejects(
      writeSweepMeta(`${dir}/x.csv`, {
        version: 1,
        paramNames: [],
        outputNames: [],
        totalRows: -1,
      }),
      /Cannot write sweep metadata as 'totalRows' of 'meta' must be a non-negative integer: current value is -1/,
    );
    const cyclic: Record<string, unknown> = {
      version: 1,
      paramNames: [],
      outputNames: [],
      totalRows: 0,
    };
    cyclic.self = cyclic;
    await assertRejects(
      writeSweepMeta(`${dir}/x.csv`, cyclic as SweepMeta),
      /must be JSON-representable/,
    );
  });
});

Deno.test("readRows takes extra column names from the metadata file even when given the others", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    await writeSweepMeta(path, {
      version: 1,
      extraNames: ["k"],
      paramNames: ["a"],
      outputNames: ["y"],
      totalRows: 1,
    });
    await Deno.writeTextFile(path, "k,a,y,success\n0,1,2,true\n");
    const r = await readRows(path, { paramNames: ["a"], outputNames: ["y"] });
    assertEquals(r.extraNames, ["k"]);
    assertEquals([...r.params], [1]);
    assertEquals([...r.outputs], [2]);
  });
});
