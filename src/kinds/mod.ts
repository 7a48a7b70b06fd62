/**
 * The registry of resource kinds: one handler per kind, looked up by the
 * engine (probe, parse, diff, compile, invert are loops over it). Adding a
 * kind is one module here plus its schema in the model and its DSL word.
 *
 * @example
 * ```ts
 * import { handlerOf, KINDS } from "./mod.ts";
 * import type { Resource } from "../model/resource.ts";
 * KINDS.directory.defaultMode; // 0o755
 * const dir: Resource = { kind: "directory", path: "/srv/app", dependsOn: [], rollback: "keep" };
 * handlerOf(dir).hostPath(dir); // "/srv/app"
 * ```
 *
 * @module
 */
import type { Resource } from "../model/resource.ts";
import type { KindHandler, KindRegistry } from "./types.ts";
import { account } from "./account.ts";
import { command } from "./command.ts";
import { directory } from "./directory.ts";
import { envFile } from "./env_file.ts";
import { file } from "./file.ts";
import { firewall } from "./firewall.ts";
import { managedLine } from "./managed_line.ts";
import { miseTool } from "./mise_tool.ts";
import { packageKind } from "./package.ts";
import { symlink } from "./symlink.ts";
import { systemdService, systemdTimer } from "./systemd.ts";

export { resourceId } from "../model/resource.ts";
export type * from "./types.ts";

/** Every kind hostkit knows, by name. */
export const KINDS: KindRegistry = {
  account,
  directory,
  file,
  symlink,
  managed_line: managedLine,
  env_file: envFile,
  systemd_service: systemdService,
  systemd_timer: systemdTimer,
  command,
  package: packageKind,
  mise_tool: miseTool,
  firewall,
};

/**
 * The handler of a resource's kind.
 *
 * @example
 * ```ts
 * import { handlerOf } from "./mod.ts";
 * const unit = { kind: "systemd_timer", name: "a.timer", unit: "a.service", sections: [] };
 * handlerOf(unit as never).hostPath(unit as never); // "/etc/systemd/system/a.timer"
 * ```
 */
export function handlerOf<R extends Resource>(resource: R): KindHandler<R> {
  return KINDS[resource.kind] as unknown as KindHandler<R>;
}

/**
 * Where a resource lives on the host, for kinds that are paths.
 *
 * @example
 * ```ts
 * import { hostPath } from "./mod.ts";
 * hostPath({ kind: "account", name: "app" } as never); // undefined
 * ```
 */
export function hostPath(resource: Resource): string | undefined {
  return handlerOf(resource).hostPath(resource);
}

/**
 * Whether hostkit renders the resource's content (files, env files, units).
 *
 * @example
 * ```ts
 * import { isFileLike } from "./mod.ts";
 * isFileLike({ kind: "directory", path: "/srv" } as never); // false
 * ```
 */
export function isFileLike(resource: Resource): boolean {
  return handlerOf(resource).render !== null;
}
