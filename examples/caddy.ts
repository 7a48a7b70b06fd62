// The reference's provider example: a service behind a Caddy site.
import { project } from "hostkit";
import { caddy } from "hostkit/providers/caddy";

export default project("demo", { providers: [caddy] }, (p) => {
  p.provider("caddy", (c) => c.set("sitesDir", "/etc/caddy/sites"));

  p.service("web", (s) => {
    s.package("caddy", { rollback: "keep" });
    s.caddySite("web", "example.com", { path: "web.caddy" }, (site) => {
      site.encode(["zstd", "gzip"]);
      site.reverseProxy("127.0.0.1:4000");
    });
  });
});
