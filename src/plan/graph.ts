/**
 * Orders changes by their dependencies: parent directories, owning accounts,
 * env files and paths a unit uses, the service a timer triggers, packages
 * before what uses them, commands around their service's units, and explicit
 * `dependsOn`. Deletes run in reverse.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { hostPath, type Resource, resourceId } from "../model/resource.ts";
import { directivePaths } from "../model/systemd.ts";

function parentsOf(path: string): string[] {
  const parents: string[] = [];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    parents.push(path.slice(0, i));
  }
  return parents;
}

function unitPaths(resource: Resource): string[] {
  if (resource.kind !== "systemd_service") return [];
  const paths: string[] = [...resource.environmentFiles];
  for (const [, directives] of resource.sections) {
    for (const [key, value] of directives) paths.push(...directivePaths(key, value));
  }
  return paths;
}

function unitUser(resource: Resource): string[] {
  if (resource.kind !== "systemd_service") return [];
  return resource.sections.flatMap(([, d]) =>
    d.filter(([key]) => key === "User" || key === "Group").map(([, value]) => value)
  );
}

/**
 * The dependencies of each resource (ids), inferred plus explicit. Unknown
 * explicit dependencies are errors naming both resources.
 *
 * @example
 * ```ts
 * import { dependencies } from "./graph.ts";
 * dependencies(project.resources).get("file:/srv/app/config"); // ["directory:/srv/app"]
 * ```
 */
export function dependencies(resources: Resource[]): Map<string, string[]> {
  const byId = new Map(resources.map((r) => [resourceId(r), r]));
  const byPath = new Map<string, string>();
  for (const r of resources) {
    const path = hostPath(r);
    if (path && r.kind === "directory") byPath.set(path, resourceId(r));
  }
  const accounts = new Set(resources.filter((r) => r.kind === "account").map((r) => r.name));
  const byService = new Map<string, Resource[]>();
  for (const r of resources) {
    if (!r.service) continue;
    if (!byService.has(r.service)) byService.set(r.service, []);
    byService.get(r.service)!.push(r);
  }
  const deps = new Map<string, string[]>();
  for (const r of resources) {
    const id = resourceId(r);
    const out = new Set<string>();
    const path = hostPath(r);
    if (path) {
      for (const parent of parentsOf(path)) if (byPath.has(parent)) out.add(byPath.get(parent)!);
    }
    for (const used of unitPaths(r)) {
      if (byId.has(`env_file:${used}`)) out.add(`env_file:${used}`);
      if (byPath.has(used)) out.add(byPath.get(used)!);
    }
    const owners = [
      "owner" in r ? r.owner : undefined,
      "group" in r ? r.group : undefined,
      r.kind === "command" ? r.user : undefined,
      ...unitUser(r),
    ];
    for (const name of owners) {
      if (name && accounts.has(name) && id !== `account:${name}`) out.add(`account:${name}`);
    }
    if (r.kind === "systemd_timer" && byId.has(`systemd_service:${r.unit}`)) {
      out.add(`systemd_service:${r.unit}`);
    }
    if (r.kind !== "package" && r.service) {
      for (const other of byService.get(r.service)!) {
        // Inferred order yields to an explicit dependsOn the other way round.
        if (other.dependsOn.includes(id)) continue;
        const otherId = resourceId(other);
        if (other.kind === "package" || other.kind === "mise_tool" && r.kind !== "mise_tool") {
          out.add(otherId);
        }
        if (r.kind === "command" && other.kind !== "command") {
          const isUnit = other.kind === "systemd_service" || other.kind === "systemd_timer";
          if (!isUnit || r.phase === "after_start") out.add(otherId);
        }
        if (
          (r.kind === "systemd_service" || r.kind === "systemd_timer") &&
          other.kind === "command" &&
          other.phase === "before_start"
        ) out.add(otherId);
      }
    }
    for (const dep of r.dependsOn) {
      if (!byId.has(dep)) {
        throw new HostkitError(
          "config",
          `${id} depends on ${dep}, which is not declared${r.origin ? ` (${r.origin})` : ""}`,
        );
      }
      out.add(dep);
    }
    out.delete(id);
    deps.set(id, [...out]);
  }
  return deps;
}

/**
 * Sorts ids so every id comes after its dependencies, keeping declaration order
 * where free. A cycle is an error naming its members.
 *
 * @example
 * ```ts
 * import { order } from "./graph.ts";
 * order(["b", "a"], new Map([["b", ["a"]], ["a", []]])); // ["a", "b"]
 * ```
 */
export function order(ids: string[], deps: Map<string, string[]>): string[] {
  const position = new Map(ids.map((id, i) => [id, i]));
  const done = new Set<string>();
  const visiting: string[] = [];
  const out: string[] = [];
  const visit = (id: string) => {
    if (done.has(id)) return;
    if (visiting.includes(id)) {
      const cycle = [...visiting.slice(visiting.indexOf(id)), id];
      throw new HostkitError("config", `dependency cycle: ${cycle.join(" → ")}`);
    }
    visiting.push(id);
    const mine = (deps.get(id) ?? []).filter((d) => position.has(d));
    for (const dep of mine.sort((a, b) => position.get(a)! - position.get(b)!)) visit(dep);
    visiting.pop();
    done.add(id);
    out.push(id);
  };
  for (const id of ids) visit(id);
  return out;
}

/**
 * The graph as text for `--show-graph`: each id with what it waits for.
 *
 * @example
 * ```ts
 * import { formatGraph } from "./graph.ts";
 * console.log(formatGraph(["a", "b"], new Map([["b", ["a"]]])));
 * ```
 */
export function formatGraph(ordered: string[], deps: Map<string, string[]>): string {
  return ordered.map((id) => {
    const after = deps.get(id) ?? [];
    return after.length ? `${id}\n  after ${after.join("\n  after ")}` : id;
  }).join("\n") + "\n";
}
