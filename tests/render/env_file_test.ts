import assert from "node:assert/strict";
import { join } from "node:path";
import { project } from "../../src/dsl/project.ts";
import { HostkitError } from "../../src/errors.ts";
import type { EnvFile } from "../../src/model/resource.ts";
import { secretEnv } from "../../src/model/secret.ts";
import { envLine, envValue, renderEnvFile } from "../../src/render/env_file.ts";
import { tempDir } from "../helpers.ts";

function envFile(entries: [string, string][], secrets: [string, string][] = []): EnvFile {
  const spec = project("t", (p) =>
    p.envFile("/etc/app/env", (e) => {
      for (const [k, v] of entries) e.set(k, v);
      for (const [k, v] of secrets) e.secret(k, secretEnv(v));
    }));
  return spec.resources[0] as EnvFile;
}

Deno.test('plain values stay bare; others are double-quoted with \\ " $ ` escaped', () => {
  const cases: [string, string][] = [
    ["prod", "prod"],
    ["4000", "4000"],
    ["", ""],
    ["postgres://u@db:5432/app?sslmode=require", '"postgres://u@db:5432/app?sslmode=require"'],
    ["/srv/app,/srv/b", "/srv/app,/srv/b"],
    ["a=b", "a=b"],
    ["a b", '"a b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["$HOME", '"\\$HOME"'],
    ["`id`", '"\\`id\\`"'],
    ["back\\slash", '"back\\\\slash"'],
    ["it's", '"it\'s"'],
    ["#not a comment", '"#not a comment"'],
    ["tab\there", '"tab\there"'],
    ["café", '"café"'],
  ];
  for (const [value, rendered] of cases) assert.equal(envValue(value), rendered, value);
});

Deno.test("line breaks and NUL are refused", () => {
  for (const value of ["a\nb", "a\rb", "a\0b"]) {
    assert.throws(() => envValue(value), /line breaks or NUL/, JSON.stringify(value));
  }
});

Deno.test("quoted values read back unchanged by a POSIX shell", async () => {
  const values = [
    "prod",
    "",
    "a b",
    'say "hi"',
    "$HOME and ${PATH}",
    "`id`",
    "back\\slash\\",
    "it's",
    "#hash",
    "tab\there",
    "café ☕",
    "a=b=c",
    "semi;colon&amp|pipe",
    "*glob?[x]",
    "  padded  ",
    "100%",
  ];
  const file = envFile(values.map((v, i) => [`V${i}`, v]));
  await using dir = await tempDir();
  const path = join(dir.path, "env");
  await Deno.writeTextFile(path, renderEnvFile(file));
  const script = `set -a; . "$1"; ${values.map((_, i) => `printf '%s\\0' "$V${i}"`).join("; ")}`;
  const output = await new Deno.Command("sh", { args: ["-c", script, "sh", path] }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const read = new TextDecoder().decode(output.stdout).split("\0").slice(0, -1);
  assert.deepEqual(read, values);
});

Deno.test("an env file renders as its snapshot", async (t) => {
  const file = envFile([["MIX_ENV", "prod"], ["PORT", "4000"], ["PHX_HOST", "shop.example.com"], [
    "GREETING",
    'hello "world"',
  ]], [["SECRET_KEY_BASE", "SECRET_KEY_BASE"]]);
  await t.assertSnapshot(
    renderEnvFile(file, (name) => (name === "SECRET_KEY_BASE" ? "k3y $with spaces" : undefined)),
  );
});

Deno.test("secrets are refused without values, naming the key and variable only", () => {
  const file = envFile([["MIX_ENV", "prod"]], [["DATABASE_URL", "DB_URL"]]);
  assert.throws(
    () => renderEnvFile(file),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" &&
      e.message ===
        "/etc/app/env: DATABASE_URL is a secret (DB_URL); it is rendered only at apply",
  );
  assert.throws(
    () => renderEnvFile(file, () => undefined),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" &&
      /DB_URL is not set \(needed for DATABASE_URL in \/etc\/app\/env\)/.test(e.message),
  );
});

Deno.test("secrets render with values, quoted like any value", () => {
  const file = envFile([["MIX_ENV", "prod"]], [["DATABASE_URL", "DB_URL"], ["TOKEN", "TOKEN"]]);
  const values: Record<string, string> = {
    DB_URL: "postgres://app:p@ss w0rd@db/app",
    TOKEN: "t0k",
  };
  assert.equal(
    renderEnvFile(file, (name) => values[name]),
    [
      "# Managed by hostkit. Local edits are overwritten on the next apply.",
      "MIX_ENV=prod",
      'DATABASE_URL="postgres://app:p@ss w0rd@db/app"',
      "TOKEN=t0k",
      "",
    ].join("\n"),
  );
  assert.equal(envLine({ key: "A", value: "1" }), "A=1");
  assert.equal(envLine({ key: "T", secret: secretEnv("T") }, () => "x y"), 'T="x y"');
});

Deno.test("a key set twice is refused, naming the file and key", () => {
  const file = envFile([["PORT", "1"], ["PORT", "2"]]);
  assert.throws(() => renderEnvFile(file), /\/etc\/app\/env: PORT is set twice/);
});
