/**
 * Semantic package names → the distribution's package names, through a lock (no network) or
 * Repology (cached). A package with `as` is never resolved: `as` always wins.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Package, Resource } from "../model/resource.ts";
import type { RepologyCache } from "./cache.ts";
import type { RepologyClient } from "./client.ts";
import { lockedPackage, type LockEntry, type PackageLock } from "./lock.ts";
import { type PackageQuery, packageQuery, validatePackageName } from "./names.ts";
import { type Choice, choosePackage, type RepologyRecord } from "./records.ts";

/** Where a resolution came from. */
export type ResolutionSource = "lock" | "repology" | "repology-cache" | "repology-stale-cache";

/** How one semantic name was resolved. */
export interface Resolution {
  /** The semantic name. */
  name: string;
  /** The distribution's package name. */
  package: string;
  /** The Repology project asked for (none from a lock). */
  project?: string;
  /** The locked version (lock only; the host's package manager's string). */
  version?: string;
  source: ResolutionSource;
}

/** Options of {@link resolvePackages}. */
export interface ResolveOptions {
  /** A lock to resolve from, with its path for messages: no network at all then. */
  lock?: { path: string; lock: PackageLock };
  /** The Repology client (required without a lock). */
  client?: RepologyClient;
  /** The answer cache; none: every answer fetched. */
  cache?: RepologyCache;
  /** Answers already fetched in this plan, by Repology project (shared across repositories). */
  answers?: Map<string, Promise<ProjectAnswer>>;
}

/** What {@link resolvePackages} returns. */
export interface Resolved {
  /** The resources, packages with `as` (and, from a lock, `version`) filled. */
  resources: Resource[];
  /** One per semantic package. */
  resolutions: Resolution[];
  /** Notes for the plan (stale cache answers). */
  diagnostics: string[];
}

/** Whether a resource is a package named by meaning (no `as`). */
export function isSemantic(resource: Resource): resource is Package {
  return resource.kind === "package" && resource.as === undefined;
}

/**
 * Resolves every semantic package of `resources` for repository `repo` (e.g. `debian_12`).
 * From a lock: the locked package and version (a version the config pins wins). Otherwise
 * through Repology, one request per project (cached), at most one per second.
 *
 * @example
 * ```ts
 * import { resolvePackages } from "./resolve.ts";
 * import { RepologyClient } from "./client.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => p.package("ca_certificates"));
 * const { resources } = await resolvePackages(demo.resources, "debian_12", {
 *   client: new RepologyClient({ baseUrl: "http://127.0.0.1:8080" }),
 * });
 * ```
 */
export async function resolvePackages(
  resources: Resource[],
  repo: string,
  options: ResolveOptions,
): Promise<Resolved> {
  const resolutions = new Map<string, Resolution>();
  const diagnostics: string[] = [];
  const answers = options.answers ?? new Map<string, Promise<ProjectAnswer>>();
  for (const resource of resources) {
    if (!isSemantic(resource) || resolutions.has(resource.name)) continue;
    const where = resource.origin ? ` (${resource.origin})` : "";
    if (options.lock) {
      const entry: LockEntry = withOrigin(
        () => lockedPackage(options.lock!.lock, repo, resource.name, options.lock!.path),
        where,
      );
      resolutions.set(resource.name, {
        name: resource.name,
        package: entry.package,
        version: entry.version,
        source: "lock",
      });
      continue;
    }
    if (!options.client) {
      throw new HostkitError("internal", "resolvePackages needs a Repology client or a lock");
    }
    const query = withOrigin(() => packageQuery(resource.name), where);
    const choice = await withOriginAsync(
      () => choose(query, repo, options.client!, options.cache, answers),
      where,
    );
    validatePackageName(choice.package, `Repology's package for ${resource.name}`);
    resolutions.set(resource.name, {
      name: resource.name,
      package: choice.package,
      project: query.project,
      source: choice.source,
    });
    if (choice.source === "repology-stale-cache") {
      diagnostics.push(
        `package ${resource.name}: Repology unreachable, used an expired cached answer (${choice.package})`,
      );
    }
  }
  return {
    resources: resources.map((r) => {
      if (!isSemantic(r)) return r;
      const found = resolutions.get(r.name)!;
      return { ...r, as: found.package, version: r.version ?? found.version };
    }),
    resolutions: [...resolutions.values()],
    diagnostics,
  };
}

