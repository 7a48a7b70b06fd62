/**
 * Builds one host's changes: desired state vs facts, ordered by the graph.
 *
 * @module
 */
import type { Facts } from "../facts/state.ts";
import { type Resource, resourceId } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { RelateContext } from "../kinds/types.ts";
import { desiredState } from "./desired.ts";
import { compare } from "./compare.ts";
import { textDiff } from "./diff_text.ts";
import { dependencies, order } from "./graph.ts";
import type { Change, Desired, Verdict } from "./types.ts";

/** At most this many changes per host carry a text diff. */
export const MAX_DIFFS = 50;

/**
 * Desired state of every resource, computed once per plan (it is the same for every host).
 *
 * @example
 * ```ts
 * import { desiredStates } from "./build.ts";
 * const desired = desiredStates(project.resources, (p) => Deno.readFileSync(p));
 * ```
 */
export function desiredStates(
  resources: Resource[],
  readSource: (path: string) => Uint8Array,
  ids: string[] = resources.map(resourceId),
): Map<string, Desired> {
  return new Map(resources.map((r, i) => [ids[i], desiredState(r, readSource)]));
}

/**
 * The ordered changes for one host. Without facts (offline), everything is a create.
 *
 * @example
 * ```ts
 * import { buildChanges, desiredStates } from "./build.ts";
 * const resources = [{ kind: "directory", path: "/srv", dependsOn: [], rollback: "keep" } as const];
 * const changes = buildChanges(resources, desiredStates(resources, Deno.readFileSync), undefined);
 * changes[0].reason; // "offline"
 * ```
 */
export function buildChanges(
  resources: Resource[],
  desired: Map<string, Desired>,
  facts: Facts | undefined,
  options: {
    ignore?: string[];
    previews?: Map<string, Uint8Array>;
    /** The dependency graph, when the caller already built it (it is the same for every host). */
    deps?: Map<string, string[]>;
    /** The resources' ids, when the caller already has them. */
    ids?: string[];
  } = {},
): Change[] {
  const ids = options.ids ?? resources.map(resourceId);
  const deps = options.deps ?? dependencies(resources, ids);
  const byId = new Map(resources.map((r, i) => [ids[i], r]));
  const ignore = new Set(options.ignore ?? []);
  const verdicts = new Map<string, Verdict>();
  resources.forEach((resource, i) => {
    const id = ids[i];
    const state = facts?.states[id];
    let verdict: Verdict = !facts || !state
      ? { action: "create", reason: "offline", drift: [] }
      : facts.errors[id]
      ? { action: "read_error", reason: facts.errors[id], drift: [] }
      : compare(resource, desired.get(id)!, state);
    if (ignore.has(id)) verdict = { action: "noop", reason: "ignored", drift: [] };
    verdicts.set(id, verdict);
  });
  relate(resources, ids, verdicts, ignore);
  let diffs = 0;
  return order(ids, deps).map((id): Change => {
    const resource = byId.get(id)!;
    const handler = handlerOf(resource);
    const verdict = verdicts.get(id)!;
    const state = facts?.states[id];
    const after = handler.after(resource, desired.get(id)!, state, verdict.action);
    const change: Change = {
      id,
      action: verdict.action,
      reason: verdict.reason,
      drift: verdict.drift,
      resource,
      before: state ?? null,
      observed: facts?.observed[id],
      after,
      dependsOn: deps.get(id) ?? [],
    };
    const changed = verdict.action === "create" || verdict.action === "update";
    const path = handler.hostPath(resource);
    // Past MAX_DIFFS a plan shows ids and reasons only: a thousand diffs help nobody review.
    if (
      changed && path && handler.render && after.content && "text" in after.content &&
      !handler.sensitive(resource) && diffs < MAX_DIFFS
    ) {
      diffs++;
      const preview = options.previews?.get(path);
      const diff = textDiff(path, preview, after.content.text);
      if (diff && (preview || verdict.action === "create")) change.diff = diff;
    }
    if (!change.observed) delete change.observed;
    if (!change.diff) delete change.diff;
    return change;
  });
}

function isChange(verdict: Verdict): boolean {
  return verdict.action === "create" || verdict.action === "update" || verdict.action === "delete";
}

/** Each kind's second look, once every verdict is known (commands, restarts on env changes). */
function relate(
  resources: Resource[],
  ids: string[],
  verdicts: Map<string, Verdict>,
  ignore: Set<string>,
): void {
  // Services with a change other than a command's: their commands without guards run.
  const changed = new Set<string | undefined>();
  resources.forEach((r, i) => {
    if (handlerOf(r).role !== "command" && isChange(verdicts.get(ids[i])!)) changed.add(r.service);
  });
  const context: RelateContext = {
    verdict: (id) => verdicts.get(id),
    serviceChanges: (service) => changed.has(service),
  };
  resources.forEach((r, i) => {
    if (ignore.has(ids[i])) return;
    verdicts.set(ids[i], handlerOf(r).relate(r, verdicts.get(ids[i])!, context));
  });
}
