/**
 * Compiles one host's plan into the remote program (a POSIX sh script) and its
 * payload: only the content of files that change, secrets resolved on the
 * controller into exactly the files that need them.
 *
 * @module
 */
import { probeScript } from "../facts/probe.ts";
import { HostkitError } from "../errors.ts";
import { formatMode } from "../model/mode.ts";
import { hostPath, isFileLike, type Resource } from "../model/resource.ts";
import type { SecretSource } from "../model/secret.ts";
import { renderEnvFile } from "../render/env_file.ts";
import { quote } from "../transport/shell.ts";
import type { TarEntry } from "../transport/tar.ts";
import type { Change, HostPlan } from "../plan/types.ts";
import { DEFAULT_MODES } from "../plan/desired.ts";
import { REMOTE_LIB, RUN_SH } from "./remote.ts";

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
  /** run.sh, apply.sh, probe.sh, expected and payload files, for one tar stream. */
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
}

const encoder = new TextEncoder();

function words(...values: (string | undefined)[]): string {
  return values.map((v) => quote(v ?? "")).join(" ");
}

function contentChanged(change: Change): boolean {
  if (change.action === "create") return true;
  return change.reason.split(",").some((r) =>
    r === "content" || r === "target" || /^[+~-]/.test(r) || r === "offline"
  );
}

function payloadBytes(change: Change, secrets: SecretSource): Uint8Array {
  const r = change.resource;
  if (r.kind === "env_file" && !change.after?.content) {
    return encoder.encode(renderEnvFile(r, secrets));
  }
  const content = change.after?.content;
  if (!content) throw new HostkitError("data", `${change.id}: the plan carries no content for it`);
  if ("text" in content) return encoder.encode(content.text);
  return Uint8Array.from(atob(content.base64), (c) => c.charCodeAt(0));
}

function modeWord(change: Change): string {
  const mode = change.after?.mode ??
    (change.action === "create" ? DEFAULT_MODES[change.resource.kind] : undefined);
  return mode === undefined ? "" : formatMode(mode);
}

function accountCommand(r: Extract<Resource, { kind: "account" }>, update: boolean): string {
  const lines: string[] = [];
  for (const group of [r.group, ...r.groups].filter((g): g is string => Boolean(g))) {
    if (group !== r.name || !update) {
      lines.push(`hk_group ${r.system ? "--system " : ""}${quote(group)}`);
    }
  }
  const args: string[] = [];
  if (r.home) args.push("--home-dir", quote(r.home));
  if (r.shell) args.push("--shell", quote(r.shell));
  if (r.uid !== undefined) args.push("--uid", String(r.uid));
  if (r.group) args.push("--gid", quote(r.group));
  if (r.groups.length) {
    args.push(update ? "--append --groups" : "--groups", quote(r.groups.join(",")));
  }
  if (update) {
    lines.push(`usermod ${args.join(" ")} ${quote(r.name)}`);
  } else {
    const kind = r.system ? "--system" : "";
    const group = r.group ? "" : "--user-group";
    const home = r.home ? "--create-home" : "";
    lines.push(["useradd", kind, group, home, ...args, quote(r.name)].filter(Boolean).join(" "));
  }
  return lines.join(" && ");
}

/**
 * Compiles a host plan. Fails (before anything is sent) when a secret is missing
 * or the plan holds changes that cannot be applied.
 *
 * @example
 * ```ts
 * import { compileProgram } from "./program.ts";
 * const program = compileProgram(plan.hosts[0], {
 *   runId: "20260614-101148-demo-up-ab12", runsRoot: "/var/lib/hostkit",
 *   secrets: (name) => Deno.env.get(name),
 * });
 * ```
 */
