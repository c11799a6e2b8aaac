// Internal: the words the user typed to start psweep (`psweep`, `deno run -A mod.ts`,
// `deno run -A jsr:@x/psweep`...), so that hints repeat a command that works as typed: a
// checkout user who never installed `psweep` is told `deno run -A mod.ts run ... --resume`.

/** Set by a relaunching parent for its child: the parent's words, as JSON. */
export const INVOCATION_ENV = "PSWEEP_INVOCATION";

let cached: string[] | undefined;

/** The command words before psweep's own arguments; `["psweep"]` when they cannot be read. */
export function invocation(): string[] {
  return cached ??= read();
}

/** The words as one line for a shell, each quoted where it needs it. */
export function invocationText(): string {
  return invocation().map(shellWord).join(" ");
}

/** Rewrites the hints of a text (lines and quotes that begin `psweep <command>`) as invoked. */
export function asInvoked(text: string): string {
  const words = invocationText();
  if (words === "psweep") return text;
  return text.replace(/(^|[\s'`(])psweep(?= [a-z<[-])/gm, (_, before) => `${before}${words}`);
}

// Quotes a word for a POSIX shell where it needs it, so that a printed command runs as shown.
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function read(): string[] {
  try {
    const passed = Deno.env.get(INVOCATION_ENV);
    if (passed) {
      const words = JSON.parse(passed);
      if (Array.isArray(words) && words.every((w) => typeof w === "string") && words.length) {
        return words;
      }
    }
  } catch {
    // No env permission, or not ours: read the command line instead.
  }
  try {
    // Linux: the process's argv as executed; the user's arguments are its tail.
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    if (argv.at(-1) === "") argv.pop();
    const args = Deno.args;
    const tail = argv.slice(argv.length - args.length);
    if (argv.length <= args.length || tail.some((a, i) => a !== args[i])) return ["psweep"];
    const prefix = argv.slice(0, argv.length - args.length);
    // Word for word, Deno's own path included when it was typed so: the hint then runs as shown.
    return installedName(prefix) ?? prefix;
  } catch {
    return ["psweep"];
  }
}

// A command made by `deno install -n <name>` runs Deno with `--config <bin>/.<name>/deno.json`:
// when `<bin>/<name>` is that launcher, the user typed `<name>`.
function installedName(prefix: string[]): string[] | undefined {
  const at = prefix.findIndex((w) => w === "--config" || w.startsWith("--config="));
  if (at < 0) return undefined;
  const path = prefix[at].startsWith("--config=") ? prefix[at].slice(9) : prefix[at + 1];
  const match = path?.match(/^(.*)\/\.([^/]+)\/deno\.json$/);
  if (!match) return undefined;
  try {
    const launcher = Deno.readTextFileSync(`${match[1]}/${match[2]}`);
    return launcher.includes("deno install") ? [match[2]] : undefined;
  } catch {
    return undefined;
  }
}
