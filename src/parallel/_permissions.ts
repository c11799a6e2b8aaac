// Internal: what permissions pool workers get, and whether Deno will let us scope them at all.
//
// Scoped workers need Deno's `worker-options` unstable feature. Without it, `new Worker` with
// `deno.permissions` ends the whole process (exit code 70) and nothing in-process can probe it
// first. So we read what Deno read when it started: the process's own flags and the deno.json
// it used. Only a positive answer counts; anything unknown is treated as "not enabled".
import { describe } from "../_describe.ts";
import { PERMISSION_KINDS } from "../_limits.ts";

/**
 * Permissions for workers, as Deno's Worker `deno.permissions` option takes them.
 *
 * @example Workers that may reach one local server
 * ```ts
 * import { DenoWorkerManager, type WorkerPermissions } from "@x/psweep";
 * import assert from "node:assert/strict";
 *
 * // Read access to the modules the workers import is added to these.
 * const permissions: WorkerPermissions = { net: ["localhost:8000"] };
 * // Checked against this process's own permissions now; no worker starts yet.
 * await using pm = new DenoWorkerManager({ workers: 2, permissions });
 * assert.equal(pm.numberOfWorkerProcesses(), 2);
 * ```
 */
export type WorkerPermissions = "inherit" | "none" | Deno.PermissionOptionsObject;

const FLAG = "--unstable-worker-options";

/** How the worker-options feature was found, or `undefined` when it was not. */
export function detectWorkerOptions(): string | undefined {
  const args = ownArgs();
  // On Linux the flags are readable under -A only (Deno guards /proc/self). Without them a
  // --no-config or --config we cannot see could make a deno.json we find irrelevant: no guess.
  if (!args && Deno.build.os === "linux") return undefined;
  let configPath: string | undefined;
  let noConfig = false;
  if (args) {
    for (let i = 2; i < args.length; i++) {
      const a = args[i];
      if (!a.startsWith("-")) break; // the script: what follows are its own arguments
      if (a === FLAG) return `the ${FLAG} flag`;
      if (a === "--no-config") noConfig = true;
      if (a === "--config" || a === "-c") configPath = args[++i];
      else if (a.startsWith("--config=")) configPath = a.slice("--config=".length);
    }
  }
  if (noConfig) return undefined;
  const candidates: string[] = [];
  if (configPath) {
    candidates.push(resolvePath(Deno.cwd(), configPath));
  } else {
    // `deno run` looks beside the main module, `deno test` beside the working directory:
    // require every config either could have used to enable the feature.
    const starts = new Set<string>([Deno.cwd()]);
    if (Deno.mainModule.startsWith("file:")) starts.add(dirname(fromFileUrl(Deno.mainModule)));
    for (const start of starts) {
      const found = findConfig(start);
      if (!found) return undefined;
      candidates.push(found);
    }
  }
  for (const path of candidates) {
    if (!configEnables(path)) return undefined;
  }
  return `"unstable": ["worker-options"] in ${candidates.join(" and ")}`;
}

/**
 * Whether no permission prompt can reach a worker: Deno prompts only when stdin and stderr are
 * terminals and neither `--no-prompt` nor `DENO_NO_PROMPT` turned prompts off. Workers prompt
 * even when the process runs with `-A`, since their own permissions are narrower.
 */
export function promptsDisabled(): boolean {
  if (!Deno.stdin.isTerminal() || !Deno.stderr.isTerminal()) return true;
  const args = ownArgs();
  if (args) {
    for (let i = 2; i < args.length && args[i].startsWith("-"); i++) {
      if (args[i] === "--no-prompt") return true;
    }
  }
  const variable = "DENO_NO_PROMPT";
  if (Deno.permissions.querySync({ name: "env", variable }).state === "granted") {
    return Deno.env.get(variable) !== undefined;
  }
  return false;
}

/** The message users get when workers could prompt on this terminal. */
export function promptsPossibleMessage(): string {
  return "Cannot start permission-scoped workers as they could prompt for permissions on this terminal: " +
    "run Deno with --no-prompt (or set DENO_NO_PROMPT=1), so that a model never gains a permission by prompting. " +
    "If prompts are off in a way psweep cannot see, pass { assumeNoPrompt: true }.";
}

/** The message users get when scoped workers are not possible, with the exact fix. */
export function workerOptionsMissingMessage(): string {
  return "Cannot start permission-scoped workers as Deno's 'worker-options' unstable feature is not enabled " +
    "(or psweep could not see that it is): run with `deno run -A --unstable-worker-options --no-prompt your_script.ts` " +
    "(--no-prompt as well: on a terminal, workers would otherwise prompt for permissions, and psweep then refuses to start them), " +
    `or add "unstable": ["worker-options"] to your project's root deno.json and run with --no-prompt. ` +
    "psweep can read Deno's flags (in /proc/self/cmdline) only under -A, since Deno guards that file. " +
    "If you enable it in a way psweep cannot see, pass { assumeWorkerOptions: true }.";
}

/**
 * Every word of this process's command line (Deno's flags, the script, its arguments), when
 * readable: callers look for flags of their own that no script argument spells.
 */
export function commandLine(): string[] {
  return ownArgs()?.slice(1) ?? [];
}

function ownArgs(): string[] | undefined {
  if (Deno.build.os !== "linux") return undefined;
  const path = "/proc/self/cmdline";
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  try {
    return Deno.readTextFileSync(path).split("\0");
  } catch {
    return undefined;
  }
}

