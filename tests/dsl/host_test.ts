import assert from "node:assert/strict";
import { project } from "../../src/dsl/project.ts";
import { secretEnv } from "../../src/model/secret.ts";

const SSH_DEFAULTS = { silentlyAcceptHosts: false, acceptNewHostKeys: false, knownHostsFiles: [] };

Deno.test("host: hostname, user, sudo, port and ssh options from the callback", () => {
  const spec = project("t", (p) =>
    p.host("prod", (h) => {
      h.hostname("host.example");
      h.user("root");
      h.sudo(true);
      h.port(2222);
      h.ssh({
        identityFile: "~/.ssh/id_ed25519",
        password: secretEnv("HOSTKIT_SSH_PASSWORD"),
        silentlyAcceptHosts: true,
      });
    }));
  const { origin, ...host } = spec.hosts[0];
  assert.match(origin!, /host_test\.ts:\d+$/);
  assert.deepEqual(host, {
    name: "prod",
    hostname: "host.example",
    user: "root",
    sudo: true,
    ssh: {
      ...SSH_DEFAULTS,
      port: 2222,
      identityFile: "~/.ssh/id_ed25519",
      password: { $secret: { env: "HOSTKIT_SSH_PASSWORD" } },
      silentlyAcceptHosts: true,
    },
  });
});

Deno.test("host: inline options, a callback after them, and the name as default hostname", () => {
  const spec = project("t", (p) => {
    p.host("bare");
    p.host("inline", { hostname: "10.0.0.5", user: "deploy", sudo: true }, (h) => h.sudo(false));
    p.host("ssh", {
      hostname: "10.0.0.6",
      ssh: {
        port: 2200,
        acceptNewHostKeys: true,
        knownHostsFiles: ["/etc/hostkit/known_hosts"],
        sudoPassword: secretEnv("SUDO_PW"),
        identityPassphrase: secretEnv("KEY_PW"),
        connectTimeoutMs: 3000,
        retry: { attempts: 2 },
      },
    });
  });
  const [bare, inline, ssh] = spec.hosts;
  assert.equal(bare.hostname, "bare");
  assert.equal(bare.sudo, false);
  assert.deepEqual(bare.ssh, SSH_DEFAULTS);
  assert.equal(inline.hostname, "10.0.0.5");
  assert.equal(inline.user, "deploy");
  assert.equal(inline.sudo, false);
  assert.deepEqual(ssh.ssh, {
    port: 2200,
    silentlyAcceptHosts: false,
    acceptNewHostKeys: true,
    knownHostsFiles: ["/etc/hostkit/known_hosts"],
    sudoPassword: { $secret: { env: "SUDO_PW" } },
    identityPassphrase: { $secret: { env: "KEY_PW" } },
    connectTimeoutMs: 3000,
    retry: { attempts: 2, baseDelayMs: 250, maxDelayMs: 5000 },
  });
});

Deno.test("host: the inline `port` option is the SSH port", () => {
  const spec = project("t", (p) => p.host("staging", { hostname: "10.0.0.7", port: 2222 }));
  assert.equal(spec.hosts[0].ssh.port, 2222);
  assert.ok(!("port" in spec.hosts[0]));
});

Deno.test("host: a password must be a secret reference, not a string", () => {
  assert.throws(
    () =>
      project(
        "t",
        (p) => p.host("prod", (h) => h.ssh({ password: "hunter2" as unknown as never })),
      ),
    (e: Error) => /host:prod/.test(e.message) && !e.message.includes("hunter2"),
  );
});
