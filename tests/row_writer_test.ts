import type { RowBatch } from "../src/io/row_types.ts";
import { RowWriter } from "../src/io/row_writer.ts";
import { readRows } from "../src/io/read_rows.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

const HEADER = { paramNames: ["a", "b"], outputNames: ["y"] };

function batch(
  rows: [number, number, number, boolean][],
  errors?: (string | undefined)[],
): RowBatch {
  return {
    rows: rows.length,
    params: Float64Array.from(rows.flatMap(([a, b]) => [a, b])),
    outputs: Float64Array.from(rows.map((r) => r[2])),
    success: Uint8Array.from(rows.map((r) => (r[3] ? 1 : 0))),
    errors,
  };
}

Deno.test("RowWriter writes CSV: quoted names, exact numbers, success, no error column", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    const w = await RowWriter.open(path, {
      extraNames: ["nominalIndex"],
      paramNames: ["x,1", 'say "hi"'],
      outputNames: ["multi\nline"],
    });
    assertStrictEquals(w.format, "csv");
    await w.write({
      rows: 3,
      extra: { nominalIndex: Float64Array.of(0, 0, 1) },
      params: Float64Array.of(0.1 + 0.2, -0, 5e-324, 1.7976931348623157e308, Infinity, -Infinity),
      outputs: Float64Array.of(1e21, NaN, 1e-7),
      success: Uint8Array.of(1, 0, 1),
      errors: [undefined, "boom, with a comma", undefined],
    });
    await w.close();
    assertEquals(
      await Deno.readTextFile(path),
      'nominalIndex,"x,1","say ""hi""","multi\nline",success\n' +
        "0,0.30000000000000004,-0,1e+21,true\n" +
        "0,5e-324,1.7976931348623157e+308,NaN,false\n" +
        "1,Infinity,-Infinity,1e-7,true\n",
    );
    assertEquals(w.rowsWritten, 3);
  });
});

