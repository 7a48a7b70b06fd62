/**
 * Compiles one host's plan into the remote program (a POSIX sh script) and its
 * payload: only the content of files that change, secrets resolved on the
 * controller into exactly the files that need them. With tracking, the program
 * also backs up previous file-like state on the host and writes a run record.
 *
 * @module
 */
import { probeScript } from "../facts/probe.ts";
import { HostkitError } from "../errors.ts";
import { formatMode } from "../model/mode.ts";
import { hostPath, isFileLike, type Package, type Resource } from "../model/resource.ts";
import type { SecretSource } from "../model/secret.ts";
import { renderEnvFile } from "../render/env_file.ts";
import { quote } from "../transport/shell.ts";
import { tarBytes, type TarEntry } from "../transport/tar.ts";
import type { Change, HostPlan } from "../plan/types.ts";
import { DEFAULT_MODES } from "../plan/desired.ts";
import { REMOTE_LIB, RUN_SH } from "./remote.ts";
import { recordTemplate, type Tracking } from "../runs/record.ts";

/** One step of the program, as shown to the user. */
export interface Step {
  index: number;
  /** Resource ids this step applies. */
  ids: string[];
  label: string;
  /** The shell line(s) that run it (for --dry-run). */
  command: string;
}

/** The compiled program for one host. */
export interface Program {
  steps: Step[];
  /** run.sh, lib.sh, apply.sh, probe.sh, expected and payload files, for one tar stream. */
  entries: TarEntry[];
  /** Index → id for stale-check lines. */
  checked: string[];
}

/** Options of {@link compileProgram}. */
export interface ProgramOptions {
  runId: string;
  runsRoot: string;
  secrets: SecretSource;
  breakLock?: boolean;
  /** Seconds a started service has to become active. */
  startTimeoutS?: number;
  /** Keep a run record, backups and the plan artifact on the host. */
  tracking?: Tracking;
}

const encoder = new TextEncoder();

function words(...values: (string | undefined)[]): string {
  return values.map((v) => quote(v ?? "")).join(" ");
}

function isUnit(r: Resource): boolean {
  return r.kind === "systemd_service" || r.kind === "systemd_timer";
}

function unitName(change: Change): string {
  return quote((change.resource as { name: string }).name);
}

/** A started unit for hk_activate's health gate: `name` or `name=SETTLE_MS`. */
function gateWord(change: Change): string {
  const r = change.resource;
  if (r.kind !== "systemd_service" || r.settle === undefined) return unitName(change);
  return quote(`${r.name}=${Math.round(r.settle * 1000)}`);
}

/** Whether the file's bytes change (as opposed to only owner/mode). */
function writesContent(change: Change): boolean {
  if (change.action === "create" || change.after?.content && "$backup" in change.after.content) {
    return true;
  }
  // Update reasons name what drifted: "content", or env keys as +KEY, ~KEY, -KEY.
  return change.action === "update" &&
    change.reason.split(",").some((r) => r === "content" || /^[+~-]/.test(r));
}

function payloadBytes(change: Change, secrets: SecretSource): Uint8Array {
  const r = change.resource;
  const content = change.after?.content;
  if (r.kind === "env_file" && !content) return encoder.encode(renderEnvFile(r, secrets));
  if (!content || "$backup" in content) {
    throw new HostkitError("data", `${change.id}: the plan carries no content for it`);
  }
  if ("text" in content) return encoder.encode(content.text);
  return Uint8Array.from(atob(content.base64), (c) => c.charCodeAt(0));
}

/** The mode to set: the declared (or kept) one, else the kind's default for a new file. */
function targetMode(change: Change): number | undefined {
  return change.after?.mode ??
    (change.action === "create" ? DEFAULT_MODES[change.resource.kind] : undefined);
}

function modeWord(change: Change): string {
  const mode = targetMode(change);
  return mode === undefined ? "" : formatMode(mode);
}

