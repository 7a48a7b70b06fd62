/**
 * The host side of the firewall kind, apart from its handler (so the remote library and the
 * planner can use it without importing the kind registry): the per-host resource, the unit
 * that loads the confirmed ruleset at boot, the lock-out check as the planner and as the host
 * run it, and the shell functions of the steps.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import {
  clientAddress,
  describeRule,
  firewallFor,
  type FirewallPolicy,
  sshVerdict,
} from "../model/firewall.ts";
import { type FirewallResource, FirewallSchema } from "../model/resource.ts";
import type { HostPlan } from "../plan/types.ts";

/** The unit that loads the confirmed ruleset at boot: `hostkit-firewall.service` for table `hostkit`. */
export function firewallUnit(table: string): string {
  return table === "hostkit" ? "hostkit-firewall.service" : `hostkit-firewall-${table}.service`;
}

/**
 * The firewall resource of one host: its own policy, else the project's; none without a policy.
 *
 * @example
 * ```ts
 * import { firewallResource } from "./firewall_host.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => {
 *   p.firewall((f) => {
 *     f.allow({ tcp: 22 });
 *     f.deny("all");
 *   });
 * });
 * firewallResource(demo, "prod", { reload: false, connection: "ssh" })?.path;
 * // "/etc/nftables.d/hostkit.nft"
 * ```
 */
export function firewallResource(
  project: {
    firewall?: FirewallPolicy;
    hosts: { name: string; firewall?: FirewallPolicy }[];
    runsRoot?: string;
  },
  host: string,
  options: { reload: boolean; connection: "ssh" | "local" },
): FirewallResource | undefined {
  const policy = firewallFor(project, host);
  if (!policy) return undefined;
  return FirewallSchema.parse({
    kind: "firewall",
    path: policy.path,
    policy,
    reload: options.reload || policy.nftReload,
    confirmedPath: `${project.runsRoot ?? "/var/lib/hostkit"}/firewall/${policy.table}.nft`,
    unit: firewallUnit(policy.table),
    connection: options.connection,
    origin: policy.origin,
  });
}

/**
 * Whether a host plan loads a firewall ruleset: such an apply must run under automatic
 * rollback (a ruleset that cuts the next connection off has to put itself back).
 *
 * @example
 * ```ts
 * import { firewallReloadIn } from "./firewall_host.ts";
 * firewallReloadIn({ target: { kind: "offline", name: "offline" }, changes: [], summary: {} } as never);
 * // false
 * ```
 */
export function firewallReloadIn(plan: HostPlan): boolean {
  return plan.changes.some((c) =>
    c.resource.kind === "firewall" && c.resource.reload &&
    (c.action === "create" || c.action === "update")
  );
}

/** The unit file that loads the confirmed copy at boot, before the network comes up. */
export function renderFirewallUnit(r: FirewallResource): string {
  return [
    "# Written by hostkit: loads the firewall ruleset apply last loaded (and confirmed).",
    "[Unit]",
    `Description=hostkit firewall (nftables table inet ${r.policy.table})`,
    "DefaultDependencies=no",
    "Wants=network-pre.target",
    "Before=network-pre.target shutdown.target",
    "Conflicts=shutdown.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/usr/sbin/nft -f ${r.confirmedPath}`,
    "",
    "[Install]",
    "WantedBy=sysinit.target",
    "",
  ].join("\n");
}

/**
 * The policy's decisions about a new TCP connection as the host-side check reads them, in
 * order (first match wins): `VERDICT|PORTS|NETWORKS|WHY`, `*` for any.
 */
export function guardRules(policy: FirewallPolicy): string[] {
  const words: string[] = [];
  if (policy.implicit.loopback) {
    words.push("accept|*|127.0.0.0/8,::1/128|implicit loopback rule");
  }
  policy.rules.forEach((rule, i) => {
    if (rule.protocol !== undefined && rule.protocol !== "tcp") return;
    const ports = rule.protocol && rule.ports.length ? rule.ports.join(",") : "*";
    const from = rule.from.length ? rule.from.join(",") : "*";
    const verdict = rule.action === "allow" ? "accept" : "drop";
    words.push(`${verdict}|${ports}|${from}|rule ${i + 1} (${describeRule(rule)})`);
  });
  words.push(
    policy.fallback === "accept"
      ? "accept|*|*|the default (accept)"
      : "drop|*|*|the default (deny all)",
  );
  return words;
}

