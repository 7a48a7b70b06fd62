/**
 * The plan artifact on disk: versioned JSON, validated when loaded.
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";
import { type Plan, PLAN_FORMAT, PLAN_VERSION, PlanSchema } from "./types.ts";

/**
 * Writes a plan as JSON (atomically: temp file, then rename).
 *
 * @example
 * ```ts
 * import { loadPlan, savePlan } from "./artifact.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "./mod.ts";
 *
 * const reviewed = await plan(project("demo", (p) => p.directory("/srv/app")));
 * await savePlan(reviewed, "up.plan.json");
 * (await loadPlan("up.plan.json")).project; // "demo"
 * ```
 */
export async function savePlan(plan: Plan, path: string): Promise<void> {
  const temp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  // Plans hold file contents and what was read from hosts: readable by their owner only.
  await Deno.writeTextFile(temp, JSON.stringify(plan, null, 2) + "\n", { mode: 0o600 });
  await Deno.rename(temp, path);
}

/**
 * Parses and validates plan JSON. Other formats or versions, truncated files
 * and tampered types are refused with the file named.
 *
 * @example
 * ```ts
 * import { parsePlan } from "./artifact.ts";
 * const plan = parsePlan(await Deno.readTextFile("up.plan.json"), "up.plan.json");
 * ```
 */
export function parsePlan(text: string, file: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HostkitError(
      "data",
      `${file}: not a plan: invalid JSON (${(error as Error).message})`,
    );
  }
  const head = value as { format?: unknown; version?: unknown };
  if (typeof value !== "object" || value === null || head.format !== PLAN_FORMAT) {
    throw new HostkitError(
      "data",
      `${file}: not a hostkit plan (format is ${JSON.stringify(head?.format)})`,
    );
  }
  if (head.version !== PLAN_VERSION) {
    throw new HostkitError(
      "data",
      `${file}: plan version ${
        JSON.stringify(head.version)
      } is not supported (this hostkit reads version ${PLAN_VERSION}); re-plan`,
    );
  }
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) {
    throw new HostkitError("data", `${file}: invalid plan: ${z.prettifyError(parsed.error)}`);
  }
  refuseBadBase64(parsed.data, file);
  return parsed.data;
}

/**
 * Canonical base64. Checked without a repeated group: a pattern like `(?:x{4})*` over a
 * multi-megabyte file content exhausts the regexp engine's stack.
 */
function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** Content as base64 that does not decode is a bad plan, not a crash at apply. */
function refuseBadBase64(plan: Plan, file: string): void {
  for (const host of plan.hosts) {
    for (const change of host.changes) {
      const contents = [change.after?.content, (change.resource as { content?: unknown }).content];
      for (const content of contents) {
        if (content && typeof content === "object" && "base64" in content) {
          if (!isBase64(String(content.base64))) {
            throw new HostkitError(
              "data",
              `${file}: invalid plan: ${change.id} on ${host.target.name} has content that is ` +
                "not valid base64",
            );
          }
        }
      }
    }
  }
}

/**
 * The fields the wrong-host and stale checks read must be there: without them
 * the checks would silently be off, so `apply --plan` refuses such a plan.
 *
 * @example
 * ```ts
 * import { checkSafetyFields } from "./artifact.ts";
 * import type { Plan } from "./types.ts";
 * const offline = { direction: "up", hosts: [] } as unknown as Plan;
 * checkSafetyFields(offline, "up.plan.json"); // nothing to check: fine
 * ```
 */
export function checkSafetyFields(plan: Plan, file: string): void {
  for (const host of plan.hosts) {
    if (host.target.kind === "offline" || host.error) continue;
    if (!host.machineId) {
      throw new HostkitError(
        "data",
        `${file}: the plan for ${host.target.name} has no machine id, so apply could not ` +
          "refuse it on another host; re-plan",
      );
    }
    if (plan.direction !== "up") continue;
    const blind = host.changes.find((c) => c.action !== "read_error" && !c.observed);
    if (blind) {
      throw new HostkitError(
        "data",
        `${file}: ${blind.id} on ${host.target.name} carries no observed state, so apply ` +
          "could not refuse it as stale; re-plan",
      );
    }
  }
}

/**
 * Reads and validates a plan file.
 *
 * @example
 * ```ts
 * import { loadPlan } from "./artifact.ts";
 * const plan = await loadPlan("up.plan.json");
 * ```
 */
export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new HostkitError("data", `cannot read plan ${path}: ${(error as Error).message}`);
  }
  return parsePlan(text, path);
}
