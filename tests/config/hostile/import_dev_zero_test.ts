/** Importing /dev/zero (directly or through a symlink) would read gigabytes: refused at once. */
import assert from "node:assert/strict";
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("a relative import of /dev/zero is refused as outside the project", async () => {
  const result = await runAttack([
    'import "../../../../../../../../dev/zero";',
    'export default project("x", () => {});',
  ]);
  assertConfigError(
    result,
    /config\.ts:2: cannot read config module \/dev\/zero: outside the project/,
  );
});

Deno.test("an import of a symlink to /dev/zero inside the project is refused", async () => {
  const result = await runAttack([
    'import "./zero.ts";',
    'export default project("x", () => {});',
  ], { prepare: (dir) => Deno.symlink("/dev/zero", `${dir}/zero.ts`) });
  assertConfigError(result, /zero\.ts: outside the project \(it resolves to \/dev\/zero\)/);
});

Deno.test("an import of a device node inside a source root is refused as not a regular file", async () => {
  const result = await runAttack([
    'import "../../../../../../../../dev/zero";',
    'export default project("x", () => {});',
  ], { args: ["dump", "CONFIG", "--source-root", "/dev"] });
  assertConfigError(result, /\/dev\/zero: not a regular file/);
  assert.equal(result.stdout, "");
});
