/**
 * What every path-based kind shares: reading its path's state, metadata drift,
 * the owner, group and mode an update keeps, and down changes that put the
 * previous metadata or a backed-up file back.
 *
 * @module
 */
import type { PathState, State } from "../facts/state.ts";
import type { Resource } from "../model/resource.ts";
import type { Action, Change, Desired, Drift, Verdict } from "../plan/types.ts";
import type { InvertContext } from "./types.ts";

/** An existing path. */
export type ExistingPath = PathState & { exists: true };

/** The verdict when nothing differs. */
export const IN_SYNC: Verdict = { action: "noop", reason: "in_sync", drift: [] };

/** The verdict of a missing resource. */
export const MISSING: Verdict = { action: "create", reason: "missing", drift: [] };

/** How drift reads for people: `content,mode,+PORT`. */
export function driftReason(drift: Drift[]): string {
  return drift.map((d) => typeof d === "string" ? d : d.env).join(",");
}

/** An update verdict for drift, or in sync when there is none. */
export function driftVerdict(drift: Drift[]): Verdict {
  return drift.length ? { action: "update", reason: driftReason(drift), drift } : IN_SYNC;
}

/**
 * The path's state, or the verdict it already decides: missing → create, a path
 * of another type → read_error.
 */
export function existing(
  state: State,
  type: "file" | "directory" | "symlink",
): ExistingPath | Verdict {
  const path = state.path;
  if (!path?.exists) return MISSING;
  if (path.type !== type) {
    return { action: "read_error", reason: `exists as a ${path.type}, not a ${type}`, drift: [] };
  }
  return path;
}

/** Declared owner, group and mode that differ on the host. */
export function metadataDrift(path: ExistingPath, desired: Desired): Drift[] {
  const drift: Drift[] = [];
  if (desired.owner !== undefined && path.owner !== desired.owner) drift.push("owner");
  if (desired.group !== undefined && path.group !== desired.group) drift.push("group");
  if (desired.mode !== undefined && path.mode !== desired.mode) drift.push("mode");
  return drift;
}

/** Declared owner, group and mode of a resource that has them. */
export function declaredMetadata(r: Resource): Desired {
  const desired: Desired = {};
  if ("owner" in r && r.owner) desired.owner = r.owner;
  if ("group" in r && r.group) desired.group = r.group;
  if ("mode" in r && r.mode !== undefined) desired.mode = r.mode;
  return desired;
}

/**
 * What a change sets: the declaration, plus the owner, group and mode it does
 * not declare as the host has them (replacing a file must not quietly reset
 * them), or the kind's default mode for a new path. The plan shows all of it.
 */
export function keptMetadata(
  desired: Desired,
  state: State | undefined,
  action: Action,
  defaultMode: number,
): Desired {
  const path = state?.path;
  if (path?.exists) {
    // stat names an owner without a passwd entry UNKNOWN: leave it to the host's numeric id.
    const known = (name: string) => name === "UNKNOWN" ? undefined : name;
    const kept: Desired = {
      ...desired,
      owner: desired.owner ?? known(path.owner),
      group: desired.group ?? known(path.group),
      mode: desired.mode ?? path.mode,
    };
    if (kept.owner === undefined) delete kept.owner;
    if (kept.group === undefined) delete kept.group;
    return kept;
  }
  if (action === "create" && desired.mode === undefined) return { ...desired, mode: defaultMode };
  return desired;
}

/** The previous owner, group and mode, as read before the up plan ran. */
export function previousMetadata(before: PathState | undefined): Desired {
  if (!before?.exists) return {};
  return { owner: before.owner, group: before.group, mode: before.mode };
}

/** Fields every down change starts from. */
export function downBase(change: Change): Pick<
  Change,
  "id" | "resource" | "dependsOn" | "before" | "drift"
> {
  return {
    id: change.id,
    resource: change.resource,
    dependsOn: change.dependsOn,
    before: null,
    drift: [],
  };
}

/** Drift that only touches metadata (or unit state), which a down change reverts without a backup. */
const METADATA_DRIFT = new Set<Drift>(["owner", "group", "mode", "not_enabled", "not_running"]);

/** Whether an update changed only owner, group or mode (or unit state). */
export function metadataOnly(change: Change): boolean {
  return change.drift.every((d) => typeof d === "string" && METADATA_DRIFT.has(d));
}

/** A down change putting the previous owner, group and mode back. */
export function revertMetadata(change: Change): Change {
  return {
    ...downBase(change),
    action: "update",
    reason: "metadata",
    intent: "revert_metadata",
    after: previousMetadata(change.before?.path),
  };
}

/**
 * A down change putting a backed-up file back with its previous owner and
 * mode, or why it cannot.
 */
export function restoreFile(
  change: Change,
  path: string,
  context: InvertContext,
  action: "create" | "update",
  restart: boolean | undefined,
): Change | string {
  if (!context.backupsDir) {
    return "previous content was not captured (apply with --track to back it up)";
  }
  const after: Desired = {
    content: { $backup: `${context.backupsDir}/files${path}` },
    ...previousMetadata(change.before?.path),
  };
  if (restart !== undefined) after.restart = restart;
  return { ...downBase(change), action, reason: "restore", intent: "restore", after };
}

/** The usual down of a create: delete it where its rollback policy allows. */
export function removeCreated(change: Change): Change | string {
  const r = change.resource as Resource & { rollback: string };
  if (r.rollback !== "delete_if_created") return `rollback: ${r.rollback}`;
  return {
    ...downBase(change),
    action: "delete",
    reason: "created_by_plan",
    intent: "remove_created",
    after: null,
  };
}

/** Every directory above a path, nearest first. */
export function parentsOf(path: string): string[] {
  const parents: string[] = [];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    parents.push(path.slice(0, i));
  }
  return parents;
}

/** `owner root:www-data, mode 0640` for what a change sets, when it sets any of them. */
export function explainMetadata(change: Change): string[] {
  const after = change.after;
  if (!after || change.action === "delete") return [];
  const parts: string[] = [];
  if (after.owner || after.group) parts.push(`owner ${after.owner ?? "-"}:${after.group ?? "-"}`);
  if (after.mode !== undefined) parts.push(`mode ${after.mode.toString(8).padStart(4, "0")}`);
  return parts.length ? [parts.join(", ")] : [];
}

/**
 * The parts every kind that is not a path on the host (accounts, commands,
 * packages, tools, managed lines) has alike; spread into its handler.
 */
export const NOT_A_PATH = {
  hostPath: (): undefined => undefined,
  defaultMode: null,
  render: null,
  sensitive: (): boolean => false,
  desired: (): Desired => ({}),
  after: (_r: unknown, desired: Desired): Desired => desired,
  relate: (_r: unknown, verdict: Verdict): Verdict => verdict,
} as const;
