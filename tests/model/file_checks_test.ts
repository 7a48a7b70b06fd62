/**
 * Hostile values for the inputs the kinds seam added: `validate`, `notify`,
 * managed lines and provider tags are refused by the schema, so nothing of them
 * reaches a generated program unchecked.
 */
import assert from "node:assert/strict";
import { ResourceSchema } from "../../src/model/resource.ts";
import { project } from "../../src/dsl/mod.ts";

const file = (extra: Record<string, unknown>) => ({
  kind: "file",
  path: "/etc/app.conf",
  content: { text: "x" },
  ...extra,
});

const refused: [string, Record<string, unknown>, RegExp][] = [
  ["a validate with a line break", file({ validate: "true\nrm -rf /" }), /one line/],
  ["an empty validate", file({ validate: "" }), /validate/],
  ["a notify unit with shell in it", file({ notify: { reload: ["x; reboot"] } }), /unit name/],
  ["a notify unit without a type", file({ notify: { restart: ["nginx"] } }), /unit name/],
  ["an unknown notify action", file({ notify: { stop: ["nginx.service"] } }), /stop/],
  ["sensitive as text", file({ sensitive: "yes" }), /sensitive/],
  [
    "a managed line with a line break",
    { kind: "managed_line", path: "/etc/caddy/Caddyfile", line: "import a\nimport /etc/shadow" },
    /one line/,
  ],
  ["a managed line in a relative path", { kind: "managed_line", path: "etc/x", line: "a" }, /path/],
  [
    "a provider tag with an unknown key",
    file({ provider: { name: "caddy", version: "1.0.0", code: "() => 1" } }),
    /code/,
  ],
];

for (const [name, data, message] of refused) {
  Deno.test(`refused: ${name}`, () => {
    const parsed = ResourceSchema.safeParse(data);
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), message);
  });
}

Deno.test("the DSL refuses the same values at the user's line", () => {
  assert.throws(
    () => project("x", (p) => p.file("/a", { content: "x", notify: { reload: ["a b"] } })),
    /unit name/,
  );
  assert.throws(
    () => project("x", (p) => p.file("/a", { content: "x", validate: "a\nb" })),
    /one line/,
  );
});
