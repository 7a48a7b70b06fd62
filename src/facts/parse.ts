/**
 * Parses probe output (`INDEX<TAB>TAG<TAB>VALUE` lines) into {@link Facts}.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Resource } from "../model/resource.ts";
import { handlerOf, resourceId } from "../kinds/mod.ts";
import type { ProbeTags } from "../kinds/types.ts";
import type { AccountState, Facts, PathState } from "./state.ts";
import { TriggerSchema } from "../plan/types.ts";
import { VOLATILE_TAGS } from "./probe.ts";

/** The value of a resource's first line with `tag`. */
export function tagValue(tags: ProbeTags, tag: string): string | undefined {
  return tags.find(([t]) => t === tag)?.[1];
}

type Lines = Map<string, [string, string][]>;

function group(output: string): Lines {
  const lines: Lines = new Map();
  for (const line of output.split("\n")) {
    const first = line.indexOf("\t");
    const second = line.indexOf("\t", first + 1);
    if (first < 0 || second < 0) continue;
    const index = line.slice(0, first);
    const entry: [string, string] = [line.slice(first + 1, second), line.slice(second + 1)];
    const known = lines.get(index);
    if (known) known.push(entry);
    else lines.set(index, [entry]);
  }
  return lines;
}

/**
 * A symlink target read as hex bytes: its text when it is valid UTF-8 (a BOM
 * kept), otherwise only the hex, so it never equals a declared (string) target.
 */
function symlinkTarget(hex: string): { target: string } | { targetHex: string } {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  try {
    return { target: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { targetHex: hex };
  }
}

/** A path's state from its `path`, `sha256`, `target` and `env` lines. */
export function pathState(tags: ProbeTags): PathState | undefined {
  const path = tags.find(([tag]) => tag === "path")?.[1];
  if (path === undefined) return undefined;
  if (path === "missing") return { exists: false };
  const [type, owner, group, mode, size] = path.split(" ");
  const state: PathState = {
    exists: true,
    type: type as "file",
    owner,
    group,
    mode: parseInt(mode, 8),
    size: Number(size),
  };
  for (const [tag, value] of tags) {
    if (tag === "sha256") state.sha256 = value;
    // readlink ends its output with a newline, which is not part of the target.
    if (tag === "target") Object.assign(state, symlinkTarget(value.replace(/0a$/, "")));
    if (tag === "env") {
      const [key, hash] = value.split(" ");
      state.envKeys = { ...state.envKeys, [key]: hash };
    }
  }
  return state;
}

/** An account's state from its `account`, `group` and `groups` lines. */
export function accountState(tags: ProbeTags): AccountState | undefined {
  const entry = tags.find(([tag]) => tag === "account")?.[1];
  if (entry === undefined) return undefined;
  if (entry === "missing") return { exists: false };
  const [, , uid, gid, , home, shell] = entry.split(":");
  const value = (tag: string) => tagValue(tags, tag) ?? "";
  return {
    exists: true,
    uid: Number(uid),
    gid: Number(gid),
    home,
    shell,
    group: value("group"),
    groups: value("groups").split(" ").filter(Boolean),
  };
}

/**
 * Parses a probe's output for `resources` (in probe order).
 *
 * @example
 * ```ts
 * import { parseProbe } from "./parse.ts";
 * const facts = parseProbe(stdout, resources);
 * facts.states["directory:/srv/app"].path?.exists;
 * ```
 */
export function parseProbe(output: string, resources: Resource[]): Facts {
  const lines = group(output);
  const host = new Map(lines.get("host") ?? []);
  if (host.has("error")) {
    throw new HostkitError("unreachable", `reading the host failed: ${host.get("error")}`);
  }
  const [osId = "unknown", osVersion = ""] = (host.get("os") ?? "").split(" ");
  const facts: Facts = {
    os: { id: osId, version: osVersion },
    packageManager: (host.get("pm") || undefined) as Facts["packageManager"],
    systemd: host.get("systemd") === "yes",
    machineId: host.get("machine") ?? "",
    created: (lines.get("host") ?? []).filter(([tag]) => tag === "created").map(([, v]) => v),
    triggers: (lines.get("host") ?? []).filter(([tag]) => tag === "trigger").flatMap(([, v]) => {
      const [action, unit] = v.split(" ");
      const parsed = TriggerSchema.safeParse({ action, unit });
      return parsed.success ? [parsed.data] : [];
    }),
    states: {},
    observed: {},
    errors: {},
  };
  resources.forEach((resource, index) => {
    const id = resourceId(resource);
    const tags = lines.get(String(index)) ?? [];
    const error = tags.find(([tag]) => tag === "error");
    if (error) facts.errors[id] = error[1];
    facts.states[id] = handlerOf(resource).parse(resource, tags);
    facts.observed[id] = tags.filter(([tag]) => !VOLATILE_TAGS.has(tag)).map(([t, v]) =>
      `${t}\t${v}`
    );
  });
  return facts;
}
