/**
 * The parts file-like kinds (files, env files, unit files) share: rendered
 * content compared by hash, writes staged in batches and renamed into place,
 * deletes, and down changes restored from the run's backups.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { HostkitError } from "../errors.ts";
import { formatMode } from "../model/mode.ts";
import type { Resource } from "../model/resource.ts";
import type { SecretSource } from "../model/secret.ts";
import { quote } from "../transport/shell.ts";
import type { Change, Desired, Drift, Verdict } from "../plan/types.ts";
import { pathState } from "../facts/parse.ts";
import type { State } from "../facts/state.ts";
import type { ChangeOf, CompileContext, DesiredContext, ProbeTags } from "./types.ts";
import { notifyGroup, recordTriggers, triggersOf } from "./notify.ts";
import { edgesOfOwnership } from "./ownership.ts";
import {
  declaredMetadata,
  driftVerdict,
  existing,
  explainMetadata,
  keptMetadata,
  metadataDrift,
  metadataOnly,
  removeCreated,
  restoreFile,
  revertMetadata,
} from "./paths.ts";

/** sha256 of bytes or text, hex. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const encoder = new TextEncoder();

/** Bytes as plan content: text when it is UTF-8 without NUL, else base64. */
export function encodeContent(bytes: Uint8Array): NonNullable<Desired["content"]> {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    if (!text.includes("\0")) return { text };
  } catch {
    // not UTF-8: carried as base64
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return { base64: btoa(binary) };
}

/** Base64 text back to bytes; bad base64 is a clear data error. */
export function decodeBase64(base64: string, what: string): Uint8Array {
  try {
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    throw new HostkitError("data", `${what}: its content is not valid base64`);
  }
}

/** The bytes of a file-like resource: declared content, or rendered. */
export type Renderer<R> = (
  r: R,
  secrets?: SecretSource,
  readSource?: (p: string) => Uint8Array,
) => Uint8Array;

/** A text renderer as a byte renderer. */
export function textRenderer<R>(render: (r: R, secrets?: SecretSource) => string): Renderer<R> {
  return (r, secrets) => encoder.encode(render(r, secrets));
}

/** The desired state of a file-like resource: its rendered bytes (unless sensitive at plan time). */
export function fileDesired<R extends Resource>(
  r: R,
  render: Renderer<R>,
  context: DesiredContext,
  withoutContent: boolean,
  id: string,
): Desired {
  const desired = declaredMetadata(r);
  if (withoutContent) return desired;
  let bytes: Uint8Array;
  try {
    bytes = render(r, undefined, context.readSource);
  } catch (error) {
    if (error instanceof HostkitError) throw error;
    throw new HostkitError("input", `${id}: ${(error as Error).message}`);
  }
  desired.content = encodeContent(bytes);
  desired.sha256 = sha256(bytes);
  desired.size = bytes.length;
  return desired;
}

/** Content and metadata drift of a regular file; `contentDrift` decides the content part. */
export function fileDiff(
  desired: Desired,
  state: State,
  contentDrift: (path: NonNullable<State["path"]> & { exists: true }) => Drift[],
): Verdict | { drift: Drift[]; state: State } {
  const path = existing(state, "file");
  if (!("exists" in path)) return path;
  return { drift: [...contentDrift(path), ...metadataDrift(path, desired)], state };
}

/** The verdict from {@link fileDiff} and extra drift (units add theirs). */
export function fileVerdict(
  result: Verdict | { drift: Drift[] },
  extra: Drift[] = [],
): Verdict {
  if ("action" in result) return result;
  return driftVerdict([...result.drift, ...extra]);
}

/** A file's state from its probe lines. */
export function fileParse(tags: ProbeTags): State {
  const path = pathState(tags);
  return path ? { path } : {};
}

/** The `after` of a file-like change (kept metadata, default mode for new files). */
export function fileAfter(
  desired: Desired,
  state: State | undefined,
  action: Verdict["action"],
  defaultMode: number,
): Desired {
  return keptMetadata(desired, state, action, defaultMode);
}

/** Whether the file's bytes change (as opposed to only owner/mode). */
export function writesContent(change: Change): boolean {
  if (change.action === "create" || change.intent === "restore") return true;
  return change.action === "update" &&
    change.drift.some((d) => d === "content" || typeof d === "object");
}

function payloadBytes(
  change: Change,
  render: Renderer<never>,
  secrets: SecretSource,
): Uint8Array {
  const content = change.after?.content;
  if (!content) return (render as Renderer<Resource>)(change.resource, secrets);
  if ("$backup" in content) {
    throw new HostkitError("data", `${change.id}: the plan carries no content for it`);
  }
  if ("text" in content) return encoder.encode(content.text);
  return decodeBase64(content.base64, change.id);
}

/** A declared `validate` command as the remote library runs it: `%s` is the staged file. */
export function validateCommand(r: Resource): string | undefined {
  const validate = "validate" in r ? r.validate : undefined;
  return validate?.replaceAll("%s", '"$HK_STAGED"');
}

