/**
 * `directory`: a directory with owner, group and mode. Rolled back only when
 * it is still empty.
 *
 * @module
 */
import { type Directory, DirectorySchema } from "../model/resource.ts";
import { formatMode } from "../model/mode.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { fileParse } from "./file_like.ts";
import { edgesOfOwnership } from "./ownership.ts";
import {
  declaredMetadata,
  driftVerdict,
  existing,
  explainMetadata,
  keptMetadata,
  metadataDrift,
  removeCreated,
  revertMetadata,
} from "./paths.ts";

/** The `directory` kind. */
export const directory: KindHandler<Directory> = {
  kind: "directory",
  schema: DirectorySchema,
  name: (r) => r.path,
  hostPath: (r) => r.path,
  defaultMode: 0o755,
  render: null,
  sensitive: () => false,
  probe: (r, index, probe) => probe.path(index, r.path, "d"),
  parse: (_r, tags) => fileParse(tags),
  desired: (r) => declaredMetadata(r),
  diff: (_r, desired, state) => {
    const path = existing(state, "directory");
    return "exists" in path ? driftVerdict(metadataDrift(path, desired)) : path;
  },
  after: (_r, desired, state, action) => keptMetadata(desired, state, action, 0o755),
  relate: (_r, verdict) => verdict,
  edges: edgesOfOwnership,
  inventoried: false,
  role: "resource",
  compile: (change, context) => {
    const r = change.resource;
    if (change.action === "delete") {
      context.step([change.id], `remove ${change.id}`, `hk_rmdir ${quote(r.path)}`);
      return;
    }
    const after = change.after ?? {};
    const mode = after.mode === undefined ? "" : formatMode(after.mode);
    context.step(
      [change.id],
      `directory ${r.path}`,
      `hk_dir ${[r.path, after.owner, after.group, mode].map((v) => quote(v ?? "")).join(" ")}`,
    );
  },
  invert: (change) => {
    if (change.action === "create") return removeCreated(change);
    if (change.action === "delete") return "cannot recreate a deleted directory";
    if (change.action === "update") return revertMetadata(change);
    return change.action;
  },
  explain: explainMetadata,
};
