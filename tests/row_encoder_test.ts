// The encoder worker that makes CSV and JSON Lines text off the main thread (io/_row_encoder.ts):
// the same bytes as encoding on the calling thread, answers in order, the rows' arrays moved
// rather than copied, this thread's encoding when its worker cannot load, and a closed encoder
// that refuses further work.
import { RowEncoder } from "../src/io/_row_encoder.ts";
import type { EncodeRows } from "../src/io/_row_encoder_protocol.ts";
import { csvHeaderLine, encodeBatch, normalizeHeader } from "../src/io/_rows.ts";
import { toRows } from "../src/_columns.ts";
import { ENCODER_DEFAULTS } from "../src/_defaults.ts";
import { RowWriter } from "../src/io/row_writer.ts";
import { assert, assertEquals, assertRejects, assertStrictEquals } from "./_assert.ts";
import { withTempDir } from "./_temp.ts";
import { DenoWorkerManager, fixedSample, linearSample, parameterSweep } from "../mod.ts";
import { encodeRows } from "../src/io/_rows.ts";

const HEADER = {
  extraNames: ["nominalIndex"],
  paramNames: ["x", "y"],
  outputNames: ["a", "b"],
};

// Three rows: odd numbers (-0, NaN, an infinity, a subnormal, a long fraction), a failed row
// with a message that needs escaping, and the outputs given as columns or row by row.
function rows(asColumns: boolean): EncodeRows {
  const a = Float64Array.of(-0, NaN, 0.1 + 0.2);
  const b = Float64Array.of(Infinity, NaN, 5e-324);
  const outputs = asColumns ? [a, b] : Float64Array.of(a[0], b[0], a[1], b[1], a[2], b[2]);
  return {
    rows: 3,
    params: Float64Array.of(1, 2, -0, 1e21, 3.5, -7),
    outputs,
    success: Uint8Array.of(1, 0, 1),
    failures: [[1, 'RangeError: "x" \n too big']],
    extra: { nominalIndex: Float64Array.of(0, 0, 1) },
  };
}

// What the calling thread's own encoder writes for the same rows.
function expected(format: "csv" | "jsonl"): string {
  const r = rows(false);
  const bytes = encodeBatch(format, normalizeHeader(HEADER, "encode"), {
    rows: r.rows,
    params: r.params as Float64Array,
    outputs: r.outputs as Float64Array,
    success: r.success,
    errors: [undefined, r.failures[0][1], undefined],
    extra: r.extra,
  });
  return new TextDecoder().decode(bytes);
}

Deno.test("RowEncoder writes what the calling thread's encoder writes, for CSV and JSON Lines at once", async () => {
  const encoder = RowEncoder.open()!;
  try {
    for (const asColumns of [true, false]) {
      const [csv, jsonl] = await encoder.encode(["csv", "jsonl"], HEADER, rows(asColumns));
      assertEquals(new TextDecoder().decode(csv), expected("csv"));
      assertEquals(new TextDecoder().decode(jsonl), expected("jsonl"));
    }
  } finally {
    encoder.close();
  }
});

Deno.test("RowEncoder answers in the order it is asked and moves the rows' arrays to its worker", async () => {
  const encoder = RowEncoder.open()!;
  try {
    // Once its worker is ready (until then requests wait on this thread, unsent).
    await encoder.encode(["csv"], HEADER, rows(true));
    const batches = Array.from({ length: 20 }, (_, k) => {
      const n = 1000 * (k + 1);
      return {
        rows: n,
        params: Float64Array.from({ length: 2 * n }, (_, i) => k + i / 7),
        outputs: [Float64Array.from({ length: n }, (_, i) => i), new Float64Array(n)],
        success: new Uint8Array(n).fill(1),
        failures: [],
      } satisfies EncodeRows;
    });
    const params = batches.map((b) => b.params);
    const texts = batches.map((b) =>
      encoder.encode(["csv"], { paramNames: ["x", "y"], outputNames: ["a", "b"] }, b)
    );
    // (Should an assertion below fail, the encodings it leaves are refused quietly.)
    for (const text of texts) text.catch(() => {});
    // Moved, not copied: this thread's views of them are empty now.
    assert(params.every((p) => p.length === 0));
    const done = await Promise.all(texts);
    done.forEach(([csv], k) => {
      const lines = new TextDecoder().decode(csv).split("\n");
      assertStrictEquals(lines.length, 1000 * (k + 1) + 1);
      assertStrictEquals(lines[0], `${k},${k + 1 / 7},0,0,true`);
    });
  } finally {
    encoder.close();
  }
});

// A grid of odd values: -0 (not 0), NaN, infinities, a subnormal, a huge and a long number.
const GRID = {
  values: [Float64Array.of(-0, 0, 5e-324), Float64Array.of(NaN, -Infinity, 1e21, 0.1 + 0.2)],
  strides: [4, 1],
};

// The grid's rows from `first` on, row-major, as the sweep's own rows would be.
function gridRows(first: number, n: number, values = GRID.values): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = first + i;
    out[2 * i] = values[0][Math.floor(r / 4) % 3];
    out[2 * i + 1] = values[1][r % 4];
  }
  return out;
}

function gridBatch(first: number, n: number, params: EncodeRows["params"]): EncodeRows {
  return {
    rows: n,
    params,
    outputs: [Float64Array.from({ length: n }, (_, i) => (first + i) / 3), new Float64Array(n)],
    success: new Uint8Array(n).fill(1),
    failures: [],
  };
}

const GRID_HEADER = { paramNames: ["x", "y"], outputNames: ["a", "b"] };

