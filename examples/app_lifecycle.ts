// An application's lifecycle: OS packages and mise-managed runtimes for the
// host, an env file with plain and secret entries, and commands that run
// around the service start, each with its own rollback (`down`).
//
//   SECRET_KEY_BASE=… DATABASE_URL=… hostkit render examples/app_lifecycle.ts env_file /etc/shop/web/env
import { project, secretEnv } from "hostkit";

const release = "/opt/shop/web/bin/shop";

export default project("shop", (p) => {
  p.roots({ source: "/opt/shop", state: "/var/lib/shop", config: "/etc/shop" });
  p.prefixes({ user: "shop-", unit: "shop-" });

  p.service("bootstrap", (s) => {
    s.package("ca_certificates", { as: "ca-certificates" });
    s.package("build_essential", { as: "build-essential", update: true });
    s.mise({ path: "/usr/local/bin/mise", systemDataDir: "/usr/local/share/mise" }, (m) => {
      m.tool("erlang", "29.0.2");
      m.tool("elixir", "1.20.1");
    });
  });

  p.service("web", (s) => {
    const user = s.serviceUser();
    const envPath = s.rootPath("config", "env");
    s.account(user, { system: true, home: s.rootPath("state", "home") });
    s.directory(s.rootPath("config"), { owner: "root", group: user, mode: "config_dir" });
    s.directory(s.rootPath("state"), { owner: user, group: user, mode: "private_dir" });

    // Secret values never enter the config or the plan: they are read from the
    // controller's environment when the file is written.
    s.envFile(envPath, { owner: "root", group: user, mode: 0o640 }, (e) => {
      e.set("MIX_ENV", "prod");
      e.set("PORT", 4000);
      e.set("PHX_HOST", "shop.example.com");
      e.secret("SECRET_KEY_BASE", secretEnv("SECRET_KEY_BASE"));
      e.secret("DATABASE_URL", { env: "DATABASE_URL" });
    });

    s.command("migrate", {
      exec: [release, ["eval", "Shop.Release.migrate()"]],
      phase: "before_start",
      down: [release, ["eval", "Shop.Release.rollback()"]],
      user,
      cwd: s.rootPath("source"),
    });
    s.command("warm_cache", {
      exec: [release, ["eval", "Shop.Cache.warm()"]],
      phase: "after_start",
      down: "noop",
      user,
    });
    s.command("seed", {
      exec: [release, ["eval", "Shop.Release.seed()"]],
      creates: s.rootPath("state", "seeded"),
      down: "irreversible",
      user,
    });

    s.daemon(s.unitName(), (d) => {
      d.description("Shop web");
      d.afterTarget("network_online");
      d.wants("network_online");
      d.run({
        user,
        workingDirectory: s.rootPath("source"),
        execStart: [release, "start"],
        environmentFile: envPath,
        restart: "on_failure",
      });
      d.hardening("web_service");
      d.readWritePaths([s.rootPath("state")]);
      d.wantedBy("multi_user");
    });
  });
});
