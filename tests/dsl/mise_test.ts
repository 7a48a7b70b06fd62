/**
 * mise in the DSL: `runtime: "mise"` on commands (checked against the declared tools, shown in
 * the plan, compiled into `mise exec`), and the mise binary's download (`url`, `sha256`) as
 * checked fields that reach `hk_mise`.
 */
import assert from "node:assert/strict";
import { project, ProjectError, type ProjectScope } from "../../src/dsl/project.ts";
import { formatPlan, plan } from "../../src/plan/mod.ts";
import { compileProgram } from "../../src/apply/program.ts";
import { ResourceSchema } from "../../src/model/resource.ts";
import { hostPlan } from "../apply/fixtures.ts";

const HERE = decodeURIComponent(new URL(import.meta.url).pathname);
const SUM = "b51f2463bc4fcdc3b0959b1454792f64be3612e73d856cbca4a062e39e070e74";

// deno-lint-ignore no-explicit-any
type Loose = any;

function tools(p: ProjectScope) {
  p.service("app", (s) => {
    s.mise({ path: "/opt/mise/bin/mise", systemDataDir: "/opt/mise/share" }, (m) => {
      m.tool("erlang", "29.0.2");
      m.tool("elixir", "1.20.1");
    });
    s.command("migrate", { exec: ["mix", "ecto.migrate"], runtime: "mise" });
    s.command("check", { exec: ["elixir", "-v"], runtime: { mise: ["elixir"] }, env: { A: "1" } });
  });
}

async function compiled(spec: ReturnType<typeof project>): Promise<string> {
  const planned = await plan(spec);
  const program = await compileProgram(hostPlan(planned.hosts[0].changes), {
    runId: "20260614-101148-demo-up-ab12",
    runsRoot: "/var/lib/hostkit",
    secrets: () => undefined,
  });
  return program.steps.map((s) => s.command).join("\n");
}

Deno.test('runtime "mise": the command runs inside mise exec with the declared tools, after them', async () => {
  const spec = project("demo", tools);
  const [migrate, check] = spec.resources.filter((r) => r.kind === "command");
  assert.deepEqual(migrate.kind === "command" && migrate.runtime, {
    kind: "mise",
    miseBinary: "/opt/mise/bin/mise",
    systemDataDir: "/opt/mise/share",
    tools: [{ name: "erlang", version: "29.0.2" }, { name: "elixir", version: "1.20.1" }],
  });
  assert.deepEqual(migrate.dependsOn, ["mise_tool:erlang", "mise_tool:elixir"]);
  assert.deepEqual(check.dependsOn, ["mise_tool:elixir"]);

  const text = formatPlan(await plan(spec));
  assert.match(
    text,
    /runs \["mix","ecto\.migrate"\] inside mise exec erlang@29\.0\.2 elixir@1\.20\.1 \(\/opt\/mise\/bin\/mise\)/,
  );
  const program = await compiled(spec);
  assert.match(
    program,
    /env 'MISE_SYSTEM_DATA_DIR=\/opt\/mise\/share' \/opt\/mise\/bin\/mise exec erlang@29\.0\.2 elixir@1\.20\.1 -- mix ecto\.migrate/,
  );
  // Declared variables come first, through env(1), then mise.
  assert.match(
    program,
    /env -- 'A=1' env 'MISE_SYSTEM_DATA_DIR=\/opt\/mise\/share' \/opt\/mise\/bin\/mise exec elixir@1\.20\.1 -- elixir -v/,
  );
  // The tools install before the commands that run inside them.
  assert.ok(program.indexOf("hk_mise") < program.indexOf("mise exec"));
});

const refusals: [string, (p: Loose) => void, RegExp][] = [
  [
    "no mise tool declared",
    (p) => p.command("m", { exec: ["mix"], runtime: "mise" }),
    /^command: m: runtime mise: no mise tool is declared before it/,
  ],
  [
    "a tool that is not declared",
    (p) => {
      p.mise((m: Loose) => m.tool("erlang", "29.0.2"));
      p.command("m", { exec: ["mix"], runtime: { mise: ["elixir"] } });
    },
    /^command: m: runtime mise: tool "elixir" is not declared \(declared: erlang\)/,
  ],
  [
    "another runtime",
    (p) => p.command("m", { exec: ["mix"], runtime: "asdf" }),
    /^command: option runtime/,
  ],
  [
    "tools of two mise installations",
    (p) => {
      p.mise({ path: "/a/mise" }, (m: Loose) => m.tool("erlang", "1"));
      p.mise({ path: "/b/mise" }, (m: Loose) => m.tool("elixir", "1"));
      p.command("m", { exec: ["mix"], runtime: "mise" });
    },
    /different mise installations/,
  ],
  [
    "a url without its sha256",
    (p) => p.mise({ url: "https://mirror.example/mise.tgz" }, () => {}),
    /^mise: url and sha256 go together/,
  ],
  [
    "an ftp url",
    (p) => p.mise({ url: "ftp://mirror.example/mise", sha256: SUM }, () => {}),
    /^mise: mise download url "ftp:\/\/mirror\.example\/mise" must be an http\(s\) URL/,
  ],
  [
    "a url with a command substitution",
    (p) => p.mise({ url: "https://x/$(reboot)", sha256: SUM }, () => {}),
    /must be an http\(s\) URL/,
  ],
  [
    "a url with a quote and a newline",
    (p) => p.mise({ url: "https://x/a'\nreboot", sha256: SUM }, () => {}),
    /must be an http\(s\) URL/,
  ],
  [
    "a short sha256",
    (p) => p.mise({ url: "https://x/mise.tgz", sha256: "abc" }, () => {}),
    /^mise: mise download sha256 "abc" must be 64 lowercase hex digits/,
  ],
  [
    "an uppercase sha256",
    (p) => p.mise({ url: "https://x/mise.tgz", sha256: SUM.toUpperCase() }, () => {}),
    /must be 64 lowercase hex digits/,
  ],
];

for (const [what, body, message] of refusals) {
  Deno.test(`mise refused: ${what}, at the config's line`, () => {
    assert.throws(() => project("t", body), (e: unknown) => {
      assert.ok(e instanceof ProjectError, `${what}: ${e}`);
      assert.match(e.message, message);
      assert.ok(e.origin?.startsWith(`${HERE}:`), `${what}: origin ${e.origin}`);
      return true;
    });
  });
}

Deno.test("mise url and sha256 reach hk_mise and the plan text; the schema refuses hostile ones too", async () => {
  const spec = project("demo", (p) =>
    p.mise(
      { url: "http://10.0.0.1:8080/mise.tgz", sha256: SUM },
      (m) => m.tool("erlang", "29.0.2"),
    ));
  assert.match(
    await compiled(spec),
    new RegExp(
      `hk_mise /usr/local/bin/mise /usr/local/share/mise erlang 29\\.0\\.2 http://10\\.0\\.0\\.1:8080/mise\\.tgz ${SUM}`,
    ),
  );
  assert.match(
    formatPlan(await plan(spec)),
    /mise from http:\/\/10\.0\.0\.1:8080\/mise\.tgz \(sha256 b51f/,
  );
  // A plan artifact edited by hand is parsed by the same schema.
  for (
    const download of [{ url: "https://x/`id`", sha256: SUM }, { url: "https://x/m", sha256: "0" }]
  ) {
    const parsed = ResourceSchema.safeParse({
      kind: "mise_tool",
      name: "x",
      version: "1",
      download,
    });
    assert.equal(parsed.success, false, JSON.stringify(download));
  }
});
