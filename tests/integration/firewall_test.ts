/**
 * A rendered firewall on a real host: loaded with `nft -f` inside a container's own network
 * namespace, a port the policy blocks is unreachable from another container, an allowed one
 * answers, and SSH keeps working.
 */
import assert from "node:assert/strict";
import { firewallPolicy } from "../../src/dsl/firewall.ts";
import { wouldLockOut } from "../../src/model/firewall.ts";
import { renderNftables } from "../../src/render/nftables.ts";
import { sshExec, type TestHost, testHosts } from "./hosts.ts";

const hosts = await testHosts();

async function root(host: TestHost, command: string, stdin?: string): Promise<string> {
  const r = await sshExec(host, "root", command, { stdin });
  assert.equal(r.code, 0, `${host.name}: ${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** What `other` gets when it connects to `host:port` (bash's /dev/tcp, 3 s at most). */
async function probe(other: TestHost, host: TestHost, port: number): Promise<string> {
  const r = await sshExec(
    other,
    "root",
    `timeout 3 bash -c 'exec 3<>/dev/tcp/${host.address}/${port} && head -n 1 <&3' 2>/dev/null || echo unreachable`,
  );
  return r.stdout.trim();
}

Deno.test({
  name: "firewall: a blocked port is unreachable from another container, an allowed one answers",
  ignore: hosts.length < 2,
  async fn() {
    const [host, other] = hosts;
    const tag = crypto.randomUUID().slice(0, 8);
    const base = 30000 + (parseInt(tag.slice(0, 4), 16) % 10000) * 2;
    const [allowed, blocked] = [base, base + 1];
    for (const port of [allowed, blocked]) {
      await root(
        host,
        `systemd-run --quiet --unit it-fw-${tag}-${port} /usr/bin/systemd-socket-activate ` +
          `--inetd -a -l 0.0.0.0:${port} /bin/echo port-${port}-answers`,
      );
    }
    const policy = firewallPolicy((f) => {
      f.allow({ tcp: host.port, from: "any" });
      f.allow({ tcp: allowed, from: [other.address] });
      f.deny("all");
    });
    assert.equal(wouldLockOut(policy, host.port, other.address), false);
    const ruleset = renderNftables(policy, { project: "it" });
    try {
      // Before: both answer, so "unreachable" below is the firewall's doing.
      assert.equal(await probe(other, host, allowed), `port-${allowed}-answers`);
      assert.equal(await probe(other, host, blocked), `port-${blocked}-answers`);

      await root(
        host,
        `cat > /tmp/it-fw-${tag}.nft && nft -c -f /tmp/it-fw-${tag}.nft && nft -f /tmp/it-fw-${tag}.nft`,
        ruleset,
      );
      assert.match(await root(host, "nft list table inet hostkit"), /policy drop/);
      assert.equal(await probe(other, host, allowed), `port-${allowed}-answers`);
      assert.equal(await probe(other, host, blocked), "unreachable");
      // A new SSH connection still gets in (the SSH port is allowed), and the host itself still
      // reaches its own blocked port over loopback (implicit rule).
      assert.equal(await root(host, "echo still-in"), "still-in");
      assert.equal(
        await root(
          host,
          `timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${blocked} && head -n 1 <&3'`,
        ),
        `port-${blocked}-answers`,
      );
    } finally {
      await root(
        host,
        `nft delete table inet hostkit 2>/dev/null; rm -f /tmp/it-fw-${tag}.nft; ` +
          `systemctl stop it-fw-${tag}-${allowed} it-fw-${tag}-${blocked} 2>/dev/null || :`,
      );
    }
  },
});