export function compileProgram(host: HostPlan, options: ProgramOptions): Program {
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
  const steps: Step[] = [];
  const entries: TarEntry[] = [];
  const add = (ids: string[], label: string, command: string) =>
    steps.push({ index: steps.length, ids, label, command });

  // Units are activated together, after the last unit file is written and before after_start commands.
  const reload = changes.some((c) =>
    isUnit(c.resource) && (c.action !== "update" || contentChanged(c))
  );
  const enable = changes.filter((c) =>
    isUnit(c.resource) && c.after?.enable && c.action !== "delete"
  );
  const start = changes.filter((c) =>
    c.after?.restart ||
    (c.resource.kind === "systemd_timer" && c.after?.enable && c.action !== "delete")
  );
  const deactivate = changes.filter((c) => isUnit(c.resource) && c.action === "delete");
  let activated = false;
  const activate = () => {
    if (activated || (!reload && !enable.length && !start.length)) return;
    activated = true;
    const names = (list: Change[]) =>
      list.map((c) => quote((c.resource as { name: string }).name)).join(" ");
    add(
      [...new Set([...enable, ...start].map((c) => c.id))],
      `systemd: ${
        [
          reload && "daemon-reload",
          enable.length && `enable ${enable.length}`,
          start.length && `start ${start.length}`,
        ].filter(Boolean).join(", ")
      }`,
      `hk_activate ${reload ? 1 : 0} ${names(enable)} -- ${names(start)} --`.replace(/ {2,}/g, " "),
    );
  };

  if (deactivate.length) {
    add(
      deactivate.map((c) => c.id),
      `stop and disable ${deactivate.length} units`,
      `hk_deactivate ${
        deactivate.map((c) => quote((c.resource as { name: string }).name)).join(" ")
      }`,
    );
  }

  const packages = new Map<string, Change[]>();
  for (const change of changes) {
    const r = change.resource;
    if (r.kind === "package") {
      const manager = r.manager ?? host.packageManager ?? "apt";
      const key = `${change.action === "delete" ? "-" : "+"}${manager}`;
      if (!packages.has(key)) {
        packages.set(key, []);
        // One install per manager, where the first package change stands.
        const group = packages.get(key)!;
        steps.push({ index: steps.length, ids: [], label: "", command: `__packages ${key}` });
        void group;
      }
      packages.get(key)!.push(change);
      continue;
    }
    if (r.kind === "command" && r.phase === "after_start") activate();
    if (change.action === "delete") {
      add([change.id], `remove ${change.id}`, deleteCommand(change, host));
      continue;
    }
    switch (r.kind) {
      case "file":
      case "env_file":
      case "systemd_service":
      case "systemd_timer": {
        let payload = "-";
        if (contentChanged(change)) {
          payload = `f/${entries.length}`;
          entries.push({ name: payload, data: payloadBytes(change, options.secrets) });
        }
        const what = payload === "-"
          ? "set owner/mode of"
          : change.action === "create"
          ? "write"
          : "update";
        add(
          [change.id],
          `${what} ${hostPath(r)}`,
          `hk_write ${
            words(hostPath(r), payload, change.after?.owner, change.after?.group, modeWord(change))
          }`,
        );
        break;
      }
      case "directory":
        add(
          [change.id],
          `directory ${r.path}`,
          `hk_dir ${words(r.path, r.owner, r.group, modeWord(change))}`,
        );
        break;
      case "symlink":
        add([change.id], `symlink ${r.path} → ${r.target}`, `hk_link ${words(r.path, r.target)}`);
        break;
      case "account":
        add(
          [change.id],
          `${change.action === "create" ? "create" : "update"} account ${r.name}`,
          accountCommand(r, change.action === "update"),
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

  // Fill in the package placeholders now that every package change is known.
  for (const step of steps) {
    if (!step.command.startsWith("__packages ")) continue;
    const key = step.command.slice("__packages ".length);
    const group = packages.get(key)!;
    const names = group.map((c) => {
      const r = c.resource as Extract<Resource, { kind: "package" }>;
      return r.version ? `${r.as ?? r.name}=${r.version}` : r.as ?? r.name;
    });
    const update = group.some((c) => (c.resource as { update?: boolean }).update);
    step.ids = group.map((c) => c.id);
    if (key.startsWith("-")) {
      step.label = `remove packages ${names.join(" ")}`;
      step.command = `hk_remove_packages ${quote(key.slice(1))} ${
        names.map((n) => quote(n)).join(" ")
      }`;
    } else {
      step.label = `install packages ${names.join(" ")}`;
      step.command = `hk_install ${quote(key.slice(1))} ${update ? 1 : 0} ${
        names.map((n) => quote(n)).join(" ")
      }`;
    }
  }
  steps.forEach((step, i) => step.index = i);

  // Stale check: re-read every changed resource exactly as the plan did.
  const checkedChanges = changes.filter((c) => c.observed !== undefined);
  const expected = checkedChanges.flatMap((c, i) => c.observed!.map((line) => `${i}\t${line}`));
  const program = [
    "D=$1",
    '. "$D/lib.sh"',
    `HK_RUNS_ROOT=${quote(options.runsRoot)} HK_RUN_ID=${quote(options.runId)}`,
    `HK_BREAK_LOCK=${options.breakLock ? 1 : 0} HK_START_TIMEOUT=${
      (options.startTimeoutS ?? 10) * 10
    }`,
    `HK_MACHINE=${quote(host.machineId ?? "")}`,
    "hk_lock",
    "hk_event locked-ok",
    "hk_check_stale",
    "hk_event checked",
    ...steps.map((s) => `hk_step ${s.index} ${s.command}`),
    "hk_finish 0",
    "",
  ].join("\n");
  entries.unshift(
    { name: "run.sh", data: encoder.encode(RUN_SH) },
    { name: "lib.sh", data: encoder.encode(REMOTE_LIB) },
    { name: "apply.sh", data: encoder.encode(program) },
    { name: "probe.sh", data: encoder.encode(probeScript(checkedChanges.map((c) => c.resource))) },
    { name: "expected", data: encoder.encode(expected.length ? expected.join("\n") + "\n" : "") },
  );
  return { steps, entries, checked: checkedChanges.map((c) => c.id) };
}

function isUnit(r: Resource): boolean {
  return r.kind === "systemd_service" || r.kind === "systemd_timer";
}

function deleteCommand(change: Change, host: HostPlan): string {
  const r = change.resource;
  if (isFileLike(r) || r.kind === "symlink") return `hk_rm ${quote(hostPath(r)!)}`;
  switch (r.kind) {
    case "directory":
      return `hk_rmdir ${quote(r.path)}`;
    case "account":
      return `userdel ${quote(r.name)}`;
    case "command":
      return `hk_as ${words(r.user, r.cwd)} ${r.exec.map((a) => quote(a)).join(" ")}`;
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
