/**
 * Storage volumes: named directories with owner, mode and intent (backup,
 * writable, secret), reused for directories and sandbox paths.
 *
 * @module
 */
import { type ModeInput, normalizeMode } from "../model/mode.ts";
import { type Volume, VolumeSchema } from "../model/project.ts";

/** Options of {@link volume}. */
export interface VolumeOptions {
  path: string;
  owner?: string;
  group?: string;
  mode?: ModeInput;
  backup?: boolean;
  writable?: boolean;
  secret?: boolean;
}

/**
 * A storage volume, as the reference's `HostKit.Storage.volume`.
 *
 * @example
 * ```ts
 * import { volume } from "./storage.ts";
 * const repos = volume("repositories", { path: "/srv/forgejo/repos", mode: 0o750, backup: true });
 * ```
 */
export function volume(name: string, options: VolumeOptions): Volume {
  const { mode, ...rest } = options;
  return VolumeSchema.parse({
    name,
    ...rest,
    ...(mode === undefined ? {} : { mode: normalizeMode(mode) }),
  });
}

/**
 * The paths of the writable volumes, for `readWritePaths`.
 *
 * @example
 * ```ts
 * import { readWritePaths, volume } from "./storage.ts";
 * readWritePaths([volume("data", { path: "/srv/app" })]); // ["/srv/app"]
 * ```
 */
export function readWritePaths(volumes: Volume[]): string[] {
  return volumes.filter((v) => v.writable).map((v) => v.path);
}
