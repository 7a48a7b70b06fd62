/**
 * `managed_line`: one line hostkit keeps in a file it does not otherwise own
 * (the import line of a main Caddyfile, an nftables include). Probed with
 * `grep -Fx`, appended once (a copy with the line, renamed over the file, so
 * the rest of it stays as it is), removed again by its down.
 *
 * @module
 */
import { type ManagedLine, ManagedLineSchema } from "../model/resource.ts";
import { tagValue } from "../facts/parse.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { validateCommand } from "./file_like.ts";
import { notifyGroup, recordTriggers, triggersOf } from "./notify.ts";
import { IN_SYNC, MISSING, NOT_A_PATH, removeCreated } from "./paths.ts";

/** The `managed_line` kind. */
export const managedLine: KindHandler<ManagedLine> = {
  kind: "managed_line",
  schema: ManagedLineSchema,
  name: (r) => `${r.path}:${r.line}`,
  // Not a path of its own (a managed line shares its file with other lines).
  ...NOT_A_PATH,
  probe: (r, index, probe) =>
    probe.shell(
      `if [ ! -e ${quote(r.path)} ]; then printf '%s\\tline\\tno-file\\n' ${index}; ` +
        `elif [ ! -r ${
          quote(r.path)
        } ]; then printf '%s\\terror\\tcannot read the file\\n' ${index}; ` +
        `elif grep -qxF -- ${quote(r.line)} ${
          quote(r.path)
        }; then printf '%s\\tline\\tpresent\\n' ${index}; ` +
        `else printf '%s\\tline\\tabsent\\n' ${index}; fi`,
    ),
  parse: (_r, tags) => ({ line: tagValue(tags, "line") === "present" }),
  diff: (_r, _desired, state) => state.line ? IN_SYNC : MISSING,
  edges: () => [],
  inventoried: false,
  role: "resource",
  compile: (change, context) => {
    const r = change.resource;
    const triggers = triggersOf(r);
    if (triggers.length) context.join(notifyGroup(), change);
    const record = triggers.length ? `${recordTriggers(triggers)} && ` : "";
    const validate = validateCommand(r);
    const check = validate ? `HK_VALIDATE=${quote(validate)} ` : "";
    const remove = change.action === "delete";
    context.step(
      [change.id],
      `${remove ? "remove line from" : "add line to"} ${r.path}`,
      `${record}${check}hk_line_${remove ? "remove" : "add"} ${quote(r.path)} ${quote(r.line)}`,
    );
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    return change.action === "delete" ? "cannot recreate a removed line" : change.action;
  },
  explain: (change) => [
    `${change.action === "delete" ? "-" : "+"} ${change.resource.line}`,
    ...(change.resource.validate ? [`validate: ${change.resource.validate}`] : []),
    ...triggersOf(change.resource).map((t) => `then ${t.action} ${t.unit}`),
  ],
};
