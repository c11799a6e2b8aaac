import { formatProgressLine, type Progress, ProgressTracker } from "../src/io/progress.ts";
import { assert, assertEquals, assertStrictEquals, assertThrows } from "./_assert.ts";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

Deno.test("ProgressTracker reports at most every intervalMs, plus once at finish", () => {
  const clock = fakeClock();
  const reports: { at: number; p: Progress }[] = [];
  const tracker = new ProgressTracker(10_000, {
    intervalMs: 200,
    now: clock.now,
    onProgress: (p) => reports.push({ at: clock.now(), p }),
  });
  for (let i = 0; i < 1000; i++) {
    clock.advance(1 + (i % 3)); // uneven arrivals, about 2 ms apart
    tracker.add(10, i % 100 === 0 ? 1 : 0);
  }
  const elapsed = reports.length > 0 ? reports.at(-1)!.at - 1000 : 0;
  assert(reports.length <= Math.floor(2000 / 200), `${reports.length} reports`);
  assert(reports.length >= 9, `${reports.length} reports in ${elapsed} ms`);
  for (let i = 1; i < reports.length; i++) assert(reports[i].at - reports[i - 1].at >= 200);
  const before = reports.length;
  tracker.finish();
  tracker.finish();
  tracker.add(5); // ignored after finish
  assertStrictEquals(reports.length, before + 1);
  const last = reports.at(-1)!.p;
  assertEquals([last.done, last.failed, last.total, last.etaMs], [10_000, 10, 10_000, 0]);
  assertStrictEquals(last.elapsedMs, 1999); // 1000 steps of 1, 2 or 3 ms
  assertStrictEquals(last.rate, 10_000 / 1.999);
});

Deno.test("ProgressTracker computes rate and ETA, excluding rows done before a resume", () => {
  const clock = fakeClock();
  const tracker = new ProgressTracker(1000, { now: clock.now, done: 400, failed: 3 });
  let p = tracker.progress;
  assertEquals([p.done, p.failed, p.rate, p.etaMs, p.elapsedMs], [400, 3, 0, Infinity, 0]);
  clock.advance(2000);
  tracker.add(100, 2);
  p = tracker.progress;
  assertEquals([p.done, p.failed, p.rate, p.etaMs, p.elapsedMs], [500, 5, 50, 10_000, 2000]);
  // No report without a callback, and no timers: the test's sanitizers would see them.
  const quiet = new ProgressTracker(0, { now: clock.now });
  assertStrictEquals(quiet.progress.etaMs, 0);
  quiet.finish();
});

Deno.test("ProgressTracker checks its counts", () => {
  assertThrows(
    () => new ProgressTracker(-1),
    /'total' must be a non-negative integer: current value is -1/,
  );
  assertThrows(() => new ProgressTracker(1.5), RangeError);
  assertThrows(() => new ProgressTracker(10, { intervalMs: -1 }), /'intervalMs'/);
  assertThrows(() => new ProgressTracker(10, { done: 11 }), /'failed' <= 'done' <= 'total'/);
  assertThrows(
    () => new ProgressTracker(10, { onProgress: 1 as unknown as () => void }),
    TypeError,
  );
  const tracker = new ProgressTracker(10);
  assertThrows(
    () => tracker.add(2, 3),
    /'failed' must not exceed 'done': current value is 3, expected at most 2/,
  );
  assertThrows(() => tracker.add(NaN), RangeError);
  tracker.add(8);
  assertThrows(
    () => tracker.add(3),
    /'done' would pass the total: current value is 3, expected at most 2/,
  );
  tracker.add(2);
  assertStrictEquals(tracker.progress.done, 10);
});

Deno.test("formatProgressLine draws a bar or a plain line", () => {
  const p: Progress = {
    done: 500,
    failed: 3,
    total: 1000,
    rate: 1234,
    etaMs: 4000,
    elapsedMs: 405,
  };
  assertStrictEquals(
    formatProgressLine(p, { width: 10 }),
    "[#####.....] 500/1000 (3 failed) 1.2k/s ETA 0:04",
  );
  assertStrictEquals(
    formatProgressLine(p, { style: "plain" }),
    "500/1000 rows (50%), 3 failed, 1.2k rows/s, ETA 0:04",
  );
  const start: Progress = { done: 0, failed: 0, total: 10, rate: 0, etaMs: Infinity, elapsedMs: 0 };
  assertStrictEquals(formatProgressLine(start, { width: 4 }), "[....] 0/10 0.0/s ETA ?");
  const end: Progress = {
    done: 10,
    failed: 0,
    total: 10,
    rate: 0.5,
    etaMs: 0,
    elapsedMs: 3_725_000,
  };
  assertStrictEquals(formatProgressLine(end, { width: 4 }), "[####] 10/10 0.5/s in 1:02:05");
  assertStrictEquals(
    formatProgressLine({ ...end, total: 0, done: 0 }, { style: "plain" }),
    "0/0 rows (100%), 0.5 rows/s, in 1:02:05",
  );
});

Deno.test("formatProgressLine scales rates and checks its options", () => {
  const rate = (r: number) =>
    formatProgressLine({ done: 1, failed: 0, total: 2, rate: r, etaMs: 61_000, elapsedMs: 1 }, {
      width: 1,
    });
  assertEquals(
    [0.25, 12.4, 340, 1234, 45_678, 999_999, 1_500_000, 25e6].map(rate),
    [
      "[.] 1/2 0.3/s ETA 1:01",
      "[.] 1/2 12/s ETA 1:01",
      "[.] 1/2 340/s ETA 1:01",
      "[.] 1/2 1.2k/s ETA 1:01",
      "[.] 1/2 46k/s ETA 1:01",
      "[.] 1/2 1.0M/s ETA 1:01",
      "[.] 1/2 1.5M/s ETA 1:01",
      "[.] 1/2 25M/s ETA 1:01",
    ],
  );
  const p: Progress = { done: 1, failed: 0, total: 2, rate: 1, etaMs: 1, elapsedMs: 1 };
  assertThrows(() => formatProgressLine(p, { width: 0 }), /'width' must be a positive integer/);
  assertThrows(
    () => formatProgressLine(p, { style: "fancy" as "bar" }),
    /'style' must be "bar" or "plain": current value is "fancy"/,
  );
});
