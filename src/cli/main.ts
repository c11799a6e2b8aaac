// The psweep command line: `deno run -A jsr:@x/psweep [command] ...`. mod.ts loads this module
// only when run as a program, so library users never load CLI code.
import { pathExists } from "../io/_fs.ts";
import { describe } from "../_describe.ts";
import { parseFlags } from "./_args.ts";
import { UsageError } from "./_errors.ts";
import { terminalSafe } from "../_terminal_text.ts";
import { canRunHere, followParent, relaunch, RELAUNCHED } from "./_relaunch.ts";
import { VERSION } from "./_version.ts";
import { writeInit } from "./init.ts";
import { asInvoked, invocationText, shellWord } from "./_invocation.ts";
import { HELP, INIT_HELP, REPORT_HELP } from "./_help.ts";
import { cliWording, demo, run, runMayFetch } from "./run.ts";

/** Runs the CLI with `args`; resolves with the process exit code. */
export async function main(args: string[]): Promise<number> {
  const relaunched = args[0] === RELAUNCHED;
  if (relaunched) args = args.slice(1);
  // A relaunched run must not outlive the psweep that started it.
  if (relaunched) followParent();
  const debug = args.includes("--debug");
  try {
    return await dispatch(args, relaunched);
  } catch (e) {
    const error = e as Error;
    // A model's text (its error messages) reaches the terminal only with its controls escaped.
    if (debug) console.error(terminalSafe(Deno.inspect(error)));
    else console.error(terminalSafe(`psweep: ${asInvoked(error?.message ?? String(e))}`));
    return e instanceof UsageError ? 2 : 1;
  }
}

async function dispatch(args: string[], relaunched: boolean): Promise<number> {
  const [command, ...rest] = args;
  if (command === "--version" || command === "-V") {
    console.log(`psweep ${VERSION}`);
    return 0;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(asInvoked(HELP));
    return 0;
  }
  if (command === undefined || command.startsWith("-") || command === "demo") {
    const demoArgs = command === "demo" ? rest : args;
    return await withScopedWorkers(args, relaunched, (scoped) => demo(demoArgs, scoped));
  }
  switch (command) {
    case "run":
      return await withScopedWorkers(
        args,
        relaunched,
        (scoped) => run(rest, scoped),
        () => runMayFetch(rest),
      );
    case "init":
      return await init(rest);
    case "report":
      return await report(rest);
    case "worker":
      return await withScopedWorkers(
        args,
        relaunched,
        async (scoped) => {
          const { worker } = await import("./worker.ts");
          return await worker(rest, scoped);
        },
        // A daemon's models are granted what its --allow-* flags say.
        () => Promise.resolve(rest.some((a) => /^--allow-(net|import)(=|$)/.test(a))),
      );
    default:
      throw new UsageError(
        `unknown command ${
          describe(command)
        }: expected run, init, report or worker (see 'psweep --help')`,
      );
  }
}

// Commands that start workers run in a process that can scope them; help needs none. `fn` learns
// whether this process is the CLI's own relaunch, started with --unstable-worker-options
// --no-prompt: its pools are then told so, as they cannot always read Deno's flags themselves.
async function withScopedWorkers(
  args: string[],
  relaunched: boolean,
  fn: (relaunched: boolean) => Promise<number>,
  mayFetch: () => Promise<boolean> = () => Promise.resolve(false),
): Promise<number> {
  if (relaunched || canRunHere() || args.includes("--help") || args.includes("-h")) {
    return await fn(relaunched);
  }
  return await relaunch(args, await mayFetch());
}

async function init(args: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, {
    help: { type: "boolean", short: "h" },
    debug: { type: "boolean" },
    python: { type: "boolean" },
  }, "init");
  if (flags.help) {
    console.log(asInvoked(INIT_HELP));
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError("init takes at most one directory (see 'psweep init --help')");
  }
  const files = await writeInit(positionals[0] ?? ".", { python: Boolean(flags.python) });
  const sweepFile = files.at(-1)!;
  console.log(
    terminalSafe(
      `wrote ${files.slice(0, -1).join(", ")} and ${sweepFile}\nnext: ${invocationText()} run ${
        shellWord(sweepFile)
      }`,
    ),
  );
  return 0;
}

/** The parameter names of `--params a,b,c`, checked. */
function reportParams(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => n === "") || new Set(names).size !== names.length) {
    throw new UsageError(
      `--params must be distinct column names separated by commas: current value is ${
        describe(text)
      }`,
    );
  }
  return names;
}

async function report(args: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(
    args,
    {
      out: { type: "string" },
      overwrite: { type: "boolean" },
      params: { type: "string" },
      help: { type: "boolean", short: "h" },
      debug: { type: "boolean" },
    },
    "report",
  );
  if (flags.help) {
    console.log(asInvoked(REPORT_HELP));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError("report takes one results file (see 'psweep report --help')");
  }
  const { writeReport } = await import("../report/report.ts");
  if (!await pathExists(positionals[0])) {
    throw new UsageError(`Cannot read results file ${positionals[0]}: it does not exist`);
  }
  let page: string;
  try {
    page = await writeReport(positionals[0], flags.out as string | undefined, {
      overwrite: Boolean(flags.overwrite),
      paramNames: reportParams(flags.params as string | undefined),
    });
  } catch (e) {
    if (e instanceof Error && e.message.includes("'paramNames' names")) {
      throw new UsageError(e.message.replace("'paramNames'", "--params"), { cause: e });
    }
    throw cliWording(e);
  }
  console.log(terminalSafe(page));
  return 0;
}
