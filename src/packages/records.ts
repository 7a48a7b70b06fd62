/**
 * Repology's package records (the answer of `/api/v1/project/<name>`) and the choice of one
 * binary package for a repository.
 *
 * The API returns a JSON list of packages; `repo` and `version` are mandatory, `srcname`,
 * `binname`, `binnames` (single-project endpoint only), `visiblename`, `origversion`,
 * `status`, `summary`, `categories`, `licenses`, `maintainers` and `subrepo` optional.
 * An unknown project is an empty list.
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";
import type { PackageQuery } from "./names.ts";

/** One package of a Repology project. Unknown fields are kept out; known ones checked. */
export const RepologyRecordSchema = z.object({
  repo: z.string(),
  subrepo: z.string().nullish(),
  srcname: z.string().nullish(),
  binname: z.string().nullish(),
  binnames: z.array(z.string()).nullish(),
  visiblename: z.string().nullish(),
  version: z.string(),
  origversion: z.string().nullish(),
  status: z.string().nullish(),
  summary: z.string().nullish(),
});

/** The body of `/api/v1/project/<name>`. */
export const RepologyProjectSchema = z.array(RepologyRecordSchema);

/** A Repology package record. */
export type RepologyRecord = z.infer<typeof RepologyRecordSchema>;

/** The binary package chosen for a semantic name. */
export interface Choice {
  /** The binary package name in the repository. */
  package: string;
  /** Repology's (normalised) version, for display only: locks record the host's. */
  repologyVersion: string;
}

/** Binary names a record stands for. */
function binaries(record: RepologyRecord): string[] {
  if (record.binnames?.length) return record.binnames;
  if (record.binname) return [record.binname];
  return record.srcname ? [record.srcname] : [];
}

/** Packages that are never what a plain name means: docs, debug, multilib, installer builds. */
function isVariant(name: string): boolean {
  return /-(doc|docs|dbg|dbgsym|debuginfo|debugsource|static|udeb)$/.test(name) ||
    /^(lib32|lib64|libx32|mingw|python[0-9]*-)/.test(name);
}

function isDev(name: string): boolean {
  return /-(dev|devel)$/.test(name);
}

/**
 * Picks the binary package `query` means among `records` of repository `repo`.
 * Throws an `input` error listing the repositories that do have the project when `repo` has
 * none, and a `config` error listing the candidates when the choice is ambiguous.
 *
 * @example
 * ```ts
 * import { choosePackage } from "./records.ts";
 * import { packageQuery } from "./names.ts";
 * choosePackage(
 *   [{ repo: "debian_12", srcname: "openssl", binnames: ["openssl", "libssl-dev"], version: "3.0" }],
 *   packageQuery("openssl_dev"),
 *   "debian_12",
 * ).package; // "libssl-dev"
 * ```
 */
export function choosePackage(
  records: RepologyRecord[],
  query: PackageQuery,
  repo: string,
): Choice {
  const here = records.filter((r) => r.repo === repo);
  const what = `package ${query.name} (Repology project ${query.project})`;
  if (here.length === 0) {
    const elsewhere = [...new Set(records.map((r) => r.repo))].sort();
    throw new HostkitError(
      "input",
      elsewhere.length
        ? `${what} has no package in ${repo}; repositories that have it: ${
          elsewhere.slice(0, 20).join(", ")
        }${elsewhere.length > 20 ? `, … (${elsewhere.length} in all)` : ""}`
        : `${what}: Repology knows no such project`,
      {
        details: [
          `give the distribution's name with { as: "..." } if it is packaged under another name`,
        ],
      },
    );
  }
  const versionOf = (name: string) =>
    here.find((r) => binaries(r).includes(name))?.version ?? here[0].version;
  const candidates = [...new Set(here.flatMap(binaries))];
  const pick = (names: string[]): Choice | undefined => {
    const found = names.find((n) => candidates.includes(n));
    return found ? { package: found, repologyVersion: versionOf(found) } : undefined;
  };
  const sources = [
    ...new Set(here.flatMap((r) => [r.srcname, r.visiblename]).filter(Boolean)),
  ] as string[];
  let chosen: Choice | undefined;
  let among = candidates;
  switch (query.rule.kind) {
    case "prefer":
      chosen = pick(query.rule.names);
      break;
    case "dev": {
      const bases = [query.project, ...sources, `lib${query.project}`];
      chosen = pick(bases.flatMap((b) => [`${b}-dev`, `${b}-devel`]));
      among = candidates.filter((n) => isDev(n) && !isVariant(n));
      // Some repositories (Arch) ship headers in the main package.
      if (!chosen && among.length === 0) chosen = pick([query.project, ...sources]);
      break;
    }
    case "same":
      chosen = pick([query.project, query.name, ...sources]);
      among = candidates.filter((n) => !isVariant(n) && !isDev(n));
      break;
  }
  if (!chosen && among.length === 1) {
    chosen = { package: among[0], repologyVersion: versionOf(among[0]) };
  }
  if (chosen) return chosen;
  throw new HostkitError(
    "config",
    `${what} is ambiguous in ${repo}: candidates ${
      (among.length ? among : candidates).sort().join(", ")
    }`,
    { details: [`choose one with { as: "..." }`] },
  );
}
