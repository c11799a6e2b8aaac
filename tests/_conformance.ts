// The conformance suite for ParallelManager. It is a plain async function so that it can run on
// the main thread against a serial or pool manager, and inside every worker of a peer group
// (through runPeers), where each rank runs it against its own peers.
import {
  CHUNK_ERROR_NAMES,
  type LocalResults,
  type ParallelManager,
  ROOT_PROCESS_RANK,
} from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";

const fixtures = new URL("./fixtures/functions.ts", import.meta.url).href;
const fn = (name: string) => ({ module: fixtures, name });

/** Options of {@linkcode conformance}. */
export interface ConformanceOptions {
  /** How many participants the collectives have; defaults to numberOfWorkerProcesses(). */
  groupSize?: number;
}

/** Runs every check against `pm`; throws on the first failure. Returns the names of the checks run. */
export async function conformance(
  pm: ParallelManager,
  options: ConformanceOptions = {},
): Promise<string[]> {
  const done: string[] = [];
  const size = options.groupSize ?? pm.numberOfWorkerProcesses();
  const rank = pm.getRank();
  const root = pm.isRootProcess();

  // identity
  assertEquals(ROOT_PROCESS_RANK, 0);
  assertEquals(root, rank === ROOT_PROCESS_RANK);
  assert(Number.isInteger(rank) && rank >= 0 && rank < size, `rank ${rank} of ${size}`);
  assert(pm.numberOfWorkerProcesses() >= 1);
  done.push("identity");

  // barrier, twice in a row
  await pm.syncWithPeers();
  await pm.syncWithPeers();
  done.push("syncWithPeers");

  // broadcast of an array, in place
  const arr = new Float64Array(4);
  if (root) arr.set([1.5, -2, NaN, 1e300]);
  await pm.syncArrayWithPeers(arr);
  assertEquals([...arr], [1.5, -2, NaN, 1e300]);
  const ints = new Int32Array(3).fill(root ? 7 : -1);
  await pm.syncArrayWithPeers(ints);
  assertEquals([...ints], [7, 7, 7]);
  done.push("syncArrayWithPeers");

  // broadcast of an object
  const obj = await pm.syncObjectWithPeers({ from: rank, nested: { list: [rank, "x"] } });
  assertEquals(obj, { from: 0, nested: { list: [0, "x"] } });
  done.push("syncObjectWithPeers");

  // allgather
  const all = await pm.combineDataWithPeers({ rank, square: rank * rank });
  assertEquals(all, Array.from({ length: size }, (_, r) => ({ rank: r, square: r * r })));
  done.push("combineDataWithPeers");

  // gatherv: rank r sends r + 1 copies of r + 0.5
  const sizes = Array.from({ length: size }, (_, r) => r + 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  const send = new Float64Array(rank + 1).fill(rank + 0.5);
  const recv = new Float64Array(total + 2).fill(-1);
  await pm.gatherArraysToRoot(send, root ? { buffer: recv, sizes } : undefined);
  if (root) {
    const expected = sizes.flatMap((s, r) => Array(s).fill(r + 0.5));
    assertEquals([...recv], [...expected, -1, -1]);
  }
  done.push("gatherArraysToRoot");

  // gatherv size mismatch on the root is a RangeError (every rank takes part so none is left waiting)
  if (size === 1) {
    await assertRejects(
      () => pm.gatherArraysToRoot(new Float64Array(2), { buffer: new Float64Array(4), sizes: [3] }),
      RangeError,
    );
    await assertRejects(
      () => pm.gatherArraysToRoot(new Float64Array(2), { buffer: new Float64Array(1), sizes: [2] }),
      RangeError,
    );
    done.push("gatherArraysToRoot errors");
  }
  // A receive buffer the root got wrong fails the step on the root (in a group, on every rank),
  // and leaves every rank in step for the next collective.
  const wrong = pm.gatherArraysToRoot(
    new Float64Array(1),
    root ? { buffer: new Float64Array(1), sizes: Array(size).fill(5) } : undefined,
  );
  const failedHere = await wrong.then(() => false, (e) => e instanceof RangeError);
  if (root) assert(failedHere, "the root's bad receive buffer is a RangeError");
  assertEquals(await pm.combineDataWithPeers(rank), Array.from({ length: size }, (_, r) => r));
  done.push("gatherArraysToRoot bad spec");

  // Collectives started together, without awaiting one before the next, pair up in order.
  const [together, ranks] = await Promise.all([
    pm.syncObjectWithPeers({ from: rank }),
    pm.combineDataWithPeers(rank),
    pm.syncWithPeers(),
  ]);
  assertEquals(together, { from: 0 });
  assertEquals(ranks, Array.from({ length: size }, (_, r) => r));
  done.push("collectives in flight together");

  // allreduce-sum
  const sbuf = new Float64Array([rank, 1, 0.25]);
  const rbuf = new Float64Array(3);
  await pm.sumValuesAndSync(sbuf, rbuf);
  assertEquals([...rbuf], [(size * (size - 1)) / 2, size, 0.25 * size]);
  await assertRejects(
    () => pm.sumValuesAndSync(new Float64Array(2), new Float64Array(3)),
    RangeError,
  );
  // 64-bit integers sum exactly, past what a double holds.
  const big = new BigInt64Array(1);
  await pm.sumValuesAndSync(BigInt64Array.of(2n ** 60n + BigInt(rank)), big);
  assertEquals(big[0], BigInt(size) * 2n ** 60n + BigInt((size * (size - 1)) / 2));
  done.push("sumValuesAndSync");

  // WaterTAP's scatter/gather scenario
  await pm.scatter(fn("watertapBuild"), { base: 100 }, fn("watertapExecute"), [[1], [2], [3], [4], [
    5,
  ]]);
  const results = pm.resultsFromLocalTree(await pm.gather());
  if (root) {
    assertOrdered(results);
    assertEquals(flatten(results), [-101, -102, -103, -104, -105]);
    assertEquals(results.flatMap((r) => [...r.parameters.data]), [1, 2, 3, 4, 5]);
  }
  done.push("scatter/gather WaterTAP scenario");

  // many rows keep their order whatever the chunking
  const n = 1000;
  const rows = Array.from({ length: n }, (_, i) => [i, -i]);
  await pm.scatter(fn("noBuild"), {}, fn("echoRows"), rows);
  const echoed = await pm.gather();
  if (root) {
    assertOrdered(echoed);
    const flat = flatten(echoed);
    assertEquals(flat.length, 2 * n);
    assert(flat.every((v, i) => v === (i % 2 === 0 ? i / 2 : -(i - 1) / 2)), "rows out of order");
  }
  done.push("ordering");

  // a failing chunk is reported, the others keep their results
  await pm.scatter(fn("watertapBuild"), { base: 100 }, fn("failOnThree"), [[1], [2], [3], [4], [
    5,
  ]]);
  const mixed = await pm.gather();
  if (root) {
    assertOrdered(mixed);
    const failed = mixed.filter((r) => r.error !== undefined);
    assert(failed.length >= 1, "the chunk holding 3 must fail");
    for (const f of failed) {
      assertEquals(f.error!.name, "RangeError");
      assertEquals(f.error!.message, "three is not allowed");
      assertEquals(f.results, undefined);
      assert([...f.parameters.data].includes(3), "only the chunk holding 3 fails");
    }
    const ok = mixed.filter((r) => r.error === undefined);
    for (const r of ok) {
      assertEquals([...(r.results as Float64Array)], [...r.parameters.data].map((x) => -(100 + x)));
    }
    assertEquals(mixed.flatMap((r) => [...r.parameters.data]), [1, 2, 3, 4, 5]);
  }
  done.push("failed chunk");

  // a doBuild that throws fails every row with the name every manager uses, the original name
  // and message kept in the message
  await pm.scatter(fn("buildThrows"), {}, fn("echoRows"), [[1], [2], [3]]);
  const unbuilt = await pm.gather();
  if (root) {
    assertEquals(unbuilt.flatMap((r) => [...r.parameters.data]), [1, 2, 3]);
    for (const r of unbuilt) {
      assertEquals(r.error?.name, CHUNK_ERROR_NAMES.buildFailed);
      assert(r.error!.message.includes("TypeError: no model here"), r.error!.message);
      assertEquals(r.results, undefined);
    }
  }
  done.push("failed build");

  // onResult: a returned promise is awaited; what it throws or rejects with does not stop the
  // work, and gather throws it, even when the rejection comes after the last chunk finished
  for (const fail of ["throws", "rejects", "rejects late"] as const) {
    let calls = 0;
    await pm.scatter(fn("noBuild"), {}, fn("echoRows"), rows, {
      onResult: () => {
        calls++;
        const error = new EvalError(`onResult ${fail}`);
        if (fail === "throws") throw error;
        if (fail === "rejects") return Promise.reject(error);
        // Settles in a later task than the chunk's own completion.
        return new Promise((_, reject) => setTimeout(() => reject(error), 0));
      },
    });
    await assertRejects(
      pm.gather(),
      (e: Error) => e instanceof EvalError && e.message.includes(fail),
    );
    assert(calls >= 1, "onResult was called");
  }
  done.push("onResult errors");

  // an empty parameter set gathers to no rows
  await pm.scatter(fn("noBuild"), {}, fn("echoRows"), []);
  const empty = await pm.gather();
  if (root) assertEquals(flatten(empty), []);
  done.push("empty");

  await pm.syncWithPeers();
  return done;
}

function assertOrdered(results: readonly LocalResults[]): void {
  for (let i = 1; i < results.length; i++) {
    assert(
      results[i - 1].processNumber < results[i].processNumber,
      "gather must order by processNumber",
    );
  }
}

function flatten(results: readonly LocalResults[]): number[] {
  return results.flatMap((r) => r.results === undefined ? [] : [...(r.results as Float64Array)]);
}
