/**
 * `firewall`: a host's policy (`p.firewall`/`h.firewall`) as one nftables table in its own
 * file, `/etc/nftables.d/hostkit.nft` by default. The file is diffed by content hash like any
 * file and checked with `nft -c -f` on the host before it replaces the old one. It is loaded
 * only when asked (`--nft-reload`, or the policy's `nftReload`): loading replaces hostkit's
 * table alone, in one transaction, then keeps a copy of what was loaded for boot, where a
 * small oneshot unit loads it. A file that was never loaded never goes live at boot.
 *
 * Before a reload, the program checks on the host that the policy still accepts a new SSH
 * connection from where hostkit's own comes from (`SSH_CONNECTION`); the plan checked the
 * same from the probe's connection. The host side lives in firewall_host.ts.
 *
 * @module
 */
import { describeRule, type FirewallPolicy } from "../model/firewall.ts";
import { type FirewallResource, FirewallSchema, type Resource } from "../model/resource.ts";
import { renderNftables } from "../render/nftables.ts";
import { quote } from "../transport/shell.ts";
import { tagValue } from "../facts/parse.ts";
import type { State } from "../facts/state.ts";
import type { Change } from "../plan/types.ts";
import type { ActivationGroup, ChangeOf, CompileContext, KindHandler } from "./types.ts";
import {
  decodeBase64,
  explainFile,
  fileAfter,
  fileDesired,
  fileDiff,
  fileParse,
  fileVerdict,
  textRenderer,
  writesContent,
} from "./file_like.ts";
import { downBase, removeCreated, restoreFile } from "./paths.ts";
import {
  guardRules,
  lockoutError,
  parseSshConnection,
  renderFirewallUnit,
  SSH_CLIENT_FUNCTION,
} from "./firewall_host.ts";

const render = textRenderer<FirewallResource>((r) => renderNftables(r.policy));

/** The probe part besides the file's hash: the confirmed copy, the live table, the connection. */
function probeLines(r: FirewallResource, index: number): string {
  const i = String(index);
  return [
    SSH_CLIENT_FUNCTION.trim(),
    `if [ -f ${quote(r.confirmedPath)} ]; then printf '%s\\tloaded\\t%s\\n' ${i} ` +
    `"$(sha256sum < ${quote(r.confirmedPath)} | cut -c1-64)"; fi`,
    `if ! command -v nft >/dev/null 2>&1; then t=no-nft; elif nft list table inet ${
      quote(r.policy.table)
    } >/dev/null 2>&1; then t=yes; else t=no; fi`,
    `printf '%s\\ttable\\t%s\\n' ${i} "$t"`,
    `printf '%s\\tssh\\t%s\\n' ${i} "$(hk_ssh_client)"`,
  ].join("\n");
}

function parse(_r: FirewallResource, tags: Parameters<KindHandler["parse"]>[1]): State {
  const state = fileParse(tags);
  const table = tagValue(tags, "table");
  const ssh = parseSshConnection(tagValue(tags, "ssh"));
  state.firewall = {
    table: table === "yes" || table === "no-nft" ? table : "no",
    ...(tagValue(tags, "loaded") ? { loaded: tagValue(tags, "loaded") } : {}),
    ...(ssh ? { client: ssh.client, sshPort: ssh.port } : {}),
  };
  return state;
}

function diff(
  r: FirewallResource,
  desired: Parameters<KindHandler["diff"]>[1],
  state: State,
): ReturnType<KindHandler["diff"]> {
  const fw = state.firewall;
  if (fw) {
    const ssh = fw.client && fw.sshPort ? { client: fw.client, port: fw.sshPort } : undefined;
    const refused = lockoutError(r, ssh);
    if (refused) throw refused;
  }
  const result = fileDiff(
    desired,
    state,
    (path) => desired.sha256 !== undefined && path.sha256 !== desired.sha256 ? ["content"] : [],
  );
  const loaded = fw && fw.loaded === desired.sha256 && fw.table === "yes";
  return fileVerdict(result, r.reload && fw && !loaded ? ["not_loaded"] : []);
}

/** Refuses a lock-out on the host before anything changes (the planner's address may differ). */
const FIREWALL_GUARD: ActivationGroup = {
  key: "firewall guard",
  placement: "start",
  compile(members) {
    const r = members[0].resource as FirewallResource;
    return {
      ids: members.map((c) => c.id),
      label: "firewall: lock-out check",
      command: `hk_nft_guard ${guardRules(r.policy).map((w) => quote(w)).join(" ")}`,
      // Its refusal is a lock-out (exit 7), as at plan time, not a failed step.
      refuses: "lockout",
    };
  },
};

/** Loads the ruleset once everything else is applied, and keeps it for boot. */
function reloadGroup(r: FirewallResource, unitFile: string): ActivationGroup {
  return {
    key: "firewall reload",
    placement: "last",
    compile: (members) => ({
      ids: members.map((c) => c.id),
      label: `firewall: load table inet ${r.policy.table}`,
      command: `hk_nft_load ${
        [r.path, r.confirmedPath, r.unit].map((v) => quote(v)).join(" ")
      } "$D/${unitFile}"`,
    }),
  };
}

/** The bytes the plan showed (a saved plan is applied as reviewed), else the rendering. */
function reviewedBytes(change: ChangeOf<FirewallResource>): Uint8Array {
  const content = change.after?.content;
  if (content && "text" in content) return new TextEncoder().encode(content.text);
  if (content && "base64" in content) return decodeBase64(content.base64, change.id);
  return render(change.resource);
}