/**
 * useradd for a create; usermod for an update, which adds declared groups and
 * keeps others; for a restore (down plans) the previous groups are set exactly.
 */
function accountCommand(
  r: Extract<Resource, { kind: "account" }>,
  mode: "create" | "update" | "restore",
): string {
  const update = mode !== "create";
  const lines: string[] = [];
  for (const group of [r.group, ...r.groups].filter((g): g is string => Boolean(g))) {
    if (group !== r.name || !update) {
      lines.push(`hk_group ${quote(group)}${r.system ? " --system" : ""}`);
    }
  }
  const args: string[] = [];
  // -d is the one spelling useradd and usermod share.
  if (r.home) args.push("-d", quote(r.home));
  if (r.shell) args.push("--shell", quote(r.shell));
  if (r.uid !== undefined) args.push("--uid", String(r.uid));
  if (r.group) args.push("--gid", quote(r.group));
  if (mode === "restore") args.push("--groups", quote(r.groups.join(",")));
  else if (r.groups.length) {
    args.push(...(update ? ["--append"] : []), "--groups", quote(r.groups.join(",")));
  }
  if (update) {
    lines.push(`usermod ${args.join(" ")} ${quote(r.name)}`);
  } else {
    const flags = [r.system && "--system", !r.group && "--user-group", r.home && "--create-home"];
    lines.push(["useradd", ...flags.filter(Boolean), ...args, quote(r.name)].join(" "));
  }
  return lines.join(" && ");
}

function packageName(r: Package): string {
  const name = r.as ?? r.name;
  return r.version ? `${name}=${r.version}` : name;
}

function deleteCommand(change: Change, host: HostPlan): string {
  const r = change.resource;
  if (isFileLike(r) || r.kind === "symlink") return `hk_rm ${quote(hostPath(r)!)}`;
  switch (r.kind) {
    case "directory":
      return `hk_rmdir ${quote(r.path)}`;
    case "account":
      return `userdel ${quote(r.name)}`;
    case "mise_tool":
      return `MISE_SYSTEM_DATA_DIR=${quote(r.systemDataDir)} ${quote(r.miseBinary)} uninstall ${
        quote(`${r.name}@${r.version}`)
      }`;
    default:
      throw new HostkitError(
        "data",
        `${change.id}: cannot delete a ${r.kind} on ${host.target.name}`,
      );
  }
}

