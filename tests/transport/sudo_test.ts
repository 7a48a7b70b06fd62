import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { passwordLine, probeSudo, type RawRun, sudoCommand } from "../../src/transport/sudo.ts";
import type { RunResult, Stdin } from "../../src/transport/target.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("sudoCommand wraps the command in sh -c, under sudo when asked", () => {
  assert.equal(sudoCommand("id -u", "none"), "exec sh -c 'id -u'");
  assert.equal(sudoCommand("id -u", "nopasswd"), "exec sudo -n sh -c 'id -u'");
  assert.equal(sudoCommand("id -u", "password"), "exec sudo -k -S -p '' sh -c 'id -u'");
});

Deno.test("sudoCommand: the command reaches sh intact (run through a real login-shell-like sh)", async () => {
  const command = `printf '%s|' "it's" "$((1+2))" 'a
b'`;
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", sudoCommand(command, "none")],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(stdout), "it's|3|a\nb|");
});

Deno.test("passwordLine is the password plus a newline; a line break in it is refused", () => {
  assert.deepEqual(passwordLine("s3cret"), encode("s3cret\n"));
  assert.throws(
    () => passwordLine("two\nlines"),
    (e) => e instanceof HostkitError && e.kind === "input" && !e.message.includes("two"),
  );
});

/** A fake host: answers the probe with fixed output and records what it was sent. */
function fakeRun(result: Partial<RunResult>, seen: { command?: string; stdin?: Stdin }): RawRun {
  return (command, stdin) => {
    seen.command = command;
    seen.stdin = stdin;
    return Promise.resolve({
      code: 0,
      stdout: new Uint8Array(),
      stderr: new Uint8Array(),
      ...result,
    });
  };
}

Deno.test("probeSudo: modes, and the password only ever travels on stdin", async () => {
  const seen: { command?: string; stdin?: Stdin } = {};
  const host = "ssh alice@h:22";
  const ok = (text: string) => fakeRun({ stdout: encode(`${text}\n`) }, seen);
  assert.equal(await probeSudo(ok("none"), { user: "root", host }), "none");
  assert.equal(await probeSudo(ok("nopasswd"), { user: "bob", host }), "nopasswd");
  assert.equal(seen.stdin, undefined);
  assert.equal(
    await probeSudo(ok("password"), { user: "alice", host, password: "pw-123" }),
    "password",
  );
  assert.ok(!seen.command!.includes("pw-123"));
  assert.deepEqual(seen.stdin, encode("pw-123\n"));
  assert.equal(
    await probeSudo(ok("nopasswd"), { user: "bob", host, password: "pw-123" }),
    "nopasswd",
    "a NOPASSWD host never gets the password on later commands",
  );
});

Deno.test("probeSudo: clear auth errors", async () => {
  const seen = {};
  const host = "ssh alice@h:22";
  const refused = fakeRun({
    code: 1,
    stderr: encode("Sorry, try again.\nsudo: 1 incorrect password attempt\n"),
  }, seen);
  await assert.rejects(
    probeSudo(refused, { user: "alice", host, password: "wrong-pw" }),
    (e) => {
      assert.ok(e instanceof HostkitError);
      assert.equal(e.kind, "auth");
      assert.match(e.message, /sudo refused the password for alice on ssh alice@h:22/);
      assert.match(e.message, /1 incorrect password attempt/);
      assert.ok(!e.message.includes("wrong-pw"));
      return true;
    },
  );
  const needsPassword = fakeRun(
    { code: 1, stderr: encode("sudo: a password is required\n") },
    seen,
  );
  await assert.rejects(
    probeSudo(needsPassword, { user: "bob", host }),
    /sudo refused to run commands for bob .* without a password \(sudo said: sudo: a password is required\)/,
  );
  await assert.rejects(
    probeSudo(fakeRun({ code: 127 }, seen), { user: "bob", host }),
    /sudo is not installed/,
  );
});
