/**
 * The service scope: `p.service("web", (s) => { ... })`. Adds naming helpers
 * derived from the project's roots and prefixes, storage and listeners.
 *
 * Names: a service's identity (its account, its units) is hyphenated
 * (`hex_mirror` → `toys-hex-mirror`); its path segment (its directories under
 * the roots) is the name as written (`/srv/toys/hex_mirror`), or the service's
 * `path` option.
 *
 * @module
 */
import type { ModeInput } from "../model/mode.ts";
import { identitySegment, systemdUnit } from "../model/naming.ts";
import type { Volume } from "../model/project.ts";
import type { Draft } from "./draft.ts";
import { checkArgument, checkOptions, is, noExtraArguments, wordError } from "./options.ts";
import { joinPath, projectRoot, SERVICE_ROOTS, STORAGE_FALLBACKS } from "./roots.ts";
import { ResourceScope } from "./scope.ts";
import { buildVolume, readWritePaths, VOLUME_OPTIONS } from "./storage.ts";

/** Options of {@link ServiceScope.storage}. */
export interface StorageOptions {
  /**
   * The root it lives under (`data`, `state`, `config`, …): the volume is
   * `<root>/<service>`, then `path` when given (as {@link ServiceScope.path}).
   */
  under?: string;
  /**
   * With `under`, a path below `<root>/<service>`. Without it, an absolute
   * path for the volume. Neither: a volume named `data`, `state` or `config`
   * is `<that root>/<service>` (roots default to /var/lib, /var/lib, /etc);
   * another name is `<data root>/<service>/<name>`.
   */
  path?: string;
  /** Default the service's account. */
  owner?: string;
  /** Default the owner. */
  group?: string;
  /** Default 0o750 (a secret volume 0o700). */
  mode?: ModeInput;
  /** Listed by `backupVolumes(spec)` and `s.backupStorage()`. */
  backup?: boolean;
  /** Whether the service may write it (`writableStoragePaths()`); default true. */
  writable?: boolean;
  /** Holds secrets: its mode may grant nothing to others (default 0o700). */
  secret?: boolean;
  /** Where the service sees it, when not at its path. */
  mountPath?: string;
}

/** Options of `p.service(name, options, body)`. */
export interface ServiceOptions {
  /** The service's path segment (and identity) when it differs from its name. */
  path?: string;
}

/** Declarations inside one service. */
export class ServiceScope extends ResourceScope {
  /** @internal */
  readonly volumes: Volume[] = [];
  /** The service's path segment under the roots. */
  readonly servicePath: string;

  /** @internal */
  constructor(draft: Draft, readonly name: string, options: ServiceOptions = {}) {
    super(draft, name);
    this.servicePath = options.path ?? name;
  }

  /**
   * The service's name.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.service("web", (s) => s.directory(`/srv/${s.serviceName()}`)));
   * ```
   */
  serviceName(...extra: never[]): string {
    noExtraArguments("serviceName", 0, extra);
    return this.name;
  }

  /**
   * The service's identity: its path segment hyphenated (`hex_mirror` → `hex-mirror`).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.service("hex_mirror", (s) => s.account(s.serviceIdentity()))); // "hex-mirror"
   * ```
   */
  serviceIdentity(...extra: never[]): string {
    noExtraArguments("serviceIdentity", 0, extra);
    return identitySegment(this.servicePath);
  }

  /**
   * A project prefix (`user`, `unit`, …) + the value as an identity; the value alone without one.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.prefixes({ unit: "demo-" });
   *   p.service("web", (s) => s.systemdTimer(s.prefixed("unit", "reports") + ".timer", (t) => t.every("daily")));
   * });
   * ```
   */
  prefixed(prefix: string, value: string, ...extra: never[]): string {
    noExtraArguments("prefixed", 2, extra);
    checkArgument("prefixed", "the prefix name", prefix, is.nonEmpty);
    checkArgument("prefixed", "the value", value, is.nonEmpty);
    return (this.draft.prefixes[prefix] ?? "") + identitySegment(value);
  }

