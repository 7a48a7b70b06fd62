/**
 * Automatic rollback (deploy-rs's "magic rollback", for any change): the apply
 * program arms a transient systemd timer on the host before its first change;
 * once the program ended well, the controller disarms it over a NEW connection.
 * A host that cannot be reached that way (a broken sshd, a firewall, a network
 * change), or whose apply failed, applies the run's down plan by itself.
 *
 * The down plan is derived here, on the controller, when the program is
 * compiled, and shipped in the same tar stream: the host never plans.
 *
 * @module
 */
import { down, type Skipped } from "../down/mod.ts";
import type { StaleCheck } from "../facts/mod.ts";
import { HostkitError } from "../errors.ts";
import { type HostPlan, type Plan, PLAN_FORMAT, PLAN_VERSION } from "../plan/types.ts";
import type { Target } from "../transport/target.ts";
import { tarBytes } from "../transport/tar.ts";
import { HOSTKIT_VERSION } from "../version.ts";
import { compileProgram, type ProgramOptions, type Step } from "./program.ts";
import { disarmScript, FIRE_SH } from "./remote_rollback.ts";

/** What an armed program tells the controller about its rollback. */
export interface ArmedRollback {
  /** Seconds after the program's end the host rolls back unless disarmed. */
  timeoutS: number;
  /** The rollback directory on the host (`<runs root>/rollback/<run id>`). */
  dir: string;
  /** The transient systemd unit (a timer and its service) that fires it. */
  unit: string;
  /** The run id the rollback's down run is recorded under. */
  runId: string;
  /** Up changes the rollback does not undo, and why: named before anything runs. */
  skipped: Skipped[];
}

/** How an armed apply's rollback ended. */
export interface RollbackOutcome {
  /**
   * `disarmed` (confirmed over a new connection: the apply stands), `rolled_back` (the host
   * applied the down plan), `rollback_failed` (it tried and a step failed), `unconfirmed`
   * (no new connection could be made before giving up: the host decides on its own).
   */
  outcome: "disarmed" | "rolled_back" | "rollback_failed" | "unconfirmed";
  /** Who decided on the host: `disarmed`, `fired` (the deadline passed), `failed apply`. */
  by?: string;
  /** The rollback's run id on the host. */
  runId: string;
  /** Why the controller could not confirm, when it could not. */
  error?: string;
  /** The rollback's events log on the host, when it ran. */
  log?: string;
}

/**
 * The down run's id for an up run's id: the same time, project and suffix.
 *
 * @example
 * ```ts
 * import { rollbackRunId } from "./rollback.ts";
 * rollbackRunId("20260614-101148-toys-up-3f9a"); // "20260614-101148-toys-down-3f9a"
 * ```
 */
export function rollbackRunId(upRunId: string): string {
  return upRunId.replace(/-up-([0-9a-f]{4})$/, "-down-$1");
}

/** The one-host up plan `down` derives the rollback from. */
function planOf(host: HostPlan, project: string, runsRoot: string): Plan {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    generatedAt: new Date().toISOString(),
    hostkitVersion: HOSTKIT_VERSION,
    project,
    direction: "up",
    runsRoot,
    hosts: [host],
    summary: host.summary,
    diagnostics: [],
  };
}

/**
 * Compiles the rollback of an up program: its down plan, compiled with the up
 * plan's stale check as the "what did the run touch" probe, plus `fire.sh`, in
 * one tar the up program unpacks into the rollback directory when it arms.
 */
