// Sweeps on real MPI jobs: every rank returns the same result as a serial sweep, the root alone
// writes the files and reports progress; a rank that throws, exits or is killed ends the job
// with a non-zero status naming it, the root's file keeps its rows, and the sweep resumes.
import {
  differentialParameterSweep,
  parameterSweep,
  recursiveParameterSweep,
  summarizeResult,
  type SweepResult,
  uniformSample,
} from "../mod.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { KNOWN, type Launcher, runMpi, skipWithout } from "./_mpi.ts";
import { resultDigest, summaryDigest } from "./_sweep_result.ts";
import { withTempDir } from "./_temp.ts";
import { resultsFormat } from "../src/io/_formats.ts";

const fixture = new URL("./fixtures/mpi/sweep.ts", import.meta.url);
const model = new URL("./fixtures/mpi/model.ts", import.meta.url).pathname;

function params(n: number) {
  return { a: uniformSample(0, 1, n), b: uniformSample(0, 1, n) };
}

// What a rank printed: its result's digest.
async function asPrinted(r: SweepResult): Promise<unknown> {
  return await resultDigest(r);
}

async function readText(path: string): Promise<string> {
  return await Deno.readTextFile(path);
}

// The failure tests' sweep, run serially once: its result's digest and its CSV file.
const FAIL_ROWS = 400;
let failureRef: Promise<{ digest: unknown; csv: string }> | undefined;
function failureReference(): Promise<{ digest: unknown; csv: string }> {
  failureRef ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "psweep_test_" });
    try {
      const result = await parameterSweep({
        model,
        buildOptions: { spinMs: 2 },
        params: params(FAIL_ROWS),
        seed: 3,
        workers: 1,
        csv: `${dir}/ref.csv`,
      });
      return { digest: await asPrinted(result), csv: await readText(`${dir}/ref.csv`) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return failureRef;
}

for (const name of ["openmpi", "mpich"] as const) {
  const launcher = KNOWN.find((l) => l.name === name)!;
  const ignore = skipWithout(name);

  Deno.test({
    name:
      `parameterSweep under ${name} on 2 ranks: the root writes the files, every rank gets the serial result`,
    ignore,
    async fn() {
      await withTempDir(async (dir) => {
        const settings = { model, buildOptions: { limit: 1.5 }, n: 60, seed: 7, workers: 1 };
        const reference = await parameterSweep({
          model,
          buildOptions: settings.buildOptions,
          params: params(settings.n),
          seed: settings.seed,
          workers: 1,
          csv: `${dir}/ref.csv`,
          jsonl: `${dir}/ref.jsonl`,
        });
        const run = await runMpi(launcher, 2, fixture, [
          JSON.stringify({ ...settings, csv: `${dir}/mpi.csv`, jsonl: `${dir}/mpi.jsonl` }),
        ]);
        assertEquals(run.code, 0, run.stderr);
        for (const rank of [0, 1]) {
          assertEquals(run.ranks[rank].digest, await asPrinted(reference), `rank ${rank}`);
        }
        assert((run.ranks[0].progressCalls as number) > 0, "the root reports progress");
        assertEquals(run.ranks[1].progressCalls, 0, "other ranks report none");
        assertEquals(await readText(`${dir}/mpi.csv`), await readText(`${dir}/ref.csv`));
        assertEquals(await readText(`${dir}/mpi.jsonl`), await readText(`${dir}/ref.jsonl`));
        // Without a seed the ranks agree on rank 0's fresh one.
        const unseeded = await runMpi(launcher, 2, fixture, [
          JSON.stringify({ ...settings, seed: undefined }),
        ]);
        assertEquals(unseeded.code, 0, unseeded.stderr);
        assertEquals(unseeded.ranks[0].digest, unseeded.ranks[1].digest);
        assertEquals(unseeded.ranks[0].rows, 60);
      });
    },
  });

  for (const how of ["throw", "exit", "signal"] as const) {
    Deno.test({
      name:
        `a rank that fails (${how}) under ${name} ends the job non-zero naming it; the root's file resumes`,
      ignore,
      async fn() {
        await withTempDir(async (dir) => {
          const base = {
            model,
            n: FAIL_ROWS,
            seed: 3,
            workers: 1,
            csv: `${dir}/s.csv`,
            buildOptions: { spinMs: 2 },
          };
          const reference = await failureReference();
          const run = await runMpi(launcher, 2, fixture, [JSON.stringify(base)], {
            env: { PSWEEP_TEST_FAIL: `1:100:${how}:${dir}/s.csv` },
          });
          assert(run.code !== 0, `the job must fail: ${run.stderr}`);
          assertEquals(run.ranks, {}, "no rank finished");
          // Open MPI names the rank; MPICH's launcher names only the PID of a rank killed by a
          // signal (the rank itself has no chance to say anything). On a loaded machine MPICH's
          // launcher can also drop everything a rank wrote just before the job was torn down,
          // its own abort message included: then the job's exit code is the rank's.
          const said = run.stdout + run.stderr;
          if (name === "mpich" && how !== "signal" && said === "") {
            assertEquals(run.code, how === "exit" ? 3 : 1, "the failing rank's exit code");
          } else {
            assertMatch(
              said,
              how === "signal" && name === "mpich" ? /BAD TERMINATION[\s\S]*signal 9/ : /rank 1\b/,
            );
          }
          // The rows on disk are the reference's rows; a resume computes the rest.
          const partial = (await readText(`${dir}/s.csv`)).split("\n").filter((l) => l);
          const full = reference.csv.split("\n").filter((l) => l);
          assert(partial.length >= 2, "rank 0's rows stay on disk");
          assert(partial.length < full.length, "the job stopped before the end");
          for (const line of partial) {
            assert(full.includes(line), `row not in the reference: ${line}`);
          }
          const resumed = await runMpi(launcher, 2, fixture, [
            // Without the seed: rank 0 reads the one its file recorded and tells the others.
            JSON.stringify({ ...base, seed: undefined, resume: true }),
          ]);
          assertEquals(resumed.code, 0, resumed.stderr);
          assertEquals(resumed.ranks[0].digest, reference.digest);
          assertEquals(resumed.ranks[1].digest, reference.digest);
          assertEquals(await readText(`${dir}/s.csv`), reference.csv);
        });
      },
    });
  }
}

Deno.test({
  name:
    "differential and recursive sweeps on 2 ranks x 2 workers of a passed MpiManager match the serial ones",
  ignore: skipWithout("openmpi"),
  async fn() {
    const launcher: Launcher = KNOWN.find((l) => l.name === "openmpi")!;
    const common = {
      model,
      buildOptions: { limit: 1.5 },
      params: params(10),
      seed: 11,
      workers: 1,
    };
    const differential = await differentialParameterSweep({
      ...common,
      differential: {
        a: { mode: "sum", sample: "uniform", relativeLower: -0.1, relativeUpper: 0.1 },
      },
      numDiffSamples: 2,
    });
    const recursive = await recursiveParameterSweep({ ...common, numSamples: 40 });
    const settings = { model, buildOptions: { limit: 1.5 }, n: 10, seed: 11, managerWorkers: 2 };
    for (
      const [kind, expected] of [["differential", differential], ["recursive", recursive]] as const
    ) {
      const run = await runMpi(launcher, 2, fixture, [JSON.stringify({ ...settings, kind })]);
      assertEquals(run.code, 0, run.stderr);
      for (const rank of [0, 1]) {
        assertEquals(run.ranks[rank].digest, await asPrinted(expected), `${kind}, rank ${rank}`);
      }
    }
  },
});

Deno.test({
  name:
    "differential and recursive sweeps that keep no rows, on 2 ranks x 2 workers of a passed MpiManager, write the serial files and return their summary on every rank",
  ignore: skipWithout("openmpi"),
  async fn() {
    const launcher: Launcher = KNOWN.find((l) => l.name === "openmpi")!;
    await withTempDir(async (dir) => {
      const common = {
        model,
        buildOptions: { limit: 1.5 },
        params: params(10),
        seed: 11,
        workers: 1,
      };
      const differential = await differentialParameterSweep({
        ...common,
        differential: {
          a: { mode: "sum", sample: "uniform", relativeLower: -0.1, relativeUpper: 0.1 },
        },
        numDiffSamples: 2,
        csv: `${dir}/differential-ref.csv`,
      });
      const recursive = await recursiveParameterSweep({
        ...common,
        numSamples: 40,
        csv: `${dir}/recursive-ref.csv`,
      });
      const settings = { model, buildOptions: { limit: 1.5 }, n: 10, seed: 11, managerWorkers: 2 };
      for (
        const [kind, expected] of [["differential", differential], [
          "recursive",
          recursive,
        ]] as const
      ) {
        const csv = `${dir}/${kind}.csv`;
        const run = await runMpi(launcher, 2, fixture, [
          JSON.stringify({ ...settings, kind, csv, keepResult: false }),
        ]);
        assertEquals(run.code, 0, run.stderr);
        const digest = await summaryDigest(summarizeResult(expected));
        for (const rank of [0, 1]) assertEquals(run.ranks[rank].digest, digest, `${kind}, ${rank}`);
        assertEquals(await readText(csv), await readText(`${dir}/${kind}-ref.csv`), kind);
      }
    });
  },
});

const mod = new URL("../mod.ts", import.meta.url);

async function writeSweepFile(dir: string): Promise<string> {
  const path = `${dir}/sweep.yaml`;
  await Deno.writeTextFile(
    path,
    [
      `model: ${model}`,
      "buildOptions: { limit: 1.5 }",
      "params:",
      "  a: { sampler: linear, lower: 0, upper: 1, n: 9 }",
      "  b: { sampler: linear, lower: 0, upper: 1, n: 7 }",
      "",
    ].join("\n"),
  );
  return path;
}

for (const name of ["openmpi", "mpich"] as const) {
  Deno.test({
    name:
      `the CLI under ${name}: 'mpirun -n 2 deno run -A mod.ts run sweep.yaml --mpi' writes the serial results once`,
    ignore: skipWithout(name),
    async fn() {
      const launcher = KNOWN.find((l) => l.name === name)!;
      await withTempDir(async (dir) => {
        const file = await writeSweepFile(dir);
        const serial = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-prompt", mod.pathname, "run", file, "--out", `${dir}/ref.csv`],
          stdout: "null",
          stderr: "piped",
        }).output();
        assertEquals(serial.code, 0, new TextDecoder().decode(serial.stderr));
        const run = await runMpi(launcher, 2, mod, [
          "run",
          file,
          "--mpi",
          "--workers",
          "1",
          "--out",
          `${dir}/mpi.csv`,
          "--json",
        ]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(await readText(`${dir}/mpi.csv`), await readText(`${dir}/ref.csv`));
        // One summary, from rank 0.
        const summaries = run.stdout.split("\n").filter((l) => l.startsWith("{"));
        assertEquals(summaries.length, 1, run.stdout);
        assertEquals(JSON.parse(summaries[0]).rows, 63);
      });
    },
  });
}

