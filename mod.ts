/**
 * hostkit's public API: everything the CLI does, as calls. One name per thing:
 * targets come from {@link Target} (`Target.local()`, `Target.ssh(name, …)`) or
 * {@link openSsh}, tracked runs from {@link runs} (`runs.list/read/prune`).
 *
 * @example
 * ```ts
 * import { apply, down, formatPlan, plan, project, Target } from "./mod.ts";
 *
 * const demo = project("demo", (p) => {
 *   p.file("/tmp/hostkit-demo/motd", { content: "hello\n" });
 * });
 * const here = Target.local();
 * try {
 *   const reviewed = await plan(demo, { targets: [here] });
 *   console.log(formatPlan(reviewed));
 *   await apply(reviewed, { targets: [here], confirm: true, track: true });
 *   const rollback = down(reviewed).plan; // another plan, applied the same way
 *   console.log(formatPlan(rollback));
 * } finally {
 *   await here.close();
 * }
 * ```
 *
 * @module
 */
export * from "./src/dsl/mod.ts";
export { ConfigError, load } from "./src/config/mod.ts";
export type {
  EvaluationKey,
  EvaluationResult,
  LoadOptions,
  ModuleCache,
  ModuleSource,
  ResultCache,
} from "./src/config/mod.ts";
export { render, renderContent } from "./src/render/mod.ts";
export type { RenderContext } from "./src/render/mod.ts";
export {
  ActionSchema,
  ChangeSchema,
  DesiredSchema,
  DriftSchema,
  formatPlan,
  HostPlanSchema,
  IntentSchema,
  loadPlan,
  parsePlan,
  plan,
  PlanSchema,
  savePlan,
  SummarySchema,
  targetRef,
  TargetRefSchema,
  TriggerSchema,
} from "./src/plan/mod.ts";
export type {
  Action,
  Change,
  Desired,
  Drift,
  FormatOptions,
  HostPlan,
  Intent,
  Plan,
  PlanOptions,
  Summary,
  TargetRef,
  Trigger,
} from "./src/plan/mod.ts";
export { apply, compileProgram, runId } from "./src/apply/mod.ts";
export type {
  ApplyEvent,
  ApplyOptions,
  ArmedRollback,
  HostResult,
  Program,
  ProgramOptions,
  RollbackOutcome,
  Step,
  Undoing,
} from "./src/apply/mod.ts";
export { readFacts, StateSchema } from "./src/facts/mod.ts";
export type { Facts, StaleCheck, State } from "./src/facts/mod.ts";
export { down, withAutoRollback } from "./src/down/mod.ts";
export type { DownOptions, DownResult, Skipped } from "./src/down/mod.ts";
export { RunRecordSchema, runs } from "./src/runs/mod.ts";
export type { RecordProblem, RunList, RunRecord, Tracking } from "./src/runs/mod.ts";
export {
  ListenerSchema,
  MonitorSchema,
  NotifySchema,
  ResourceSchema,
} from "./src/model/resource.ts";
export type { Listener, Monitor, Notify, Resource, ResourceKind } from "./src/model/resource.ts";
export { SecretRefSchema } from "./src/model/secret.ts";
export type { SecretSource } from "./src/model/secret.ts";
export { ProjectSchema, VolumeSchema } from "./src/model/project.ts";
export { Resources, Sandbox } from "./src/model/runtime.ts";
export { openSsh, sshOptionsSchema, Target } from "./src/transport/mod.ts";
export type {
  ExitStatus,
  LocalOptions,
  Process,
  RunOptions,
  RunResult,
  SshOptionsInput,
  SshTarget,
  Stdin,
} from "./src/transport/mod.ts";
export type { TarEntry } from "./src/transport/tar.ts";
export type { PackagePlanning } from "./src/packages/plan.ts";
export type { Clock } from "./src/packages/clock.ts";
export { checkPlanProviders } from "./src/providers/mod.ts";
export type { CaddySettings, CaddyWords } from "./src/providers/caddy/mod.ts";
export type {
  Provider,
  ProviderCommandOptions,
  ProviderContext,
  ProviderEmit,
  ProviderFileOptions,
  ProviderLineOptions,
  ProviderService,
  ProviderWords,
  UnionToIntersection,
  WordsOf,
} from "./src/providers/mod.ts";
export { monitorChecks, runChecks } from "./src/ops/monitor.ts";
export { FirewallPolicySchema } from "./src/model/firewall.ts";
export type { FirewallPolicy, SourceInput } from "./src/model/firewall.ts";
export type { AddressInput } from "./src/model/address.ts";
export type { Forwarding } from "./src/transport/ssh.ts";
export type { CheckResult, MonitorCheck, MonitorReport } from "./src/ops/monitor.ts";
import {
  type MonitorCheck,
  monitorChecks,
  type MonitorReport,
  runChecks,
} from "./src/ops/monitor.ts";
import type { ProjectSpec } from "./src/model/project.ts";
import type { Target as TargetShape } from "./src/transport/target.ts";

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
export const monitor: {
  /** The checks a project's units declare (`d.monitor(…)`), as data. */
  checks(project: ProjectSpec): MonitorCheck[];
  /** Runs a project's checks on one target and reports each result. */
  run(project: ProjectSpec, target: TargetShape): Promise<MonitorReport>;
} = {
  checks: monitorChecks,
  run: (project, target) => runChecks(monitorChecks(project), target),
};
export { ExitCode, HostkitError } from "./src/errors.ts";
export type { ErrorKind } from "./src/errors.ts";
export { HOSTKIT_VERSION } from "./src/version.ts";
