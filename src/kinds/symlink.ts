/**
 * `symlink`: a symbolic link and its target, replaced atomically.
 *
 * @module
 */
import { type Symlink, SymlinkSchema } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { fileParse } from "./file_like.ts";
import { downBase, driftVerdict, existing, removeCreated } from "./paths.ts";

/** The `symlink` kind. */
export const symlink: KindHandler<Symlink> = {
  kind: "symlink",
  schema: SymlinkSchema,
  name: (r) => r.path,
  hostPath: (r) => r.path,
  defaultMode: null,
  render: null,
  sensitive: () => false,
  probe: (r, index, probe) => probe.path(index, r.path, "l"),
  parse: (_r, tags) => fileParse(tags),
  desired: () => ({}),
  diff: (r, _desired, state) => {
    const path = existing(state, "symlink");
    if (!("exists" in path)) return path;
    return driftVerdict(path.target !== r.target ? ["target"] : []);
  },
  after: (_r, desired) => desired,
  relate: (_r, verdict) => verdict,
  edges: () => [],
  role: "resource",
  compile: (change, context) => {
    const r = change.resource;
    if (change.action === "delete") {
      context.step([change.id], `remove ${change.id}`, `hk_rm ${quote(r.path)}`);
      return;
    }
    context.step(
      [change.id],
      `symlink ${r.path} → ${r.target}`,
      `hk_link ${quote(r.path)} ${quote(r.target)}`,
    );
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    if (change.action === "delete") return "cannot recreate a deleted symlink";
    if (change.action !== "update") return change.action;
    const before = change.before?.path;
    const target = before?.exists ? before.target : undefined;
    if (target === undefined) return "previous target unknown";
    return {
      ...downBase(change),
      action: "update",
      reason: "restore",
      intent: "restore",
      resource: { ...change.resource, target },
      after: {},
    };
  },
  explain: (change) => change.action === "delete" ? [] : [`→ ${change.resource.target}`],
};
