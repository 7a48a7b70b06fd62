import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { HostkitError } from "../../src/errors.ts";
import {
  addKnownHost,
  fingerprint,
  type HostKey,
  hostKeyFromBlob,
  keyTypeLabel,
  knownHostName,
  lookupHostKey,
  matchesHost,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  readKnownHosts,
  verifyHostKey,
} from "../../src/transport/known_hosts.ts";

const hasKeygen = await new Deno.Command("ssh-keygen", { args: ["-?"], stderr: "null" }).output()
  .then(() => true, () => false);

async function run(command: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args, stdin: "null" })
    .output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Fresh public keys made by ssh-keygen: `{ line, key }` per type. */
async function makeKeys(dir: string, types: string[], prefix = "") {
  const keys: Record<string, { line: string; key: HostKey; file: string }> = {};
  for (const type of types) {
    const file = `${dir}/${prefix}${type}`;
    const extra = type === "rsa" ? ["-b", "2048"] : [];
    await run("ssh-keygen", ["-q", "-t", type, ...extra, "-N", "", "-C", "test", "-f", file]);
    const line = (await Deno.readTextFile(`${file}.pub`)).trim();
    keys[type] = { line, key: hostKeyFromBlob(decode(line.split(" ")[1])), file: `${file}.pub` };
  }
  return keys;
}

/** A hashed host field as OpenSSH writes it: `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. */
function hashed(name: string, salt = randomBytes(20)): string {
  const hash = createHmac("sha1", salt).update(name).digest("base64");
  return `|1|${salt.toString("base64")}|${hash}`;
}

