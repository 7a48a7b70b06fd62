/**
 * `hostkit plan CONFIG`: read the target(s), print what apply would change,
 * optionally save the plan artifact.
 *
 * @module
 */
import { ExitCode, HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import { resourceId } from "../model/resource.ts";
import {
  type CommandSpec,
  expectPositionals,
  type Flags,
  listFlag,
  numberFlag,
  stringFlag,
} from "./args.ts";
import {
  autoRollbackS,
  CONFIG_FLAGS,
  GUARD_FLAGS,
  loadFromFlags,
  NFT_RELOAD_FLAG,
  ROLLBACK_FLAGS,
  runGuards,
} from "./common.ts";
import {
  hasTargetFlags,
  preloadTransport,
  refuseTargetlessFlags,
  resolveTargets,
  TARGET_FLAGS,
} from "./targets.ts";
import { PACKAGE_FLAGS, packagePlanningFromFlags, WRITE_LOCK_FLAG } from "../packages/flags.ts";
import { COMMANDS } from "./commands.ts";
import { rollbackSeconds } from "../apply/rollback_time.ts";

export const spec: CommandSpec = {
  name: "plan",
  summary: COMMANDS.plan.summary,
  usage:
    "hostkit plan CONFIG [--local | --host NAME… | --all-hosts | --remote HOST …] [--out FILE]",
  flags: {
    ...CONFIG_FLAGS,
    ...TARGET_FLAGS,
    ...GUARD_FLAGS,
    ...NFT_RELOAD_FLAG,
    ...PACKAGE_FLAGS,
    ...WRITE_LOCK_FLAG,
    ...ROLLBACK_FLAGS,
    out: { type: "string", value: "FILE", description: "Write the plan artifact (JSON) to FILE" },
    ignore: {
      type: "string",
      multiple: true,
      value: "KIND:NAME",
      description: "Treat this resource as unchanged",
    },
    "show-graph": { type: "boolean", description: "Print the dependency graph and exit" },
    "detailed-exitcode": {
      type: "boolean",
      description: "Exit 2 when there are changes, 0 when none",
    },
    service: {
      type: "string",
      multiple: true,
      value: "NAME",
      description: "Plan only this service's resources (and what they depend on)",
    },
    verbose: { type: "boolean", short: "v", description: "Also list unchanged resources" },
    json: { type: "boolean", description: "Print the plan as JSON instead of text" },
  },
  notes: [
    "Without a target flag the plan is made offline: nothing is read and every resource is a create.",
    "Examples:",
    "  hostkit plan infra/config.ts --host prod --out up.plan.json",
    "  hostkit plan infra/config.ts --local --ignore systemd_service:toys-exograph.service",
    "  hostkit plan infra/config.ts --host prod --write-package-lock hostkit.package.lock",
    "  hostkit plan infra/config.ts --host prod --auto-rollback 60s --out up.plan.json",
  ],
};

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  const [config] = expectPositionals(spec, positionals, ["CONFIG"]);
  if (flags["show-graph"]) {
    const others = [
      "out",
      "json",
      "detailed-exitcode",
      "ignore",
      "verbose",
      ...Object.keys(TARGET_FLAGS),
    ]
      .filter((name) => flags[name] !== undefined);
    if (others.length) {
      throw new HostkitError(
        "usage",
        `--show-graph prints the dependency graph and plans nothing: --${others.join(", --")} ${
          others.length === 1 ? "means" : "mean"
        } nothing with it`,
      );
    }
  } else {
    refuseTargetlessFlags(flags);
  }
  preloadTransport(flags, config);
  const packages = packagePlanningFromFlags(flags);
  const project = onlyServices(await loadFromFlags(config, flags), listFlag(flags, "service"));
  const rollbackS = autoRollbackS(flags);
  // Resolved first: the hosts' handshakes then run while the planner loads.
  const targets = hasTargetFlags(flags) ? await resolveTargets(flags, project) : undefined;
  try {
    const planning = await import("../plan/mod.ts");
    if (flags["show-graph"]) {
      const deps = planning.dependencies(project.resources);
      const ids = project.resources.map(resourceId);
      await Deno.stdout.write(
        new TextEncoder().encode(planning.formatGraph(planning.order(ids, deps), deps)),
      );
      return 0;
    }
    const planned = await planning.plan(project, {
      targets: targets?.targets,
      ignore: listFlag(flags, "ignore"),
      parallel: numberFlag(flags, "parallel", 10),
      runGuards: runGuards(flags),
      nftReload: flags["nft-reload"] === true,
      packages,
    });
    // A firewall reload always runs under automatic rollback: the plan says so, and for how long.
    const seconds = await rollbackSeconds(planned, rollbackS);
    const result = seconds === undefined
      ? planned
      : (await import("../down/mod.ts")).withAutoRollback(planned, seconds);
    const out = stringFlag(flags, "out");
    if (out) await planning.savePlan(result, out);
    if (flags.json) console.log(JSON.stringify(result, null, 2));
    else {
      await Deno.stdout.write(
        new TextEncoder().encode(planning.formatPlan(result, { verbose: flags.verbose === true })),
      );
      if (out) {
        console.log(
          `Saved plan to ${out}. Apply exactly this plan with: hostkit apply --plan ${out} --confirm`,
        );
      }
    }
    const failed = result.hosts.filter((h) => h.error);
    if (failed.length) {
      throw new HostkitError(
        "unreachable",
        `${failed.length} of ${result.hosts.length} hosts could not be planned`,
        {
          details: failed.map((h) => `${h.target.name}: ${h.error}`),
        },
      );
    }
    const { create, update, delete: deletes } = result.summary;
    const pending = result.hosts.reduce((n, h) => n + (h.triggers?.length ?? 0), 0);
    return flags["detailed-exitcode"] && create + update + deletes + pending > 0
      ? ExitCode.changes
      : 0;
  } finally {
    await targets?.close();
  }
}

/**
 * The project with only the resources of the named services, and the ones
 * they depend on (`dependsOn`, transitively), so the plan stays complete.
 */
function onlyServices(project: ProjectSpec, names: string[]): ProjectSpec {
  if (!names.length) return project;
  const known = new Set(project.services.map((s) => s.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new HostkitError(
      "input",
      `--service ${unknown.join(", ")}: no such service (declared: ${
        [...known].join(", ") || "none"
      })`,
    );
  }
  const byId = new Map(project.resources.map((r) => [resourceId(r), r]));
  const keep = new Set<string>();
  const visit = (id: string) => {
    const resource = byId.get(id);
    if (!resource || keep.has(id)) return;
    keep.add(id);
    resource.dependsOn.forEach(visit);
  };
  for (const r of project.resources) {
    if (r.service && names.includes(r.service)) visit(resourceId(r));
  }
  return {
    ...project,
    services: project.services.filter((s) => names.includes(s.name)),
    resources: project.resources.filter((r) => keep.has(resourceId(r))),
  };
}
