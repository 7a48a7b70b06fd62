/** Off-heap buffers (which the V8 heap limit does not count) are bounded too. */
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("growing ArrayBuffers without end is a config error (exit 2)", async () => {
  const result = await runAttack([
    "const keep = [];",
    "for (;;) keep.push(new Uint8Array(256 * 1024 * 1024).fill(1));",
    'export default project("x", () => {});',
  ], { args: ["dump", "CONFIG", "--memory-limit", "64", "--timeout", "600"] });
  assertConfigError(result, /ran out of memory/);
});

Deno.test("one 5 GB ArrayBuffer is refused", async () => {
  const result = await runAttack([
    "const big = new ArrayBuffer(5 * 1024 * 1024 * 1024);",
    'export default project("x", () => {});',
  ], { args: ["dump", "CONFIG", "--timeout", "600"] });
  assertConfigError(result, /config\.ts:2: the config ran out of memory/);
});
