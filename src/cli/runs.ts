/**
 * `hostkit runs`: tracked run records on a host, and their retention.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { RunRecord } from "../runs/record.ts";
import { type CommandSpec, type Flags, stringFlag } from "./args.ts";
import { CONFIG_FLAGS, loadFromFlags, RUNS_FLAGS, runsRootOf } from "./common.ts";
import { hasTargetFlags, preloadTransport, resolveTargets, TARGET_FLAGS } from "./targets.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "runs",
  summary: COMMANDS.runs.summary,
  usage:
    "hostkit runs [CONFIG] TARGET [--verbose] [--latest] [--id ID] [--format json] [--prune --keep N]",
  flags: {
    ...CONFIG_FLAGS,
    ...TARGET_FLAGS,
    ...RUNS_FLAGS,
    verbose: {
      type: "boolean",
      short: "v",
      description: "Show each change, the plan copy and backups",
    },
    latest: { type: "boolean", description: "Only the newest run" },
    id: { type: "string", value: "ID", description: "Only this run" },
    format: { type: "string", value: "FORMAT", description: "text (default) or json" },
    prune: { type: "boolean", description: "Delete older runs with their plan copies and backups" },
    keep: { type: "string", value: "N", description: "With --prune: how many runs to keep" },
  },
};

function describe(record: RunRecord, verbose: boolean): string[] {
  const counts = record.changes.reduce(
    (n, c) => ({ ...n, [c.status]: (n[c.status] ?? 0) + 1 }),
    {} as Record<string, number>,
  );
  const summary = Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(", ");
  const lines = [
    `${record.id}  ${record.direction}  ${record.status}  ${record.finishedAt}  ${record.host}  (${
      summary || "no changes"
    })`,
  ];
  if (verbose) {
    lines.push(`  plan: ${record.plan ?? "(none)"}`, `  backups: ${record.backups}`);
    for (const change of record.changes) {
      lines.push(`  ${change.status.padEnd(8)} ${change.action.padEnd(7)} ${change.id}`);
    }
  }
  return lines;
}

function keepFlag(flags: Flags): number {
  const raw = stringFlag(flags, "keep") ?? "";
  if (!/^[1-9]\d*$/.test(raw)) {
    throw new HostkitError(
      "usage",
      `--keep wants a positive number of whole runs, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  if (positionals.length > 1) throw new HostkitError("usage", `usage: ${spec.usage}`);
  if (!hasTargetFlags(flags)) {
    throw new HostkitError(
      "usage",
      "runs reads a host: give --host NAME, --local or --remote HOST",
    );
  }
  const format = stringFlag(flags, "format") ?? "text";
  if (format !== "text" && format !== "json") {
    throw new HostkitError("usage", `--format must be text or json, got ${format}`);
  }
  if (flags.keep !== undefined && !flags.prune) {
    throw new HostkitError("usage", "--keep goes with --prune");
  }
  if (flags.prune && flags.keep === undefined) {
    throw new HostkitError("usage", "--prune needs --keep N");
  }
  preloadTransport(flags, positionals[0]);
  const project = positionals[0] ? await loadFromFlags(positionals[0], flags) : undefined;
  const runsRoot = runsRootOf(flags, project);
  const { listRuns, pruneRuns } = await import("../runs/mod.ts");
  const { targets, close } = await resolveTargets(flags, project);
  try {
    for (const target of targets) {
      if (flags.prune) {
        const removed = await pruneRuns(target, runsRoot, {
          keep: keepFlag(flags),
          backupsRoot: stringFlag(flags, "backups-root"),
        });
        console.log(
          `[${target.name}] pruned ${removed.length} runs${
            removed.length ? `: ${removed.join(", ")}` : ""
          }`,
        );
        continue;
      }
      const { records, problems } = await listRuns(target, runsRoot);
      for (const p of problems) {
        console.error(`warning: [${target.name}] skipped ${p.path}: ${p.error}`);
      }
      const id = stringFlag(flags, "id");
      const chosen = id
        ? records.filter((r) => r.id === id)
        : flags.latest
        ? records.slice(0, 1)
        : records;
      if (id && chosen.length === 0) {
        throw new HostkitError("input", `no run ${id} on ${target.name}`);
      }
      if (format === "json") console.log(JSON.stringify(chosen, null, 2));
      else if (chosen.length === 0) {
        console.log(`[${target.name}] no tracked runs under ${runsRoot}`);
      } else {for (const record of chosen) {
          console.log(describe(record, flags.verbose === true || Boolean(id)).join("\n"));
        }}
    }
  } finally {
    await close();
  }
  return 0;
}