/**
 * Compiles a host plan. Fails (before anything is sent) when a secret is missing
 * or the plan holds changes that cannot be applied.
 *
 * @example
 * ```ts
 * import { compileProgram } from "./program.ts";
 * const program = await compileProgram(plan.hosts[0], {
 *   runId: "20260614-101148-demo-up-ab12", runsRoot: "/var/lib/hostkit",
 *   secrets: (name) => Deno.env.get(name),
 * });
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
  const steps: Step[] = [];
  const payload: TarEntry[] = [];
  // Consecutive content writes share one step: an inner tar, unpacked by root after the lock
  // and stale check, stages every file next to its destination (owner and mode set); then all
  // are flushed and renamed into place (hk_commit). A failure while staging renames nothing.
  interface Staged {
    path: string;
    data: Uint8Array;
    owner?: string;
    group?: string;
    mode: number;
    backup: boolean;
  }
  const batches = new Map<Step, Staged[]>();
  let batch: Staged[] | undefined;
  const add = (ids: string[], label: string, command: string) => {
    batch = undefined;
    steps.push({ index: steps.length, ids, label, command });
  };
  const stage = (id: string, file: Staged) => {
    if (!batch) {
      add([], "", "");
      batch = [];
      batches.set(steps.at(-1)!, batch);
    }
    steps.at(-1)!.ids.push(id);
    batch.push(file);
  };

  // Units are activated together, after the last unit file is written and before after_start commands.
  const units = changes.filter((c) => isUnit(c.resource));
  const reload = units.some((c) => c.action === "delete" || writesContent(c));
  const enable = units.filter((c) => c.after?.enable && c.action !== "delete");
  const start = units.filter((c) =>
    c.action !== "delete" &&
    (c.after?.restart || (c.resource.kind === "systemd_timer" && c.after?.enable))
  );
  let activated = false;
  const activate = () => {
    if (activated || (!reload && !enable.length && !start.length)) return;
    activated = true;
    const what = [
      reload && "daemon-reload",
      enable.length && `enable ${enable.length}`,
      start.length && `start ${start.length}`,
    ];
    add(
      [...new Set([...enable, ...start].map((c) => c.id))],
      `systemd: ${what.filter(Boolean).join(", ")}`,
      `hk_activate ${reload ? 1 : 0} ${
        [...enable.map(unitName), "--", ...start.map(gateWord), "--"].join(" ")
      }`,
    );
  };
  const stopping = units.filter((c) => c.action === "delete");
  if (stopping.length) {
    add(
      stopping.map((c) => c.id),
      `stop and disable ${stopping.length} units`,
      `hk_deactivate ${stopping.map(unitName).join(" ")}`,
    );
  }

  // One install (or removal) per package manager, where its first package change stands.
  const packageGroups = new Map<
    string,
    { step: Step; remove: boolean; manager: string; names: string[]; update: boolean }
  >();
  for (const change of changes) {
    const r = change.resource;
    if (r.kind === "package") {
      const remove = change.action === "delete";
      const manager = r.manager ?? host.packageManager ?? "apt";
      const key = `${remove ? "remove" : "install"} ${manager}`;
      if (!packageGroups.has(key)) {
        add([], "", "");
        packageGroups.set(key, { step: steps.at(-1)!, remove, manager, names: [], update: false });
      }
      const group = packageGroups.get(key)!;
      group.step.ids.push(change.id);
      group.names.push(packageName(r));
      group.update ||= r.update;
      continue;
    }
    if (r.kind === "command" && r.phase === "after_start") activate();
    if (change.action === "delete") {
      const backup = tracking && isFileLike(r) ? `hk_backup ${quote(hostPath(r)!)} && ` : "";
      add([change.id], `remove ${change.id}`, backup + deleteCommand(change, host));
      continue;
    }
    switch (r.kind) {
      case "file":
      case "env_file":
      case "systemd_service":
      case "systemd_timer": {
        const path = hostPath(r)!;
        const content = change.after?.content;
        const after = change.after ?? {};
        const mode = targetMode(change);
        const known = change.action === "create" ||
          (after.owner && after.group && mode !== undefined);
        if (!(content && "$backup" in content) && writesContent(change) && known) {
          stage(change.id, {
            path,
            data: payloadBytes(change, options.secrets),
            owner: after.owner,
            group: after.group,
            mode: mode!,
            backup: tracking !== undefined && change.action === "update",
          });
          break;
        }
        let source = "-";
        if (content && "$backup" in content) source = `=${content.$backup}`;
        else if (writesContent(change)) {
          source = `f/${payload.length}`;
          payload.push({ name: source, data: payloadBytes(change, options.secrets) });
        }
        const what = source === "-"
          ? "set owner/mode of"
          : source.startsWith("=")
          ? "restore"
          : "update";
        const backup = tracking && change.action === "update" ? `hk_backup ${quote(path)} && ` : "";
        add(
          [change.id],
          `${what} ${path}`,
          `${backup}hk_write ${
            words(path, source, change.after?.owner, change.after?.group, modeWord(change))
          }`,
        );
        break;
      }
      case "directory":
        add(
          [change.id],
          `directory ${r.path}`,
          `hk_dir ${words(r.path, change.after?.owner, change.after?.group, modeWord(change))}`,
        );
        break;
      case "symlink":
        add([change.id], `symlink ${r.path} → ${r.target}`, `hk_link ${words(r.path, r.target)}`);
        break;
      case "account":
        add(
          [change.id],
          `${change.action === "create" ? "create" : "update"} account ${r.name}`,
          accountCommand(
            r,
            change.action === "create"
              ? "create"
              : change.reason === "restore"
              ? "restore"
              : "update",
          ),
        );
        break;
      case "mise_tool":
        add(
          [change.id],
          `mise ${r.name}@${r.version}`,
          `hk_mise ${words(r.miseBinary, r.systemDataDir, r.name, r.version)}`,
        );
        break;
      case "command":
        add(
          [change.id],
          `run ${r.name}`,
          `hk_as ${words(r.user, r.cwd)} ${r.exec.map((a) => quote(a)).join(" ")}`,
        );
        break;
    }
  }
  activate();
  for (const [step, files] of batches) {
    const name = `b/${payload.length}.tar`;
    const stageDir = (path: string) =>
      `${path.slice(0, path.lastIndexOf("/")) || ""}/.hostkit-stage.${options.runId}`;
    const entries = files.map((f) => ({
      name: `${stageDir(f.path).slice(1)}/${f.path.slice(f.path.lastIndexOf("/") + 1)}`,
      data: f.data,
      mode: f.mode,
      uname: f.owner,
      gname: f.group,
    }));
    payload.push({ name, data: await tarBytes(entries) });
    const dirs = [...new Set(files.map((f) => stageDir(f.path)))];
    const users = [...new Set(files.flatMap((f) => f.owner ? [f.owner] : []))];
    const groups = [...new Set(files.flatMap((f) => f.group ? [f.group] : []))];
    const backups = files.filter((f) => f.backup).map((f) => `hk_backup ${quote(f.path)}`);
    step.label = files.length === 1 ? `write ${files[0].path}` : `write ${files.length} files`;
    step.command = [
      `hk_ids ${
        [...users.map((u) => quote(`u:${u}`)), ...groups.map((g) => quote(`g:${g}`))].join(" ")
      }`,
      ...backups,
      `hk_stage ${dirs.map((d) => quote(d)).join(" ")}`,
      `tar -x -m -p --no-overwrite-dir -f "$D/${name}" -C /`,
      "hk_commit",
    ].join(" &&\n");
  }
  for (const { step, remove, manager, names, update } of packageGroups.values()) {
    step.label = `${remove ? "remove" : "install"} packages ${names.join(" ")}`;
    const words = names.map((n) => quote(n)).join(" ");
    step.command = remove
      ? `hk_remove_packages ${quote(manager)} ${words}`
      : `hk_install ${quote(manager)} ${update ? 1 : 0} ${words}`;
  }

  // Stale check: re-read every changed resource exactly as the plan did.
  const checked = changes.filter((c) => c.observed !== undefined);
  const expected = checked.flatMap((c, i) => c.observed!.map((line) => `${i}\t${line}`));
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
    `HK_CHECK=${checked.length ? 1 : 0}`,
    "trap hk_abort EXIT",
    "hk_lock",
    "hk_check_stale",
    "hk_event checked",
    "hk_track_start",
    ...steps.map((s) => `hk_step ${s.index} ${quote(s.command)}`),
    "hk_finish 0",
    "",
  ].join("\n");
  const entries: TarEntry[] = [
    { name: "run.sh", data: encoder.encode(RUN_SH) },
    { name: "lib.sh", data: encoder.encode(REMOTE_LIB) },
    { name: "apply.sh", data: encoder.encode(program) },
    { name: "probe.sh", data: encoder.encode(probeScript(checked.map((c) => c.resource))) },
    { name: "expected", data: encoder.encode(expected.length ? expected.join("\n") + "\n" : "") },
    ...payload,
  ];
  if (tracking) {
    entries.push({
      name: "record.json",
      data: encoder.encode(recordTemplate(host, steps, options.runId, tracking, options.runsRoot)),
    });
    if (tracking.planArtifact) entries.push({ name: "plan.json", data: tracking.planArtifact });
  }
  return { steps, entries, checked: checked.map((c) => c.id) };
}
