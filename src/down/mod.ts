/**
 * Down plans: rollback is another plan, derived from the plan that was applied.
 * Pure: no host is read.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { handlerOf } from "../kinds/mod.ts";
import { addSummaries, type Change, type HostPlan, type Plan, summarize } from "../plan/types.ts";

/** Options of {@link down}. */
export interface DownOptions {
  /** Only these ids (`kind:name`). */
  only?: string[];
  /** Not these ids. */
  except?: string[];
  /**
   * Where the tracked run backed up previous file contents on the host
   * (`<backups root>/<run id>`); without it, content updates cannot be undone.
   */
  backupsDir?: string;
  /** Ids the tracked run really applied; others are not undone. */
  applied?: string[];
}

/** Why a change of the up plan has no counterpart in the down plan. */
export interface Skipped {
  /** The up-plan change's resource id. */
  id: string;
  /** Why it cannot be undone (e.g. a content update without a backup, a command without `down`). */
  reason: string;
}

/** The result of {@link down}: the plan plus what it does not cover. */
export interface DownResult {
  /** The down plan, applied like any plan. */
  plan: Plan;
  /** Up-plan changes the down plan does not undo, and why. */
  skipped: Skipped[];
  /** Changes of the up plan that changed something. */
  total: number;
  /** Warnings, e.g. irreversible commands. */
  warnings: string[];
}

/** The down change of one up change, or the reason there is none. */
function invert(change: Change, options: DownOptions): Change | string {
  return handlerOf(change.resource).invert(change, { backupsDir: options.backupsDir });
}

function downHost(
  host: HostPlan,
  options: DownOptions,
  skipped: Skipped[],
  warnings: string[],
): HostPlan {
  const only = new Set(options.only ?? []);
  const except = new Set(options.except ?? []);
  const applied = options.applied ? new Set(options.applied) : undefined;
  const changes: Change[] = [];
  for (const change of [...host.changes].reverse()) {
    if (change.action === "noop" || change.action === "read_error") continue;
    if (only.size && !only.has(change.id)) continue;
    if (except.has(change.id)) continue;
    if (applied && !applied.has(change.id)) {
      skipped.push({ id: change.id, reason: "not applied by the run" });
      continue;
    }
    const inverted = invert(change, options);
    if (typeof inverted === "string") {
      if (inverted === "irreversible") {
        warnings.push(`${change.id} is irreversible: it is left out of the down plan`);
      }
      skipped.push({ id: change.id, reason: inverted });
      continue;
    }
    // Down changes run in reverse order of the up plan; dependencies are reversed with them.
    changes.push({ ...inverted, dependsOn: [] });
  }
  // What the up plan's automatic rollback would not undo says nothing about this plan.
  const { rollbackGaps: _, ...rest } = host;
  return { ...rest, changes, summary: summarize(changes) };
}

/**
 * Derives the down plan of an (up) plan: updates swap before and after,
 * creates become deletes where the resource's rollback policy allows, deletes
 * become creates from backups, commands run their declared `down`, and the
 * order is reversed. Source updates are never inferred reversible.
 *
 * @example
 * ```ts
 * import { down } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 *
 * const demo = project("demo", (p) => p.file("/etc/app/config.exs", { content: "import Config\n" }));
 * const upPlan = await plan(demo); // offline: every resource is a create
 * const { plan: rollback, skipped } = down(upPlan, { only: ["file:/etc/app/config.exs"] });
 * console.log(rollback.direction, skipped); // "down", what cannot be undone
 * ```
 */
export function down(plan: Plan, options: DownOptions = {}): DownResult {
  if (plan.direction !== "up") {
    throw new HostkitError("usage", "a down plan cannot be inverted again: re-plan instead");
  }
  const known = new Set(plan.hosts.flatMap((h) => h.changes.map((c) => c.id)));
  for (const id of [...(options.only ?? []), ...(options.except ?? [])]) {
    if (!known.has(id)) throw new HostkitError("usage", `${id} is not a change of this plan`);
  }
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const hosts = plan.hosts.map((host) => downHost(host, options, skipped, warnings));
  const total = plan.hosts.reduce(
    (n, h) => n + h.changes.filter((c) => c.action !== "noop" && c.action !== "read_error").length,
    0,
  );
  const covered = hosts.reduce((n, h) => n + h.changes.length, 0);
  const diagnostics = [
    `down plan covers ${covered} of ${total} changes of the up plan`,
    ...warnings,
    ...skipped.map((s) => `skipped ${s.id}: ${s.reason}`),
  ];
  // A down plan is itself the rollback: the up plan's automatic rollback does not carry over.
  const { autoRollbackS: _, ...up } = plan;
  return {
    plan: {
      ...up,
      generatedAt: new Date().toISOString(),
      direction: "down",
      hosts,
      summary: addSummaries(hosts.map((h) => h.summary)),
      diagnostics,
    },
    skipped,
    total,
    warnings,
  };
}

/**
 * What an automatic rollback of a host plan would not undo (irreversible
 * commands, creates whose rollback policy keeps them…): the plan names these
 * before anything runs. A rollback restores from the run's own backups.
 *
 * @example
 * ```ts
 * import { rollbackGaps } from "./mod.ts";
 * const host = {
 *   target: { kind: "local" as const, name: "local", sudo: false },
 *   changes: [],
 *   summary: { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 },
 * };
 * rollbackGaps(host); // []: nothing to undo, nothing left out
 * ```
 */
export function rollbackGaps(host: HostPlan): Skipped[] {
  const skipped: Skipped[] = [];
  // The backups' place is only known once the run has an id; that they exist is what counts.
  downHost(host, { backupsDir: "/" }, skipped, []);
  return skipped;
}

/**
 * The plan with automatic rollback for `seconds`: apply arms it, and each host
 * names what the rollback would not undo, so a reviewer sees it in the plan.
 *
 * @example
 * ```ts
 * import { withAutoRollback } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 *
 * const reviewed = withAutoRollback(await plan(project("demo", (p) => p.directory("/srv/app"))), 60);
 * reviewed.autoRollbackS; // 60
 * ```
 */
export function withAutoRollback(plan: Plan, seconds: number): Plan {
  return {
    ...plan,
    autoRollbackS: seconds,
    hosts: plan.hosts.map((host) => {
      const gaps = rollbackGaps(host);
      const { rollbackGaps: _, ...rest } = host;
      return gaps.length ? { ...rest, rollbackGaps: gaps } : rest;
    }),
  };
}
