/** Importing a FIFO would hang the loader forever: refused as not a regular file. */
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("an import of a FIFO in the project is refused at once", async () => {
  const result = await runAttack([
    'import { x } from "./pipe.ts";',
    "export default project(String(x), () => {});",
  ], {
    prepare: async (dir) => {
      const made = await new Deno.Command("mkfifo", { args: [`${dir}/pipe.ts`] }).output();
      if (!made.success) throw new Error("mkfifo failed");
    },
  });
  assertConfigError(
    result,
    /config\.ts:2: cannot read config module .*pipe\.ts: not a regular file/,
  );
});
