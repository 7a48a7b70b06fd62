/**
 * `hostkit apply --plan FILE` applies the saved plan exactly as reviewed: flags that would shape
 * a different plan or point it at another address are usage errors (exit 64), and nothing runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { lines, runCli, tempDir, writeFiles } from "../helpers.ts";

/** A config and a saved plan (made with --local) whose files and runs root live under `dir`. */
async function savedPlan(dir: string): Promise<{ config: string; planFile: string }> {
  const config = await writeFiles(dir, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("cli", (p) => {',
      `  p.runsRoot(${JSON.stringify(`${dir}/runs`)});`,
      `  p.file(${JSON.stringify(`${dir}/app/a`)}, { content: "a\\n" });`,
      `  p.file(${JSON.stringify(`${dir}/app/b`)}, { content: "b\\n" });`,
      "});",
    ),
  });
  const planFile = join(dir, "up.plan.json");
  const planned = await runCli(["plan", config, "--local", "--out", planFile]);
  assert.equal(planned.code, 0, planned.stderr);
  return { config, planFile };
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("apply --plan FILE --ignore X exits 64: a saved plan is applied as reviewed", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { config, planFile } = await savedPlan(dir);
  for (const args of [[], [config]]) {
    const result = await runCli([
      "apply",
      ...args,
      "--plan",
      planFile,
      "--ignore",
      `file:${dir}/app/b`,
      "--confirm",
    ]);
    assert.equal(result.code, 64, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /--ignore shapes a new plan; a saved plan is applied exactly as reviewed/,
    );
  }
  assert.equal(await exists(`${dir}/app`), false, "nothing was applied");
});

Deno.test("apply --plan FILE --user U (or --port P) exits 64: the plan names its hosts' addresses", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { planFile } = await savedPlan(dir);
  const user = await runCli(["apply", "--plan", planFile, "--user", "deploy", "--confirm"]);
  assert.equal(user.code, 64, user.stdout + user.stderr);
  assert.match(user.stderr, /--user: a saved plan names its hosts' addresses/);
  const both = await runCli([
    "apply",
    "--plan",
    planFile,
    "--user",
    "deploy",
    "--port",
    "2222",
    "--confirm",
  ]);
  assert.equal(both.code, 64, both.stdout + both.stderr);
  assert.match(both.stderr, /--user, --port: a saved plan names its hosts' addresses/);
  assert.equal(await exists(`${dir}/app`), false, "nothing was applied");
});

Deno.test("apply --plan FILE without such flags applies it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { planFile } = await savedPlan(dir);
  const result = await runCli(["apply", "--plan", planFile, "--confirm"]);
  try {
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/app/b`), "b\n");
  } finally {
    // The apply dir under /var/tmp is kept on hosts for its events log; not here.
    const log = /\/var\/tmp\/hostkit-apply\.[A-Za-z0-9]+/.exec(result.stdout + result.stderr)?.[0];
    if (log) await Deno.remove(log, { recursive: true }).catch(() => {});
  }
});
