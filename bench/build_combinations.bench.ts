// Timing of buildCombinations, kept out of the tests (a wall-clock bound there fails on a loaded
// machine): a million rows of a full factorial grid and of random draws.
import { buildCombinations } from "../src/sampling/build_combinations.ts";
import {
  fixedSample,
  linearSample,
  normalSample,
  uniformSample,
} from "../src/sampling/samplers.ts";

Deno.bench("buildCombinations: 1,000,000 grid rows (1000 x 100 x 10)", () => {
  buildCombinations({
    a: linearSample(0, 999, 1000),
    b: linearSample(0, 99, 100),
    c: fixedSample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  });
});

Deno.bench("buildCombinations: 1,000,000 random rows (uniform, normal), sorted", () => {
  buildCombinations({
    a: uniformSample(0, 1, 1_000_000),
    b: normalSample(0, 1, 1_000_000),
  }, { seed: 1 });
});
