/**
 * The library's `plan()` without a `packages` option resolves semantic names as the CLI does
 * without flags (Repology at HOSTKIT_REPOLOGY_URL, cached under the working directory), and
 * a name Repology cannot resolve fails the plan naming it. Run as a library user's program,
 * in its own process (its own environment and working directory).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG, ROOT, tempDir } from "../helpers.ts";
import { startFakeRepology } from "./fake_repology.ts";

const PROGRAM = (names: string[]) => `
import { plan, project, Target } from ${JSON.stringify(join(ROOT, "mod.ts"))};
const demo = project("tools", (p) =>
  p.service("tools", (s) => { for (const n of ${JSON.stringify(names)}) s.package(n); }));
const online = await plan(demo, { targets: [Target.local()] });
const offline = await plan(demo);
console.log(JSON.stringify({
  online: online.hosts[0].changes.map((c) => c.resource.kind === "package" && c.resource.as),
  error: online.hosts[0].error ?? null,
  diagnostics: online.diagnostics,
  offline: offline.diagnostics,
}));
`;

async function library(dir: string, names: string[], repologyUrl: string) {
  const path = join(dir, "program.ts");
  await Deno.writeTextFile(path, PROGRAM(names));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, path],
    cwd: dir,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", HOSTKIT_REPOLOGY_URL: repologyUrl },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

const debian12 = (await Deno.readTextFile("/etc/os-release").catch(() => "")).includes(
  'VERSION_ID="12"',
);

Deno.test({
  name:
    "library plan() without packages resolves semantic names like the CLI, or fails naming them",
  ignore: !debian12,
  fn: async () => {
    await using dir = await tempDir();
    const repology = startFakeRepology();
    try {
      const ok = await library(dir.path, ["ca_certificates", "gnu_hello"], repology.url);
      assert.equal(ok.code, 0, ok.stderr);
      const result = JSON.parse(ok.stdout);
      assert.deepEqual(result.online, ["ca-certificates", "hello"]);
      assert.equal(result.error, null);
      assert.ok(
        result.diagnostics.includes("package gnu_hello → hello (debian_12, from repology)"),
      );
      // Offline there is no host to tell the repository: the plan says so, it does not guess.
      assert.match(result.offline.join("\n"), /not resolved in an offline plan/);
      // The CLI's default cache, under the program's working directory.
      const cached = [...Deno.readDirSync(join(dir.path, ".hostkit/cache/repology/project"))];
      assert.deepEqual(cached.map((e) => e.name).sort(), [
        "ca-certificates.json",
        "gnu-hello.json",
      ]);

      const bad = await library(dir.path, ["no_such_tool"], repology.url);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /package no_such_tool \(Repology project no-such-tool\)/);
    } finally {
      await repology.close();
    }
  },
});
