/**
 * The systemd service scope: `s.daemon(name, (d) => { ... })`.
 *
 * @module
 */
import { type AddressInput, listenAddress, policyAddress } from "../model/address.ts";
import type { Listener, Monitor, UnitSections } from "../model/resource.ts";
import {
  directiveName,
  type Directives,
  directiveValue,
  escapeSpecifiers,
  pathList,
  RESOURCE_PROFILES,
  resourceDirectives,
  type ResourceLimits,
  sandboxDirectives,
  unitName,
} from "../model/systemd.ts";

/** Options of {@link DaemonScope.run}: the common service settings in one call. */
export interface RunOptions {
  execStart?: string[];
  user?: string;
  group?: string;
  workingDirectory?: string;
  readWritePaths?: string[];
  environmentFile?: string;
  restart?: string;
}

/** Options of {@link DaemonScope.sandbox}. */
export interface SandboxOverrides {
  resources?: ResourceLimits & { profile?: string };
  sandbox?: Record<string, string | boolean | string[]>;
}

/** What {@link DaemonScope} accumulates; turned into a systemd_service resource. */
export interface DaemonState {
  unit: Directives;
  service: Directives;
  install: Directives;
  environmentFiles: string[];
  listeners: Listener[];
  monitors: Monitor[];
  logs?: Record<string, unknown>;
  telemetry?: Record<string, unknown>;
  /** Settle window in seconds (see {@link DaemonScope.settle}). */
  settle?: number;
}

/**
 * An argv list as an Exec*= command line that systemd reads back literally:
 * `%` doubled (specifiers), `$` doubled in arguments (systemd substitutes
 * `$VAR` there, but not in the program path it executes), a lone `;` escaped
 * (it would separate commands), and words with whitespace, quotes or
 * backslashes, or empty ones, quoted with C escapes.
 */
function execLine(argv: string[]): string {
  return argv.map((arg, index) => {
    let word = escapeSpecifiers(arg);
    if (index > 0) word = word.replaceAll("$", () => "$$");
    if (word === ";") return "\\;";
    return word === "" || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word;
  }).join(" ");
}

/**
 * Declares a systemd service unit. Each method is a directive of the reference's
 * DSL in camelCase; aliases (`"network_online"`, `"multi_user"`, profiles) are
 * resolved as they are called.
 */
export class DaemonScope {
  /** @internal */
  readonly state: DaemonState = {
    unit: [],
    service: [],
    install: [],
    environmentFiles: [],
    listeners: [],
    monitors: [],
  };

  constructor(readonly name: string) {}

  /** `Description=`. */
  description(text: string): void {
    this.state.unit.push(["Description", escapeSpecifiers(text)]);
  }

  /** `After=` (target aliases allowed). */
  afterTarget(...targets: string[]): void {
    for (const t of targets) this.state.unit.push(["After", unitName(t)]);
  }

  /** `After=`: same as {@link afterTarget}. */
  after(...units: string[]): void {
    this.afterTarget(...units);
  }

  /** `Wants=`. */
  wants(...units: string[]): void {
    for (const u of units) this.state.unit.push(["Wants", unitName(u)]);
  }

  /** `Requires=`. */
  requires(...units: string[]): void {
    for (const u of units) this.state.unit.push(["Requires", unitName(u)]);
  }

  /** `Type=` (simple, exec, notify, oneshot, forking). */
  type(kind: string): void {
    this.state.service.push(["Type", kind]);
  }

  /** `User=`. */
  serviceUser(user: string): void {
    this.state.service.push(["User", user]);
  }

  /** `Group=`. */
  serviceGroup(group: string): void {
    this.state.service.push(["Group", group]);
  }

  /** `WorkingDirectory=`. */
  workingDirectory(path: string): void {
    this.state.service.push(["WorkingDirectory", escapeSpecifiers(path)]);
  }

  /** `ExecStart=` from an argv list. */
  execStart(argv: string[]): void {
    if (argv.length === 0 || !argv[0].startsWith("/")) {
      throw new TypeError(`execStart needs an absolute program path, got ${JSON.stringify(argv)}`);
    }
    this.state.service.push(["ExecStart", execLine(argv)]);
  }

  /** `ExecStartPre=` from an argv list. */
  execStartPre(argv: string[]): void {
    this.state.service.push(["ExecStartPre", execLine(argv)]);
  }

  /** `Environment=KEY=value` (not for secrets: use an env file). */
  environment(key: string, value: string | number | boolean): void {
    this.state.service.push(["Environment", JSON.stringify(escapeSpecifiers(`${key}=${value}`))]);
  }

  /** `EnvironmentFile=`; a change to that file restarts the unit. */
  environmentFile(path: string): void {
    this.state.service.push(["EnvironmentFile", escapeSpecifiers(path)]);
    this.state.environmentFiles.push(path);
  }

  /** `Restart=` (`"on_failure"` → on-failure). */
  restart(policy: string): void {
    this.state.service.push(["Restart", policy.replaceAll("_", "-")]);
  }

  /** `RestartSec=` in seconds or a systemd time span. */
  restartSec(value: number | string): void {
    this.state.service.push(["RestartSec", String(value)]);
  }

  /** A hardening profile (`web_service`, `strict_web`, …) with optional overrides. */
  hardening(profile: string, overrides: Record<string, string | boolean | string[]> = {}): void {
    this.state.service.push(...sandboxDirectives(profile, overrides));
  }

  /**
   * A sandbox profile with resource limits: those of the resource profile of the
   * same name (`vibe_dev`, `strict_app`, `untrusted`), of `resources.profile`, or
   * none (`web_service`, `strict_web` have none), each overridable.
   */
  sandbox(profile: string, overrides: SandboxOverrides = {}): void {
    this.hardening(profile, overrides.sandbox);
    const { profile: limitsProfile, ...limits } = overrides.resources ?? {};
    const base = limitsProfile ?? (profile in RESOURCE_PROFILES ? profile : undefined);
    this.state.service.push(...resourceDirectives(base, limits));
  }

