/**
 * A ~340-byte input that makes the transpiler go exponential (nested generic
 * arrows with defaults) is stopped by --timeout: transpiling counts against it.
 */
import assert from "node:assert/strict";
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("a transpiler blow-up ends at --timeout 2 with a config error", async () => {
  const levels = 24;
  const bomb = "const x = " + "<T>(a = ".repeat(levels) + "b" + ") => 1".repeat(levels) + ";";
  assert.ok(bomb.length < 400);
  const result = await runAttack([bomb, 'export default project("x", () => {});'], {
    args: ["dump", "CONFIG", "--timeout", "2"],
  });
  assertConfigError(result, /took longer than 2 s/);
});
