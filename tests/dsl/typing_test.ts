/**
 * Editor typing: configs import "hostkit", which deno.json maps to the DSL the
 * loader links, so `deno check` (and an editor's language server) types every
 * DSL call, including a project's own conventions. A misused helper fails to
 * type-check.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG, EXAMPLES, ROOT, tempDir } from "../helpers.ts";

async function check(files: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", CONFIG, ...files],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

const conventionsUrl = new URL("toys_conventions.ts", `file://${EXAMPLES}/`).href;

Deno.test("examples type-check; a misused conventions helper does not", async () => {
  await using dir = await tempDir();
  const good = join(dir.path, "good.ts");
  await Deno.writeTextFile(
    good,
    [
      'import { project } from "hostkit";',
      `import { toys, toyService } from "${conventionsUrl}";`,
      'export default project("toys", toys, (p) => {',
      '  toyService(p, "search", (s, t) => {',
      "    t.standardUser();",
      "    s.directory(t.dataDir, { owner: t.serviceUser });",
      "  });",
      "});",
      "",
    ].join("\n"),
  );
  const bad = join(dir.path, "bad.ts");
  await Deno.writeTextFile(
    bad,
    [
      'import { project } from "hostkit";',
      `import { toys, toyService } from "${conventionsUrl}";`,
      'export default project("toys", toys, (p) => {',
      '  toyService(p, "search", (s, t) => {',
      "    t.standardUser();",
      "    s.directory(t.dataDirectory);",
      '    s.directory(t.dataDir, { mode: "private_dir", ownr: "x" });',
      "    t.statePath(42);",
      "  });",
      "});",
      "",
    ].join("\n"),
  );

  const examples = [...Deno.readDirSync(EXAMPLES)]
    .filter((e) => e.name.endsWith(".ts"))
    .map((e) => join(EXAMPLES, e.name));
  const ok = await check([...examples, good]);
  assert.equal(ok.code, 0, ok.stderr);

  const failed = await check([bad]);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(
    failed.stderr,
    /TS2339.*'dataDirectory' does not exist on type '\{ serviceUser: string;/s,
  );
  assert.match(failed.stderr, /'ownr' does not exist in type 'DirectoryOptions'/);
  assert.match(failed.stderr, /TS2345.*'number' is not assignable to parameter of type 'string'/s);
  assert.match(failed.stderr, /bad\.ts:6:/);
});
