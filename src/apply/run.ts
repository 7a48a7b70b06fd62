/**
 * Runs a compiled program on one host over ONE exec channel and turns its
 * event lines into {@link ApplyEvent}s and a {@link HostResult}.
 *
 * @module
 */
import { tarBytes } from "../transport/tar.ts";
import type { Target } from "../transport/target.ts";
import type { Program } from "./program.ts";
import type { RollbackOutcome } from "./rollback.ts";

/** Something that happened while applying, streamed as it happens. */
export type ApplyEvent =
  | { type: "started"; host: string; log: string }
  | {
    type: "step";
    host: string;
    index: number;
    label: string;
    status: "start" | "ok" | "fail";
    ms?: number;
    exit?: number;
  }
  | { type: "log"; host: string; index: number; line: string }
  | {
    /** The health gate of an activation step: watching started units for their settle window. */
    type: "settle";
    host: string;
    index: number;
    status: "start" | "ok" | "fail";
    /** The longest settle window (start) or the time the gate took (ok, fail). */
    ms: number;
    units?: string[];
  }
  | { type: "stale"; host: string; id: string }
  | { type: "locked"; host: string; holder: string; stale: boolean }
  | {
    /** A lock was broken: its holder was provably dead (`dead`) or `--break-lock` said so. */
    type: "broke-lock";
    host: string;
    holder: string;
    reason: "dead" | "forced";
  }
  | {
    /**
     * Automatic rollback: `armed` (before the first change), `start`/`ok`/`fail` (a failed
     * apply rolls back at once), `waiting` (no new connection yet, or the host is deciding),
     * then how it ended: `disarmed`, `rolled_back`, `rollback_failed`, `unconfirmed`.
     */
    type: "rollback";
    host: string;
    status:
      | "armed"
      | "start"
      | "ok"
      | "fail"
      | "waiting"
      | "disarmed"
      | "rolled_back"
      | "rollback_failed"
      | "unconfirmed";
    detail?: string;
  }
  | {
    /** The readiness gate: the started services' monitors, run after the program. */
    type: "readiness";
    host: string;
    status: "start" | "ok" | "fail";
    detail?: string;
  }
  | { type: "done"; host: string; code: number };

/** How one host's apply ended. */
export interface HostResult {
  /** The host's name, as in the plan. */
  host: string;
  /**
   * `applied` (all steps ran), `nothing` (no changes), `failed` (a step failed),
   * `stale` (the host changed since the plan: re-plan), `locked` (another apply
   * holds the lock), `unreachable`, `dry-run`, or `rolled_back` (the apply ended, but no
   * new connection could confirm it, so the host applied the run's down plan), or `lockout`
   * (the host's lock-out check refused before any change: `failed` holds its step and message).
   */
  status:
    | "applied"
    | "nothing"
    | "failed"
    | "stale"
    | "locked"
    | "unreachable"
    | "dry-run"
    | "rolled_back"
    | "lockout";
  /** Ids of changes applied (steps that finished ok). */
  applied: string[];
  /** The failing step, its exit code and last output lines. */
  failed?: { label: string; ids: string[]; exit: number; output: string[] };
  /** Ids whose state changed since the plan. */
  stale?: string[];
  /** Lock holder when locked. */
  holder?: string;
  /** Events log on the host (survives a dropped connection). */
  log?: string;
  /** The run id, when the apply was tracked. */
  runId?: string;
  /** The program died without a step failing: the step it was in, if any. */
  died?: { label?: string; steps: number };
  /** Why it did not apply (unreachable, locked, compile errors), for people. */
  message?: string;
  /** Whether the program armed automatic rollback before its first change. */
  armed?: boolean;
  /** How an armed apply's rollback ended (see `confirmRollback`). */
  rollback?: RollbackOutcome;
  /** The last output lines of a rollback that failed. */
  rollbackOutput?: string[];
}

