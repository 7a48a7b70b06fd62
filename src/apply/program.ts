/**
 * Compiles one host's plan into the remote program (a POSIX sh script) and its
 * payload: only the content of files that change, secrets resolved on the
 * controller into exactly the files that need them. With tracking, the program
 * also backs up previous file-like state on the host and writes a run record.
 *
 * @module
 */
import { type StaleCheck, staleCheck } from "../facts/mod.ts";
import { HostkitError } from "../errors.ts";
import type { SecretSource } from "../model/secret.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { ActivationGroup, CompileContext, StagedFile } from "../kinds/types.ts";
import { NOTIFY_KEY, notifyGroup, recordTriggers } from "../kinds/notify.ts";
import { quote } from "../transport/shell.ts";
import { tarBytes, type TarEntry } from "../transport/tar.ts";
import { parentsOf } from "../kinds/paths.ts";
import type { Change, HostPlan } from "../plan/types.ts";
import { REMOTE_LIB, RUN_SH } from "./remote.ts";
import { recordTemplate, type Tracking } from "../runs/record.ts";
import type { ArmedRollback } from "./rollback.ts";

/** One step of the program, as shown to the user. */
export interface Step {
  /** Its position in the program, from 0; events and the run record refer to it. */
  index: number;
  /** Resource ids this step applies. */
  ids: string[];
  /** What the step does, for people (e.g. `write /etc/app.env`, `restart app.service`). */
  label: string;
  /** The shell line(s) that run it (for --dry-run). */
  command: string;
  /**
   * A check that runs before any change and can refuse the apply: its command's exit 7 ends
   * the program with 7 (`ExitCode.lockout`, as the plan's refusal) instead of a failed step's 3.
   */
  refuses?: "lockout";
}

/** The compiled program for one host. */
export interface Program {
  /** The steps in the order they run. */
  steps: Step[];
  /** run.sh, lib.sh, apply.sh, probe.sh, expected and payload files: the stream's first tar. */
  entries: TarEntry[];
  /**
   * Each batch's files as one tar named by their stage paths (relative to /), sent after
   * `entries` in the same stream. After the lock and the stale check the host unpacks each
   * straight into its stage directories, or keeps it in the apply dir until its step when an
   * earlier step must come first (see `hk_receive`).
   */
  batches: TarEntry[];
  /** Index → id for stale-check lines. */
  checked: string[];
  /** Set when the program arms automatic rollback. */
  rollback?: ArmedRollback;
}

/** Options of {@link compileProgram}. */
export interface ProgramOptions {
  /** The run's id (see `runId`): names the events log, the record and the backups. */
  runId: string;
  /** Where the host keeps the lock, run records, plan copies and pending triggers. */
  runsRoot: string;
  /** Resolves the secrets env files reference, on the controller, at compile time. */
  secrets: SecretSource;
  /** Take over the lock a killed apply left behind. */
  breakLock?: boolean;
  /** Seconds a started service has to become active. */
  startTimeoutS?: number;
  /** Keep a run record, backups and the plan artifact on the host. */
  tracking?: Tracking;
  /**
   * Arm automatic rollback before the first change: unless the controller disarms it over a
   * new connection within this many seconds of the program's end, the host applies the run's
   * down plan (from this run's backups: needs `tracking`). A failed apply rolls back at once.
   */
  autoRollbackS?: number;
  /** Compiles the down program of an automatic rollback (see `rollback.ts`). */
  undoing?: Undoing;
}

/** What a rollback's down program knows of the run it undoes. */
export interface Undoing {
  /** The up plan's stale check: a resource that still reads as planned was not touched. */
  check: StaleCheck;
  /** Per change id, the touch keys that make its down step run (`c<i>` or `s<step>`). */
  keys: Map<string, string[]>;
}

const encoder = new TextEncoder();

/** A step, or the place an activation group's one step will stand (by group key). */
type Slot = Step | { group: string };

