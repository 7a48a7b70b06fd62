/**
 * The test hosts themselves keep the contract of tests/integration/hosts.ts: booted, reachable
 * with the test key as root/alice/bob, sudo as promised, apt working, reset restoring them.
 */
import assert from "node:assert/strict";
import { resetHost, restartHost, sshExec, testHosts } from "./hosts.ts";

const hosts = await testHosts();

Deno.test("every host finished booting and answers over SSH as root", async () => {
  for (const host of hosts) {
    const r = await sshExec(host, host.users.root, "systemctl is-system-running");
    assert.match(r.stdout.trim(), /^(running|degraded)$/, `${host.name}: ${r.stdout}${r.stderr}`);
  }
});

Deno.test("alice and bob log in with the test key", async () => {
  for (const host of hosts) {
    for (const { user } of [host.users.withPassword, host.users.nopasswd]) {
      const r = await sshExec(host, user, "id -un");
      assert.equal(r.stdout.trim(), user, `${host.name} ${user}: ${r.stderr}`);
    }
  }
});

Deno.test("bob has sudo without a password", async () => {
  for (const host of hosts) {
    const r = await sshExec(host, host.users.nopasswd.user, "sudo -n true");
    assert.equal(r.code, 0, `${host.name}: ${r.stderr}`);
  }
});

Deno.test("alice needs her password for sudo, given on stdin", async () => {
  const { user, password } = hosts[0].users.withPassword;
  for (const host of hosts) {
    const refused = await sshExec(host, user, "sudo -n true");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /password is required/);
    const r = await sshExec(host, user, "sudo -S -p '' id -u", { stdin: `${password}\n` });
    assert.equal(r.stdout.trim(), "0", `${host.name}: ${r.stderr}`);
  }
});

Deno.test("sshd accepts passwords as well as keys", async () => {
  for (const host of hosts) {
    const r = await sshExec(host, host.users.root, "sshd -T");
    assert.match(r.stdout, /^passwordauthentication yes$/m, host.name);
    assert.match(r.stdout, /^pubkeyauthentication yes$/m, host.name);
  }
});

Deno.test("apt installs packages through the proxy", async () => {
  await Promise.all(hosts.map(async (host) => {
    const r = await sshExec(
      host,
      host.users.root,
      "apt-get install -y -q hello >/dev/null && hello",
    );
    assert.equal(r.stdout.trim(), "Hello, world!", `${host.name}: ${r.stderr}`);
  }));
});

// remote hosts are never reset
Deno.test({
  name: "resetHost discards changes and keeps the host reachable",
  ignore: hosts[0].backend === "remote",
}, async () => {
  const host = hosts[0];
  await sshExec(host, host.users.root, "touch /etc/hostkit-spoiled");
  const fresh = await resetHost(host.name);
  assert.equal(fresh.address, host.address);
  const r = await sshExec(fresh, fresh.users.root, "test -e /etc/hostkit-spoiled; echo $?");
  assert.equal(r.stdout.trim(), "1", `known_hosts still valid, file gone: ${r.stderr}`);
  assert.deepEqual((await testHosts()).find((h) => h.name === host.name), fresh);
  if (fresh.leaderPid && Deno.uid() === 0) {
    const out = await new Deno.Command("nsenter", {
      args: ["-t", String(fresh.leaderPid), "-a", "hostname"],
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), host.name);
  }
});

Deno.test({
  name: "a host that reboots is booted again with its changes (restartHost)",
  ignore: hosts[0]?.backend !== "nspawn",
  async fn() {
    const host = hosts.at(-1)!;
    const marker = `/var/lib/it-reboot-${crypto.randomUUID().slice(0, 8)}`;
    const before = await sshExec(
      host,
      "root",
      `touch ${marker} && cat /proc/sys/kernel/random/boot_id`,
    );
    assert.equal(before.code, 0, before.stderr);
    // The session may be cut by the shutdown: its exit code says nothing.
    await sshExec(host, "root", "systemctl reboot");
    const again = await restartHost(host.name);
    assert.notEqual(again.leaderPid, undefined);
    const after = await sshExec(
      again,
      "root",
      `test -e ${marker} && cat /proc/sys/kernel/random/boot_id`,
    );
    assert.equal(after.code, 0, `the marker survived the reboot: ${after.stderr}`);
    assert.notEqual(after.stdout.trim(), before.stdout.trim(), "a new boot");
    const state = await sshExec(again, "root", `rm -f ${marker}; systemctl is-system-running`);
    assert.match(state.stdout.trim(), /^(running|degraded)$/);
  },
});