Deno.test("RowWriter writes JSON Lines: NaN and infinities as strings, errors kept", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.jsonl`;
    await using w = await RowWriter.open(path, {
      extraNames: ["nominalIndex"],
      paramNames: ["a", 'q"uote'],
      outputNames: ["y"],
    });
    await w.write({
      rows: 2,
      extra: { nominalIndex: Float64Array.of(3, 4) },
      params: Float64Array.of(-0, 0.1, Infinity, -Infinity),
      outputs: Float64Array.of(5e-324, NaN),
      success: Uint8Array.of(1, 0),
      errors: [undefined, 'failed: "solver"\nline 2'],
    });
    await w.close();
    const text = await Deno.readTextFile(path);
    assertEquals(
      text,
      '{"extra":{"nominalIndex":3},"params":{"a":-0.0,"q\\"uote":0.1},"outputs":{"y":5e-324},"success":true}\n' +
        '{"extra":{"nominalIndex":4},"params":{"a":"Infinity","q\\"uote":"-Infinity"},"outputs":{"y":"NaN"},"success":false,"error":"failed: \\"solver\\"\\nline 2"}\n',
    );
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert(Object.is(lines[0].params.a, -0));
    assertEquals(lines[1].error, 'failed: "solver"\nline 2');
  });
});

Deno.test("RowWriter refuses to replace an existing file unless told to", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    await Deno.writeTextFile(path, "precious\n");
    await assertRejects(
      RowWriter.open(path, HEADER),
      (e: Error) => {
        assert(e instanceof Deno.errors.AlreadyExists);
        assertMatch(
          e.message,
          /^Cannot open results file as 'path' already exists: current value is ".*r\.csv" \(pass overwrite: true to replace it, or append: true to resume\)$/,
        );
        return true;
      },
    );
    assertEquals(await Deno.readTextFile(path), "precious\n");
    const w = await RowWriter.open(path, HEADER, { overwrite: true });
    await w.write(batch([[1, 2, 3, true]]));
    await w.close();
    assertEquals(await Deno.readTextFile(path), "a,b,y,success\n1,2,3,true\n");
    await assertRejects(
      RowWriter.open(path, HEADER, { overwrite: true, append: true }),
      TypeError,
    );
  });
});

Deno.test("RowWriter append resumes: drops a partial last line, keeps complete ones", async () => {
  await withTempDir(async (dir) => {
    for (const ext of ["csv", "jsonl"]) {
      const path = `${dir}/r.${ext}`;
      const first = await RowWriter.open(path, HEADER);
      await first.write(batch([[1, 1, 1, true], [1, 2, 2, true]]));
      await first.close();
      // A crash in the middle of a write leaves a line without its line break.
      await Deno.writeTextFile(path, ext === "csv" ? "2,1,0.5" : '{"params":{"a":2', {
        append: true,
      });
      const before = await readRows(path, { paramNames: HEADER.paramNames });
      assert(before.truncated);
      assertEquals(before.rows, 2);
      const again = await RowWriter.open(path, HEADER, { append: true });
      await again.write(batch([[2, 1, 9, false]]));
      await again.close();
      const after = await readRows(path, { paramNames: HEADER.paramNames });
      assert(!after.truncated);
      assertEquals([...after.params], [1, 1, 1, 2, 2, 1]);
      assertEquals([...after.outputs], [1, 2, 9]);
      assertEquals([...after.success], [1, 1, 0]);
      assertEquals(again.rowsWritten, 1);
    }
  });
});

Deno.test("RowWriter append creates a missing file and checks an existing file's columns", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/new.csv`;
    const w = await RowWriter.open(path, HEADER, { append: true });
    await w.close();
    assertEquals(await Deno.readTextFile(path), "a,b,y,success\n");
    // An empty file (crash before the header) gets its header.
    await Deno.writeTextFile(`${dir}/empty.csv`, "a,b,");
    await (await RowWriter.open(`${dir}/empty.csv`, HEADER, { append: true })).close();
    assertEquals(await Deno.readTextFile(`${dir}/empty.csv`), "a,b,y,success\n");
    // A file with no complete line that is not the start of this header is left alone.
    await Deno.writeTextFile(`${dir}/other.csv`, "not ours");
    await assertRejects(
      RowWriter.open(`${dir}/other.csv`, HEADER, { append: true }),
      /does not start like a csv file of this sweep/,
    );
    assertEquals(await Deno.readTextFile(`${dir}/other.csv`), "not ours");
    // A mismatching file keeps its partial last line too.
    await Deno.writeTextFile(`${dir}/mismatch.csv`, "a,c,y,success\n1,2,");
    await assertRejects(RowWriter.open(`${dir}/mismatch.csv`, HEADER, { append: true }), /differ/);
    assertEquals(await Deno.readTextFile(`${dir}/mismatch.csv`), "a,c,y,success\n1,2,");
    await assertRejects(
      RowWriter.open(path, { paramNames: ["a", "c"], outputNames: ["y"] }, { append: true }),
      /Cannot append to results file as its columns differ from the sweep's: current value is \["a", "b", "y", "success"\], expected \["a", "c", "y", "success"\]/,
    );
    const jsonl = `${dir}/r.jsonl`;
    await Deno.writeTextFile(jsonl, '{"params":{"a":1,"b":2},"outputs":{"z":3},"success":true}\n');
    await assertRejects(
      RowWriter.open(jsonl, HEADER, { append: true }),
      /columns differ.*"outputs\.z"/,
    );
    // Integer-like names lose their order in JSON objects; they still match.
    const numeric = { paramNames: ["10", "2"], outputNames: ["y"] };
    const n = await RowWriter.open(`${dir}/n.jsonl`, numeric);
    await n.write(batch([[1, 2, 3, true]]));
    await n.close();
    await (await RowWriter.open(`${dir}/n.jsonl`, numeric, { append: true })).close();
  });
});

