/**
 * `symlink`: a symbolic link and its target, replaced atomically.
 *
 * @module
 */
import { type Symlink, SymlinkSchema } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { fileParse } from "./file_like.ts";
import { downBase, driftVerdict, existing, parentsOf, removeCreated } from "./paths.ts";
import type { Drift } from "../plan/types.ts";

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
  desired: (r) => ({
    ...(r.owner ? { owner: r.owner } : {}),
    ...(r.group ? { group: r.group } : {}),
  }),
  diff: (r, desired, state) => {
    const path = existing(state, "symlink");
    if (!("exists" in path)) return path;
    const drift: Drift[] = path.target !== r.target ? ["target"] : [];
    if (desired.owner !== undefined && path.owner !== desired.owner) drift.push("owner");
    if (desired.group !== undefined && path.group !== desired.group) drift.push("group");
    return driftVerdict(drift);
  },
  after: (_r, desired) => desired,
  relate: (_r, verdict) => verdict,
  // After what it points at and the directories above that, when hostkit declares them.
  edges: function* (r, graph) {
    for (const owner of [r.owner, r.group]) {
      const account = owner ? graph.account(owner) : undefined;
      if (account) yield account;
    }
    if (!r.target.startsWith("/")) return;
    const target = graph.at(r.target);
    if (target) yield target;
    for (const parent of parentsOf(r.target)) {
      const dir = graph.directoryAt(parent);
      if (dir) yield dir;
    }
  },
  inventoried: false,
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
      `hk_link ${[r.path, r.target, r.owner ?? "", r.group ?? ""].map((v) => quote(v)).join(" ")}`,
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
