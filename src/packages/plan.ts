/**
 * Package resolution as planning needs it: find the target repository (a flag, the lock, or
 * the hosts' OS), resolve semantic names (lock or Repology), read the hosts' package
 * versions when a lock is written or used, and write the lock.
 *
 * The network is used only here, only towards the operator's Repology URL (a flag or an
 * environment variable, never the config), and names from the config are validated first.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Package, Resource } from "../model/resource.ts";
import type { RunResult, Target } from "../transport/target.ts";
import { RepologyCache } from "./cache.ts";
import { RepologyClient } from "./client.ts";
import type { Clock } from "./clock.ts";
import { type LockEntry, readLock, writeLock } from "./lock.ts";
import { packageStateScript, parsePackageStates } from "./probe.ts";
import { isSemantic, resolvePackages } from "./resolve.ts";
import { managerOf, type PackageManager, repologyRepo } from "./target_repo.ts";

/** Options of {@link planPackages} (the CLI's `--repology-*` and `--package-*` flags). */
export interface PackagePlanning {
  /** `--package-repo`: the repository to resolve for, without asking the hosts. */
  repo?: string;
  /** `--repology-url` / `HOSTKIT_REPOLOGY_URL`. */
  repologyUrl?: string;
  /** `--repology-cache DIR`; `false` for `--no-repology-cache`. */
  cacheDir?: string | false;
  /** `--repology-cache-ttl`, in ms. */
  cacheTtl?: number;
  /** `--package-lock FILE`: resolve only from it, no network. */
  lock?: string;
  /** `--write-package-lock FILE`. */
  writeLock?: string;
  /** Injected time (tests). */
  clock?: Clock;
}

/** What {@link planPackages} returns. */
export interface PlannedPackages {
  resources: Resource[];
  diagnostics: string[];
}

const OS_SCRIPT =
  `( . /etc/os-release 2>/dev/null; printf '%s %s\\n' "\${ID:-unknown}" "\${VERSION_ID:-}" )\n`;

function text(result: RunResult): string {
  return new TextDecoder().decode(result.stdout);
}

async function run(target: Target, what: string, script: string): Promise<string> {
  const result = await target.run("sh -s", { stdin: script });
  if (result.code !== 0) {
    const stderr = new TextDecoder().decode(result.stderr).trim().split("\n").slice(-3).join("; ");
    throw new HostkitError(
      "unreachable",
      `${what} on ${target.description} failed (exit ${result.code}): ${stderr || "no output"}`,
    );
  }
  return text(result);
}

/**
 * A host that cannot be read here is left out: the plan's own read of it fails the same way and
 * reports it for that host, as for any unreachable host. Other errors end the plan.
 */
function hostFailure(error: unknown): boolean {
  return error instanceof HostkitError && !["config", "input", "usage"].includes(error.kind);
}

/** The one repository every reachable target installs from (none reachable: undefined). */
async function targetRepo(targets: Target[]): Promise<string | undefined> {
  const settled = await Promise.allSettled(targets.map(async (t) => {
    const [id = "unknown", version = ""] = (await run(t, "reading /etc/os-release", OS_SCRIPT))
      .trim().split(" ");
    return { target: t, repo: repologyRepo({ id, version }) };
  }));
  const repos = settled.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  for (const s of settled) {
    if (s.status === "rejected" && !hostFailure(s.reason)) throw s.reason;
  }
  const distinct = [...new Set(repos.map((r) => r.repo))];
  if (distinct.length > 1) {
    throw new HostkitError(
      "usage",
      `semantic package names resolve for one repository per plan, but the hosts use ${
        distinct.join(", ")
      }: plan each group of hosts separately (or give the names with \`as\`)`,
      { details: repos.map((r) => `${r.target.name}: ${r.repo}`) },
    );
  }
  return distinct[0];
}

/**
 * Resolves the semantic packages of `resources` for `targets` (none: offline). Returns the
 * resources with `as` (and, from a lock, `version`) filled, and notes for the plan.
 *
 * @example
 * ```ts
 * import { planPackages } from "./plan.ts";
 * const { resources } = await planPackages(project.resources, targets, {
 *   repologyUrl: "http://127.0.0.1:8080",
 * });
 * ```
 */
