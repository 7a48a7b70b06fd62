/**
 * The package flags of `plan` and `apply`, and their meaning as {@link PackagePlanning}.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { type Flags, type FlagSpec, stringFlag } from "../cli/args.ts";
import { parseDuration } from "./cache.ts";
import { repologyBaseUrl } from "./client.ts";
import type { PackagePlanning } from "./plan.ts";
import { validateRepo } from "./target_repo.ts";

/** Flags both `plan` and `apply` take. */
export const PACKAGE_FLAGS: Record<string, FlagSpec> = {
  "package-lock": {
    type: "string",
    value: "FILE",
    description: "Resolve semantic package names only from this lock (no network)",
  },
  "package-repo": {
    type: "string",
    value: "REPO",
    description: "Resolve package names for this Repology repository (debian_12, ubuntu_24_04…)",
  },
  "repology-url": {
    type: "string",
    value: "URL",
    description: "Repology (or mirror) to resolve package names with (env HOSTKIT_REPOLOGY_URL)",
  },
  "repology-cache": {
    type: "string",
    value: "DIR",
    description: "Cache Repology answers in DIR (default .hostkit/cache/repology)",
  },
  "repology-cache-ttl": {
    type: "string",
    value: "DURATION",
    description: "How long a cached Repology answer is used (default 24h)",
  },
  "no-repology-cache": { type: "boolean", description: "Ask Repology every time" },
};

/** `plan` only. */
export const WRITE_LOCK_FLAG: Record<string, FlagSpec> = {
  "write-package-lock": {
    type: "string",
    value: "FILE",
    description: "Record each semantic package's name and host version in FILE",
  },
};

const NETWORK_FLAGS = ["repology-url", "repology-cache", "repology-cache-ttl", "no-repology-cache"];

/** Whether any package flag was given (a saved plan takes none). */
export function hasPackageFlags(flags: Flags): boolean {
  return [...Object.keys(PACKAGE_FLAGS), ...Object.keys(WRITE_LOCK_FLAG)].some((f) =>
    flags[f] !== undefined
  );
}

/**
 * The package options the flags (and `HOSTKIT_REPOLOGY_URL`) give; bad values and flags that
 * mean nothing together are usage errors.
 *
 * @example
 * ```ts
 * import { packagePlanningFromFlags } from "./flags.ts";
 * packagePlanningFromFlags({ "package-repo": "debian_12" }); // { repo: "debian_12", … }
 * ```
 */
export function packagePlanningFromFlags(
  flags: Flags,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): PackagePlanning {
  const lock = stringFlag(flags, "package-lock");
  if (lock) {
    const useless = [...NETWORK_FLAGS, "write-package-lock"].filter((f) => flags[f] !== undefined);
    if (useless.length) {
      throw new HostkitError(
        "usage",
        `--package-lock resolves only from the lock: --${useless[0]} means nothing with it`,
      );
    }
  }
  if (flags["no-repology-cache"] && (flags["repology-cache"] || flags["repology-cache-ttl"])) {
    throw new HostkitError(
      "usage",
      "--no-repology-cache excludes --repology-cache and --repology-cache-ttl",
    );
  }
  const repo = stringFlag(flags, "package-repo");
  const url = stringFlag(flags, "repology-url");
  const fromEnv = env("HOSTKIT_REPOLOGY_URL") || undefined;
  const ttl = stringFlag(flags, "repology-cache-ttl");
  return {
    repo: repo === undefined ? undefined : validateRepo(repo, "--package-repo"),
    repologyUrl: url !== undefined
      ? repologyBaseUrl(url, "--repology-url")
      : fromEnv && repologyBaseUrl(fromEnv, "HOSTKIT_REPOLOGY_URL"),
    cacheDir: flags["no-repology-cache"] ? false : stringFlag(flags, "repology-cache"),
    cacheTtl: ttl === undefined ? undefined : parseDuration(ttl, "--repology-cache-ttl"),
    lock,
    writeLock: stringFlag(flags, "write-package-lock"),
  };
}
