/**
 * Firewall policy data: networks (IPv4, IPv6, tuples, aliases) and the lock-out check, as
 * tables of cases.
 */
import assert from "node:assert/strict";
import {
  FirewallPolicySchema,
  inNetwork,
  parseNetwork,
  sourceNetworks,
  sshVerdict,
  wouldLockOut,
} from "../../src/model/firewall.ts";
import { firewallPolicy } from "../../src/dsl/firewall.ts";
import type { FirewallScope } from "../../src/dsl/firewall.ts";

Deno.test("sources: tuples, addresses, networks, aliases and lists become CIDR networks", () => {
  const cases: [Parameters<typeof sourceNetworks>[0], string[]][] = [
    ["any", []],
    [undefined, []],
    [[10, 44, 0, 0, 24], ["10.44.0.0/24"]],
    [[192, 0, 2, 7], ["192.0.2.7/32"]],
    ["192.0.2.0/24", ["192.0.2.0/24"]],
    ["2001:db8::1", ["2001:db8::1/128"]],
    ["2001:db8::/32", ["2001:db8::/32"]],
    ["loopback", ["127.0.0.0/8", "::1/128"]],
    [["10.0.0.0/8", [172, 16, 0, 0, 12], "fd00::/8"], ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(sourceNetworks(input), want, JSON.stringify(input));
  }
});

Deno.test("bad sources are errors naming the value", () => {
  const cases: [Parameters<typeof sourceNetworks>[0], RegExp][] = [
    ["example.com", /invalid source "example\.com"/],
    ["10.0.0.0/33", /invalid source "10\.0\.0\.0\/33"/],
    ["2001:db8::/129", /invalid source/],
    [[10, 0, 0], /invalid address tuple \[10,0,0\]/],
    [["10.0.0.0/8", "any"], /"any" cannot be part of a list/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => sourceNetworks(input), message, JSON.stringify(input));
  }
});

Deno.test("network membership, IPv4 and IPv6", () => {
  const cases: [string, string, boolean][] = [
    ["10.44.0.9", "10.44.0.0/24", true],
    ["10.44.1.9", "10.44.0.0/24", false],
    ["192.0.2.7", "192.0.2.7/32", true],
    ["192.0.2.7", "0.0.0.0/0", true],
    ["2001:db8::5", "2001:db8::/32", true],
    ["2001:db9::5", "2001:db8::/32", false],
    ["::ffff:10.0.0.1", "::ffff:0:0/96", true],
    ["10.0.0.1", "::/0", false],
    ["fe80::1", "fe80::/10", true],
  ];
  for (const [address, network, want] of cases) {
    assert.equal(inNetwork(address, network), want, `${address} in ${network}`);
  }
  assert.equal(parseNetwork("10.0.0.1/8/2"), undefined);
  assert.equal(parseNetwork("300.0.0.1"), undefined);
});

const policy = (body: (f: FirewallScope) => void) => firewallPolicy(body);

Deno.test("lock-out detection: the first matching rule decides a new SSH connection, else the fallback", () => {
  const cases: [string, (f: FirewallScope) => void, number, string, boolean, RegExp][] = [
    [
      "ssh allowed from any",
      (f) => {
        f.allow({ tcp: 22, from: "any" });
        f.deny("all");
      },
      22,
      "192.0.2.7",
      false,
      /^rule 1 \(allow tcp 22 from any\)$/,
    ],
    [
      "deny all without ssh",
      (f) => {
        f.allow({ tcp: [80, 443] });
        f.deny("all");
      },
      22,
      "192.0.2.7",
      true,
      /^the default \(deny all\)$/,
    ],
    [
      "ssh on another port",
      (f) => {
        f.allow({ tcp: 22 });
        f.deny("all");
      },
      2222,
      "192.0.2.7",
      true,
      /deny all/,
    ],
    [
      "ssh only from the office network, client inside",
      (f) => {
        f.allow({ tcp: 22, from: [10, 44, 0, 0, 24] });
        f.deny("all");
      },
      22,
      "10.44.0.20",
      false,
      /rule 1/,
    ],
    [
      "ssh only from the office network, client outside",
      (f) => {
        f.allow({ tcp: 22, from: [10, 44, 0, 0, 24] });
        f.deny("all");
      },
      22,
      "203.0.113.9",
      true,
      /deny all/,
    ],
    [
      "IPv6 client, IPv4-only allow",
      (f) => {
        f.allow({ tcp: 22, from: "10.0.0.0/8" });
        f.deny("all");
      },
      22,
      "2001:db8::9",
      true,
      /deny all/,
    ],
    [
      "IPv6 client, IPv6 allow",
      (f) => {
        f.allow({ tcp: 22, from: "2001:db8::/32" });
        f.deny("all");
      },
      22,
      "2001:db8::9",
      false,
      /rule 1/,
    ],
    [
      "an explicit deny before the allow",
      (f) => {
        f.deny({ tcp: 22, from: "203.0.113.0/24" });
        f.allow({ tcp: 22 });
      },
      22,
      "203.0.113.9",
      true,
      /^rule 1 \(deny tcp 22 from 203\.0\.113\.0\/24\)$/,
    ],
    [
      "a udp rule does not open ssh",
      (f) => {
        f.allow({ udp: 22 });
        f.deny("all");
      },
      22,
      "192.0.2.7",
      true,
      /deny all/,
    ],
    [
      "everything from the client's network",
      (f) => {
        f.allow({ from: "192.0.2.0/24" });
        f.deny("all");
      },
      22,
      "192.0.2.7",
      false,
      /allow all from 192\.0\.2\.0\/24/,
    ],
    [
      "no deny: accepted by default",
      (f) => f.allow({ tcp: 80 }),
      22,
      "192.0.2.7",
      false,
      /default \(accept\)/,
    ],
    ["over loopback", (f) => f.deny("all"), 22, "127.0.0.1", false, /implicit loopback/],
    [
      "over loopback with the loopback rule off",
      (f) => {
        f.implicitRules({ loopback: false });
        f.deny("all");
      },
      22,
      "127.0.0.1",
      true,
      /deny all/,
    ],
  ];
  for (const [what, body, port, client, locked, by] of cases) {
    const p = policy(body);
    assert.equal(wouldLockOut(p, port, client), locked, what);
    assert.match(sshVerdict(p, port, client).by, by, what);
  }
});

Deno.test("allowLockout does not change the verdict, only what the caller may do", () => {
  const p = policy((f) => {
    f.allowLockout();
    f.deny("all");
  });
  assert.equal(p.allowLockout, true);
  assert.equal(wouldLockOut(p, 22, "192.0.2.7"), true);
});

Deno.test("the policy schema: defaults, and a bad table name or port is refused", () => {
  const p = FirewallPolicySchema.parse({});
  assert.equal(p.table, "hostkit");
  assert.equal(p.path, "/etc/nftables.d/hostkit.nft");
  assert.equal(p.fallback, "accept");
  assert.deepEqual(p.implicit, { loopback: true, established: true, neighbourDiscovery: true });
  assert.equal(FirewallPolicySchema.safeParse({ table: "x; flush ruleset" }).success, false);
  assert.equal(
    FirewallPolicySchema.safeParse({ rules: [{ action: "allow", protocol: "tcp", ports: [0] }] })
      .success,
    false,
  );
  assert.equal(
    FirewallPolicySchema.safeParse({ rules: [{ action: "allow", from: ["10.0.0.0/40"] }] }).success,
    false,
  );
});
