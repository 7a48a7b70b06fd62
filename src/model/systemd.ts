/**
 * What systemd words and profiles mean: target aliases, sandbox (hardening)
 * profiles and resource profiles, as systemd [Service] directives. Values are
 * pinned in shared/reference/semantics.md.
 *
 * @module
 */

/** An ordered list of `[Key, value]` directives; keys may repeat. */
export type Directives = [string, string][];

const TARGET_ALIASES: Readonly<Record<string, string>> = {
  multi_user: "multi-user.target",
  graphical: "graphical.target",
  timers: "timers.target",
  network: "network.target",
  network_online: "network-online.target",
  default: "default.target",
};

const UNIT_SUFFIX = /\.(target|service|socket|timer|mount|path|slice|scope|device|swap|automount)$/;

/**
 * Resolves a unit alias (`"network_online"`) to its unit name; names with a unit
 * suffix pass through.
 *
 * @example
 * ```ts
 * import { unitName } from "./systemd.ts";
 * unitName("network_online"); // "network-online.target"
 * unitName("postgresql.service"); // "postgresql.service"
 * ```
 */
export function unitName(alias: string): string {
  if (alias in TARGET_ALIASES) return TARGET_ALIASES[alias];
  if (UNIT_SUFFIX.test(alias)) return alias;
  throw new TypeError(
    `unknown unit ${JSON.stringify(alias)} (use an alias such as ${
      Object.keys(TARGET_ALIASES).join(", ")
    } or a name ending in .target/.service/…)`,
  );
}

/** Sandbox option names (camelCase of the systemd directive) to their values. */
export type SandboxOptions = Record<string, string | boolean | string[]>;

const WEB_SERVICE: SandboxOptions = {
  NoNewPrivileges: true,
  PrivateTmp: true,
  PrivateDevices: true,
  ProtectSystem: "full",
  ProtectHome: true,
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
};

const STRICT_WEB: SandboxOptions = {
  ...WEB_SERVICE,
  ProtectSystem: "strict",
  ProtectClock: true,
  ProtectHostname: true,
  ProtectKernelTunables: true,
  ProtectKernelModules: true,
  ProtectKernelLogs: true,
  ProtectControlGroups: true,
  LockPersonality: true,
  RestrictRealtime: true,
  RestrictSUIDSGID: true,
  RemoveIPC: true,
  SystemCallArchitectures: "native",
  // Measured with `systemd-analyze security`: both cut exposure without breaking
  // ordinary network daemons.
  SystemCallFilter: "@system-service",
  CapabilityBoundingSet: "",
};

/** Hardening profiles by name. */
export const SANDBOX_PROFILES: Readonly<Record<string, SandboxOptions>> = {
  web_service: WEB_SERVICE,
  strict_web: STRICT_WEB,
  strict_app: STRICT_WEB,
  untrusted: { ...STRICT_WEB, PrivateNetwork: true },
  vibe_dev: {
    NoNewPrivileges: true,
    PrivateTmp: true,
    ProtectSystem: "full",
    RestrictSUIDSGID: true,
    RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
  },
};

/** Resource limits: MemoryMax=, MemoryHigh=, CPUQuota=, CPUWeight=, TasksMax=, IOWeight=. */
export interface ResourceLimits {
  /** `MemoryMax=`: bytes, or with a K/M/G/T suffix, or a percentage, or `infinity`. */
  memoryMax?: string | number;
  /** `MemoryHigh=`: the throttling threshold, same forms as memoryMax. */
  memoryHigh?: string | number;
  /** `CPUQuota=`: a percentage such as `"50%"` (above 100% for several CPUs). */
  cpuQuota?: string;
  /** `CPUWeight=`: 1–10000 (default 100), or `idle`. */
  cpuWeight?: number | "idle";
  /** `TasksMax=`: a count, a percentage, or `infinity`. */
  tasksMax?: number | string;
  /** `IOWeight=`: 1–10000 (default 100). */
  ioWeight?: number;
}

/** The `Type=` values systemd 252 (Debian 12) accepts; `notify-reload` needs 253. */
export const SERVICE_TYPES = [
  "simple",
  "exec",
  "forking",
  "oneshot",
  "dbus",
  "notify",
  "idle",
] as const;

/** The `Restart=` values systemd accepts. */
export const RESTART_POLICIES = [
  "no",
  "always",
  "on-success",
  "on-failure",
  "on-abnormal",
  "on-abort",
  "on-watchdog",
] as const;

