/**
 * Providers: integrations (Caddy, nginx, a team's own) that add DSL words to
 * services and compile them to core kinds — files with `validate`/`notify`,
 * managed lines, commands. A provider's code runs where configs run, inside
 * the sandbox; what reaches the engine is plain data, never code.
 *
 * @example
 * ```ts
 * import { defineProvider } from "./define.ts";
 * export const motd = defineProvider({
 *   name: "motd",
 *   version: "1.0.0",
 *   settings: { path: "/etc/motd" },
 *   words: ({ settings, emit }) => ({
 *     motd(text: string): void {
 *       emit.file(settings.path, { content: `${text}\n` });
 *     },
 *   }),
 * });
 * motd.name; // "motd"
 * ```
 *
 * @module
 */
import type { Notify } from "../model/resource.ts";

/** Options of a file a provider writes. */
export interface ProviderFileOptions {
  /** The file's full text. */
  content: string;
  /** The owning user (default: whoever runs the apply, usually root). */
  owner?: string;
  /** The owning group. */
  group?: string;
  /** An octal number, e.g. `0o644`. */
  mode?: number;
  /** A command run on the host against the staged file before it replaces the old one (`%s`: its path). */
  validate?: string;
  /** Units to reload or restart once, after the writes, when the file changes. */
  notify?: Partial<Notify>;
  /** Ids this file must come after (e.g. the managed line that includes it). */
  dependsOn?: string[];
  /** Intent recorded with the change for later consumers, e.g. `{ logs: "access" }`. */
  intent?: Record<string, string>;
}

/** Options of a line a provider keeps in a file. */
export interface ProviderLineOptions {
  /** A command run on the host against the staged file (`%s`: its path) before it is replaced. */
  validate?: string;
  /** Units to reload or restart once, after the writes, when the line is added. */
  notify?: Partial<Notify>;
  /** Ids this line must come after. */
  dependsOn?: string[];
}

/** Options of a command a provider runs. */
export interface ProviderCommandOptions {
  /** The argv to run (no shell). */
  exec: string[];
  /** When it runs: before the service starts, after it started, or on every apply. */
  phase?: "before_start" | "after_start" | "always";
  /** What a down plan runs: an argv, nothing (`noop`), or `irreversible` (a warning). */
  down?: string[] | "noop" | "irreversible";
  /** A path whose existence means the command need not run. */
  creates?: string;
  /** The user it runs as. */
  user?: string;
  /** Ids this command must come after. */
  dependsOn?: string[];
}

/** What a provider's words may declare: core kinds only. Each returns the resource id. */
export interface ProviderEmit {
  /** A managed file at an absolute path. */
  file(path: string, options: ProviderFileOptions): string;
  /** One line kept in a file (probed with `grep -Fx`, added once, removed by its down). */
  line(path: string, line: string, options?: ProviderLineOptions): string;
  /** A command, identified by `name` within the service. */
  command(name: string, options: ProviderCommandOptions): string;
  /** A system package; `as` names it for the host's package manager when it differs. */
  package(name: string, options?: { as?: string }): string;
}

/** The service a provider word is called in. */
export interface ProviderService {
  /** The service's name, e.g. for file names. */
  name: string;
  /** A declared listener as `host:port` (`s.listener("http")`). */
  listener(name: string): string;
}

/** What a provider's words see. */
export interface ProviderContext<S> {
  /** The provider's settings: its defaults overridden by `p.provider(name, (c) => c.set(…))`. */
  readonly settings: Readonly<S>;
  /** The service the word was called in. */
  readonly service: ProviderService;
  /** Declares the core resources the word compiles to. */
  readonly emit: ProviderEmit;
}

/** Words: methods a provider adds to service scopes. */
export type ProviderWords = Record<string, (...args: never[]) => unknown>;

/** A provider, as `defineProvider` returns it and `project(name, { providers }, …)` takes it. */
export interface Provider<
  S extends Record<string, unknown> = Record<string, unknown>,
  W extends ProviderWords = ProviderWords,
> {
  /** Lowercase letters, digits and `_`; `p.provider(name, …)` configures it. */
  readonly name: string;
  /** Its version (`1.0.0`); recorded on every change, checked when a saved plan is applied. */
  readonly version: string;
  /** Its default settings. */
  readonly settings: Readonly<S>;
  /** The words it adds to one service (a method, so providers of any settings fit in one list). */
  words(context: ProviderContext<S>): W;
}

/** The words of a list of providers, merged. */
export type WordsOf<P extends readonly Provider[]> =
  & UnionToIntersection<ReturnType<P[number]["words"]>>
  & object;

/** `A | B` → `A & B` (how {@link WordsOf} merges the words of several providers). */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends
  (x: infer I) => void ? I : never;

/**
 * Defines a provider: its name and version (recorded on every change it makes),
 * default settings, and the words it adds to services.
 *
 * @example
 * ```ts
 * import { defineProvider } from "./define.ts";
 * const nginx = defineProvider({
 *   name: "nginx_site",
 *   version: "1.0.0",
 *   settings: { sitesDir: "/etc/nginx/sites-enabled" },
 *   words: ({ settings, service, emit }) => ({
 *     nginxSite(host: string, upstream: string): void {
 *       emit.file(`${settings.sitesDir}/${service.name}.conf`, {
 *         content: `server { server_name ${host}; location / { proxy_pass http://${upstream}; } }\n`,
 *         validate: "nginx -t",
 *         notify: { reload: ["nginx.service"] },
 *       });
 *     },
 *   }),
 * });
 * nginx.version; // "1.0.0"
 * ```
 */
export function defineProvider<S extends Record<string, unknown>, W extends ProviderWords>(
  definition: {
    name: string;
    version: string;
    settings: S;
    words: (context: ProviderContext<S>) => W;
  },
): Provider<S, W> {
  if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) {
    throw new TypeError(
      `provider name ${JSON.stringify(definition.name)} must be lowercase letters, digits and _`,
    );
  }
  if (!/^\d+\.\d+\.\d+/.test(definition.version)) {
    throw new TypeError(`provider ${definition.name}: version must look like 1.0.0`);
  }
  return Object.freeze({ ...definition, settings: Object.freeze({ ...definition.settings }) });
}
