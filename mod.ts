/**
 * hostkit's public API: everything the CLI does, as calls.
 *
 * @example
 * ```ts
 * import { apply, down, formatPlan, load, plan, sshTarget } from "./mod.ts";
 *
 * const project = await load("infra/config.ts");
 * const prod = sshTarget({ name: "prod", host: "elixir.toys", user: "deploy", sudo: true });
 * try {
 *   const reviewed = await plan(project, { targets: [prod] });
 *   console.log(formatPlan(reviewed));
 *   await apply(reviewed, { targets: [prod], confirm: true, track: true });
 *   const rollback = down(reviewed).plan; // another plan, applied the same way
 * } finally {
 *   await prod.close();
 * }
 * ```
 *
 * @module
 */
export * from "./src/dsl/mod.ts";
export { ConfigError, load } from "./src/config/mod.ts";
export type { LoadOptions } from "./src/config/mod.ts";
export { render, renderContent } from "./src/render/mod.ts";
export type { RenderContext } from "./src/render/mod.ts";
export { formatPlan, loadPlan, parsePlan, plan, savePlan, targetRef } from "./src/plan/mod.ts";
export type { Change, HostPlan, Plan, PlanOptions } from "./src/plan/mod.ts";
export { apply, compileProgram, runId } from "./src/apply/mod.ts";
export type { ApplyEvent, ApplyOptions, HostResult } from "./src/apply/mod.ts";
export { readFacts } from "./src/facts/mod.ts";
export type { Facts } from "./src/facts/mod.ts";
export { down } from "./src/down/mod.ts";
export type { DownOptions, DownResult } from "./src/down/mod.ts";
export { listRuns, pruneRuns, readRun } from "./src/runs/mod.ts";
import { listRuns, pruneRuns, readRun } from "./src/runs/mod.ts";
export type { RunList, RunRecord } from "./src/runs/mod.ts";
export { Resources, Sandbox } from "./src/model/runtime.ts";
export { localTarget } from "./src/transport/local.ts";
export { openSsh, sshTarget } from "./src/transport/ssh.ts";
export type { SshOptionsInput, SshTarget } from "./src/transport/mod.ts";
import { type LocalOptions, localTarget } from "./src/transport/local.ts";
import { sshTarget } from "./src/transport/ssh.ts";
import type { SshOptionsInput } from "./src/transport/mod.ts";
import type { Target as AnyTarget } from "./src/transport/target.ts";

/** A host hostkit can reach (local or SSH). */
export type Target = AnyTarget;

/**
 * Targets as the reference writes them (`HostKit.Target.local/ssh`).
 *
 * @example
 * ```ts
 * import { Target } from "./mod.ts";
 * const prod = Target.ssh("prod", { host: "elixir.toys", user: "dannote", sudo: true });
 * const here = Target.local();
 * const dev = Target.local("dev", { sudo: true });
 * ```
 */
export const Target = {
  /** This machine, named `local` unless a name is given (plans are made for that name). */
  local: (nameOrOptions?: string | LocalOptions, options?: LocalOptions): AnyTarget => {
    if (typeof nameOrOptions !== "string") return localTarget(nameOrOptions);
    return { ...localTarget(options), name: nameOrOptions };
  },
  ssh: (name: string, options: Omit<SshOptionsInput, "name">): AnyTarget =>
    sshTarget({ name, ...options }),
};

/**
 * Tracked runs on a host (`runs.list(target, runsRoot)`, `runs.read`, `runs.prune`).
 *
 * @example
 * ```ts
 * import { runs, Target } from "./mod.ts";
 * const { records } = await runs.list(Target.local(), "/var/lib/hostkit");
 * ```
 */
export const runs = { list: listRuns, read: readRun, prune: pruneRuns };
export { monitorChecks, runChecks } from "./src/ops/monitor.ts";
export type { CheckResult, MonitorCheck, MonitorReport } from "./src/ops/monitor.ts";
import { monitorChecks, runChecks } from "./src/ops/monitor.ts";

/**
 * Monitor checks (the reference's `Monitor.checks(project)` / `Monitor.run(project, target:)`).
 *
 * @example
 * ```ts
 * import { load, monitor, Target } from "./mod.ts";
 * const project = await load("infra/config.ts");
 * const report = await monitor.run(project, Target.local());
 * ```
 */
export const monitor = {
  checks: monitorChecks,
  run: (project: import("./src/model/project.ts").ProjectSpec, target: AnyTarget) =>
    runChecks(monitorChecks(project), target),
};
export { ExitCode, HostkitError } from "./src/errors.ts";
export { HOSTKIT_VERSION } from "./src/version.ts";
