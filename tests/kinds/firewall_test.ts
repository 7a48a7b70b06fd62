/**
 * The firewall kind: one resource per host from the project's or the host's policy, the
 * lock-out refusal at plan time (hostile, IPv6, mapped and zoned addresses), the host-side
 * check agreeing with the planner's, plan text with the implicit rules, and the steps a
 * reload, a down of a created firewall and a restore compile to.
 */
import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { project } from "../../src/dsl/mod.ts";
import { firewallPolicy } from "../../src/dsl/firewall.ts";
import {
  FIREWALL_LIB,
  firewallReloadIn,
  firewallResource,
  guardRules,
  parseSshConnection,
} from "../../src/kinds/firewall_host.ts";
import { sshVerdict } from "../../src/model/firewall.ts";
import type { FirewallResource } from "../../src/model/resource.ts";
import { parseProbe } from "../../src/facts/parse.ts";
import { probeScript } from "../../src/facts/probe.ts";
import { buildChanges, desiredStates } from "../../src/plan/build.ts";
import { formatPlan, plan } from "../../src/plan/mod.ts";
import { compileProgram } from "../../src/apply/program.ts";
import { down } from "../../src/down/mod.ts";
import { hostPlan, upPlan } from "../apply/fixtures.ts";

const HOST = "host\tos\tdebian 12\nhost\tpm\tapt\nhost\tsystemd\tyes\nhost\tmachine\tabc\n";

function resourceOf(
  body: Parameters<typeof firewallPolicy>[0],
  options: { reload?: boolean; connection?: "ssh" | "local" } = {},
): FirewallResource {
  const policy = firewallPolicy(body);
  return firewallResource({ firewall: policy, hosts: [] }, "prod", {
    reload: options.reload ?? true,
    connection: options.connection ?? "ssh",
  })!;
}

function changesFor(r: FirewallResource, lines: string[]) {
  const facts = parseProbe(HOST + lines.map((l) => `0\t${l}\n`).join(""), [r]);
  return buildChanges([r], desiredStates([r], () => new Uint8Array()), facts);
}

const SSH_ONLY_FROM_OFFICE = (f: Parameters<Parameters<typeof firewallPolicy>[0]>[0]) => {
  f.allow({ tcp: 22, from: "10.44.0.0/24" });
  f.allow({ tcp: 22, from: "2001:db8:44::/48" });
  f.deny("all");
};

Deno.test("a host's own policy wins over the project's; without one there is no resource", () => {
  const spec = project("demo", (p) => {
    p.firewall((f) => f.allow({ tcp: 80 }));
    p.host("edge", (h) => {
      h.hostname("192.0.2.1");
      h.firewall((f) => {
        f.allow({ tcp: 22 });
        f.path("/etc/nft/edge.nft");
        f.table("edge");
      });
    });
  });
  const edge = firewallResource(spec, "edge", { reload: false, connection: "ssh" })!;
  assert.equal(edge.path, "/etc/nft/edge.nft");
  assert.equal(edge.unit, "hostkit-firewall-edge.service");
  assert.equal(edge.confirmedPath, "/var/lib/hostkit/firewall/edge.nft");
  const other = firewallResource(spec, "other", { reload: false, connection: "ssh" })!;
  assert.equal(other.path, "/etc/nftables.d/hostkit.nft");
  assert.deepEqual(other.policy.rules.map((r) => r.ports), [[80]]);
  const none = project("demo", (p) => p.directory("/srv"));
  assert.equal(firewallResource(none, "edge", { reload: true, connection: "ssh" }), undefined);
  // The policy's nftReload loads it without the flag.
  const reloading = project("demo", (p) => p.firewall((f) => f.nftReload()));
  assert.equal(
    firewallResource(reloading, "x", { reload: false, connection: "ssh" })!.reload,
    true,
  );
});

