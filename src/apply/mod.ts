/**
 * Apply: make each host match its reviewed plan, in one round trip per host.
 *
 * @example
 * ```ts
 * import { apply } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const here = Target.local();
 * const demo = project("demo", (p) => p.file("/tmp/hostkit-demo/motd", { content: "hi\n" }));
 * const reviewed = await plan(demo, { targets: [here] });
 * const results = await apply(reviewed, { targets: [here], confirm: true });
 * console.log(results.map((r) => `${r.host}: ${r.status}`)); // ["local: applied"]
 * ```
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { pool } from "../pool.ts";
import type { SecretSource } from "../model/secret.ts";
import type { Plan } from "../plan/types.ts";
import type { Target } from "../transport/target.ts";
import { compileProgram, type Step } from "./program.ts";
import { type ApplyEvent, type HostResult, runProgram } from "./run.ts";

export { compileProgram } from "./program.ts";
export type { Program, ProgramOptions, Step } from "./program.ts";
export { REMOTE_COMMAND, runProgram } from "./run.ts";
export type { ApplyEvent, HostResult } from "./run.ts";

/** Options of {@link apply}. */
export interface ApplyOptions {
  /** One target per host of the plan, matched by name. */
  targets: Target[];
  /** Required unless dryRun: applying changes hosts. */
  confirm?: boolean;
  /** Compile and report the steps; touch nothing. */
  dryRun?: boolean;
  /** Remove a lock left by a killed apply. */
  breakLock?: boolean;
  /** Where secret values come from (default: the controller's environment). */
  secrets?: SecretSource;
  /** Hosts applied at once (default 10). */
  parallel?: number;
  /** Seconds a (re)started service has to become active (default 10). */
  startTimeoutS?: number;
  /** Keep a run record, backups of previous file-like state and the plan on the host. */
  track?: boolean;
  /** Overrides the plan's runs root (records, plan copies, lock). */
  runsRoot?: string;
  /** Where backups go (default `<runs root>/backups`). */
  backupsRoot?: string;
  /** The plan artifact's bytes as the user reviewed them, copied next to the record. */
  planArtifact?: Uint8Array;
  /** Receives every event as it happens (progress output, logs). */
  onEvent?: (event: ApplyEvent) => void;
  /** Receives each host's compiled steps before anything runs (dry runs print them). */
  onCompiled?: (host: string, steps: Step[]) => void;
}

/**
 * A run id: UTC timestamp, project, direction and a random suffix.
 *
 * @example
 * ```ts
 * import { runId } from "./mod.ts";
 * runId("toys", "up"); // "20260614-101148-toys-up-3f9a"
 * ```
 */
export function runId(project: string, direction: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${project}-${direction}-${crypto.randomUUID().slice(0, 4)}`;
}

/**
 * Applies a plan. Every host's program is compiled first, so a missing secret
 * or an unappliable plan fails before any host is touched.
 *
 * @example
 * ```ts
 * import { apply } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const here = Target.local();
 * const demo = project("demo", (p) => p.file("/tmp/hostkit-demo/motd", { content: "hi\n" }));
 * const reviewed = await plan(demo, { targets: [here] });
 * const [result] = await apply(reviewed, {
 *   targets: [here],
 *   dryRun: true,
 *   onCompiled: (host, steps) => console.log(host, steps.map((s) => s.label)),
 * });
 * result.status; // "dry-run": nothing was sent
 * ```
 */
export async function apply(plan: Plan, options: ApplyOptions): Promise<HostResult[]> {
  if (!options.confirm && !options.dryRun) {
    throw new HostkitError(
      "usage",
      "apply changes hosts: pass --confirm (or --dry-run to see the steps)",
    );
  }
  const byName = new Map(options.targets.map((t) => [t.name, t]));
  for (const host of plan.hosts) {
    if (host.target.kind === "offline") {
      throw new HostkitError(
        "usage",
        "this plan was made offline (no host was read); plan against a host to apply it",
      );
    }
    if (host.error) {
      throw new HostkitError(
        "data",
        `the plan for ${host.target.name} has no changes: ${host.error}`,
      );
    }
    if (!byName.has(host.target.name)) {
      throw new HostkitError(
        "usage",
        `the plan is for host ${host.target.name}, not ${
          [...byName.keys()].join(", ") || "no target"
        }`,
      );
    }
  }
  const secrets = options.secrets ?? ((name: string) => Deno.env.get(name));
  const id = runId(plan.project, plan.direction);
  const runsRoot = options.runsRoot ?? plan.runsRoot;
  const tracking = options.track
    ? {
      project: plan.project,
      direction: plan.direction,
      backupsRoot: options.backupsRoot ?? `${runsRoot}/backups`,
      planArtifact: options.planArtifact ??
        new TextEncoder().encode(JSON.stringify(plan, null, 2) + "\n"),
    }
    : undefined;
  const programs = await Promise.all(plan.hosts.map((host) =>
    compileProgram(host, {
      runId: id,
      runsRoot,
      secrets,
      breakLock: options.breakLock,
      startTimeoutS: options.startTimeoutS,
      tracking,
    })
  ));
  plan.hosts.forEach((host, i) => options.onCompiled?.(host.target.name, programs[i].steps));
  if (options.dryRun) {
    return plan.hosts.map((host) => ({ host: host.target.name, status: "dry-run", applied: [] }));
  }
  const results = await pool(plan.hosts, options.parallel ?? 10, async (host, i) => {
    const target = byName.get(host.target.name)!;
    if (programs[i].steps.length === 0 && !tracking) {
      // Nothing to change and nothing to record: no round trip at all.
      return { host: target.name, status: "nothing", applied: [] } satisfies HostResult;
    }
    const result = await runProgram(target, programs[i], options.onEvent);
    return tracking ? { ...result, runId: id } : result;
  });
  return results;
}
