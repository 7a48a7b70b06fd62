/**
 * Declarations shared by the project and service scopes: accounts, directories,
 * files, symlinks, env files, units, commands, packages and mise tools.
 *
 * @module
 */
import { z } from "zod";
import { type ModeInput, normalizeMode } from "../model/mode.ts";
import { hasUnitType, systemdUnit } from "../model/naming.ts";
import type { Volume } from "../model/project.ts";
import type { Listener } from "../model/resource.ts";
import { DaemonScope } from "./daemon.ts";
import type { Draft } from "./draft.ts";
import { EnvFileScope } from "./env_file.ts";
import { runBody } from "./error.ts";
import {
  checkArgument,
  checkOptions,
  describe,
  is,
  noExtraArguments,
  type OptionShape,
  wordError,
} from "./options.ts";
import { callerOrigin } from "./origin.ts";
import { miseDownload, miseToolKey } from "../packages/mise.ts";
import { joinPath, projectRoot } from "./roots.ts";
import { type ExecInput, flattenExec } from "./sections.ts";
import { TimerScope } from "./timer.ts";

export type { ExecInput };

/** `"delete_if_created"` lets a down plan remove what this plan created; `"keep"` never. */
export type Rollback = "delete_if_created" | "keep";

/** Owner, group and mode, as every file-like declaration takes them. */
export interface Ownership {
  /** The owning user; default root. */
  owner?: string;
  /** The owning group; default the owner's. */
  group?: string;
  /** A mode in any form `normalizeMode` takes (`0o640`, `"secret_group_file"`, `{ u: "rw", g: "r" }`, …). */
  mode?: ModeInput;
}

/** What file-like declarations may add: a check of the staged file and handlers. */
export interface FileChecks {
  /**
   * A command run on the host against the staged file before it replaces the old
   * one (`"visudo -cf %s"`, `%s` = the staged path); without `%s` it sees the staged
   * files in place of the old ones (`"nginx -t"`). A failure replaces nothing.
   */
  validate?: string;
  /** Units reloaded or restarted once, after the writes, when this file changes. */
  notify?: { reload?: string[]; restart?: string[] };
}

/** Options of {@link ResourceScope.account}. */
export interface AccountOptions {
  /** A system account (no aging, a low uid); default false. */
  system?: boolean;
  /** The home directory. */
  home?: string;
  /** The login shell. */
  shell?: string;
  /** A fixed user id. */
  uid?: number;
  /** Primary group; default a group named like the account. */
  group?: string;
  /** Supplementary groups. */
  groups?: string[];
  /** Default `keep`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`). */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.directory}. */
