/**
 * The nftables renderer: rules as statements (table-driven), and every rendered ruleset checked
 * by the real `nft -c` in a private network namespace (`unshare -rn`), then loaded there twice
 * next to another table, which stays untouched.
 */
import assert from "node:assert/strict";
import { firewallPolicy } from "../../src/dsl/firewall.ts";
import type { FirewallScope } from "../../src/dsl/firewall.ts";
import { renderNftables } from "../../src/render/nftables.ts";
import { tempDir } from "../helpers.ts";

/** The rule lines of the input chain, without comments and the chain header. */
function ruleLines(text: string): string[] {
  const chain = text.slice(text.indexOf("chain input {"));
  return chain.split("\n").slice(2).map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && l !== "}");
}

const IMPLICIT = [
  'iif "lo" accept',
  "ct state established,related accept",
  "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept",
];

const CASES: [string, (f: FirewallScope) => void, string[], "accept" | "drop"][] = [
  [
    "one tcp port from any",
    (f) => f.allow({ tcp: 22, from: "any" }),
    ["tcp dport 22 accept"],
    "accept",
  ],
  ["a port list", (f) => f.allow({ tcp: [80, 443] }), ["tcp dport { 80, 443 } accept"], "accept"],
  [
    "a tuple network",
    (f) => f.allow({ tcp: 9100, from: [10, 44, 0, 0, 24] }),
    ["ip saddr 10.44.0.0/24 tcp dport 9100 accept"],
    "accept",
  ],
  ["a tuple address", (f) => f.allow({ tcp: 5432, from: [10, 0, 0, 5] }), [
    "ip saddr 10.0.0.5/32 tcp dport 5432 accept",
  ], "accept"],
  ["udp", (f) => f.allow({ udp: [53, 123] }), ["udp dport { 53, 123 } accept"], "accept"],
  ["tcp and udp in one allow", (f) => f.allow({ tcp: 53, udp: 53 }), [
    "tcp dport 53 accept",
    "udp dport 53 accept",
  ], "accept"],
  [
    "IPv4 and IPv6 sources: one statement per family",
    (f) => f.allow({ tcp: 22, from: ["2001:db8::/32", "192.0.2.7", [198, 51, 100, 0, 24]] }),
    [
      "ip saddr { 192.0.2.7/32, 198.51.100.0/24 } tcp dport 22 accept",
      "ip6 saddr 2001:db8::/32 tcp dport 22 accept",
    ],
    "accept",
  ],
  ["an alias", (f) => f.allow({ tcp: 9090, from: "link_local" }), [
    "ip saddr 169.254.0.0/16 tcp dport 9090 accept",
    "ip6 saddr fe80::/10 tcp dport 9090 accept",
  ], "accept"],
  ["everything from a network", (f) => f.allow({ from: "10.0.0.0/8" }), [
    "ip saddr 10.0.0.0/8 accept",
  ], "accept"],
  ["a deny rule", (f) => f.deny({ tcp: 25 }), ["tcp dport 25 drop"], "accept"],
  [
    "deny all",
    (f) => {
      f.allow({ tcp: 22 });
      f.deny("all");
    },
    ["tcp dport 22 accept"],
    "drop",
  ],
];

Deno.test("rules render to nft statements in order, after the implicit rules, with the fallback as chain policy", () => {
  for (const [what, body, rules, fallback] of CASES) {
    const text = renderNftables(firewallPolicy(body));
    assert.deepEqual(ruleLines(text), [...IMPLICIT, ...rules], what);
    assert.match(
      text,
      new RegExp(`type filter hook input priority filter; policy ${fallback};`),
      what,
    );
  }
});

