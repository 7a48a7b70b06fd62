/**
 * Run records: the compact, inspectable trace a tracked apply leaves on the
 * host: which run, which project and direction, when, and each change's status.
 *
 * @module
 */
import { z } from "zod";
import type { HostPlan } from "../plan/types.ts";

/** The record's format name; reading skips anything else. */
export const RUN_FORMAT = "hostkit.run";
/** The record format version. */
export const RUN_VERSION = 1;

/** Run ids: UTC timestamp, project, direction, random suffix; safe as a file name. */
export const RunIdSchema = z.string().regex(
  /^\d{8}-\d{6}-[A-Za-z0-9_.-]+-(up|down)-[0-9a-f]{4}$/,
  "a run id",
);

/**
 * Validates a {@link RunRecord} (`runs.list` skips and reports files it refuses).
 *
 * @example
 * ```ts
 * import { RunRecordSchema } from "./record.ts";
 * RunRecordSchema.safeParse({ format: "hostkit.run" }).success; // false
 * ```
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const RunRecordSchema = z.strictObject({
  format: z.literal(RUN_FORMAT),
  version: z.literal(RUN_VERSION),
  id: RunIdSchema,
  project: z.string(),
  direction: z.enum(["up", "down"]),
  host: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** `rolled_back`: automatic rollback undid it (its down run has the same id, `down`). */
  status: z.enum(["applied", "failed", "rolled_back"]),
  /** The copied plan artifact on the host, when there is one. */
  plan: z.string().nullable(),
  /** Where previous file-like state was backed up on the host. */
  backups: z.string(),
  changes: z.array(z.strictObject({
    id: z.string(),
    action: z.string(),
    status: z.enum(["applied", "failed", "not_run"]),
  })),
});
/** The record a tracked apply leaves on the host: run id, project, direction, times, status, and each change's status. */
export type RunRecord = ReturnType<typeof RunRecordSchema.parse>;

/** What a tracked apply keeps. */
export interface Tracking {
  /** The project the run applies. */
  project: string;
  /** Whether the run applies an up plan or a down plan. */
  direction: "up" | "down";
  /** Where previous file-like state is copied before it is replaced (per run id). */
  backupsRoot: string;
  /** The plan artifact to copy next to the record. */
  planArtifact?: Uint8Array;
}

/**
 * The record as the program writes it, with placeholders the host fills in
 * at the end: `__STATUS__`, `__FINISHED__` and one `__STEP_n__` per change.
 *
 * @example
 * ```ts
 * import { recordTemplate } from "./record.ts";
 *
 * const host = {
 *   target: { kind: "local" as const, name: "local", sudo: false },
 *   changes: [],
 *   summary: { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 },
 * };
 * const tracking = { project: "demo", direction: "up" as const, backupsRoot: "/var/lib/hostkit/backups" };
 * const text = recordTemplate(host, [], "20260614-101148-demo-up-ab12", tracking, "/var/lib/hostkit");
 * JSON.parse(text).status; // "__STATUS__", filled in by the host
 * ```
 */
export function recordTemplate(
  host: HostPlan,
  steps: { index: number; ids: string[] }[],
  runId: string,
  tracking: Tracking,
  runsRoot: string,
): string {
  const stepOf = new Map<string, number>();
  // A change's status is that of its first step: a unit whose file was written stays
  // "applied" (so down restores it) even when its later activation step fails.
  for (const step of steps) {
    for (const id of step.ids) if (!stepOf.has(id)) stepOf.set(id, step.index);
  }
  const record = {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    id: runId,
    project: tracking.project,
    direction: tracking.direction,
    host: host.target.name,
    startedAt: new Date().toISOString(),
    finishedAt: "__FINISHED__",
    status: "__STATUS__",
    plan: tracking.planArtifact ? `${runsRoot}/plans/${runId}.plan.json` : null,
    backups: `${tracking.backupsRoot}/${runId}`,
    changes: host.changes
      .filter((c) => c.action !== "noop")
      .map((c) => ({
        id: c.id,
        action: c.action,
        status: `__STEP_${stepOf.get(c.id) ?? "none"}__`,
      })),
  };
  return JSON.stringify(record, null, 2) + "\n";
}