/**
 * Compiles a file-like change: a staged write when the content changes and
 * owner, group and mode are all known, else one `hk_write` (metadata only, a
 * restore from a backup, or an update that keeps undeclared metadata). A
 * `validate` checks the staged file before it replaces the old one; `notify`
 * triggers are recorded as pending before the write and run once at the end.
 */
export function compileFile<R extends Resource>(
  change: ChangeOf<R>,
  path: string,
  render: Renderer<R>,
  context: CompileContext,
): void {
  const tracking = context.tracking;
  const triggers = triggersOf(change.resource);
  if (triggers.length) context.join(notifyGroup(), change);
  const record = triggers.length ? `${recordTriggers(triggers)} && ` : "";
  const validate = validateCommand(change.resource);
  if (change.action === "delete") {
    const backup = tracking ? `hk_backup ${quote(path)} && ` : "";
    context.step([change.id], `remove ${change.id}`, `${record}${backup}hk_rm ${quote(path)}`);
    return;
  }
  const after = change.after ?? {};
  const content = after.content;
  const restoring = content !== undefined && "$backup" in content;
  const writes = writesContent(change);
  const known = change.action === "create" ||
    (after.owner && after.group && after.mode !== undefined);
  if (!restoring && writes && known && after.mode !== undefined) {
    context.stage(change.id, {
      path,
      data: payloadBytes(change, render as Renderer<never>, context.secrets),
      owner: after.owner,
      group: after.group,
      mode: after.mode,
      backup: tracking !== undefined && change.action === "update",
      validate,
      triggers,
    });
    return;
  }
  let source = "-";
  if (restoring) source = `=${content.$backup}`;
  else if (writes) {
    source = context.payload(payloadBytes(change, render as Renderer<never>, context.secrets));
  }
  const what = source === "-" ? "set owner/mode of" : restoring ? "restore" : "update";
  const backup = tracking && change.action === "update" ? `hk_backup ${quote(path)} && ` : "";
  const mode = after.mode === undefined ? "" : formatMode(after.mode);
  const check = validate && source !== "-" ? `HK_VALIDATE=${quote(validate)} ` : "";
  context.step(
    [change.id],
    `${what} ${path}`,
    `${record}${backup}${check}hk_write ${
      [path, source, after.owner, after.group, mode].map((v) => quote(v ?? "")).join(" ")
    }`,
  );
}

/** The down change of a file-like change. */
export function invertFile(
  change: Change,
  path: string,
  backupsDir: string | undefined,
  restart: { deleted: boolean | undefined; updated: boolean | undefined },
): Change | string {
  switch (change.action) {
    case "create":
      return removeCreated(change);
    case "delete":
      return restoreFile(change, path, { backupsDir }, "create", restart.deleted);
    case "update":
      if (metadataOnly(change)) return revertMetadata(change);
      return restoreFile(change, path, { backupsDir }, "update", restart.updated);
    default:
      return change.action;
  }
}

/** What the plan text shows under a file-like change: metadata, its check, its handlers. */
export function explainFile(change: Change): string[] {
  const lines = explainMetadata(change);
  const r = change.resource;
  // Without a diff (sensitive, binary, unreadable or not previewable), content is shown by hash.
  const after = change.after;
  if (!change.diff && after?.sha256 && writesContent(change) && change.intent !== "restore") {
    const before = change.before?.path;
    const was = before?.exists && before.sha256
      ? `sha256 ${before.sha256.slice(0, 12)}… (${before.size} bytes) → `
      : "";
    lines.push(`content ${was}sha256 ${after.sha256.slice(0, 12)}… (${after.size} bytes)`);
  }
  if (change.action !== "delete" && "validate" in r && r.validate) {
    lines.push(`validate: ${r.validate}`);
  }
  for (const trigger of triggersOf(r)) lines.push(`then ${trigger.action} ${trigger.unit}`);
  return lines;
}

/**
 * The parts a file-like kind at its own declared path (file, env file) has alike:
 * its state, where it goes in the order, its steps, its inverse and its plan text.
 */
export function plainFileParts<
  R extends Resource & { path: string; owner?: string; group?: string },
>(
  render: Renderer<R>,
) {
  return {
    parse: (_r: R, tags: ProbeTags): State => fileParse(tags),
    relate: (_r: R, verdict: Verdict): Verdict => verdict,
    edges: edgesOfOwnership,
    inventoried: false,
    role: "resource" as const,
    compile: (change: ChangeOf<R>, context: CompileContext): void =>
      compileFile(change, change.resource.path, render, context),
    invert: (change: ChangeOf<R>, context: { backupsDir?: string }): Change | string =>
      invertFile(change, change.resource.path, context.backupsDir, {
        deleted: false,
        updated: false,
      }),
    explain: explainFile,
  };
}