function compile(change: ChangeOf<FirewallResource>, context: CompileContext): void {
  const r = change.resource;
  const path = quote(r.path);
  if (change.action === "delete") {
    const unload = r.reload
      ? `hk_nft_remove ${
        [r.policy.table, r.confirmedPath, r.unit].map((v) => quote(v)).join(" ")
      } && `
      : "";
    const backup = context.tracking ? `hk_backup ${path} && ` : "";
    context.step([change.id], `remove ${change.id}`, `${backup}${unload}hk_rm ${path}`);
    return;
  }
  const content = change.after?.content;
  const unload = `hk_nft_remove ${
    [r.policy.table, r.confirmedPath, r.unit].map((v) => quote(v)).join(" ")
  }`;
  if (change.intent === "restore") {
    // A down change: the old file back (when it changed), then the old running state, which
    // `after.restart` carries: true loads the restored file again, false unloads the table.
    if (content && "$backup" in content) {
      context.step(
        [change.id],
        `restore ${r.path}`,
        `hk_write ${path} ${quote(`=${content.$backup}`)} root root 0644`,
      );
    }
    if (change.after?.restart === false) {
      context.step([change.id], `unload table inet ${r.policy.table}`, unload);
    } else if (change.after?.restart === true) {
      const unitFile = context.payload(new TextEncoder().encode(renderFirewallUnit(r)));
      context.join(reloadGroup(r, unitFile), change);
    }
    return;
  }
  if (writesContent(change)) {
    context.stage(change.id, {
      path: r.path,
      data: reviewedBytes(change),
      owner: "root",
      group: "root",
      mode: 0o644,
      backup: context.tracking !== undefined && change.action === "update",
      validate: 'nft -c -f "$HK_STAGED"',
      triggers: [],
    });
  }
  if (!r.reload || (change.action !== "create" && change.action !== "update")) return;
  if (!r.policy.allowLockout && r.connection === "ssh") context.join(FIREWALL_GUARD, change);
  const unitFile = context.payload(new TextEncoder().encode(renderFirewallUnit(r)));
  context.join(reloadGroup(r, unitFile), change);
}

function invert(
  change: ChangeOf<FirewallResource>,
  context: { backupsDir?: string },
): Change | string {
  if (change.action === "create") return removeCreated(change);
  if (change.action !== "update") return change.action;
  const r = change.resource;
  const before = change.before;
  const wasLoaded = before?.firewall?.table === "yes";
  // What ran before was the old file itself (it was loaded, and its copy for boot is that file).
  const fileWasLoaded = wasLoaded && before?.firewall?.loaded !== undefined &&
    before.firewall.loaded === (before.path?.exists ? before.path.sha256 : undefined);
  if (r.reload && wasLoaded && !fileWasLoaded) {
    return `the ruleset loaded before was not ${r.path}'s: restore it by hand ` +
      `(${r.confirmedPath} holds what this apply loaded)`;
  }
  // Only loaded (the file was in sync): unloading puts back a host that ran no hostkit table.
  if (!change.drift.includes("content")) {
    if (!r.reload || wasLoaded) return "nothing to undo";
    return {
      ...downBase(change),
      action: "update",
      reason: "unload",
      intent: "restore",
      after: { restart: false },
    };
  }
  return restoreFile(
    change,
    r.path,
    context,
    "update",
    r.reload ? fileWasLoaded : undefined,
  );
}

/** The rules as the plan shows them, implicit ones included, in the order nft applies them. */
export function explainRules(policy: FirewallPolicy): string[] {
  const lines: string[] = [];
  if (policy.implicit.loopback) lines.push("implicit: accept loopback (iif lo)");
  if (policy.implicit.established) lines.push("implicit: accept established,related");
  if (policy.implicit.neighbourDiscovery) lines.push("implicit: accept ICMPv6 neighbour discovery");
  policy.rules.forEach((rule, i) => lines.push(`rule ${i + 1}: ${describeRule(rule)}`));
  lines.push(policy.fallback === "drop" ? "default: drop (deny all)" : "default: accept");
  return lines;
}

function explain(change: ChangeOf<FirewallResource>): string[] {
  const r = change.resource;
  const lines = explainFile(change);
  if (change.action === "delete") {
    return r.reload ? [`unload table inet ${r.policy.table}, disable ${r.unit}`] : [];
  }
  if (change.intent === "restore") {
    const restart = change.after?.restart;
    if (restart === true) lines.push(`then load it again (table inet ${r.policy.table})`);
    if (restart === false) lines.push(`unload table inet ${r.policy.table}, disable ${r.unit}`);
    return lines;
  }
  lines.push(`table inet ${r.policy.table}:`, ...explainRules(r.policy).map((l) => `  ${l}`));
  if (writesContent(change)) lines.push("validate: nft -c -f");
  lines.push(
    r.reload
      ? `then load table inet ${r.policy.table} (only it), keep it for boot (${r.unit})`
      : "not loaded: the running firewall stays as it is (--nft-reload loads it)",
  );
  return lines;
}

/** The `firewall` kind. */
export const firewall: KindHandler<FirewallResource> = {
  kind: "firewall",
  schema: FirewallSchema,
  name: (r) => r.path,
  hostPath: (r) => r.path,
  defaultMode: 0o644,
  render,
  sensitive: () => false,
  probe: (r, index, probe) => {
    probe.path(index, r.path, "f");
    probe.shell(probeLines(r, index));
  },
  parse,
  desired: (r, context) => fileDesired(r, render, context, false, `firewall:${r.path}`),
  diff,
  after: (_r, desired, state, action) => fileAfter(desired, state, action, 0o644),
  relate: (_r, verdict) => verdict,
  // nft comes from a package the config may install in the same apply.
  edges: function* (_r: Resource, graph) {
    if (graph.has("package:nftables")) yield "package:nftables";
  },
  role: "resource",
  inventoried: false,
  compile,
  invert,
  explain,
};
