/**
 * The part of a host's one probe that semantic packages need, before their names are final.
 *
 * Which binary package a semantic name means depends on the host's repository, which only the
 * probe tells. So planning resolves the names for every repository the plan may meet first (a
 * `--package-repo`, the lock's repositories, or every supported repository Repology lists for
 * the project: one request per project answers for all of them), and the probe asks the host's
 * package manager about each candidate name. After the probe, the host's OS facts pick the
 * repository, and the state of the chosen name becomes the package's state: one exec per host.
 *
 * Lines: `pkg:MANAGER:NAME<TAB>package<TAB>STATUS VERSION` (the shape of the resolved package's
 * own probe, so a stale check of the resolved resource compares equal), and, when versions are
 * needed (locks), `pkgstate:MANAGER<TAB>NAME<TAB>installed|candidate|available<TAB>VERSION`.
 * MANAGER is empty for the host's own package manager.
 *
 * @module
 */
import type { Package } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";
import { validatePackageName } from "./names.ts";
import {
  PACKAGE_STATE_FUNCTIONS,
  type PackageState,
  parsePackageStates,
  pinnedManagerProbe,
} from "./probe.ts";

/** A name the probe asks about, with the manager a resource pins (none: the host's). */
export interface CandidateName {
  manager?: Package["manager"];
  name: string;
}

/** The probe key of a name: `pkg:MANAGER:NAME`. */
export function candidateKey(candidate: CandidateName): string {
  return `pkg:${candidate.manager ?? ""}:${candidate.name}`;
}

/**
 * The probe fragment asking about `candidates` (and their versions when `versions`).
 *
 * @example
 * ```ts
 * import { candidateProbe } from "./host_probe.ts";
 * const fragment = candidateProbe([{ name: "ca-certificates" }], false);
 * fragment.includes("hk_packages ca-certificates"); // true
 * ```
 */
export function candidateProbe(candidates: CandidateName[], versions: boolean): string {
  const unique = [...new Map(candidates.map((c) => [candidateKey(c), c])).values()];
  for (const c of unique) validatePackageName(c.name, "package");
  const host = unique.filter((c) => !c.manager);
  const pinned = unique.filter((c) => c.manager);
  const lines: string[] = [];
  if (host.length) {
    lines.push(
      `HK_PKG_IDX=${quote(host.map(candidateKey).join(" "))} HK_PKG_NAMES=${
        quote(host.map((c) => c.name).join(" "))
      } hk_packages ${host.map((c) => quote(c.name)).join(" ")}`,
    );
  }
  for (const c of pinned) lines.push(pinnedManagerProbe(candidateKey(c), c.manager!, c.name));
  if (versions && unique.length) {
    lines.push(PACKAGE_STATE_FUNCTIONS);
    const managers = new Map<string, string[]>();
    for (const c of unique) {
      const key = c.manager ?? "";
      managers.set(key, [...(managers.get(key) ?? []), c.name]);
    }
    for (const [manager, names] of managers) {
      lines.push(
        `{ hk_pkgstate ${manager ? quote(manager) : '"$HK_PM"'} ${
          names.map((n) => quote(n)).join(" ")
        }; } </dev/null | awk '{ sub(/^pkgstate/, "pkgstate:${manager}"); print }'`,
      );
    }
  }
  return lines.join("\n");
}

/** What {@link readCandidates} found in a probe's output. */
export interface CandidateFacts {
  /** Probe tags per candidate key, as the resolved package's own probe prints them. */
  tags: Map<string, [string, string][]>;
  /** Versions per manager ("" for the host's) and name. */
  states: (manager: string, names: string[]) => Map<string, PackageState>;
}

/**
 * Reads {@link candidateProbe}'s lines from a whole probe's output.
 *
 * @example
 * ```ts
 * import { readCandidates } from "./host_probe.ts";
 * const facts = readCandidates("pkg::curl\tpackage\tii  7.88.1-10\n");
 * facts.tags.get("pkg::curl"); // [["package", "ii  7.88.1-10"]]
 * ```
 */
export function readCandidates(output: string): CandidateFacts {
  const tags = new Map<string, [string, string][]>();
  const stateLines = new Map<string, string[]>();
  for (const line of output.split("\n")) {
    const first = line.indexOf("\t");
    if (first < 0) continue;
    const index = line.slice(0, first);
    if (index.startsWith("pkg:")) {
      const second = line.indexOf("\t", first + 1);
      if (second < 0) continue;
      const entry: [string, string] = [line.slice(first + 1, second), line.slice(second + 1)];
      tags.set(index, [...(tags.get(index) ?? []), entry]);
    } else if (index.startsWith("pkgstate:")) {
      const manager = index.slice("pkgstate:".length);
      stateLines.set(manager, [
        ...(stateLines.get(manager) ?? []),
        `pkgstate${line.slice(first)}`,
      ]);
    }
  }
  return {
    tags,
    states: (manager, names) =>
      parsePackageStates((stateLines.get(manager) ?? []).join("\n"), names),
  };
}
