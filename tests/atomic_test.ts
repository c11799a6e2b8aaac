import { finalizeRows, writeFileAtomic } from "../src/io/atomic.ts";
import { readRows } from "../src/io/read_rows.ts";
import { RowWriter } from "../src/io/row_writer.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

Deno.test("writeFileAtomic creates, refuses to replace, and replaces with overwrite", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a.txt`;
    await writeFileAtomic(path, "first");
    await assertRejects(
      writeFileAtomic(path, "second"),
      (e: Error) => {
        assert(e instanceof Deno.errors.AlreadyExists);
        assertMatch(
          e.message,
          /^Cannot write file as 'path' already exists: current value is ".*a\.txt" \(pass overwrite: true to replace it\)$/,
        );
        return true;
      },
    );
    assertEquals(await Deno.readTextFile(path), "first");
    await writeFileAtomic(path, new TextEncoder().encode("second"), { overwrite: true });
    assertEquals(await Deno.readTextFile(path), "second");
    await writeFileAtomic(new URL(`file://${dir}/b.txt`), ["x", new Uint8Array([121]), "z"]);
    assertEquals(await Deno.readTextFile(`${dir}/b.txt`), "xyz");
    assertEquals(await names(dir), ["a.txt", "b.txt"]); // no temporary files left
  });
});

Deno.test("writeFileAtomic leaves the old file and no temporary file when writing fails", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a.txt`;
    await writeFileAtomic(path, "old");
    async function* failing(): AsyncGenerator<string> {
      yield "new, half";
      throw new Error("disk on fire");
    }
    await assertRejects(writeFileAtomic(path, failing(), { overwrite: true }), /disk on fire/);
    assertEquals(await Deno.readTextFile(path), "old");
    await assertRejects(
      writeFileAtomic(path, [1] as unknown as string[], { overwrite: true }),
      /each piece of 'data' must be a string or a Uint8Array: current value is 1/,
    );
    await assertRejects(
      writeFileAtomic(path, 42 as unknown as string, { overwrite: true }),
      TypeError,
    );
    assertEquals(await names(dir), ["a.txt"]);
    // A missing directory is reported as such.
    await assertRejects(writeFileAtomic(`${dir}/no/such/dir.txt`, "x"), Deno.errors.NotFound);
  });
});

Deno.test("writeFileAtomic streams async iterables in order", async () => {
  await withTempDir(async (dir) => {
    async function* pieces(): AsyncGenerator<string | Uint8Array> {
      for (let i = 0; i < 1000; i++) yield `${i}\n`;
    }
    await writeFileAtomic(`${dir}/n.txt`, pieces());
    const lines = (await Deno.readTextFile(`${dir}/n.txt`)).trimEnd().split("\n");
    assertEquals(lines.length, 1000);
    assertEquals(lines[999], "999");
  });
});

Deno.test("finalizeRows rewrites a streamed file in row order, atomically", async () => {
  await withTempDir(async (dir) => {
    for (const ext of ["csv", "jsonl"]) {
      const path = `${dir}/r.${ext}`;
      const header = { extraNames: ["k"], paramNames: ["a"], outputNames: ["y"] };
      const w = await RowWriter.open(path, header);
      // Chunks finish out of order.
      for (const i of [2, 0, 1]) {
        await w.write({
          rows: 1,
          extra: { k: Float64Array.of(i) },
          params: Float64Array.of(i / 10),
          outputs: Float64Array.of(i === 1 ? NaN : i * i),
          success: Uint8Array.of(i === 1 ? 0 : 1),
          errors: [i === 1 ? "no" : undefined],
        });
      }
      await w.close();
      await finalizeRows(path, {
        ...header,
        rows: 3,
        extra: { k: Float64Array.of(0, 1, 2) },
        params: Float64Array.of(0, 0.1, 0.2),
        outputs: Float64Array.of(0, NaN, 4),
        success: Uint8Array.of(1, 0, 1),
        errors: [undefined, "no", undefined],
      });
      const r = await readRows(path, { paramNames: ["a"], extraNames: ["k"] });
      assertEquals([...r.extra.k], [0, 1, 2]);
      assertEquals([...r.params], [0, 0.1, 0.2]);
      assertEquals([...r.outputs], [0, NaN, 4]);
      assertEquals(
        r.errors,
        ext === "jsonl" ? [undefined, "no", undefined] : [
          undefined,
          undefined,
          undefined,
        ],
      );
    }
    assertEquals(await names(dir), ["r.csv", "r.jsonl"]);
  });
});

Deno.test("finalizeRows handles tables larger than one block and checks its input", async () => {
  await withTempDir(async (dir) => {
    const N = 150_000; // more than two encoding blocks
    const params = Float64Array.from({ length: 2 * N }, (_, i) => i * 0.5);
    const outputs = Float64Array.from({ length: N }, (_, i) => -i);
    const table = {
      paramNames: ["p", "q"],
      outputNames: ["o"],
      rows: N,
      params,
      outputs,
      success: new Uint8Array(N).fill(1),
    };
    const path = `${dir}/big.csv`;
    await finalizeRows(path, table);
    const r = await readRows(path, { paramNames: ["p", "q"] });
    assertEquals(r.rows, N);
    assertEquals(r.params, params);
    assertEquals(r.outputs, outputs);
    await assertRejects(finalizeRows(path, table, { overwrite: false }), Deno.errors.AlreadyExists);
    await assertRejects(
      finalizeRows(path, { ...table, outputs: new Float64Array(3) }),
      /Cannot finalize results file as 'outputs' must be a Float64Array of length 150000/,
    );
    assertEquals(await names(dir), ["big.csv"]);
  });
});
