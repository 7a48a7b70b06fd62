/**
 * Package resolution as planning needs it, within the one probe per host: resolve semantic
 * names (lock or Repology) for every repository the plan may meet before any host is read,
 * let each host's probe read every candidate name (and, for locks, the versions), then pick
 * the host's repository from the same probe's OS facts; write the lock at the end.
 *
 * The network is used only here, only towards the operator's Repology URL (a flag or an
 * environment variable, never the config), and names from the config are validated first.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Facts } from "../facts/state.ts";
import { packageKind } from "../kinds/package.ts";
import { type Package, type Resource, resourceId } from "../model/resource.ts";
import type { Target } from "../transport/target.ts";
import { RepologyCache } from "./cache.ts";
import { RepologyClient } from "./client.ts";
import type { Clock } from "./clock.ts";
import { candidateKey, type CandidateName, candidateProbe, readCandidates } from "./host_probe.ts";
import { type LockEntry, type PackageLock, readLock, writeLock } from "./lock.ts";
import { packageQuery, validatePackageName } from "./names.ts";
import { choosePackage } from "./records.ts";
import {
  fetchProjects,
  isSemantic,
  type ProjectAnswer,
  type Resolved,
  resolvePackages,
} from "./resolve.ts";
import { isKnownRepo, managerOf, type PackageManager, repologyRepo } from "./target_repo.ts";

/** Options of {@link preparePackages} (the CLI's `--repology-*` and `--package-*` flags). */
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

/** A host's resources and facts once its semantic packages are resolved for its repository. */
export interface HostPackages {
  resources: Resource[];
  facts: Facts;
}

/**
 * Semantic packages prepared before any host is read (see {@link preparePackages}): the probe
 * fragment every host's one probe carries, and what turns a host's probe into its resources.
 */
export interface PreparedPackages {
  /** Shell lines for each host's probe ("" when there is nothing to ask). */
  probe: string;
  /** The resources of an offline plan (resolved when the repository is known). */
  offline(): Promise<Resource[]>;
  /** After a host's probe (`output` is all of it): its resources and facts. */
  forHost(target: Target, facts: Facts, output: string): Promise<HostPackages>;
  /** Writes the lock, if asked, and returns the plan's notes. */
  finish(): Promise<string[]>;
  /** Whether `error` came from package resolution: it ends the plan, not one host's part. */
  owns(error: unknown): boolean;
}

/**
 * Resolves the semantic packages of `resources` as far as possible before the hosts are read:
 * for the one repository `--package-repo` names, the lock's repositories, or every supported
 * repository Repology lists for the projects (one request per project answers for all). The
 * returned probe fragment asks each host about every candidate name; `forHost` then picks the
 * host's repository from the same probe's OS facts. So planning costs one exec per host,
 * whatever the names.
 *
 * @example
 * ```ts
 * import { preparePackages } from "./plan.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => p.package("ca_certificates"));
 * const prepared = await preparePackages(demo.resources, true, {
 *   repologyUrl: "http://127.0.0.1:8080",
 * });
 * prepared.probe.includes("ca-certificates");
 * ```
 */
export async function preparePackages(
  resources: Resource[],
  online: boolean,
  options: PackagePlanning,
): Promise<PreparedPackages> {
  const semantic = resources.filter(isSemantic);
  const prerequisites = misePrerequisites(resources);
  if (semantic.length === 0 && !options.writeLock) return unchanged(resources, prerequisites);
  if (options.lock && options.writeLock) {
    throw new HostkitError("usage", "--package-lock and --write-package-lock exclude each other");
  }
  if (options.writeLock && !online) {
    throw new HostkitError(
      "usage",
      "--write-package-lock reads the versions from a host's package manager: give a target (--host, --local, --remote)",
    );
  }
  const lock = options.lock
    ? { path: options.lock, lock: await readLock(options.lock) }
    : undefined;
  const cache = options.cacheDir === false || lock
    ? undefined
    : new RepologyCache({ dir: options.cacheDir, ttl: options.cacheTtl, clock: options.clock });
  const client = lock
    ? undefined
    : new RepologyClient({ baseUrl: options.repologyUrl, clock: options.clock });
  const answers = new Map<string, Promise<ProjectAnswer>>();
  const resolutions = new Map<string, Promise<Resolved>>();
  const resolveFor = (repo: string): Promise<Resolved> => {
    if (!resolutions.has(repo)) {
      resolutions.set(repo, resolvePackages(resources, repo, { lock, client, cache, answers }));
    }
    return resolutions.get(repo)!;
  };
  // The plan shows what apply installs: each semantic name with the package it became.
  const notes = new Set<string>();
  const note = (repo: string, resolved: Resolved) => {
    for (const r of resolved.resolutions) {
      notes.add(
        `package ${r.name} → ${r.package}${r.version ? `=${r.version}` : ""} (${repo}, from ${
          r.source === "lock" ? lock!.path : r.source
        })`,
      );
    }
    for (const d of resolved.diagnostics) notes.add(d);
  };
  const owned = new WeakSet<object>();
  const owning = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error) owned.add(error);
      throw error;
    }
  };
  const lockRepos = lock ? Object.keys(lock.lock.repositories) : [];
  let probe = "";
  const probed = new Set<string>();
  if (online) {
    if (client) await fetchProjects(resources, client, cache, answers);
    const repos = options.repo ? [options.repo] : lock ? lockRepos : await listedRepos(answers);
    const candidates = await candidateNames(semantic, repos, answers, lock?.lock);
    for (const c of candidates) probed.add(candidateKey(c));
    probe = candidateProbe(candidates, lock !== undefined || options.writeLock !== undefined);
  }
  const lockEntries = new Map<string, Record<string, LockEntry>>();
  const conflicts: string[] = [];
  return {
    probe,
    owns: (error) => error instanceof Error && owned.has(error),
    offline: () =>
      owning(async () => {
        const repo = options.repo ?? (lockRepos.length === 1 ? lockRepos[0] : undefined);
        if (semantic.length === 0) return resources;
        if (!repo) {
          notes.add(
            `semantic packages (${
              semantic.map((p) => p.name).join(", ")
            }) are not resolved in an offline plan: name the repository with --package-repo (e.g. debian_12)`,
          );
          return resources;
        }
        const resolved = await resolveFor(repo);
        note(repo, resolved);
        return resolved.resources;
      }),
    forHost: (target, facts, output) =>
      owning(async () => {
        const repo = options.repo ?? repologyRepo(facts.os);
        const resolved = await resolveFor(repo);
        note(repo, resolved);
        const found = readCandidates(output);
        const states = { ...facts.states };
        const observed = { ...facts.observed };
        resolved.resources.forEach((r, i) => {
          if (r.kind !== "package" || !isSemantic(resources[i])) return;
          const key = candidateKey({ manager: r.manager, name: r.as! });
          if (!probed.has(key)) {
            throw new HostkitError(
              "input",
              `package ${r.name}${r.origin ? ` (${r.origin})` : ""}: Repology's package for ` +
                `${repo} (${r.as}) was not among the names read on ${target.name}`,
              { details: [`give the distribution's name with { as: "${r.as}" }`] },
            );
          }
          const tags = found.tags.get(key) ?? [];
          const id = resourceId(r);
          states[id] = packageKind.parse(r, tags);
          observed[id] = tags.map(([tag, value]) => `${tag}\t${value}`);
        });
        if (lock || options.writeLock) {
          const entries = lockEntries.get(repo) ?? {};
          lockEntries.set(repo, entries);
          checkVersions(resolved.resources, resources, found, target, {
            repo,
            lockPath: lock?.path,
            entries,
            conflicts,
          });
        }
        return { resources: resolved.resources, facts: { ...facts, states, observed } };
      }),
    finish: async () => {
      if (options.writeLock) {
        for (const [repo, entries] of lockEntries) {
          await writeLock(options.writeLock, repo, entries);
        }
      }
      return [...notes, ...conflicts, ...prerequisites];
    },
  };
}

