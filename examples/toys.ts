// The reference's first example, translated: the toys project with its exograph service.
import { project } from "hostkit";

export default project("toys", (p) => {
  p.roots({
    source: "/opt/toys/src",
    data: "/srv/toys",
    state: "/var/lib/toys",
    config: "/etc/toys",
  });
  p.prefixes({ user: "toys-", unit: "toys-" });

  p.host("elixir_toys", (h) => {
    h.hostname("elixir.toys");
    h.user("dannote");
    h.sudo(true);
  });

  p.service("exograph", (s) => {
    s.account("toys-exograph", { system: true, home: "/var/lib/toys/exograph/home" });
    s.directory("/srv/toys/exograph", {
      owner: "toys-exograph",
      group: "toys-exograph",
      mode: 0o755,
    });

    s.daemon("toys-exograph.service", (d) => {
      d.description("Exograph search");
      d.afterTarget("network_online");
      d.wants("network_online");
      d.serviceUser("toys-exograph");
      d.workingDirectory("/opt/toys/src/exograph");
      d.execStart(["/usr/local/bin/mix", "exograph.index.hex", "--web", "--port", "4200"]);
      d.restart("on_failure");
      d.restartSec(10);
      d.hardening("web_service");
      d.readWritePaths(["/srv/toys/exograph", "/var/lib/toys/exograph"]);
      d.wantedBy("multi_user");
    });
  });
});
