/**
 * Readiness: the `http` and `systemd` monitors of the services an apply (re)started are
 * their readiness. After the program and its settle window, the controller runs them
 * through the same connection (HTTP over an SSH channel to the host's loopback), retried
 * every 500 ms until each one's window (default 60 s) ends. A service that never becomes
 * ready fails the apply; the verdict reaches the host's run record in one extra exec.
 *
 * @module
 */
import type { HostPlan } from "../plan/types.ts";
import type { CheckResult, MonitorCheck } from "../ops/monitor.ts";
import type { Target } from "../transport/target.ts";
import { quote } from "../transport/shell.ts";

/** How long a readiness check is retried when its monitor names no `timeoutMs`. */
export const READINESS_WINDOW_MS = 60_000;

/** The pause between attempts. */
const INTERVAL_MS = 500;

/** The longest one attempt may take (a check's own `timeoutMs` when shorter). */
const ATTEMPT_MS = 10_000;

/** A readiness check and how long it may take to hold. */
export interface ReadinessCheck {
  /** The monitor, as `hostkit monitor` runs it. */
  check: MonitorCheck;
  /** Its retry window. */
  windowMs: number;
}

/** Whether a change (re)starts its unit, so its readiness is in question. */
function starts(change: HostPlan["changes"][number]): boolean {
  return change.resource.kind === "systemd_service" && change.action !== "delete" &&
    change.action !== "noop" && change.after?.restart === true;
}

/**
 * The readiness checks of a host plan: `http` and `systemd` monitors of every
 * unit it (re)starts.
 *
 * @example
 * ```ts
 * import { readinessChecks } from "./readiness.ts";
 * const host = {
 *   target: { kind: "local" as const, name: "local", sudo: false },
 *   changes: [],
 *   summary: { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 },
 * };
 * await readinessChecks(host); // []: nothing started
 * ```
 */
export async function readinessChecks(host: HostPlan): Promise<ReadinessCheck[]> {
  const started = host.changes.filter(starts);
  if (!started.some((c) => "monitors" in c.resource && c.resource.monitors.length)) return [];
  const { resourceChecks } = await import("../ops/monitor.ts");
  return started.flatMap((change) => {
    const r = change.resource;
    if (!("monitors" in r)) return [];
    const checks = resourceChecks(r);
    return r.monitors.flatMap((monitor, i) => {
      if (monitor.type !== "http" && monitor.type !== "systemd") return [];
      const declared = monitor.options.timeoutMs;
      const windowMs = typeof declared === "number" ? declared : READINESS_WINDOW_MS;
      return [{ check: { ...checks[i], timeoutMs: Math.min(ATTEMPT_MS, windowMs) }, windowMs }];
    });
  });
}

/**
 * The longest readiness window of a plan's hosts, in seconds (what an
 * automatic-rollback deadline must leave room for).
 *
 * @example
 * ```ts
 * import { readinessWindowS } from "./readiness.ts";
 * await readinessWindowS([]); // 0
 * ```
 */
export async function readinessWindowS(hosts: HostPlan[]): Promise<number> {
  let longest = 0;
  for (const host of hosts) {
    for (const { windowMs } of await readinessChecks(host)) longest = Math.max(longest, windowMs);
  }
  return longest / 1000;
}

/**
 * Runs the checks until each holds or its window ends; all of a host's shell
 * checks share one exec per attempt.
 */
export async function awaitReadiness(
  target: Target,
  checks: ReadinessCheck[],
  options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ ready: boolean; results: CheckResult[] }> {
  const { runChecks } = await import("../ops/monitor.ts");
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const started = now();
  const last = new Map<ReadinessCheck, CheckResult>();
  let pending = checks;
  while (pending.length) {
    const report = await runChecks(pending.map((c) => c.check), target);
    report.results.forEach((result, i) => last.set(pending[i], result));
    const elapsed = now() - started;
    const failing = pending.filter((c) => last.get(c)?.status !== "ok");
    if (failing.some((c) => elapsed >= c.windowMs)) break;
    pending = failing;
    if (pending.length) await sleep(INTERVAL_MS);
  }
  const results = checks.map((c) => last.get(c)!);
  return { ready: results.every((r) => r.status === "ok"), results };
}

/**
 * The one extra exec after a failed readiness gate: the run record says
 * `failed`, and an armed rollback fires at once (its decision marker taken).
 * Prints `hk<TAB>rollback<TAB>STATUS` when it rolled back.
 *
 * @example
 * ```ts
 * import { verdictScript } from "./readiness.ts";
 * verdictScript("/var/lib/hostkit/runs/x.json", undefined); // marks the record only
 * ```
 */
export function verdictScript(record: string | undefined, rollbackDir: string | undefined): string {
  const lines = [];
  if (record) {
    lines.push(
      `r=${quote(record)}`,
      `[ -f "$r" ] && sed 's/^  "status": "[a-z_]*",$/  "status": "failed",/' "$r" > "$r.tmp" && mv -f "$r.tmp" "$r"`,
    );
  }
  if (rollbackDir) {
    lines.push(
      `rb=${quote(rollbackDir)}`,
      `. "$rb/program/lib.sh" && hk_rollback "$rb" "failed readiness"; rc=$?`,
      `printf 'hk\\trollback\\t%s\\n' "$(cat "$rb/decided/status" 2>/dev/null || echo "$rc")"`,
    );
  }
  return lines.join("\n") + "\n";
}
