/**
 * Builds one host's changes: desired state vs facts, ordered by the graph.
 *
 * @module
 */
import type { Facts, State } from "../facts/state.ts";
import { hostPath, isFileLike, type Resource, resourceId } from "../model/resource.ts";
import { desiredState } from "./desired.ts";
import { compare, type Verdict } from "./compare.ts";
import { textDiff } from "./diff_text.ts";
import { dependencies, order } from "./graph.ts";
import type { Change, Desired } from "./types.ts";

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
): Map<string, Desired> {
  return new Map(resources.map((r) => [resourceId(r), desiredState(r, readSource)]));
}

/**
 * The ordered changes for one host. Without facts (offline), everything is a create.
 *
 * @example
 * ```ts
 * import { buildChanges, desiredStates } from "./build.ts";
 * const changes = buildChanges(project.resources, desiredStates(project.resources, read), facts, {});
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
  } = {},
): Change[] {
  const deps = options.deps ?? dependencies(resources);
  const byId = new Map(resources.map((r) => [resourceId(r), r]));
  const ignore = new Set(options.ignore ?? []);
  const verdicts = new Map<string, Verdict>();
  for (const resource of resources) {
    const id = resourceId(resource);
    const state = facts?.states[id];
    let verdict: Verdict = !facts || !state
      ? { action: "create", reason: "offline" }
      : facts.errors[id]
      ? { action: "read_error", reason: facts.errors[id] }
      : compare(resource, desired.get(id)!, state);
    if (ignore.has(id)) verdict = { action: "noop", reason: "ignored" };
    verdicts.set(id, verdict);
  }
  markCommands(resources, verdicts);
  const restarts = markRestarts(resources, verdicts, desired);
  let diffs = 0;
  return order([...byId.keys()], deps).map((id): Change => {
    const resource = byId.get(id)!;
    const verdict = verdicts.get(id)!;
    const after: Desired = {
      ...desired.get(id)!,
      ...keptMetadata(resource, desired.get(id)!, facts?.states[id]),
    };
    if (restarts.has(id)) after.restart = true;
    const change: Change = {
      id,
      action: verdict.action,
      reason: verdict.reason,
      resource,
      before: facts?.states[id] ?? null,
      observed: facts?.observed[id],
      after,
      dependsOn: deps.get(id) ?? [],
    };
    const changed = verdict.action === "create" || verdict.action === "update";
    // Past MAX_DIFFS a plan shows ids and reasons only: a thousand diffs help nobody review.
    if (
      changed && isFileLike(resource) && after.content && "text" in after.content &&
      diffs < MAX_DIFFS
    ) {
      diffs++;
      const diff = textDiff(
        hostPath(resource)!,
        options.previews?.get(hostPath(resource)!),
        after.content.text,
      );
      if (diff && (options.previews?.get(hostPath(resource)!) || verdict.action === "create")) {
        change.diff = diff;
      }
    }
    if (!change.observed) delete change.observed;
    if (!change.diff) delete change.diff;
    return change;
  });
}

/**
 * Commands without a guard run when anything else in their service changes
 * (like Ansible handlers), or every time with phase `always`.
 */
function markCommands(resources: Resource[], verdicts: Map<string, Verdict>): void {
  const changedServices = new Set(
    resources.filter((r) => r.kind !== "command" && isChange(verdicts.get(resourceId(r))!)).map((
      r,
    ) => r.service),
  );
  for (const r of resources) {
    if (r.kind !== "command") continue;
    const id = resourceId(r);
    const verdict = verdicts.get(id)!;
    if (verdict.action !== "update" || verdict.reason !== "run") continue;
    if (r.phase === "always") verdicts.set(id, { action: "update", reason: "always" });
    else if (changedServices.has(r.service)) {
      verdicts.set(id, { action: "update", reason: "service_changed" });
    } else if (r.creates === undefined && r.unless === undefined) {
      verdicts.set(id, { action: "noop", reason: "in_sync" });
    }
  }
}

/**
 * Owner, group and mode a file-like update does not declare stay as they are on
 * the host: replacing the file must not quietly reset them.
 */
function keptMetadata(resource: Resource, want: Desired, state: State | undefined): Desired {
  const path = state?.path;
  if (!path?.exists || !(isFileLike(resource) || resource.kind === "directory")) return {};
  // stat names an owner without a passwd entry UNKNOWN: leave it to the host's numeric id.
  const known = (name: string) => name === "UNKNOWN" ? undefined : name;
  return {
    owner: want.owner ?? known(path.owner),
    group: want.group ?? known(path.group),
    mode: want.mode ?? path.mode,
  };
}

/** Units to (re)start: changed ones, and those whose env files changed. */
function markRestarts(
  resources: Resource[],
  verdicts: Map<string, Verdict>,
  desired: Map<string, Desired>,
): Set<string> {
  const restarts = new Set<string>();
  for (const r of resources) {
    if (r.kind !== "systemd_service") continue;
    const id = resourceId(r);
    const envChanged = r.environmentFiles.some((path) => {
      const verdict = verdicts.get(`env_file:${path}`);
      return verdict !== undefined && isChange(verdict);
    });
    if (envChanged && verdicts.get(id)!.action === "noop") {
      verdicts.set(id, { action: "update", reason: "env_file_changed" });
    }
    if (isChange(verdicts.get(id)!) && desired.get(id)!.enable) restarts.add(id);
  }
  return restarts;
}

function isChange(verdict: Verdict): boolean {
  return verdict.action === "create" || verdict.action === "update" || verdict.action === "delete";
}