Deno.test("a policy that blocks the SSH connection's address is refused at plan time, exit 7", () => {
  const r = resourceOf(SSH_ONLY_FROM_OFFICE);
  const cases: [string, RegExp][] = [
    ["192.0.2.7 51000 192.0.2.1 22", /port 22 from 192\.0\.2\.7, the address this host sees/],
    ["2001:db8:99::7 51000 2001:db8::1 22", /port 22 from 2001:db8:99::7/],
    // An IPv4-mapped address is the IPv4 packet it stands for.
    ["::ffff:192.0.2.7 51000 ::ffff:192.0.2.1 22", /from 192\.0\.2\.7,/],
    // Allowed addresses on another port than the rule's: the connection's port decides.
    ["10.44.0.9 51000 10.44.0.1 2222", /port 2222 from 10\.44\.0\.9/],
  ];
  for (const [ssh, message] of cases) {
    assert.throws(
      () => changesFor(r, ["path\tmissing", "table\tno", `ssh\t${ssh}`]),
      (error: unknown) =>
        error instanceof HostkitError && error.kind === "lockout" && error.exitCode === 7 &&
        message.test(error.message) && /the default \(deny all\)/.test(error.message) &&
        /f\.allowLockout\(\)/.test(error.message),
      ssh,
    );
  }
  for (
    const ok of [
      "10.44.0.9 51000 10.44.0.1 22",
      "2001:db8:44:1::9 51000 2001:db8::1 22",
      "::ffff:10.44.0.9 51000 ::ffff:10.44.0.1 22",
      "127.0.0.1 51000 127.0.0.1 22",
    ]
  ) {
    const [change] = changesFor(r, ["path\tmissing", "table\tno", `ssh\t${ok}`]);
    assert.equal(change.action, "create", ok);
  }
});

Deno.test("an SSH_CONNECTION that is no address is refused, never guessed", () => {
  const r = resourceOf(SSH_ONLY_FROM_OFFICE);
  for (
    const hostile of [
      "",
      "example.com 51000 10.44.0.1 22",
      "10.44.0.9;reboot 51000 10.44.0.1 22",
      "10.44.0.9 51000 10.44.0.1",
      "10.44.0.9 51000 10.44.0.1 99999",
      "10.44.0.9/8 51000 10.44.0.1 22",
    ]
  ) {
    assert.equal(parseSshConnection(hostile), undefined, hostile);
    assert.throws(
      () => changesFor(r, ["path\tmissing", "table\tno", `ssh\t${hostile}`]),
      /cannot tell where hostkit's SSH connection comes from/,
      hostile,
    );
  }
  // A zoned link-local address is the address without its zone.
  assert.deepEqual(parseSshConnection("fe80::7%eth0 51000 fe80::1%eth0 22"), {
    client: "fe80::7",
    port: 22,
  });
});

Deno.test("allowLockout and a local connection skip the refusal", () => {
  const allowed = resourceOf((f) => {
    SSH_ONLY_FROM_OFFICE(f);
    f.allowLockout();
  });
  const [change] = changesFor(allowed, [
    "path\tmissing",
    "table\tno",
    "ssh\t192.0.2.7 1 2.2.2.2 22",
  ]);
  assert.equal(change.action, "create");
  const local = resourceOf(SSH_ONLY_FROM_OFFICE, { connection: "local" });
  assert.equal(changesFor(local, ["path\tmissing", "table\tno", "ssh\t"])[0].action, "create");
});

