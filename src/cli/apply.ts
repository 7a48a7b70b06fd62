/**
 * `hostkit apply`: plan then apply a config, or apply exactly a saved plan.
 *
 * @module
 */
import { ExitCode, HostkitError } from "../errors.ts";
import type { Plan } from "../plan/types.ts";
import type { HostResult } from "../apply/run.ts";
import type { Step } from "../apply/program.ts";
import { type CommandSpec, type Flags, listFlag, numberFlag, stringFlag } from "./args.ts";
import {
  autoRollbackS,
  CONFIG_FLAGS,
  GUARD_FLAGS,
  loadFromFlags,
  NFT_RELOAD_FLAG,
  ROLLBACK_FLAGS,
  runGuards,
  RUNS_FLAGS,
} from "./common.ts";
import {
  hasTargetFlags,
  preloadTransport,
  resolveTargets,
  TARGET_FLAGS,
  type Targets,
  targetsForRefs,
} from "./targets.ts";
import { progress } from "./progress.ts";
import { hasPackageFlags, PACKAGE_FLAGS, packagePlanningFromFlags } from "../packages/flags.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "apply",
  summary: COMMANDS.apply.summary,
  usage:
    "hostkit apply (CONFIG [--host NAME…|--local|--remote HOST…] | --plan FILE) (--confirm | --dry-run)",
  flags: {
    ...CONFIG_FLAGS,
    ...TARGET_FLAGS,
    ...GUARD_FLAGS,
    ...NFT_RELOAD_FLAG,
    ...RUNS_FLAGS,
    ...ROLLBACK_FLAGS,
    plan: { type: "string", value: "FILE", description: "Apply exactly this saved plan" },
    ...PACKAGE_FLAGS,
    confirm: { type: "boolean", description: "Really change the hosts" },
    "dry-run": { type: "boolean", description: "Print every step that would run; touch nothing" },
    ignore: {
      type: "string",
      multiple: true,
      value: "KIND:NAME",
      description: "Leave this resource alone",
    },
    "break-lock": { type: "boolean", description: "Remove a lock left by a killed apply" },
    "start-timeout": {
      type: "string",
      value: "SECONDS",
      description: "Time a service has to become active (default 10)",
    },
    json: { type: "boolean", description: "Print events as JSON lines" },
    track: { type: "boolean", description: "Keep a run record, backups and the plan on the host" },
  },
  notes: [
    "Examples:",
    "  hostkit apply infra/config.ts --host prod --confirm",
    "  hostkit plan infra/config.ts --host prod --out up.plan.json && hostkit apply --plan up.plan.json --confirm",
    "  hostkit apply infra/config.ts --host prod --auto-rollback 60s --confirm",
    "A plan is refused when the host changed since it was made (re-plan), or when it was made for another host.",
    "A plan saved with --auto-rollback is applied with it; --auto-rollback on apply --plan sets or changes it.",
  ],
};

function printSteps(host: string, steps: Step[]): void {
  console.log(`Host ${host}: ${steps.length} steps would run`);
  for (const step of steps) {
    console.log(`  ${step.index + 1}. ${step.label}\n       ${step.command}`);
  }
}

function report(results: HostResult[]): number {
  let code = 0;
  for (const r of results) {
    switch (r.status) {
      case "applied":
        console.log(
          `[${r.host}] applied ${r.applied.length} changes${r.runId ? ` (run ${r.runId})` : ""}${
            r.rollback?.outcome === "disarmed"
              ? "; confirmed over a new connection, automatic rollback disarmed"
              : ""
          }`,
        );
        break;
      case "rolled_back":
        console.error(`[${r.host}] ROLLED BACK: ${r.message}`);
        code ||= ExitCode.rolledBack;
        break;
      case "nothing":
        console.log(`[${r.host}] nothing to do`);
        break;
      case "failed":
        if (r.failed) {
          console.error(`[${r.host}] FAILED at "${r.failed.label}" (exit ${r.failed.exit})`);
          for (const line of r.failed.output) console.error(`    | ${line}`);
          if (r.message) console.error(`  ${r.message}`);
        } else {
          console.error(`[${r.host}] FAILED: ${r.message ?? "the apply program did not finish"}`);
          if (r.died?.label) console.error(`  it was running: ${r.died.label}`);
        }
        if (r.log) console.error(`  its events on the host: ${r.log}`);
        console.error(
          `  applied before the failure: ${r.applied.length ? r.applied.join(", ") : "nothing"}`,
        );
        if (r.rollback) {
          const undone = r.rollback.outcome === "rolled_back";
          console.error(
            `  automatic rollback ${
              undone ? "undid it" : "FAILED"
            } (run ${r.rollback.runId}, events: ${r.rollback.log})`,
          );
          for (const line of r.rollbackOutput ?? []) console.error(`    | ${line}`);
        } else if (r.runId) {
          console.error(
            `  undo the applied part with: hostkit down CONFIG --host ${r.host} --run ${r.runId}`,
          );
        }
        code ||= ExitCode.applyFailed;
        break;
      case "stale":
        console.error(
          `[${r.host}] ${r.message ?? "the plan is stale: re-plan"}; nothing was changed`,
        );
        for (const id of r.stale ?? []) console.error(`  changed since the plan: ${id}`);
        code ||= ExitCode.stale;
        break;
      case "locked":
        console.error(`[${r.host}] ${r.message}; nothing was changed`);
        code ||= ExitCode.locked;
        break;
      case "unreachable":
        console.error(`[${r.host}] ${r.message}`);
        code ||= ExitCode.unreachable;
        break;
      case "lockout":
        // The host's lock-out check refused before any change, as the plan would have.
        console.error(`[${r.host}] REFUSED on the host by "${r.failed?.label}":`);
        for (const line of r.failed?.output ?? []) console.error(`    | ${line}`);
        if (r.log) console.error(`  its events on the host: ${r.log}`);
        if (r.rollback?.outcome === "rollback_failed") {
          console.error(`  its automatic rollback FAILED (events: ${r.rollback.log})`);
        }
        code ||= ExitCode.lockout;
        break;
    }
  }
  return code;
}

