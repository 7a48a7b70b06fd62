import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { AuthSession, loadCredentials } from "../../src/transport/ssh_auth.ts";

const hasKeygen = await new Deno.Command("ssh-keygen", { args: ["-?"], stderr: "null" }).output()
  .then(() => true, () => false);

async function keygen(file: string, passphrase = ""): Promise<void> {
  const { code } = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", passphrase, "-f", file],
    stdin: "null",
  }).output();
  assert.equal(code, 0);
}

function inputError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof HostkitError, String(error));
    assert.equal(error.kind, "input");
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("pass-phrase"), "no passphrase in messages");
    return true;
  };
}

Deno.test({
  name: "loadCredentials: identity files, passphrases and clear errors",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await keygen(`${dir}/plain`);
      await keygen(`${dir}/encrypted`, "pass-phrase");
      const base = { user: "root", agent: false as const };
      const plain = await loadCredentials({ ...base, identityFile: `${dir}/plain` });
      assert.equal(plain.identities.length, 1);
      assert.equal(plain.identities[0].path, `${dir}/plain`);
      assert.equal(plain.agent, undefined);
      const decrypted = await loadCredentials({
        ...base,
        identityFile: `${dir}/encrypted`,
        identityPassphrase: "pass-phrase",
      });
      assert.equal(decrypted.identities[0].key.type, "ssh-ed25519");
      await assert.rejects(
        loadCredentials({ ...base, identityFile: `${dir}/missing` }),
        inputError(/missing: the file does not exist/),
      );
      await assert.rejects(
        loadCredentials({ ...base, identityFile: `${dir}/encrypted` }),
        inputError(/encrypted and no passphrase was given \(identityPassphrase\)/),
      );
      await assert.rejects(
        loadCredentials({ ...base, identityFile: `${dir}/encrypted`, identityPassphrase: "nope" }),
        inputError(/the passphrase does not decrypt it/),
      );
      await assert.rejects(
        loadCredentials({ ...base, identityFile: `${dir}/plain.pub` }),
        inputError(/public key/),
      );
      const agent = await loadCredentials({ user: "root", agent: "/tmp/agent.sock" });
      assert.equal(agent.agent, "/tmp/agent.sock");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Drives an AuthSession's handler the way ssh2 does and returns what it offered. */
function offers(session: AuthSession, serverMethods: string[], rounds: number): unknown[] {
  const offered: unknown[] = [];
  const next = (auth: unknown) => offered.push(auth);
  session.handler(null as never, false, next as never);
  for (let i = 0; i < rounds; i++) session.handler(serverMethods as never, false, next as never);
  return offered;
}

Deno.test("AuthSession offers none, then identity files, password, agent; skips what the server disallows", () => {
  const key = { type: "ssh-ed25519" } as never;
  const credentials = {
    user: "alice",
    identities: [{ path: "/k1", key }, { path: "/k2", key }],
    skipped: [],
    password: "pw-secret",
    agent: "/run/agent.sock",
  };
  const all = new AuthSession(credentials);
  all.hostKeyVerified = true; // as the host verifier sets it for a key known_hosts vouches for
  const offered = offers(all, ["publickey", "password"], 5) as Array<
    Record<string, unknown> | false
  >;
  assert.deepEqual(offered.map((o) => o === false ? false : o.type), [
    "none",
    "publickey",
    "publickey",
    "password",
    "agent",
    false,
  ]);
  assert.equal(all.exhausted, true);
  assert.deepEqual(all.tried, [
    "publickey /k1",
    "publickey /k2",
    "password",
    "agent /run/agent.sock",
  ]);

  const keyboardOnly = new AuthSession(credentials);
  keyboardOnly.hostKeyVerified = true;
  const kbd = offers(keyboardOnly, ["keyboard-interactive"], 2) as Array<
    Record<string, unknown> | false
  >;
  assert.deepEqual(kbd.map((o) => o === false ? false : o.type), [
    "none",
    "keyboard-interactive",
    false,
  ]);
  const answers: string[][] = [];
  ((kbd[1] as Record<string, unknown>).prompt as (...a: unknown[]) => void)(
    "",
    "",
    "",
    [{ prompt: "Password: " }],
    (a: string[]) => answers.push(a),
  );
  assert.deepEqual(answers, [["pw-secret"]]);
});

Deno.test("AuthSession.error lists what was tried and what the server allows, never secrets", () => {
  const session = new AuthSession({
    user: "alice",
    identities: [{ path: "/k1", key: {} as never }],
    skipped: [
      "/root/.ssh/id_rsa (it is encrypted and no passphrase was given (identityPassphrase))",
    ],
    password: "pw-secret",
  });
  session.hostKeyVerified = true;
  offers(session, ["publickey", "password"], 3);
  const error = session.error("ssh alice@h:22");
  assert.equal(error.kind, "auth");
  assert.match(error.message, /authentication failed for ssh alice@h:22/);
  assert.match(error.message, /accepted none of: publickey \/k1, password/);
  assert.match(error.message, /The server allows: publickey, password\./);
  assert.match(error.message, /Skipped identity file \/root\/\.ssh\/id_rsa/);
  assert.ok(!error.message.includes("pw-secret"));

  const empty = new AuthSession({ user: "bob", identities: [], skipped: [] });
  offers(empty, ["publickey"], 1);
  assert.match(empty.error("ssh bob@h:22").message, /No credentials were configured/);
});

Deno.test("AuthSession never offers the password to a host whose key was not verified", () => {
  const key = { type: "ssh-ed25519" } as never;
  const session = new AuthSession({
    user: "alice",
    identities: [{ path: "/k/id", key }],
    skipped: [],
    password: "s3cret-pw",
  });
  const offered = offers(session, ["publickey", "password", "keyboard-interactive"], 3);
  const types = offered.map((o) => o && typeof o === "object" ? (o as { type: string }).type : o);
  assert.deepEqual(types, ["none", "publickey", false, false]);
  assert.ok(!JSON.stringify(offered).includes("s3cret-pw"), "the password was offered");
  assert.equal(session.passwordWithheld, true);
  const error = session.error("ssh alice@10.0.0.5:22");
  assert.equal(error.kind, "hostKey");
  assert.match(error.message, /password was not sent: the host key is not in known_hosts/);
  assert.ok(!error.message.includes("s3cret-pw"));
});