  /**
   * The service's account name: the `user` prefix + the service identity (`toys-hex-mirror`).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.prefixes({ user: "toys-" });
   *   p.service("hex_mirror", (s) => s.account(s.serviceUser(), { system: true })); // toys-hex-mirror
   * });
   * ```
   */
  serviceUser(...extra: never[]): string {
    noExtraArguments("serviceUser", 0, extra);
    return this.prefixed("user", this.servicePath);
  }

  /**
   * The service's unit name: the `unit` prefix + the service identity + `suffix`
   * (default `.service`): `s.unitName("-sync.timer")` → `toys-web-sync.timer`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.prefixes({ unit: "toys-" });
   *   p.service("web", (s) => s.schedule(s.unitName("-sync.timer"), (t) => t.every("hour"))); // toys-web-sync.timer
   * });
   * ```
   */
  unitName(suffix = ".service", ...extra: never[]): string {
    noExtraArguments("unitName", 1, extra);
    checkArgument("unitName", "the suffix", suffix, is.nonEmpty);
    const name = systemdUnit(this.prefixed("unit", this.servicePath), suffix);
    if (!/\.(service|timer)$/.test(name)) {
      throw wordError(
        "unitName",
        `the suffix must end in .service or .timer, got ${JSON.stringify(suffix)}`,
      );
    }
    return name;
  }

  /** @internal An unnamed unit of this service is the service's own. */
  protected override defaultUnitName(_word: string, suffix: string): string {
    return this.unitName(suffix);
  }

  /**
   * A project root by name (`bin`, `sbin`, `run` have defaults); unknown roots are errors.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.roots({ data: "/srv/demo" });
   *   p.service("web", (s) => s.directory(s.root("data")));
   * });
   * ```
   */
  root(name: string, ...extra: never[]): string {
    noExtraArguments("root", 1, extra);
    return projectRoot(this.draft, name, "root");
  }

  /**
   * `<root>/<service>/<parts…>`, e.g. `s.rootPath("state", "home")`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.roots({ state: "/var/lib/demo" });
   *   p.service("web", (s) => s.directory(s.rootPath("state", "home"))); // /var/lib/demo/web/home
   * });
   * ```
   */
  rootPath(root: string, ...parts: string[]): string {
    return [this.root(root), this.servicePath, ...parts].join("/");
  }

  /**
   * A path under a root: `<root>/<service>[/child]` for the per-service roots
   * (source, data, state, cache, config, run), `<root>[/child]` for the others
   * (`s.path("opt", "current/forgejo")` → `/opt/toys/current/forgejo`).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.roots({ config: "/etc/toys", opt: "/opt/toys" });
   *   p.service("forgejo", (s) => {
   *     s.directory(s.path("config")); // /etc/toys/forgejo
   *     s.directory(s.path("opt", "current/forgejo")); // /opt/toys/current/forgejo
   *   });
   * });
   * ```
   */
  override path(root: string, child?: string, ...extra: never[]): string {
    noExtraArguments("path", 2, extra);
    const base = projectRoot(this.draft, root, "path");
    if (child !== undefined) checkArgument("path", "the child path", child, is.nonEmpty);
    return joinPath(SERVICE_ROOTS.has(root) ? `${base}/${this.servicePath}` : base, child);
  }

