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
  content: string;
  owner?: string;
  group?: string;
  /** An octal number, e.g. `0o644`. */
  mode?: number;
  validate?: string;
  notify?: Partial<Notify>;
  /** Ids this file must come after (e.g. the managed line that includes it). */
  dependsOn?: string[];
  /** Intent recorded with the change for later consumers, e.g. `{ logs: "access" }`. */
  intent?: Record<string, string>;
}

/** Options of a line a provider keeps in a file. */
export interface ProviderLineOptions {
  validate?: string;
  notify?: Partial<Notify>;
  dependsOn?: string[];
}

/** Options of a command a provider runs. */
export interface ProviderCommandOptions {
  exec: string[];
  phase?: "before_start" | "after_start" | "always";
  down?: string[] | "noop" | "irreversible";
  creates?: string;
  user?: string;
  dependsOn?: string[];
}

/** What a provider's words may declare: core kinds only. Each returns the resource id. */
export interface ProviderEmit {
  file(path: string, options: ProviderFileOptions): string;
  line(path: string, line: string, options?: ProviderLineOptions): string;
  command(name: string, options: ProviderCommandOptions): string;
  package(name: string, options?: { as?: string }): string;
}

/** The service a provider word is called in. */
export interface ProviderService {
  name: string;
  /** A declared listener as `host:port` (`s.listener("http")`). */
  listener(name: string): string;
}

/** What a provider's words see. */
export interface ProviderContext<S> {
  /** The provider's settings: its defaults overridden by `p.provider(name, (c) => c.set(…))`. */
  readonly settings: Readonly<S>;
  readonly service: ProviderService;
  readonly emit: ProviderEmit;
}

/** Words: methods a provider adds to service scopes. */
export type ProviderWords = Record<string, (...args: never[]) => unknown>;

/** A provider, as `defineProvider` returns it and `project(name, { providers }, …)` takes it. */
export interface Provider<
  S extends Record<string, unknown> = Record<string, unknown>,
  W extends ProviderWords = ProviderWords,
> {
  readonly name: string;
  readonly version: string;
  readonly settings: Readonly<S>;
  /** The words it adds to one service (a method, so providers of any settings fit in one list). */
  words(context: ProviderContext<S>): W;
}

/** The words of a list of providers, merged. */
export type WordsOf<P extends readonly Provider[]> =
  & UnionToIntersection<ReturnType<P[number]["words"]>>
  & object;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends
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
