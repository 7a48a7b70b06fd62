/** Plan artifacts hold file contents and what was read from hosts: they are written mode 0600. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { project } from "../../src/dsl/mod.ts";
import { savePlan } from "../../src/plan/artifact.ts";
import { plan } from "../../src/plan/mod.ts";
import { lines, runCli, tempDir, writeFiles } from "../helpers.ts";

const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("savePlan writes the artifact readable by its owner only, also over a 0644 file", async () => {
  await using dir = await tempDir();
  const reviewed = await plan(project("p", (p) => p.file("/srv/a", { content: "a\n" })));
  const fresh = join(dir.path, "up.plan.json");
  await savePlan(reviewed, fresh);
  assert.equal(await modeOf(fresh), 0o600);

  const existing = join(dir.path, "old.plan.json");
  await Deno.writeTextFile(existing, "{}\n", { mode: 0o644 });
  await Deno.chmod(existing, 0o644);
  await savePlan(reviewed, existing);
  assert.equal(await modeOf(existing), 0o600);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).sort(),
    ["old.plan.json", "up.plan.json"],
    "no temp files left",
  );
});

Deno.test("plan --out and down --out save 0600 artifacts", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const config = await writeFiles(dir, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("modes", (p) => {',
      `  p.file(${JSON.stringify(`${dir}/app/a`)}, { content: "a\\n" });`,
      "});",
    ),
  });
  const up = join(dir, "up.plan.json");
  const planned = await runCli(["plan", config, "--local", "--out", up]);
  assert.equal(planned.code, 0, planned.stderr);
  assert.equal(await modeOf(up), 0o600);
  const down = join(dir, "down.plan.json");
  const derived = await runCli(["down", up, "--out", down]);
  assert.equal(derived.code, 0, derived.stderr);
  assert.equal(await modeOf(down), 0o600);
});