export interface DirectoryOptions extends Ownership {
  /** Default `keep`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.file}: exactly one of content, base64 or source. */
export interface FileOptions extends Ownership, FileChecks {
  /** The text of the file. */
  content?: string;
  /** The bytes of the file, base64-encoded. */
  base64?: string;
  /** A file on the controller, relative to the config that declares it. */
  source?: string;
  /** Never show its content (no diff, no preview): the plan shows its hash and size. */
  sensitive?: boolean;
  /** Default `delete_if_created`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.symlink}. */
export interface SymlinkOptions {
  /** The link's target, when not given as the second argument. */
  to?: string;
  /** The link's own owner and group (`chown -h`); a link has no mode of its own. */
  owner?: string;
  /** The link's own group (`chown -h`). */
  group?: string;
  /** Default `delete_if_created`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.envFile}. */
export interface EnvFileOptions extends Ownership, FileChecks {
  /** Default `delete_if_created`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.command}. */
export interface CommandOptions {
  /** The argv to run (no shell). */
  exec: ExecInput;
  /** When it runs relative to unit restarts; default `before_start`. */
  phase?: "before_start" | "after_start" | "always";
  /** What a down plan runs instead: an argv, `noop`, or `irreversible` (default). */
  down?: ExecInput | "noop" | "irreversible";
  /** Skip when this path exists on the host. */
  creates?: string;
  /** Skip when this shell test succeeds on the host. */
  unless?: string;
  /** The user it runs as; default root. */
  user?: string;
  /** The directory it runs in. */
  cwd?: string;
  /** Variables it runs with, e.g. `{ MIX_ENV: "prod" }` (shown in the plan; not for secrets). */
  env?: Record<string, string>;
  /**
   * `"mise"`: run inside `mise exec tool@version… --` with every mise tool declared before it
   * (`s.mise(...)`); `{ mise: ["elixir"] }`: with those tools only.
   */
  runtime?: "mise" | { mise: string[] };
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.package}. */
export interface PackageOptions {
  /** The distribution's package name, when it differs from the semantic name. */
  as?: string;
  /** Upgrade it when a newer version is available; default false. */
  update?: boolean;
  /** The package manager; default the host's. */
  manager?: "apt" | "dnf" | "apk" | "pacman";
  /** A pinned version. */
  version?: string;
  /** Default `keep`. */
  rollback?: Rollback;
  /** Ids this must come after (`"directory:/srv/app"`), besides the inferred ones. */
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.mise}. */
export interface MiseOptions {
  /** The mise binary; default /usr/local/bin/mise. */
  path?: string;
  /** Where tools are installed; default /usr/local/share/mise. */
  systemDataDir?: string;
  /** Where the mise binary is downloaded from when missing (a mirror); needs `sha256`. */
  url?: string;
  /** The sha256 of the download at `url` (64 hex digits), checked before anything is installed. */
  sha256?: string;
}

const dependsOn = z.array(
  z.string().regex(/^[a-z_]+:.+/, "a resource id such as directory:/srv/app"),
);
const OWNERSHIP = { owner: is.nonEmpty, group: is.nonEmpty, mode: is.checkedByWord };
const FILE_CHECKS: OptionShape<FileChecks> = {
  validate: is.nonEmpty,
  notify: z.strictObject({ reload: z.array(is.nonEmpty), restart: z.array(is.nonEmpty) })
    .partial(),
};

const ACCOUNT_OPTIONS: OptionShape<AccountOptions> = {
  system: is.boolean,
  home: is.absolutePath,
  shell: is.absolutePath,
  uid: is.count,
  group: is.nonEmpty,
  groups: z.array(is.nonEmpty),
  rollback: is.rollback,
  dependsOn,
};

const DIRECTORY_OPTIONS: OptionShape<DirectoryOptions> = {
  ...OWNERSHIP,
  rollback: is.rollback,
  dependsOn,
};

const FILE_OPTIONS: OptionShape<FileOptions> = {
  ...OWNERSHIP,
  ...FILE_CHECKS,
  sensitive: is.boolean,
  content: is.string,
  base64: z.base64(),
  source: is.nonEmpty,
  rollback: is.rollback,
  dependsOn,
};

const COMMAND_OPTIONS: OptionShape<CommandOptions> = {
  exec: is.checkedByWord,
  phase: z.enum(["before_start", "after_start", "always"]),
  down: is.checkedByWord,
  creates: is.absolutePath,
  unless: is.nonEmpty,
  user: is.nonEmpty,
  cwd: is.absolutePath,
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
  runtime: z.union([
    z.literal("mise"),
    z.strictObject({ mise: z.array(z.string().min(1)).min(1) }),
  ]),
  dependsOn,
};

const PACKAGE_OPTIONS: OptionShape<PackageOptions> = {
  as: is.nonEmpty,
  update: is.boolean,
  manager: z.enum(["apt", "dnf", "apk", "pacman"]),
  version: is.nonEmpty,
  rollback: is.rollback,
  dependsOn,
};

function resolveSource(source: string, origin: string | undefined): string {
  if (source.startsWith("/")) return source;
  const file = origin?.replace(/:\d+$/, "");
  if (!file?.startsWith("/")) {
    throw wordError("file", `source ${JSON.stringify(source)} must be absolute here`);
  }
  const dir = file.slice(0, file.lastIndexOf("/"));
  const parts: string[] = [];
  for (const part of `${dir}/${source}`.split("/")) {
    if (part === "..") parts.pop();
    else if (part && part !== ".") parts.push(part);
  }
  return "/" + parts.join("/");
}

/** Declarations available in both the project and a service. */
export class ResourceScope {
  /** @internal The accounts this scope declared, in order. */
  protected readonly accounts: { name: string; group: string }[] = [];

