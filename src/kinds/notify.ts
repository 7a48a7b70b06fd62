/**
 * Handlers: a file-like resource's `notify` reloads or restarts units once per
 * apply, after the writes (Ansible's handlers, Puppet's notify). A trigger is
 * never lost: the step that writes the file records it under the runs root
 * first, the probe reads what is still pending, and the next plan shows it
 * until a reload has run.
 *
 * @module
 */
import type { Resource } from "../model/resource.ts";
import type { Change, Trigger } from "../plan/types.ts";
import { quote } from "../transport/shell.ts";
import type { ActivationGroup } from "./types.ts";

/** The group's key: one notify step per host program. */
export const NOTIFY_KEY = "notify";

/** The triggers a resource declares. */
export function triggersOf(r: Resource): Trigger[] {
  const notify = "notify" in r ? r.notify : undefined;
  if (!notify) return [];
  return [
    ...notify.reload.map((unit) => ({ action: "reload" as const, unit })),
    ...notify.restart.map((unit) => ({ action: "restart" as const, unit })),
  ];
}

/** `hk_pending reload a.service && …`: recorded before the write whose change needs them. */
export function recordTriggers(triggers: Trigger[]): string {
  return triggers.map((t) => `hk_pending ${t.action} ${quote(t.unit)}`).join(" && ");
}

/**
 * The notify group of a host program, with the triggers a previous apply left
 * pending. A unit both reloaded and restarted is only restarted.
 */
export function notifyGroup(pending: Trigger[] = []): ActivationGroup {
  return {
    key: NOTIFY_KEY,
    placement: "last",
    compile(members: Change[]) {
      const all = [...pending, ...members.flatMap((c) => triggersOf(c.resource))];
      const restart = [...new Set(all.filter((t) => t.action === "restart").map((t) => t.unit))];
      const reload = [
        ...new Set(all.filter((t) => t.action === "reload").map((t) => t.unit)),
      ].filter((u) => !restart.includes(u));
      if (!reload.length && !restart.length) return undefined;
      const what = [
        reload.length && `reload ${reload.join(" ")}`,
        restart.length && `restart ${restart.join(" ")}`,
      ];
      return {
        ids: members.map((c) => c.id),
        label: `notify: ${what.filter(Boolean).join(", ")}`,
        command: `hk_notify ${
          [...reload.map((u) => quote(u)), "--", ...restart.map((u) => quote(u)), "--"].join(" ")
        }`,
      };
    },
  };
}
