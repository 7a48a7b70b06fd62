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

Deno.test("a file source inside the project is read (and a --source-root outside it)", async () => {
  const outside = await Deno.makeTempDir({ prefix: "hostkit-shared-" });
  try {
    await Deno.writeTextFile(`${outside}/shared.conf`, "shared=1\n");
    const result = await runAttack([
      'export default project("ok", (p) => {',
      '  p.file("/srv/app.conf", { source: "./files/app.conf" });',
      `  p.file("/srv/shared.conf", { source: ${JSON.stringify(`${outside}/shared.conf`)} });`,
      "});",
    ], {
      files: { "files/app.conf": "listen=8080\n" },
      args: ["render", "CONFIG", "file", "/srv/app.conf", "--source-root", outside],
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "listen=8080\n");
    const shared = await runAttack([
      'export default project("ok", (p) => {',
      `  p.file("/srv/shared.conf", { source: ${JSON.stringify(`${outside}/shared.conf`)} });`,
      "});",
    ], { args: ["render", "CONFIG", "file", "/srv/shared.conf", "--source-root", outside] });
    assert.equal(shared.code, 0, shared.stderr);
    assert.equal(shared.stdout, "shared=1\n");
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
