/**
 * Orders changes by their dependencies: parent directories, owning accounts,
 * env files and paths a unit uses, the service a timer triggers, packages
 * before what uses them, commands around their service's units, and explicit
 * `dependsOn`. Deletes run in reverse.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { type Resource, resourceId } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { GraphIndex, ServiceRole } from "../kinds/types.ts";
import { parentsOf } from "../kinds/paths.ts";

/**
 * The work the graph builder did since {@link resetGraphWork}: map and set lookups and
 * pairwise comparisons (ordering rules between two resources of a service). Tests assert
 * these grow linearly with the resources, a guard no clock can give on a shared machine.
 *
 * @example
 * ```ts
 * import { dependencies, graphWork, resetGraphWork } from "./graph.ts";
 * resetGraphWork();
 * dependencies([]);
 * graphWork.lookups; // 0
 * ```
 */
export const graphWork = { lookups: 0, comparisons: 0 };

/**
 * Sets the counters of {@link graphWork} to zero.
 *
 * @example
 * ```ts
 * import { resetGraphWork } from "./graph.ts";
 * resetGraphWork();
 * ```
 */
export function resetGraphWork(): void {
  graphWork.lookups = 0;
  graphWork.comparisons = 0;
}

/** A service's resources by role, so ordering rules visit only the roles they name. */
interface ServiceMembers {
  all: Member[];
  /** Packages, tools and before_start commands: what other roles may wait for. */
  setup: Member[];
}

interface Member {
  id: string;
  r: Resource;
  role: ServiceRole;
}

/** Whether `r` (of `role`) waits for `other` of its service. */
function waitsFor(r: Resource, role: ServiceRole, other: Member): boolean {
  graphWork.comparisons++;
  if (role === "package") return false;
  if (other.role === "package") return true;
  if (other.role === "tool") return role !== "tool";
  if (role === "command") {
    if (other.role === "command") return false;
    return other.role !== "unit" || (r.kind === "command" && r.phase === "after_start");
  }
  return role === "unit" && other.role === "command" && other.r.kind === "command" &&
    other.r.phase === "before_start";
}

/**
 * The dependencies of each resource (ids), inferred plus explicit. Unknown
 * explicit dependencies are errors naming both resources. Cost is linear in
 * the resources plus the edges found: every lookup is a map access.
 *
 * @example
 * ```ts
 * import { dependencies } from "./graph.ts";
 * import { ResourceSchema } from "../model/resource.ts";
 *
 * const deps = dependencies([
 *   ResourceSchema.parse({ kind: "directory", path: "/srv/app" }),
 *   ResourceSchema.parse({ kind: "file", path: "/srv/app/config", content: { text: "" } }),
 * ]);
 * deps.get("file:/srv/app/config"); // ["directory:/srv/app"]
 * ```
 */
export function dependencies(
  resources: Resource[],
  ids: string[] = resources.map(resourceId),
): Map<string, string[]> {
  const known = new Set(ids);
  const directories = new Map<string, string>();
  const paths = new Map<string, string>();
  const accounts = new Map<string, string>();
  const services = new Map<string, ServiceMembers>();
  resources.forEach((r, i) => {
    const id = ids[i];
    if (r.kind === "directory") directories.set(r.path, id);
    const at = handlerOf(r).hostPath(r);
    if (at !== undefined) paths.set(at, id);
    if (r.kind === "account") accounts.set(r.name, id);
    if (!r.service) return;
    graphWork.lookups++;
    let members = services.get(r.service);
    if (!members) {
      members = { all: [], setup: [] };
      services.set(r.service, members);
    }
    const member = { id, r, role: handlerOf(r).role };
    members.all.push(member);
    if (
      member.role === "package" || member.role === "tool" ||
      (r.kind === "command" && r.phase === "before_start")
    ) members.setup.push(member);
  });
  const lookup = <T>(value: T): T => {
    graphWork.lookups++;
    return value;
  };
  const graph: GraphIndex = {
    has: (id) => lookup(known.has(id)),
    directoryAt: (path) => lookup(directories.get(path)),
    account: (name) => lookup(accounts.get(name)),
    at: (path) => lookup(paths.get(path)),
  };
  const deps = new Map<string, string[]>();
  resources.forEach((r, i) => {
    const id = ids[i];
    const handler = handlerOf(r);
    const out = new Set<string>();
    const path = handler.hostPath(r);
    if (path) {
      for (const parent of parentsOf(path)) {
        const dir = lookup(directories.get(parent));
        if (dir) out.add(dir);
      }
    }
    for (const dep of handler.edges(r, graph)) out.add(dep);
    const members = r.service ? lookup(services.get(r.service)) : undefined;
    if (members && handler.role !== "package") {
      // A command waits for its whole service; the rest only for packages, tools, commands.
      const others = handler.role === "command" ? members.all : members.setup;
      for (const other of others) {
        // Inferred order yields to an explicit dependsOn the other way round.
        if (other.r.dependsOn.includes(id) || !waitsFor(r, handler.role, other)) continue;
        out.add(other.id);
      }
    }
    for (const dep of r.dependsOn) {
      if (!lookup(known.has(dep))) {
        throw new HostkitError(
          "config",
          `${id} depends on ${dep}, which is not declared${r.origin ? ` (${r.origin})` : ""}`,
        );
      }
      out.add(dep);
    }
    out.delete(id);
    deps.set(id, [...out]);
  });
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
  const onPath = new Set<string>();
  const out: string[] = [];
  const lookup = (value: boolean) => {
    graphWork.lookups++;
    return value;
  };
  const visit = (id: string) => {
    graphWork.lookups++;
    if (done.has(id)) return;
    if (onPath.has(id)) {
      const cycle = [...visiting.slice(visiting.indexOf(id)), id];
      throw new HostkitError("config", `dependency cycle: ${cycle.join(" → ")}`);
    }
    visiting.push(id);
    onPath.add(id);
    const mine = (deps.get(id) ?? []).filter((d) => lookup(position.has(d)));
    for (const dep of mine.sort((a, b) => position.get(a)! - position.get(b)!)) visit(dep);
    visiting.pop();
    onPath.delete(id);
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
