/** A computed import of an npm package must not download it, write node_modules or edit deno.lock. */
import { assertConfigError, runAttack } from "./harness.ts";

const ways = {
  "computed import()": 'await import(["npm:", "left-pad"].join(""));',
  "import() in eval": 'await eval("import(\\"npm:left-pad\\")");',
  "import() in new Function": 'await new Function("return import(\\"npm:is-odd\\")")();',
  "a literal data: URL import()": 'await import("data:text/javascript,export default 1");',
  "a blob URL the config made":
    'await import(URL.createObjectURL(new Blob(["export default 1"], { type: "text/javascript" })));',
};

for (const [name, statement] of Object.entries(ways)) {
  Deno.test(`${name} of a module the linker did not resolve is refused`, async () => {
    const result = await runAttack([statement, 'export default project("x", () => {});']);
    assertConfigError(
      result,
      /config\.ts:2: (cannot import|configs cannot evaluate strings as code)/,
    );
  });
}
