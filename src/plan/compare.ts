/**
 * Decides one resource's action by comparing what was read with what is
 * declared. Only declared attributes are compared: an undeclared owner is not
 * drift.
 *
 * @module
 */
import type { PathState, State } from "../facts/state.ts";
import type { Resource } from "../model/resource.ts";
import { envLineHashes } from "./desired.ts";
import type { Action, Desired } from "./types.ts";

/** An action with its reason. */
export interface Verdict {
  action: Action;
  reason: string;
}

const FILE_TYPES: Readonly<Record<string, string>> = {
  file: "file",
  env_file: "file",
  systemd_service: "file",
  systemd_timer: "file",
  directory: "directory",
  symlink: "symlink",
};

function metadataDrift(path: PathState & { exists: true }, desired: Desired): string[] {
  const drift: string[] = [];
  if (desired.owner !== undefined && path.owner !== desired.owner) drift.push("owner");
  if (desired.group !== undefined && path.group !== desired.group) drift.push("group");
  if (desired.mode !== undefined && path.mode !== desired.mode) drift.push("mode");
  return drift;
}

function envDrift(resource: Resource, path: PathState & { exists: true }): string[] {
  const want = envLineHashes(resource);
  const have = path.envKeys ?? {};
  const drift: string[] = [];
  for (const [key, hash] of Object.entries(want)) {
    if (!(key in have)) drift.push(`+${key}`);
    else if (hash !== null && have[key] !== hash) drift.push(`~${key}`);
  }
  for (const key of Object.keys(have)) if (!(key in want)) drift.push(`-${key}`);
  return drift;
}

/**
 * The action for a resource given its desired and current state.
 *
 * @example
 * ```ts
 * import { compare } from "./compare.ts";
 * compare(resource, desired, { path: { exists: false } }); // { action: "create", reason: "missing" }
 * ```
 */
export function compare(resource: Resource, desired: Desired, state: State): Verdict {
  switch (resource.kind) {
    case "account": {
      const account = state.account;
      if (!account?.exists) return { action: "create", reason: "missing" };
      const drift: string[] = [];
      if (resource.home && account.home !== resource.home) drift.push("home");
      if (resource.shell && account.shell !== resource.shell) drift.push("shell");
      if (resource.uid !== undefined && account.uid !== resource.uid) drift.push("uid");
      if (resource.group && account.group !== resource.group) drift.push("group");
      const missingGroups = resource.groups.filter((g) => !account.groups.includes(g));
      if (missingGroups.length) drift.push("groups");
      return drift.length ? { action: "update", reason: drift.join(",") } : inSync;
    }
    case "package":
      if (!state.package?.installed) return { action: "create", reason: "missing" };
      return resource.version !== undefined && state.package.version !== resource.version
        ? { action: "update", reason: "version" }
        : inSync;
    case "mise_tool":
      return state.installed ? inSync : { action: "create", reason: "missing" };
    case "command":
      return state.satisfied
        ? { action: "noop", reason: `guard:${state.satisfied}` }
        : { action: "update", reason: "run" };
    default:
      break;
  }
  const path = state.path;
  if (!path?.exists) return { action: "create", reason: "missing" };
  if (path.type !== FILE_TYPES[resource.kind]) {
    return {
      action: "read_error",
      reason: `exists as a ${path.type}, not a ${FILE_TYPES[resource.kind]}`,
    };
  }
  const drift = metadataDrift(path, desired);
  if (resource.kind === "symlink" && path.target !== resource.target) drift.unshift("target");
  if (resource.kind === "env_file") drift.unshift(...envDrift(resource, path));
  else if (desired.sha256 !== undefined && path.sha256 !== desired.sha256) drift.unshift("content");
  if (resource.kind === "systemd_service" || resource.kind === "systemd_timer") {
    const unit = state.unit;
    if (unit && desired.enable && unit.unitFile !== "enabled") drift.push("not_enabled");
    if (unit && resource.kind === "systemd_service" && desired.enable && unit.active !== "active") {
      drift.push("not_running");
    }
  }
  return drift.length ? { action: "update", reason: drift.join(",") } : inSync;
}

const inSync: Verdict = { action: "noop", reason: "in_sync" };