export async function planPackages(
  resources: Resource[],
  targets: Target[],
  options: PackagePlanning,
): Promise<PlannedPackages> {
  const semantic = resources.filter(isSemantic);
  const prerequisites = misePrerequisites(resources);
  if (semantic.length === 0 && !options.writeLock) return { resources, diagnostics: prerequisites };
  if (options.lock && options.writeLock) {
    throw new HostkitError("usage", "--package-lock and --write-package-lock exclude each other");
  }
  if (options.writeLock && targets.length === 0) {
    throw new HostkitError(
      "usage",
      "--write-package-lock reads the versions from a host's package manager: give a target (--host, --local, --remote)",
    );
  }
  const lock = options.lock
    ? { path: options.lock, lock: await readLock(options.lock) }
    : undefined;
  let repo = options.repo;
  if (!repo && targets.length) repo = await targetRepo(targets);
  if (!repo && lock) {
    const repos = Object.keys(lock.lock.repositories);
    if (repos.length === 1) repo = repos[0];
  }
  if (!repo) {
    return {
      resources,
      diagnostics: [
        `semantic packages (${semantic.map((p) => p.name).join(", ")}) are not resolved ${
          targets.length ? "(no host could be read)" : "in an offline plan"
        }: name the repository with --package-repo (e.g. debian_12)`,
      ],
    };
  }
  const cache = options.cacheDir === false || lock
    ? undefined
    : new RepologyCache({ dir: options.cacheDir, ttl: options.cacheTtl, clock: options.clock });
  const resolved = await resolvePackages(resources, repo, {
    lock,
    client: lock
      ? undefined
      : new RepologyClient({ baseUrl: options.repologyUrl, clock: options.clock }),
    cache,
  });
  if (targets.length && (lock || options.writeLock)) {
    const names = new Set(semantic.map((p) => p.name));
    const { entries, conflicts } = await hostVersions(
      resolved.resources,
      names,
      targets,
      repo,
      lock?.path,
    );
    if (options.writeLock) await writeLock(options.writeLock, repo, entries);
    resolved.diagnostics.push(...conflicts);
  }
  // The plan shows what apply installs: each semantic name with the package it became.
  const notes = resolved.resolutions.map((r) =>
    `package ${r.name} → ${r.package}${r.version ? `=${r.version}` : ""} (${repo}, from ${
      r.source === "lock" ? lock!.path : r.source
    })`
  );
  return {
    resources: resolved.resources,
    diagnostics: [...notes, ...resolved.diagnostics, ...prerequisites],
  };
}

/** What mise needs on a host where its binary is missing, when the config declares none of it. */
function misePrerequisites(resources: Resource[]): string[] {
  if (!resources.some((r) => r.kind === "mise_tool")) return [];
  const declared = new Set(
    resources.flatMap((r) => r.kind === "package" ? [r.name, r.as ?? r.name] : []),
  );
  const missing = [
    !["curl", "wget"].some((d) => declared.has(d)) && "curl (or wget)",
    !["ca_certificates", "ca-certificates"].some((d) => declared.has(d)) && "ca_certificates",
  ].filter(Boolean);
  return missing.length
    ? [
      `mise tools are declared but not ${
        missing.join(" and ")
      }: where the mise binary is missing, ` +
      `apply needs them to download it (declare s.package(...) in the same service)`,
    ]
    : [];
}

/**
 * Reads the semantic packages' versions on every target (one exec per host); checks locked
 * versions are still offered and returns the lock entries: the installed version, else the
 * candidate the package manager would install.
 */
async function hostVersions(
  resources: Resource[],
  semantic: Set<string>,
  targets: Target[],
  repo: string,
  lockPath: string | undefined,
): Promise<{ entries: Record<string, LockEntry>; conflicts: string[] }> {
  const fallback: PackageManager = managerOf(repo) ?? "apt";
  const packages = resources.filter((r): r is Package =>
    r.kind === "package" && semantic.has(r.name)
  );
  const groups = new Map<PackageManager, string[]>();
  for (const p of packages) {
    const manager = p.manager ?? fallback;
    groups.set(manager, [...(groups.get(manager) ?? []), p.as!]);
  }
  const script = packageStateScript([...groups].map(([manager, names]) => ({ manager, names })));
  const entries: Record<string, LockEntry> = {};
  const conflicts: string[] = [];
  for (const target of targets) {
    let output: string;
    try {
      output = await run(target, "reading package versions", script);
    } catch (error) {
      if (hostFailure(error)) continue;
      throw error;
    }
    const states = parsePackageStates(output, packages.map((p) => p.as!));
    for (const p of packages) {
      const state = states.get(p.as!)!;
      const offered = state.available.length ? ` (it offers ${state.available.join(", ")})` : "";
      if (lockPath) {
        if (p.version && state.installed !== p.version && !state.available.includes(p.version)) {
          throw new HostkitError(
            "input",
            `package ${p.name}: version ${p.version} of ${p.as} (from ${lockPath}) is not offered by ` +
              `the package manager of ${target.name}${offered}`,
            {
              details: [
                "update the lock with --write-package-lock, or refresh the host's package lists",
              ],
            },
          );
        }
        continue;
      }
      const version = state.installed ?? state.candidate;
      if (!version) {
        throw new HostkitError(
          "input",
          `package ${p.name}: ${p.as} is not known to the package manager of ${target.name} ` +
            `(${p.manager ?? fallback}); are its package lists up to date?`,
        );
      }
      const first = entries[p.name];
      if (!first) entries[p.name] = { package: p.as!, version };
      else if (first.version !== version) {
        conflicts.push(
          `package ${p.name}: ${target.name} has ${p.as} ${version}, the lock records ${first.version} (from the first host)`,
        );
      }
    }
  }
  return { entries, conflicts };
}
