/**
 * The systemd service scope: `s.daemon(name, (d) => { ... })`.
 *
 * @module
 */
import { z } from "zod";
import { type AddressInput, listenAddress, policyAddress } from "../model/address.ts";
import type { Listener, Monitor, UnitSections } from "../model/resource.ts";
import { RESOURCE_LIMIT_OPTIONS } from "../model/runtime.ts";
import {
  type Directives,
  escapeSpecifiers,
  pathList,
  RESOURCE_PROFILES,
  resourceDirectives,
  type ResourceLimits,
  SANDBOX_PROFILES,
  sandboxDirectives,
} from "../model/systemd.ts";
import {
  checkArgument,
  checkOptions,
  describe,
  is,
  noExtraArguments,
  wordError,
} from "./options.ts";
import {
  directive,
  type DirectiveInput,
  environmentValue,
  type ExecInput,
  execLine,
  flattenExec,
  restartPolicy,
  sectionDirectives,
  serviceType,
  timespan,
  unitReference,
} from "./sections.ts";
import { parseDurationMs } from "../text/duration.ts";

export type { ExecInput };

/** Options of {@link DaemonScope.run}: the common [Service] settings in one call. */
export interface RunOptions {
  /** `Type=`: simple, exec, forking, oneshot, dbus, notify, idle. */
  type?: string;
  /** `ExecStart=`, an argv list (absolute program). */
  execStart?: ExecInput;
  /** `ExecStartPre=`, an argv list. */
  execStartPre?: ExecInput;
  /** `ExecStop=`, an argv list. */
  execStop?: ExecInput;
  /** `User=`. */
  user?: string;
  /** `Group=`. */
  group?: string;
  /** `WorkingDirectory=`. */
  workingDirectory?: string;
  /** `ReadWritePaths=`. */
  readWritePaths?: string[];
  /** `ReadOnlyPaths=`. */
  readOnlyPaths?: string[];
  /** `EnvironmentFile=`; a change to that file restarts the unit. */
  environmentFile?: string;
  /** `Environment=`, one per key (not for secrets: use an env file). */
  environment?: Record<string, string | number | boolean>;
  /** `Restart=` (`on_failure` → on-failure). */
  restart?: string;
  /** `RestartSec=`, seconds or a time span. */
  restartSec?: string | number;
}

/** Options of {@link DaemonScope.sandbox}. */
export interface SandboxOverrides {
  /** Resource limits, optionally from a resource profile (`profile`). */
  resources?: ResourceLimits & { profile?: string };
  /** Settings over the sandbox profile, as directive names (`privateNetwork: true`). */
  sandbox?: Record<string, string | boolean | string[]>;
}

/** Options of {@link DaemonScope.listen}. */
export interface ListenOptions {
  /** The port (required for a named listener). */
  port?: number;
  /** The address to bind: `"loopback"` (default), `"any"`, `[10, 0, 0, 5]`, … */
  on?: AddressInput;
}

/** Options of {@link DaemonScope.networkPolicy}. */
export interface NetworkPolicy {
  /** `IPAddressDeny=`: `"all"`/`"any"` or an address. */
  deny?: AddressInput | "all";
  /** `IPAddressAllow=`: addresses and aliases (`loopback`, `[10, 44, 0, 0, 24]`). */
  allow?: AddressInput[];
}

/** Options of {@link DaemonScope.logs}: log intent; the last three also write directives. */
export interface LogOptions {
  /** Where logs go (`journald`). */
  driver?: string;
  /** How long to keep them (`"14d"`). */
  retention?: string;
  /** Whether a collector ships them. */
  ship?: boolean;
  /** Extra attributes for the collector. */
  attributes?: Record<string, unknown>;
  /** `SyslogIdentifier=`. */
  identifier?: string;
  /** `StandardOutput=` (`journal`, `null`, …). */
  stdout?: string;
  /** `StandardError=`. */
  stderr?: string;
}

