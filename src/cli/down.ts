/**
 * `hostkit down`: the rollback of a plan, as another plan.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Plan } from "../plan/types.ts";
import { type CommandSpec, type Flags, listFlag, stringFlag } from "./args.ts";
import { CONFIG_FLAGS, loadFromFlags, RUNS_FLAGS, runsRootOf } from "./common.ts";
import { hasTargetFlags, preloadTransport, resolveTargets, TARGET_FLAGS } from "./targets.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "down",
  summary: COMMANDS.down.summary,
  usage:
    "hostkit down PLAN [--out FILE] | hostkit down [CONFIG] TARGET (--last | --run ID) [--out FILE]",
  flags: {
    ...CONFIG_FLAGS,
    ...TARGET_FLAGS,
    "runs-root": RUNS_FLAGS["runs-root"],
    out: { type: "string", value: "FILE", description: "Write the down plan artifact to FILE" },
    only: {
      type: "string",
      multiple: true,
      value: "KIND:NAME",
      description: "Roll back only this change",
    },
    except: {
      type: "string",
      multiple: true,
      value: "KIND:NAME",
      description: "Do not roll back this change",
    },
    last: { type: "boolean", description: "From the latest tracked up run on the host" },
    run: { type: "string", value: "ID", description: "From this tracked run on the host" },
    json: { type: "boolean", description: "Print the down plan as JSON" },
  },
  notes: [
    "A down plan from a plan file restores metadata, deletes what the plan created (where the",
    "resource's rollback policy allows) and runs commands' down steps; previous file contents are",
    "restored only from a tracked run's backups (apply --track, then down --last).",
    "Examples:",
    "  hostkit down up.plan.json --out down.plan.json && hostkit apply --plan down.plan.json --confirm",
    "  hostkit down infra/config.ts --host prod --last --out down.plan.json",
  ],
};

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  const fromRun = flags.last === true || stringFlag(flags, "run") !== undefined;
  if (flags.last && stringFlag(flags, "run")) {
    throw new HostkitError("usage", "--last and --run cannot be combined");
  }
  if (positionals.length > 1) throw new HostkitError("usage", `usage: ${spec.usage}`);
  if (fromRun) preloadTransport(flags, positionals[0]);
  const { down } = await import("../down/mod.ts");
  const planning = await import("../plan/mod.ts");
  const options = { only: listFlag(flags, "only"), except: listFlag(flags, "except") };
  let result;
  if (fromRun) {
    if (!hasTargetFlags(flags)) {
      throw new HostkitError(
        "usage",
        "--last/--run read the host: give --host NAME, --local or --remote HOST",
      );
    }
    const project = positionals[0] ? await loadFromFlags(positionals[0], flags) : undefined;
    const targets = await resolveTargets(flags, project);
    if (targets.targets.length !== 1) {
      throw new HostkitError("usage", "--last/--run work on one host at a time");
    }
    try {
      const { readRun } = await import("../runs/mod.ts");
      const runsRoot = runsRootOf(flags, project);
      const { record, plan, problems } = await readRun(
        targets.targets[0],
        runsRoot,
        flags.last ? "last" : stringFlag(flags, "run")!,
      );
      for (const p of problems) console.error(`warning: skipped ${p.path}: ${p.error}`);
      result = down(plan, {
        ...options,
        backupsDir: record.backups,
        applied: record.changes.filter((c) => c.status === "applied").map((c) => c.id),
      });
      result.plan.diagnostics.unshift(
        `from run ${record.id} (${record.status}, ${record.finishedAt})`,
      );
      // The host is at hand: record what the down plan will change as it is now, so applying
      // it later refuses if the host moved on in between (the same stale check as up plans).
      const { readFacts } = await import("../facts/mod.ts");
      for (const host of result.plan.hosts) {
        const facts = await readFacts(targets.targets[0], host.changes.map((c) => c.resource));
        for (const change of host.changes) {
          change.before = facts.states[change.id] ?? null;
          change.observed = facts.observed[change.id];
        }
      }
    } finally {
      await targets.close();
    }
  } else {
    if (positionals.length !== 1) throw new HostkitError("usage", `usage: ${spec.usage}`);
    const plan: Plan = await planning.loadPlan(positionals[0]);
    result = down(plan, options);
  }
  const out = stringFlag(flags, "out");
  if (out) await planning.savePlan(result.plan, out);
  if (flags.json) console.log(JSON.stringify(result.plan, null, 2));
  else await Deno.stdout.write(new TextEncoder().encode(planning.formatPlan(result.plan)));
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  if (out) {
    console.log(`Saved down plan to ${out}. Apply it with: hostkit apply --plan ${out} --confirm`);
  }
  return 0;
}