/** Parses `SSH_CONNECTION` (`client cport server sport`); undefined when it is not one. */
export function parseSshConnection(
  value: string | undefined,
): { client: string; port: number } | undefined {
  const fields = (value ?? "").trim().split(" ");
  if (fields.length !== 4 || !/^\d{1,5}$/.test(fields[3])) return undefined;
  const client = clientAddress(fields[0]);
  const port = Number(fields[3]);
  if (!client || port < 1 || port > 65535) return undefined;
  return { client, port };
}

/**
 * The lock-out refusal, when `policy` would drop a new SSH connection from `client` to
 * `port`; undefined when it accepts one (or the config allows the lock-out).
 */
export function lockoutError(
  r: FirewallResource,
  ssh: { client: string; port: number } | undefined,
): HostkitError | undefined {
  const policy = r.policy;
  if (policy.allowLockout || r.connection !== "ssh") return undefined;
  const where = `firewall:${r.path}${r.origin ? ` (${r.origin})` : ""}`;
  if (!ssh) {
    return new HostkitError(
      "lockout",
      `${where}: cannot tell where hostkit's SSH connection comes from (the host showed no ` +
        "SSH_CONNECTION), so cannot tell whether this policy locks hostkit out; nothing was " +
        "changed. f.allowLockout() goes ahead without the check",
    );
  }
  const verdict = sshVerdict(policy, ssh.port, ssh.client);
  if (verdict.accepted) return undefined;
  const family = ssh.client.includes(":") ? "/128" : "/32";
  return new HostkitError(
    "lockout",
    `${where}: ${verdict.by} would drop new SSH connections to port ${ssh.port} from ` +
      `${ssh.client}, the address this host sees hostkit connecting from: refused, nothing was ` +
      `changed. Allow it first (f.allow({ tcp: ${ssh.port}, from: "${ssh.client}${family}" })), ` +
      "or, if you mean it, f.allowLockout()",
  );
}

/**
 * Shell functions of the firewall, for the probe (`hk_ssh_client`) and the remote library.
 * `hk_ssh_client` reads `SSH_CONNECTION` from the nearest ancestor process that has it:
 * sudo and `env -i` clear it from the environment, but the processes they were started from
 * (the SSH session's shell, sudo itself) still carry it.
 */
export const SSH_CLIENT_FUNCTION = String.raw`
hk_ssh_client() {
  p=$$
  while [ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null; do
    c=$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p' | head -n 1)
    if [ -n "$c" ]; then printf '%s\n' "$c" | tr -cd '0-9A-Za-z.:%_ -'; return 0; fi
    p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
  done
}
`;

/** awk matching an address against CIDR networks, IPv4 and IPv6, without big numbers. */
const AWK_CIDR = String.raw`
function pad4(g) { g = tolower(g); while (length(g) < 4) g = "0" g; return g }
function v4hex(a,   p, i, s) { split(a, p, "."); s = ""; for (i = 1; i <= 4; i++) s = s sprintf("%02x", p[i] + 0); return s }
function v6hex(a,   n, h, t, i, k, head, tail, hn, tn, s, v) {
  if (a ~ /\./) { n = split(a, h, ":"); v = v4hex(h[n]); a = substr(a, 1, length(a) - length(h[n])) substr(v, 1, 4) ":" substr(v, 5, 4) }
  i = index(a, "::")
  if (i) { head = substr(a, 1, i - 1); tail = substr(a, i + 2) } else { head = a; tail = "" }
  hn = head == "" ? 0 : split(head, h, ":"); tn = tail == "" ? 0 : split(tail, t, ":")
  s = ""
  for (k = 1; k <= hn; k++) s = s pad4(h[k])
  if (i) for (k = 0; k < 8 - hn - tn; k++) s = s "0000"
  for (k = 1; k <= tn; k++) s = s pad4(t[k])
  return s
}
function norm(a) { sub(/%.*/, "", a); a = tolower(a); if (a ~ /^::ffff:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) a = substr(a, 8); return a }
function hexof(a) { return a ~ /:/ ? v6hex(a) : v4hex(a) }
function innet(addr, net,   p, pre, a, n, full, r, da, dn, x) {
  p = index(net, "/"); pre = substr(net, p + 1) + 0; net = substr(net, 1, p - 1)
  if ((addr ~ /:/) != (net ~ /:/)) return 0
  a = hexof(addr); n = hexof(net); full = int(pre / 4); r = pre % 4
  if (substr(a, 1, full) != substr(n, 1, full)) return 0
  if (r == 0) return 1
  x = "0123456789abcdef"
  da = index(x, substr(a, full + 1, 1)) - 1; dn = index(x, substr(n, full + 1, 1)) - 1
  return int(da / 2 ^ (4 - r)) == int(dn / 2 ^ (4 - r))
}
function inlist(addr, list,   m, l, i) { if (list == "*") return 1; m = split(list, l, ","); for (i = 1; i <= m; i++) if (innet(addr, l[i])) return 1; return 0 }
function portin(port, list,   m, l, i) { if (list == "*") return 1; m = split(list, l, ","); for (i = 1; i <= m; i++) if (l[i] + 0 == port + 0) return 1; return 0 }
`;

