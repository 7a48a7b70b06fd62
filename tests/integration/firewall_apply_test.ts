/**
 * The firewall kind on a real host, through the real CLI: a lock-out policy is refused at plan
 * and apply with nothing changed; `--nft-reload` loads only hostkit's table (a blocked port is
 * unreachable from another container, an allowed one answers, another table stays) and keeps
 * it across a reboot; a ruleset the host's `nft -c` refuses leaves the old file and ruleset;
 * down removes the table, the file and the unit; a ruleset only written (never loaded) does
 * not go live at boot.
 */
import assert from "node:assert/strict";
import { restartHost, sshExec, type TestHost, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const hosts = await testHosts();

async function root(host: TestHost, command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${host.name}: ${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** What `other` gets when it connects to `host:port` (bash's /dev/tcp, 3 s at most). */
async function reach(other: TestHost, host: TestHost, port: number): Promise<string> {
  const r = await sshExec(
    other,
    "root",
    `timeout 3 bash -c 'exec 3<>/dev/tcp/${host.address}/${port} && head -n 1 <&3' 2>/dev/null || echo unreachable`,
  );
  return r.stdout.trim();
}

const FILE = "/etc/nftables.d/hostkit.nft";
const UNIT = "hostkit-firewall.service";

/** The host's firewall as hostkit leaves it: file hash, table present, unit state. */
async function firewallState(host: TestHost): Promise<string> {
  return await root(
    host,
    `if [ -f ${FILE} ]; then sha256sum < ${FILE} | cut -c1-64; else echo no-file; fi; ` +
      `nft list table inet hostkit >/dev/null 2>&1 && echo table || echo no-table; ` +
      `systemctl is-enabled ${UNIT} 2>/dev/null || :`,
  );
}

async function listeners(host: TestHost, tag: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    await root(
      host,
      `systemctl stop it-fwa-${tag}-${port} 2>/dev/null; systemd-run --quiet --unit it-fwa-${tag}-${port} ` +
        `/usr/bin/systemd-socket-activate --inetd -a -l 0.0.0.0:${port} /bin/echo port-${port}-answers`,
    );
  }
}

/** Powers the container off and boots it again, keeping its files (a reboot). */
async function reboot(host: TestHost): Promise<TestHost> {
  // The connection may drop before ssh hears back: its exit code says nothing here.
  await sshExec(host, "root", "systemctl poweroff");
  return await restartHost(host.name);
}

function policy(lines: string[]): string {
  return `  p.firewall((f) => {\n${lines.map((l) => `    ${l}\n`).join("")}  });`;
}

Deno.test({
  name: "firewall apply: lock-out refused, --nft-reload, reboot, nft -c failure, down, unloaded",
  ignore: hosts.length < 2,
  sanitizeResources: false,
  async fn() {
    let [host, other] = hosts;
    const tag = crypto.randomUUID().slice(0, 8);
    const base = 30000 + (parseInt(tag.slice(0, 4), 16) % 10000) * 2;
    const [allowed, blocked] = [base, base + 1];
    // Where the host sees hostkit (this machine) coming from.
    const me = (await root(host, "echo $SSH_CONNECTION")).split(" ")[0];
    await root(
      host,
      `nft delete table inet hostkit 2>/dev/null; rm -f ${FILE}; ` +
        `systemctl disable ${UNIT} 2>/dev/null; rm -f /etc/systemd/system/${UNIT} /var/lib/hostkit/firewall/hostkit.nft; ` +
        // Another table on the host, which hostkit must leave alone.
        "nft add table inet other_t && nft add chain inet other_t c",
    );
    await listeners(host, tag, [allowed, blocked]);
    try {
      assert.equal(await reach(other, host, blocked), `port-${blocked}-answers`);

      // 1. A policy that blocks this machine's SSH: refused at plan and at apply, exit 7.
      const lockout = await writeConfig(
        host,
        policy([`f.allow({ tcp: ${host.port}, from: "${other.address}" });`, `f.deny("all");`]),
      );
      const before = await firewallState(host);
      const refusedPlan = await hostkit(["plan", lockout, "--host", "it", "--nft-reload"]);
      assert.equal(refusedPlan.code, 7, refusedPlan.stdout + refusedPlan.stderr);
      assert.match(
        refusedPlan.stderr,
        new RegExp(`port ${host.port} from ${me.replaceAll(".", "\\.")}`),
      );
      assert.match(refusedPlan.stderr, /the default \(deny all\)/);
      const refusedApply = await hostkit([
        "apply",
        lockout,
        "--host",
        "it",
        "--nft-reload",
        "--confirm",
      ]);
      assert.equal(refusedApply.code, 7, refusedApply.stdout + refusedApply.stderr);
      // Under sudo (which clears SSH_CONNECTION) the probe still finds the address.
      const viaSudo = await writeConfig(
        host,
        policy([`f.allow({ tcp: ${host.port}, from: "${other.address}" });`, `f.deny("all");`]),
        { user: host.users.nopasswd.user, sudo: true },
      );
      const refusedSudo = await hostkit(["plan", viaSudo, "--host", "it", "--nft-reload"]);
      assert.equal(refusedSudo.code, 7, refusedSudo.stdout + refusedSudo.stderr);
      assert.match(refusedSudo.stderr, new RegExp(`from ${me.replaceAll(".", "\\.")},`));
      assert.equal(await firewallState(host), before);
      assert.equal(before, "no-file\nno-table");

      // 2. Loaded with --nft-reload from a saved plan.
      const good = await writeConfig(
        host,
        policy([
          `f.allow({ tcp: ${host.port}, from: "any" });`,
          `f.allow({ tcp: ${allowed}, from: "${other.address}" });`,
          `f.deny("all");`,
        ]),
      );
      const dir = good.slice(0, good.lastIndexOf("/"));
      const upFile = `${dir}/up.json`;
      const planned = await hostkit([
        "plan",
        good,
        "--host",
        "it",
        "--nft-reload",
        "--out",
        upFile,
      ]);
      assert.equal(planned.code, 0, planned.stdout + planned.stderr);
      assert.match(planned.stdout, /implicit: accept established,related/);
      assert.match(planned.stdout, /then load table inet hostkit \(only it\)/);
      // 1b. The host checks again before anything changes: a plan whose policy (as if planned
      // from elsewhere) drops this machine is refused by the program's first step.
      const elsewhere = JSON.parse(await Deno.readTextFile(upFile));
      const fw = elsewhere.hosts[0].changes.find((c: { id: string }) =>
        c.id === `firewall:${FILE}`
      );
      fw.resource.policy.rules[0].from = [`${other.address}/32`];
      await Deno.writeTextFile(`${dir}/elsewhere.json`, JSON.stringify(elsewhere));
      const guarded = await hostkit([
        "apply",
        "--plan",
        `${dir}/elsewhere.json`,
        good,
        "--confirm",
      ]);
      // Exit 7 (a lock-out), as the plan's refusal, not a failed step's 3.
      assert.equal(guarded.code, 7, guarded.stdout + guarded.stderr);
      assert.match(guarded.stderr, /REFUSED on the host by "firewall: lock-out check"/);
      assert.doesNotMatch(guarded.stderr, /FAILED at/);
      assert.match(
        guarded.stderr,
        new RegExp(
          `lock-out: the default \\(deny all\\) would drop new SSH connections to port ${host.port} from ${
            me.replaceAll(".", "\\.")
          }`,
        ),
      );
      assert.equal(await firewallState(host), "no-file\nno-table");
      const applied = await hostkit(["apply", "--plan", upFile, good, "--confirm"]);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.equal(await reach(other, host, allowed), `port-${allowed}-answers`);
      assert.equal(await reach(other, host, blocked), "unreachable");
      assert.match(await firewallState(host), /^[0-9a-f]{64}\ntable\nenabled$/);
      await root(host, "nft list table inet other_t >/dev/null");
      const loaded = await firewallState(host);
      const again = await hostkit(["plan", good, "--host", "it", "--nft-reload"]);
      assert.match(again.stdout, /0 to create, 0 to update/);

      // 3. It survives a reboot (the unit loads the confirmed copy).
      host = await reboot(host);
      await listeners(host, tag, [allowed, blocked]);
      assert.equal(await firewallState(host), loaded);
      assert.equal(await reach(other, host, allowed), `port-${allowed}-answers`);
      assert.equal(await reach(other, host, blocked), "unreachable");
      // The other table was not persistent: make it again for the down below to leave alone.
      await root(host, "nft add table inet other_t && nft add chain inet other_t c");

      // 4. A ruleset the host's nft refuses: the old file and the loaded table stay.
      const changed = await writeConfig(
        host,
        policy([
          `f.allow({ tcp: ${host.port}, from: "any" });`,
          `f.allow({ tcp: [${allowed}, ${blocked}], from: "${other.address}" });`,
          `f.deny("all");`,
        ]),
      );
      const badFile = `${dir}/bad.json`;
      const badPlan = await hostkit([
        "plan",
        changed,
        "--host",
        "it",
        "--nft-reload",
        "--out",
        badFile,
      ]);
      assert.equal(badPlan.code, 0, badPlan.stdout + badPlan.stderr);
      const artifact = JSON.parse(await Deno.readTextFile(badFile));
      const change = artifact.hosts[0].changes.find((c: { id: string }) =>
        c.id === `firewall:${FILE}`
      );
      change.after.content.text = change.after.content.text.replace(
        "policy drop;",
        "policy drop;\n    tcp dport 1 no-such-verdict",
      );
      await Deno.writeTextFile(badFile, JSON.stringify(artifact));
      const broken = await hostkit(["apply", "--plan", badFile, changed, "--confirm"]);
      assert.equal(broken.code, 3, broken.stdout + broken.stderr);
      assert.match(broken.stdout + broken.stderr, /no-such-verdict/);
      assert.equal(await firewallState(host), loaded);
      assert.equal(await reach(other, host, blocked), "unreachable");

      // 5. Down of the created firewall: table, file and unit go; the other table stays.
      const downFile = `${dir}/down.json`;
      const downPlan = await hostkit(["down", upFile, "--out", downFile]);
      assert.equal(downPlan.code, 0, downPlan.stdout + downPlan.stderr);
      const downed = await hostkit(["apply", "--plan", downFile, good, "--confirm"]);
      assert.equal(downed.code, 0, downed.stdout + downed.stderr);
      assert.equal(await firewallState(host), "no-file\nno-table");
      assert.equal(
        await root(host, `test -e /etc/systemd/system/${UNIT} && echo unit || echo none`),
        "none",
      );
      await root(host, "nft list table inet other_t >/dev/null");
      assert.equal(await reach(other, host, blocked), `port-${blocked}-answers`);

      // 6. Written without --nft-reload: not loaded now, and not at the next boot either.
      const written = await hostkit(["apply", good, "--host", "it", "--confirm"]);
      assert.equal(written.code, 0, written.stdout + written.stderr);
      assert.match(await firewallState(host), /^[0-9a-f]{64}\nno-table$/);
      host = await reboot(host);
      await listeners(host, tag, [allowed, blocked]);
      assert.match(await firewallState(host), /^[0-9a-f]{64}\nno-table$/);
      assert.equal(await reach(other, host, blocked), `port-${blocked}-answers`);
    } finally {
      await root(
        host,
        `nft delete table inet hostkit 2>/dev/null; nft delete table inet other_t 2>/dev/null; ` +
          `rm -f ${FILE} /var/lib/hostkit/firewall/hostkit.nft; systemctl disable ${UNIT} 2>/dev/null; ` +
          `rm -f /etc/systemd/system/${UNIT}; systemctl daemon-reload; ` +
          `systemctl stop it-fwa-${tag}-${allowed} it-fwa-${tag}-${blocked} 2>/dev/null || :`,
      );
    }
  },
});
