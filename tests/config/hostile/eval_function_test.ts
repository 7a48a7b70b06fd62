/** Strings never become code: eval, the Function constructors (plain, async, generator), string timers. */
import { assertConfigError, runAttack } from "./harness.ts";

const ways = {
  "eval": 'eval("1 + 1");',
  "indirect eval": '(0, eval)("1 + 1");',
  "new Function": 'new Function("return 1")();',
  "Function()": 'Function("return 1")();',
  "the async function constructor":
    "new (Object.getPrototypeOf(async function () {}).constructor)('return 1');",
  "the generator function constructor":
    "new (Object.getPrototypeOf(function* () {}).constructor)('yield 1');",
  "the async generator function constructor":
    "new (Object.getPrototypeOf(async function* () {}).constructor)('yield 1');",
  "a function's constructor": "(() => {}).constructor('return 1')();",
};

for (const [name, statement] of Object.entries(ways)) {
  Deno.test(`${name} is refused at the config's line`, async () => {
    const result = await runAttack([statement, 'export default project("x", () => {});']);
    assertConfigError(result, /config\.ts:2: configs cannot evaluate strings as code/);
  });
}
