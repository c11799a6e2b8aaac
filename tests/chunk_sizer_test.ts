import assert from "node:assert/strict";
import { ChunkSizer } from "../src/parallel/_chunk_sizer.ts";
import { POOL_DEFAULTS } from "../src/_defaults.ts";

Deno.test("chunks start at one row, then grow at most fourfold towards the target time", () => {
  const sizer = new ChunkSizer({ workers: 2, targetMs: 5 });
  assert.equal(sizer.next(1_000_000), POOL_DEFAULTS.firstChunkRows);
  // A row costs 1 µs: the target allows 5,000 rows, growth allows 4 then 16.
  sizer.observe(1, 0.001);
  assert.equal(sizer.next(1_000_000), 4);
  sizer.observe(4, 0.004);
  assert.equal(sizer.next(1_000_000), 16);
  for (let i = 0; i < 10; i++) sizer.observe(sizer.next(1_000_000), 0);
  sizer.observe(1000, 1);
  assert.equal(sizer.next(1_000_000), 5000);
});

Deno.test("slow rows keep chunks at the rows that fit the target, never below one", () => {
  const sizer = new ChunkSizer({ workers: 4, targetMs: 5 });
  sizer.next(100);
  sizer.observe(1, 50);
  assert.equal(sizer.next(100), 1);
  assert.equal(sizer.perRowMs, 50);
});

Deno.test("the tail is shared: no chunk exceeds remaining / (workers x balance factor)", () => {
  const sizer = new ChunkSizer({ workers: 2, targetMs: 1000 });
  sizer.next(1000);
  sizer.observe(1, 1); // 1 ms a row: the target would allow 1,000 rows
  for (let i = 0; i < 5; i++) {
    const rows = sizer.next(1000);
    sizer.observe(rows, rows);
  }
  const cap = Math.ceil(1000 / (2 * POOL_DEFAULTS.balanceFactor));
  assert.equal(sizer.next(1000), cap);
  // ...but not below a tenth of the target time, so cheap tails do not become many messages.
  assert.equal(sizer.next(10), 10);
});

Deno.test("a fixed size is kept whatever the measurements, and never passes what is left", () => {
  const sizer = new ChunkSizer({ workers: 2, fixedRows: 7 });
  assert.equal(sizer.next(100), 7);
  sizer.observe(7, 1000);
  assert.equal(sizer.next(100), 7);
  assert.equal(sizer.next(3), 3);
  assert.equal(sizer.next(0), 0);
});
