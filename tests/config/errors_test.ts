/** Config mistakes are reported with the user's file:line and exit code 2. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../src/config/error.ts";
import { load } from "../../src/config/load.ts";
import { validateSpec } from "../../src/config/validate.ts";
import { lines, tempDir, writeFiles } from "../helpers.ts";

async function failure(files: Record<string, string>, dir: string): Promise<ConfigError> {
  const config = await writeFiles(dir, files);
  try {
    await load(config);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, 2);
    return error;
  }
  throw new Error("the config loaded");
}

Deno.test("a syntax error names file:line", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      "const port: number = 4000;",
      "const base = ;",
      'export default project("x", () => {});',
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:3`);
  assert.match(error.message, new RegExp(`^${dir.path}/config\\.ts:3: syntax error: `));
});

Deno.test("a syntax error inside the project body names its own line", async () => {
  // sucrase re-parses a failed arrow function as a parenthesized expression and
  // reports the error at its `=>`; the loader looks inside the arrow's body.
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("x", (p) => {',
      '  p.directory("/srv", { mode: 0o755 );',
      "});",
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:3`);
  assert.match(error.message, /:3: syntax error: Unexpected token/);
});

Deno.test("a syntax error in nested bodies names its own line", async () => {
  await using dir = await tempDir();
  const cases: [string[], number][] = [
    [[
      'export default project("x", (p) => {',
      '  p.service("web", (s) => {',
      "    // a } in a comment, a string and a regex do not end a body",
      '    const re = /[}]/g, text = "}";',
      '    s.daemon("web.service", (d) => {',
      '      d.execStart(["/bin/web", `${text}`];',
      "    });",
      "  });",
      "});",
    ], 7],
    [[
      'export default project("x", (p) =>',
      '  p.service("web", (s) => s.directory("/srv/web", { mode: 0o755 )));',
    ], 3],
  ];
  for (const [body, line] of cases) {
    const error = await failure({
      "config.ts": lines('import { project } from "hostkit";', ...body),
    }, dir.path);
    assert.equal(error.origin, `${join(dir.path, "config.ts")}:${line}`, body.join("\n"));
  }
});

Deno.test("a syntax error in an imported module names that module", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'import { x } from "./lib.ts";',
      "export default project(x, () => {});",
    ),
    "lib.ts": lines("export const x = ;"),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "lib.ts")}:1`);
});

Deno.test("an error thrown at the top level names file:line and the error", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      "",
      'throw new Error("no region configured");',
      'export default project("x", () => {});',
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:3`);
  assert.equal(error.message, `${dir.path}/config.ts:3: Error: no region configured`);
});

Deno.test("an error thrown in a helper module names the helper's line", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'import { check } from "./helpers.ts";',
      'export default project("x", (p) => {',
      "  check(p);",
      "});",
    ),
    "helpers.ts": lines(
      "export function check(_p: unknown): void {",
      '  throw new RangeError("bad port");',
      "}",
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "helpers.ts")}:2`);
  assert.match(error.message, /RangeError: bad port/);
});

Deno.test("a DSL error names the line of the call", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("x", (p) => {',
      '  p.directory("/srv", { mode: "privat_dir" });',
      "});",
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:3`);
  assert.match(error.message, /unknown mode alias "privat_dir"/);
});

Deno.test("a missing import names the importing file:line", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'import { web } from "./services/web.ts";',
      'export default project("x", (p) => web(p));',
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:2`);
  assert.match(error.message, /cannot read config module .*services\/web\.ts: file not found/);
});

Deno.test("a missing config file is reported", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    load(join(dir.path, "nope.ts")),
    (e: unknown) => e instanceof ConfigError && /nope\.ts: file not found/.test(e.message),
  );
});

Deno.test("an import cycle names its members", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'import "./a.ts";',
      'export default project("x", () => {});',
    ),
    "a.ts": lines('import "./b.ts";'),
    "b.ts": lines('import "./a.ts";'),
  }, dir.path);
  assert.match(error.message, /import cycle: .*a\.ts → .*b\.ts → .*a\.ts/);
  assert.equal(error.origin, `${join(dir.path, "b.ts")}:1`);
});

Deno.test("a default export that is not a project names file:1", async () => {
  await using dir = await tempDir();
  for (const value of ["42", '{ name: "x" }', '"project"', "null", "[]"]) {
    const error = await failure({
      "config.ts": lines(`export default ${value};`),
    }, dir.path);
    assert.equal(error.origin, `${join(dir.path, "config.ts")}:1`, value);
    assert.match(error.message, /the default export is not a project/, value);
  }
});

Deno.test("a config without a default export says how to end it", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export const infra = project("x", () => {});',
    ),
  }, dir.path);
  assert.equal(error.origin, `${join(dir.path, "config.ts")}:1`);
  assert.match(error.message, /no default export: end it with `export default project/);
});

Deno.test("a duplicate id across modules names both file:line", async () => {
  await using dir = await tempDir();
  const error = await failure({
    "config.ts": lines(
      'import { project } from "hostkit";',
      'import { more } from "./more.ts";',
      'export default project("x", (p) => {',
      '  p.directory("/srv/app");',
      "  more(p);",
      "});",
    ),
    "more.ts": lines(
      'import type { ProjectScope } from "hostkit";',
      "export function more(p: ProjectScope): void {",
      '  p.directory("/srv/app");',
      "}",
    ),
  }, dir.path);
  assert.equal(
    error.message,
    `${dir.path}/more.ts:3: directory:/srv/app is declared twice: ` +
      `at ${dir.path}/config.ts:4 and at ${dir.path}/more.ts:3`,
  );
});

Deno.test("validateSpec refuses a value that is not a valid project", () => {
  assert.throws(() => validateSpec(42, "/x.ts"), /\/x\.ts:1: the default export is not a project/);
  assert.throws(
    () => validateSpec({ name: "bad name", resources: [] }, "/x.ts"),
    /\/x\.ts: invalid project: /,
  );
  assert.equal(validateSpec({ name: "ok", resources: [] }, "/x.ts").runsRoot, "/var/lib/hostkit");
});
