// Internal: what model code prints in a pool worker. Workers share the process's stdout and
// stderr, where the CLI writes its summary (`--json`, on stdout) and its progress. Before a model
// is imported, the worker's console, Deno.stdout and Deno.stderr are replaced, so that what a
// model prints through them goes to stderr with every character a terminal acts on written as a
// visible escape: a model cannot forge lines of the summary, set the terminal's title, write its
// clipboard or clear it. (Writes to file descriptors 1 and 2 through `node:process` or `node:fs`
// bypass this: the README's threat model says so.)
import { terminalSafe } from "../_terminal_text.ts";

/** Replaces this worker's console and standard streams; see the module comment. */
export function confineOutput(): void {
  const stderr = Deno.stderr;
  const writeSync = stderr.writeSync.bind(stderr);
  const inspect = Deno.inspect;
  const encoder = new TextEncoder();
  const emit = (text: string) => {
    const bytes = encoder.encode(terminalSafe(text));
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(bytes.subarray(at));
    } catch {
      // stderr closed: what a model prints is lost, as it would be anyway
    }
  };
  let indent = "";
  const line = (text: string) => emit(`${indent}${text.replaceAll("\n", `\n${indent}`)}\n`);
  const show = (value: unknown) => (typeof value === "string" ? value : inspect(value));
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const print = (...args: unknown[]) => line(format(args, show, inspect));
  const console: Partial<Console> = {
    log: print,
    info: print,
    debug: print,
    warn: print,
    error: print,
    trace: (...args: unknown[]) => {
      const stack = new Error().stack?.split("\n").slice(2).join("\n") ?? "";
      line(`Trace${args.length ? `: ${format(args, show, inspect)}` : ""}\n${stack}`);
    },
    dir: (value: unknown) => line(inspect(value)),
    dirxml: print,
    table: (data: unknown) => line(inspect(data)),
    assert: (condition?: boolean, ...args: unknown[]) => {
      if (!condition) {
        line(`Assertion failed${args.length ? `: ${format(args, show, inspect)}` : ""}`);
      }
    },
    group: (...args: unknown[]) => {
      if (args.length) print(...args);
      indent += "    ";
    },
    groupCollapsed: (...args: unknown[]) => {
      if (args.length) print(...args);
      indent += "    ";
    },
    groupEnd: () => {
      indent = indent.slice(4);
    },
    count: (label = "default") => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      line(`${label}: ${n}`);
    },
    countReset: (label = "default") => void counts.delete(label),
    time: (label = "default") => void timers.set(label, performance.now()),
    timeLog: (label = "default", ...args: unknown[]) => {
      const start = timers.get(label);
      if (start !== undefined) {
        line(
          `${label}: ${(performance.now() - start).toFixed(0)}ms ${format(args, show, inspect)}`
            .trim(),
        );
      }
    },
    timeEnd: (label = "default") => {
      const start = timers.get(label);
      timers.delete(label);
      if (start !== undefined) line(`${label}: ${(performance.now() - start).toFixed(0)}ms`);
    },
    // Clearing is what a model must not do to the terminal.
    clear: () => {},
    profile: () => {},
    profileEnd: () => {},
    timeStamp: () => {},
  };
  Object.defineProperty(globalThis, "console", {
    value: console,
    writable: true,
    configurable: true,
  });
  // (What is made only when a model uses it: a worker's start is on every sweep's path.)
  const stream = () => {
    let decoder: TextDecoder | undefined;
    let writable: WritableStream<Uint8Array> | undefined;
    const write = (bytes: Uint8Array) => {
      emit((decoder ??= new TextDecoder()).decode(bytes, { stream: true }));
      return bytes.length;
    };
    return {
      write: (bytes: Uint8Array) => Promise.resolve(write(bytes)),
      writeSync: write,
      get writable() {
        return writable ??= new WritableStream<Uint8Array>({ write: (bytes) => void write(bytes) });
      },
      isTerminal: () => false,
      close: () => {},
    };
  };
  Object.defineProperty(Deno, "stdout", { value: stream(), writable: true, configurable: true });
  Object.defineProperty(Deno, "stderr", { value: stream(), writable: true, configurable: true });
  // Deno's internals write to the terminal directly (core.print); the harness does not use them.
  const internal = (Deno as unknown as { internal: symbol }).internal;
  delete (Deno as unknown as Record<symbol, unknown>)[internal];
}

// console.log's arguments as one line: `%s`, `%d`, `%i`, `%f`, `%o`, `%O`, `%c` and `%%` in a
// first string argument, then the rest separated by spaces.
function format(
  args: unknown[],
  show: (value: unknown) => string,
  inspect: (value: unknown) => string,
): string {
  try {
    return substitute(args, show, inspect);
  } catch {
    // (A value that cannot be a number, a Symbol for %d: shown as it is.)
    return args.map((a) => inspect(a)).join(" ");
  }
}

function substitute(
  args: unknown[],
  show: (value: unknown) => string,
  inspect: (value: unknown) => string,
): string {
  if (args.length === 0) return "";
  let at = 1;
  let text = show(args[0]);
  if (typeof args[0] === "string") {
    text = args[0].replace(/%[sdifoOc%]/g, (spec) => {
      if (spec === "%%") return "%";
      if (at >= args.length) return spec;
      const value = args[at++];
      switch (spec[1]) {
        case "s":
          return show(value);
        case "d":
        case "i":
          return String(typeof value === "bigint" ? value : Math.trunc(Number(value)));
        case "f":
          return String(Number(value));
        case "c":
          return "";
        default:
          return inspect(value);
      }
    });
  }
  for (; at < args.length; at++) text += ` ${show(args[at])}`;
  return text;
}
