// The process-level guarantees of permission-scoped workers, checked in subprocesses since they
// depend on the flags and config Deno was started with.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { hasScript, runOnTerminal } from "./_terminal.ts";

const script = new URL("./fixtures/construct_pool.ts", import.meta.url).pathname;
const root = new URL("../", import.meta.url).pathname;

async function run(args: string[], options: object = {}, cwd = root) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args, script, JSON.stringify(options)],
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("without -A the flags cannot be seen, so the pool asks for assumeWorkerOptions", async () => {
  const { code, text } = await run([
    "run",
    "--no-prompt",
    "--unstable-worker-options",
    `--allow-read=${root}`,
  ]);
  assertEquals(code, 1);
  assertMatch(text, /assumeWorkerOptions: true/);
  const ok = await run(
    ["run", "--no-prompt", "--unstable-worker-options", `--allow-read=${root}`],
    {
      permissions: { read: [root] },
      assumeWorkerOptions: true,
    },
  );
  assertEquals(ok.text.trim(), "ok [ 7 ]");
});

Deno.test("without the worker-options feature the pool fails with the fix, never exit 70", async () => {
  const { code, text } = await run(["run", "--no-config", "--no-prompt", "-A"]);
  assertEquals(code, 1);
  assertMatch(text, /--unstable-worker-options/);
  assertMatch(text, /"unstable": \["worker-options"\]/);
});

Deno.test("the worker-options flag is seen on the command line", async () => {
  const { code, text } = await run([
    "run",
    "--no-config",
    "--no-prompt",
    "--unstable-worker-options",
    "-A",
  ], { permissions: { read: [root] } });
  assertEquals(text.trim(), "ok [ 7 ]");
  assertEquals(code, 0);
});

Deno.test("the project's deno.json enabling worker-options is seen", async () => {
  const { code, text } = await run(["run", "--no-prompt", "-A"], {
    permissions: { read: [root] },
  });
  assertEquals(text.trim(), "ok [ 7 ]");
  assertEquals(code, 0);
});

Deno.test("asking workers for more than the process has fails at construction", async () => {
  const restricted = ["run", "--no-prompt", "--unstable-worker-options", `--allow-read=${root}`];
  const { code, text } = await run(restricted, {
    permissions: { read: [root], net: true },
    assumeWorkerOptions: true,
  });
  assertEquals(code, 1);
  assertMatch(text, /NotCapable: .*'permissions.net' asks for more than this process has/);
  const { text: text2 } = await run(restricted, {
    permissions: { read: ["/etc"] },
    assumeWorkerOptions: true,
  });
  assertMatch(text2, /NotCapable: .*'permissions.read' asks for "\/etc"/);
});

Deno.test({
  name: "on a terminal without --no-prompt the pool refuses to start, even under -A",
  ignore: !hasScript,
  async fn() {
    const command = `${Deno.execPath()} run -A ${script} '${
      JSON.stringify({ permissions: { read: [root] } })
    }'`;
    const { text } = await runOnTerminal(command, root);
    assertMatch(text, /could prompt for permissions on this terminal: run Deno with --no-prompt/);
    assert(!/Allow\?/.test(text), "no prompt may appear");
  },
});

Deno.test("a scatter refused for permissions leaves the pool usable", async () => {
  const fixture = new URL("./fixtures/scatter_after_failure.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--unstable-worker-options", `--allow-read=${root}`, fixture],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  assertMatch(text, /first scatter: NotCapable/);
  assertMatch(text, /second scatter: 7/);
});
