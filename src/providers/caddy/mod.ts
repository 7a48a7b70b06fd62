/**
 * The Caddy provider: `s.caddySite(name, address, { path }, (site) => …)`
 * writes a site file under `sitesDir`, keeps one import line in the main
 * Caddyfile (the rest of it left alone), validates the whole configuration as
 * it will be (`caddy validate` sees the staged files at their real paths)
 * before anything replaces the old files, and reloads caddy once per apply.
 *
 * @example
 * ```ts
 * import { project } from "../../dsl/mod.ts";
 * import { caddy } from "./mod.ts";
 * const spec = project("demo", { providers: [caddy] }, (p) => {
 *   p.provider("caddy", (c) => c.set("sitesDir", "/etc/caddy/sites"));
 *   p.service("web", (s) => {
 *     s.caddySite("web", "http://web.test", { path: "web.caddy" }, (site) => {
 *       site.encode(["zstd", "gzip"]);
 *       site.reverseProxy("127.0.0.1:4000");
 *     });
 *   });
 * });
 * spec.resources.some((r) => r.kind === "file" && r.path === "/etc/caddy/sites/web.caddy"); // true
 * ```
 *
 * @module
 */
import { defineProvider, type Provider } from "../define.ts";
import { wordError } from "../../dsl/options.ts";
import { type CaddyDirective, caddyToken, renderSite } from "./render.ts";

export { CADDY_HEADER, caddyToken, renderSite } from "./render.ts";
export type { CaddyDirective, CaddySite } from "./render.ts";

/** The version recorded on every change the provider makes. */
export const CADDY_PROVIDER_VERSION = "1.0.0";

/** What a site's body may say. */
export class CaddySiteScope {
  /** @internal The directives declared so far, in order; the provider renders them. */
  readonly directives: CaddyDirective[] = [];

  /**
   * `encode ENCODING…`: compress responses, in order of preference.
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.encode(["zstd", "gzip"]); // encode zstd gzip
   * ```
   */
  encode(encodings: string[]): void {
    this.add("encode", encodings);
  }

  /**
   * `reverse_proxy UPSTREAM…`: an address, or `s.listener("http")` (rendered as `127.0.0.1:PORT`).
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.reverseProxy("127.0.0.1:4000"); // reverse_proxy 127.0.0.1:4000
   * ```
   */
  reverseProxy(upstreams: string | string[]): void {
    this.add("reverse_proxy", typeof upstreams === "string" ? [upstreams] : upstreams);
  }

  /**
   * `root MATCHER PATH`: where files are served from (matcher `*` by default).
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.root("/srv/www"); // root * /srv/www
   * ```
   */
  root(path: string, matcher = "*"): void {
    this.add("root", [matcher, path]);
  }

  /**
   * `file_server`: serve files from `root` (with `browse`, directory listings).
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.fileServer({ browse: true }); // file_server browse
   * ```
   */
  fileServer(options: { browse?: boolean } = {}): void {
    this.add("file_server", options.browse ? ["browse"] : []);
  }

  /**
   * `header NAME VALUE`: set a response header.
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.header("X-Frame-Options", "DENY"); // header X-Frame-Options DENY
   * ```
   */
  header(name: string, value: string): void {
    this.add("header", [name, value]);
  }

  /**
   * `respond BODY [STATUS]`: answer with a fixed body.
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.respond("ok", 200); // respond ok 200
   * ```
   */
  respond(body: string, status?: number): void {
    this.add("respond", status === undefined ? [body] : [body, String(status)]);
  }

  /**
   * The escape hatch: a directive (or block) written as Caddyfile text, used as is.
   *
   * @example
   * ```ts
   * import { CaddySiteScope } from "./mod.ts";
   * const site = new CaddySiteScope();
   * site.directive("log {\n  output stdout\n}");
   * ```
   */
  directive(text: string): void {
    this.directives.push({ raw: text });
  }

  /** Adds a directive after checking each argument is one Caddyfile token. */
  private add(name: string, args: string[]): void {
    args.forEach(caddyToken); // refuses line breaks where they are declared
    this.directives.push({ name, args });
  }
}

/** The Caddy provider's settings (`p.provider("caddy", (c) => c.set(…))`). */
export type CaddySettings = {
  /** Where site files go (default `/etc/caddy/sites`). */
  sitesDir: string;
  /** The main Caddyfile that imports them (default `/etc/caddy/Caddyfile`). */
  caddyfile: string;
  /** The unit reloaded after a change (default `caddy.service`). */
  unit: string;
};

/** The word the Caddy provider adds to services. */
export type CaddyWords = {
  /**
   * A site: `s.caddySite("web", "example.com", { path: "web.caddy" }, (site) => …)`.
   * The file is `<sitesDir>/<path>` (default `<name>.caddy`); the body may be
   * passed in place of the options.
   */
  caddySite(
    name: string,
    address: string,
    optionsOrBody?: { path?: string } | ((site: CaddySiteScope) => void),
    body?: (site: CaddySiteScope) => void,
  ): void;
};

/**
 * The Caddy provider, for `project(name, { providers: [caddy] }, …)`.
 *
 * @example
 * ```ts
 * import { caddy } from "./mod.ts";
 * caddy.name; // "caddy"
 * caddy.settings.sitesDir; // "/etc/caddy/sites"
 * ```
 */
export const caddy: Provider<CaddySettings, CaddyWords> = defineProvider({
  name: "caddy",
  version: CADDY_PROVIDER_VERSION,
  settings: {
    /** Where site files go. */
    sitesDir: "/etc/caddy/sites",
    /** The main Caddyfile that imports them. */
    caddyfile: "/etc/caddy/Caddyfile",
    /** The unit reloaded after a change. */
    unit: "caddy.service",
  },
  words: ({ settings, emit }) => ({
    /**
     * A site: `s.caddySite("web", "example.com", { path: "web.caddy" }, (site) => …)`.
     * The file is `<sitesDir>/<path>` (default `<name>.caddy`).
     */
    caddySite(
      name: string,
      address: string,
      optionsOrBody?: { path?: string } | ((site: CaddySiteScope) => void),
      body?: (site: CaddySiteScope) => void,
    ): void {
      const options = typeof optionsOrBody === "function" ? {} : optionsOrBody ?? {};
      const fill = typeof optionsOrBody === "function" ? optionsOrBody : body;
      const file = options.path ?? `${name}.caddy`;
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*\.caddy$/.test(file)) {
        throw wordError("caddySite", `${name}: path ${JSON.stringify(file)} must be NAME.caddy`);
      }
      const scope = new CaddySiteScope();
      fill?.(scope);
      const { sitesDir, caddyfile, unit } = settings;
      const check = {
        validate: `caddy validate --adapter caddyfile --config ${caddyfile}`,
        notify: { reload: [unit] },
      };
      const importLine = emit.line(caddyfile, `import ${sitesDir}/*.caddy`, check);
      emit.file(`${sitesDir}/${file}`, {
        content: renderSite({ address, directives: scope.directives }),
        mode: 0o644,
        ...check,
        dependsOn: [importLine],
        // The reference's default collection intent for Caddy sites.
        intent: { logs: "access", metrics: "http" },
      });
    },
  }),
});