Deno.test("a grid's rows sent as its values encode as the rows themselves, from any row and past a 16 MiB piece", async () => {
  const encoder = RowEncoder.open()!;
  try {
    // Starting at the grid's first row, inside a value's run, and in a batch whose text passes
    // the encoder's 16 MiB piece (so that the grid's place is found again for the next piece).
    for (const [first, n] of [[0, 12], [5, 31], [7, 500_000]]) {
      const slice = { first, ...GRID };
      for (const format of ["csv", "jsonl"] as const) {
        const [want] = encodeRows([format], GRID_HEADER, gridBatch(first, n, gridRows(first, n)));
        const [local] = encodeRows([format], GRID_HEADER, gridBatch(first, n, slice));
        const [worker] = await encoder.encode([format], GRID_HEADER, gridBatch(first, n, slice));
        if (n > 100_000) assert(want.length > 2 ** 24, `only ${want.length} bytes`);
        assertEquals(local, want);
        assertEquals(worker, want);
      }
    }
    // The grid's values stay the caller's: copied to the worker, not moved.
    assertStrictEquals(GRID.values[1].length, 4);
    // Another grid of the same shape: its own text, not the last grid's.
    const other = [GRID.values[0], Float64Array.of(NaN, -Infinity, 1e21, 0.25)];
    const [want] = encodeRows(["csv"], GRID_HEADER, gridBatch(0, 8, gridRows(0, 8, other)));
    const slice = { first: 0, values: other, strides: GRID.strides };
    const [worker] = await encoder.encode(["csv"], GRID_HEADER, gridBatch(0, 8, slice));
    assertEquals(worker, want);
    assertStrictEquals(new TextDecoder().decode(worker).split("\n")[3], "-0,0.25,1,0,true");
  } finally {
    encoder.close();
  }
});

Deno.test("RowEncoder encodes on the calling thread when its worker cannot load", async () => {
  const missing = new URL("./fixtures/no_such_encoder.ts", import.meta.url).href;
  const encoder = RowEncoder.open(2, missing)!;
  try {
    // Asked before the worker failed and after: both answered, the same bytes.
    const first = encoder.encode(["csv"], HEADER, rows(true));
    const [csv] = await first;
    assertEquals(new TextDecoder().decode(csv), expected("csv"));
    const [jsonl] = await encoder.encode(["jsonl"], HEADER, rows(false));
    assertEquals(new TextDecoder().decode(jsonl), expected("jsonl"));
  } finally {
    encoder.close();
  }
});

Deno.test("RowEncoder refuses work once closed, and a writer waiting on its text fails, its file kept", async () => {
  await withTempDir(async (dir) => {
    const encoder = RowEncoder.open()!;
    const path = `${dir}/r.csv`;
    const writer = await RowWriter.open(path, HEADER);
    try {
      const [text] = await encoder.encode(["csv"], HEADER, rows(true));
      await writer.writeEncoded(text, 3);
      const pending = encoder.encode(["csv"], HEADER, rows(true)).then((t) => t[0]);
      encoder.close();
      await assertRejects(() => writer.writeEncoded(pending, 3), Error, "encoder is closed");
      await assertRejects(
        () => encoder.encode(["csv"], HEADER, rows(true)),
        Error,
        "encoder is closed",
      );
      // A write after a failed one is refused: no rows land after a gap.
      await assertRejects(() => writer.writeEncoded(text, 3), Error, "earlier write");
    } finally {
      await writer.close();
    }
    const lines = (await Deno.readTextFile(path)).split("\n");
    assertEquals(lines.length, 5); // the header, three rows, the final line break
  });
});

Deno.test("a sweep's CSV and JSON Lines made by the encoder worker are the bytes the main thread makes", async () => {
  // A sweep of at least ENCODER_DEFAULTS.minRows rows sends every batch to the encoder, its
  // first small ones too (chunks of 512 rows here); the same rows encoded on this thread, from
  // the result, must give the same bytes. The model returns -0, NaN, tiny and huge numbers, and
  // fails some rows with messages that need escaping.
  const source = `export function evaluate(_, { x, y, z }) {
    if (x % 97 === 3) throw new Error('row "' + x + '"\\n fails, é');
    return { a: x === 0 ? -0 : x / 7, b: y % 5 === 0 ? NaN : y * 1e-310, c: x * 1e300 + z };
  }`;
  const model = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    await withTempDir(async (dir) => {
      await using manager = new DenoWorkerManager({ workers: 2, chunkSize: 512 });
      const csv = `${dir}/r.csv`;
      const jsonl = `${dir}/r.jsonl`;
      const result = await parameterSweep({
        model,
        params: {
          x: linearSample(0, 199, 200),
          y: linearSample(0, 19, 20),
          // A grid's values are formatted once each by the encoder: odd ones too.
          z: fixedSample([-0, 5e-324, 0.1 + 0.2]),
        },
        manager,
        csv,
        jsonl,
      });
      assert(result.rows >= ENCODER_DEFAULTS.minRows);
      assert(result.errors.size > 0);
      const header = normalizeHeader({
        paramNames: [...result.paramNames],
        outputNames: [...result.outputNames],
      }, "encode");
      const errors = Array.from({ length: result.rows }, (_, r) => result.errors.get(r));
      const batch = {
        rows: result.rows,
        params: toRows(result.paramNames.map((n) => result.params[n]), result.rows),
        outputs: toRows(result.outputNames.map((n) => result.outputs[n]), result.rows),
        success: result.success,
        errors,
      };
      const text = (format: "csv" | "jsonl") =>
        new TextDecoder().decode(encodeBatch(format, header, batch));
      const written = await Deno.readTextFile(csv);
      assertEquals(written.split("\n").length, 12_002);
      assertEquals(written, csvHeaderLine(header) + text("csv"));
      assertEquals(await Deno.readTextFile(jsonl), text("jsonl"));
    });
  } finally {
    URL.revokeObjectURL(model);
  }
});
