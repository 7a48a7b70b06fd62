// The reference's project-local DSL example: a config that uses the toys
// conventions (toys_conventions.ts) through an ordinary import.
//
//   hostkit dump examples/toys_infra.ts --format text
//   hostkit render examples/toys_infra.ts systemd_service toys-exograph.service
import { project } from "hostkit";
import { toys, toyService } from "./toys_conventions.ts";

export default project("toys", toys, (p) => {
  p.host("elixir_toys", { hostname: "elixir.toys", user: "dannote", sudo: true });

  toyService(p, "exograph", (s, t) => {
    t.standardUser();
    s.directory(t.dataDir, { owner: t.serviceUser, group: t.serviceUser, mode: "public_dir" });
    s.directory(t.stateDir, { owner: t.serviceUser, group: t.serviceUser, mode: "private_dir" });

    s.systemdService(t.unitName, (d) => {
      d.description("Exograph search");
      d.afterTarget("network_online");
      d.wants("network_online");
      d.serviceUser(t.serviceUser);
      d.workingDirectory(t.sourceDir);
      d.execStart(["/usr/local/bin/mix", "exograph.index.hex", "--web", "--port", "4200"]);
      d.restart("on_failure");
      d.restartSec(10);
      d.hardening("web_service");
      d.readWritePaths([t.dataDir, t.stateDir, t.sourceDir]);
      d.wantedBy("multi_user");
    });
  });
});
