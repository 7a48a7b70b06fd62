/**
 * A firewall policy as data: ordered allow/deny rules over TCP/UDP ports and source networks
 * (IPv4 and IPv6, CIDR), a default for what no rule matches, and the implicit rules that keep
 * a `deny("all")` host working. Rendered by src/render/nftables.ts; {@link sshVerdict} tells
 * whether a policy would cut off the SSH connection hostkit uses.
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { type AddressInput, policyAddress } from "./address.ts";

/** A source network in CIDR form, e.g. `10.44.0.0/24`, `2001:db8::/32`, `192.0.2.7/32`. */
export const NetworkSchema = z.string().refine((value) => parseNetwork(value) !== undefined, {
  message: "must be an IPv4 or IPv6 network in CIDR form",
});

const PortSchema = z.number().int().min(1).max(65535);

export const FirewallRuleSchema = z.strictObject({
  action: z.enum(["allow", "deny"]),
  /** Without a protocol the rule matches every packet from its sources (`deny("all")`). */
  protocol: z.enum(["tcp", "udp"]).optional(),
  /** Destination ports; empty: every port of the protocol. */
  ports: z.array(PortSchema).default([]),
  /** Source networks; empty: from anywhere. */
  from: z.array(NetworkSchema).default([]),
  origin: z.string().optional(),
});

/**
 * Validates a {@link FirewallPolicy}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const FirewallPolicySchema = z.strictObject({
  rules: z.array(FirewallRuleSchema).default([]),
  /** What happens to a new connection no rule matched: `drop` once `deny("all")` is declared. */
  fallback: z.enum(["accept", "drop"]).default("accept"),
  /** The implicit rules; each can be switched off. */
  implicit: z.strictObject({
    loopback: z.boolean().default(true),
    established: z.boolean().default(true),
    neighbourDiscovery: z.boolean().default(true),
  }).default({ loopback: true, established: true, neighbourDiscovery: true }),
  /** The config accepts that this policy may block hostkit's own SSH connection. */
  allowLockout: z.boolean().default(false),
  /** Load the ruleset on apply, as `--nft-reload` does (otherwise it is only written). */
  nftReload: z.boolean().default(false),
  /** The nftables table hostkit owns (other tables stay untouched). */
  table: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, "a table name: letters, digits, _")
    .default("hostkit"),
  /** Where the ruleset is written on the host. */
  path: z.string().regex(/^\/(?!.*(^|\/)\.\.?(\/|$))[^\0\n]*$/, "must be an absolute path")
    .default("/etc/nftables.d/hostkit.nft"),
  origin: z.string().optional(),
});

export type FirewallRule = z.infer<typeof FirewallRuleSchema>;
/** A host firewall policy: default rules, the allow/deny rules, implicit rules and lockout protection. */
export type FirewallPolicy = ReturnType<typeof FirewallPolicySchema.parse>;

