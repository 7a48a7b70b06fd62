/**
 * Project-local conventions (the reference's ProjectDSL): roots, prefixes and
 * typed service templates that a team defines once in its own module.
 *
 * @module
 */
import { z } from "zod";
import { checkOptions, is, noExtraArguments, wordError } from "./options.ts";
import type { ProjectScope } from "./project.ts";
import type { ServiceOptions, ServiceScope } from "./service.ts";

/** Roots and prefixes shared by every project that uses these conventions. */
export interface ConventionsOptions {
  /** Named roots, as `p.roots`. */
  roots?: Record<string, string>;
  /** Name prefixes, as `p.prefixes`. */
  prefixes?: Record<string, string>;
}

/**
 * A service template: call it with the project scope, a service name, optional
 * service options (`{ path: "hex-mirror" }`) and a body that receives the
 * service scope and the template's typed helpers.
 */
export type ServiceTemplate<T> = (
  p: ProjectScope,
  name: string,
  optionsOrBody?: ServiceOptions | ((s: ServiceScope, helpers: T) => void),
  body?: (s: ServiceScope, helpers: T) => void,
) => void;

/** Conventions made by {@link conventions}. */
export interface Conventions extends Required<ConventionsOptions> {
  /** Marks a value made by `conventions`. */
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
export function conventions(options: ConventionsOptions, ...extra: never[]): Conventions {
  noExtraArguments("conventions", 1, extra);
  const checked = checkOptions("conventions", options, {
    roots: z.record(z.string(), is.absolutePath),
    prefixes: z.record(z.string(), z.string()),
  });
  return {
    kind: "hostkit.conventions",
    roots: { ...checked.roots },
    prefixes: { ...checked.prefixes },
    defservice<T>(helpers: (s: ServiceScope) => T, ...more: never[]): ServiceTemplate<T> {
      noExtraArguments("defservice", 1, more);
      if (typeof helpers !== "function") throw wordError("defservice", "needs a helpers function");
      return (p, name, optionsOrBody, maybeBody) => {
        const options = typeof optionsOrBody === "function" ? {} : optionsOrBody ?? {};
        const body = typeof optionsOrBody === "function" ? optionsOrBody : maybeBody;
        p.service(name, options, (s) => body?.(s, helpers(s)));
      };
    },
  };
}

/** Whether a value (e.g. a `--require` module's default export) is {@link Conventions}. */
export function isConventions(value: unknown): value is Conventions {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "hostkit.conventions";
}
