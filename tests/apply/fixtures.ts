/**
 * Hand-built plans for the apply, down and runs tests: changes with realistic
 * resources, `before` states as the probe reports them and `after` states as
 * the planner renders them.
 *
 * @module
 */
import type { PathState, State } from "../../src/facts/state.ts";
import { resourceId } from "../../src/model/resource.ts";
import { handlerOf } from "../../src/kinds/mod.ts";
import { sha256 } from "../../src/plan/desired.ts";
import {
  type Action,
  type Change,
  type Desired,
  type Drift,
  DriftSchema,
  type HostPlan,
  type Intent,
  type Plan,
  PLAN_FORMAT,
  PLAN_VERSION,
  summarize,
  type TargetRef,
} from "../../src/plan/types.ts";
import { resource } from "../helpers.ts";

/** A file as the probe reports it. */
export function fileState(
  options: { owner?: string; group?: string; mode?: number; text?: string; type?: "file" } = {},
): PathState {
  const text = options.text ?? "old\n";
  return {
    exists: true,
    type: options.type ?? "file",
    owner: options.owner ?? "root",
    group: options.group ?? "root",
    mode: options.mode ?? 0o644,
    size: text.length,
    sha256: sha256(text),
  };
}

/** A directory as the probe reports it. */
export function dirState(owner = "root", group = "root", mode = 0o755): PathState {
  return { exists: true, type: "directory", owner, group, mode, size: 4096 };
}

export const MISSING: State = { path: { exists: false } };

/** The desired state of a text file, as the planner renders it. */
export function textAfter(text: string, extra: Desired = {}): Desired {
  return { content: { text }, sha256: sha256(text), size: text.length, ...extra };
}

/**
 * The drift a planner's reason names (`content,mode,+PORT`), so hand-built
 * changes read like real ones; words that are not drift (run, missing, …) are dropped.
 */
export function driftOf(reason: string): Drift[] {
  return reason.split(",").flatMap((word): Drift[] => {
    if (/^[+~-]/.test(word)) return [{ env: word }];
    const parsed = DriftSchema.safeParse(word);
    return parsed.success ? [parsed.data] : [];
  });
}

/** One change of a plan: `data` is the resource as plain data (schema defaults filled in). */
export function change(
  data: Record<string, unknown>,
  action: Action,
  reason: string,
  options: {
    before?: State | null;
    after?: Desired | null;
    dependsOn?: string[];
    intent?: Intent;
  } = {},
): Change {
  const r = resource(data);
  let after = options.after === undefined ? (action === "delete" ? null : {}) : options.after;
  // As the planner does: a new path that declares no mode gets its kind's default, in the plan.
  const defaultMode = handlerOf(r).defaultMode;
  if (action === "create" && after && after.mode === undefined && defaultMode !== null) {
    after = { ...after, mode: defaultMode };
  }
  return {
    id: resourceId(r),
    action,
    reason,
    drift: action === "update" ? driftOf(reason) : [],
    ...(options.intent ? { intent: options.intent } : {}),
    resource: r,
    before: options.before === undefined ? null : options.before,
    after,
    dependsOn: options.dependsOn ?? [],
  };
}

const LOCAL: TargetRef = { kind: "local", name: "local", sudo: false };

/** A host plan for `target` (default: the local machine). */
export function hostPlan(changes: Change[], target: TargetRef = LOCAL): HostPlan {
  return {
    target,
    os: "debian 12",
    packageManager: "apt",
    machineId: "0123456789abcdef0123456789abcdef",
    changes,
    summary: summarize(changes),
  };
}

/** An up plan of one host (or of several host plans). */
export function upPlan(hosts: Change[] | HostPlan[], runsRoot = "/var/lib/hostkit"): Plan {
  const list: HostPlan[] = hosts.length && "target" in hosts[0]
    ? hosts as HostPlan[]
    : [hostPlan(hosts as Change[])];
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    generatedAt: "2026-06-14T10:11:48.000Z",
    hostkitVersion: "0.1.0",
    project: "demo",
    direction: "up",
    runsRoot,
    hosts: list,
    summary: summarize(list.flatMap((h) => h.changes)),
    diagnostics: [],
  };
}

/** One member of a tar archive, as the real `tar` reads it. */
export interface TarMember {
  /** The member's name, byte for byte (newlines, quotes and long names included). */
  name: string;
  bytes: Uint8Array;
  text: string;
  /** Permission bits. */
  mode: number;
  /** The owner and group names the header carries ("" when it carries none). */
  uname: string;
  gname: string;
}

async function tar(args: string[], input: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("tar", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(`tar ${args.join(" ")}: exit ${code}: ${new TextDecoder().decode(stderr)}`);
  }
  return stdout;
}

/**
 * Reads an archive with GNU tar: `listing` is `tar -tv` (mode, owner/group, name per line) and
 * `members` come from `tar -x --to-command`, which hands each regular file's bytes and header
 * fields (TAR_FILENAME, TAR_UNAME, TAR_GNAME, TAR_MODE) to a command instead of writing it.
 */
export async function readTar(
  archive: Uint8Array,
): Promise<{ listing: string[]; members: TarMember[] }> {
  const decoder = new TextDecoder();
  const listing = decoder.decode(await tar(["-tvf", "-"], archive)).split("\n").filter(Boolean);
  const record = String.raw`printf '%s\0%s\0%s\0%s\0%s\0' ` +
    `"$TAR_FILENAME" "$TAR_UNAME" "$TAR_GNAME" "$TAR_MODE" "$TAR_SIZE"; cat`;
  const out = await tar(["-xf", "-", `--to-command=${record}`], archive);
  const members: TarMember[] = [];
  let at = 0;
  while (at < out.length) {
    const fields: string[] = [];
    while (fields.length < 5) {
      const end = out.indexOf(0, at);
      fields.push(decoder.decode(out.subarray(at, end)));
      at = end + 1;
    }
    const [name, uname, gname, mode, size] = fields;
    const bytes = out.slice(at, at + Number(size));
    at += bytes.length;
    members.push({
      name,
      bytes,
      text: decoder.decode(bytes),
      mode: parseInt(mode, 8),
      uname,
      gname,
    });
  }
  return { listing, members };
}
