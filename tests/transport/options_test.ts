import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { expandHome, parseSshOptions } from "../../src/transport/options.ts";

Deno.test("parseSshOptions fills in defaults", () => {
  const options = parseSshOptions({ host: "10.0.0.5", user: "root" });
  assert.equal(options.port, 22);
  assert.equal(options.sudo, false);
  assert.equal(options.hostKeyPolicy, "strict");
  assert.equal(options.userKnownHostsFile, "~/.ssh/known_hosts");
  assert.deepEqual(options.knownHostsFiles, []);
  assert.deepEqual(options.retry, { attempts: 3, baseDelayMs: 250, maxDelayMs: 4000 });
  assert.equal(options.connectTimeoutMs, 20_000);
  assert.equal(options.keepaliveIntervalMs, 15_000);
  assert.equal(options.agent, undefined);
  assert.deepEqual(parseSshOptions({ host: "h", user: "u", retry: { attempts: 1 } }).retry, {
    attempts: 1,
    baseDelayMs: 250,
    maxDelayMs: 4000,
  });
});

Deno.test("parseSshOptions: errors name the field, never a secret's value", () => {
  const input = {
    host: "h",
    user: "u",
    port: 70000,
    password: "hunter2-secret",
    sudoPassword: "sudo-secret",
    hostKeyPolicy: "yolo",
    agent: true,
    typo: 1,
  };
  assert.throws(
    () => parseSshOptions(input as never),
    (error) => {
      assert.ok(error instanceof HostkitError);
      assert.equal(error.kind, "usage");
      for (const field of ["port", "hostKeyPolicy", "agent", "typo"]) {
        assert.ok(error.message.includes(field), `${field} in ${error.message}`);
      }
      assert.ok(!error.message.includes("hunter2") && !error.message.includes("sudo-secret"));
      return true;
    },
  );
});

Deno.test("expandHome expands only a leading ~/", () => {
  const home = Deno.env.get("HOME");
  assert.equal(expandHome("~/.ssh/id_ed25519"), `${home}/.ssh/id_ed25519`);
  assert.equal(expandHome("/etc/ssh/ssh_known_hosts"), "/etc/ssh/ssh_known_hosts");
  assert.equal(expandHome("~other/x"), "~other/x");
});