Deno.test("the CLI's --mpi without an MPI launcher is a usage error", async () => {
  await withTempDir(async (dir) => {
    const file = await writeSweepFile(dir);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", mod.pathname, "run", file, "--mpi"],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 2);
    assertMatch(new TextDecoder().decode(out.stderr), /--mpi needs an MPI launcher/);
  });
});

// A Python model for the command-model job, beside psweep's helper.
async function pythonModel(dir: string): Promise<string> {
  const path = `${dir}/model.py`;
  await Deno.writeTextFile(
    path,
    [
      "import sys",
      `sys.path.insert(0, ${JSON.stringify(new URL("../src/command/", import.meta.url).pathname)})`,
      "import psweep_model",
      "def build(options): return {}",
      'def evaluate(model, point): return {"y": 3 * point["x"]}',
      "psweep_model.serve(build, evaluate)",
    ].join("\n"),
  );
  return path;
}

const hasPython = await new Deno.Command("python3", { args: ["-c", "pass"] }).output().then(
  (o) => o.success,
  () => false,
);

for (const name of ["openmpi", "mpich"] as const) {
  const launcher = KNOWN.find((l) => l.name === name)!;
  Deno.test({
    name:
      `under ${name} on 2 ranks: a command model runs on every rank (mpirun sets LD_LIBRARY_PATH), and a recursive sweep's csv and h5 files are the root's, equal to a serial run's`,
    ignore: skipWithout(name) || !hasPython,
    async fn() {
      await withTempDir(async (dir) => {
        const program = await pythonModel(dir);
        const fixture = new URL("./fixtures/mpi/command_sweep.ts", import.meta.url);
        await Deno.mkdir(`${dir}/serial`);
        await Deno.mkdir(`${dir}/mpi`);
        const serial = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--no-prompt",
            "--unstable-worker-options",
            fixture.pathname,
            `${dir}/serial`,
            program,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(serial.success, new TextDecoder().decode(serial.stderr));
        const expected = JSON.parse(new TextDecoder().decode(serial.stdout).trim());
        const run = await runMpi(launcher, 2, fixture, [`${dir}/mpi`, program]);
        assertEquals(run.code, 0, run.stderr);
        for (const rank of [0, 1]) {
          assertEquals(run.ranks[rank].command, expected.command, `rank ${rank}`);
          assertEquals(run.ranks[rank].recursive, expected.recursive, `rank ${rank}`);
        }
        assertEquals((expected.command as { succeeded: number }).succeeded, 9);
        for (const file of ["command.csv", "recursive.csv"]) {
          assertEquals(
            await readText(`${dir}/mpi/${file}`),
            await readText(`${dir}/serial/${file}`),
          );
        }
        const h5 = await resultsFormat("h5");
        const [a, b] = [
          await h5.read(`${dir}/mpi/recursive.h5`, {}),
          await h5.read(`${dir}/serial/recursive.h5`, {}),
        ];
        assertEquals([...a.params], [...b.params]);
        assertEquals([...a.outputs], [...b.outputs]);
      });
    },
  });
}