/**
 * The remote command: the stream is a line with the size of the program's tar, that tar
 * (unpacked into a private dir) and the batches' tars, which the program reads itself (after
 * the lock and the stale check, straight into their stage dirs).
 */
export const REMOTE_COMMAND =
  'umask 077; d=$(mktemp -d /var/tmp/hostkit-apply.XXXXXX) && read -r n && head -c "$n" | tar -x -C "$d" && exec sh "$d/run.sh" "$d"';

/** The one stream for {@link REMOTE_COMMAND}: the program's tar by size, then the batches. */
async function applyStream(program: Program): Promise<ReadableStream<Uint8Array>> {
  const control = await tarBytes(program.entries);
  const parts = [
    new TextEncoder().encode(`${control.length}\n`),
    control,
    ...program.batches.map((b) => b.data),
  ];
  return ReadableStream.from(parts);
}

/**
 * Sends the program and runs it. Never throws for host-side outcomes (failed
 * step, stale, locked); those are in the result.
 *
 * @example
 * ```ts
 * import { compileProgram } from "./program.ts";
 * import { runProgram } from "./run.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const program = await compileProgram({
 *   target: { kind: "local", name: "local", sudo: false },
 *   changes: [],
 *   summary: { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 },
 * }, {
 *   runId: "20260614-101148-demo-up-ab12",
 *   runsRoot: "/tmp/hostkit-runs",
 *   secrets: (name) => Deno.env.get(name),
 * });
 * const result = await runProgram(Target.local(), program, (event) => console.log(event));
 * result.status; // "applied" (no steps)
 * ```
 */
