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
import {
  LOG_OPTIONS,
  type LogOptions,
  TELEMETRY_OPTIONS,
  type TelemetryOptions,
} from "./daemon.ts";
import { ProjectError, runBody } from "./error.ts";
import { firewallPolicy, type FirewallScope } from "./firewall.ts";
import { type HostOptions, HostScope } from "./host.ts";
import {
  checkArgument,
  checkOptions,
  describe,
  is,
  noExtraArguments,
  wordError,
} from "./options.ts";
import { callerOrigin } from "./origin.ts";
import { ResourceScope } from "./scope.ts";
import { type ServiceOptions, ServiceScope } from "./service.ts";

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
  /** Log intent: `o.logs({ driver: "journald", retention: "14d" })`. */
  logs(options: LogOptions): void;
  /** Collection intent: `o.telemetry({ logs: true, metrics: true })`. */
  telemetry(options: TelemetryOptions): void;
}

/**
 * Roots hostkit itself uses, spelled as upstream HostKit spells them.
 * `hostkit_state` is where tracked runs keep records, plan copies and backups.
 */
const HOSTKIT_ROOTS: Readonly<Record<string, string>> = {
  hostkit_runs: "run records",
  hostkit_backups: "backup payloads",
};

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

  /**
   * Named roots, e.g. `{ data: "/srv/toys", config: "/etc/toys" }`. `bin`
   * (/usr/local/bin), `sbin` (/usr/local/sbin) and `run` (/run) have defaults;
   * storage falls back to /var/lib (data, state) and /etc (config).
   * `hostkit_state` moves hostkit's own run records and backups (default
   * /var/lib/hostkit), as {@link runsRoot} does.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.roots({ data: "/srv/demo", config: "/etc/demo" }));
   * ```
   */
  roots(roots: Record<string, string>, ...extra: never[]): void {
    noExtraArguments("roots", 1, extra);
    const given = checkArgument(
      "roots",
      "the roots",
      roots,
      z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a root name"), is.absolutePath),
    );
    for (const [name, path] of Object.entries(given)) {
      if (name in HOSTKIT_ROOTS) {
        throw wordError(
          "roots",
          `${name} is not supported: hostkit keeps ${HOSTKIT_ROOTS[name]} under hostkit_state ` +
            `(set roots({ hostkit_state: … }) or runsRoot(…) to move them together)`,
        );
      }
      if (name === "hostkit_state") this.runsRoot(path);
      else this.draft.roots[name] = path;
    }
  }

  /**
   * Name prefixes, e.g. `{ user: "toys-", unit: "toys-" }`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.prefixes({ user: "demo-", unit: "demo-" }));
   * ```
   */
  prefixes(prefixes: Record<string, string>, ...extra: never[]): void {
    noExtraArguments("prefixes", 1, extra);
    Object.assign(
      this.draft.prefixes,
      checkArgument("prefixes", "the prefixes", prefixes, z.record(z.string(), z.string())),
    );
  }

  /**
   * A host: `p.host("prod", (h) => { … })` or `p.host("prod", { hostname }, (h) => { … })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.host("prod", { hostname: "prod.example.com", user: "deploy", sudo: true }));
   * ```
   */
  host(
    name: string,
    optionsOrBody?: HostOptions | ((h: HostScope) => void),
    body?: (h: HostScope) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("host", 3, extra);
    checkArgument("host", "the name", name, is.nonEmpty);
    const options = typeof optionsOrBody === "function" ? {} : optionsOrBody;
    const fill = typeof optionsOrBody === "function" ? optionsOrBody : body;
    if (typeof optionsOrBody === "function" && body !== undefined) {
      throw wordError("host", "takes one body");
    }
    const scope = new HostScope(name, options);
    runBody(`host ${JSON.stringify(name)}`, fill, scope);
    const { hostname, ...rest } = scope.options;
    this.draft.hosts.push({ name, hostname: hostname ?? name, ...rest, origin: callerOrigin() });
  }

  /**
   * A service: a named group of resources with naming helpers (and enabled providers' words):
   * `p.service("web", (s) => …)` or `p.service("hex_mirror", { path: "hex-mirror" }, (s) => …)`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.service("web", (s) => s.account(s.serviceUser(), { system: true })));
   * ```
   */
  service(
    name: string,
    optionsOrBody: ServiceOptions | ((s: ServiceScope & W) => void),
    maybeBody?: (s: ServiceScope & W) => void,
    ...extra: never[]
  ): void {
    noExtraArguments("service", 3, extra);
    const origin = callerOrigin();
    checkArgument("service", "the name", name, is.nonEmpty);
    const options = typeof optionsOrBody === "function" ? undefined : optionsOrBody;
    const body = typeof optionsOrBody === "function" ? optionsOrBody : maybeBody;
    if (typeof body !== "function" || (typeof optionsOrBody === "function" && maybeBody)) {
      throw wordError("service", `${name} needs one body, got ${describe(maybeBody)}`);
    }
    const checked = checkOptions("service", options, {
      path: z.string().regex(/^[^/]+(\/[^/]+)*$/, "a relative path without empty segments"),
    });
    if (this.draft.services.some((s) => s.name === name)) {
      throw wordError("service", `service ${name} is declared twice`);
    }
    const scope = new ServiceScope(this.draft, name, checked);
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

  /**
   * Project-wide log and telemetry defaults.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.observability((o) => o.logs({ driver: "journald", retention: "14d" })));
   * ```
   */
  observability(body: (o: ObservabilityScope) => void, ...extra: never[]): void {
    noExtraArguments("observability", 1, extra);
    const o = this.draft.observability;
    runBody("observability", body, {
      logs: (options: LogOptions) =>
        o.logs = { ...o.logs, ...checkOptions("logs", options, LOG_OPTIONS) },
      telemetry: (options: TelemetryOptions) =>
        o.telemetry = { ...o.telemetry, ...checkOptions("telemetry", options, TELEMETRY_OPTIONS) },
    });
  }

  /**
   * An enabled provider's settings:
   * `p.provider("caddy", (c) => c.set("sitesDir", "/etc/caddy/sites"))`.
   */
  provider(name: string, body: (c: ProviderSettingsScope) => void, ...extra: never[]): void {
    noExtraArguments("provider", 2, extra);
    runBody(`provider ${JSON.stringify(name)}`, body, providerSettings(this.draft, name));
  }

  /** The project's firewall: `p.firewall((f) => { f.allow({ tcp: 22 }); f.deny("all"); })`. */
  firewall(body: (f: FirewallScope) => void): void {
    this.draft.firewall = firewallPolicy(body, callerOrigin());
  }

  /**
   * Where tracked runs keep records, plan copies and backups on hosts
   * (default /var/lib/hostkit); upstream's `roots({ hostkit_state })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.runsRoot("/srv/hostkit"));
   * ```
   */
  runsRoot(path: string, ...extra: never[]): void {
    noExtraArguments("runsRoot", 1, extra);
    this.draft.runsRoot = checkArgument("runsRoot", "the path", path, is.absolutePath);
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
/**
 * Declares a project with naming conventions (prefixes and roots).
 *
 * @example
 * ```ts
 * import { conventions } from "./conventions.ts";
 * import { project } from "./project.ts";
 * export default project("toys", conventions({ prefixes: { user: "toys-", unit: "toys-" } }), (p) => {
 *   p.service("web", () => {});
 * });
 * ```
 */
export function project(
  name: string,
  conventions: Conventions,
  body: (p: ProjectScope) => void,
): ProjectSpec;
/**
 * Declares a project with options: conventions, and the providers whose words
 * its services may use.
 *
 * @example
 * ```ts
 * import { caddy } from "../providers/caddy/mod.ts";
 * import { project } from "./project.ts";
 * export default project("demo", { providers: [caddy] }, (p) => {
 *   p.service("web", (s) => s.caddySite("web", "http://web.test", (site) => site.respond("ok")));
 * });
 * ```
 */
export function project<const P extends readonly Provider[]>(
  name: string,
  options: ProjectOptions<P>,
  body: (p: ProjectScope<WordsOf<P>>) => void,
): ProjectSpec;
export function project(
  name: string,
  settingsOrBody: Conventions | ProjectOptions<readonly Provider[]> | ((p: ProjectScope) => void),
  maybeBody?: (p: ProjectScope) => void,
  ...extra: unknown[]
): ProjectSpec {
  noExtraArguments("project", 3, extra);
  const given = typeof settingsOrBody === "function" ? undefined : settingsOrBody;
  if (typeof settingsOrBody === "function" && maybeBody !== undefined) {
    throw wordError(
      "project",
      "takes one body: project(name, body) or project(name, options, body)",
    );
  }
  if (given !== undefined && typeof maybeBody !== "function") {
    throw wordError("project", `needs a body after its options, got ${describe(maybeBody)}`);
  }
  const options: ProjectOptions<readonly Provider[]> = given && isConventions(given)
    ? { conventions: given }
    : checkOptions<ProjectOptions<readonly Provider[]>>("project", given, {
      providers: z.array(z.unknown()),
      conventions: z.unknown().refine(isConventions, "made by conventions(...)"),
    });
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
