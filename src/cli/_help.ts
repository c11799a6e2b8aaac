// Internal: the help texts of the command line, one per command.
import { VERSION } from "./_version.ts";

export const HELP = `psweep ${VERSION}: parameter sweeps in parallel, in permission-scoped workers

Usage:
  psweep                      run the demo: a reverse-osmosis model over a grid, on every core
  psweep run <sweep-file>     run a sweep described in a JSON or YAML file
  psweep init [dir]           write a starter model and sweep file (--python: a Python model)
  psweep report <results.csv> write an HTML report of a results file
  psweep worker --redis <url> run points of sweeps published on Redis, on this machine
  psweep --help | --version

Run 'psweep <command> --help' for a command's options. Examples:
  deno run -A jsr:@x/psweep
  deno run -A jsr:@x/psweep init my-sweep
  deno run -A jsr:@x/psweep run my-sweep/sweep.yaml --workers 4 --out results.csv
`;

export const RUN_HELP = `psweep run <sweep-file> [options]

Runs the sweep a JSON or YAML file describes (see 'psweep init' for a starter file). Relative
paths in the file resolve against the file. Flags override the file.

Options:
  --workers <n>        workers to run on (default: the file's, else every core); under an MPI
                       launcher, each rank's (default: its share of the machine's cores)
  --mpi                require an MPI launcher (mpirun, srun): every rank runs this command,
                       rank 0 writes the files (found without the flag too; see the README)
  --seed <n>           seed of random and LHS samplers
  --out <path>         results file (.csv, .jsonl, .arrow, .h5 or .parquet); default: the file's
  --resume             continue an interrupted sweep: compute only the rows not on disk
  --overwrite          replace an existing results file
  --timeout <ms>       time limit per point
  --redis <url>        run the points on 'psweep worker' daemons through this Redis server
  --report             also write an HTML report next to the results
  --quiet              no progress and no summary
  --json               print a machine-readable summary on stdout
  --debug              show stack traces
  --allow-read[=<paths>], --allow-write[=<paths>], --allow-net[=<hosts>], --allow-env[=<names>],
  --allow-run[=<cmds>], --allow-sys, --allow-ffi, --allow-import[=<hosts>]
                       widen what the model may do (by default it may read only its own directory)

Examples:
  psweep run sweep.yaml
  psweep run sweep.json --workers 2 --seed 7 --out results.csv
  psweep run sweep.yaml --resume
  mpirun -n 4 deno run -A jsr:@x/psweep run sweep.yaml --mpi
`;

export const DEMO_HELP = `psweep [options]

Runs the embedded demo: a reverse-osmosis desalination stage (feed pressure x salinity -> water
recovery, permeate flux, specific energy, permeate salinity) over a grid on every core. Writes
psweep-demo.csv in the current directory (or the next free name: it never overwrites a file).

Options: --workers <n>, --out <path>, --resume, --quiet, --json, --report, --debug

Examples:
  deno run -A jsr:@x/psweep
  deno run -A jsr:@x/psweep --workers 2 --out demo.csv --report
`;

export const INIT_HELP = `psweep init [dir] [--python]

Writes a starter model (model.js) and sweep file (sweep.yaml) into dir (default: the current
directory) that 'psweep run' accepts as they are. Existing files are never overwritten.

Options:
  --python             a Python model instead: model.py, psweep_model.py (the one-file helper
                       that speaks psweep's model protocol; standard library only) and sweep.yaml

Examples:
  psweep init my-sweep && psweep run my-sweep/sweep.yaml
  psweep init --python py-sweep && psweep run py-sweep/sweep.yaml
`;

export const REPORT_HELP =
  `psweep report <results file> [--out <page.html>] [--overwrite] [--params a,b,c]

Writes one self-contained, interactive HTML page for a results file (.csv, .jsonl, .arrow, .h5 or
.parquet): the sweep's settings and statistics, a chart per output, an explorer (any axes, colour
and slice, values on hover), sensitivity, trade-offs, differential sweeps and where points fail.

  --out <page.html>   where to write it (default: beside the results, with .html)
  --overwrite         replace an existing page
  --params a,b,c      the parameter columns (the others are outputs); without this, a CSV's come
                      from its .meta.json file or are inferred, and the page says how

Example:
  psweep report results.csv --out results.html
`;
