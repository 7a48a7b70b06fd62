/**
 * The desired state of each resource, rendered on the controller: content,
 * its hash, ownership and mode (defaults filled in for creation).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Resource, resourceId } from "../model/resource.ts";
import { envLine, renderContent } from "../render/mod.ts";
import type { Desired } from "./types.ts";
import { HostkitError } from "../errors.ts";

/** Default modes when a declaration gives none. */
export const DEFAULT_MODES: Readonly<Record<string, number>> = {
  file: 0o644,
  env_file: 0o600,
  systemd_service: 0o644,
  systemd_timer: 0o644,
  directory: 0o755,
};

/** sha256 of bytes or text, hex. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function encodeContent(bytes: Uint8Array): Desired["content"] {
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

/**
 * The desired state of a resource: content for file-like kinds (env files with
 * secrets carry none: they are rendered at apply), plus ownership and mode.
 *
 * @example
 * ```ts
 * import { desiredState } from "./desired.ts";
 * const after = desiredState(resource, (path) => Deno.readFileSync(path));
 * ```
 */
export function desiredState(
  resource: Resource,
  readSource: (path: string) => Uint8Array,
): Desired {
  const desired: Desired = {};
  if ("owner" in resource && resource.owner) desired.owner = resource.owner;
  if ("group" in resource && resource.group) desired.group = resource.group;
  if ("mode" in resource && resource.mode !== undefined) desired.mode = resource.mode;
  const hasSecrets = resource.kind === "env_file" && resource.entries.some((e) => "secret" in e);
  if (!hasSecrets) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = renderContent(resource, { readSource });
    } catch (error) {
      if (error instanceof HostkitError) throw error;
      throw new HostkitError("input", `${resourceId(resource)}: ${(error as Error).message}`);
    }
    if (bytes) {
      desired.content = encodeContent(bytes);
      desired.sha256 = sha256(bytes);
      desired.size = bytes.length;
    }
  }
  if (resource.kind === "systemd_service" || resource.kind === "systemd_timer") {
    desired.enable = resource.sections.some(([section, d]) =>
      section === "Install" && d.some(([key]) => key === "WantedBy")
    );
  }
  return desired;
}

/** Hashes of the rendered `KEY=value` lines of an env file's plain entries. */
export function envLineHashes(resource: Resource): Record<string, string | null> {
  if (resource.kind !== "env_file") return {};
  const hashes: Record<string, string | null> = {};
  for (const entry of resource.entries) {
    hashes[entry.key] = "value" in entry ? sha256(envLine(entry)) : null;
  }
  return hashes;
}