/** Resource profiles by name. */
export const RESOURCE_PROFILES: Readonly<Record<string, ResourceLimits>> = {
  small: { memoryMax: "512M", cpuQuota: "50%", tasksMax: 128 },
  medium: { memoryMax: "1G", cpuQuota: "100%", tasksMax: 256 },
  large: { memoryMax: "2G", cpuQuota: "200%", tasksMax: 512 },
  vibe_dev: { memoryMax: "2G", cpuQuota: "150%", tasksMax: 512 },
  strict_app: { memoryMax: "512M", cpuQuota: "50%", tasksMax: 128 },
  untrusted: { memoryMax: "1G", cpuQuota: "100%", tasksMax: 256 },
};

/**
 * A sandbox profile, optionally overridden, as [Service] directives.
 *
 * @example
 * ```ts
 * import { sandboxDirectives } from "./systemd.ts";
 * sandboxDirectives("untrusted", { privateNetwork: false });
 * ```
 */
export function sandboxDirectives(
  profile: string,
  overrides: Record<string, string | boolean | string[]> = {},
): Directives {
  const base = SANDBOX_PROFILES[profile];
  if (!base) {
    throw new TypeError(
      `unknown sandbox profile ${JSON.stringify(profile)} (known: ${
        Object.keys(SANDBOX_PROFILES).join(", ")
      })`,
    );
  }
  const merged: SandboxOptions = { ...base };
  for (const [key, value] of Object.entries(overrides)) merged[directiveName(key)] = value;
  return Object.entries(merged).map(([key, value]) => [key, directiveValue(value)]);
}

/**
 * A resource profile (or explicit limits) as [Service] directives.
 *
 * @example
 * ```ts
 * import { resourceDirectives } from "./systemd.ts";
 * resourceDirectives("small", { memoryMax: "256M" });
 * // [["MemoryMax","256M"],["CPUQuota","50%"],["TasksMax","128"]]
 * ```
 */
export function resourceDirectives(
  profile: string | undefined,
  overrides: ResourceLimits = {},
): Directives {
  const base = profile === undefined ? {} : RESOURCE_PROFILES[profile];
  if (!base) {
    throw new TypeError(
      `unknown resource profile ${JSON.stringify(profile)} (known: ${
        Object.keys(RESOURCE_PROFILES).join(", ")
      })`,
    );
  }
  const limits: ResourceLimits = { ...base, ...overrides };
  const out: Directives = [];
  if (limits.memoryMax !== undefined) out.push(["MemoryMax", String(limits.memoryMax)]);
  if (limits.memoryHigh !== undefined) out.push(["MemoryHigh", String(limits.memoryHigh)]);
  if (limits.cpuQuota !== undefined) out.push(["CPUQuota", limits.cpuQuota]);
  if (limits.cpuWeight !== undefined) out.push(["CPUWeight", String(limits.cpuWeight)]);
  if (limits.tasksMax !== undefined) out.push(["TasksMax", String(limits.tasksMax)]);
  if (limits.ioWeight !== undefined) out.push(["IOWeight", String(limits.ioWeight)]);
  return out;
}

/**
 * Words systemd spells in capitals (or mixed case) inside directive names, as
 * in its own list (`systemd --dump-configuration-items`): `oom` → OOMScoreAdjust,
 * `selinux` → SELinuxContext, `ipv6` → BindIPv6Only, `umask` → UMask.
 */
const ACRONYMS: Readonly<Record<string, string>> = {
  ac: "AC",
  api: "API",
  apivfs: "APIVFS",
  blockio: "BlockIO",
  bpf: "BPF",
  cpu: "CPU",
  cpus: "CPUs",
  fifo: "FIFO",
  io: "IO",
  iops: "IOPS",
  ip: "IP",
  ipc: "IPC",
  iptos: "IPTOS",
  ipttl: "IPTTL",
  ipv6: "IPv6",
  ksm: "KSM",
  nft: "NFT",
  nsec: "NSec",
  numa: "NUMA",
  oom: "OOM",
  os: "OS",
  pam: "PAM",
  pid: "PID",
  selinux: "SELinux",
  sgid: "SGID",
  sighup: "SIGHUP",
  sigkill: "SIGKILL",
  sigpipe: "SIGPIPE",
  suid: "SUID",
  tcp: "TCP",
  tos: "TOS",
  ttl: "TTL",
  tty: "TTY",
  umask: "UMask",
  usb: "USB",
  vfs: "VFS",
  vhangup: "VHangup",
  vt: "VT",
  vtdisallocate: "VTDisallocate",
  zswap: "ZSwap",
};

