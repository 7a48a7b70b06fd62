/**
 * `systemd_service` and `systemd_timer`: unit files under /etc/systemd/system
 * plus the unit's state, and the systemd activation group: one
 * `enable`, one `daemon-reload` and one restart of every changed unit per apply,
 * and one stop of every deleted unit before anything else.
 *
 * @module
 */
import {
  type SystemdService,
  SystemdServiceSchema,
  type SystemdTimer,
  SystemdTimerSchema,
} from "../model/resource.ts";
import { directivePaths } from "../model/systemd.ts";
import { renderUnit } from "../render/unit.ts";
import { quote } from "../transport/shell.ts";
import { pathState, tagValue } from "../facts/parse.ts";
import type { State } from "../facts/state.ts";
import type { Change, Desired, Drift, Verdict } from "../plan/types.ts";
import type {
  ActivationGroup,
  ChangeOf,
  CompileContext,
  GraphIndex,
  KindHandler,
} from "./types.ts";
import {
  compileFile,
  explainFile,
  fileAfter,
  fileDesired,
  fileDiff,
  fileVerdict,
  invertFile,
  textRenderer,
  writesContent,
} from "./file_like.ts";
import { downBase } from "./paths.ts";

type Unit = SystemdService | SystemdTimer;

/** Where unit files live. */
export const UNIT_DIR = "/etc/systemd/system";

const render = textRenderer<Unit>((r) => renderUnit(r));

const unitName = (change: Change) => quote((change.resource as Unit).name);

/** A started unit for hk_activate's health gate: `name`, or `name=SETTLE_MS` (d.settle). */
function gateWord(change: Change): string {
  const r = change.resource;
  if (r.kind !== "systemd_service" || r.settle === undefined) return unitName(change);
  return quote(`${r.name}=${Math.round(r.settle * 1000)}`);
}

function isChange(action: Verdict["action"]): boolean {
  return action === "create" || action === "update" || action === "delete";
}

/**
 * Activates every changed unit at once: enable, daemon-reload, restart, wait until active. The
 * host decides when the reload runs (`hk_activate`): before the restart when systemd holds an
 * older text of a written unit, else during the settle window.
 */
export const SYSTEMD_ACTIVATION: ActivationGroup = {
  key: "systemd",
  placement: "end",
  compile(members) {
    const deletes = members.some((c) => c.action === "delete");
    const written = members.filter((c) => c.action !== "delete" && writesContent(c));
    const enable = members.filter((c) => c.after?.enable && c.action !== "delete");
    const start = members.filter((c) =>
      c.action !== "delete" &&
      (c.after?.restart || (c.resource.kind === "systemd_timer" && c.after?.enable))
    );
    if (!deletes && !written.length && !enable.length && !start.length) return undefined;
    const what = [
      (deletes || written.length) && "daemon-reload",
      enable.length && `enable ${enable.length}`,
      start.length && `start ${start.length}`,
    ];
    const words = [written.map(unitName), enable.map(unitName), start.map(gateWord)];
    return {
      ids: [...new Set([...enable, ...start].map((c) => c.id))],
      label: `systemd: ${what.filter(Boolean).join(", ")}`,
      command: `hk_activate ${deletes ? 1 : 0} ${
        words.map((w) => [...w, "--"].join(" ")).join(" ")
      }`,
    };
  },
};

/** Stops and disables deleted units before their files go. */
const SYSTEMD_STOP: ActivationGroup = {
  key: "systemd stop",
  placement: "start",
  compile: (members) => ({
    ids: members.map((c) => c.id),
    label: `stop and disable ${members.length} units`,
    command: `hk_deactivate ${members.map(unitName).join(" ")}`,
  }),
};

function unitParse(tags: Parameters<KindHandler["parse"]>[1]): State {
  const state: State = {};
  const path = pathState(tags);
  if (path) state.path = path;
  state.unit = {
    load: tagValue(tags, "load") ?? "unknown",
    active: tagValue(tags, "active") ?? "unknown",
    sub: tagValue(tags, "sub") ?? "unknown",
    unitFile: tagValue(tags, "unitfile") ?? "",
  };
  return state;
}

function unitDesired(r: Unit, readSource: (p: string) => Uint8Array): Desired {
  const desired = fileDesired(r, render, { readSource }, false, `${r.kind}:${r.name}`);
  desired.enable = r.sections.some(([section, d]) =>
    section === "Install" && d.some(([key]) => key === "WantedBy")
  );
  return desired;
}

function unitDiff(r: Unit, desired: Desired, state: State): Verdict {
  const result = fileDiff(
    desired,
    state,
    (path) => desired.sha256 !== undefined && path.sha256 !== desired.sha256 ? ["content"] : [],
  );
  const extra: Drift[] = [];
  const unit = state.unit;
  if (unit && desired.enable && unit.unitFile !== "enabled") extra.push("not_enabled");
  if (unit && r.kind === "systemd_service" && desired.enable && unit.active !== "active") {
    extra.push("not_running");
  }
  return fileVerdict(result, extra);
}

