/**
 * `hostkit monitor`: run a config's monitor checks against hosts and print what holds.
 *
 * @module
 */
import { ExitCode, HostkitError } from "../errors.ts";
import type { CheckResult, MonitorReport } from "../ops/monitor.ts";
import type { CommandSpec, Flags } from "./args.ts";
import { CONFIG_FLAGS, loadFromFlags } from "./common.ts";
import { hasTargetFlags, preloadTransport, resolveTargets, TARGET_FLAGS } from "./targets.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "monitor",
  summary: COMMANDS.monitor.summary,
  usage: "hostkit monitor CONFIG (--host NAME…|--all-hosts|--local) [--json]",
  flags: {
    ...CONFIG_FLAGS,
    ...TARGET_FLAGS,
    json: { type: "boolean", description: "Print the results as JSON" },
  },
  notes: [
    "HTTP and port checks reach the host's own loopback through the SSH connection; where the",
    "server forbids forwarding they run on the host (curl or wget). Exit 3 when a check fails.",
  ],
};

function table(reports: MonitorReport[]): string {
  const rows = [["host", "check", "target", "result", "latency"]];
  for (const report of reports) {
    for (const r of report.results) {
      const mark = r.status === "ok" ? "ok" : r.status === "fail" ? "FAIL" : "skipped";
      rows.push([
        report.host,
        `${r.check.type} (${r.check.severity})`,
        r.check.target,
        `${mark}: ${r.detail}${r.via === "ssh channel" || r.via === "shell" ? "" : ` (${r.via})`}`,
        `${r.latencyMs} ms`,
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new HostkitError("usage", `usage: ${spec.usage}`);
  if (!hasTargetFlags(flags)) {
    throw new HostkitError("usage", "monitor needs a target: --host NAME, --all-hosts or --local");
  }
  preloadTransport(flags, positionals[0]);
  const project = await loadFromFlags(positionals[0], flags);
  const { monitorChecks, runChecks } = await import("../ops/monitor.ts");
  const checks = monitorChecks(project);
  const targets = await resolveTargets(flags, project);
  try {
    if (checks.length === 0) {
      console.error(`${project.name} declares no monitors`);
      return 0;
    }
    const reports = await Promise.all(targets.targets.map((t) => runChecks(checks, t)));
    if (flags.json) {
      console.log(JSON.stringify(reports, null, 2));
    } else {
      for (const note of reports.flatMap((r) => r.notes)) console.error(`note: ${note}`);
      console.log(table(reports));
    }
    const failed = reports.flatMap((r) => r.results).filter((r: CheckResult) =>
      r.status === "fail"
    );
    if (!flags.json && failed.length) {
      console.error(`${failed.length} of ${checks.length * reports.length} checks failed`);
    }
    return failed.length ? ExitCode.applyFailed : 0;
  } finally {
    await targets.close();
  }
}