Deno.test("RowWriter queues concurrent writes so that lines never interleave", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    await using w = await RowWriter.open(path, HEADER);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const rows: [number, number, number, boolean][] = [];
      for (let j = 0; j < 100; j++) rows.push([i, j, i * j, true]);
      writes.push(w.write(batch(rows)));
    }
    await Promise.all(writes);
    await w.close();
    const r = await readRows(path, { paramNames: HEADER.paramNames });
    assertEquals(r.rows, 5000);
    for (let k = 0; k < r.rows; k++) {
      assertStrictEquals(r.outputs[k], r.params[2 * k] * r.params[2 * k + 1]);
      assertStrictEquals(r.params[2 * k], Math.floor(k / 100));
    }
  });
});

Deno.test("RowWriter checks names, batches and its own state", async () => {
  await withTempDir(async (dir) => {
    await assertRejects(
      RowWriter.open(`${dir}/r.txt`, HEADER),
      /format of 'path' is unknown: current value is ".*r\.txt"/,
    );
    await (await RowWriter.open(`${dir}/r.txt`, HEADER, { format: "jsonl" })).close();
    await assertRejects(
      RowWriter.open(`${dir}/d.csv`, { paramNames: ["a", "a"], outputNames: [] }),
      /the names in 'paramNames' must be unique: "a" appears twice/,
    );
    await assertRejects(
      RowWriter.open(`${dir}/e.csv`, { paramNames: ["a", ""], outputNames: [] }),
      /'paramNames\[1\]' must be a non-empty string: current value is ""/,
    );
    const w = await RowWriter.open(`${dir}/r.csv`, HEADER);
    await assertRejects(
      w.write({ ...batch([[1, 2, 3, true]]), params: Float64Array.of(1) }),
      /'params' must be a Float64Array of length 2: current value is a Float64Array of length 1/,
    );
    await assertRejects(
      w.write({ ...batch([[1, 2, 3, true]]), extra: { x: Float64Array.of(1) } }),
      /'extra' must hold only the columns in 'extraNames'/,
    );
    await w.write({
      rows: 0,
      params: new Float64Array(0),
      outputs: new Float64Array(0),
      success: new Uint8Array(0),
    });
    await w.close();
    await assertRejects(w.write(batch([[1, 2, 3, true]])), /results file is closed/);
    assertEquals(await Deno.readTextFile(`${dir}/r.csv`), "a,b,y,success\n");
  });
});

Deno.test("RowWriter round-trips a large batch of 2e5 rows x (2 params + 3 outputs)", async () => {
  await withTempDir(async (dir) => {
    const N = 200_000;
    const params = new Float64Array(2 * N);
    const outputs = new Float64Array(3 * N);
    const success = new Uint8Array(N).fill(1);
    for (let i = 0; i < N; i++) {
      params[2 * i] = i % 1000;
      params[2 * i + 1] = Math.floor(i / 1000) * 0.1;
      outputs[3 * i] = Math.sin(i);
      outputs[3 * i + 1] = Math.sqrt(i);
      outputs[3 * i + 2] = i % 7 === 0 ? NaN : 1 / (i + 1);
    }
    for (const ext of ["csv", "jsonl"]) {
      const path = `${dir}/big.${ext}`;
      const w = await RowWriter.open(path, {
        paramNames: ["a", "b"],
        outputNames: ["x", "y", "z"],
      });
      await w.write({ rows: N, params, outputs, success });
      await w.close();
      // Speed lives in bench/; here a large batch must simply round-trip.
      const r = await readRows(path, { paramNames: ["a", "b"] });
      assertEquals(r.rows, N);
      assert(Object.is(r.outputs[3 * 12345], outputs[3 * 12345]));
      assert(Number.isNaN(r.outputs[2]));
      await Deno.remove(path);
    }
  });
});