/** A parsed network: family, address as a number, prefix length. */
export interface Network {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

function v4Bits(address: string): bigint {
  return address.split(".").reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

function v6Bits(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = v4Bits(v4[1]);
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined
    ? left
    : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * Parses `address[/prefix]` (IPv4 or IPv6); undefined when it is neither.
 *
 * @example
 * ```ts
 * import { parseNetwork } from "./firewall.ts";
 * parseNetwork("10.44.0.0/24"); // { family: 4, bits: 170655744n, prefix: 24 }
 * parseNetwork("::1"); // { family: 6, bits: 1n, prefix: 128 }
 * ```
 */
export function parseNetwork(value: string): Network | undefined {
  const [address, prefixText, extra] = value.split("/");
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { family, bits: family === 4 ? v4Bits(address) : v6Bits(address), prefix };
}

/** Whether `address` (a single IPv4 or IPv6 address) lies in `network`. */
export function inNetwork(address: string, network: string): boolean {
  const a = parseNetwork(address);
  const n = parseNetwork(network);
  if (!a || !n || a.family !== n.family) return false;
  const width = BigInt(a.family === 4 ? 32 : 128);
  const shift = width - BigInt(n.prefix);
  return (a.bits >> shift) === (n.bits >> shift);
}

/**
 * The address a host reports for a client, as a firewall sees its packets: without an IPv6
 * zone (`fe80::1%eth0`), and an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`) as the IPv4
 * address it is; undefined when it is no IP address at all.
 *
 * @example
 * ```ts
 * import { clientAddress } from "./firewall.ts";
 * clientAddress("::ffff:192.0.2.7"); // "192.0.2.7"
 * clientAddress("fe80::1%eth0"); // "fe80::1"
 * clientAddress("example.com"); // undefined
 * ```
 */
export function clientAddress(value: string): string | undefined {
  const address = value.replace(/%[A-Za-z0-9_.-]+$/, "").toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  return isIPv4(address) || isIPv6(address) ? address : undefined;
}

/** Aliases a `from` may use, and the networks they stand for. */
const ALIASES: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  localhost: ["127.0.0.0/8", "::1/128"],
  link_local: ["169.254.0.0/16", "fe80::/10"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

/** What `from:` accepts: `"any"`, an alias, an address or network, a tuple, or a list of them. */
export type SourceInput = "any" | AddressInput | AddressInput[];

/**
 * Normalises a `from:` to CIDR networks; `[]` means from anywhere.
 *
 * @example
 * ```ts
 * import { sourceNetworks } from "./firewall.ts";
 * sourceNetworks([10, 44, 0, 0, 24]); // ["10.44.0.0/24"]
 * sourceNetworks(["192.0.2.7", "2001:db8::/32"]); // ["192.0.2.7/32", "2001:db8::/32"]
 * sourceNetworks("any"); // []
 * ```
 */
export function sourceNetworks(input: SourceInput | undefined): string[] {
  if (input === undefined || input === "any" || input === "all") return [];
  // A list of numbers is one tuple address; any other list is a list of addresses.
  const list: AddressInput[] = Array.isArray(input) && !input.every((x) => typeof x === "number")
    ? input as AddressInput[]
    : [input as AddressInput];
  return list.flatMap((item) => {
    if (item === "any" || item === "all") {
      throw new TypeError(`"any" cannot be part of a list of sources: use from: "any" alone`);
    }
    if (typeof item === "string" && item in ALIASES) return ALIASES[item];
    const text = Array.isArray(item) ? policyAddress(item) : item;
    const network = parseNetwork(text);
    if (!network) {
      throw new TypeError(
        `invalid source ${JSON.stringify(item)}: want an IPv4/IPv6 address or network, a tuple ` +
          `such as [10, 44, 0, 0, 24], "any", or ${Object.keys(ALIASES).join(", ")}`,
      );
    }
    return [text.includes("/") ? text : `${text}/${network.prefix}`];
  });
}

/** What a policy does to a new connection, and which rule decided it. */
export interface Verdict {
  accepted: boolean;
  /** `rule 2 (allow tcp 22 from any)`, `implicit loopback`, or `the default (deny all)`. */
  by: string;
}

/**
 * Describes a rule for humans: `allow tcp 80, 443 from any`.
 *
 * @example
 * ```ts
 * import { describeRule } from "./firewall.ts";
 * describeRule({ action: "allow", protocol: "tcp", ports: [22], from: [] }); // "allow tcp 22 from any"
 * ```
 */
export function describeRule(rule: FirewallRule): string {
  const what = rule.protocol
    ? `${rule.protocol}${rule.ports.length ? ` ${rule.ports.join(", ")}` : ""}`
    : "all";
  return `${rule.action} ${what} from ${rule.from.length ? rule.from.join(", ") : "any"}`;
}

/**
 * The fate of a NEW TCP connection to `port` from `client` under `policy`: the first matching
 * rule decides, else the fallback. (An SSH session that is already open survives a reload
 * through the established/related rule; a new one, such as a rollback's check, does not.)
 *
 * @example
 * ```ts
 * import { FirewallPolicySchema, sshVerdict } from "./firewall.ts";
 * const policy = FirewallPolicySchema.parse({ fallback: "drop" });
 * sshVerdict(policy, 22, "192.0.2.7"); // { accepted: false, by: "the default (deny all)" }
 * ```
 */
export function sshVerdict(policy: FirewallPolicy, port: number, address: string): Verdict {
  const client = clientAddress(address) ?? address;
  if (policy.implicit.loopback && (inNetwork(client, "127.0.0.0/8") || client === "::1")) {
    return { accepted: true, by: "implicit loopback rule" };
  }
  for (const [i, rule] of policy.rules.entries()) {
    if (rule.protocol !== undefined && rule.protocol !== "tcp") continue;
    if (rule.protocol && rule.ports.length && !rule.ports.includes(port)) continue;
    if (rule.from.length && !rule.from.some((n) => inNetwork(client, n))) continue;
    return { accepted: rule.action === "allow", by: `rule ${i + 1} (${describeRule(rule)})` };
  }
  return {
    accepted: policy.fallback === "accept",
    by: policy.fallback === "accept" ? "the default (accept)" : "the default (deny all)",
  };
}

/**
 * Whether `policy` would refuse a new SSH connection to `sshPort` from `clientAddress` (the
 * address the host sees hostkit coming from). `allowLockout` does not change the answer; it
 * only lets the caller go ahead anyway.
 *
 * @example
 * ```ts
 * import { FirewallPolicySchema, wouldLockOut } from "./firewall.ts";
 * const policy = FirewallPolicySchema.parse({
 *   rules: [{ action: "allow", protocol: "tcp", ports: [22], from: ["10.0.0.0/8"] }],
 *   fallback: "drop",
 * });
 * wouldLockOut(policy, 22, "10.1.2.3"); // false
 * wouldLockOut(policy, 22, "192.0.2.7"); // true
 * ```
 */
export function wouldLockOut(
  policy: FirewallPolicy,
  sshPort: number,
  clientAddress: string,
): boolean {
  return !sshVerdict(policy, sshPort, clientAddress).accepted;
}

/**
 * The policy that applies to a host: its own, else the project's.
 *
 * @example
 * ```ts
 * import { firewallFor } from "./firewall.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => p.directory("/srv/app"));
 * const policy = firewallFor(demo, "prod"); // undefined: no firewall declared
 * ```
 */
export function firewallFor(
  project: { firewall?: FirewallPolicy; hosts: { name: string; firewall?: FirewallPolicy }[] },
  host: string,
): FirewallPolicy | undefined {
  return project.hosts.find((h) => h.name === host)?.firewall ?? project.firewall;
}
