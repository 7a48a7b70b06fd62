/**
 * Declarations shared by the project and service scopes: accounts, directories,
 * files, symlinks, env files, units, commands, packages and mise tools.
 *
 * @module
 */
import { type ModeInput, normalizeMode } from "../model/mode.ts";
import type { Volume } from "../model/project.ts";
import type { Listener } from "../model/resource.ts";
import { DaemonScope } from "./daemon.ts";
import { EnvFileScope } from "./env_file.ts";
import { runBody } from "./error.ts";
import { callerOrigin } from "./origin.ts";
import { TimerScope } from "./timer.ts";
import type { Draft } from "./draft.ts";

/** `"delete_if_created"` lets a down plan remove what this plan created; `"keep"` never. */
export type Rollback = "delete_if_created" | "keep";

/** Owner, group and mode, as every file-like declaration takes them. */
export interface Ownership {
  owner?: string;
  group?: string;
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
  system?: boolean;
  home?: string;
  shell?: string;
  uid?: number;
  group?: string;
  groups?: string[];
  rollback?: Rollback;
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.directory}. */
export interface DirectoryOptions extends Ownership {
  rollback?: Rollback;
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.file}: exactly one of content, base64 or source. */
export interface FileOptions extends Ownership, FileChecks {
  content?: string;
  base64?: string;
  /** A file on the controller, relative to the config that declares it. */
  source?: string;
  /** Never show its content (no diff, no preview): the plan shows its hash and size. */
  sensitive?: boolean;
  rollback?: Rollback;
  dependsOn?: string[];
}

/** A program and its arguments: `["/bin/app", "eval", "x"]` or `["bin/app", ["eval", "x"]]`. */
export type ExecInput = string[] | [string, string[]];

/** Options of {@link ResourceScope.command}. */
export interface CommandOptions {
  exec: ExecInput;
  phase?: "before_start" | "after_start" | "always";
  down?: ExecInput | "noop" | "irreversible";
  creates?: string;
  unless?: string;
  user?: string;
  cwd?: string;
  dependsOn?: string[];
}

/** Options of {@link ResourceScope.package}. */
export interface PackageOptions {
  as?: string;
  update?: boolean;
  manager?: "apt" | "dnf" | "apk" | "pacman";
  version?: string;
  rollback?: Rollback;
}

/** Options of {@link ResourceScope.mise}. */
export interface MiseOptions {
  path?: string;
  systemDataDir?: string;
}

function flattenExec(exec: ExecInput): string[] {
  if (exec.length === 2 && Array.isArray(exec[1])) return [exec[0] as string, ...exec[1]];
  return exec as string[];
}

function resolveSource(source: string, origin: string | undefined): string {
  if (source.startsWith("/")) return source;
  const file = origin?.replace(/:\d+$/, "");
  if (!file?.startsWith("/")) {
    throw new TypeError(`file source ${JSON.stringify(source)} must be absolute here`);
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
  /** @internal */
  constructor(protected readonly draft: Draft, protected readonly owningService?: string) {}

  /** @internal Records a resource with where it was declared. */
  protected add(resource: Record<string, unknown>, origin = callerOrigin()): void {
    this.draft.resources.push({
      ...resource,
      ...(this.owningService ? { service: this.owningService } : {}),
      origin,
    });
  }

  /** A user account (and its primary group). Kept by down plans unless `rollback` says so. */
  account(name: string, options: AccountOptions = {}): void {
    this.add({ kind: "account", name, ...options });
  }

  /** A directory, or a storage {@link Volume}'s directory. */
  directory(pathOrVolume: string | Volume, options: DirectoryOptions = {}): void {
    const { mode, ...rest } = options;
    if (typeof pathOrVolume === "string") {
      this.add({ kind: "directory", path: pathOrVolume, ...rest, mode: modeOf(mode) });
      return;
    }
    const v = pathOrVolume;
    this.add({
      kind: "directory",
      path: v.path,
      owner: v.owner,
      group: v.group,
      ...rest,
      mode: modeOf(mode) ?? v.mode,
    });
  }

  /** A file with literal content, base64 bytes, or a controller-side source file. */
  file(path: string, options: FileOptions): void {
    const { content, base64, source, mode, ...rest } = options;
    const given = [content, base64, source].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new TypeError(`file ${path} needs exactly one of content, base64 or source`);
    }
    const origin = callerOrigin();
    const body = content !== undefined
      ? { text: content }
      : base64 !== undefined
      ? { base64 }
      : { source: resolveSource(source!, origin) };
    this.add({ kind: "file", path, content: body, ...rest, mode: modeOf(mode) }, origin);
  }

  /** A symbolic link at `path` pointing to `target`. */
  symlink(path: string, target: string, options: { rollback?: Rollback } = {}): void {
    this.add({ kind: "symlink", path, target, ...options });
  }

  /** An env file: `s.envFile(path, { group, mode }, (e) => { e.set(…); e.secret(…) })`. */
  envFile(
    path: string,
    optionsOrBody: (Ownership & FileChecks & { rollback?: Rollback }) | ((e: EnvFileScope) => void),
    body?: (e: EnvFileScope) => void,
  ): void {
    const options = typeof optionsOrBody === "function" ? {} : optionsOrBody;
    const fill = typeof optionsOrBody === "function" ? optionsOrBody : body;
    const scope = new EnvFileScope();
    runBody(`env file ${path}`, fill, scope);
    const { mode, ...rest } = options;
    this.add({ kind: "env_file", path, entries: scope.entries, ...rest, mode: modeOf(mode) });
  }

  /** A systemd service unit, built in the callback. */
  daemon(name: string, body: (d: DaemonScope) => void): void {
    const scope = new DaemonScope(name);
    runBody(`daemon ${name}`, body, scope);
    const { state } = scope;
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
    });
  }

  /** The reference's `systemd_service`: same as {@link daemon}. */
  systemdService(name: string, body: (d: DaemonScope) => void): void {
    this.daemon(name, body);
  }

  /** A systemd timer unit. */
  systemdTimer(name: string, body: (t: TimerScope) => void): void {
    const scope = new TimerScope(name);
    runBody(`timer ${name}`, body, scope);
    this.add({ kind: "systemd_timer", name, sections: scope.sections(), unit: scope.triggered });
  }

  /** A command run at apply, with a `down` step for rollback. */
  command(name: string, options: CommandOptions): void {
    const { exec, down, ...rest } = options;
    this.add({
      kind: "command",
      name,
      exec: flattenExec(exec),
      down: typeof down === "string" || down === undefined ? down : flattenExec(down),
      ...rest,
    });
  }

  /** An OS package, by semantic name; `as` gives the distribution's name. */
  package(name: string, options: PackageOptions = {}): void {
    this.add({ kind: "package", name, ...options });
  }

  /** mise-managed runtimes: `s.mise({ path }, (m) => { m.tool("erlang", "29.0.2") })`. */
  mise(
    options: MiseOptions,
    body: (m: { tool(name: string, version: string): void }) => void,
  ): void {
    runBody("mise", body, {
      tool: (name, version) =>
        this.add({
          kind: "mise_tool",
          name,
          version,
          miseBinary: options.path,
          systemDataDir: options.systemDataDir,
        }),
    });
  }
}

function modeOf(mode: ModeInput | undefined): number | undefined {
  return mode === undefined ? undefined : normalizeMode(mode);
}
