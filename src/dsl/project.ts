/**
 * `project(name, body)`: the entry point of every config. Runs the body,
 * checks for duplicate ids, and returns the validated ProjectSpec.
 *
 * @module
 */
import { z } from "zod";
import { ProjectSchema, type ProjectSpec } from "../model/project.ts";
import { type Resource, resourceId } from "../model/resource.ts";
import { type Conventions, isConventions } from "./conventions.ts";
import type { Provider, WordsOf } from "../providers/define.ts";
import {
  enableProviders,
  providerSettings,
  type ProviderSettingsScope,
  providerWords,
} from "./providers.ts";
import type { Draft } from "./draft.ts";
import { ProjectError, runBody } from "./error.ts";
import { firewallPolicy, type FirewallScope } from "./firewall.ts";
import { type HostOptions, HostScope } from "./host.ts";
import { callerOrigin } from "./origin.ts";
import { ResourceScope } from "./scope.ts";
import { ServiceScope } from "./service.ts";

export { ProjectError };

let defaultConventions: Conventions | undefined;

/** Where each service was declared, for errors; the service spec itself has no origin. */
const serviceOrigins = new WeakMap<object, string | undefined>();

/** @internal Used by the loader for `--require` modules that export conventions. */
export function setDefaultConventions(conventions: Conventions | undefined): void {
  defaultConventions = conventions;
}

/** Observability defaults for the whole project. */
export interface ObservabilityScope {
  logs(options: Record<string, unknown>): void;
  telemetry(options: Record<string, unknown>): void;
}

/** Options of `project(name, options, body)`. */
export interface ProjectOptions<P extends readonly Provider[]> {
  /** Providers whose words services may use, e.g. `[caddy]`. */
  providers?: P;
  /** Project-local conventions (roots, prefixes, service templates). */
  conventions?: Conventions;
}

/** The top-level scope of a config; `W` are the words enabled providers add to services. */
// deno-lint-ignore ban-types
export class ProjectScope<W extends object = {}> extends ResourceScope {
  /** @internal */
  constructor(draft: Draft) {
    super(draft);
  }

  /** Named roots, e.g. `{ data: "/srv/toys", config: "/etc/toys" }`. */
  roots(roots: Record<string, string>): void {
    Object.assign(this.draft.roots, roots);
  }

  /** Name prefixes, e.g. `{ user: "toys-", unit: "toys-" }`. */
  prefixes(prefixes: Record<string, string>): void {
    Object.assign(this.draft.prefixes, prefixes);
  }

  /** A host: `p.host("prod", (h) => { … })` or `p.host("prod", { hostname }, (h) => { … })`. */
  host(
    name: string,
    optionsOrBody?: HostOptions | ((h: HostScope) => void),
    body?: (h: HostScope) => void,
  ): void {
    const options = typeof optionsOrBody === "function" ? {} : optionsOrBody;
    const fill = typeof optionsOrBody === "function" ? optionsOrBody : body;
    const scope = new HostScope(name, options);
    runBody(`host ${JSON.stringify(name)}`, fill, scope);
    const { hostname, ...rest } = scope.options;
    this.draft.hosts.push({ name, hostname: hostname ?? name, ...rest, origin: callerOrigin() });
  }

  /** A service: a named group of resources with naming helpers (and providers' words). */
  service(name: string, body: (s: ServiceScope & W) => void): void {
    const origin = callerOrigin();
    const scope = new ServiceScope(this.draft, name);
    Object.assign(scope, providerWords(this.draft, scope));
    runBody(`service ${JSON.stringify(name)}`, body, scope as ServiceScope & W);
    const service = {
      name,
      listeners: this.draft.listeners.filter(([s]) => s === name).map(([, l]) => l),
      storage: scope.volumes,
    };
    serviceOrigins.set(service, origin);
    this.draft.services.push(service);
  }

  /** Project-wide log and telemetry defaults. */
  observability(body: (o: ObservabilityScope) => void): void {
    const o = this.draft.observability;
    runBody("observability", body, {
      logs: (options) => o.logs = { ...o.logs, ...options },
      telemetry: (options) => o.telemetry = { ...o.telemetry, ...options },
    });
  }

