/** `s.file(path, { source: "/proc/self/environ" })` must not put the controller's environment in a plan. */
import assert from "node:assert/strict";
import { runAttack } from "./harness.ts";

const SECRET = "hostile-canary-secret-3141";
const body = [
  'export default project("leak", (p) => {',
  '  p.file("/srv/env", { source: "/proc/self/environ" });',
  "});",
];

for (
  const args of [["plan", "CONFIG"], ["plan", "CONFIG", "--json"], [
    "render",
    "CONFIG",
    "file",
    "/srv/env",
  ]]
) {
  Deno.test(`a file source in /proc is refused by ${args.join(" ")}, naming the resource`, async () => {
    const result = await runAttack(body, { args, env: { CI_SECRET: SECRET } });
    assert.equal(result.code, 78, result.stderr);
    assert.match(
      result.stderr,
      /file:\/srv\/env \(.*config\.ts:3\): file source \/proc\/self\/environ refused/,
    );
    assert.match(result.stderr, /outside the project/);
    assert.ok(
      !result.stdout.includes(SECRET) && !result.stderr.includes(SECRET),
      "the secret leaked",
    );
  });
}
