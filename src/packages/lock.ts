/**
 * Package locks: per target repository, each semantic name → the distribution's package and
 * the version its package manager offered when the lock was written. Sorted, indented JSON,
 * one line per value, so a lock reads well in review and diffs line by line:
 *
 * ```json
 * {
 *   "format": "hostkit.package-lock",
 *   "version": 1,
 *   "repositories": {
 *     "debian_12": {
 *       "ca_certificates": {
 *         "package": "ca-certificates",
 *         "version": "20230311"
 *       }
 *     }
 *   }
 * }
 * ```
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";
import { validatePackageName } from "./names.ts";

/** The `format` of a lock file. */
export const LOCK_FORMAT = "hostkit.package-lock";

const PackageName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/);

/** One locked package. */
export const LockEntrySchema = z.strictObject({
  package: PackageName,
  /** The host package manager's version string (e.g. apt's `1:2.3-4`). */
  version: z.string().min(1).max(200).regex(/^[A-Za-z0-9.+~:_-]+$/),
});

/** A whole lock file. */
export const PackageLockSchema = z.strictObject({
  format: z.literal(LOCK_FORMAT),
  version: z.literal(1),
  repositories: z.record(z.string(), z.record(z.string(), LockEntrySchema)),
});

export type LockEntry = z.infer<typeof LockEntrySchema>;
export type PackageLock = z.infer<typeof PackageLockSchema>;

/**
 * An empty lock.
 *
 * @example
 * ```ts
 * import { emptyLock } from "./lock.ts";
 * emptyLock().repositories; // {}
 * ```
 */
export function emptyLock(): PackageLock {
  return { format: LOCK_FORMAT, version: 1, repositories: {} };
}

/**
 * Reads a lock file; a missing or malformed file is a `data` error naming it.
 *
 * @example
 * ```ts
 * import { readLock } from "./lock.ts";
 * const lock = await readLock("hostkit.package.lock");
 * ```
 */
export async function readLock(path: string): Promise<PackageLock> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new HostkitError(
      "input",
      `cannot read package lock ${path}: ${(error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HostkitError("data", `package lock ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = PackageLockSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HostkitError(
      "data",
      `package lock ${path} is not a hostkit package lock (version 1): ${
        issue?.path.join(".") || "(top)"
      }: ${issue?.message}`,
    );
  }
  for (const names of Object.values(parsed.data.repositories)) {
    for (const name of Object.keys(names)) validatePackageName(name, `package lock ${path}`);
  }
  return parsed.data;
}

/**
 * The entry of semantic `name` for `repo`; throws an `input` error naming what is missing:
 * the repository (listing those the lock has) or the package.
 *
 * @example
 * ```ts
 * import { lockedPackage } from "./lock.ts";
 * lockedPackage(lock, "debian_12", "ca_certificates", "hostkit.package.lock").package;
 * ```
 */
export function lockedPackage(
  lock: PackageLock,
  repo: string,
  name: string,
  path: string,
): LockEntry {
  const names = lock.repositories[repo];
  const fix =
    `re-create it with: hostkit plan --write-package-lock ${path} CONFIG (against a ${repo} host)`;
  if (!names) {
    const have = Object.keys(lock.repositories).sort();
    throw new HostkitError(
      "input",
      `package lock ${path} was made for ${have.join(", ") || "no repository"}, not ${repo}`,
      { details: [fix] },
    );
  }
  const entry = names[name];
  if (!entry) {
    throw new HostkitError(
      "input",
      `package lock ${path} has no entry for package ${name} in ${repo}`,
      { details: [fix] },
    );
  }
  return entry;
}

/**
 * The lock as text: keys sorted at every level, two-space indentation, a final newline.
 *
 * @example
 * ```ts
 * import { emptyLock, formatLock } from "./lock.ts";
 * formatLock(emptyLock()).endsWith("\n"); // true
 * ```
 */
export function formatLock(lock: PackageLock): string {
  const sorted = (value: unknown): unknown =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
        Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
      )
      : value;
  const { format, version, repositories } = lock;
  return JSON.stringify({ format, version, repositories: sorted(repositories) }, null, 2) + "\n";
}

/**
 * Writes `entries` for `repo` into the lock at `path` (other repositories kept; this one
 * replaced), atomically.
 *
 * @example
 * ```ts
 * import { writeLock } from "./lock.ts";
 * await writeLock("hostkit.package.lock", "debian_12", { curl: { package: "curl", version: "7.88.1-10" } });
 * ```
 */
export async function writeLock(
  path: string,
  repo: string,
  entries: Record<string, LockEntry>,
): Promise<PackageLock> {
  let lock = emptyLock();
  try {
    await Deno.lstat(path);
    lock = await readLock(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  lock.repositories[repo] = entries;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  const temp = `${dir}/.${crypto.randomUUID()}.lock.tmp`;
  try {
    await Deno.writeTextFile(temp, formatLock(lock), { createNew: true, mode: 0o644 });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new HostkitError(
      "input",
      `cannot write package lock ${path}: ${(error as Error).message}`,
    );
  }
  return lock;
}