/**
 * Compiles a host plan. Fails (before anything is sent) when a secret is missing
 * or the plan holds changes that cannot be applied.
 *
 * @example
 * ```ts
 * import { compileProgram } from "./program.ts";
 * const program = await compileProgram({
 *   target: { kind: "local", name: "local", sudo: false },
 *   changes: [],
 *   summary: { create: 0, update: 0, delete: 0, noop: 0, read_error: 0 },
 * }, {
 *   runId: "20260614-101148-demo-up-ab12", runsRoot: "/var/lib/hostkit",
 *   secrets: (name) => Deno.env.get(name),
 * });
 * program.steps.length; // 0
 * ```
 */
export async function compileProgram(host: HostPlan, options: ProgramOptions): Promise<Program> {
  const unreadable = host.changes.filter((c) => c.action === "read_error");
  if (unreadable.length) {
    throw new HostkitError(
      "data",
      `the plan for ${host.target.name} has resources that could not be read`,
      {
        details: unreadable.map((c) => `${c.id}: ${c.reason}`),
      },
    );
  }
  const changes = host.changes.filter((c) => c.action !== "noop");
  const tracking = options.tracking;
  const slots: Slot[] = [];
  const starting: Slot[] = [];
  const payload: TarEntry[] = [];
  // Consecutive content writes share one step: a tar of their own, unpacked by root after the
  // lock and stale check, stages every file next to its destination (owner and mode set); then
  // all are flushed and renamed into place (hk_commit). A failure while staging renames nothing.
  const batches = new Map<Step, StagedFile[]>();
  let batch: StagedFile[] | undefined;
  const groups = new Map<string, { group: ActivationGroup; members: Change[] }>();
  const placed = new Set<string>();
  const place = (key: string, where: Slot[]) => {
    if (placed.has(key)) return;
    placed.add(key);
    if (where === slots) batch = undefined;
    where.push({ group: key });
  };
  const context: CompileContext = {
    host,
    runId: options.runId,
    tracking,
    secrets: options.secrets,
    step(ids, label, command) {
      batch = undefined;
      slots.push({ index: 0, ids, label, command });
    },
    stage(id, file) {
      if (!batch) {
        const step: Step = { index: 0, ids: [], label: "", command: "" };
        slots.push(step);
        batch = [];
        batches.set(step, batch);
      }
      (slots.at(-1) as Step).ids.push(id);
      batch.push(file);
    },
    payload(data) {
      const name = `f/${payload.length}`;
      payload.push({ name, data });
      return name;
    },
    join(group, change) {
      if (!groups.has(group.key)) {
        groups.set(group.key, { group, members: [] });
        if (group.placement === "first_member") place(group.key, slots);
        if (group.placement === "start") place(group.key, starting);
      }
      groups.get(group.key)!.members.push(change);
    },
    // The group's step stands here even if members join later: all are known before it compiles.
    flush: (key) => place(key, slots),
  };
  // Handlers a previous apply recorded but never ran are part of this one.
  if (host.triggers?.length) {
    groups.set(NOTIFY_KEY, { group: notifyGroup(host.triggers), members: [] });
  }
  for (const change of changes) handlerOf(change.resource).compile(change, context);
  for (const [key, { group }] of groups) if (group.placement !== "last") place(key, slots);
  for (const [key, { group }] of groups) if (group.placement === "last") place(key, slots);
  const steps: Step[] = [];
  for (const slot of [...starting, ...slots]) {
    if ("group" in slot) {
      const joined = groups.get(slot.group);
      const compiled = joined?.group.compile(joined.members);
      if (compiled) steps.push({ index: steps.length, ...compiled });
    } else {
      slot.index = steps.length;
      steps.push(slot);
    }
  }
  // A batch stages right after the stale check unless another change of this plan works at or
  // under one of its directories (a directory, a symlink made first), or makes its owners.
  const stagedPaths = new Set(
    [...batches.values()].flatMap((files) => files.map((f) => f.path)),
  );
  const touched = new Set<string>();
  const makes = new Set<string>();
  for (const c of changes) {
    if (c.resource.kind === "account") makes.add(c.resource.name);
    const at = handlerOf(c.resource).hostPath(c.resource);
    if (at === undefined || stagedPaths.has(at)) continue;
    touched.add(at);
    for (const parent of parentsOf(at)) touched.add(parent);
  }
  const received: string[] = [];
  const batchTars: TarEntry[] = [];
  for (const [step, files] of batches) {
    // Numbered among the payload files (b/N.tar, b/N.backup never meet).
    const number = payload.length + batchTars.length;
    const stageDir = (path: string) =>
      `${path.slice(0, path.lastIndexOf("/")) || ""}/.hostkit-stage.${options.runId}`;
    const entries = files.map((f) => ({
      name: `${stageDir(f.path).slice(1)}/${f.path.slice(f.path.lastIndexOf("/") + 1)}`,
      data: f.data,
      mode: f.mode,
      uname: f.owner,
      gname: f.group,
    }));
    const tar = await tarBytes(entries);
    batchTars.push({ name: `b/${number}.tar`, data: tar });
    const dirs = [...new Set(files.map((f) => stageDir(f.path)))];
    const users = [...new Set(files.flatMap((f) => f.owner ? [f.owner] : []))];
    const groupNames = [...new Set(files.flatMap((f) => f.group ? [f.group] : []))];
    const ids = [...users.map((u) => quote(`u:${u}`)), ...groupNames.map((g) => quote(`g:${g}`))];
    const early = files.every((f) =>
      !touched.has(f.path.slice(0, f.path.lastIndexOf("/")) || "/") &&
      (!f.owner || !makes.has(f.owner)) && (!f.group || !makes.has(f.group))
    );
    received.push(
      `hk_receive ${number} ${tar.length} ${early ? 1 : 0} ${ids.length} ${
        [...ids, ...dirs.map((d) => quote(d))].join(" ")
      }`,
    );
    // One backup pass for the whole batch: the old files are replaced by rename, so hard
    // links keep them intact at no copy (hk_backup_list copies where links cannot work).
    const backedUp = files.filter((f) => f.backup);
    const backups: string[] = [];
    if (backedUp.length) {
      const list = `b/${payload.length + batchTars.length}.backup`;
      payload.push({
        name: list,
        data: encoder.encode(backedUp.map((f) => `${f.path}\0`).join("")),
      });
      backups.push(`hk_backup_list "$D/${list}"`);
    }
    const staged = (f: StagedFile) =>
      `${stageDir(f.path)}/${f.path.slice(f.path.lastIndexOf("/") + 1)}`;
    // Each check sees every file of the batch staged in place of the old ones.
    // Parents first: an overlay mounted later on a parent would hide a child's.
    const depth = (path: string) => path.split("/").length;
    const view = [...files].sort((a, b) => depth(a.path) - depth(b.path))
      .flatMap((f) => [quote(staged(f)), quote(f.path)]).join(" ");
    // `%s` checks run once per file; checks of the whole view once per batch.
    const checks = [
      ...new Set(files.flatMap((f) => {
        if (!f.validate) return [];
        const on = f.validate.includes("HK_STAGED") ? quote(staged(f)) : view;
        return [`hk_validate ${quote(f.validate)} ${on}`];
      })),
    ];
    const triggers = files.flatMap((f) => f.triggers);
    step.label = files.length === 1 ? `write ${files[0].path}` : `write ${files.length} files`;
    step.command = [
      `hk_ids ${ids.join(" ")}`,
      ...backups,
      `hk_unpack ${number} ${dirs.map((d) => quote(d)).join(" ")}`,
      ...checks,
      ...(triggers.length ? [recordTriggers(triggers)] : []),
      `hk_commit ${number}`,
    ].join(" &&\n");
  }

  // Remember what hostkit created of inventoried kinds (units, accounts), once its step ran.
  const created = new Set(
    changes.filter((c) => c.action === "create" && handlerOf(c.resource).inventoried).map((c) =>
      c.id
    ),
  );
  for (const step of steps) {
    const ids = step.ids.filter((id) => created.delete(id)); // at the first step that makes it
    if (ids.length) step.command += ` &&\nhk_created ${ids.map((id) => quote(id)).join(" ")}`;
  }

  // Stale check: re-read every changed resource exactly as the plan did. A rollback instead
  // reads the up plan's resources to find what the run touched, and refuses nothing.
  const undoing = options.undoing;
  const check = undoing?.check ?? staleCheck(changes);
  const stepLine = (s: Step) =>
    `${undoing ? "hk_step_if" : s.refuses ? "hk_guard" : "hk_step"} ${s.index} ${quote(s.command)}`;
  // A rollback's steps and the touch keys that make each run, decided on the host in one pass.
  const stepKeys = undoing
    ? steps.map((s) =>
      [s.index, ...new Set(s.ids.flatMap((id) => undoing.keys.get(id) ?? []))].join(" ") + "\n"
    ).join("")
    : undefined;
  const rollback = options.autoRollbackS === undefined
    ? undefined
    : await (await import("./rollback.ts")).rollbackArchive(host, steps, check, options);
  const trackingLines = tracking
    ? [
      `HK_TRACK=1 HK_BACKUPS=${quote(`${tracking.backupsRoot}/${options.runId}`)}`,
      `HK_RECORD=${quote(`${options.runsRoot}/runs/${options.runId}.json`)}`,
      tracking.planArtifact
        ? `HK_PLAN_COPY=${quote(`${options.runsRoot}/plans/${options.runId}.plan.json`)}`
        : "HK_PLAN_COPY=",
    ]
    : ["HK_TRACK=0"];
  const program = [
    "D=$1",
    '. "$D/lib.sh"',
    `HK_RUNS_ROOT=${quote(options.runsRoot)} HK_RUN_ID=${quote(options.runId)}`,
    `HK_BREAK_LOCK=${options.breakLock ? 1 : 0} HK_START_TIMEOUT=${
      Math.ceil((options.startTimeoutS ?? 10) * 10)
    }`,
    `HK_MACHINE=${quote(host.machineId ?? "")}`,
    ...trackingLines,
    `HK_CHECK=${check.ids.length && !undoing ? 1 : 0}`,
    ...(rollback
      ? [
        `HK_RB=${quote(rollback.dir)} HK_RB_UNIT=${quote(rollback.unit)}`,
        `HK_RB_TIMEOUT=${Math.ceil(options.autoRollbackS!)}`,
      ]
      : []),
    ...(undoing ? ["HK_UNDO=${D%/*}"] : []),
    "trap hk_abort EXIT",
    "hk_lock",
    "hk_check_stale",
    "hk_event checked",
    ...received,
    "exec 3<&-",
    "hk_track_start",
    ...(rollback ? ["hk_arm"] : []),
    ...(undoing ? ["hk_touched"] : []),
    ...steps.map(stepLine),
    "hk_finish 0",
    "",
  ].join("\n");
  const entries: TarEntry[] = [
    { name: "run.sh", data: encoder.encode(RUN_SH) },
    { name: "lib.sh", data: encoder.encode(REMOTE_LIB) },
    { name: "apply.sh", data: encoder.encode(program) },
    { name: "probe.sh", data: encoder.encode(check.script) },
    { name: "expected", data: encoder.encode(check.expected) },
    ...payload,
    ...(rollback ? [{ name: "rollback.tar", data: rollback.archive }] : []),
    ...(stepKeys === undefined ? [] : [{ name: "keys", data: encoder.encode(stepKeys) }]),
  ];
  if (tracking) {
    entries.push({
      name: "record.json",
      data: encoder.encode(recordTemplate(host, steps, options.runId, tracking, options.runsRoot)),
    });
    if (tracking.planArtifact) entries.push({ name: "plan.json", data: tracking.planArtifact });
  }
  return {
    steps,
    entries,
    batches: batchTars,
    checked: undoing ? [] : check.ids,
    ...(rollback ? { rollback: rollback.armed } : {}),
  };
}