Deno.test("RowWriter output survives the process being killed mid-sweep", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/crash.csv`;
    const script = `${dir}/writer.ts`;
    const module = new URL("../src/io/row_writer.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { RowWriter } from ${JSON.stringify(module)};
const w = await RowWriter.open(${
        JSON.stringify(path)
      }, { paramNames: ["i"], outputNames: ["twice"] });
for (let i = 0; ; i += 1000) {
  const params = new Float64Array(1000).map((_, k) => i + k);
  await w.write({ rows: 1000, params, outputs: params.map((x) => 2 * x), success: new Uint8Array(1000).fill(1) });
}
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", script],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      for (let tries = 0; tries < 400; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        const size = await Deno.stat(path).then((s) => s.size, () => 0);
        if (size > 2_000_000) break;
      }
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
    const r = await readRows(path, { paramNames: ["i"] });
    assert(r.rows >= 1000, `only ${r.rows} rows`);
    for (let k = 0; k < r.rows; k++) {
      assertStrictEquals(r.params[k], k);
      assertStrictEquals(r.outputs[k], 2 * k);
    }
  });
});

Deno.test("RowWriter writes a value repeated down a column exactly as it writes it once", async () => {
  // Repeated fields are copied from the row before: runs of one value, zeros of both signs,
  // NaN and infinities, across the scratch buffer growing and long error messages.
  await withTempDir(async (dir) => {
    const N = 30_000;
    const pool = [0.1 + 0.2, 0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324, 7];
    const params = new Float64Array(2 * N);
    const outputs = new Float64Array(N);
    const success = new Uint8Array(N);
    const errors: (string | undefined)[] = [];
    for (let i = 0; i < N; i++) {
      params[2 * i] = pool[Math.floor(i / 7) % pool.length];
      params[2 * i + 1] = pool[(i * 5) % pool.length];
      outputs[i] = i % 3 === 0 ? pool[Math.floor(i / 100) % pool.length] : i / 3;
      success[i] = i % 11 === 0 ? 0 : 1;
      errors.push(i % 11 === 0 ? `failed, row ${i}: ${"x".repeat(i % 4000)}` : undefined);
    }
    const text = (x: number) => (Object.is(x, -0) ? "-0" : String(x));
    // JSON Lines writes -0 as -0.0 (Python's json reads "-0" as the integer 0).
    const json = (x: number) =>
      Object.is(x, -0) ? "-0.0" : Number.isFinite(x) ? text(x) : `"${text(x)}"`;
    let csv = "a,b,y,success\n";
    let jsonl = "";
    for (let i = 0; i < N; i++) {
      const [a, b, y] = [params[2 * i], params[2 * i + 1], outputs[i]];
      csv += `${text(a)},${text(b)},${text(y)},${success[i] ? "true" : "false"}\n`;
      jsonl += `{"params":{"a":${json(a)},"b":${json(b)}},"outputs":{"y":${json(y)}},"success":${
        success[i] ? "true" : "false"
      }${errors[i] ? `,"error":${JSON.stringify(errors[i])}` : ""}}\n`;
    }
    for (const [ext, expected] of [["csv", csv], ["jsonl", jsonl]]) {
      const path = `${dir}/runs.${ext}`;
      const w = await RowWriter.open(path, HEADER);
      await w.write({ rows: N, params, outputs, success, errors });
      await w.close();
      assertStrictEquals(await Deno.readTextFile(path), expected);
    }
  });
});

Deno.test("RowWriter append: a character cut at a block's end in one file does not reach the next", async () => {
  await withTempDir(async (dir) => {
    const header = { paramNames: ["x"], outputNames: ["y"] };
    const first = '{"params":{"x":1},"outputs":{"y":1},"success":true}\n';
    // File a: its second line is a long message of two-byte characters, one of them cut by
    // the 64 KiB block that append reads first.
    let start = first + '{"params":{"x":2},"outputs":{"y":"NaN"},"success":false,"error":"';
    if ((65535 - new TextEncoder().encode(start).length) % 2 !== 0) start += "a";
    await Deno.writeTextFile(`${dir}/a.jsonl`, start + "é".repeat(40_000) + '"}\n');
    await Deno.writeTextFile(`${dir}/b.jsonl`, first);
    await (await RowWriter.open(`${dir}/a.jsonl`, header, { append: true })).close();
    const b = await RowWriter.open(`${dir}/b.jsonl`, header, { append: true });
    await b.write({
      rows: 1,
      params: Float64Array.of(2),
      outputs: Float64Array.of(2),
      success: Uint8Array.of(1),
    });
    await b.close();
    assertEquals((await Deno.readTextFile(`${dir}/b.jsonl`)).split("\n").length, 3);
  });
});

Deno.test("RowWriter append restarts a CSV header cut inside a character", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.csv`;
    const header = { paramNames: ["α"], outputNames: ["y"] };
    // A crash during the header's write left the first byte of "α".
    await Deno.writeFile(path, new TextEncoder().encode("α,y,success\n").subarray(0, 1));
    await (await RowWriter.open(path, header, { append: true })).close();
    assertStrictEquals(await Deno.readTextFile(path), "α,y,success\n");
  });
});

