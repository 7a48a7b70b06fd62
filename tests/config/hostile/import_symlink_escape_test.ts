/** A module symlinked into the project from outside it is refused, as is a symlinked directory. */
import { assertConfigError, runAttack } from "./harness.ts";

Deno.test("an import following a symlink out of the project is refused", async () => {
  const outside = await Deno.makeTempDir({ prefix: "hostkit-outside-" });
  try {
    await Deno.writeTextFile(`${outside}/lib.ts`, "export const x = 1;\n");
    for (const link of [["lib.ts", `${outside}/lib.ts`], ["vendor", outside]]) {
      const specifier = link[0] === "vendor" ? "./vendor/lib.ts" : "./lib.ts";
      const result = await runAttack([
        `import { x } from "${specifier}";`,
        "export default project(`x${x}`, () => {});",
      ], { prepare: (dir) => Deno.symlink(link[1], `${dir}/${link[0]}`) });
      assertConfigError(result, /outside the project \(it resolves to \/tmp\/hostkit-outside-/);
    }
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
