/**
 * The firewall scope: `p.firewall((f) => { f.allow({ tcp: 22, from: "any" }); f.deny("all"); })`
 * at project scope, or `h.firewall(…)` inside a host.
 *
 * @module
 */
import {
  type FirewallPolicy,
  FirewallPolicySchema,
  type FirewallRule,
  type SourceInput,
  sourceNetworks,
} from "../model/firewall.ts";
import { runBody } from "./error.ts";
import { callerOrigin } from "./origin.ts";

/** Ports as the DSL writes them: one port or a list. */
export type PortsInput = number | number[];

/** What {@link FirewallScope.allow} and {@link FirewallScope.deny} match. */
export interface RuleOptions {
  /** TCP ports the rule matches: one, or a list. */
  tcp?: PortsInput;
  /** UDP ports the rule matches: one, or a list. */
  udp?: PortsInput;
  /** `"any"` (default), an address or network, a tuple such as `[10, 44, 0, 0, 24]`, an alias, or a list. */
  from?: SourceInput;
}

function ports(input: PortsInput, protocol: string): number[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) {
    throw new TypeError(`${protocol}: [] matches no port; leave ${protocol} out instead`);
  }
  for (const port of list) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`${protocol}: ${JSON.stringify(port)} is not a port (1-65535)`);
    }
  }
  return list;
}

/** Declares a firewall policy: rules in order, then what happens to the rest. */
export class FirewallScope {
  /** @internal */
  readonly policy: {
    rules: FirewallRule[];
    fallback: "accept" | "drop";
    implicit: FirewallPolicy["implicit"];
    allowLockout: boolean;
    nftReload: boolean;
    table?: string;
    path?: string;
  } = {
    rules: [],
    fallback: "accept",
    implicit: { loopback: true, established: true, neighbourDiscovery: true },
    allowLockout: false,
    nftReload: false,
  };

  #rules(action: "allow" | "deny", options: RuleOptions): void {
    const unknown = Object.keys(options).filter((k) => !["tcp", "udp", "from"].includes(k));
    if (unknown.length) {
      throw new TypeError(`${action}: unknown option ${unknown.join(", ")} (tcp, udp, from)`);
    }
    const from = sourceNetworks(options.from);
    const origin = callerOrigin();
    const protocols = (["tcp", "udp"] as const).filter((p) => options[p] !== undefined);
    if (protocols.length === 0) {
      if (!from.length) {
        throw new TypeError(
          `${action}: give tcp or udp ports, or a from: (${action} everything from anywhere is ` +
            (action === "deny" ? `deny("all")` : "no firewall") + ")",
        );
      }
      this.policy.rules.push({ action, ports: [], from, origin });
      return;
    }
    for (const protocol of protocols) {
      this.policy.rules.push({
        action,
        protocol,
        ports: ports(options[protocol]!, protocol),
        from,
        origin,
      });
    }
  }

  /** Accepts new connections: `f.allow({ tcp: [80, 443] })`, `f.allow({ udp: 51820, from: "10.0.0.0/8" })`. */
  allow(options: RuleOptions): void {
    this.#rules("allow", options);
  }

  /**
   * `f.deny("all")`: what no rule allows is dropped (loopback, return traffic and ICMPv6
   * neighbour discovery stay allowed, see {@link implicitRules}); `f.deny({ tcp: 25 })`: a rule
   * that drops those connections.
   */
  deny(what: "all" | RuleOptions): void {
    if (what === "all") this.policy.fallback = "drop";
    else if (typeof what === "object" && what !== null) this.#rules("deny", what);
    else throw new TypeError(`deny takes "all" or { tcp, udp, from }, got ${JSON.stringify(what)}`);
  }

  /** Lets the policy block hostkit's own SSH connection (otherwise such a policy is refused). */
  allowLockout(): void {
    this.policy.allowLockout = true;
  }

  /**
   * Loads the ruleset on every apply that changes it, as `--nft-reload` does (otherwise apply
   * only writes and checks the file, and the running firewall stays as it is).
   */
  nftReload(): void {
    this.policy.nftReload = true;
  }

  /** Switches implicit rules off: `f.implicitRules({ neighbourDiscovery: false })`. */
  implicitRules(options: Partial<FirewallPolicy["implicit"]>): void {
    Object.assign(this.policy.implicit, options);
  }

  /** The nftables table hostkit owns (default `hostkit`). */
  table(name: string): void {
    this.policy.table = name;
  }

  /**
   * Where the ruleset is written (default `/etc/nftables.d/hostkit.nft`): `f.path("/etc/nft/fw.nft")`.
   * What boot loads is a copy of the last ruleset apply loaded, under the runs root.
   */
  path(path: string): void {
    this.policy.path = path;
  }
}

/**
 * Runs a firewall body and returns the validated policy.
 *
 * @example
 * ```ts
 * import { firewallPolicy } from "./firewall.ts";
 * const policy = firewallPolicy((f) => {
 *   f.allow({ tcp: 22, from: "any" });
 *   f.deny("all");
 * });
 * ```
 */
export function firewallPolicy(body: (f: FirewallScope) => void, origin?: string): FirewallPolicy {
  const scope = new FirewallScope();
  runBody("firewall", body, scope);
  const parsed = FirewallPolicySchema.safeParse({ ...scope.policy, origin });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`firewall ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}
