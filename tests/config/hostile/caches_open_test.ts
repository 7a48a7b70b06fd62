/** Storage that outlives a run (the Cache API persisted 200 MB across runs): not there. */
import { assertConfigError, runAttack } from "./harness.ts";

const ways = {
  "caches.open": 'const cache = await caches.open("x");',
  "localStorage": 'localStorage.setItem("k", "v".repeat(1000));',
  "sessionStorage": 'sessionStorage.setItem("k", "v");',
};

for (const [name, statement] of Object.entries(ways)) {
  Deno.test(`${name} is not available to configs`, async () => {
    const result = await runAttack([statement, 'export default project("x", () => {});']);
    assertConfigError(result, /config\.ts:2: ReferenceError: \w+ is not defined/);
  });
}
