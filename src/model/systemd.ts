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

/** Resource limits: memory_max, cpu_quota, tasks_max. */
export interface ResourceLimits {
  memoryMax?: string;
  cpuQuota?: string;
  tasksMax?: number;
}

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
  const limits = { ...base, ...overrides };
  const out: Directives = [];
  if (limits.memoryMax !== undefined) out.push(["MemoryMax", limits.memoryMax]);
  if (limits.cpuQuota !== undefined) out.push(["CPUQuota", limits.cpuQuota]);
  if (limits.tasksMax !== undefined) out.push(["TasksMax", String(limits.tasksMax)]);
  return out;
}

const ACRONYMS: Readonly<Record<string, string>> = {
  suid: "SUID",
  sgid: "SGID",
  ipc: "IPC",
  cpu: "CPU",
  ip: "IP",
  io: "IO",
};

/**
 * Turns `private_network`, `privateNetwork` or `PrivateNetwork` into `PrivateNetwork`,
 * and `restrict_suid_sgid` into `RestrictSUIDSGID`.
 *
 * @example
 * ```ts
 * import { directiveName } from "./systemd.ts";
 * directiveName("read_write_paths"); // "ReadWritePaths"
 * ```
 */
export function directiveName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split("_")
    .filter(Boolean)
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word[0].toUpperCase() + word.slice(1))
    .join("");
}

/** Formats a directive value: booleans as yes/no, lists space-separated. */
export function directiveValue(value: string | number | boolean | string[]): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.join(" ");
  return String(value);
}