/** Options of {@link DaemonScope.telemetry}: collection intent for the collector config. */
export interface TelemetryOptions {
  /** Collect logs (`true`, `"journald"`). */
  logs?: boolean | string;
  /** Collect metrics (`true`, `"systemd"`). */
  metrics?: boolean | string;
  /** Collect traces. */
  traces?: boolean | string;
  /** The service name the collector reports. */
  serviceName?: string;
  /** Extra resource attributes. */
  attributes?: Record<string, unknown>;
}

/** Options of {@link DaemonScope.monitor}, by check type, plus `severity`. */
export interface MonitorOptions {
  /** `info`, `warning` (default) or `critical`. */
  severity?: string;
  /** What the check expects (`{ state: "active" }`, `{ status: 200 }`). */
  expect?: Record<string, unknown>;
  /** For `http`: the URL to fetch. */
  url?: string;
  /** For `port`: the port that must accept connections. */
  port?: number;
  /** For `file`: the path that must exist. */
  path?: string;
  /** For `file`: `false` when the path must be absent. */
  exists?: boolean;
  /** For `mix`: the task to run. */
  task?: string;
  /** How often, a time span (`"5m"`). */
  every?: string;
  /**
   * How long the check may take to hold (`"30s"`, `"500ms"` or seconds). As the readiness of
   * a started service, apply retries it this long (default 60 s); `hostkit monitor` waits this
   * long for one answer (default 10 s).
   */
  timeout?: string | number;
  /** For `git`: the tree must be clean. */
  clean?: boolean;
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
  networkPolicy?: { deny?: string; allow: string[] };
}

const SERVICE_OPTIONS = z.union([z.string(), z.boolean(), z.array(z.string())]);
const sandboxSettings = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a directive name"),
  SERVICE_OPTIONS,
);
const addressInput = z.union([
  z.string(),
  z.array(z.number()),
  z.tuple([z.array(z.number()), z.number()]),
]);
const MONITOR_TYPES = ["systemd", "http", "port", "file", "mix", "git"] as const;