/**
 * Turns `private_network`, `privateNetwork` or `PrivateNetwork` into `PrivateNetwork`,
 * and spells systemd's capitalized words as it does: `restrict_suid_sgid` →
 * `RestrictSUIDSGID`, `oom_score_adjust` → `OOMScoreAdjust`, `umask` → `UMask`, and
 * the resource limits in capitals after `Limit` (`limit_nofile` → `LimitNOFILE`).
 *
 * @example
 * ```ts
 * import { directiveName } from "./systemd.ts";
 * directiveName("read_write_paths"); // "ReadWritePaths"
 * directiveName("limit_nofile"); // "LimitNOFILE"
 * ```
 */
export function directiveName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split("_")
    .filter(Boolean);
  // Limit* names the setrlimit resource in capitals: LimitNOFILE, LimitRTPRIO, LimitAS.
  if (words.length > 1 && words[0].toLowerCase() === "limit") {
    return "Limit" + words.slice(1).join("").toUpperCase();
  }
  return words
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word[0].toUpperCase() + word.slice(1))
    .join("");
}

/**
 * Formats a directive value: booleans as yes/no, lists space-separated with
 * each item quoted where needed (see {@link quoteListItem}). Strings pass
 * through as written, so `%` specifiers stay available in raw directives.
 *
 * @example
 * ```ts
 * import { directiveValue } from "./systemd.ts";
 * directiveValue(["/srv/my app", "/var/lib/app"]); // '"/srv/my app" /var/lib/app'
 * ```
 */
export function directiveValue(value: string | number | boolean | string[]): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(quoteListItem).join(" ");
  return String(value);
}

/**
 * Doubles every `%`, so systemd reads the text literally instead of expanding
 * a specifier (`%n`, `%i`, …): for literal values of directives that expand them
 * (Exec*=, Environment=, Description=, paths).
 *
 * @example
 * ```ts
 * import { escapeSpecifiers } from "./systemd.ts";
 * escapeSpecifiers("50% off"); // "50%% off"
 * ```
 */
export function escapeSpecifiers(text: string): string {
  return text.replaceAll("%", () => "%%");
}

/**
 * One item of a space-separated list value (ReadWritePaths= and the like):
 * double-quoted when it is empty or holds whitespace, quotes or backslashes,
 * with `"` and `\` backslash-escaped. systemd unquotes these lists without
 * C escapes (`\t` is a plain `t`), so nothing else may be escaped.
 *
 * @example
 * ```ts
 * import { quoteListItem } from "./systemd.ts";
 * quoteListItem("/srv/my app"); // '"/srv/my app"'
 * ```
 */
export function quoteListItem(item: string): string {
  if (item !== "" && !/[\s"'\\]/.test(item)) return item;
  return `"${item.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A literal path list for ReadWritePaths=, ReadOnlyPaths= or InaccessiblePaths=:
 * each path quoted as needed and its `%` doubled.
 *
 * @example
 * ```ts
 * import { pathList } from "./systemd.ts";
 * pathList(["/srv/my app", "/var/lib/app"]); // '"/srv/my app" /var/lib/app'
 * ```
 */
export function pathList(paths: string[]): string {
  return paths.map((path) => quoteListItem(escapeSpecifiers(path))).join(" ");
}

/**
 * Splits a list value as systemd does: whitespace separates items, single or
 * double quotes group, a backslash takes the next character literally.
 *
 * @example
 * ```ts
 * import { splitListValue } from "./systemd.ts";
 * splitListValue('"/srv/my app" /var/lib/app'); // ["/srv/my app", "/var/lib/app"]
 * ```
 */
export function splitListValue(value: string): string[] {
  const items: string[] = [];
  let item: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && i + 1 < value.length) {
      item = (item ?? "") + value[++i];
    } else if (quote) {
      if (c === quote) quote = undefined;
      else item += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      item ??= "";
    } else if (/\s/.test(c)) {
      if (item !== undefined) items.push(item);
      item = undefined;
    } else {
      item = (item ?? "") + c;
    }
  }
  if (item !== undefined) items.push(item);
  return items;
}

/**
 * The host paths a path directive of a unit names, as written by the DSL:
 * WorkingDirectory= (one path, unquoted) or a ReadWritePaths=/ReadOnlyPaths=
 * list, with `-`/`+` prefixes dropped and `%%` read back as `%`. Other keys name none.
 *
 * @example
 * ```ts
 * import { directivePaths } from "./systemd.ts";
 * directivePaths("ReadWritePaths", '"/srv/my app" -/var/cache/app'); // ["/srv/my app", "/var/cache/app"]
 * ```
 */
export function directivePaths(key: string, value: string): string[] {
  const paths = key === "WorkingDirectory"
    ? [value]
    : key === "ReadWritePaths" || key === "ReadOnlyPaths"
    ? splitListValue(value)
    : [];
  return paths.map((path) => path.replace(/^[-+]/, "").replaceAll("%%", "%"));
}
