/**
 * `load()` from a program without `--allow-run` refuses with a usage error
 * saying what it needs; it never evaluates the config some weaker way.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG, lines, ROOT, tempDir, writeFiles } from "../helpers.ts";

Deno.test("load() without --allow-run is a usage error naming the permissions it needs", async () => {
  await using dir = await tempDir();
  const marker = join(dir.path, "evaluated");
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      `console.log("evaluated");`,
      'export default project("x", () => {});',
    ),
  });
  const script = await writeFiles(dir.path, {
    "caller.ts": lines(
      `import { load } from ${JSON.stringify(join(ROOT, "mod.ts"))};`,
      "try {",
      `  await load(${JSON.stringify(config)}, { onLog: () => Deno.writeTextFileSync(${
        JSON.stringify(marker)
      }, "x") });`,
      '  console.log("loaded");',
      "} catch (error) {",
      "  console.log(JSON.stringify({ kind: error.kind, message: error.message }));",
      "}",
    ),
  });
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", `--allow-write=${dir.path}`, "--config", CONFIG, script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const outcome = JSON.parse(stdout);
  assert.equal(outcome.kind, "usage");
  assert.match(
    outcome.message,
    /evaluates configs in a child process: run the calling program with --allow-run=\/bin\/sh,/,
  );
  assert.match(outcome.message, /no weaker mode/);
  await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
});
