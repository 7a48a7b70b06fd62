/**
 * The providers this hostkit ships, and the check that a saved plan needs no
 * provider it does not know.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import type { Plan } from "../plan/types.ts";
import { caddy } from "./caddy/mod.ts";
import type { Provider } from "./define.ts";

export { defineProvider } from "./define.ts";
export type * from "./define.ts";

/** Providers built into this hostkit, by name. */
export const BUILTIN_PROVIDERS: ReadonlyMap<string, Provider> = new Map([[caddy.name, caddy]]);

/**
 * Refuses a plan that needs a provider this hostkit does not know (a built-in
 * of another version, or a user's provider the project does not load), naming
 * it. With the project (`apply --plan FILE CONFIG`), its providers count too.
 *
 * @example
 * ```ts
 * import { checkPlanProviders } from "./mod.ts";
 * checkPlanProviders({ hosts: [] } as never, undefined); // no provider needed: fine
 * ```
 */
export function checkPlanProviders(plan: Plan, project: ProjectSpec | undefined): void {
  const needed = new Map<string, string>();
  for (const host of plan.hosts) {
    for (const change of host.changes) {
      const provider = change.resource.provider;
      if (provider) needed.set(provider.name, provider.version);
    }
  }
  for (const [name, version] of needed) {
    const builtin = BUILTIN_PROVIDERS.get(name);
    const loaded = project?.providers.find((p) => p.name === name);
    const known = loaded?.version ?? builtin?.version;
    if (known === undefined) {
      throw new HostkitError(
        "data",
        `the plan needs provider ${name} ${version}, which this hostkit does not know: ` +
          "apply it with the config that enables it (hostkit apply --plan FILE CONFIG)",
      );
    }
    if (known !== version) {
      throw new HostkitError(
        "data",
        `the plan was made with provider ${name} ${version}, but ${
          loaded ? "the config loads" : "this hostkit has"
        } ${name} ${known}: re-plan`,
      );
    }
  }
  if (project) {
    for (const [name] of needed) {
      if (!project.providers.some((p) => p.name === name)) {
        throw new HostkitError(
          "data",
          `the plan needs provider ${name}, but project ${project.name} does not enable it`,
        );
      }
    }
  }
}
