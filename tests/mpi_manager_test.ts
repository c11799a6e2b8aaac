// MpiManager on real MPI jobs: the conformance suite on every rank, under Open MPI and MPICH,
// on 1, 2 and 4 ranks, and without a launcher (a singleton); library discovery and its errors.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { KNOWN, type Launcher, runMpi, skipWithout } from "./_mpi.ts";
import { chooseLibrary } from "../src/parallel/_mpi_ffi.ts";

const conformanceFixture = new URL("./fixtures/mpi/conformance.ts", import.meta.url);

const checks = (size: number) =>
  size > 1 ? CHECKS : [
    ...CHECKS.slice(0, 6),
    "gatherArraysToRoot errors",
    ...CHECKS.slice(6),
  ];
const CHECKS = [
  "identity",
  "syncWithPeers",
  "syncArrayWithPeers",
  "syncObjectWithPeers",
  "combineDataWithPeers",
  "gatherArraysToRoot",
  "gatherArraysToRoot bad spec",
  "collectives in flight together",
  "sumValuesAndSync",
  "scatter/gather WaterTAP scenario",
  "ordering",
  "failed chunk",
  "failed build",
  "onResult errors",
  "empty",
];

// Ranks x local workers per launcher. MPICH stays at most at the cores of a small machine with
// 2 ranks of one worker, plus one oversubscribed run of 4.
const CASES: [Launcher["name"], number, number][] = [
  ["openmpi", 1, 1],
  ["openmpi", 2, 2],
  ["openmpi", 4, 1],
  ["mpich", 1, 1],
  ["mpich", 2, 1],
  ["mpich", 4, 1],
];

for (const [name, ranks, workers] of CASES) {
  const launcher = KNOWN.find((l) => l.name === name)!;
  Deno.test({
    name:
      `MpiManager passes the conformance suite on every rank: ${name}, ${ranks} rank(s) x ${workers} worker(s)`,
    ignore: skipWithout(name),
    async fn() {
      const run = await runMpi(launcher, ranks, conformanceFixture, [String(workers)]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(Object.keys(run.ranks).map(Number).sort(), [...Array(ranks).keys()]);
      for (const [rank, out] of Object.entries(run.ranks)) {
        assertEquals(out.size, ranks, `rank ${rank}`);
        assertEquals(out.checks, checks(ranks), `rank ${rank}`);
        assertMatch(String(out.library), name === "openmpi" ? /Open MPI/ : /MPICH/);
      }
    },
  });
}

for (const [name, soname] of [["openmpi", "libmpi.so.40"], ["mpich", "libmpich.so.12"]] as const) {
  Deno.test({
    name: `MpiManager runs without a launcher as a world of one: ${name}`,
    ignore: skipWithout(name),
    async fn() {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", conformanceFixture.pathname, "2"],
        env: { PSWEEP_MPI_LIBRARY: soname, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, stderr);
      const line = JSON.parse(new TextDecoder().decode(out.stdout).trim());
      assertEquals([line.rank, line.size], [0, 1]);
      assertEquals(line.checks, checks(1));
    },
  });
}

Deno.test({
  name: "MpiManager refuses a library that does not match the launcher, on every rank",
  ignore: skipWithout("mpich") || skipWithout("openmpi"),
  async fn() {
    const mpich = KNOWN.find((l) => l.name === "mpich")!;
    const run = await runMpi(mpich, 2, conformanceFixture, ["1"], {
      env: { PSWEEP_MPI_LIBRARY: "libmpi.so.40" },
    });
    assert(run.code !== 0, "the job fails");
    assertEquals(run.ranks, {}, "no rank ran the suite");
    assertMatch(run.stderr, /launcher started 2 ranks but libmpi\.so\.40 .* sees a world of 1/);
  },
});

Deno.test("MPI library discovery names what to install, or the library that failed", () => {
  let message = "";
  try {
    chooseLibrary(undefined, ["libpsweep_no_such_mpi.so.1"]);
  } catch (e) {
    message = (e as Error).message;
  }
  assertMatch(message, /no MPI library was found \(tried libpsweep_no_such_mpi\.so\.1\)/);
  assertMatch(message, /apt-get install openmpi-bin, or mpich/);
  assertMatch(message, /PSWEEP_MPI_LIBRARY/);
  try {
    chooseLibrary("/nonexistent/libmpi.so");
  } catch (e) {
    message = (e as Error).message;
  }
  assertMatch(
    message,
    /"\/nonexistent\/libmpi\.so" \(from the 'library' option\) cannot be loaded/,
  );
});

const extraFixture = new URL("./fixtures/mpi/extra.ts", import.meta.url);
for (const [name, ranks] of [["openmpi", 3], ["mpich", 2]] as const) {
  Deno.test({
    name:
      `MpiManager on ${ranks} ranks of ${name}: shared memory, mixed element types, views inside buffers, unsendable values, an empty share, managers in turn`,
    ignore: skipWithout(name),
    async fn() {
      const run = await runMpi(KNOWN.find((l) => l.name === name)!, ranks, extraFixture);
      assertEquals(run.code, 0, run.stderr);
      for (let rank = 0; rank < ranks; rank++) {
        assertEquals(run.ranks[rank]?.checks, [
          "broadcast",
          "gather across types",
          "gather between views",
          "sum of bytes",
          "sums of unlike arrays",
          "unsendable values",
          "empty share",
          "second manager",
        ], `rank ${rank}`);
      }
    },
  });
}

Deno.test({
  name:
    "MpiManager says when Open MPI bound the ranks to single cores (its default), and not otherwise",
  // Binding shows only where there are cores to bind to.
  ignore: skipWithout("openmpi") || navigator.hardwareConcurrency < 2,
  async fn() {
    const openmpi = KNOWN.find((l) => l.name === "openmpi")!;
    // As on a machine of at least 2 cores with 2 ranks: Open MPI binds each rank to a core.
    const bound = { ...openmpi, flags: ["--allow-run-as-root", "--bind-to", "core"] };
    const run = await runMpi(bound, 2, conformanceFixture, ["2"]);
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /MPI rank 0 may use 1 of this machine's \d+ cores .* --bind-to none/);
    const free = await runMpi(openmpi, 2, conformanceFixture, ["2"]);
    assertEquals(free.code, 0, free.stderr);
    assert(!free.stderr.includes("bound it"), free.stderr);
  },
});