/**
 * Declares a systemd service unit. Each method is a directive of the reference's
 * DSL in camelCase; aliases (`"network_online"`, `"multi_user"`, profiles) are
 * resolved and values checked as they are called.
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

  /** @internal A scope for the unit `name`; configs get one from `s.daemon(…)`. */
  constructor(readonly name: string) {}

  /**
   * `Description=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.description("Web frontend");
   *   }));
   * ```
   */
  description(text: string, ...extra: never[]): void {
    noExtraArguments("description", 1, extra);
    checkArgument("description", "the text", text, is.string);
    this.state.unit.push(["Description", escapeSpecifiers(text)]);
  }

  /**
   * `After=` (target aliases allowed): `d.afterTarget("network_online")`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.afterTarget("network_online");
   *   }));
   * ```
   */
  afterTarget(...targets: string[]): void {
    for (const t of targets) this.state.unit.push(["After", unitReference("afterTarget", t)]);
  }

  /**
   * `After=`: same as {@link afterTarget}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.after("postgresql.service");
   *   }));
   * ```
   */
  after(...units: string[]): void {
    for (const u of units) this.state.unit.push(["After", unitReference("after", u)]);
  }

  /**
   * `Wants=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.wants("network_online");
   *   }));
   * ```
   */
  wants(...units: string[]): void {
    for (const u of units) this.state.unit.push(["Wants", unitReference("wants", u)]);
  }

  /**
   * `Requires=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.requires("postgresql.service");
   *   }));
   * ```
   */
  requires(...units: string[]): void {
    for (const u of units) this.state.unit.push(["Requires", unitReference("requires", u)]);
  }

  /**
   * `Type=` (simple, exec, forking, oneshot, dbus, notify, idle).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.type("notify");
   *   }));
   * ```
   */
  type(kind: string, ...extra: never[]): void {
    noExtraArguments("type", 1, extra);
    this.state.service.push(["Type", serviceType("type", kind)]);
  }

  /**
   * `User=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.serviceUser("web");
   *   }));
   * ```
   */
  serviceUser(user: string, ...extra: never[]): void {
    noExtraArguments("serviceUser", 1, extra);
    this.state.service.push(["User", checkArgument("serviceUser", "the user", user, is.nonEmpty)]);
  }

  /**
   * `Group=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.serviceGroup("web");
   *   }));
   * ```
   */
  serviceGroup(group: string, ...extra: never[]): void {
    noExtraArguments("serviceGroup", 1, extra);
    this.state.service.push([
      "Group",
      checkArgument("serviceGroup", "the group", group, is.nonEmpty),
    ]);
  }

  /**
   * `WorkingDirectory=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.workingDirectory("/srv/web");
   *   }));
   * ```
   */
  workingDirectory(path: string, ...extra: never[]): void {
    noExtraArguments("workingDirectory", 1, extra);
    checkArgument("workingDirectory", "the path", path, is.absolutePath);
    this.state.service.push(["WorkingDirectory", escapeSpecifiers(path)]);
  }

  /**
   * `ExecStart=` from an argv list; the program path must be absolute.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.execStart(["/opt/web/bin/server", "--port", "4000"]);
   *   }));
   * ```
   */
  execStart(argv: ExecInput, ...extra: never[]): void {
    noExtraArguments("execStart", 1, extra);
    if (Array.isArray(argv) && argv.length === 0) {
      throw wordError("execStart", "needs an absolute program path, got []");
    }
    const args = flattenExec("execStart", argv);
    if (!args[0].startsWith("/")) {
      throw wordError(
        "execStart",
        `needs an absolute program path, got ${JSON.stringify(args[0])}`,
      );
    }
    this.state.service.push(["ExecStart", execLine(args)]);
  }

  /**
   * `ExecStart=`: upstream's short name for {@link execStart}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.exec(["/opt/web/bin/server"]);
   *   }));
   * ```
   */
  exec(argv: ExecInput, ...extra: never[]): void {
    noExtraArguments("exec", 1, extra);
    this.execStart(argv);
  }

  /**
   * `ExecStartPre=` from an argv list.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.execStartPre(["/opt/web/bin/server", "check"]);
   *   }));
   * ```
   */
  execStartPre(argv: ExecInput, ...extra: never[]): void {
    noExtraArguments("execStartPre", 1, extra);
    this.state.service.push(["ExecStartPre", execLine(flattenExec("execStartPre", argv))]);
  }

  /**
   * `ExecStop=` from an argv list.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.execStop(["/opt/web/bin/server", "stop"]);
   *   }));
   * ```
   */
  execStop(argv: ExecInput, ...extra: never[]): void {
    noExtraArguments("execStop", 1, extra);
    this.state.service.push(["ExecStop", execLine(flattenExec("execStop", argv))]);
  }

  /**
   * `Environment=KEY=value` (not for secrets: use an env file).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.environment("MIX_ENV", "prod");
   *   }));
   * ```
   */
  environment(key: string, value: string | number | boolean, ...extra: never[]): void {
    noExtraArguments("environment", 2, extra);
    this.state.service.push(["Environment", environmentValue("environment", key, value)]);
  }

  /**
   * `EnvironmentFile=`; a change to that file restarts the unit.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.environmentFile("/etc/web/env");
   *   }));
   * ```
   */
  environmentFile(path: string, ...extra: never[]): void {
    noExtraArguments("environmentFile", 1, extra);
    checkArgument("environmentFile", "the path", path, is.absolutePath);
    this.state.service.push(["EnvironmentFile", escapeSpecifiers(path)]);
    this.state.environmentFiles.push(path);
  }

  /**
   * `Restart=` (`"on_failure"` → on-failure).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.restart("on_failure");
   *   }));
   * ```
   */
  restart(policy: string, ...extra: never[]): void {
    noExtraArguments("restart", 1, extra);
    this.state.service.push(["Restart", restartPolicy("restart", policy)]);
  }

  /**
   * `RestartSec=` in seconds or a systemd time span.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.restartSec("5s");
   *   }));
   * ```
   */
  restartSec(value: number | string, ...extra: never[]): void {
    noExtraArguments("restartSec", 1, extra);
    this.state.service.push(["RestartSec", timespan("restartSec", value)]);
  }

  /**
   * A hardening profile (`web_service`, `strict_web`, …) with optional overrides.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.hardening("strict_web", { readWritePaths: ["/srv/web"] });
   *   }));
   * ```
   */
  hardening(
    profile: string,
    overrides: Record<string, string | boolean | string[]> = {},
    ...extra: never[]
  ): void {
    noExtraArguments("hardening", 2, extra);
    this.state.service.push(...profileDirectives("hardening", profile, overrides));
  }

  /**
   * A sandbox profile with resource limits: those of the resource profile of the
   * same name (`vibe_dev`, `strict_app`, `untrusted`), of `resources.profile`, or
   * none (`web_service`, `strict_web` have none), each overridable.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.sandbox("untrusted", { resources: { memoryMax: "256M" }, sandbox: { privateNetwork: false } });
   *   }));
   * ```
   */
  sandbox(profile: string, overrides?: SandboxOverrides, ...extra: never[]): void {
    noExtraArguments("sandbox", 2, extra);
    const options = checkOptions("sandbox", overrides, {
      resources: z.record(z.string(), z.unknown()),
      sandbox: is.checkedByWord,
    });
    this.state.service.push(...profileDirectives("sandbox", profile, options.sandbox ?? {}));
    const { profile: limitsProfile, ...limits } = checkOptions(
      "sandbox resources",
      options.resources,
      { ...RESOURCE_LIMIT_OPTIONS, profile: is.string },
    );
    if (limitsProfile !== undefined && !(limitsProfile in RESOURCE_PROFILES)) {
      throw wordError(
        "sandbox resources",
        `unknown resource profile ${JSON.stringify(limitsProfile)} (known: ${
          Object.keys(RESOURCE_PROFILES).join(", ")
        })`,
      );
    }
    const base = limitsProfile ?? (profile in RESOURCE_PROFILES ? profile : undefined);
    this.state.service.push(...resourceDirectives(base, limits));
  }

  /**
   * Resource limits: a profile name (`small`, `medium`, `large`) or explicit limits.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.resources("small", { cpuWeight: 50 });
   *   }));
   * ```
   */
  resources(
    profileOrLimits: string | ResourceLimits,
    overrides?: ResourceLimits,
    ...extra: never[]
  ): void {
    noExtraArguments("resources", 2, extra);
    if (typeof profileOrLimits === "string" && !(profileOrLimits in RESOURCE_PROFILES)) {
      throw wordError(
        "resources",
        `unknown resource profile ${JSON.stringify(profileOrLimits)} (known: ${
          Object.keys(RESOURCE_PROFILES).join(", ")
        })`,
      );
    }
    const more = checkOptions("resources", overrides, RESOURCE_LIMIT_OPTIONS);
    const directives = typeof profileOrLimits === "string"
      ? resourceDirectives(profileOrLimits, more)
      : resourceDirectives(undefined, {
        ...checkOptions("resources", profileOrLimits, RESOURCE_LIMIT_OPTIONS),
        ...more,
      });
    this.state.service.push(...directives);
  }

  /**
   * `ReadWritePaths=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.readWritePaths(["/srv/web", "-/var/cache/web"]);
   *   }));
   * ```
   */
  readWritePaths(paths: string[], ...extra: never[]): void {
    noExtraArguments("readWritePaths", 1, extra);
    this.pathDirective("readWritePaths", "ReadWritePaths", paths);
  }

  /**
   * `ReadOnlyPaths=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.readOnlyPaths(["/etc/web"]);
   *   }));
   * ```
   */
  readOnlyPaths(paths: string[], ...extra: never[]): void {
    noExtraArguments("readOnlyPaths", 1, extra);
    this.pathDirective("readOnlyPaths", "ReadOnlyPaths", paths);
  }

  /**
   * `InaccessiblePaths=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.inaccessiblePaths(["/home"]);
   *   }));
   * ```
   */
  inaccessiblePaths(paths: string[], ...extra: never[]): void {
    noExtraArguments("inaccessiblePaths", 1, extra);
    this.pathDirective("inaccessiblePaths", "InaccessiblePaths", paths);
  }

  /** Adds a path-list directive (`ReadWritePaths=`, …) after checking each path. */
  private pathDirective(word: string, key: string, paths: string[]): void {
    // `-` ignores a missing path, `+` resolves it outside RootDirectory=.
    checkArgument(
      word,
      "the paths",
      paths,
      z.array(z.string().regex(/^[-+]{0,2}\//, "must be an absolute path (a -/+ prefix allowed)")),
    );
    if (paths.length) this.state.service.push([key, pathList(paths)]);
  }

  /**
   * `WantedBy=` (`"multi_user"` → multi-user.target).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.wantedBy("multi_user");
   *   }));
   * ```
   */
  wantedBy(...targets: string[]): void {
    for (const t of targets) this.state.install.push(["WantedBy", unitReference("wantedBy", t)]);
  }

  /**
   * Several [Service] settings at once, as the reference's `run user: …, exec_start: …`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.run({ user: "web", execStart: ["/opt/web/bin/server"], restart: "on_failure", restartSec: 5 });
   *   }));
   * ```
   */
  run(options: RunOptions, ...extra: never[]): void {
    noExtraArguments("run", 1, extra);
    const o = checkOptions("run", options, {
      type: is.checkedByWord,
      execStart: is.checkedByWord,
      execStartPre: is.checkedByWord,
      execStop: is.checkedByWord,
      user: is.nonEmpty,
      group: is.nonEmpty,
      workingDirectory: is.absolutePath,
      readWritePaths: is.checkedByWord,
      readOnlyPaths: is.checkedByWord,
      environmentFile: is.absolutePath,
      environment: z.record(z.string(), is.scalar),
      restart: is.checkedByWord,
      restartSec: is.checkedByWord,
    });
    if (o.type !== undefined) this.type(o.type);
    if (o.user !== undefined) this.serviceUser(o.user);
    if (o.group !== undefined) this.serviceGroup(o.group);
    if (o.workingDirectory !== undefined) this.workingDirectory(o.workingDirectory);
    if (o.execStartPre !== undefined) this.execStartPre(o.execStartPre);
    if (o.execStart !== undefined) this.execStart(o.execStart);
    if (o.execStop !== undefined) this.execStop(o.execStop);
    for (const [key, value] of Object.entries(o.environment ?? {})) this.environment(key, value);
    if (o.environmentFile !== undefined) this.environmentFile(o.environmentFile);
    if (o.restart !== undefined) this.restart(o.restart);
    if (o.restartSec !== undefined) this.restartSec(o.restartSec);
    if (o.readWritePaths !== undefined) this.readWritePaths(o.readWritePaths);
    if (o.readOnlyPaths !== undefined) this.readOnlyPaths(o.readOnlyPaths);
  }

  /**
   * [Unit] directives by name: `d.unit({ description: "Web", after: "network_online" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.unit({ description: "Web", after: ["network_online", "postgresql.service"] });
   *   }));
   * ```
   */
  unit(directives: Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("unit", 1, extra);
    this.state.unit.push(...sectionDirectives("unit", "Unit", directives));
  }

  /**
   * [Service] directives by name: `d.service({ type: "oneshot", execStart: ["/bin/true"] })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.service({ type: "oneshot", execStart: ["/bin/true"], remainAfterExit: true });
   *   }));
   * ```
   */
  service(directives: Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("service", 1, extra);
    const out = sectionDirectives("service", "Service", directives);
    for (const [key, value] of out) {
      if (key === "EnvironmentFile") this.state.environmentFiles.push(value.replaceAll("%%", "%"));
    }
    this.state.service.push(...out);
  }

  /**
   * [Install] directives by name: `d.install({ wantedBy: "multi_user" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.install({ wantedBy: "multi_user" });
   *   }));
   * ```
   */
  install(directives: Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("install", 1, extra);
    this.state.install.push(...sectionDirectives("install", "Install", directives));
  }

  /**
   * A named listener: `d.listen("http", { port: 3000 })` binds 127.0.0.1 unless
   * `on` says otherwise; an unnamed one: `d.listen(3000, { on: "any" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.listen("http", { port: 4000 }); // 127.0.0.1:4000
   *     d.listen("public", { port: 443, on: "any" });
   *   }));
   * ```
   */
  listen(nameOrPort: string | number, options?: ListenOptions, ...extra: never[]): void {
    noExtraArguments("listen", 2, extra);
    const o = checkOptions("listen", options, { port: is.port, on: addressInput });
    if (typeof nameOrPort === "number") {
      checkArgument("listen", "the port", nameOrPort, is.port);
      if (o.port !== undefined) {
        throw wordError("listen", "give the port once: listen(3000) or listen(name, { port })");
      }
    } else checkArgument("listen", "the name", nameOrPort, is.nonEmpty);
    const port = typeof nameOrPort === "number" ? nameOrPort : o.port;
    if (port === undefined) throw wordError("listen", `listener ${nameOrPort} needs a port`);
    const name = typeof nameOrPort === "string" ? nameOrPort : `port_${port}`;
    if (this.state.listeners.some((l) => l.name === name)) {
      throw wordError("listen", `listener ${JSON.stringify(name)} is declared twice`);
    }
    let address: string;
    try {
      address = listenAddress(o.on ?? "loopback");
    } catch (error) {
      throw wordError("listen", (error as Error).message);
    }
    this.state.listeners.push({ name, port, address });
  }

  /**
   * `IPAddressDeny=` / `IPAddressAllow=` and address families.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.networkPolicy({ deny: "all", allow: ["loopback", [[10, 44, 0, 0], 24]] });
   *   }));
   * ```
   */
  networkPolicy(policy: NetworkPolicy, ...extra: never[]): void {
    noExtraArguments("networkPolicy", 1, extra);
    const o = checkOptions("networkPolicy", policy, {
      deny: addressInput,
      allow: z.array(addressInput),
    });
    try {
      const deny = o.deny === undefined ? undefined : policyAddress(o.deny);
      const allow = (o.allow ?? []).map(policyAddress);
      if (deny !== undefined) this.state.service.push(["IPAddressDeny", deny]);
      if (allow.length) this.state.service.push(["IPAddressAllow", allow.join(" ")]);
      this.state.networkPolicy = { ...(deny === undefined ? {} : { deny }), allow };
    } catch (error) {
      throw wordError("networkPolicy", (error as Error).message);
    }
    this.state.service.push(["RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"]);
  }

  /**
   * Log intent; `identifier`, `stdout`, `stderr` also become unit directives.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.logs({ identifier: "web", stdout: "journal", retention: "14d" });
   *   }));
   * ```
   */
  logs(options: LogOptions, ...extra: never[]): void {
    noExtraArguments("logs", 1, extra);
    const o = checkOptions("logs", options, LOG_OPTIONS);
    this.state.logs = { ...this.state.logs, ...o };
    if (o.identifier !== undefined) {
      this.state.service.push(["SyslogIdentifier", escapeSpecifiers(o.identifier)]);
    }
    if (o.stdout !== undefined) {
      this.state.service.push(...directive("logs", "Service", "StandardOutput", o.stdout));
    }
    if (o.stderr !== undefined) {
      this.state.service.push(...directive("logs", "Service", "StandardError", o.stderr));
    }
  }

  /**
   * Telemetry collection intent (metadata for the collector config).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.telemetry({ logs: "journald", metrics: false });
   *   }));
   * ```
   */
  telemetry(options: TelemetryOptions, ...extra: never[]): void {
    noExtraArguments("telemetry", 1, extra);
    this.state.telemetry = {
      ...this.state.telemetry,
      ...checkOptions("telemetry", options, TELEMETRY_OPTIONS),
    };
  }

  /**
   * A monitor check: `d.monitor("systemd", { expect: { state: "active" }, severity: "critical" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.monitor("systemd", { expect: { state: "active" }, severity: "critical" });
   *   }));
   * ```
   */
  monitor(type: Monitor["type"], options?: MonitorOptions, ...extra: never[]): void {
    noExtraArguments("monitor", 2, extra);
    checkArgument("monitor", "the check type", type, z.enum(MONITOR_TYPES));
    const { severity = "warning", ...rest } = checkOptions("monitor", options, {
      severity: z.enum(["info", "warning", "critical"]),
      expect: is.record,
      url: z.url(),
      port: is.port,
      path: is.absolutePath,
      exists: is.boolean,
      task: is.nonEmpty,
      every: is.checkedByWord,
      clean: is.boolean,
      timeout: z.union([z.string(), z.number()]),
    });
    if (rest.every !== undefined) timespan("monitor every", rest.every);
    const { timeout, ...checked } = rest;
    const timeoutMs = timeout === undefined
      ? undefined
      : seconds("monitor timeout", timeout) * 1000;
    if (timeoutMs === 0) throw new TypeError("monitor timeout must be more than 0s");
    this.state.monitors.push({
      type,
      options: timeoutMs === undefined ? checked : { ...checked, timeoutMs },
      severity,
    });
  }

  /**
   * How long apply watches the unit after (re)starting it before calling it healthy:
   * `d.settle("5s")`, `"500ms"`, `"0s"` (only check it started) or seconds; default 1 s.
   */
  settle(window: string | number): void {
    this.state.settle = seconds("settle", window);
  }

  /**
   * Any other directive: `d.directive("Service", "LimitNOFILE", 65536)`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.daemon("web.service", (d) => {
   *     d.directive("Service", "LimitNOFILE", 65536);
   *   }));
   * ```
   */
  directive(
    section: "Unit" | "Service" | "Install",
    key: string,
    value: string | number | boolean | string[],
    ...extra: never[]
  ): void {
    noExtraArguments("directive", 3, extra);
    checkArgument("directive", "the section", section, z.enum(["Unit", "Service", "Install"]));
    const list = section === "Unit"
      ? this.state.unit
      : section === "Install"
      ? this.state.install
      : this.state.service;
    list.push(...directive("directive", section, key, value));
  }

  /** @internal The unit's sections, in file order. */
  sections(): UnitSections {
    const sections: UnitSections = [["Unit", this.state.unit], ["Service", this.state.service]];
    if (this.state.install.length) sections.push(["Install", this.state.install]);
    return sections;
  }
}

/** The checks of {@link LogOptions}, shared with the project's observability word. */
export const LOG_OPTIONS = {
  driver: z.enum(["journald"]),
  retention: is.checkedByWord,
  ship: is.boolean,
  attributes: is.record,
  identifier: is.nonEmpty,
  stdout: is.nonEmpty,
  stderr: is.nonEmpty,
};

/** The checks of {@link TelemetryOptions}. */
export const TELEMETRY_OPTIONS = {
  logs: z.union([z.boolean(), z.string()]),
  metrics: z.union([z.boolean(), z.string()]),
  traces: z.union([z.boolean(), z.string()]),
  serviceName: is.nonEmpty,
  attributes: is.record,
};

function profileDirectives(
  word: string,
  profile: string,
  overrides: unknown,
): Directives {
  if (!(profile in SANDBOX_PROFILES)) {
    throw wordError(
      word,
      `unknown sandbox profile ${JSON.stringify(profile)} (known: ${
        Object.keys(SANDBOX_PROFILES).join(", ")
      })`,
    );
  }
  const settings = sandboxSettings.safeParse(overrides);
  if (!settings.success) {
    throw wordError(
      word,
      `the overrides: expected directive names with string, boolean or list values, got ${
        describe(overrides)
      }`,
    );
  }
  const out = sandboxDirectives(profile, settings.data);
  // Each override must be a directive systemd knows, or it would be ignored on the host.
  for (const key of Object.keys(settings.data)) directive(word, "Service", key, settings.data[key]);
  return out;
}

/** A short duration in seconds: `"5s"`, `"500ms"`, `"2m"` or a number of seconds, up to 1 h. */
function seconds(word: string, value: string | number): number {
  const result = typeof value === "number" ? value : (parseDurationMs(value) ?? NaN) / 1000;
  if (!(result >= 0 && result <= 3600)) {
    throw new TypeError(
      `${word} needs a duration up to 1 h such as "5s" or "0s", got ${JSON.stringify(value)}`,
    );
  }
  return result;
}
