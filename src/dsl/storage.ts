/**
 * Storage volumes: named directories with owner, mode and intent (backup,
 * writable, secret), reused for directories and sandbox paths.
 *
 * @module
 */
import { z } from "zod";
import { type ModeInput, normalizeMode } from "../model/mode.ts";
import { type Volume, VolumeSchema } from "../model/project.ts";
import { checkOptions, is, type OptionShape, wordError } from "./options.ts";

/** Options of {@link volume}. */
export interface VolumeOptions {
  /** The directory on the host. */
  path: string;
  /** The owning user. */
  owner?: string;
  /** The owning group. */
  group?: string;
  /** Default 0o750, or 0o700 for a secret volume. */
  mode?: ModeInput;
  /** Listed by `backupVolumes(spec)` for backup jobs. */
  backup?: boolean;
  /** Whether the service may write it (`readWritePaths`); default true. */
  writable?: boolean;
  /** Holds secrets: its mode may grant nothing to others (default 0o700). */
  secret?: boolean;
  /** Where the service sees it, when not at `path`. */
  mountPath?: string;
}

/** The checks of {@link VolumeOptions}, shared with the service's `storage` word. */
export const VOLUME_OPTIONS: OptionShape<VolumeOptions> = {
  path: is.absolutePath,
  owner: is.nonEmpty,
  group: is.nonEmpty,
  mode: is.checkedByWord,
  backup: is.boolean,
  writable: is.boolean,
  secret: is.boolean,
  mountPath: is.absolutePath,
};

/** The mode of a secret volume unless one is given: the owner alone. */
export const SECRET_VOLUME_MODE = 0o700;

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
  return buildVolume("volume", name, checkOptions("volume", options, VOLUME_OPTIONS));
}

/** @internal A volume from checked options. */
export function buildVolume(word: string, name: string, options: VolumeOptions): Volume {
  if (typeof name !== "string" || name === "") throw wordError(word, "needs a volume name");
  if (options.path === undefined) throw wordError(word, "needs the option path");
  const { mode, ...rest } = options;
  let bits: number | undefined;
  try {
    bits = mode === undefined ? undefined : normalizeMode(mode);
  } catch (error) {
    throw wordError(word, `option mode: ${(error as Error).message}`);
  }
  if (options.secret) {
    bits ??= SECRET_VOLUME_MODE;
    if (bits & 0o007) {
      throw wordError(
        word,
        `volume ${name} is secret, but its mode 0${bits.toString(8)} lets others in ` +
          `(use 0o700, or 0o750 to share it with the group)`,
      );
    }
  }
  const parsed = VolumeSchema.safeParse({
    name,
    ...rest,
    ...(bits === undefined ? {} : { mode: bits }),
  });
  if (!parsed.success) throw wordError(word, z.prettifyError(parsed.error));
  return parsed.data;
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

/**
 * Where the service sees a volume: its `mountPath`, or its path.
 *
 * @example
 * ```ts
 * import { mountPath, volume } from "./storage.ts";
 * mountPath(volume("uploads", { path: "/srv/app/uploads", mountPath: "/app/uploads" })); // "/app/uploads"
 * ```
 */
export function mountPath(v: Volume): string {
  return v.mountPath ?? v.path;
}
