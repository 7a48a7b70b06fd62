/**
 * `account`: a user with its primary group and supplementary groups
 * (useradd/usermod). Kept by down plans unless it opts in to deletion.
 *
 * @module
 */
import { type Account, AccountSchema } from "../model/resource.ts";
import { accountState } from "../facts/parse.ts";
import { quote } from "../transport/shell.ts";
import type { Drift } from "../plan/types.ts";
import type { KindHandler } from "./types.ts";
import { downBase, driftVerdict, IN_SYNC, MISSING, NOT_A_PATH, removeCreated } from "./paths.ts";

/**
 * useradd for a create; usermod for an update, which adds declared groups and
 * keeps others; a restore (down plans) sets the previous groups exactly.
 */
function accountCommand(r: Account, mode: "create" | "update" | "restore"): string {
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

/** The `account` kind. */
export const account: KindHandler<Account> = {
  kind: "account",
  schema: AccountSchema,
  name: (r) => r.name,
  ...NOT_A_PATH,
  probe: (r, index, probe) => probe.account(index, r.name),
  parse: (_r, tags) => {
    const state = accountState(tags);
    return state ? { account: state } : {};
  },
  diff: (r, _desired, state) => {
    const have = state.account;
    if (!have?.exists) return MISSING;
    const drift: Drift[] = [];
    if (r.home && have.home !== r.home) drift.push("home");
    if (r.shell && have.shell !== r.shell) drift.push("shell");
    if (r.uid !== undefined && have.uid !== r.uid) drift.push("uid");
    if (r.group && have.group !== r.group) drift.push("group");
    if (r.groups.some((g) => !have.groups.includes(g))) drift.push("groups");
    return drift.length ? driftVerdict(drift) : IN_SYNC;
  },
  edges: () => [],
  inventoried: true,
  role: "resource",
  compile: (change, context) => {
    const r = change.resource;
    if (change.action === "delete") {
      context.step([change.id], `remove ${change.id}`, `userdel ${quote(r.name)}`);
      return;
    }
    const mode = change.action === "create"
      ? "create"
      : change.intent === "restore"
      ? "restore"
      : "update";
    context.step(
      [change.id],
      `${change.action === "create" ? "create" : "update"} account ${r.name}`,
      accountCommand(r, mode),
    );
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    if (change.action === "delete") return "cannot recreate a deleted account";
    if (change.action !== "update") return change.action;
    const before = change.before?.account;
    if (!before?.exists) return "previous account unknown";
    return {
      ...downBase(change),
      action: "update",
      reason: "restore",
      intent: "restore",
      resource: {
        ...change.resource,
        home: before.home,
        shell: before.shell,
        uid: before.uid,
        group: before.group,
        groups: before.groups.filter((g) => g !== before.group),
      },
      after: {},
    };
  },
  explain: (change) => {
    const r = change.resource;
    if (change.action === "delete") return [];
    const parts = [
      r.system && "system",
      r.home && `home ${r.home}`,
      r.group && `group ${r.group}`,
      r.groups.length && `groups ${r.groups.join(",")}`,
    ];
    return parts.some(Boolean) ? [parts.filter(Boolean).join(", ")] : [];
  },
};
