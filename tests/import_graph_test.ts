// The house keeps no import circles: every module of src/ is reached from mod.ts or from an entry
// of its own (the worker script, build tools), and no chain of imports, static, dynamic or
// type-only, leads from a module back to itself. `deno info --json` gives the graph Deno sees.
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = new URL("../", import.meta.url);

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

async function moduleGraph(entry: URL): Promise<Map<string, string[]>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.href],
    cwd: fromFileUrl(ROOT),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const graph = new Map<string, string[]>();
  for (const m of info.modules) {
    if (!m.specifier.startsWith(ROOT.href)) continue;
    const deps = new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const s of [d.code?.specifier, d.type?.specifier]) {
        if (s?.startsWith(ROOT.href)) deps.add(s);
      }
    }
    graph.set(m.specifier, [...deps]);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

async function sourceFiles(dir: URL): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) files.push(...await sourceFiles(url));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".as.ts")) files.push(url.href);
  }
  return files;
}

Deno.test("no module of psweep imports itself through a chain of imports", async () => {
  const graph = new Map<string, string[]>();
  const pending = [new URL("mod.ts", ROOT).href, ...await sourceFiles(new URL("src/", ROOT))];
  for (const entry of pending) {
    if (graph.has(entry)) continue;
    for (const [k, v] of await moduleGraph(new URL(entry))) graph.set(k, v);
  }
  const relative = (s: string) => s.slice(ROOT.href.length);
  const cycle = findCycle(graph);
  assert.equal(cycle?.map(relative).join(" -> "), undefined, "an import circle");
  // The check itself sees circles: a graph with one is reported.
  assert.deepEqual(findCycle(new Map([["a", ["b"]], ["b", ["a"]]])), ["a", "b", "a"]);
});
