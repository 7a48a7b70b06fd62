/** Filling the heap ends in a config error naming the config, not V8's fatal out-of-memory crash. */
import assert from "node:assert/strict";
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("heap exhaustion is a config error (exit 2) under --memory-limit", async () => {
  const result = await runAttack([
    "const keep = [];",
    "for (;;) keep.push(new Array(100_000).fill({ x: Math.random() }));",
    'export default project("x", () => {});',
  ], { args: ["dump", "CONFIG", "--memory-limit", "64", "--timeout", "600"] });
  assertConfigError(
    result,
    /the config ran out of memory \(limit 64 MB\); raise it with --memory-limit/,
  );
  assert.equal(result.stdout, "");
});
