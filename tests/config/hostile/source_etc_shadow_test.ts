/** A relative file source climbing out of the project (`../../../etc/shadow`) is refused. */
import assert from "node:assert/strict";
import { runAttack } from "./harness.ts";

Deno.test("a file source climbing out of the project is refused, naming the resource", async () => {
  const result = await runAttack([
    'export default project("leak", (p) => {',
    '  p.file("/srv/shadow", { source: "../../../../../../../etc/shadow" });',
    "});",
  ], { args: ["plan", "CONFIG"] });
  assert.equal(result.code, 78, result.stderr);
  assert.match(
    result.stderr,
    /file:\/srv\/shadow \(.*config\.ts:3\): file source \/etc\/shadow refused: outside the project/,
  );
  assert.doesNotMatch(result.stdout + result.stderr, /root:[^:]*:\d+:/, "shadow's content leaked");
});

Deno.test("a symlink inside the project pointing out of it is refused as a file source", async () => {
  const result = await runAttack([
    'export default project("leak", (p) => {',
    '  p.file("/srv/shadow", { source: "./innocent.conf" });',
    "});",
  ], {
    args: ["plan", "CONFIG"],
    prepare: (dir) => Deno.symlink("/etc/shadow", `${dir}/innocent.conf`),
  });
  assert.equal(result.code, 78, result.stderr);
  assert.match(
    result.stderr,
    /innocent\.conf refused: outside the project \(it resolves to \/etc\/shadow\)/,
  );
});

const git = await new Deno.Command("git", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success, () => false);

Deno.test(
  { name: "a file source under .git or ignored by git is refused", ignore: !git },
  async () => {
    const result = await runAttack([
      'export default project("leak", (p) => {',
      '  p.file("/srv/token", { source: "./.git/config" });',
      "});",
    ], {
      args: ["plan", "CONFIG"],
      prepare: async (dir) => {
        await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
        await Deno.writeTextFile(`${dir}/.git/config`, "token = ghp_secret\n", { append: true });
      },
    });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /\.git\/config refused: inside a \.git directory/);
    assert.ok(!result.stderr.includes("ghp_secret"));
    const ignored = await runAttack([
      'export default project("leak", (p) => {',
      '  p.file("/srv/env", { source: "./.env" });',
      "});",
    ], {
      args: ["plan", "CONFIG"],
      prepare: async (dir) => {
        await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
        await Deno.writeTextFile(`${dir}/.gitignore`, ".env\n");
        await Deno.writeTextFile(`${dir}/.env`, "DB_PASSWORD=hunter2\n");
      },
    });
    assert.equal(ignored.code, 78, ignored.stderr);
    assert.match(ignored.stderr, /\.env refused: ignored by git/);
    assert.ok(!ignored.stdout.includes("hunter2") && !ignored.stderr.includes("hunter2"));
  },
);