  /** An enabled provider's settings: `p.provider("caddy", (c) => c.set("sitesDir", "/etc/caddy/sites"))`. */
  provider(name: string, body: (c: ProviderSettingsScope) => void): void {
    runBody(`provider ${JSON.stringify(name)}`, body, providerSettings(this.draft, name));
  }

  /** The project's firewall: `p.firewall((f) => { f.allow({ tcp: 22 }); f.deny("all"); })`. */
  firewall(body: (f: FirewallScope) => void): void {
    this.draft.firewall = firewallPolicy(body, callerOrigin());
  }

  /** Where tracked runs keep records and backups on hosts (default /var/lib/hostkit). */
  runsRoot(path: string): void {
    this.draft.runsRoot = path;
  }
}

/**
 * Declares a project. The body receives the {@link ProjectScope}; the result
 * is plain, JSON-serializable, validated data.
 *
 * @example
 * ```ts
 * import { project } from "./project.ts";
 * export default project("demo", (p) => {
 *   p.directory("/srv/demo", { mode: "public_dir" });
 * });
 * ```
 */
export function project(name: string, body: (p: ProjectScope) => void): ProjectSpec;
export function project(
  name: string,
  conventions: Conventions,
  body: (p: ProjectScope) => void,
): ProjectSpec;
export function project<const P extends readonly Provider[]>(
  name: string,
  options: ProjectOptions<P>,
  body: (p: ProjectScope<WordsOf<P>>) => void,
): ProjectSpec;
export function project(
  name: string,
  settingsOrBody: Conventions | ProjectOptions<readonly Provider[]> | ((p: ProjectScope) => void),
  maybeBody?: (p: ProjectScope) => void,
): ProjectSpec {
  const given = typeof settingsOrBody === "function" ? undefined : settingsOrBody;
  const options: ProjectOptions<readonly Provider[]> = given && isConventions(given)
    ? { conventions: given }
    : (given as ProjectOptions<readonly Provider[]> | undefined) ?? {};
  const conventions = options.conventions ?? defaultConventions;
  const body = typeof settingsOrBody === "function" ? settingsOrBody : maybeBody!;
  const draft: Draft = {
    name,
    roots: { ...conventions?.roots },
    prefixes: { ...conventions?.prefixes },
    hosts: [],
    services: [],
    resources: [],
    listeners: [],
    observability: {},
    enabled: [],
  };
  enableProviders(draft, options.providers ?? []);
  runBody(`project ${JSON.stringify(name)}`, body, new ProjectScope(draft));
  const { listeners: _, enabled, ...spec } = draft;
  const providers = enabled.map(({ provider }) => ({
    name: provider.name,
    version: provider.version,
  }));
  return validate({ ...spec, providers });
}

function validate(
  draft: Omit<Draft, "listeners" | "enabled"> & { providers: { name: string; version: string }[] },
): ProjectSpec {
  const parsed = ProjectSchema.safeParse(JSON.parse(JSON.stringify(draft)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [top, index] = issue.path;
    const item = typeof index === "number"
      ? (draft[top as "resources" | "hosts" | "services"] as Record<string, unknown>[])?.[index]
      : undefined;
    const kind = top === "resources" ? item?.kind : top === "services" ? "service" : "host";
    const label = item ? `${kind}:${item.path ?? item.name}` : issue.path.join(".");
    throw new ProjectError(
      `invalid ${label}: ${z.prettifyError(new z.ZodError([issue])).replace(/^✖ /, "")}`,
      item && (item.origin as string | undefined ?? serviceOrigins.get(item)),
    );
  }
  checkDuplicates(parsed.data.resources);
  const hosts = new Map<string, string | undefined>();
  for (const h of parsed.data.hosts) {
    if (hosts.has(h.name)) {
      throw new ProjectError(
        `host ${h.name} is declared twice: at ${hosts.get(h.name) ?? "?"} and ${h.origin ?? "?"}`,
        h.origin,
      );
    }
    hosts.set(h.name, h.origin);
  }
  return parsed.data;
}

function checkDuplicates(resources: Resource[]): void {
  const seen = new Map<string, Resource>();
  for (const resource of resources) {
    const id = resourceId(resource);
    const first = seen.get(id);
    if (first) {
      throw new ProjectError(
        `${id} is declared twice: at ${first.origin ?? "?"} and at ${resource.origin ?? "?"}`,
        resource.origin,
      );
    }
    seen.set(id, resource);
  }
}