Deno.test("the host-side lock-out check decides as the planner does (awk on this machine)", async () => {
  const policies = [
    firewallPolicy(SSH_ONLY_FROM_OFFICE),
    firewallPolicy((f) => {
      f.deny({ tcp: 22, from: "192.0.2.0/25" });
      f.allow({ udp: 22 });
      f.allow({ tcp: [22, 2222], from: ["192.0.2.0/24", "fe80::/10"] });
      f.deny("all");
    }),
    firewallPolicy((f) => {
      f.deny({ from: "2001:db8::/33" });
      f.implicitRules({ loopback: false });
    }),
  ];
  const connections = [
    "10.44.0.9 1 10.44.0.1 22",
    "10.44.1.9 1 10.44.0.1 22",
    "2001:db8:44:ffff::1 1 ::1 22",
    "2001:db8:45::1 1 ::1 22",
    "::ffff:10.44.0.200 1 ::1 22",
    "192.0.2.7 1 192.0.2.1 22",
    "192.0.2.200 1 192.0.2.1 2222",
    "192.0.2.200 1 192.0.2.1 22",
    "fe80::abcd%eth0 1 fe80::1%eth0 2222",
    "2001:db8:7fff::1 1 ::1 22",
    "2001:db8:8000::1 1 ::1 22",
    "127.0.0.1 1 127.0.0.1 22",
    "::1 1 ::1 22",
  ];
  for (const policy of policies) {
    for (const ssh of connections) {
      const [client, , , port] = ssh.split(" ");
      const want = sshVerdict(policy, Number(port), client);
      const out = await new Deno.Command("sh", {
        args: ["-c", `${FIREWALL_LIB}\nhk_nft_verdict "$@"`, "sh", ...guardRules(policy)],
        env: { HK_SSH: ssh },
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const got = new TextDecoder().decode(out.stdout).trim();
      assert.equal(
        got,
        `${want.accepted ? "accept" : "drop"} ${want.by}`,
        `${ssh} under ${JSON.stringify(policy.rules)}`,
      );
    }
  }
});

Deno.test("hk_ssh_client finds SSH_CONNECTION past env -i, and keeps only address characters", async () => {
  const run = async (value: string) => {
    const out = await new Deno.Command("sh", {
      // The parent shell has it; the child runs with a cleared environment (as the probe does).
      args: ["-c", `env -i sh -c ${shellQuote(`${FIREWALL_LIB}\nhk_ssh_client`)}`],
      env: { SSH_CONNECTION: value },
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  assert.equal(await run("2001:db8::7 51000 2001:db8::1 22"), "2001:db8::7 51000 2001:db8::1 22");
  const hostile = await run("1.2.3.4 5 6.7.8.9 22$(touch /tmp/x)\t`id`\nnext");
  assert.doesNotMatch(hostile, /[$()`\t\n]/);
  assert.equal(parseSshConnection(hostile), undefined);
});

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

Deno.test("the plan shows the rules with the implicit ones, and whether it loads them", async () => {
  const spec = project("demo", (p) =>
    p.firewall((f) => {
      f.allow({ tcp: 22 });
      f.deny("all");
    }));
  const written = formatPlan(await plan(spec), { color: false });
  assert.match(written, /\+ firewall:\/etc\/nftables\.d\/hostkit\.nft/);
  for (
    const line of [
      "implicit: accept loopback (iif lo)",
      "implicit: accept established,related",
      "implicit: accept ICMPv6 neighbour discovery",
      "rule 1: allow tcp 22 from any",
      "default: drop (deny all)",
      "validate: nft -c -f",
      "not loaded: the running firewall stays as it is (--nft-reload loads it)",
    ]
  ) assert.ok(written.includes(line), `${line}\n${written}`);
  const reloaded = await plan(spec, { nftReload: true });
  assert.match(formatPlan(reloaded, { color: false }), /then load table inet hostkit \(only it\)/);
  assert.equal(firewallReloadIn(reloaded.hosts[0]), true);
  assert.equal(firewallReloadIn((await plan(spec)).hosts[0]), false);
});

Deno.test("an unchanged file that was never loaded is a reload under --nft-reload, else in sync", async () => {
  const body = (f: Parameters<Parameters<typeof firewallPolicy>[0]>[0]) => f.allow({ tcp: 22 });
  const r = resourceOf(body);
  const bytes = new TextEncoder().encode(
    (await import("../../src/render/nftables.ts")).renderNftables(r.policy),
  );
  const { sha256 } = await import("../../src/plan/desired.ts");
  const hash = sha256(bytes);
  const lines = [`path\tfile root root 644 ${bytes.length}`, `sha256\t${hash}`, "table\tno"];
  const [pending] = changesFor(r, [...lines, "ssh\t192.0.2.7 1 192.0.2.1 22"]);
  assert.equal(pending.action, "update");
  assert.deepEqual(pending.drift, ["not_loaded"]);
  const program = await compileProgram(hostPlan([pending]), {
    runId: "20260614-101148-demo-up-ab12",
    runsRoot: "/var/lib/hostkit",
    secrets: () => undefined,
  });
  const commands = program.steps.map((s) => s.command).join("\n");
  assert.doesNotMatch(commands, /hk_stage/, "the file is not written again");
  assert.match(commands, /^hk_nft_guard /m);
  assert.match(
    commands,
    /hk_nft_load \/etc\/nftables\.d\/hostkit\.nft \/var\/lib\/hostkit\/firewall\/hostkit\.nft hostkit-firewall\.service/,
  );
  // The guard runs before anything else, the load after everything else.
  assert.ok(program.steps[0].command.startsWith("hk_nft_guard"));
  // As a guard: its refusal ends the program with 7 (a lock-out), not a failed step's 3.
  assert.equal(program.steps[0].refuses, "lockout");
  const applySh = new TextDecoder().decode(
    program.entries.find((e) => e.name === "apply.sh")!.data,
  );
  assert.match(applySh, /^hk_guard 0 'hk_nft_guard /m);
  assert.ok(program.steps.at(-1)!.command.startsWith("hk_nft_load"));
  const unit = program.entries.map((e) => new TextDecoder().decode(e.data)).join("\n");
  assert.match(unit, /ExecStart=\/usr\/sbin\/nft -f \/var\/lib\/hostkit\/firewall\/hostkit\.nft/);
  const loaded = [
    ...lines.slice(0, 2),
    `loaded\t${hash}`,
    "table\tyes",
    "ssh\t192.0.2.7 1 192.0.2.1 22",
  ];
  assert.equal(changesFor(r, loaded)[0].action, "noop");
  const quiet = resourceOf(body, { reload: false });
  assert.equal(changesFor(quiet, [...lines, "ssh\t192.0.2.7 1 192.0.2.1 22"])[0].action, "noop");
  assert.match(probeScript([r]), /nft list table inet hostkit/);
});

Deno.test("down of a created, loaded firewall unloads its table; of a changed one restores and reloads", async () => {
  const r = resourceOf((f) => f.allow({ tcp: 22 }));
  const [created] = changesFor(r, ["path\tmissing", "table\tno", "ssh\t192.0.2.7 1 192.0.2.1 22"]);
  const compiled = async (changes: typeof created[]) =>
    (await compileProgram(hostPlan(changes), {
      runId: "20260614-101149-demo-down-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    })).steps.map((s) => s.command).join("\n");
  const removal = down(upPlan([created])).plan.hosts[0].changes;
  assert.equal(removal[0].action, "delete");
  assert.match(
    await compiled(removal),
    /hk_nft_remove hostkit \/var\/lib\/hostkit\/firewall\/hostkit\.nft hostkit-firewall\.service && hk_rm \/etc\/nftables\.d\/hostkit\.nft/,
  );
  const [changed] = changesFor(r, [
    "path\tfile root root 644 3",
    "sha256\t0000",
    "loaded\t0000",
    "table\tyes",
    "ssh\t192.0.2.7 1 192.0.2.1 22",
  ]);
  const restore = down(upPlan([changed]), { backupsDir: "/var/lib/hostkit/backups/run" }).plan
    .hosts[0].changes;
  const text = await compiled(restore);
  assert.match(
    text,
    /hk_write \/etc\/nftables\.d\/hostkit\.nft '=\/var\/lib\/hostkit\/backups\/run\/files\/etc\/nftables\.d\/hostkit\.nft' root root 0644/,
  );
  assert.match(text, /hk_nft_load /);
});

Deno.test("down puts back the running state it found: never loads a ruleset that was not running", async () => {
  const body = (f: Parameters<Parameters<typeof firewallPolicy>[0]>[0]) => f.allow({ tcp: 22 });
  const r = resourceOf(body);
  const compiled = async (changes: Parameters<typeof hostPlan>[0]) =>
    (await compileProgram(hostPlan(changes), {
      runId: "20260614-101149-demo-down-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    })).steps.map((s) => s.command).join("\n");
  const ssh = "ssh\t192.0.2.7 1 192.0.2.1 22";
  const backups = { backupsDir: "/var/lib/hostkit/backups/run" };
  // The old file was written but never loaded: down restores it and unloads, it loads nothing.
  const [neverLoaded] = changesFor(r, [
    "path\tfile root root 644 3",
    "sha256\t1111",
    "table\tno",
    ssh,
  ]);
  const undo = down(upPlan([neverLoaded]), backups).plan.hosts[0].changes;
  const text = await compiled(undo);
  assert.match(text, /hk_write \/etc\/nftables\.d\/hostkit\.nft/);
  assert.match(text, /hk_nft_remove hostkit /);
  assert.doesNotMatch(text, /hk_nft_load/);
  // Only loaded (the file was in sync, nothing ran): down unloads and keeps the file.
  const { renderNftables } = await import("../../src/render/nftables.ts");
  const { sha256 } = await import("../../src/plan/desired.ts");
  const bytes = new TextEncoder().encode(renderNftables(r.policy));
  const [onlyLoaded] = changesFor(r, [
    `path\tfile root root 644 ${bytes.length}`,
    `sha256\t${sha256(bytes)}`,
    "table\tno",
    ssh,
  ]);
  assert.deepEqual(onlyLoaded.drift, ["not_loaded"]);
  const unload = await compiled(down(upPlan([onlyLoaded]), backups).plan.hosts[0].changes);
  assert.match(unload, /hk_nft_remove hostkit /);
  assert.doesNotMatch(unload, /hk_rm|hk_write/);
  // Something else was running (not the old file): no guess, the down says why.
  const [other] = changesFor(r, [
    "path\tfile root root 644 3",
    "sha256\t1111",
    "loaded\t2222",
    "table\tyes",
    ssh,
  ]);
  const { skipped } = down(upPlan([other]), backups);
  assert.match(skipped[0].reason, /the ruleset loaded before was not/);
});