Deno.test({
  name: "fingerprint and key type match `ssh-keygen -lf`",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const keys = await makeKeys(dir, ["ed25519", "rsa", "ecdsa"]);
      for (const { key, file } of Object.values(keys)) {
        // e.g. "256 SHA256:Xc4t... test (ED25519)"
        const [, expected, , label] = (await run("ssh-keygen", ["-lf", file])).trim().split(" ");
        assert.equal(fingerprint(key.blob), expected);
        assert.equal(`(${keyTypeLabel(key.type)})`, label);
      }
      assert.equal(keys.ed25519.key.type, "ssh-ed25519");
      assert.equal(keys.rsa.key.type, "ssh-rsa");
      assert.equal(keys.ecdsa.key.type, "ecdsa-sha2-nistp256");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("hostKeyFromBlob refuses a malformed blob", () => {
  assert.throws(() => hostKeyFromBlob(new Uint8Array([0, 0])), HostkitError);
  assert.throws(() => hostKeyFromBlob(new Uint8Array([0, 0, 0, 9, 1])), HostkitError);
});

Deno.test("knownHostName: port 22 is bare, others are [host]:port, lowercased", () => {
  assert.equal(knownHostName("Example.ORG", 22), "example.org");
  assert.equal(knownHostName("10.0.0.5", 2222), "[10.0.0.5]:2222");
});

Deno.test("parseKnownHosts: comments, blank lines, markers and malformed lines", () => {
  const text = [
    "# a comment",
    "",
    "   ",
    "web,10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0 comment words",
    "@revoked * ssh-rsa AAAAB3NzaC1yc2EAAAAD",
    "@cert-authority *.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",
    "@unknown-marker host ssh-ed25519 AAAA",
    "only-two-fields ssh-ed25519",
    "bad-base64 ssh-ed25519 !!!notbase64",
    "\t[db]:2222\tecdsa-sha2-nistp256\tAAAAE2VjZHNh",
  ].join("\n");
  const entries = parseKnownHosts(text, "/k");
  assert.deepEqual(
    entries.map((e) => [e.line, e.marker, e.hosts, e.type]),
    [
      [4, undefined, "web,10.0.0.5", "ssh-ed25519"],
      [5, "revoked", "*", "ssh-rsa"],
      [6, "cert-authority", "*.example.org", "ssh-ed25519"],
      [10, undefined, "[db]:2222", "ecdsa-sha2-nistp256"],
    ],
  );
  assert.equal(entries[0].file, "/k");
});

Deno.test("matchesHost: plain names, comma lists, ports, wildcards, negation, case", () => {
  assert.ok(matchesHost("web,10.0.0.5", "10.0.0.5"));
  assert.ok(matchesHost("web,10.0.0.5", "web"));
  assert.ok(!matchesHost("web,10.0.0.5", "web2"));
  assert.ok(matchesHost("[10.0.0.5]:2222", "[10.0.0.5]:2222"));
  assert.ok(!matchesHost("[10.0.0.5]:2222", "10.0.0.5"), "another port is another host");
  assert.ok(!matchesHost("10.0.0.5", "[10.0.0.5]:2222"), "a bare name is port 22 only");
  assert.ok(matchesHost("*.example.org", "web.example.org"));
  assert.ok(!matchesHost("*.example.org", "example.org"));
  assert.ok(matchesHost("10.0.0.?", "10.0.0.7"));
  assert.ok(!matchesHost("10.0.0.?", "10.0.0.17"));
  assert.ok(matchesHost("[*.example.org]:*", "[web.example.org]:2222"));
  assert.ok(!matchesHost("*.example.org,!bad.example.org", "bad.example.org"));
  assert.ok(matchesHost("*.example.org,!bad.example.org", "good.example.org"));
  assert.ok(!matchesHost("!web", "web"), "a negation alone never matches");
  assert.ok(matchesHost("Web.Example.ORG", "web.example.org"));
  assert.ok(!matchesHost("a.b", "axb"), "dots are literal");
});

Deno.test("matchesHost: hashed entries (HMAC-SHA1 with the entry's salt)", () => {
  assert.ok(matchesHost(hashed("10.0.0.5"), "10.0.0.5"));
  assert.ok(matchesHost(hashed("[10.0.0.5]:2222"), "[10.0.0.5]:2222"));
  assert.ok(!matchesHost(hashed("[10.0.0.5]:2222"), "10.0.0.5"));
  assert.ok(!matchesHost(hashed("10.0.0.5"), "10.0.0.6"));
  assert.ok(!matchesHost("|1|not base64!|x", "10.0.0.5"));
  assert.ok(!matchesHost("|1|", "10.0.0.5"));
});

Deno.test({
  name: "matchesHost agrees with files hashed by `ssh-keygen -H`",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519 } = await makeKeys(dir, ["ed25519"]);
      const file = `${dir}/known_hosts`;
      const [type, base64] = ed25519.line.split(" ");
      await Deno.writeTextFile(
        file,
        `web.example.org ${type} ${base64}\n[10.0.0.5]:2222 ${type} ${base64}\n`,
      );
      await run("ssh-keygen", ["-q", "-H", "-f", file]);
      const entries = readKnownHosts([file]);
      assert.equal(entries.length, 2);
      assert.ok(entries.every((e) => e.hosts.startsWith("|1|")));
      const names = ["web.example.org", "[10.0.0.5]:2222", "10.0.0.5", "example.org"];
      assert.deepEqual(
        names.map((name) => entries.some((e) => matchesHost(e.hosts, name))),
        [true, true, false, false],
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "lookupHostKey: known, changed (with file:line), revoked, unknown, cert-authority ignored",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519, rsa, ecdsa } = await makeKeys(dir, ["ed25519", "rsa", "ecdsa"]);
      const other = (await makeKeys(dir, ["ed25519"], "other-")).ed25519;
      const field = (k: { line: string }) => k.line.split(" ").slice(0, 2).join(" ");
      const text = [
        `# hosts`,
        `${hashed("a.example.org")} ${field(ed25519)}`,
        `b.example.org ${field(other)}`,
        `b.example.org ${field(rsa)}`,
        `@revoked * ${field(ecdsa)}`,
        `@cert-authority * ${field(other)}`,
      ].join("\n");
      const entries = parseKnownHosts(text, "/kh");
      assert.equal(lookupHostKey(entries, "a.example.org", ed25519.key).status, "known");
      const changed = lookupHostKey(entries, "b.example.org", ed25519.key);
      assert.equal(changed.status, "changed");
      assert.equal(changed.status === "changed" && changed.entry.line, 3);
      assert.equal(lookupHostKey(entries, "b.example.org", other.key).status, "known");
      assert.equal(lookupHostKey(entries, "c.example.org", ecdsa.key).status, "revoked");
      const unknown = lookupHostKey(entries, "c.example.org", other.key);
      assert.deepEqual(unknown, { status: "unknown", knownTypes: [] }, "cert-authority ignored");
      const otherType = lookupHostKey(entries, "a.example.org", rsa.key);
      assert.deepEqual(otherType, { status: "unknown", knownTypes: ["ssh-ed25519"] });
      // A stale line does not matter when another line vouches for the key (as in OpenSSH).
      const both = parseKnownHosts(`h ${field(other)}\nh ${field(ed25519)}\n`, "/kh");
      assert.equal(lookupHostKey(both, "h", ed25519.key).status, "known");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("preferredHostKeyAlgorithms expands ssh-rsa to its signature algorithms", () => {
  assert.deepEqual(preferredHostKeyAlgorithms(["ssh-ed25519", "ssh-rsa"]), [
    "ssh-ed25519",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
  ]);
});

Deno.test({
  name: "verifyHostKey: strict refuses an unknown host with its fingerprint and the fix",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519 } = await makeKeys(dir, ["ed25519"]);
      const file = `${dir}/known_hosts`;
      const expected = (await run("ssh-keygen", ["-lf", ed25519.file])).split(" ")[1];
      const error = catchError(() =>
        verifyHostKey({
          host: "10.0.0.5",
          port: 2222,
          key: ed25519.key,
          policy: "strict",
          files: [file],
          writeFile: file,
        })
      );
      assert.equal(error.kind, "hostKey");
      assert.match(error.message, /unknown host key for \[10\.0\.0\.5\]:2222/);
      assert.ok(error.message.includes(`ED25519 key ${expected}`), error.message);
      assert.ok(
        error.message.includes(`ssh-keyscan -p 2222 -t ed25519 10.0.0.5 >> ${file}`),
        error.message,
      );
      assert.match(error.message, /--accept-new-host-key/);
      await assert.rejects(Deno.stat(file), Deno.errors.NotFound, "strict writes nothing");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "verifyHostKey: accept-new records the key once; a changed key stays refused",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519 } = await makeKeys(dir, ["ed25519"]);
      const { ed25519: other } = await makeKeys(dir, ["ed25519"], "other-");
      const file = `${dir}/sub/known_hosts`;
      const options = { host: "10.0.0.5", port: 2222, files: [file], writeFile: file };
      verifyHostKey({ ...options, key: ed25519.key, policy: "accept-new" });
      verifyHostKey({ ...options, key: ed25519.key, policy: "accept-new" });
      const [type, base64] = ed25519.line.split(" ");
      assert.equal(await Deno.readTextFile(file), `[10.0.0.5]:2222 ${type} ${base64}\n`);
      verifyHostKey({ ...options, key: ed25519.key, policy: "strict" });

      const error = catchError(() =>
        verifyHostKey({ ...options, key: other.key, policy: "accept-new" })
      );
      assert.equal(error.kind, "hostKey");
      assert.match(error.message, /HOST KEY CHANGED for \[10\.0\.0\.5\]:2222/);
      assert.ok(error.message.includes(`${file}:1`), error.message);
      assert.ok(error.message.includes(fingerprint(other.key.blob)));
      assert.ok(error.message.includes(fingerprint(ed25519.key.blob)));
      assert.ok(error.message.includes(`ssh-keygen -R '[10.0.0.5]:2222' -f ${file}`));
      assert.equal((await Deno.readTextFile(file)).split("\n").length, 2, "nothing appended");

      verifyHostKey({ ...options, key: other.key, policy: "accept-any" });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "verifyHostKey: a revoked key is refused under every policy but accept-any",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519 } = await makeKeys(dir, ["ed25519"]);
      const file = `${dir}/known_hosts`;
      const [type, base64] = ed25519.line.split(" ");
      await Deno.writeTextFile(file, `h ${type} ${base64}\n@revoked * ${type} ${base64}\n`);
      for (const policy of ["strict", "accept-new"] as const) {
        const error = catchError(() =>
          verifyHostKey({ host: "h", port: 22, key: ed25519.key, policy, files: [file] })
        );
        assert.match(error.message, /REVOKED/);
        assert.ok(error.message.includes(`${file}:2`));
      }
      verifyHostKey({ host: "h", port: 22, key: ed25519.key, policy: "accept-any", files: [file] });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "addKnownHost: adds a missing final newline and reports the new line number",
  ignore: !hasKeygen,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { ed25519 } = await makeKeys(dir, ["ed25519"]);
      const file = `${dir}/known_hosts`;
      await Deno.writeTextFile(file, "# first\nother ssh-ed25519 AAAAC3NzaC1lZDI1NTE5");
      const result = addKnownHost(file, "h", ed25519.key);
      assert.equal(result.status, "known");
      assert.equal(result.status === "known" && result.entry.line, 3);
      const lines = (await Deno.readTextFile(file)).split("\n");
      assert.equal(lines[2], `h ${ed25519.line.split(" ").slice(0, 2).join(" ")}`);
      assert.equal(lookupHostKey(readKnownHosts([file]), "h", ed25519.key).status, "known");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function catchError(fn: () => void): HostkitError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HostkitError, String(error));
    return error;
  }
  assert.fail("expected a HostkitError");
}
