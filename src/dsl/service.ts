/**
 * The service scope: `p.service("web", (s) => { ... })`. Adds naming helpers
 * derived from the project's roots and prefixes, storage and listeners.
 *
 * @module
 */
import type { ModeInput } from "../model/mode.ts";
import type { Volume } from "../model/project.ts";
import type { Draft } from "./draft.ts";
import { ResourceScope } from "./scope.ts";
import { readWritePaths, volume } from "./storage.ts";

/** Options of {@link ServiceScope.storage}. */
export interface StorageOptions {
  /** The root it lives under (`data`, `state`, `config`, …). Default `data`. */
  under?: string;
  /** Path below `<root>/<service>`; default the volume's name. */
  path?: string;
  owner?: string;
  group?: string;
  mode?: ModeInput;
  backup?: boolean;
  writable?: boolean;
  secret?: boolean;
}

/** Declarations inside one service. */
export class ServiceScope extends ResourceScope {
  /** @internal */
  readonly volumes: Volume[] = [];

  /** @internal */
  constructor(draft: Draft, readonly name: string) {
    super(draft, name);
  }

  /** The service's name. */
  serviceName(): string {
    return this.name;
  }

  /** `prefix + value` for a project prefix (`user`, `unit`, …); the bare value without one. */
  prefixed(prefix: string, value: string): string {
    return (this.draft.prefixes[prefix] ?? "") + value;
  }

  /** The service's account name: the `user` prefix + service name. */
  serviceUser(): string {
    return this.prefixed("user", this.name);
  }

  /** The service's unit name: the `unit` prefix + service name + `.service`. */
  unitName(): string {
    return `${this.prefixed("unit", this.name)}.service`;
  }

  /** A project root by name; unknown roots are errors naming the known ones. */
  root(name: string): string {
    const root = this.draft.roots[name];
    if (root === undefined) {
      throw new TypeError(
        `unknown root ${JSON.stringify(name)} (declared: ${
          Object.keys(this.draft.roots).join(", ") || "none"
        })`,
      );
    }
    return root;
  }

  /** `<root>/<service>/<parts…>`, e.g. `s.rootPath("state", "home")`. */
  rootPath(root: string, ...parts: string[]): string {
    return [this.root(root), this.name, ...parts].join("/");
  }

  /** A storage volume under a root, with its directory declared. Returns the volume. */
  storage(name: string, options: StorageOptions = {}): Volume {
    const { under = "data", path, owner, group, ...rest } = options;
    const v = volume(name, {
      path: this.rootPath(under, path ?? name),
      owner: owner ?? this.serviceUser(),
      group: group ?? owner ?? this.serviceUser(),
      ...rest,
    });
    this.volumes.push(v);
    this.directory(v);
    return v;
  }

  /** The paths of this service's writable storage volumes. */
  writableStoragePaths(): string[] {
    return readWritePaths(this.volumes);
  }

  /** A declared listener's address as `host:port`, e.g. for a reverse proxy upstream. */
  listener(name: string): string {
    const found = this.draft.listeners.find(([service, l]) =>
      service === this.name && l.name === name
    );
    if (!found) throw new TypeError(`service ${this.name} has no listener ${JSON.stringify(name)}`);
    const { address, port } = found[1];
    return `${address === "0.0.0.0" ? "127.0.0.1" : address}:${port}`;
  }
}