  /** @internal */
  constructor(
    /** @internal The project being built, shared by every scope of one `project()` call. */
    protected readonly draft: Draft,
    /** @internal The service this scope declares resources for, if any. */
    protected readonly owningService?: string,
  ) {}

  /** @internal Records a resource with where it was declared. */
  protected add(resource: Record<string, unknown>, origin = callerOrigin()): void {
    this.draft.resources.push({
      ...resource,
      ...(this.owningService ? { service: this.owningService } : {}),
      origin,
    });
  }

  /**
   * A path under a project root: `p.path("opt", "current/app")` →
   * `/opt/apps/current/app`. `bin`, `sbin` and `run` have defaults.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.roots({ opt: "/opt/demo" });
   *   p.directory(p.path("opt", "current"));
   * });
   * ```
   */
  path(root: string, child?: string, ...extra: never[]): string {
    noExtraArguments("path", 2, extra);
    if (child !== undefined) checkArgument("path", "the child path", child, is.nonEmpty);
    return joinPath(projectRoot(this.draft, root, "path"), child);
  }

  /**
   * A user account (and its primary group). Kept by down plans unless `rollback` says so.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.account("deploy", { system: true, home: "/var/lib/deploy", groups: ["adm"] }));
   * ```
   */
  account(name: string, options?: AccountOptions, ...extra: never[]): void {
    noExtraArguments("account", 2, extra);
    checkArgument("account", "the name", name, is.nonEmpty);
    const checked = checkOptions("account", options, ACCOUNT_OPTIONS);
    this.add({ kind: "account", name, ...checked });
    this.accounts.push({ name, group: checked.group ?? name });
  }

  /**
   * A directory, or a storage {@link Volume}'s directory.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.directory("/srv/demo", { owner: "root", mode: "public_dir" }));
   * ```
   */
  directory(pathOrVolume: string | Volume, options?: DirectoryOptions, ...extra: never[]): void {
    noExtraArguments("directory", 2, extra);
    const { mode, ...rest } = checkOptions("directory", options, DIRECTORY_OPTIONS);
    if (typeof pathOrVolume === "string") {
      this.add({ kind: "directory", path: pathOrVolume, ...rest, mode: modeOf("directory", mode) });
      return;
    }
    if (typeof pathOrVolume !== "object" || pathOrVolume === null || !("path" in pathOrVolume)) {
      throw wordError(
        "directory",
        `expected a path or a storage volume, got ${describe(pathOrVolume)}`,
      );
    }
    const v = pathOrVolume;
    this.add({
      kind: "directory",
      path: v.path,
      owner: v.owner,
      group: v.group,
      ...rest,
      mode: modeOf("directory", mode) ?? v.mode,
      storage: { name: v.name, backup: v.backup, secret: v.secret },
    });
  }

  /**
   * A file with literal content, base64 bytes, or a controller-side source file.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.file("/etc/demo.conf", { content: "port = 4000\n", mode: 0o644 }));
   * ```
   */
  file(path: string, options: FileOptions, ...extra: never[]): void {
    noExtraArguments("file", 2, extra);
    const { content, base64, source, mode, ...rest } = checkOptions("file", options, FILE_OPTIONS);
    const given = [content, base64, source].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw wordError("file", `${path} needs exactly one of content, base64 or source`);
    }
    const origin = callerOrigin();
    const body = content !== undefined
      ? { text: content }
      : base64 !== undefined
      ? { base64 }
      : { source: resolveSource(source!, origin) };
    this.add({ kind: "file", path, content: body, ...rest, mode: modeOf("file", mode) }, origin);
  }

  /**
   * A symbolic link at `path` pointing to `target`:
   * `symlink("/opt/app/current", "/opt/app/releases/v1")` or
   * `symlink("/opt/app/current", { to: "/opt/app/releases/v1" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.symlink("/opt/demo/current", { to: "/opt/demo/releases/v1" }));
   * ```
   */
  symlink(
    path: string,
    targetOrOptions: string | SymlinkOptions,
    options?: SymlinkOptions,
    ...extra: never[]
  ): void {
    noExtraArguments("symlink", 3, extra);
    const shape: OptionShape<SymlinkOptions> = {
      to: is.nonEmpty,
      owner: is.nonEmpty,
      group: is.nonEmpty,
      rollback: is.rollback,
      dependsOn,
    };
    const given = typeof targetOrOptions === "string"
      ? { ...checkOptions("symlink", options, shape), target: targetOrOptions }
      : (() => {
        if (options !== undefined) throw wordError("symlink", "give the options once");
        const { to, ...rest } = checkOptions("symlink", targetOrOptions, shape);
        return { ...rest, target: to };
      })();
    if ("to" in given && given.to !== undefined) {
      throw wordError("symlink", "give the target once: as the second argument or as to");
    }
    if (given.target === undefined) throw wordError("symlink", `${path} needs a target (to)`);
    this.add({ kind: "symlink", path, ...given });
  }

