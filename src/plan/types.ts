/**
 * Plans as plain data: a Plan holds one HostPlan per host, each a list of
 * Changes. This is also the versioned artifact format (`hostkit plan --out`).
 *
 * @module
 */
import { z } from "zod";
import { ResourceSchema } from "../model/resource.ts";
import { StateSchema } from "../facts/state.ts";

/** The artifact's format name; loading refuses anything else. */
export const PLAN_FORMAT = "hostkit.plan";
/** The plan format version; a plan of another version is refused with "re-plan". */
export const PLAN_VERSION = 2;

/**
 * Validates a {@link Action}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const ActionSchema = z.enum(["create", "update", "delete", "noop", "read_error"]);
/** What a change does on the host; `read_error` when the host could not be read for it. */
export type Action = ReturnType<typeof ActionSchema.parse>;

/**
 * What differs between the host and the declaration, as data apply and down
 * read (never parsed from `reason`, which is for people).
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const DriftSchema = z.union([
  z.enum([
    "content",
    "owner",
    "group",
    "mode",
    "target",
    "home",
    "shell",
    "uid",
    "groups",
    "version",
    "not_enabled",
    "not_running",
    "env_file_changed",
  ]),
  /** An env file key: `+KEY` missing, `~KEY` different value, `-KEY` not declared. */
  z.strictObject({ env: z.string().regex(/^[+~-][A-Za-z_][A-Za-z0-9_]*$/) }),
]);
/** One thing that differs on the host: a field name, or `{ env: "+KEY" }` for an env file key. */
export type Drift = ReturnType<typeof DriftSchema.parse>;

/**
 * Why a down-plan change exists: `restore` puts back a backed-up file (or an
 * account's or symlink's previous settings) exactly; `revert_metadata` only
 * owner, group and mode; `restart` only restarts a unit; `remove_created`
 * deletes what the up plan created; `run_down` runs a command's `down`.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const IntentSchema = z.enum([
  "restore",
  "revert_metadata",
  "restart",
  "remove_created",
  "run_down",
]);
/** What a down-plan change does (see {@link IntentSchema} for each value). */
export type Intent = ReturnType<typeof IntentSchema.parse>;

/** An action with its structured drift and a reason for people. */
export interface Verdict {
  action: Action;
  reason: string;
  drift: Drift[];
}

/**
 * Desired state of a file-like resource, with its content as bytes or text.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const DesiredSchema = z.strictObject({
  /**
   * Rendered content; absent for env files with secrets (rendered at apply). In down plans
   * made from a tracked run, `$backup` names the copy kept on the host instead.
   */
  content: z.union([
    z.strictObject({ text: z.string() }),
    z.strictObject({ base64: z.string() }),
    z.strictObject({ $backup: z.string().regex(/^\/(?!.*(^|\/)\.\.?(\/|$))/, "an absolute path") }),
  ]).optional(),
  sha256: z.string().optional(),
  size: z.number().int().optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  mode: z.number().int().optional(),
  /** Units: restart (or start) after apply. */
  restart: z.boolean().optional(),
  /** Units: enable (WantedBy=). */
  enable: z.boolean().optional(),
});
/** What a file-like resource or unit will be after apply; the plan shows it as `after`. */
export type Desired = ReturnType<typeof DesiredSchema.parse>;

/**
 * Validates a {@link Change}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const ChangeSchema = z.strictObject({
  id: z.string(),
  action: ActionSchema,
  /** Why, for people: missing, content, in_sync, ignored, guard:creates, … (never parsed). */
  reason: z.string(),
  /** What differs on the host (updates); apply and down decide from it. */
  drift: z.array(DriftSchema),
  /** Down plans: what this change does. */
  intent: IntentSchema.optional(),
  /** The declared resource; for deletes, what is removed. */
  resource: ResourceSchema,
  /** What was read on the host (null when planned offline). */
  before: StateSchema.nullable(),
  /** The probe lines `before` came from; apply re-reads and compares them (stale plans). */
  observed: z.array(z.string()).optional(),
  after: DesiredSchema.nullable(),
  /** Unified diff of text content (never for secrets). */
  diff: z.string().optional(),
  /** Ids this change must come after. */
  dependsOn: z.array(z.string()),
});
/** One resource's change on one host: what was read, what will be, and why. */
export type Change = ReturnType<typeof ChangeSchema.parse>;