export async function rollbackArchive(
  host: HostPlan,
  upSteps: Step[],
  upCheck: StaleCheck,
  options: ProgramOptions,
): Promise<{ archive: Uint8Array; dir: string; unit: string; armed: ArmedRollback }> {
  const tracking = options.tracking;
  if (!tracking || tracking.direction !== "up") {
    throw new HostkitError(
      "usage",
      "automatic rollback undoes a tracked up plan (its backups are what it restores)",
    );
  }
  const runId = rollbackRunId(options.runId);
  const result = down(planOf(host, tracking.project, options.runsRoot), {
    backupsDir: `${tracking.backupsRoot}/${options.runId}`,
  });
  const downHost = result.plan.hosts[0];
  // A down change runs when the run touched its resource: the probe sees it differ from
  // the plan (c<i>), or its step ran (s<n>); a failed step (f<n>) counts only for what no
  // probe reads, since a failed write batch renames nothing.
  const stepOf = new Map<string, number>();
  for (const step of upSteps) {
    for (const id of step.ids) if (!stepOf.has(id)) stepOf.set(id, step.index);
  }
  const checkIndex = new Map(upCheck.ids.map((id, i) => [id, i]));
  const keys = new Map<string, string[]>();
  for (const change of downHost.changes) {
    const step = stepOf.get(change.id);
    const checked = checkIndex.get(change.id);
    const ran = step === undefined ? [] : [`s${step}`];
    keys.set(
      change.id,
      checked === undefined ? [...ran, ...(step === undefined ? [] : [`f${step}`])] : [
        `c${checked}`,
        ...ran,
      ],
    );
  }
  const program = await compileProgram(downHost, {
    runId,
    runsRoot: options.runsRoot,
    secrets: options.secrets,
    startTimeoutS: options.startTimeoutS,
    tracking: {
      project: tracking.project,
      direction: "down",
      backupsRoot: tracking.backupsRoot,
      planArtifact: new TextEncoder().encode(JSON.stringify(result.plan, null, 2) + "\n"),
    },
    undoing: { check: upCheck, keys },
  });
  const dir = `${options.runsRoot}/rollback/${options.runId}`;
  const unit = `hostkit-rollback-${options.runId}`;
  const archive = await tarBytes([
    // The batches too: the program runs later, with no stream to read them from.
    ...[...program.entries, ...program.batches].map((e) => ({ ...e, name: `program/${e.name}` })),
    { name: "fire.sh", data: new TextEncoder().encode(FIRE_SH) },
  ]);
  return {
    archive,
    dir,
    unit,
    armed: { timeoutS: options.autoRollbackS!, dir, unit, runId, skipped: result.skipped },
  };
}

/** How long the controller keeps trying after the deadline before it stops waiting. */
const GRACE_MS = 60_000;

/** A pause between attempts to reach the host over a new connection. */
const RETRY_MS = 2_000;

/**
 * Confirms an armed apply over a NEW connection: disarms it when the program
 * ended well, or waits (until the deadline plus a grace) for the host to decide
 * and reports what it did. Never throws for host-side outcomes.
 */
export async function confirmRollback(
  target: Target,
  armed: ArmedRollback,
  statusFile: string,
  options: {
    endedAt: number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    onWait?: (why: string) => void;
  },
): Promise<RollbackOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const giveUp = options.endedAt + armed.timeoutS * 1000 + GRACE_MS;
  const script = disarmScript(armed.dir, armed.unit, statusFile);
  const log = `${armed.dir}/program/events.log`;
  let error: string | undefined;
  let said: string | undefined;
  // Say each reason to wait once, not once per attempt.
  const wait = (why: string) => {
    if (why !== said) options.onWait?.(why);
    said = why;
  };
  for (;;) {
    const fresh = target.reopen?.() ?? target;
    try {
      const result = await fresh.run("sh", { stdin: script });
      const line = new TextDecoder().decode(result.stdout).split("\n")
        .find((l) => l.startsWith("hk\t"));
      const [, state, by, status] = (line ?? "").split("\t");
      if (result.code !== 0 || !state) {
        error ??= `the disarm check failed (exit ${result.code}): ${
          new TextDecoder().decode(result.stderr).trim() || "no output"
        }`;
      } else if (state === "disarmed") {
        return { outcome: "disarmed", by: "disarmed", runId: armed.runId };
      } else if (state === "decided" && by === "disarmed") {
        return { outcome: "disarmed", by, runId: armed.runId };
      } else if (state === "decided" && status !== "") {
        return {
          outcome: status === "0" ? "rolled_back" : "rollback_failed",
          by,
          runId: armed.runId,
          log,
          ...(error ? { error } : {}),
        };
      } else if (state === "gone") {
        return {
          outcome: "unconfirmed",
          runId: armed.runId,
          error: `${armed.dir} is gone from the host: nothing left to confirm`,
        };
      }
      // running, not-ok (the program rolls back itself) or a rollback under way: ask again.
      wait(state === "decided" ? "the host is rolling back" : `the host says ${state}`);
    } catch (failure) {
      // One line: the reason is quoted inside other messages.
      const why = (failure instanceof Error ? failure.message : String(failure))
        .replace(/\s*\n\s*/g, "; ");
      error ??= why;
      wait(`no new connection: ${why}`);
    } finally {
      if (fresh !== target) await fresh.close();
    }
    if (now() > giveUp) {
      return { outcome: "unconfirmed", runId: armed.runId, error: error ?? "no answer" };
    }
    await sleep(RETRY_MS);
  }
}
