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
import { defineProvider } from "../define.ts";
import { wordError } from "../../dsl/options.ts";
import { type CaddyDirective, caddyToken, renderSite } from "./render.ts";

export { CADDY_HEADER, caddyToken, renderSite } from "./render.ts";
export type { CaddyDirective, CaddySite } from "./render.ts";

/** The version recorded on every change the provider makes. */
export const CADDY_PROVIDER_VERSION = "1.0.0";

/** What a site's body may say. */
export class CaddySiteScope {
  /** @internal */
  readonly directives: CaddyDirective[] = [];

  /** `encode zstd gzip`. */
  encode(encodings: string[]): void {
    this.add("encode", encodings);
  }

  /** `reverse_proxy UPSTREAM…`: an address, or `s.listener("http")`. */
  reverseProxy(upstreams: string | string[]): void {
    this.add("reverse_proxy", typeof upstreams === "string" ? [upstreams] : upstreams);
  }

  /** `root * PATH`: where files are served from. */
  root(path: string, matcher = "*"): void {
    this.add("root", [matcher, path]);
  }

  /** `file_server` (with `browse` when asked). */
  fileServer(options: { browse?: boolean } = {}): void {
    this.add("file_server", options.browse ? ["browse"] : []);
  }

  /** `header NAME VALUE`. */
  header(name: string, value: string): void {
    this.add("header", [name, value]);
  }

  /** `respond BODY [STATUS]`. */
  respond(body: string, status?: number): void {
    this.add("respond", status === undefined ? [body] : [body, String(status)]);
  }

  /** The escape hatch: a directive (or block) written as Caddyfile text. */
  directive(text: string): void {
    this.directives.push({ raw: text });
  }

  private add(name: string, args: string[]): void {
    args.forEach(caddyToken); // refuses line breaks where they are declared
    this.directives.push({ name, args });
  }
}

/** The Caddy provider, for `project(name, { providers: [caddy] }, …)`. */
export const caddy = defineProvider({
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
