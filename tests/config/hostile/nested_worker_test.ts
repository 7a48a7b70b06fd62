/** A nested Worker would load modules of its own choosing: configs have no Worker. */
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("a config cannot start a Worker", async () => {
  const result = await runAttack([
    'const code = "import(\\"npm:left-pad\\")";',
    'new Worker(URL.createObjectURL(new Blob([code])), { type: "module" });',
    'export default project("x", () => {});',
  ]);
  assertConfigError(result, /config\.ts:3: ReferenceError: Worker is not defined/);
});
