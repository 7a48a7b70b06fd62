/**
 * Pure renderers: resources to the bytes hostkit writes on hosts.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import { type Resource, resourceId } from "../model/resource.ts";
import type { SecretSource } from "../model/secret.ts";
import { handlerOf } from "../kinds/mod.ts";

export { envLine, envValue, renderEnvFile } from "./env_file.ts";
export { MANAGED_HEADER, renderUnit } from "./unit.ts";

/** What rendering may need from the controller, passed in so renderers stay pure. */
export interface RenderContext {
  /** Secret values; without it, secret entries are refused. */
  secrets?: SecretSource;
  /** Reads a controller-side file source. */
  readSource?: (path: string) => Uint8Array;
}

/**
 * The bytes of a file-like resource, or undefined for other kinds.
 *
 * @example
 * ```ts
 * import { renderContent } from "./mod.ts";
 * const bytes = renderContent(resource, { secrets: (name) => Deno.env.get(name) });
 * ```
 */
export function renderContent(
  resource: Resource,
  context: RenderContext = {},
): Uint8Array | undefined {
  const render = handlerOf(resource).render;
  return render ? render(resource, context.secrets, context.readSource) : undefined;
}

/**
 * Renders one resource of a project by kind and name, as `hostkit render` does.
 *
 * @example
 * ```ts
 * import { render } from "./mod.ts";
 * const unit = render(project, "systemd_service", "toys-exograph.service");
 * ```
 */
export function render(
  project: ProjectSpec,
  kind: string,
  name: string,
  context: RenderContext = {},
): string {
  const resource = project.resources.find((r) => resourceId(r) === `${kind}:${name}`);
  if (!resource) {
    const known = project.resources.filter((r) => r.kind === kind).map(resourceId);
    throw new HostkitError(
      "usage",
      `no ${kind}:${name} in project ${project.name}` +
        (known.length ? ` (${kind} resources: ${known.join(", ")})` : ""),
    );
  }
  const bytes = renderContent(resource, context);
  if (bytes === undefined) return JSON.stringify(resource, null, 2) + "\n";
  return new TextDecoder().decode(bytes);
}
