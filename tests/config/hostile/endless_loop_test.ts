/** An endless loop ends at the time limit, counted from when the sandbox is ready. */
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("an endless loop ends with a config error at --timeout", async () => {
  const result = await runAttack(["while (true) {}", 'export default project("x", () => {});'], {
    args: ["dump", "CONFIG", "--timeout", "1"],
  });
  assertConfigError(result, /evaluating the config took longer than 1 s \(an endless loop\?\)/);
});

Deno.test("an endless loop inside the project body ends the same way", async () => {
  const result = await runAttack([
    'export default project("x", () => { for (;;) {} });',
  ], { args: ["plan", "CONFIG", "--timeout", "1"] });
  assertConfigError(result, /took longer than 1 s/);
});
