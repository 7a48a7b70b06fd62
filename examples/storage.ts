// Storage volumes for a Forgejo service: named directories with owner, mode and
// intent (backup, writable, secret), declared once and reused for the
// directories and for the unit's ReadWritePaths=.
//
//   hostkit dump examples/storage.ts --format text
import { project, readWritePaths, volume } from "hostkit";

// A volume built by hand, as the reference's `HostKit.Storage.volume(...)`.
const lfs = volume("lfs", {
  path: "/srv/toys/forgejo/lfs",
  owner: "toys-forgejo",
  group: "toys-forgejo",
  mode: 0o750,
  backup: true,
});

export default project("toys", (p) => {
  p.roots({ data: "/srv/toys", state: "/var/lib/toys", config: "/etc/toys" });
  p.prefixes({ user: "toys-", unit: "toys-" });

  p.service("forgejo", (s) => {
    s.account(s.serviceUser(), { system: true, home: s.rootPath("state", "home") });
    s.directory(s.rootPath("data"), { owner: s.serviceUser(), mode: "private_dir" });

    // Volumes derived from the project's roots: <root>/forgejo, then `path` when given
    // (/srv/toys/forgejo/repositories, /etc/toys/forgejo). A secret volume may grant
    // nothing to others.
    s.storage("repositories", { under: "data", path: "repositories", mode: 0o750, backup: true });
    s.storage("config", {
      under: "config",
      owner: "root",
      group: s.serviceUser(),
      mode: "config_dir",
      writable: false,
      secret: true,
    });
    s.directory(lfs);

    s.daemon(s.unitName(), (d) => {
      d.description("Forgejo");
      d.afterTarget("network_online");
      d.wants("network_online");
      d.run({
        user: s.serviceUser(),
        workingDirectory: s.rootPath("data"),
        execStart: [
          "/usr/local/bin/forgejo",
          "web",
          "--config",
          `${s.storagePathOf("config")}/app.ini`,
        ],
        // Only the writable volumes: the config volume stays read-only.
        readWritePaths: [...s.writableStoragePaths(), ...readWritePaths([lfs])],
        restart: "on_failure",
      });
      d.hardening("strict_web");
      d.wantedBy("multi_user");
    });
  });
});