/**
 * `hk_nft_verdict RULE…` prints `accept WHY` or `drop WHY` for the connection in `$HK_SSH`
 * (`SSH_CONNECTION`'s format); `hk_nft_guard`, `hk_nft_load` and `hk_nft_remove` are the
 * steps firewall changes compile to.
 */
export const FIREWALL_LIB = SSH_CLIENT_FUNCTION + String.raw`
hk_nft_verdict() { # rule…: first match wins (see guardRules); the connection is $HK_SSH
  awk '${AWK_CIDR.replaceAll("'", "'\\''")}
  BEGIN { split(ENVIRON["HK_SSH"], f, " "); addr = norm(f[1]); port = f[4]
    for (i = 1; i < ARGC; i++) {
      split(ARGV[i], r, "|")
      if (portin(port, r[2]) && inlist(addr, r[3])) { print r[1] " " r[4]; exit 0 }
    }
    print "accept no rule"; exit 0 }' "$@"
}
hk_nft_guard() { # rule…: refuse (exit 7, nothing changed yet) when they drop a new SSH connection from where this one comes
  HK_SSH=$(hk_ssh_client)
  if [ -z "$HK_SSH" ]; then
    echo "lock-out check: cannot tell where hostkit's SSH connection comes from (no SSH_CONNECTION in this session's processes); nothing was changed. f.allowLockout() goes ahead without the check"
    return 7
  fi
  v=$(HK_SSH=$HK_SSH hk_nft_verdict "$@") || return 1
  set -- $HK_SSH
  case $v in
    accept*) return 0 ;;
    *) echo "lock-out: \${v#drop } would drop new SSH connections to port $4 from $1, the address this host sees hostkit connecting from: refused, nothing was changed. Allow it first, or, if you mean it, f.allowLockout()"; return 7 ;;
  esac
}
hk_nft_load() { # ruleset confirmed unit unit-file: load it (its own table only), then keep it for boot
  command -v nft >/dev/null 2>&1 || { echo "nft is not installed on this host (package nftables)"; return 1; }
  nft -f "$1" || return 1
  mkdir -p -- "\${2%/*}" && install -m 600 -- "$1" "$2.tmp" && mv -f -- "$2.tmp" "$2" || return 1
  if [ ! -d /run/systemd/system ]; then echo "no systemd: loaded, but nothing loads it at boot"; return 0; fi
  install -m 644 -- "$4" "/etc/systemd/system/$3" && systemctl daemon-reload && systemctl enable --quiet -- "$3"
}
hk_nft_remove() { # table confirmed unit: unload hostkit's table, stop loading it at boot
  if command -v nft >/dev/null 2>&1 && nft list table inet "$1" >/dev/null 2>&1; then nft delete table inet "$1" || return 1; fi
  rm -f -- "$2"
  if [ -d /run/systemd/system ]; then
    systemctl disable --quiet -- "$3" 2>/dev/null
    rm -f -- "/etc/systemd/system/$3" && systemctl daemon-reload
  fi
}
`.replaceAll("\\${", "${");
