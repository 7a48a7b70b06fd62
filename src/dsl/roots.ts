/**
 * Project roots: the named directories paths are built from (`data`,
 * `config`, `opt`, …), their defaults, and which of them hold one directory
 * per service.
 *
 * @module
 */
import type { Draft } from "./draft.ts";
import { wordError } from "./options.ts";

/** Roots every project has unless it declares them. */
export const DEFAULT_ROOTS: Readonly<Record<string, string>> = {
  bin: "/usr/local/bin",
  sbin: "/usr/local/sbin",
  run: "/run",
};

/** Roots that hold one directory per service: `s.path("data")` is `<data>/<service>`. */
export const SERVICE_ROOTS: ReadonlySet<string> = new Set([
  "source",
  "data",
  "state",
  "cache",
  "config",
  "run",
]);

/** Where storage goes when the project declares no such root. */
export const STORAGE_FALLBACKS: Readonly<Record<string, string>> = {
  data: "/var/lib",
  state: "/var/lib",
  config: "/etc",
};

/**
 * A root by name, with the defaults; an unknown root is an error naming the known ones.
 *
 * @example
 * ```ts
 * import { projectRoot } from "./roots.ts";
 * projectRoot({ roots: { data: "/srv/app" } } as never, "bin", "path"); // "/usr/local/bin"
 * ```
 */
export function projectRoot(draft: Draft, name: string, word: string): string {
  const root = draft.roots[name] ?? DEFAULT_ROOTS[name];
  if (root === undefined) {
    throw wordError(
      word,
      `unknown root ${JSON.stringify(name)} (declared: ${
        Object.keys(draft.roots).join(", ") || "none"
      }; defaults: ${Object.keys(DEFAULT_ROOTS).join(", ")})`,
    );
  }
  return root;
}

/**
 * `base/child`, with a child's leading slashes dropped.
 *
 * @example
 * ```ts
 * import { joinPath } from "./roots.ts";
 * joinPath("/opt/toys", "current/forgejo"); // "/opt/toys/current/forgejo"
 * ```
 */
export function joinPath(base: string, child: string | undefined): string {
  return child === undefined ? base : `${base}/${child.replace(/^\/+/, "")}`;
}