Deno.test("implicit rules are visible comments, and each can be switched off", () => {
  const text = renderNftables(firewallPolicy((f) => f.deny("all")), { project: "toys" });
  assert.match(text, /^# Firewall of toys, written by hostkit/);
  assert.match(text, /# implicit: loopback traffic/);
  assert.match(text, /# implicit: return traffic of connections already open/);
  assert.match(text, /# implicit: ICMPv6 neighbour discovery/);
  assert.match(text, /# deny all: what no rule above accepts is dropped/);
  const bare = renderNftables(firewallPolicy((f) => {
    f.implicitRules({ loopback: false, neighbourDiscovery: false });
    f.deny("all");
  }));
  assert.deepEqual(ruleLines(bare), ["ct state established,related accept"]);
  assert.doesNotMatch(bare, /implicit: loopback/);
});

Deno.test("a rule's comment names where it was declared, on one line", () => {
  const text = renderNftables(firewallPolicy((f) => f.allow({ tcp: 22 })));
  assert.match(
    text,
    /# allow tcp 22 from any \(.*nftables_test\.ts:\d+(:\d+)?\)\n {4}tcp dport 22 accept/,
  );
});

async function unshareWorks(): Promise<string | undefined> {
  try {
    const r = await new Deno.Command("unshare", { args: ["-rn", "nft", "--version"] }).output();
    return r.code === 0 ? undefined : new TextDecoder().decode(r.stderr).trim();
  } catch (error) {
    return `unshare or nft missing: ${error instanceof Error ? error.message : error}`;
  }
}

async function inNetns(script: string, env: Record<string, string>) {
  const r = await new Deno.Command("unshare", { args: ["-rn", "sh", "-ec", script], env }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: decode(r.stdout), stderr: decode(r.stderr) };
}

const noNetns = await unshareWorks();

Deno.test({
  name:
    `every rendered ruleset passes nft -c, and loads twice next to another table it leaves alone${
      noNetns ? ` (skipped: ${noNetns})` : ""
    }`,
  ignore: noNetns !== undefined,
  async fn() {
    await using tmp = await tempDir();
    for (const [i, [what, body]] of CASES.entries()) {
      const file = `${tmp.path}/${i}.nft`;
      await Deno.writeTextFile(file, renderNftables(firewallPolicy(body)));
      const check = await inNetns('nft -c -f "$F"', { F: file });
      assert.equal(check.code, 0, `${what}: nft -c says\n${check.stderr}`);
    }
    const file = `${tmp.path}/deny.nft`;
    await Deno.writeTextFile(
      file,
      renderNftables(firewallPolicy((f) => {
        f.allow({ tcp: 22, from: "any" });
        f.allow({ tcp: 9100, from: [10, 44, 0, 0, 24] });
        f.deny("all");
      })),
    );
    const loaded = await inNetns(
      'nft add table inet other; nft add chain inet other c; nft -f "$F"; nft -f "$F"; ' +
        "nft list tables; echo ---; nft list table inet hostkit",
      { F: file },
    );
    assert.equal(loaded.code, 0, loaded.stderr);
    const [tables, ruleset] = loaded.stdout.split("---\n");
    assert.deepEqual(tables.trim().split("\n").sort(), ["table inet hostkit", "table inet other"]);
    // Loaded twice, the table holds its rules once.
    assert.equal(ruleset.match(/tcp dport 22 accept/g)?.length, 1, ruleset);
    assert.match(ruleset, /ip saddr 10\.44\.0\.0\/24 tcp dport 9100 accept/);
    assert.match(ruleset, /policy drop;/);
  },
});

Deno.test({
  name: `a broken ruleset is what nft -c rejects (the check can fail)${
    noNetns ? " (skipped)" : ""
  }`,
  ignore: noNetns !== undefined,
  async fn() {
    await using tmp = await tempDir();
    const text = renderNftables(firewallPolicy((f) => f.allow({ tcp: 22 })))
      .replace("tcp dport 22 accept", "tcp dport 22 acept");
    await Deno.writeTextFile(`${tmp.path}/bad.nft`, text);
    const r = await inNetns('nft -c -f "$F"', { F: `${tmp.path}/bad.nft` });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /syntax error/);
  },
});
