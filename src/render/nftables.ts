/**
 * A firewall policy as an nftables ruleset: one `inet` table (IPv4 and IPv6 together) that
 * hostkit owns, so other tables on the host stay untouched. Loading the file replaces exactly
 * that table in one transaction. The implicit rules come first, each under a comment that
 * says why it is there, so a plan's diff shows them.
 *
 * @module
 */
import {
  describeRule,
  type FirewallPolicy,
  type FirewallRule,
  parseNetwork,
} from "../model/firewall.ts";

/** ICMPv6 types IPv6 needs to find neighbours and routers (RFC 4861). */
const NEIGHBOUR_DISCOVERY = [
  "nd-router-solicit",
  "nd-router-advert",
  "nd-neighbor-solicit",
  "nd-neighbor-advert",
];

/** A comment line: one line, nothing nft or a reader could take for more. */
function comment(text: string): string {
  return `    # ${text.replace(/[\r\n]+/g, " ")}`;
}

function set(values: (string | number)[]): string {
  return values.length === 1 ? String(values[0]) : `{ ${values.join(", ")} }`;
}

/** The nft statements of one rule: one per address family its sources span. */
function statements(rule: FirewallRule): string[] {
  const verdict = rule.action === "allow" ? "accept" : "drop";
  const match = !rule.protocol
    ? ""
    : rule.ports.length
    ? `${rule.protocol} dport ${set(rule.ports)} `
    : `meta l4proto ${rule.protocol} `;
  if (!rule.from.length) return [`${match}${verdict}`];
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const networks = rule.from.filter((n) => parseNetwork(n)?.family === family);
    if (networks.length) {
      lines.push(`${family === 4 ? "ip" : "ip6"} saddr ${set(networks)} ${match}${verdict}`);
    }
  }
  return lines;
}

/** Options of {@link renderNftables}. */
export interface NftablesOptions {
  /** Named in the header, e.g. the project. */
  project?: string;
}

/**
 * Renders the ruleset file. It starts with `table inet NAME` + `delete table inet NAME`
 * (nft 1.0.6 has no `destroy table`), so `nft -f FILE` replaces the table whether or not it
 * exists, atomically.
 *
 * @example
 * ```ts
 * import { renderNftables } from "./nftables.ts";
 * import { FirewallPolicySchema } from "../model/firewall.ts";
 * const text = renderNftables(FirewallPolicySchema.parse({
 *   rules: [{ action: "allow", protocol: "tcp", ports: [22] }],
 *   fallback: "drop",
 * }));
 * // table inet hostkit { chain input { type filter hook input priority filter; policy drop; … } }
 * ```
 */
export function renderNftables(policy: FirewallPolicy, options: NftablesOptions = {}): string {
  const t = policy.table;
  const body: string[] = [];
  if (policy.implicit.loopback) {
    body.push(
      comment("implicit: loopback traffic (the host talking to itself)"),
      `    iif "lo" accept`,
    );
  }
  if (policy.implicit.established) {
    body.push(
      comment("implicit: return traffic of connections already open (keeps the SSH session)"),
      "    ct state established,related accept",
    );
  }
  if (policy.implicit.neighbourDiscovery) {
    body.push(
      comment("implicit: ICMPv6 neighbour discovery (IPv6 stops working without it)"),
      `    icmpv6 type ${set(NEIGHBOUR_DISCOVERY)} accept`,
    );
  }
  for (const rule of policy.rules) {
    body.push(comment(`${describeRule(rule)}${rule.origin ? ` (${rule.origin})` : ""}`));
    body.push(...statements(rule).map((s) => `    ${s}`));
  }
  const fallback = policy.fallback === "drop"
    ? "deny all: what no rule above accepts is dropped"
    : 'no deny("all"): what no rule above drops is accepted';
  return [
    `# Firewall${
      options.project ? ` of ${options.project}` : ""
    }, written by hostkit: edits are overwritten.`,
    `# Only table inet ${t} is managed; other tables stay as they are.`,
    `table inet ${t}`,
    `delete table inet ${t}`,
    "",
    `table inet ${t} {`,
    "  chain input {",
    `    type filter hook input priority filter; policy ${policy.fallback};`,
    ...body,
    comment(fallback),
    "  }",
    "}",
    "",
  ].join("\n");
}