  /**
   * A storage volume, with its directory declared. Returns the volume.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => {
   *   p.roots({ data: "/srv/toys" });
   *   p.service("forgejo", (s) => {
   *     s.storage("repositories", { under: "data", path: "repositories", mode: 0o750, backup: true });
   *     s.storage("config", { under: "data", path: "conf", writable: false, secret: true });
   *   });
   * });
   * ```
   */
  storage(name: string, options?: StorageOptions, ...extra: never[]): Volume {
    noExtraArguments("storage", 2, extra);
    checkArgument("storage", "the volume name", name, is.nonEmpty);
    const { under, path, ...rest } = checkOptions("storage", options, {
      ...VOLUME_OPTIONS,
      path: is.nonEmpty,
      under: is.nonEmpty,
    });
    if (this.volumes.some((v) => v.name === name)) {
      throw wordError("storage", `volume ${JSON.stringify(name)} is declared twice`);
    }
    const owner = rest.owner ?? this.serviceUser();
    const v = buildVolume("storage", name, {
      ...rest,
      path: this.storagePath(name, under, path),
      owner,
      group: rest.group ?? owner,
    });
    this.volumes.push(v);
    this.directory(v);
    return v;
  }

  private storagePath(name: string, under: string | undefined, path: string | undefined): string {
    if (under !== undefined) return this.path(under, path);
    if (path !== undefined) {
      if (!path.startsWith("/")) {
        throw wordError(
          "storage",
          `path ${
            JSON.stringify(path)
          } is relative: give under (the root it is below) or an absolute path`,
        );
      }
      return path;
    }
    const root = (r: string) => this.draft.roots[r] ?? STORAGE_FALLBACKS[r];
    if (name in STORAGE_FALLBACKS) return `${root(name)}/${this.servicePath}`;
    return `${root("data")}/${this.servicePath}/${name}`;
  }

  /**
   * A declared volume by name.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) => {
   *     s.storage("uploads");
   *     s.directory(`${s.storageVolume("uploads").path}/tmp`);
   *   }));
   * ```
   */
  storageVolume(name: string, ...extra: never[]): Volume {
    noExtraArguments("storageVolume", 1, extra);
    const found = this.volumes.find((v) => v.name === name);
    if (!found) {
      throw wordError(
        "storageVolume",
        `service ${this.name} has no volume ${JSON.stringify(name)} (declared: ${
          this.volumes.map((v) => v.name).join(", ") || "none"
        })`,
      );
    }
    return found;
  }

  /**
   * The path of a declared volume.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) => {
   *     s.storage("data");
   *     s.daemon((d) => d.workingDirectory(s.storagePathOf("data")));
   *   }));
   * ```
   */
  storagePathOf(name: string, ...extra: never[]): string {
    noExtraArguments("storagePathOf", 1, extra);
    return this.storageVolume(name).path;
  }

  /**
   * The paths of this service's writable storage volumes.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) => {
   *     s.storage("data");
   *     s.daemon((d) => d.readWritePaths(s.writableStoragePaths()));
   *   }));
   * ```
   */
  writableStoragePaths(...extra: never[]): string[] {
    noExtraArguments("writableStoragePaths", 0, extra);
    return readWritePaths(this.volumes);
  }

  /**
   * This service's volumes marked `backup: true`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) => {
   *     s.storage("data", { backup: true });
   *     s.file("/etc/web/backup.list", { content: s.backupStorage().map((v) => v.path).join("\n") });
   *   }));
   * ```
   */
  backupStorage(...extra: never[]): Volume[] {
    noExtraArguments("backupStorage", 0, extra);
    return this.volumes.filter((v) => v.backup);
  }

  /**
   * A declared listener's address as `host:port`, e.g. for a reverse proxy upstream.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.service("web", (s) => {
   *     s.daemon((d) => d.listen("http", { port: 4000 }));
   *     s.file("/etc/web/upstream", { content: s.listener("http") }); // 127.0.0.1:4000
   *   }));
   * ```
   */
  listener(name: string, ...extra: never[]): string {
    noExtraArguments("listener", 1, extra);
    const found = this.draft.listeners.find(([service, l]) =>
      service === this.name && l.name === name
    );
    if (!found) {
      throw wordError("listener", `service ${this.name} has no listener ${JSON.stringify(name)}`);
    }
    const { address, port } = found[1];
    return `${address === "0.0.0.0" ? "127.0.0.1" : address}:${port}`;
  }
}
