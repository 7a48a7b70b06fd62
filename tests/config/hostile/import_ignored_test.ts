/** Modules git ignores (local secrets) and anything under .git/ are not importable. */
import assert from "node:assert/strict";
import { assertConfigError, runAttack } from "./harness.ts";

const git = await new Deno.Command("git", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success, () => false);

Deno.test({ name: "an import of a git-ignored module is refused", ignore: !git }, async () => {
  const result = await runAttack([
    'import { token } from "./secrets.local.ts";',
    "export default project(token, () => {});",
  ], {
    files: { "secrets.local.ts": 'export const token = "ghp_local_secret";\n' },
    prepare: async (dir) => {
      await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
      await Deno.writeTextFile(`${dir}/.gitignore`, "*.local.ts\n");
    },
  });
  assertConfigError(
    result,
    /config\.ts:2: cannot read config module .*secrets\.local\.ts: ignored by git/,
  );
  assert.ok(!result.stdout.includes("ghp_local_secret"));
});

Deno.test(
  { name: "the config the operator names loads even when git ignores it", ignore: !git },
  async () => {
    const result = await runAttack(['export default project("mine", () => {});'], {
      prepare: async (dir) => {
        await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
        await Deno.writeTextFile(`${dir}/.gitignore`, "config.ts\n");
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).name, "mine");
  },
);

Deno.test({ name: "an import from .git/ is refused", ignore: !git }, async () => {
  const result = await runAttack([
    'import "./.git/hooks/x.ts";',
    'export default project("x", () => {});',
  ], {
    prepare: async (dir) => {
      await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
      await Deno.writeTextFile(`${dir}/.git/hooks/x.ts`, "export {};\n");
    },
  });
  assertConfigError(result, /inside a \.git directory, which is never read/);
});