export async function runProgram(
  target: Target,
  program: Program,
  onEvent: (event: ApplyEvent) => void = () => {},
): Promise<HostResult> {
  const host = target.name;
  const result: HostResult = { host, status: "applied", applied: [] };
  const output = new Map<number, string[]>();
  let done: number | undefined;
  let running: number | undefined;
  let error: string | undefined;
  let refused = false;
  const handle = (line: string) => {
    const [tag, kind, ...fields] = line.split("\t");
    if (tag !== "hk") return;
    switch (kind) {
      case "started":
        result.log = fields[1];
        onEvent({ type: "started", host, log: fields[1] });
        break;
      case "step": {
        const index = Number(fields[0]);
        const step = program.steps[index];
        const status = fields[1] as "start" | "ok" | "fail";
        running = status === "start" ? index : undefined;
        // One by one: a batch of 200,000 files has more ids than a call has arguments.
        if (status === "ok") { for (const id of step.ids) result.applied.push(id); }
        if (status === "fail") {
          // The step's log lines follow this event; they land in this same array.
          const lines = output.get(index) ?? [];
          output.set(index, lines);
          result.failed = {
            label: step.label,
            ids: step.ids,
            exit: Number(fields[3]),
            output: lines,
          };
        }
        onEvent({
          type: "step",
          host,
          index,
          label: step.label,
          status,
          ms: fields[2] ? Number(fields[2]) : undefined,
          exit: fields[3] ? Number(fields[3]) : undefined,
        });
        break;
      }
      case "log": {
        const index = Number(fields[0]);
        const line = fields.slice(1).join("\t");
        if (!output.has(index)) output.set(index, []);
        output.get(index)!.push(line);
        onEvent({ type: "log", host, index, line });
        break;
      }
      case "settle":
        onEvent({
          type: "settle",
          host,
          index: Number(fields[0]),
          status: fields[1] as "start" | "ok" | "fail",
          ms: Number(fields[2]),
          ...(fields[3] ? { units: fields[3].split(" ") } : {}),
        });
        break;
      case "error":
        error = fields.join(" ");
        break;
      case "refused": // a guard step refused the apply (see hk_guard)
        refused = true;
        break;
      case "stale": {
        const id = program.checked[Number(fields[0])] ?? `#${fields[0]}`;
        result.stale = [...(result.stale ?? []), id];
        onEvent({ type: "stale", host, id });
        break;
      }
      case "wrong-host":
        result.status = "stale";
        result.message = `this plan was made for another host (machine-id differs: ${
          fields[0] || "none"
        })`;
        break;
      case "locked":
      case "stale-lock":
        result.holder = fields.join("\t");
        onEvent({ type: "locked", host, holder: result.holder, stale: kind === "stale-lock" });
        result.message = kind === "locked"
          ? `another apply holds the lock on ${host}: ${result.holder}`
          : `a killed apply left its lock on ${host} (${result.holder}); rerun with --break-lock if it is gone`;
        break;
      case "broke-lock":
        onEvent({
          type: "broke-lock",
          host,
          reason: fields[0] === "dead" ? "dead" : "forced",
          holder: fields.slice(1).join("\t"),
        });
        break;
      case "armed":
        result.armed = true;
        onEvent({ type: "rollback", host, status: "armed", detail: `${fields[0]} s` });
        break;
      case "rollback": {
        const status = fields[0] as "start" | "ok" | "fail";
        onEvent({ type: "rollback", host, status, detail: fields[1] });
        if (status !== "start" && program.rollback) {
          result.rollback = {
            outcome: status === "ok" ? "rolled_back" : "rollback_failed",
            by: "failed apply",
            runId: program.rollback.runId,
            log: fields[1],
          };
        }
        break;
      }
      case "rollback-log":
        result.rollbackOutput = [...(result.rollbackOutput ?? []), fields.join("\t")];
        break;
      case "done":
        done = Number(fields[0]);
        onEvent({ type: "done", host, code: done });
        break;
    }
  };

  const process = target.spawn(REMOTE_COMMAND, { stdin: await applyStream(program) });
  const stderrText = new Response(process.stderr).text();
  let pending = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of process.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        handle(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    }
    if (pending) handle(pending);
    await process.status;
  } catch (error) {
    const login = target.address
      ? `ssh -p ${target.address.port} ${target.address.user}@${target.address.host}`
      : "sh -c";
    const how = result.log
      ? ` hostkit's program runs detached from the connection and finishes on the host anyway; ` +
        `read its events with: ${login} 'cat ${result.log}'`
      : "";
    return {
      ...result,
      status: "unreachable",
      message: `${error instanceof Error ? error.message : String(error)}.${how}`,
    };
  }
  // A program that ends without a failed step (killed, or it stopped on its own) died.
  const died = (why: string): HostResult => ({
    ...result,
    status: "failed",
    died: {
      label: running === undefined ? undefined : program.steps[running]?.label,
      steps: program.steps.length,
    },
    message: result.log === undefined
      ? `the apply program on ${host} did not start: ${why}`
      : `the apply program on ${host} died ${
        running === undefined
          ? `after ${
            result.applied.length ? "its last finished step" : "taking the lock, before any step"
          }`
          : `during step ${running + 1} of ${program.steps.length}`
      }: ${why}`,
  });
  if (done === undefined) {
    const stderr = (await stderrText).trim();
    // Reported, not thrown: the other hosts' results must not be lost.
    return died(
      stderr || (result.log ? "it was killed (no exit status, no message)" : "no output"),
    );
  }
  // A refusal by the host's lock-out check ends the program with 7, as the plan's refusal does.
  if (done === 7 && refused && result.failed) return { ...result, status: "lockout" };
  if (done === 3 && !result.failed && error) return { ...result, status: "failed", message: error };
  if (done !== 0 && ![3, 4, 5].includes(done) && !result.failed) {
    return died(error ?? `exit ${done}`);
  }
  if (done === 3) result.status = "failed";
  else if (done === 4) result.status = "stale";
  else if (done === 5) result.status = "locked";
  else if (done !== 0) result.status = "failed";
  else if (program.steps.length === 0) result.status = "nothing";
  return result;
}