/** Repology's answer for one project, and where it came from. */
export interface ProjectAnswer {
  records: RepologyRecord[];
  source: ResolutionSource;
}

/**
 * Fetches (or reads from the cache) the Repology project of every semantic package into
 * `answers`, so that resolving for several repositories asks once per project.
 *
 * @example
 * ```ts
 * import { fetchProjects, type ProjectAnswer } from "./resolve.ts";
 * import { RepologyClient } from "./client.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => p.package("ca_certificates"));
 * const answers = new Map<string, Promise<ProjectAnswer>>();
 * await fetchProjects(demo.resources, new RepologyClient({ baseUrl: "http://127.0.0.1:8080" }), undefined, answers);
 * ```
 */
export async function fetchProjects(
  resources: Resource[],
  client: RepologyClient,
  cache: RepologyCache | undefined,
  answers: Map<string, Promise<ProjectAnswer>>,
): Promise<void> {
  for (const resource of resources) {
    if (!isSemantic(resource)) continue;
    const where = resource.origin ? ` (${resource.origin})` : "";
    const query = withOrigin(() => packageQuery(resource.name), where);
    if (!answers.has(query.project)) {
      answers.set(query.project, fetchProject(query.project, client, cache));
    }
    await withOriginAsync(() => answers.get(query.project)!, where);
  }
}

function sourceOf(source: "cache" | "network" | "stale-cache"): ResolutionSource {
  return source === "network" ? "repology" : `repology-${source}`;
}

async function fetchProject(
  project: string,
  client: RepologyClient,
  cache: RepologyCache | undefined,
): Promise<ProjectAnswer> {
  if (!cache) return { records: await client.project(project), source: "repology" };
  const { value, source } = await cache.get("project", project, () => client.project(project));
  return { records: value ?? [], source: sourceOf(source) };
}

async function fetchByBinary(
  repo: string,
  name: string,
  client: RepologyClient,
  cache: RepologyCache | undefined,
): Promise<ProjectAnswer | undefined> {
  if (!cache) {
    const records = await client.projectByBinary(repo, name);
    return records && { records, source: "repology" };
  }
  const { value, source } = await cache.get(
    `by-${repo}`,
    name,
    () => client.projectByBinary(repo, name),
  );
  return value && { records: value, source: sourceOf(source) };
}

async function choose(
  query: PackageQuery,
  repo: string,
  client: RepologyClient,
  cache: RepologyCache | undefined,
  answers: Map<string, Promise<ProjectAnswer>>,
): Promise<Choice & { source: ResolutionSource }> {
  if (!answers.has(query.project)) {
    answers.set(query.project, fetchProject(query.project, client, cache));
  }
  const answer = await answers.get(query.project)!;
  if (!answer.records.some((r) => r.repo === repo) && query.rule.kind === "same") {
    // The name may be a binary of a differently named project (xsltproc is in libxslt).
    const by = await fetchByBinary(repo, query.project, client, cache);
    if (by?.records.some((r) => r.repo === repo)) {
      return { ...choosePackage(by.records, query, repo), source: by.source };
    }
  }
  return { ...choosePackage(answer.records, query, repo), source: answer.source };
}

function withOrigin<T>(run: () => T, where: string): T {
  try {
    return run();
  } catch (error) {
    throw located(error, where);
  }
}

async function withOriginAsync<T>(run: () => Promise<T>, where: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw located(error, where);
  }
}

function located(error: unknown, where: string): unknown {
  if (!(error instanceof HostkitError) || !where) return error;
  return new HostkitError(error.kind, `${error.message}${where}`, {
    details: error.details,
    cause: error,
  });
}
