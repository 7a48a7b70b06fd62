/**
 * `mise_tool`: a runtime installed system-wide with mise (`mise install --system`).
 *
 * @module
 */
import { type MiseTool, MiseToolSchema } from "../model/resource.ts";
import { miseInstalledScript, miseToolKey, parseMiseInstalled } from "../packages/mise.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { IN_SYNC, MISSING, NOT_A_PATH, removeCreated } from "./paths.ts";

/** The `mise_tool` kind. */
export const miseTool: KindHandler<MiseTool> = {
  kind: "mise_tool",
  schema: MiseToolSchema,
  name: (r) => r.name,
  ...NOT_A_PATH,
  // mise itself says what is installed (backends such as http: install under other names).
  probe: (r, index, probe) =>
    probe.shell(
      `{ ${miseInstalledScript(r.miseBinary, r.systemDataDir).trim()}; } | sed 's/^/${index}\t/'`,
    ),
  parse: (r, tags) => {
    const line = tags.find(([tag]) => tag === "mise");
    const tools = line ? parseMiseInstalled(`mise\t${line[1]}\n`, r.systemDataDir) : undefined;
    return { installed: tools?.get(miseToolKey(r.name))?.includes(r.version) ?? false };
  },
  diff: (_r, _desired, state) => state.installed ? IN_SYNC : MISSING,
  edges: () => [],
  inventoried: false,
  role: "tool",
  compile: (change, context) => {
    const r = change.resource;
    const words = (...values: string[]) => values.map((v) => quote(v)).join(" ");
    if (change.action === "delete") {
      context.step(
        [change.id],
        `remove ${change.id}`,
        `MISE_SYSTEM_DATA_DIR=${quote(r.systemDataDir)} ${quote(r.miseBinary)} uninstall ${
          quote(`${r.name}@${r.version}`)
        }`,
      );
      return;
    }
    context.step(
      [change.id],
      `mise ${r.name}@${r.version}`,
      `hk_mise ${
        words(
          r.miseBinary,
          r.systemDataDir,
          r.name,
          r.version,
          ...(r.download ? [r.download.url, r.download.sha256] : []),
        )
      }`,
    );
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    if (change.action === "delete") return "cannot recreate a deleted mise_tool";
    if (change.action === "update") return "cannot undo an update of a mise_tool";
    return change.action;
  },
  explain: (change) => {
    const r = change.resource;
    return [
      `${r.miseBinary} install --system ${r.name}@${r.version}`,
      ...(r.download
        ? [`mise from ${r.download.url} (sha256 ${r.download.sha256}) if missing`]
        : []),
    ];
  },
};
