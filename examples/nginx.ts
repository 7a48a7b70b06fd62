// A service behind nginx, through the user-written provider in ./providers/nginx_site.ts.
import { project } from "hostkit";
import { nginxSite } from "./providers/nginx_site.ts";

export default project("shop", { providers: [nginxSite] }, (p) => {
  p.provider("nginx_site", (c) => c.set("sitesDir", "/etc/nginx/sites-enabled"));

  p.service("web", (s) => {
    s.package("nginx", { rollback: "keep" });
    s.nginxSite("shop.test", { upstream: "127.0.0.1:4000" });
  });
});
