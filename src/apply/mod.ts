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
import type { HostPlan, Plan } from "../plan/types.ts";
import type { Target } from "../transport/target.ts";
import { compileProgram, type Step } from "./program.ts";
import { type ApplyEvent, type HostResult, runProgram } from "./run.ts";
import { type ArmedRollback, confirmRollback } from "./rollback.ts";
import { awaitReadiness, readinessChecks, verdictScript } from "./readiness.ts";
import { checkRollbackTimeout, rollbackSeconds } from "./rollback_time.ts";

export { compileProgram } from "./program.ts";
export type { Program, ProgramOptions, Step, Undoing } from "./program.ts";
export { REMOTE_COMMAND, runProgram } from "./run.ts";
export type { ApplyEvent, HostResult } from "./run.ts";
export { rollbackRunId } from "./rollback.ts";
export type { ArmedRollback, RollbackOutcome } from "./rollback.ts";
export { FIREWALL_ROLLBACK_S, minimumRollbackS, rollbackSeconds } from "./rollback_time.ts";

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
  /**
   * Arm automatic rollback for this many seconds (implies `track`): the host applies the run's
   * down plan unless hostkit confirms the apply over a new connection within that time of the
   * program's end; a failed apply rolls back at once. Default: the plan's `autoRollbackS`, and
   * always some for a firewall reload (see {@link rollbackSeconds}, {@link minimumRollbackS}).
   */
  autoRollbackS?: number;
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
  const autoRollbackS = await rollbackSeconds(plan, options.autoRollbackS ?? plan.autoRollbackS);
  if (autoRollbackS !== undefined) await checkRollbackTimeout(plan, autoRollbackS);
  const secrets = options.secrets ?? ((name: string) => Deno.env.get(name));
  const id = runId(plan.project, plan.direction);
  const runsRoot = options.runsRoot ?? plan.runsRoot;
  const tracking = options.track || autoRollbackS !== undefined
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
      autoRollbackS,
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
    const program = programs[i];
    const result = await runProgram(target, program, options.onEvent);
    const tracked = tracking ? { ...result, runId: id } : result;
    const ready = await readiness(target, host, program.rollback, tracked, {
      ...options,
      record: tracking ? `${runsRoot}/runs/${id}.json` : undefined,
    });
    return program.rollback
      ? await settleRollback(target, program.rollback, ready, options)
      : ready;
  });
  return results;
}

/**
 * After a program that ended well: the monitors of the services it started must hold (their
 * readiness). When one never does, the apply failed: one exec marks the run record and fires
 * an armed rollback.
 */
async function readiness(
  target: Target,
  host: HostPlan,
  armed: ArmedRollback | undefined,
  result: HostResult,
  options: ApplyOptions & { record?: string },
): Promise<HostResult> {
  if (result.status !== "applied") return result;
  const checks = await readinessChecks(host);
  if (!checks.length) return result;
  const onEvent = options.onEvent ?? (() => {});
  const name = target.name;
  onEvent({ type: "readiness", host: name, status: "start", detail: `${checks.length} monitors` });
  const { ready, results } = await awaitReadiness(target, checks);
  const failing = results.filter((r) => r.status !== "ok");
  onEvent({
    type: "readiness",
    host: name,
    status: ready ? "ok" : "fail",
    detail: failing.map((r) => `${r.check.target}: ${r.detail}`).join("; "),
  });
  if (ready) return result;
  const failed: HostResult = {
    ...result,
    status: "failed",
    failed: {
      label: `readiness: ${failing.length} of ${results.length} monitors`,
      ids: [...new Set(failing.map((r) => r.check.source))],
      exit: 3,
      output: failing.map((r) =>
        `${r.check.source} ${r.check.type} ${r.check.target}: ${r.detail} (expected ${r.check.expect})`
      ),
    },
  };
  if (!options.record && !armed) return failed;
  if (armed) onEvent({ type: "rollback", host: name, status: "start" });
  const verdict = await target.run("sh", { stdin: verdictScript(options.record, armed?.dir) })
    .catch((error) => ({
      code: -1,
      stdout: new Uint8Array(),
      stderr: new TextEncoder().encode(String(error)),
    }));
  if (!armed) return failed;
  const status = /^hk\trollback\t(\S*)/m.exec(new TextDecoder().decode(verdict.stdout))?.[1];
  // An exec that could not run leaves the decision to the host's own timer (never disarmed).
  if (status === undefined) {
    return {
      ...failed,
      message: `could not start the rollback (${
        new TextDecoder().decode(verdict.stderr).trim() || `exit ${verdict.code}`
      }); the host rolls itself back ${armed.timeoutS} s after the program ended`,
    };
  }
  onEvent({ type: "rollback", host: name, status: status === "0" ? "ok" : "fail" });
  return {
    ...failed,
    rollback: {
      outcome: status === "0" ? "rolled_back" : "rollback_failed",
      by: "failed readiness",
      runId: armed.runId,
      log: `${armed.dir}/program/events.log`,
    },
  };
}

/**
 * After an armed program: a failed apply already rolled back on the host; a good one (or one
 * whose connection dropped) is confirmed over a NEW connection, or the host rolls back.
 */
async function settleRollback(
  target: Target,
  armed: ArmedRollback,
  result: HostResult,
  options: ApplyOptions,
): Promise<HostResult> {
  if (!result.armed || result.rollback) return result;
  if (result.status !== "applied" && result.status !== "unreachable") return result;
  const onEvent = options.onEvent ?? (() => {});
  const host = target.name;
  const statusFile = result.log ? result.log.replace(/events\.log$/, "status") : "/nonexistent";
  const outcome = await confirmRollback(target, armed, statusFile, {
    endedAt: Date.now(),
    onWait: (detail) => onEvent({ type: "rollback", host, status: "waiting", detail }),
  });
  onEvent({ type: "rollback", host, status: outcome.outcome, detail: outcome.error });
  if (outcome.outcome === "disarmed") return { ...result, status: "applied", rollback: outcome };
  if (outcome.outcome === "unconfirmed") {
    return {
      ...result,
      status: "unreachable",
      rollback: outcome,
      message: `could not confirm the apply over a new connection (${outcome.error}); the host ` +
        `rolls itself back ${armed.timeoutS} s after the program ended unless it was confirmed`,
    };
  }
  return {
    ...result,
    status: outcome.outcome === "rolled_back" ? "rolled_back" : "failed",
    rollback: outcome,
    message: `the apply ended, but ${
      outcome.error
        ? `no new connection could confirm it (${outcome.error})`
        : "no new connection got through before its deadline"
    }: the host ${
      outcome.outcome === "rolled_back" ? "rolled itself back" : "tried to roll back and FAILED"
    } (run ${outcome.runId}, events: ${outcome.log})`,
  };
}
