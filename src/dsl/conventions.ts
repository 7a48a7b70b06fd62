/**
 * Project-local conventions (the reference's ProjectDSL): roots, prefixes and
 * typed service templates that a team defines once in its own module.
 *
 * @module
 */
import type { ProjectScope } from "./project.ts";
import type { ServiceScope } from "./service.ts";

/** Roots and prefixes shared by every project that uses these conventions. */
export interface ConventionsOptions {
  roots?: Record<string, string>;
  prefixes?: Record<string, string>;
}

/**
 * A service template: call it with the project scope, a service name and a
 * body that receives the service scope and the template's typed helpers.
 */
export type ServiceTemplate<T> = (
  p: ProjectScope,
  name: string,
  body?: (s: ServiceScope, helpers: T) => void,
) => void;

/** Conventions made by {@link conventions}. */
export interface Conventions extends Required<ConventionsOptions> {
  readonly kind: "hostkit.conventions";
  /**
   * Defines a service template. `helpers` runs once per service and returns the
   * template's values (`let`, `path`) and functions (`macro`), fully typed.
   */
  defservice<T>(helpers: (s: ServiceScope) => T): ServiceTemplate<T>;
}

/**
 * Declares project-local conventions.
 *
 * @example
 * ```ts
 * import { conventions } from "./conventions.ts";
 * export const toys = conventions({ roots: { data: "/srv/toys" }, prefixes: { user: "toys-" } });
 * export const toyService = toys.defservice((s) => ({
 *   dataDir: s.rootPath("data"),
 *   standardUser: () => s.account(s.serviceUser(), { system: true }),
 * }));
 * ```
 */
export function conventions(options: ConventionsOptions): Conventions {
  return {
    kind: "hostkit.conventions",
    roots: { ...options.roots },
    prefixes: { ...options.prefixes },
    defservice<T>(helpers: (s: ServiceScope) => T): ServiceTemplate<T> {
      return (p, name, body) => p.service(name, (s) => body?.(s, helpers(s)));
    },
  };
}

/** Whether a value (e.g. a `--require` module's default export) is {@link Conventions}. */
export function isConventions(value: unknown): value is Conventions {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "hostkit.conventions";
}
