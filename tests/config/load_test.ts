import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { load } from "../../src/config/load.ts";
import { resourceId } from "../../src/model/resource.ts";
import {
  exampleConfigs,
  exampleConventions,
  EXAMPLES,
  lines,
  tempDir,
  writeFiles,
} from "../helpers.ts";

Deno.test("every example in examples/ loads", async (t) => {
  const configs = await exampleConfigs();
  assert.ok(configs.length >= 6, `only ${configs.length} examples`);
  for (const config of configs) {
    await t.step(basename(config), async () => {
      const spec = await load(config);
      assert.ok(spec.resources.length > 0 || spec.hosts.length > 0, "declares something");
      for (const r of spec.resources) {
        assert.ok(r.origin?.startsWith(EXAMPLES), `${resourceId(r)} origin ${r.origin}`);
      }
    });
  }
});

Deno.test("every conventions module in examples/ works with --require", async (t) => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("any", (p) => {',
      '  p.service("web", (s) => s.account(s.serviceUser()));',
      "});",
    ),
  });
  for (const conventions of await exampleConventions()) {
    await t.step(basename(conventions), async () => {
      const spec = await load(config, { require: [conventions] });
      assert.ok(Object.keys(spec.roots).length > 0, "roots applied");
      assert.ok(Object.keys(spec.prefixes).length > 0, "prefixes applied");
    });
  }
});

Deno.test("--require conventions give a plain config their roots and prefixes", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("toys", (p) => {',
      '  p.service("exograph", (s) => {',
      "    s.account(s.serviceUser());",
      '    s.directory(s.rootPath("data"));',
      '    s.daemon(s.unitName(), (d) => d.execStart(["/bin/true"]));',
      "  });",
      "});",
    ),
  });
  const spec = await load(config, { require: [join(EXAMPLES, "toys_conventions.ts")] });
  assert.deepEqual(spec.roots, {
    source: "/opt/toys/src",
    data: "/srv/toys",
    state: "/var/lib/toys",
    config: "/etc/toys",
  });
  assert.deepEqual(spec.prefixes, { user: "toys-", unit: "toys-" });
  assert.deepEqual(spec.resources.map(resourceId), [
    "account:toys-exograph",
    "directory:/srv/toys/exograph",
    "systemd_service:toys-exograph.service",
  ]);

  // Without it the same config has no roots: the error names the missing root.
  await assert.rejects(load(config), /unknown root "data" \(declared: none;/);
});

Deno.test("a config importing its conventions needs no --require", async () => {
  const spec = await load(join(EXAMPLES, "toys_infra.ts"));
  assert.equal(spec.name, "toys");
  assert.equal(spec.prefixes.user, "toys-");
  assert.deepEqual(spec.resources.map(resourceId), [
    "account:toys-exograph",
    "directory:/srv/toys/exograph",
    "directory:/var/lib/toys/exograph",
    "systemd_service:toys-exograph.service",
  ]);
  const account = spec.resources[0];
  assert.match(account.origin!, /toys_conventions\.ts:\d+$/, "a macro's resource points at it");
});

Deno.test("relative imports between config modules, and origins in each", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "infra/config.ts": lines(
      'import { project } from "hostkit";',
      'import { web } from "./services/web.ts";',
      'export default project("multi", (p) => {',
      "  web(p);",
      '  p.directory("/srv/top");',
      "});",
    ),
    "infra/services/web.ts": lines(
      'import type { ProjectScope } from "hostkit";',
      "export function web(p: ProjectScope): void {",
      '  p.directory("/srv/web");',
      "}",
    ),
  });
  const spec = await load(config);
  assert.deepEqual(spec.resources.map((r) => r.origin), [
    `${dir.path}/infra/services/web.ts:3`,
    `${dir.path}/infra/config.ts:5`,
  ]);
});

Deno.test("a relative file source resolves against the declaring config", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("files", (p) => {',
      '  p.file("/etc/motd", { source: "files/motd" });',
      "});",
    ),
  });
  const spec = await load(config);
  assert.deepEqual((spec.resources[0] as { content: unknown }).content, {
    source: `${dir.path}/files/motd`,
  });
});

Deno.test("the sandbox keeps its compiled code apart from the CLI's: its own DENO_DIR in hostkit's cache", async () => {
  // V8 refuses code cached under other flags, and the child runs with one the CLI lacks: a
  // shared DENO_DIR would make each process recompile what the other cached, every run.
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("apart", (p) => { p.directory("/srv/apart"); });',
    ),
  });
  const before = Deno.env.get("HOSTKIT_CACHE_DIR");
  Deno.env.set("HOSTKIT_CACHE_DIR", join(dir.path, "cache"));
  try {
    const spec = await load(config, { results: false });
    assert.equal(spec.resources.length, 1);
  } finally {
    if (before === undefined) Deno.env.delete("HOSTKIT_CACHE_DIR");
    else Deno.env.set("HOSTKIT_CACHE_DIR", before);
  }
  const kept = [...Deno.readDirSync(join(dir.path, "cache", "sandbox-deno"))];
  assert.ok(kept.length > 0, "the child's runtime wrote its caches there");
});