/**
 * A handler to run: reload or restart a unit (from `notify`).
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const TriggerSchema = z.strictObject({
  action: z.enum(["reload", "restart"]),
  unit: z.string().regex(/^[A-Za-z0-9@._:-]+$/, "a unit name"),
});
/** A unit reload or restart owed to a `notify`, run once after the writes. */
export type Trigger = ReturnType<typeof TriggerSchema.parse>;

/**
 * How a plan reaches its host again at apply time. Secrets only as references.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const TargetRefSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("local"), name: z.string(), sudo: z.boolean() }),
  z.strictObject({
    kind: z.literal("ssh"),
    name: z.string(),
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    sudo: z.boolean(),
  }),
  z.strictObject({ kind: z.literal("offline"), name: z.string() }),
]);
/** How a plan names its host so apply can reach it again (no secrets, only references). */
export type TargetRef = ReturnType<typeof TargetRefSchema.parse>;

/**
 * Validates a {@link Summary}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const SummarySchema = z.strictObject({
  create: z.number().int(),
  update: z.number().int(),
  delete: z.number().int(),
  noop: z.number().int(),
  read_error: z.number().int(),
});
/** How many changes of each action a host (or the whole plan) has. */
export type Summary = ReturnType<typeof SummarySchema.parse>;

/**
 * Validates a {@link HostPlan}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const HostPlanSchema = z.strictObject({
  target: TargetRefSchema,
  /** What the probe said about the host. */
  os: z.string().optional(),
  packageManager: z.string().optional(),
  machineId: z.string().optional(),
  /** Handlers a previous apply recorded but did not run (it stopped after the write): apply runs them. */
  triggers: z.array(TriggerSchema).optional(),
  /** Units and accounts hostkit created here that no resource declares any more (still there). */
  orphans: z.array(z.string()).optional(),
  changes: z.array(ChangeSchema),
  summary: SummarySchema,
  /** With automatic rollback: the changes it would not undo, and why. */
  rollbackGaps: z.array(z.strictObject({ id: z.string(), reason: z.string() })).optional(),
  /** Set when the host could not be planned (unreachable, …). */
  error: z.string().optional(),
});
/** The plan for one host: where it is, what the probe learned, and its changes in apply order. */
export type HostPlan = ReturnType<typeof HostPlanSchema.parse>;

/**
 * Validates a {@link Plan}, e.g. one read from a file (`loadPlan` and
 * `parsePlan` use it and also name the file and refuse other versions).
 *
 * @example
 * ```ts
 * import { PlanSchema } from "./types.ts";
 * const checked = PlanSchema.safeParse(JSON.parse('{"format":"hostkit.plan"}'));
 * checked.success; // false: not a whole plan
 * ```
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const PlanSchema = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(PLAN_VERSION),
  generatedAt: z.string(),
  hostkitVersion: z.string(),
  project: z.string(),
  direction: z.enum(["up", "down"]),
  runsRoot: z.string(),
  hosts: z.array(HostPlanSchema),
  summary: SummarySchema,
  diagnostics: z.array(z.string()),
  /**
   * Apply arms automatic rollback for this many seconds (`--auto-rollback`): the host undoes
   * the run unless hostkit confirms it over a new connection in time.
   */
  autoRollbackS: z.number().positive().optional(),
});
/** A whole plan: one HostPlan per host, in the versioned artifact format `hostkit plan --out` writes. */
export type Plan = ReturnType<typeof PlanSchema.parse>;

/**
 * Counts changes by action.
 *
 * @example
 * ```ts
 * import { summarize } from "./types.ts";
 * summarize([]); // { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 }
 * ```
 */
export function summarize(changes: { action: Action }[]): Summary {
  const summary: Summary = { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 };
  for (const change of changes) summary[change.action]++;
  return summary;
}

/** Adds summaries together. */
export function addSummaries(summaries: Summary[]): Summary {
  const total = summarize([]);
  for (const summary of summaries) {
    for (const action of Object.keys(total) as Action[]) total[action] += summary[action];
  }
  return total;
}