  /**
   * An env file: `s.envFile(path, { group, mode }, (e) => { e.set(…); e.secret(…) })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.envFile("/etc/demo/env", { group: "demo", mode: "secret_group_file" }, (e) => {
   *     e.set("PORT", 4000);
   *     e.secret("DATABASE_URL", { env: "DATABASE_URL" });
   *   }));
   * ```
   */
  envFile(
    path: string,
    optionsOrBody: EnvFileOptions | ((e: EnvFileScope) => void),
    body?: (e: EnvFileScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("envFile", 3, extra);
    const options = typeof optionsOrBody === "function" ? undefined : optionsOrBody;
    const fill = typeof optionsOrBody === "function" ? optionsOrBody : body;
    if (typeof optionsOrBody === "function" && body !== undefined) {
      throw wordError("envFile", "takes one body");
    }
    const { mode, ...rest } = checkOptions<EnvFileOptions>("envFile", options, {
      ...OWNERSHIP,
      ...FILE_CHECKS,
      rollback: is.rollback,
      dependsOn,
    });
    const scope = new EnvFileScope(path);
    runBody(`env file ${path}`, fill, scope);
    this.add({
      kind: "env_file",
      path,
      entries: scope.entries,
      ...rest,
      mode: modeOf("envFile", mode),
    });
  }

  /**
   * A systemd service unit, built in the callback. A name without a unit type
   * gets `.service` (`"custom"` → `custom.service`); in a service, the name may
   * be left out for the service's own unit (`s.unitName()`). In a service that
   * declared an account, `User=` and `Group=` default to that account.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) =>
   *     s.daemon((d) => {
   *       d.run({ type: "notify", execStart: ["/opt/web/bin/server"], restart: "on_failure" });
   *       d.wantedBy("multi_user");
   *     })));
   * ```
   */
  daemon(
    nameOrBody: string | ((d: DaemonScope) => void),
    body?: (d: DaemonScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("daemon", 2, extra);
    this.serviceUnit("daemon", nameOrBody, body);
  }

  /**
   * The reference's `systemd_service`: same as {@link daemon}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.systemdService("web.service", (d) => d.exec(["/opt/web/bin/server"])));
   * ```
   */
  systemdService(
    nameOrBody: string | ((d: DaemonScope) => void),
    body?: (d: DaemonScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("systemdService", 2, extra);
    this.serviceUnit("systemdService", nameOrBody, body);
  }

  /**
   * A one-shot job's service unit (`Type=` is yours to set): same as {@link daemon}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("sync", (s) => s.job(s.unitName("-sync.service"), (d) => d.run({ type: "oneshot", execStart: ["/usr/local/bin/sync"] }))));
   * ```
   */
  job(
    nameOrBody: string | ((d: DaemonScope) => void),
    body?: (d: DaemonScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("job", 2, extra);
    this.serviceUnit("job", nameOrBody, body);
  }

  /** @internal The unit name a service scope gives an unnamed unit. */
  protected defaultUnitName(word: string, _suffix: string): string {
    throw wordError(word, "needs a unit name outside a service");
  }

  /** Declares a service unit for `word`: named, or the service's own unit when the name is left out. */
  private serviceUnit(
    word: string,
    nameOrBody: string | ((d: DaemonScope) => void),
    maybeBody: ((d: DaemonScope) => void) | undefined,
  ): void {
    const [name, body] = this.unitArguments(word, ".service", nameOrBody, maybeBody);
    const scope = new DaemonScope(name);
    runBody(`daemon ${name}`, body, scope);
    const { state } = scope;
    // A service's units run as the service's account (its first), unless they say otherwise.
    const account = this.owningService ? this.accounts[0] : undefined;
    if (account !== undefined && !state.service.some(([key]) => key === "User")) {
      state.service.push(["User", account.name]);
      if (!state.service.some(([key]) => key === "Group")) {
        state.service.push(["Group", account.group]);
      }
    }
    this.draft.listeners.push(
      ...state.listeners.map((l): [string | undefined, Listener] => [this.owningService, l]),
    );
    this.add({
      kind: "systemd_service",
      name,
      sections: scope.sections(),
      environmentFiles: state.environmentFiles,
      listeners: state.listeners,
      monitors: state.monitors,
      logs: state.logs,
      telemetry: state.telemetry,
      settle: state.settle,
      networkPolicy: state.networkPolicy,
    });
  }

  /** Sorts out a word's `(name?, body)` arguments and the unit name they give. */
  private unitArguments<S>(
    word: string,
    suffix: ".service" | ".timer",
    nameOrBody: string | ((scope: S) => void),
    maybeBody: ((scope: S) => void) | undefined,
  ): [string, (scope: S) => void] {
    if (typeof nameOrBody === "function") {
      if (maybeBody !== undefined) throw wordError(word, "takes one body");
      return [this.defaultUnitName(word, suffix), nameOrBody];
    }
    checkArgument(word, "the unit name", nameOrBody, is.nonEmpty);
    if (typeof maybeBody !== "function") {
      throw wordError(word, `needs a body, got ${describe(maybeBody)}`);
    }
    if (hasUnitType(nameOrBody) && !nameOrBody.endsWith(suffix)) {
      throw wordError(word, `${JSON.stringify(nameOrBody)} is not a ${suffix} unit`);
    }
    return [systemdUnit(nameOrBody, suffix), maybeBody];
  }

  /**
   * A systemd timer unit. A name without a unit type gets `.timer`; in a
   * service, the name may be left out for `s.unitName(".timer")`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.systemdTimer("sync.timer", (t) => t.every("hour")));
   * ```
   */
  systemdTimer(
    nameOrBody: string | ((t: TimerScope) => void),
    body?: (t: TimerScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("systemdTimer", 2, extra);
    this.timerUnit("systemdTimer", nameOrBody, body);
  }

  /**
   * A timer: same as {@link systemdTimer}, as upstream's `schedule`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("sync", (s) =>
   *     s.schedule(s.unitName("-sync.timer"), (t) => {
   *       t.daily({ at: "02:30" });
   *       t.jitter("15m");
   *       t.unit(s.unitName("-sync.service"));
   *     })));
   * ```
   */
  schedule(
    nameOrBody: string | ((t: TimerScope) => void),
    body?: (t: TimerScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("schedule", 2, extra);
    this.timerUnit("schedule", nameOrBody, body);
  }

  /** Declares a timer unit for `word`: named, or the service's own timer when the name is left out. */
  private timerUnit(
    word: string,
    nameOrBody: string | ((t: TimerScope) => void),
    maybeBody: ((t: TimerScope) => void) | undefined,
  ): void {
    const [name, body] = this.unitArguments(word, ".timer", nameOrBody, maybeBody);
    const scope = new TimerScope(name);
    runBody(`timer ${name}`, body, scope);
    this.add({ kind: "systemd_timer", name, sections: scope.sections(), unit: scope.triggered });
  }

  /**
   * A command run at apply, with a `down` step for rollback.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.command("migrate", {
   *     exec: ["/opt/app/bin/app", ["eval", "App.migrate()"]],
   *     down: "noop",
   *     creates: "/var/lib/app/migrated",
   *   }));
   * ```
   */
  command(name: string, options: CommandOptions, ...extra: never[]): void {
    noExtraArguments("command", 2, extra);
    checkArgument("command", "the name", name, is.nonEmpty);
    const { exec, down, runtime, dependsOn, ...rest } = checkOptions(
      "command",
      options,
      COMMAND_OPTIONS,
    );
    if (exec === undefined) throw wordError("command", `${name} needs exec`);
    const mise = runtime === undefined
      ? undefined
      : miseToolsFor(this.draft.resources, name, runtime);
    this.add({
      kind: "command",
      name,
      exec: flattenExec("command exec", exec),
      ...(mise && {
        runtime: mise.runtime,
        dependsOn: [...new Set([...(dependsOn ?? []), ...mise.ids])],
      }),
      ...(!mise && dependsOn && { dependsOn }),
      down: down === undefined
        ? undefined
        : down === "noop" || down === "irreversible"
        ? down
        : flattenExec("command down", down),
      ...rest,
    });
  }

  /**
   * An OS package, by semantic name; `as` gives the distribution's name.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.package("ca_certificates", { as: "ca-certificates" }));
   * ```
   */
  package(name: string, options?: PackageOptions, ...extra: never[]): void {
    noExtraArguments("package", 2, extra);
    checkArgument("package", "the name", name, is.nonEmpty);
    this.add({ kind: "package", name, ...checkOptions("package", options, PACKAGE_OPTIONS) });
  }

  /**
   * mise-managed runtimes: `s.mise({ path }, (m) => { m.tool("erlang", "29.0.2") })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.mise((m) => m.tool("erlang", "27.2")));
   * ```
   */
  mise(
    optionsOrBody: MiseOptions | ((m: { tool(name: string, version: string): void }) => void),
    maybeBody?: (m: { tool(name: string, version: string): void }) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("mise", 2, extra);
    const options = typeof optionsOrBody === "function" ? undefined : optionsOrBody;
    const body = typeof optionsOrBody === "function" ? optionsOrBody : maybeBody;
    const o = checkOptions("mise", options, {
      path: is.absolutePath,
      systemDataDir: is.absolutePath,
      url: is.nonEmpty,
      sha256: is.nonEmpty,
    });
    if ((o.url === undefined) !== (o.sha256 === undefined)) {
      throw wordError("mise", "url and sha256 go together: the download is checked against it");
    }
    let download: { url: string; sha256: string } | undefined;
    try {
      download = o.url === undefined ? undefined : miseDownload(o.url, o.sha256!);
    } catch (error) {
      throw wordError("mise", (error as Error).message);
    }
    runBody("mise", body, {
      tool: (name: string, version: string, ...more: never[]) => {
        noExtraArguments("tool", 2, more);
        checkArgument("tool", "the name", name, is.nonEmpty);
        checkArgument("tool", "the version", version, is.nonEmpty);
        this.add({
          kind: "mise_tool",
          name,
          version,
          miseBinary: o.path,
          systemDataDir: o.systemDataDir,
          ...(download && { download }),
        });
      },
    });
  }
}

/** The mise tools a command's `runtime` names, as declared so far in the project. */
function miseToolsFor(
  resources: Record<string, unknown>[],
  command: string,
  runtime: "mise" | { mise: string[] },
): { runtime: Record<string, unknown>; ids: string[] } {
  const declared = resources.filter((r) => r.kind === "mise_tool");
  const what = `${command}: runtime mise`;
  if (declared.length === 0) {
    throw wordError("command", `${what}: no mise tool is declared before it (s.mise(...))`);
  }
  const wanted = runtime === "mise" ? declared : runtime.mise.map((name) => {
    const found = declared.find((r) => r.name === name || miseToolKey(String(r.name)) === name);
    if (!found) {
      throw wordError(
        "command",
        `${what}: tool ${JSON.stringify(name)} is not declared (declared: ${
          declared.map((r) => r.name).join(", ")
        }); declare it with s.mise(...) before the command`,
      );
    }
    return found;
  });
  const homes = new Set(wanted.map((r) => JSON.stringify([r.miseBinary, r.systemDataDir])));
  if (homes.size > 1) {
    throw wordError("command", `${what}: its tools belong to different mise installations`);
  }
  return {
    runtime: {
      kind: "mise",
      miseBinary: wanted[0].miseBinary ?? "/usr/local/bin/mise",
      systemDataDir: wanted[0].systemDataDir ?? "/usr/local/share/mise",
      tools: wanted.map((r) => ({ name: r.name, version: r.version })),
    },
    ids: wanted.map((r) => `mise_tool:${r.name}`),
  };
}

function modeOf(word: string, mode: ModeInput | undefined): number | undefined {
  if (mode === undefined) return undefined;
  try {
    return normalizeMode(mode);
  } catch (error) {
    throw wordError(word, `option mode: ${(error as Error).message}`);
  }
}