  /** Resource limits: a profile name (`small`, `medium`, `large`) or explicit limits. */
  resources(profileOrLimits: string | ResourceLimits, overrides: ResourceLimits = {}): void {
    const directives = typeof profileOrLimits === "string"
      ? resourceDirectives(profileOrLimits, overrides)
      : resourceDirectives(undefined, { ...profileOrLimits, ...overrides });
    this.state.service.push(...directives);
  }

  /** `ReadWritePaths=`. */
  readWritePaths(paths: string[]): void {
    if (paths.length) this.state.service.push(["ReadWritePaths", pathList(paths)]);
  }

  /** `ReadOnlyPaths=`. */
  readOnlyPaths(paths: string[]): void {
    if (paths.length) this.state.service.push(["ReadOnlyPaths", pathList(paths)]);
  }

  /** `InaccessiblePaths=`. */
  inaccessiblePaths(paths: string[]): void {
    if (paths.length) this.state.service.push(["InaccessiblePaths", pathList(paths)]);
  }

  /** `WantedBy=` (`"multi_user"` → multi-user.target). */
  wantedBy(...targets: string[]): void {
    for (const t of targets) this.state.install.push(["WantedBy", unitName(t)]);
  }

  /** Several settings at once, as the reference's `run user: …, exec_start: …`. */
  run(options: RunOptions): void {
    if (options.user) this.serviceUser(options.user);
    if (options.group) this.serviceGroup(options.group);
    if (options.workingDirectory) this.workingDirectory(options.workingDirectory);
    if (options.execStart) this.execStart(options.execStart);
    if (options.environmentFile) this.environmentFile(options.environmentFile);
    if (options.restart) this.restart(options.restart);
    if (options.readWritePaths) this.readWritePaths(options.readWritePaths);
  }

  /**
   * A named listener: `d.listen("http", { port: 3000, on: "loopback" })`, or an
   * unnamed one: `d.listen(3000, { on: [127, 0, 0, 1] })`.
   */
  listen(nameOrPort: string | number, options: { port?: number; on?: AddressInput } = {}): void {
    const port = typeof nameOrPort === "number" ? nameOrPort : options.port;
    if (port === undefined) throw new TypeError(`listener ${nameOrPort} needs a port`);
    const name = typeof nameOrPort === "string" ? nameOrPort : `port_${port}`;
    this.state.listeners.push({ name, port, address: listenAddress(options.on ?? "any") });
  }

  /** `IPAddressDeny=` / `IPAddressAllow=` and address families. */
  networkPolicy(policy: { deny?: AddressInput | "all"; allow?: AddressInput[] }): void {
    if (policy.deny !== undefined) {
      this.state.service.push(["IPAddressDeny", policyAddress(policy.deny)]);
    }
    if (policy.allow?.length) {
      this.state.service.push(["IPAddressAllow", policy.allow.map(policyAddress).join(" ")]);
    }
    this.state.service.push(["RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"]);
  }

  /** Log intent; `identifier`, `stdout`, `stderr` also become unit directives. */
  logs(options: Record<string, unknown>): void {
    this.state.logs = { ...this.state.logs, ...options };
    if (typeof options.identifier === "string") {
      this.state.service.push(["SyslogIdentifier", escapeSpecifiers(options.identifier)]);
    }
    for (const stream of ["stdout", "stderr"] as const) {
      const target = options[stream];
      if (typeof target === "string") {
        this.state.service.push([stream === "stdout" ? "StandardOutput" : "StandardError", target]);
      }
    }
  }

  /** Telemetry collection intent (metadata for the collector config). */
  telemetry(options: Record<string, unknown>): void {
    this.state.telemetry = { ...this.state.telemetry, ...options };
  }

  /** A monitor check: `d.monitor("systemd", { expect: { state: "active" }, severity: "critical" })`. */
  monitor(
    type: Monitor["type"],
    options: Record<string, unknown> & { severity?: string } = {},
  ): void {
    const { severity = "warning", ...rest } = options;
    this.state.monitors.push({ type, options: rest, severity });
  }

  /**
   * How long apply watches the unit after (re)starting it before calling it healthy:
   * `d.settle("5s")`, `"500ms"`, `"0s"` (only check it started) or seconds; default 1 s.
   */
  settle(window: string | number): void {
    const match = typeof window === "number"
      ? [String(window), String(window), "s"]
      : /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/.exec(window);
    const seconds = match ? Number(match[1]) * ({ ms: 0.001, m: 60, min: 60 }[match[2]] ?? 1) : NaN;
    if (!(seconds >= 0 && seconds <= 3600)) {
      throw new TypeError(
        `settle needs a duration up to 1 h such as "5s" or "0s", got ${JSON.stringify(window)}`,
      );
    }
    this.state.settle = seconds;
  }

  /** Any other directive: `d.directive("Service", "LimitNOFILE", 65536)`. */
  directive(
    section: "Unit" | "Service" | "Install",
    key: string,
    value: string | number | boolean | string[],
  ): void {
    const list = section === "Unit"
      ? this.state.unit
      : section === "Install"
      ? this.state.install
      : this.state.service;
    list.push([directiveName(key), directiveValue(value)]);
  }

  /** @internal The unit's sections, in file order. */
  sections(): UnitSections {
    const sections: UnitSections = [["Unit", this.state.unit], ["Service", this.state.service]];
    if (this.state.install.length) sections.push(["Install", this.state.install]);
    return sections;
  }
}
