// RedisManager with real `psweep worker` processes against a real Redis server.
import assert from "node:assert/strict";
import { linearSample, parameterSweep, RedisManager } from "../mod.ts";
import { freshPrefix, MODEL, REDIS_URL, SKIP_REDIS, withDaemons } from "./_redis.ts";

const ignore = SKIP_REDIS;

Deno.test({
  name: "RedisManager: a sweep on two worker daemons equals the model, NaN and -0 included",
  ignore,
  async fn() {
    const prefix = freshPrefix();
    await withDaemons([{ prefix }, { prefix }], async (daemons) => {
      await using manager = new RedisManager({ url: REDIS_URL, prefix, leaseMs: 2000 });
      const result = await parameterSweep({
        model: MODEL,
        params: { x: linearSample(-2, 10, 49) },
        buildOptions: { ms: 2 },
        manager,
      });
      assert.equal(result.rows, 49);
      assert.equal(result.stats.succeeded, 49);
      const xs = result.params.x;
      for (let i = 0; i < 49; i++) {
        const x = xs[i];
        assert.equal(result.outputs.y[i], 2 * x);
        if (x === 0) assert.ok(Object.is(result.outputs.z[i], -0));
        else if (x < 0) assert.ok(Number.isNaN(result.outputs.z[i]));
        else assert.equal(result.outputs.z[i], 1 / x);
      }
      // Both daemons joined the sweep.
      await Promise.all(daemons.map((d) => d.waitFor(/joined sweep/)));
    });
  },
});
