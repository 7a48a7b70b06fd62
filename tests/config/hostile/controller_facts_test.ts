/** Configs see none of the controller's facts: arguments, working directory, executable, pid, stdio. */
import assert from "node:assert/strict";
import { assertConfigError, runAttack } from "./harness.ts";

const facts = {
  "Deno.args": "const x = Deno.args.length;",
  "Deno.cwd()": "const x = Deno.cwd();",
  "Deno.execPath()": "const x = Deno.execPath();",
  "Deno.pid": "const x = Deno.pid;",
  "Deno.ppid": "const x = Deno.ppid;",
  "Deno.mainModule": "const x = Deno.mainModule;",
  "Deno.stdin": "const x = Deno.stdin;",
  "Deno.stdout": "const x = Deno.stdout;",
  "Deno.stderr": "const x = Deno.stderr;",
  "process.argv": "const x = process.argv;",
  "process.env": "const x = process.env;",
  "process.stdout": "const x = process.stdout;",
  "prompt()": 'const x = prompt("password?");',
  "alert()": 'alert("fake output");',
  "Deno internals": "const x = Deno[Deno.internal].core.ops;",
};

for (const [name, statement] of Object.entries(facts)) {
  Deno.test(`${name} is not visible to configs`, async () => {
    const result = await runAttack([statement, 'export default project("x", () => {});'], {
      stdin: "piped secret\n",
    });
    assertConfigError(result, /config\.ts:2: /);
    if (name !== "Deno internals") {
      assert.match(result.stderr, /configs cannot see the controller's/);
    }
  });
}

Deno.test("a config cannot print onto hostkit's stdout: dump's stdout is exactly the project", async () => {
  const result = await runAttack([
    'console.log(JSON.stringify({ name: "fake", resources: [] }));',
    'console.error("\\x1b[2Kerror-looking line");',
    'export default project("real", () => {});',
  ], { stdin: "piped secret\n" });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).name, "real");
  // The config's console goes to stderr, marked as the config's and made visible.
  assert.match(result.stderr, /^config: \{"name":"fake","resources":\[\]\}$/m);
  assert.match(result.stderr, /^config: \\e\[2Kerror-looking line$/m);
});