function unitCompile(change: ChangeOf<Unit>, context: CompileContext): void {
  const path = `${UNIT_DIR}/${change.resource.name}`;
  if (change.action === "delete") context.join(SYSTEMD_STOP, change);
  if (change.intent !== "restart") compileFile(change, path, render, context);
  context.join(SYSTEMD_ACTIVATION, change);
}

function unitInvert(change: ChangeOf<Unit>, backupsDir: string | undefined): Change | string {
  const service = change.resource.kind === "systemd_service";
  // Only an env file changed: the unit file was not written, so undoing it is a restart.
  if (change.action === "update" && change.drift.every((d) => d === "env_file_changed")) {
    if (!service || !change.after?.restart) return "nothing to undo";
    return {
      ...downBase(change),
      action: "update",
      reason: "restart",
      intent: "restart",
      after: { restart: true },
    };
  }
  return invertFile(change, `${UNIT_DIR}/${change.resource.name}`, backupsDir, {
    deleted: service,
    updated: service && change.after?.enable,
  });
}

/** The program a command line starts (`-/usr/bin/app --flag` → `/usr/bin/app`). */
function programOf(commandLine: string): string | undefined {
  const first = commandLine.trim().split(/\s+/)[0]?.replace(/^[-@:+!]+/, "");
  return first?.startsWith("/") ? first : undefined;
}

/** Absolute paths among `Environment=` assignments' values. */
function environmentPaths(value: string): string[] {
  return [...value.matchAll(/(?:^|\s)"?[A-Za-z_][A-Za-z0-9_]*=(\/[^\s"]*)/g)].map((m) => m[1]);
}

function* serviceEdges(r: SystemdService, graph: GraphIndex): Iterable<string> {
  const paths: string[] = [...r.environmentFiles];
  const users: string[] = [];
  for (const [, directives] of r.sections) {
    for (const [key, value] of directives) {
      paths.push(...directivePaths(key, value));
      if (key === "User" || key === "Group") users.push(value);
      // The unit starts after the program, config and paths it names are in place.
      if (/^Exec/.test(key)) {
        const program = programOf(value);
        if (program) paths.push(program);
      }
      if (key === "Environment") paths.push(...environmentPaths(value));
    }
  }
  for (const path of paths) {
    if (graph.has(`env_file:${path}`)) yield `env_file:${path}`;
    const dir = graph.directoryAt(path);
    if (dir) yield dir;
    const owner = graph.at(path);
    if (owner && !owner.startsWith("systemd_")) yield owner;
  }
  for (const user of users) {
    const account = graph.account(user);
    if (account) yield account;
  }
}

const unitParts = {
  hostPath: (r: Unit) => `${UNIT_DIR}/${r.name}`,
  name: (r: Unit) => r.name,
  defaultMode: 0o644,
  render,
  sensitive: () => false,
  probe: (r: Unit, index: number, probe: Parameters<KindHandler["probe"]>[2]) => {
    probe.path(index, `${UNIT_DIR}/${r.name}`, "f");
    probe.unit(index, r.name);
  },
  parse: (_r: Unit, tags: Parameters<KindHandler["parse"]>[1]) => unitParse(tags),
  desired: (r: Unit, context: { readSource: (p: string) => Uint8Array }) =>
    unitDesired(r, context.readSource),
  diff: unitDiff,
  role: "unit" as const,
  inventoried: true,
  compile: unitCompile,
  invert: (change: ChangeOf<Unit>, context: { backupsDir?: string }) =>
    unitInvert(change, context.backupsDir),
  explain: explainFile,
};

/** The `systemd_service` kind. */
export const systemdService: KindHandler<SystemdService> = {
  kind: "systemd_service",
  schema: SystemdServiceSchema,
  ...unitParts,
  after: (_r, desired, state, action) => {
    const after = fileAfter(desired, state, action, 0o644);
    if (isChange(action) && desired.enable) after.restart = true;
    return after;
  },
  // A changed env file restarts the units that read it.
  relate: (r, verdict, context) => {
    if (verdict.action !== "noop") return verdict;
    const envChanged = r.environmentFiles.some((path) => {
      const other = context.verdict(`env_file:${path}`);
      return other !== undefined && isChange(other.action);
    });
    return envChanged
      ? { action: "update", reason: "env_file_changed", drift: ["env_file_changed"] }
      : verdict;
  },
  edges: serviceEdges,
};

/** The `systemd_timer` kind. */
export const systemdTimer: KindHandler<SystemdTimer> = {
  kind: "systemd_timer",
  schema: SystemdTimerSchema,
  ...unitParts,
  after: (_r, desired, state, action) => fileAfter(desired, state, action, 0o644),
  relate: (_r, verdict) => verdict,
  edges: function* (r, graph) {
    if (graph.has(`systemd_service:${r.unit}`)) yield `systemd_service:${r.unit}`;
  },
};