/** Nothing to resolve: the resources as they are. */
function unchanged(resources: Resource[], diagnostics: string[]): PreparedPackages {
  return {
    probe: "",
    owns: () => false,
    offline: () => Promise.resolve(resources),
    forHost: (_target, facts) => Promise.resolve({ resources, facts }),
    finish: () => Promise.resolve(diagnostics),
  };
}

/** Every repository hostkit supports that Repology lists for any of the projects. */
async function listedRepos(answers: Map<string, Promise<ProjectAnswer>>): Promise<string[]> {
  const repos = new Set<string>();
  for (const answer of answers.values()) {
    for (const record of (await answer).records) {
      if (isKnownRepo(record.repo)) repos.add(record.repo);
    }
  }
  return [...repos].sort();
}

function validName(name: string): boolean {
  try {
    validatePackageName(name, "package");
    return true;
  } catch {
    return false;
  }
}

/**
 * Every binary name a semantic package may become on a host of `repos`: the lock's, or
 * Repology's choice per repository, and the name itself for a plain name (it may be a binary
 * of a differently named project, found after the probe through Repology's project-by).
 */
async function candidateNames(
  semantic: Package[],
  repos: string[],
  answers: Map<string, Promise<ProjectAnswer>>,
  lock: PackageLock | undefined,
): Promise<CandidateName[]> {
  const candidates: CandidateName[] = [];
  for (const p of semantic) {
    const names = new Set<string>();
    if (lock) {
      for (const repo of repos) {
        const entry = lock.repositories[repo]?.[p.name];
        if (entry) names.add(entry.package);
      }
    } else {
      const query = packageQuery(p.name);
      const records = (await answers.get(query.project))?.records ?? [];
      for (const repo of repos) {
        try {
          names.add(choosePackage(records, query, repo).package);
        } catch {
          // Not in that repository, or ambiguous there: a host of it gets that error.
        }
      }
      if (query.rule.kind === "same") names.add(query.project);
    }
    for (const name of names) if (validName(name)) candidates.push({ manager: p.manager, name });
  }
  return candidates;
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
 * Checks a host's versions of the semantic packages against the lock (a locked version the
 * package manager no longer offers is an error), or records them for the lock being written:
 * the installed version, else the candidate the package manager would install.
 */
function checkVersions(
  resolved: Resource[],
  declared: Resource[],
  found: ReturnType<typeof readCandidates>,
  target: Target,
  into: {
    repo: string;
    lockPath: string | undefined;
    entries: Record<string, LockEntry>;
    conflicts: string[];
  },
): void {
  const fallback: PackageManager = managerOf(into.repo) ?? "apt";
  const packages = resolved.filter((r, i): r is Package =>
    r.kind === "package" && isSemantic(declared[i])
  );
  for (const p of packages) {
    const state = found.states(p.manager ?? "", [p.as!]).get(p.as!)!;
    const offered = state.available.length ? ` (it offers ${state.available.join(", ")})` : "";
    if (into.lockPath) {
      if (p.version && state.installed !== p.version && !state.available.includes(p.version)) {
        throw new HostkitError(
          "input",
          `package ${p.name}: version ${p.version} of ${p.as} (from ${into.lockPath}) is not offered by ` +
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
    const first = into.entries[p.name];
    if (!first) into.entries[p.name] = { package: p.as!, version };
    else if (first.version !== version) {
      into.conflicts.push(
        `package ${p.name}: ${target.name} has ${p.as} ${version}, the lock records ${first.version} (from the first host)`,
      );
    }
  }
}
