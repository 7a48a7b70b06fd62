/**
 * The desired state of each resource, rendered on the controller by its kind:
 * content, its hash, ownership and mode.
 *
 * @module
 */
import type { EnvFile, Resource } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import { envLineHashes as kindEnvLineHashes } from "../kinds/env_file.ts";
import type { Desired } from "./types.ts";

export { sha256 } from "../kinds/file_like.ts";

/**
 * The desired state of a resource: content for file-like kinds (env files with
 * secrets carry none: they are rendered at apply), plus ownership and mode.
 *
 * @example
 * ```ts
 * import { desiredState } from "./desired.ts";
 * const after = desiredState(
 *   { kind: "file", path: "/etc/motd", content: { text: "hi\n" }, dependsOn: [], rollback: "keep" },
 *   (path) => Deno.readFileSync(path),
 * );
 * after.sha256?.length; // 64
 * ```
 */
export function desiredState(
  resource: Resource,
  readSource: (path: string) => Uint8Array,
): Desired {
  return handlerOf(resource).desired(resource, { readSource });
}

/**
 * Hashes of the rendered `KEY=value` lines of an env file's plain entries.
 *
 * @example
 * ```ts
 * import { envLineHashes } from "./desired.ts";
 * envLineHashes({ kind: "directory", path: "/srv" } as never); // {}
 * ```
 */
export function envLineHashes(resource: Resource): Record<string, string | null> {
  return resource.kind === "env_file" ? kindEnvLineHashes(resource as EnvFile) : {};
}
