/**
 * `package`: a distribution package, installed with one command per package
 * manager per apply (an activation group), pinned to a version when declared.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { type Package, PackageSchema } from "../model/resource.ts";
import { tagValue } from "../facts/parse.ts";
import { quote } from "../transport/shell.ts";
import type { ActivationGroup, KindHandler } from "./types.ts";
import { driftVerdict, IN_SYNC, MISSING, NOT_A_PATH, removeCreated } from "./paths.ts";
import { pinnedManagerProbe } from "../packages/probe.ts";

/**
 * The name the package manager knows, with the pinned version in that manager's syntax:
 * `name=version` (apt, apk), `name-version` (dnf). pacman installs only its repositories'
 * version, so a pin there is refused rather than silently ignored.
 *
 * @example
 * ```ts
 * import { packageSpec } from "./package.ts";
 * import { ResourceSchema, type Package } from "../model/resource.ts";
 * const curl = ResourceSchema.parse({ kind: "package", name: "curl", version: "8.5.0-1" }) as Package;
 * packageSpec(curl, "dnf"); // "curl-8.5.0-1"
 * ```
 */
export function packageSpec(r: Package, manager = "apt"): string {
  const name = r.as ?? r.name;
  if (!r.version) return name;
  if (manager === "dnf") return `${name}-${r.version}`;
  if (manager === "pacman") {
    throw new HostkitError(
      "config",
      `package ${r.name}${r.origin ? ` (${r.origin})` : ""}: pacman installs only the version ` +
        `its repositories have, so version ${r.version} cannot be pinned; drop the version`,
    );
  }
  return `${name}=${r.version}`;
}

const groups = new Map<string, ActivationGroup>();

/** One install (or removal) of every package of a manager. */
function managerGroup(manager: string, remove: boolean): ActivationGroup {
  const key = `${remove ? "remove" : "install"} ${manager}`;
  let group = groups.get(key);
  if (!group) {
    group = {
      key,
      placement: "first_member",
      compile(members) {
        const rs = members.map((c) => c.resource as Package);
        const names = rs.map((r) => packageSpec(r, manager));
        const words = names.map((n) => quote(n)).join(" ");
        return {
          ids: members.map((c) => c.id),
          label: `${remove ? "remove" : "install"} packages ${names.join(" ")}`,
          command: remove
            ? `hk_remove_packages ${quote(manager)} ${words}`
            : `hk_install ${quote(manager)} ${rs.some((r) => r.update) ? 1 : 0} ${words}`,
        };
      },
    };
    groups.set(key, group);
  }
  return group;
}

/** The `package` kind. */
export const packageKind: KindHandler<Package> = {
  kind: "package",
  schema: PackageSchema,
  name: (r) => r.name,
  ...NOT_A_PATH,
  // A pinned manager is asked itself; the others share the host manager's one batched read.
  probe: (r, index, probe) =>
    r.manager
      ? probe.shell(pinnedManagerProbe(index, r.manager, r.as ?? r.name))
      : probe.package(index, r.as ?? r.name),
  parse: (_r, tags) => {
    const found = tagValue(tags, "package");
    const [, status, version] = /^(\S+)\s+(.*)$/.exec(found ?? "") ?? [];
    return {
      package: status?.startsWith("ii") ? { installed: true, version } : { installed: false },
    };
  },
  diff: (r, _desired, state) => {
    if (!state.package?.installed) return MISSING;
    return r.version !== undefined && state.package.version !== r.version
      ? driftVerdict(["version"])
      : IN_SYNC;
  },
  edges: () => [],
  inventoried: false,
  role: "package",
  compile: (change, context) => {
    const manager = change.resource.manager ?? context.host.packageManager ?? "apt";
    context.join(managerGroup(manager, change.action === "delete"), change);
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    if (change.action === "delete") return "cannot recreate a deleted package";
    if (change.action === "update") return "cannot undo an update of a package";
    return change.action;
  },
  explain: (change) => {
    const r = change.resource;
    return r.as || r.version
      ? [`package ${r.as ?? r.name}${r.version ? `=${r.version}` : ""}`]
      : [];
  },
};
