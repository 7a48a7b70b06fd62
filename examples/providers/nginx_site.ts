// A provider written the way a team writes its own, in its infra repository: it adds one word,
// `s.nginxSite(...)`, that compiles to a core file with `validate` and `notify`.
import { defineProvider } from "hostkit";

/** Options of `s.nginxSite(serverName, options)`. */
export interface NginxSiteOptions {
  /** Port nginx listens on. */
  listen?: number;
  /** `host:port` to proxy to, e.g. `s.listener("http")`. */
  upstream?: string;
  /** A directory to serve instead. */
  root?: string;
}

export const nginxSite = defineProvider({
  name: "nginx_site",
  version: "1.0.0",
  settings: { sitesDir: "/etc/nginx/sites-enabled", unit: "nginx.service" },
  words: ({ settings, service, emit }) => ({
    /** A server block in `<sitesDir>/<service>.conf`, checked with `nginx -t`, then reloaded. */
    nginxSite(serverName: string, options: NginxSiteOptions = {}): void {
      if (!/^[A-Za-z0-9._-]+$/.test(serverName)) {
        throw new TypeError(`bad server name ${serverName}`);
      }
      const where = options.upstream
        ? `    location / {\n        proxy_pass http://${options.upstream};\n    }`
        : `    root ${options.root ?? "/var/www/html"};`;
      emit.file(`${settings.sitesDir}/${service.name}.conf`, {
        content: [
          "# Managed by hostkit (nginx_site provider).",
          "server {",
          `    listen ${options.listen ?? 80};`,
          `    server_name ${serverName};`,
          where,
          "}",
          "",
        ].join("\n"),
        mode: 0o644,
        // nginx -t reads the whole configuration: it sees the staged file in place of the old one.
        validate: "nginx -t",
        notify: { reload: [settings.unit] },
      });
    },
  }),
});
