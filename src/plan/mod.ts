/**
 * Planning: read each host once, diff against the declaration, order, and
 * return a Plan (plain data; see types.ts for the artifact format).
 *
 * @example
 * ```ts
 * import { formatPlan, plan } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const demo = project("demo", (p) => p.directory("/srv/app"));
 * const result = await plan(demo, { targets: [Target.local()] });
 * console.log(formatPlan(result));
 * ```
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { sourceReader } from "../config/source_reader.ts";
import { pool } from "../pool.ts";
import { PREVIEW_LIMIT, previewable, readFacts, readPreviews } from "../facts/mod.ts";
import type { ProjectSpec } from "../model/project.ts";
import { type Resource, resourceId } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { Facts } from "../facts/state.ts";
import type { Target } from "../transport/target.ts";
import { type PackagePlanning, preparePackages } from "../packages/plan.ts";
import { packagePlanningFromFlags } from "../packages/flags.ts";
import { buildChanges, desiredStates } from "./build.ts";
import { dependencies } from "./graph.ts";
import {
  addSummaries,
  type Desired,
  type HostPlan,
  type Plan,
  PLAN_FORMAT,
  PLAN_VERSION,
  summarize,
  type TargetRef,
} from "./types.ts";

export { checkSafetyFields, loadPlan, parsePlan, savePlan } from "./artifact.ts";
export { formatPlan, summaryLine } from "./format.ts";
export type { FormatOptions } from "./format.ts";
export { dependencies, formatGraph, order } from "./graph.ts";
export * from "./types.ts";

import { HOSTKIT_VERSION } from "../version.ts";

/** Options of {@link plan}. */
export interface PlanOptions {
  /** Hosts to read; none plans offline (every resource a create). */
  targets?: Target[];
  /** Ids (`kind:name`) whose changes become `noop/ignored`. */
  ignore?: string[];
  /** How many hosts are read at once (default 10). */
  parallel?: number;
  /**
   * Run commands' `unless` guards while reading (shell the config chose, run on the
   * host as the connecting user; with a local target, on this machine). Default no:
   * such commands are shown as "may run" and apply evaluates their guards.
   */
  runGuards?: boolean;
  /** Reads controller-side file sources (default: the config's source policy, see src/config/sources.ts). */
  readSource?: (path: string) => Uint8Array;
  /**
   * How semantic package names resolve (Repology or a lock). Without it, as the CLI without
   * flags: Repology at `HOSTKIT_REPOLOGY_URL` or https://repology.org, cached 24 h under
   * `.hostkit/cache/repology` of the working directory.
   */
  packages?: PackagePlanning;
}

/**
 * What a plan records to reach a target again.
 *
 * @example
 * ```ts
 * import { targetRef } from "./mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * targetRef(Target.local()); // { kind: "local", name: "local", sudo: false }
 * ```
 */
export function targetRef(target: Target): TargetRef {
  if (target.address) {
    return { kind: "ssh", name: target.name, ...target.address, sudo: target.sudo ?? false };
  }
  return { kind: "local", name: target.name, sudo: target.sudo ?? false };
}

/** Paths of existing text files whose content differs from the declaration. */
function changedTextFiles(
  resources: Resource[],
  ids: string[],
  desired: Map<string, Desired>,
  facts: Facts,
): string[] {
  return resources.flatMap((r, i) => {
    const handler = handlerOf(r);
    if (handler.sensitive(r)) return [];
    const want = desired.get(ids[i])!;
    const path = facts.states[ids[i]]?.path;
    const at = handler.hostPath(r);
    // A file larger than a preview would be diffed against its truncated start: no diff then.
    const differs = path?.exists && path.sha256 !== undefined && path.sha256 !== want.sha256 &&
      path.size <= PREVIEW_LIMIT && at !== undefined && previewable(at, path);
    return differs && want.content && "text" in want.content ? [at] : [];
  });
}

/**
 * Plans a project against its targets (or offline). One probe exec per host;
 * an unreachable host gets an `error` in its HostPlan instead of hiding the others.
 *
 * @example
 * ```ts
 * import { plan } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const offline = await plan(project("demo", (p) => p.directory("/srv/app")));
 * offline.summary.create; // number of resources
 * ```
 */