Deno.test("RowWriter with sync flushes the directory of a file it created, once", async () => {
  await withTempDir(async (dir) => {
    const synced: string[] = [];
    const { sync, syncData } = Deno.FsFile.prototype;
    Deno.FsFile.prototype.sync = function () {
      synced.push("sync");
      return sync.call(this);
    };
    Deno.FsFile.prototype.syncData = function () {
      synced.push("syncData");
      return syncData.call(this);
    };
    try {
      const w = await RowWriter.open(`${dir}/r.csv`, HEADER, { sync: true });
      await w.write(batch([[1, 2, 3, true]]));
      await w.write(batch([[4, 5, 6, true]]));
      await w.close();
    } finally {
      Deno.FsFile.prototype.sync = sync;
      Deno.FsFile.prototype.syncData = syncData;
    }
    // The file's data after each write and at close; its directory entry (sync on the
    // directory) after the first.
    assertEquals(synced, ["syncData", "sync", "syncData", "syncData"]);
  });
});

Deno.test("RowWriter writes a batch larger than the encoder's 16 MiB pieces exactly", async () => {
  await withTempDir(async (dir) => {
    // About 25 MB of text: two pieces, with a column that repeats across the seam.
    const N = 400_000;
    const params = new Float64Array(2 * N);
    const outputs = new Float64Array(N);
    const success = new Uint8Array(N).fill(1);
    for (let i = 0; i < N; i++) {
      params[2 * i] = 0.1 + 0.2;
      params[2 * i + 1] = Math.sin(i);
      outputs[i] = i % 1000 === 0 ? -0 : i / 7;
    }
    const text = (x: number) => (Object.is(x, -0) ? "-0" : String(x));
    const lines = ["a,b,y,success"];
    for (let i = 0; i < N; i++) {
      lines.push(`${text(params[2 * i])},${text(params[2 * i + 1])},${text(outputs[i])},true`);
    }
    const w = await RowWriter.open(`${dir}/big.csv`, HEADER);
    await w.write({ rows: N, params, outputs, success });
    await w.close();
    const written = await Deno.readTextFile(`${dir}/big.csv`);
    assert(written.length > 1 << 24);
    assert(written === lines.join("\n") + "\n", "the file differs from String(x) of each value");
  });
});

Deno.test("RowWriter's header is a copy, and writeEncoded checks what it is given", async () => {
  await withTempDir(async (dir) => {
    await using w = await RowWriter.open(`${dir}/r.csv`, HEADER);
    (w.header.paramNames as string[]).push("z");
    assertEquals(w.header.paramNames, ["a", "b"]);
    await w.write(batch([[1, 2, 3, true]]));
    await assertRejects(() => w.writeEncoded(new TextEncoder().encode("1,2,3,true"), 1), TypeError);
    await assertRejects(
      () => w.writeEncoded(new TextEncoder().encode("1,2,3,true\n"), -7),
      RangeError,
    );
    assertEquals(w.rowsWritten, 1);
  });
});
