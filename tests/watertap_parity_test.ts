// WaterTAP behaviours a user of its parameter_sweep relies on, ported from its own tests
// (watertap-org/parameter-sweep); expected values are those tests' values.
import { DenoWorkerManager, SingleProcessManager } from "../mod.ts";
import { assertEquals, assertRejects } from "./_assert.ts";

Deno.test("gatherArraysToRoot on a group of one takes sizes written for several workers (test_gather_arrays_to_root)", async () => {
  await using pool = new DenoWorkerManager({ workers: 1 });
  for (const pm of [new SingleProcessManager(), pool]) {
    const buffer = new Float64Array([0, 0, 0]);
    await pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), { buffer, sizes: [1, 2] });
    assertEquals([...buffer], [1, 2, 3]);
    // Sizes that do not add up to what is sent are still refused.
    await assertRejects(
      () =>
        pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), {
          buffer: new Float64Array(3),
          sizes: [1, 1],
        }),
      RangeError,
      "'recvbufSpec.sizes' must sum to the length sent by the only rank (3): current value is [1,1]",
    );
    await assertRejects(
      () =>
        pm.gatherArraysToRoot(new Float64Array([1, 2, 3]), {
          buffer: new Float64Array(2),
          sizes: [1, 2],
        }),
      RangeError,
      "'recvbufSpec.buffer' must hold at least 3 elements",
    );
  }
});
