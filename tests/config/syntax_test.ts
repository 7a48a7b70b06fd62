/** syntaxErrorSite: the real line of errors sucrase reports at an enclosing arrow's `=>`. */
import assert from "node:assert/strict";
import { transform } from "sucrase";
import { syntaxErrorSite } from "../../src/config/syntax.ts";
import { lines } from "../helpers.ts";

const run = (code: string) =>
  transform(code, { transforms: ["typescript"], disableESTransforms: true, filePath: "c.ts" });

function site(source: string) {
  try {
    run(source);
  } catch (error) {
    return syntaxErrorSite(source, error, run);
  }
  throw new Error("the source transformed");
}

Deno.test("an error in an arrow body passed as an argument is found in the body", () => {
  assert.deepEqual(
    site(lines('project("x", (p) => {', '  p.directory("/srv", { mode: 0o755 );', "});")),
    { line: 2, message: 'Unexpected token, expected ","' },
  );
  assert.equal(site(lines('project("x", (p) =>', '  p.directory("/srv", { mode: 1 ));')).line, 2);
});

Deno.test("nested arrows are searched in turn", () => {
  const source = lines(
    'project("x", (p) => {',
    '  p.service("a", (s) => {',
    '    s.daemon("d", async (d) => {',
    "      d.x(1;",
    "    });",
    "  });",
    "});",
  );
  assert.equal(site(source).line, 4);
});

Deno.test("brackets in strings, templates, comments and regexes do not end a body", () => {
  const source = lines(
    'project("x", (p) => {',
    '  const re = /[}"]/g, half = 1 / 2;',
    '  const t = `a ${p.x({ y: "}" })} }`; // }',
    "  /* } */ const s = '}';",
    "  p.a(;",
    "});",
  );
  assert.deepEqual(site(source), { line: 5, message: "Unexpected token" });
});

Deno.test("errors outside arrow bodies keep sucrase's line", () => {
  assert.equal(site(lines('project("x", (p: ) => {', "  p.a();", "});")).line, 1);
  assert.equal(site(lines("const a = 1;", "const b = ;")).line, 2);
  // An unclosed body: the line it opens on is the best answer.
  assert.equal(site(lines('project("x", (p) => {', "  p.a(1);")).line, 1);
  // The body is fine; the error follows it.
  assert.equal(site(lines('project("x", (p) => {', "  p.a(1);", "}));")).line, 3);
  assert.deepEqual(site(lines("const s = 'unterminated;")), {
    line: 1,
    message: "Unterminated string constant",
  });
});