function findConfig(start: string): string | undefined {
  let dir = start;
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = `${dir}/${name}`;
      if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
      try {
        if (Deno.statSync(path).isFile) return workspaceRoot(path) ?? path;
      } catch {
        // not here; look further up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// A workspace member's unstable list does not count: the workspace root's does.
function workspaceRoot(memberConfig: string): string | undefined {
  let dir = dirname(dirname(memberConfig));
  for (;;) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = `${dir}/${name}`;
      try {
        if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
          return undefined;
        }
        const json = parseJsonc(Deno.readTextFileSync(path));
        if (json && typeof json === "object" && "workspace" in json) return path;
      } catch {
        // not here
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function configEnables(path: string): boolean {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return false;
    const json = parseJsonc(Deno.readTextFileSync(path)) as { unstable?: unknown };
    return Array.isArray(json?.unstable) && json.unstable.includes("worker-options");
  } catch {
    return false;
  }
}

// deno.jsonc allows comments and trailing commas; strip both outside strings.
function parseJsonc(text: string): unknown {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** Directories a worker must be able to read to import the given modules. */
export function moduleDirectories(modules: readonly (string | URL)[]): string[] {
  const dirs = new Set<string>();
  for (const m of modules) {
    const url = new URL(m);
    if (url.protocol === "file:") dirs.add(dirname(fromFileUrl(url.href)));
  }
  return [...dirs];
}

/** Hosts a worker must be allowed to import from, for remote modules. */
export function moduleHosts(modules: readonly (string | URL)[]): string[] {
  const hosts = new Set<string>();
  for (const m of modules) {
    const url = new URL(m);
    if (url.protocol === "https:" || url.protocol === "http:") hosts.add(url.host);
  }
  return [...hosts];
}

type Kind = keyof Deno.PermissionOptionsObject;
const KINDS: readonly Kind[] = PERMISSION_KINDS;

/**
 * The permissions a worker gets: what the user asked for (default: nothing), plus read access to
 * the directories of the modules it imports. Every key is explicit, so nothing is inherited by
 * accident. Throws when it asks for more than this process has.
 */
export function workerPermissions(
  requested: WorkerPermissions | undefined,
  modules: readonly (string | URL)[],
): WorkerPermissions {
  if (requested === "inherit") return "inherit";
  const base: Deno.PermissionOptionsObject = requested === undefined || requested === "none"
    ? {}
    : requested;
  if (typeof base !== "object" || base === null || Array.isArray(base)) {
    throw new TypeError(
      `Cannot create workers as 'permissions' must be "inherit", "none" or an object of Deno permission options: current value is ${
        describe(requested)
      }`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(base)) {
    if (!(KINDS as readonly string[]).includes(key)) {
      throw new TypeError(
        `Cannot create workers as 'permissions.${key}' is not a Deno permission: expected one of ${
          KINDS.join(", ")
        }`,
      );
    }
  }
  for (const kind of KINDS) {
    const value = (base as Record<string, unknown>)[kind] ?? false;
    out[kind] = checkGrant(kind, value);
  }
  const dirs = moduleDirectories(modules);
  if (dirs.length > 0 && out.read !== true && out.read !== "inherit") {
    out.read = [...new Set([...(out.read as string[] || []), ...dirs])];
    checkGrant("read", dirs);
  }
  const hosts = moduleHosts(modules);
  if (hosts.length > 0 && out.import !== true && out.import !== "inherit") {
    out.import = [...new Set([...(out.import as string[] || []), ...hosts])];
  }
  return out as Deno.PermissionOptionsObject;
}

function checkGrant(kind: Kind, value: unknown): unknown {
  if (value === false || value === "inherit") return value;
  if (value === true) {
    if (
      Deno.permissions.querySync({ name: kind } as Deno.PermissionDescriptor).state !== "granted"
    ) {
      throw new Deno.errors.NotCapable(
        `Cannot create workers as 'permissions.${kind}' asks for more than this process has: run Deno with --allow-${kind}`,
      );
    }
    return true;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || v instanceof URL)) {
    const list = value.map((v) => (v instanceof URL ? fromFileUrl(v.href) : v));
    for (const item of list) {
      if (
        Deno.permissions.querySync(descriptor(kind, item)).state !== "granted"
      ) {
        throw new Deno.errors.NotCapable(
          `Cannot create workers as 'permissions.${kind}' asks for ${
            describe(item)
          }, which this process has not been granted: run Deno with --allow-${kind}=${item}`,
        );
      }
    }
    return list;
  }
  throw new TypeError(
    `Cannot create workers as 'permissions.${kind}' must be true, false, "inherit" or a list of strings: current value is ${
      describe(value)
    }`,
  );
}

function descriptor(kind: Kind, item: string): Deno.PermissionDescriptor {
  switch (kind) {
    case "read":
    case "write":
    case "ffi":
      return { name: kind, path: item };
    case "net":
    case "import":
      return { name: kind, host: item } as Deno.PermissionDescriptor;
    case "env":
      return { name: "env", variable: item };
    case "run":
      return { name: "run", command: item };
    case "sys":
      return { name: "sys", kind: item as Deno.SysPermissionDescriptor["kind"] };
  }
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function resolvePath(base: string, path: string): string {
  return path.startsWith("/") ? path : `${base}/${path}`;
}

function fromFileUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname);
}