export async function plan(project: ProjectSpec, options: PlanOptions = {}): Promise<Plan> {
  // The project's source roots, regular files, size cap, no .git, no git-ignored files.
  const readSource = options.readSource ?? sourceReader(project);
  const targets = options.targets ?? [];
  // The one network step of planning: towards the operator's Repology only (or none: a lock),
  // before any host is read, so that each host's one probe reads every candidate name.
  const packages = await preparePackages(
    project.resources,
    targets.length > 0,
    options.packages ?? packagePlanningFromFlags({}, environment),
  );
  const resources = targets.length ? project.resources : await packages.offline();
  const ids = resources.map(resourceId);
  const desired = desiredStates(resources, readSource, ids);
  checkHostPaths(resources, ids);
  // Built once, before any host is read: a cycle or an unknown dependency fails fast.
  const deps = dependencies(resources, ids);
  const known = new Set(ids);
  for (const id of options.ignore ?? []) {
    if (!known.has(id)) {
      throw new HostkitError("usage", `--ignore ${id}: no such resource in ${project.name}`);
    }
  }
  let hosts: HostPlan[];
  if (targets.length === 0) {
    const changes = buildChanges(resources, desired, undefined, { ...options, deps, ids });
    hosts = [{
      target: { kind: "offline", name: "offline" },
      changes,
      summary: summarize(changes),
    }];
  } else {
    hosts = await pool(targets, options.parallel ?? 10, async (target): Promise<HostPlan> => {
      const ref = targetRef(target);
      try {
        let output = "";
        const probed = await readFacts(target, resources, {
          runsRoot: project.runsRoot,
          runGuards: options.runGuards,
          extra: packages.probe,
          output: (text) => output = text,
        });
        // Semantic packages become this host's packages (its repository, from the same probe).
        const { resources: hostResources, facts } = await packages.forHost(target, probed, output);
        const previews = await readPreviews(
          target,
          changedTextFiles(resources, ids, desired, facts),
        );
        if (!facts.machineId) {
          throw new HostkitError(
            "unreachable",
            `${target.name} has no /etc/machine-id, so a plan for it could not be told apart ` +
              "from a plan for another host: create one (systemd-machine-id-setup)",
          );
        }
        const changes = buildChanges(hostResources, desired, facts, {
          ...options,
          previews,
          deps,
          ids,
        });
        return {
          target: ref,
          os: `${facts.os.id} ${facts.os.version}`.trim(),
          packageManager: facts.packageManager,
          machineId: facts.machineId,
          ...(facts.triggers.length ? { triggers: facts.triggers } : {}),
          ...orphans(facts.created, known),
          changes,
          summary: summarize(changes),
        };
      } catch (error) {
        if (!(error instanceof HostkitError) || error.kind === "config" || packages.owns(error)) {
          throw error;
        }
        return { target: ref, changes: [], summary: summarize([]), error: error.message };
      }
    });
  }
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    generatedAt: new Date().toISOString(),
    hostkitVersion: HOSTKIT_VERSION,
    project: project.name,
    direction: "up",
    runsRoot: project.runsRoot,
    hosts,
    summary: addSummaries(hosts.map((h) => h.summary)),
    diagnostics: [
      ...await packages.finish(),
      ...guardNotes(resources, targets, options.runGuards ?? false),
    ],
  };
}

/** An environment variable, or none where the program may not read the environment. */
function environment(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * A host path belongs to one resource, whatever its kind: `env_file:/x` beside
 * `file:/x` would let the file's diff show what the env file put there.
 */
function checkHostPaths(resources: Resource[], ids: string[]): void {
  const owners = new Map<string, number>();
  resources.forEach((r, i) => {
    const path = handlerOf(r).hostPath(r);
    if (path === undefined) return;
    const first = owners.get(path);
    if (first === undefined) return void owners.set(path, i);
    const where = (j: number) => resources[j].origin ? ` (${resources[j].origin})` : "";
    throw new HostkitError(
      "config",
      `${ids[first]}${where(first)} and ${ids[i]}${where(i)} both manage ${path}: ` +
        "a path belongs to one resource",
    );
  });
}

/**
 * Units and accounts hostkit created that no resource declares any more (a
 * rename leaves the old unit running unnoticed otherwise).
 */
function orphans(created: string[], declared: Set<string>): { orphans?: string[] } {
  const left = created.filter((id) => !declared.has(id));
  return left.length ? { orphans: left } : {};
}

/** What the plan says about the guard commands it ran, or did not run. */
function guardNotes(resources: Resource[], targets: Target[], ran: boolean): string[] {
  const guarded = resources.flatMap((r) => r.kind === "command" && r.unless ? [r.name] : []);
  if (!guarded.length || !targets.length) return [];
  if (!ran) {
    return [
      `${guarded.length} unless guard(s) were not run while planning (${guarded.join(", ")}): ` +
      "their commands may run; apply evaluates the guards (--run-guards runs them now)",
    ];
  }
  const local = targets.some((t) => !t.address);
  return [
    `ran ${guarded.length} unless guard(s) as the connecting user on each host` +
    `${local ? " (with --local: on this machine)" : ""}: ${guarded.join(", ")}`,
  ];
}