/** A reviewed plan gets rollback on apply: name what it would not undo before anything runs. */
function printRollbackGaps(plan: Plan): void {
  for (const host of plan.hosts) {
    const gaps = host.rollbackGaps ?? [];
    console.log(
      `[${host.target.name}] automatic rollback armed for ${plan.autoRollbackS} s; ${
        gaps.length ? "it would NOT undo:" : "it undoes every change"
      }`,
    );
    for (const gap of gaps) console.log(`  ! ${gap.id} (${gap.reason})`);
  }
}

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  const planFile = stringFlag(flags, "plan");
  if (positionals.length > 1 || (!planFile && positionals.length === 0)) {
    throw new HostkitError("usage", `usage: ${spec.usage}`);
  }
  if (!flags.confirm && !flags["dry-run"]) {
    throw new HostkitError(
      "usage",
      "apply changes hosts: pass --confirm (or --dry-run to see the steps)",
    );
  }
  preloadTransport(flags, positionals[0]);
  if (planFile && hasPackageFlags(flags)) {
    throw new HostkitError(
      "usage",
      "package flags shape a new plan; a saved plan is applied exactly as reviewed",
    );
  }
  const packages = planFile ? undefined : packagePlanningFromFlags(flags);
  const project = positionals[0] ? await loadFromFlags(positionals[0], flags) : undefined;
  // Resolved first: the hosts' handshakes then run while the planner and apply modules load.
  const early = !planFile && hasTargetFlags(flags)
    ? await resolveTargets(flags, project)
    : undefined;
  const planning = await import("../plan/mod.ts");
  const { apply, rollbackSeconds } = await import("../apply/mod.ts");
  let plan: Plan;
  let targets: Targets;
  let planArtifact: Uint8Array | undefined;
  if (planFile) {
    planArtifact = await Deno.readFile(planFile).catch((error) => {
      throw new HostkitError("data", `cannot read plan ${planFile}: ${error.message}`);
    });
    plan = planning.parsePlan(new TextDecoder().decode(planArtifact), planFile);
    if (project && project.name !== plan.project) {
      throw new HostkitError(
        "usage",
        `${planFile} is a plan for project ${plan.project}, not ${project.name}`,
      );
    }
    const { checkPlanProviders } = await import("../providers/mod.ts");
    checkPlanProviders(plan, project);
    planning.checkSafetyFields(plan, planFile);
    if (listFlag(flags, "ignore").length) {
      throw new HostkitError(
        "usage",
        "--ignore shapes a new plan; a saved plan is applied exactly as reviewed",
      );
    }
    if (flags["nft-reload"]) {
      throw new HostkitError(
        "usage",
        "--nft-reload shapes a new plan (the plan shows the reload); plan with --nft-reload",
      );
    }
    targets = hasTargetFlags(flags)
      ? await resolveTargets(flags, project)
      : await targetsForRefs(plan.hosts.map((h) => h.target), flags, project);
  } else {
    if (!early) {
      throw new HostkitError(
        "usage",
        "apply needs a target: --host NAME, --local or --remote HOST",
      );
    }
    targets = early;
    plan = await planning.plan(project!, {
      targets: targets.targets,
      ignore: listFlag(flags, "ignore"),
      parallel: numberFlag(flags, "parallel", 10),
      runGuards: runGuards(flags),
      nftReload: flags["nft-reload"] === true,
      packages,
    });
    const failed = plan.hosts.filter((h) => h.error);
    if (failed.length) {
      await targets.close();
      throw new HostkitError("unreachable", "some hosts could not be read; nothing was applied", {
        details: failed.map((h) => `${h.target.name}: ${h.error}`),
      });
    }
  }
  const rollbackS = await rollbackSeconds(plan, autoRollbackS(flags) ?? plan.autoRollbackS);
  if (rollbackS !== undefined && rollbackS !== plan.autoRollbackS) {
    plan = (await import("../down/mod.ts")).withAutoRollback(plan, rollbackS);
    if (planFile) printRollbackGaps(plan);
  }
  if (!planFile) await Deno.stdout.write(new TextEncoder().encode(planning.formatPlan(plan)));
  try {
    const steps = new Map<string, Step[]>();
    const results = await apply(plan, {
      targets: targets.targets,
      confirm: flags.confirm === true,
      dryRun: flags["dry-run"] === true,
      breakLock: flags["break-lock"] === true,
      parallel: numberFlag(flags, "parallel", 10),
      startTimeoutS: numberFlag(flags, "start-timeout", 10),
      track: flags.track === true,
      runsRoot: stringFlag(flags, "runs-root"),
      backupsRoot: stringFlag(flags, "backups-root"),
      planArtifact,
      autoRollbackS: rollbackS,
      onEvent: progress({ json: flags.json === true, tty: Deno.stderr.isTerminal(), steps }),
      onCompiled: (host, hostSteps) => {
        steps.set(host, hostSteps);
        if (flags["dry-run"]) printSteps(host, hostSteps);
      },
    });
    return flags["dry-run"] ? 0 : report(results);
  } finally {
    await targets.close();
  }
}
