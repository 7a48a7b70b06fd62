import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { quote } from "../../src/transport/shell.ts";

/** Runs a script fed to `sh` on stdin (so it may hold any bytes) and returns its stdout. */
async function sh(script: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("sh", { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(script);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return stdout;
}

const TRICKY = [
  "",
  "plain",
  "/etc/app/app.env",
  "a b",
  "it's",
  "'",
  "''",
  "'\\''",
  '"double"',
  "$HOME $(id) `id` ${x}",
  "a\nb\n",
  "\ttab",
  "* ? [a-z] ~ ~root",
  "!history; & | < > ( ) { }",
  "back\\slash\\",
  "a=b",
  "-n",
  "--",
  "héllo ✓ 日本",
  " leading and trailing ",
];

Deno.test("quote: plain words stay readable, others are single-quoted", () => {
  assert.equal(quote("/etc/app/app.env"), "/etc/app/app.env");
  assert.equal(quote("user@host:22"), "user@host:22");
  assert.equal(quote(""), "''");
  assert.equal(quote("a b"), "'a b'");
  assert.equal(quote("it's"), "'it'\\''s'");
  assert.equal(quote("a=b"), "'a=b'", "a bare a=b would be an assignment");
  assert.equal(quote("~"), "'~'", "a bare ~ would be expanded");
});

Deno.test("quote: values round-trip through sh -c 'printf %s …'", async () => {
  for (const value of TRICKY) {
    const { code, stdout } = await new Deno.Command("sh", {
      args: ["-c", `printf %s ${quote(value)}`],
      stdout: "piped",
    }).output();
    assert.equal(code, 0, value);
    assert.equal(new TextDecoder().decode(stdout), value, `round trip of ${JSON.stringify(value)}`);
  }
});

Deno.test("quote: a quoted command survives being quoted again (sh -c inside sh -c)", async () => {
  for (const value of TRICKY) {
    const inner = `printf %s ${quote(value)}`;
    const { stdout } = await new Deno.Command("sh", {
      args: ["-c", `sh -c ${quote(inner)}`],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(stdout), value);
  }
});

Deno.test("quote: bytes that are not UTF-8 round-trip through sh", async () => {
  const value = Uint8Array.from([0xff, 0xfe, 0x27, 0x80, 0x0a, 0x20, 0x27, 0x27, 0xc3, 0x28, 0x5c]);
  const script = new Uint8Array([
    ...new TextEncoder().encode("printf %s "),
    ...quote(value),
    0x0a,
  ]);
  assert.deepEqual(await sh(script), value);
});

Deno.test("quote: a NUL byte is refused without echoing the value", () => {
  for (const value of ["secret\0value", new TextEncoder().encode("secret\0value")]) {
    assert.throws(
      () => quote(value as string),
      (error) =>
        error instanceof HostkitError && error.kind === "input" &&
        !error.message.includes("secret"),
    );
  }
});
