/**
 * Facts pinned by upstream HostKit's test suite (elixir-vibe/host_kit at
 * 0011774, `test/host_kit/…`), for the DSL words hostkit has, as our own
 * table: one row per upstream assertion matched, citing its file and line.
 * Elixir atoms are strings here, keyword lists options objects, and
 * `project.services[i].resources` the resources of that service.
 *
 * Assertions upstream makes that hostkit deliberately does not match are
 * listed in README ("Differences from upstream HostKit").
 */
import assert from "node:assert/strict";
import { calendarName, dailyAt, monthlyAt, weeklyAt } from "../../src/model/calendar.ts";
import { normalizeMode } from "../../src/model/mode.ts";
import { identitySegment, systemdUnit } from "../../src/model/naming.ts";
import { listenAddress, normalizeAddress, policyAddress } from "../../src/model/address.ts";
import { unitName } from "../../src/model/systemd.ts";
import { Resources, Sandbox } from "../../src/model/runtime.ts";
import { project, type ProjectScope } from "../../src/dsl/project.ts";
import { mountPath, readWritePaths, volume } from "../../src/dsl/storage.ts";
import { conventions } from "../../src/dsl/conventions.ts";
import type { ProjectSpec } from "../../src/model/project.ts";
import type { Resource } from "../../src/model/resource.ts";
import { caddy, Target } from "../../mod.ts";

type Row = [source: string, fact: string, actual: () => unknown, expected: unknown];

/** The resources of a service, by service name. */
function resourcesOf(spec: ProjectSpec, service: string): Resource[] {
  return spec.resources.filter((r) => r.service === service);
}

function unitOf(spec: ProjectSpec, name: string) {
  const unit = spec.resources.find((r) =>
    (r.kind === "systemd_service" || r.kind === "systemd_timer") && r.name === name
  );
  assert.ok(unit, `no unit ${name}`);
  return unit as Extract<Resource, { kind: "systemd_service" }>;
}

/** The value of a directive in a section of a unit (all values when repeated). */
function directive(spec: ProjectSpec, unit: string, section: string, key: string): unknown {
  const values = unitOf(spec, unit).sections.find(([s]) => s === section)?.[1]
    .filter(([k]) => k === key).map(([, v]) => v) ?? [];
  return values.length === 1 ? values[0] : values;
}

const build = (body: (p: ProjectScope) => void) => project("demo", body);

// test/host_kit/systemd/aliases_test.exs:4
const aliases = build((p) => {
  p.prefixes({ unit: "demo-", user: "demo-" });
  p.service("web", (s) => {
    s.daemon(s.unitName(), (d) => {
      d.unit({ description: "Web daemon" });
      d.run({ user: s.serviceUser(), execStart: ["/usr/bin/env", "true"], restart: "on_failure" });
      d.install({ wantedBy: "multi-user.target" });
    });
  });
});

// test/host_kit/systemd/aliases_test.exs:30
const normalized = build((p) => {
  p.prefixes({ unit: "toys-" });
  p.service("health_alert", (s) => {
    s.daemon((d) => d.exec(["/usr/bin/env", "true"]));
    s.schedule((t) => t.every("hour"));
    s.daemon("custom", (d) => d.exec(["/usr/bin/env", "true"]));
  });
});

// test/host_kit/systemd/aliases_test.exs:92
const jobs = build((p) => {
  p.prefixes({ unit: "demo-" });
  p.service("sync", (s) => {
    s.job(s.unitName("-sync.service"), (d) => {
      d.run({ type: "oneshot", execStart: ["/usr/bin/env", "true"] });
    });
    s.schedule(s.unitName("-sync.timer"), (t) => {
      t.timer({ onCalendar: "hourly", persistent: true });
      t.install({ wantedBy: "timers.target" });
    });
  });
});

// test/host_kit/systemd/target_test.exs:15
const targets = build((p) =>
  p.service("web", (s) =>
    s.daemon("web.service", (d) => {
      d.description("Web");
      d.afterTarget("network_online");
      d.wants("network_online");
      d.requires("postgresql.service");
      d.run({ execStart: ["/usr/bin/env", "true"] });
      d.wantedBy("multi_user");
    }))
);

// test/host_kit/systemd/calendar_test.exs:37, :63, :90
const schedules = build((p) => {
  p.service("sync", (s) =>
    s.schedule("sync.timer", (t) => {
      t.daily({ at: "02:30:00" });
      t.jitter("15m");
      t.repeatAfter("1h");
      t.afterBoot("10min");
      t.wantedBy("timers");
    }));
  p.service(
    "weekly",
    (s) => s.schedule("weekly.timer", (t) => t.weekly("monday", { at: "03:00" })),
  );
  p.service(
    "monthly",
    (s) => s.schedule("monthly.timer", (t) => t.monthly({ day: 1, at: "04:00" })),
  );
  p.service("semantic", (s) =>
    s.schedule("semantic.timer", (t) => {
      t.every("hour");
      t.persistent(true);
      t.onBoot("10min");
      t.wantedBy("timers");
    }));
  p.service("atoms", (s) =>
    s.schedule("atoms.timer", (t) => {
      t.timer({ onCalendar: "hourly", persistent: true });
      t.wantedBy("timers");
    }));
});

// test/host_kit/systemd/builder_test.exs:4 (the builder is the section words here)
const builder = build((p) => {
  p.daemon("demo.service", (d) => {
    d.unit({ after: "network_online", wants: ["network_online"] });
    d.service({ execStart: ["/usr/bin/env", "true"], restart: "on_failure" });
    d.install({ wantedBy: "multi_user" });
  });
  p.systemdTimer("demo.timer", (t) => {
    t.timer({ onCalendar: "hourly", persistent: true });
    t.install({ wantedBy: "timers" });
  });
});

// test/host_kit/net/addr_test.exs:18
const policy = build((p) =>
  p.service("web", (s) =>
    s.daemon("web.service", (d) => {
      d.run({ execStart: ["/usr/bin/env", "true"] });
      d.networkPolicy({ deny: "all", allow: ["loopback", [10, 44, 0, 0, 24]] });
      d.listen(3000, { on: "loopback" });
    }))
);

// test/host_kit/listener_test.exs:4 and :50
const listeners = build((p) => {
  p.service("web", (s) =>
    s.daemon((d) => {
      d.exec(["/usr/bin/env", "true"]);
      d.listen("http", { port: 3000 });
    }));
  p.service("anon", (s) =>
    s.daemon((d) => {
      d.exec(["/usr/bin/env", "true"]);
      d.listen(3000, { on: [127, 0, 0, 1] });
    }));
});

// test/host_kit/listener_test.exs:25 (Caddy consumes a named listener)
const proxied = project("demo", { providers: [caddy] }, (p) => {
  p.provider("caddy", (c) => c.set("sitesDir", "/etc/caddy/sites"));
  p.service("web", (s) => {
    s.daemon((d) => {
      d.exec(["/usr/bin/env", "true"]);
      d.listen("http", { port: 3000 });
    });
    s.caddySite("web", "web.example.com", { path: "web.caddy" }, (site) => {
      site.reverseProxy(s.listener("http"));
    });
  });
});

// test/host_kit/mode_test.exs:33
const modes = build((p) =>
  p.service("web", (s) => {
    s.directory("/srv/app", { mode: "private_dir" });
    s.file("/etc/app/env", { mode: { owner: "rw", group: "r" }, content: "x" });
    s.envFile("/etc/app/dotenv", { mode: ["rw", "r", null] }, (e) => e.set("MIX_ENV", "prod"));
  })
);

// test/host_kit/generic_conventions_test.exs:6
const forgejo = build((p) => {
  p.roots({ data: "/srv/toys", config: "/etc/toys", opt: "/opt/toys" });
  p.prefixes({ user: "toys-", unit: "toys-" });
  p.service("forgejo", (s) => {
    s.account(s.serviceUser(), { system: true, home: s.path("data") });
    s.directory(s.path("opt", "current/forgejo"), { mode: 0o755 });
    s.directory(s.path("config", "forgejo.ini"), { mode: 0o640 });
    s.storage("repositories", { under: "data", path: "repositories", mode: 0o750, backup: true });
    s.storage("config", {
      under: "config",
      owner: "root",
      group: s.serviceUser(),
      mode: 0o750,
      writable: false,
      secret: true,
    });
    s.systemdService(s.unitName(), (d) => {
      d.service({ user: s.serviceUser(), readWritePaths: s.writableStoragePaths() });
    });
  });
});

// test/host_kit/dsl/core_test.exs:4 (the words hostkit has) and :283
const core = build((p) => {
  p.host("app", { hostname: "app.example.com" }, (h) => {
    h.user("root");
    h.ssh({
      identityFile: "/home/me/.ssh/id_ed25519",
      silentlyAcceptHosts: true,
      retry: { attempts: 3 },
    });
  });
  p.mise((m) => m.tool("erlang", "29.0.2"));
  p.service("api", (s) => {
    s.account("api", { system: true });
    s.storage("data", { mode: 0o750 });
    s.daemon((d) => d.exec(["/opt/api/bin/server"]));
  });
});
const coreRoots = build((p) => {
  p.roots({ data: "/srv/apps", state: "/var/lib/apps", config: "/etc/apps" });
  p.prefixes({ user: "app-", unit: "app-" });
  p.service("api", (s) => {
    s.account(s.serviceUser(), { system: true });
    s.storage("data", { mode: 0o750 });
    s.storage("state", { mode: 0o750 });
    s.daemon((d) => {
      d.exec(["/opt/apps/api/bin/server"]);
      d.readWritePaths(s.writableStoragePaths());
    });
  });
});

// test/host_kit/project_dsl_test.exs:39 and :80 (a template's `path:` option)
const apps = conventions({ roots: { state: "/var/lib/apps" }, prefixes: { user: "app-" } });
const appService = apps.defservice((s) => ({ statePath: s.path("state"), user: s.serviceUser() }));
const toys = conventions({ roots: { data: "/srv/toys" }, prefixes: { user: "toys-" } });
const toyService = toys.defservice((s) => ({ dataPath: s.path("data") }));
const templates = project("demo", apps, (p) => {
  appService(p, "alpha", (s, t) => s.directory(t.statePath, { owner: t.user }));
  appService(p, "beta", (s, t) => s.directory(t.statePath, { owner: t.user }));
});
const templatePath = project(
  "demo",
  toys,
  (p) =>
    toyService(
      p,
      "hex_mirror",
      { path: "hex-mirror" },
      (s, t) => s.directory(t.dataPath, { owner: s.serviceUser() }),
    ),
);

// test/host_kit/resources/symlink_test.exs:7
const links = build((p) => p.symlink("/opt/app/current", { to: "/opt/app/releases/v1" }));

// test/host_kit/account_test.exs:40
const accounts = build((p) => {
  p.account("app", { system: true, home: "/var/lib/app" });
  p.service("app", (s) => {
    s.directory("/var/lib/app", { owner: "app", group: "app" });
    s.daemon("app.service", (d) => {
      d.serviceUser("app");
      d.serviceGroup("app");
      d.execStart(["/bin/true"]);
    });
  });
});

// test/host_kit/env/env_file_test.exs:4
const dotenv = build((p) =>
  p.service(
    "app",
    (s) =>
      s.envFile("/etc/app/env", { owner: "root", group: "app", mode: 0o640 }, (e) => {
        e.set("MIX_ENV", "prod");
        e.secret("SECRET_KEY_BASE", { env: "SECRET_KEY_BASE" });
      }),
  )
);

// test/host_kit/target_test.exs:139
const retry = build((p) =>
  p.host(
    "prod",
    { hostname: "example.test" },
    (h) => h.ssh({ retry: { attempts: 3, baseDelayMs: 0 }, silentlyAcceptHosts: true }),
  )
);

// test/host_kit/storage/core_test.exs:23
function configDirectory() {
  const config = volume("config", {
    path: "/etc/app",
    owner: "root",
    group: "app",
    mode: 0o750,
    writable: false,
    secret: true,
  });
  return build((p) => p.directory(config)).resources[0] as Extract<
    Resource,
    { kind: "directory" }
  >;
}

const rows: Row[] = [
  // test/host_kit/naming_test.exs
  [
    "naming_test.exs:7",
    "path segments keep underscores",
    () =>
      build((p) => {
        p.roots({ data: "/srv" });
        p.service("hex_mirror", (s) => s.directory(s.path("data")));
      }).resources.map((r) => (r as { path: string }).path),
    ["/srv/hex_mirror"],
  ],
  [
    "naming_test.exs:8",
    "identity segments hyphenate",
    () => identitySegment("hex_mirror"),
    "hex-mirror",
  ],
  [
    "naming_test.exs:9",
    "identity paths hyphenate / too",
    () => identitySegment("alice/blog_preview"),
    "alice-blog-preview",
  ],
  [
    "naming_test.exs:24",
    "prefixed identities hyphenate",
    () =>
      build((p) => {
        p.prefixes({ user: "hk-" });
        p.service("blog_agent", (s) => s.account(s.serviceUser()));
      }).resources.map((r) => (r as { name: string }).name),
    ["hk-blog-agent"],
  ],
  [
    "naming_test.exs:25",
    "a bare unit name gets .service",
    () => systemdUnit("hk-blog-agent"),
    "hk-blog-agent.service",
  ],
  [
    "naming_test.exs:26",
    "a .service name stays",
    () => systemdUnit("hk-blog-agent.service"),
    "hk-blog-agent.service",
  ],
  [
    "naming_test.exs:27",
    "a .timer name stays",
    () => systemdUnit("hk-blog-agent.timer"),
    "hk-blog-agent.timer",
  ],
  [
    "naming_test.exs:28",
    "a suffix is appended to the identity",
    () => systemdUnit("hk-blog-agent", "-sync.timer"),
    "hk-blog-agent-sync.timer",
  ],

  // test/host_kit/storage/core_test.exs
  [
    "storage/core_test.exs:18",
    "a volume keeps its name",
    () =>
      volume("repositories", {
        path: "/srv/app/repositories",
        owner: "app",
        group: "app",
        mode: 0o750,
        backup: true,
      }).name,
    "repositories",
  ],
  [
    "storage/core_test.exs:19",
    "volumes are writable by default",
    () => volume("repositories", { path: "/srv/app/repositories" }).writable,
    true,
  ],
  [
    "storage/core_test.exs:20",
    "backup is kept",
    () => volume("repositories", { path: "/srv/app/repositories", backup: true }).backup,
    true,
  ],
  [
    "storage/core_test.exs:36",
    "a volume's directory has its path",
    () => configDirectory().path,
    "/etc/app",
  ],
  ["storage/core_test.exs:37", "its owner", () => configDirectory().owner, "root"],
  ["storage/core_test.exs:38", "its group", () => configDirectory().group, "app"],
  ["storage/core_test.exs:39", "its mode", () => configDirectory().mode, 0o750],
  [
    "storage/core_test.exs:48",
    "a writable volume is a read-write path",
    () => readWritePaths([volume("data", { path: "/srv/app", writable: true })]),
    ["/srv/app"],
  ],
  [
    "storage/core_test.exs:49",
    "a read-only volume is not",
    () => readWritePaths([volume("config", { path: "/etc/app", writable: false })]),
    [],
  ],
  [
    "storage/core_test.exs:50",
    "read-write paths of a list",
    () =>
      readWritePaths([
        volume("data", { path: "/srv/app" }),
        volume("config", { path: "/etc/app", writable: false }),
      ]),
    ["/srv/app"],
  ],
  [
    "storage/core_test.exs:56",
    "mount path when provided",
    () => mountPath(volume("uploads", { path: "/srv/app/uploads", mountPath: "/app/uploads" })),
    "/app/uploads",
  ],

  // test/host_kit/mode_test.exs
  ["mode_test.exs:5", "public_file", () => normalizeMode("public_file"), 0o644],
  ["mode_test.exs:6", "private_file", () => normalizeMode("private_file"), 0o600],
  ["mode_test.exs:7", "secret_group_file", () => normalizeMode("secret_group_file"), 0o640],
  ["mode_test.exs:8", "private_dir", () => normalizeMode("private_dir"), 0o750],
  ["mode_test.exs:9", "shared_dir", () => normalizeMode("shared_dir"), 0o2775],
  ["mode_test.exs:13", "a triplet", () => normalizeMode(["rw", "r", null]), 0o640],
  ["mode_test.exs:14", "a full triplet", () => normalizeMode(["rwx", "rx", "rx"]), 0o755],
  [
    "mode_test.exs:15",
    "a 4-tuple with special bits",
    () => normalizeMode(["setgid", "rwx", "rwx", "rx"]),
    0o2775,
  ],
  ["mode_test.exs:19", "owner/group keys", () => normalizeMode({ owner: "rw", group: "r" }), 0o640],
  ["mode_test.exs:20", "u/g/o keys", () => normalizeMode({ u: "rwx", g: "rx", o: "rx" }), 0o755],
  [
    "mode_test.exs:21",
    "per-class lists",
    () => normalizeMode({ owner: ["read", "write"], group: ["read"], other: [] }),
    0o640,
  ],
  [
    "mode_test.exs:23",
    "special:",
    () => normalizeMode({ owner: "rwx", group: "rwx", other: "rx", special: "setgid" }),
    0o2775,
  ],
  ["mode_test.exs:28", "capabilities", () => normalizeMode(["owner_rw", "group_r"]), 0o640],
  [
    "mode_test.exs:29",
    "more capabilities",
    () => normalizeMode(["owner_rwx", "group_rx", "other_rx"]),
    0o755,
  ],
  [
    "mode_test.exs:30",
    "capabilities with setgid",
    () => normalizeMode(["setgid", "owner_rwx", "group_rwx", "other_rx"]),
    0o2775,
  ],
  ["mode_test.exs:49", "one service", () => modes.services.length, 1],
  [
    "mode_test.exs:51",
    "DSL resources normalize mode sugar",
    () => resourcesOf(modes, "web").map((r) => [r.kind, "mode" in r ? r.mode : undefined]),
    [["directory", 0o750], ["file", 0o640], ["env_file", 0o640]],
  ],
  [
    "mode_test.exs:59",
    "an unknown alias throws",
    () => assert.throws(() => normalizeMode("wat")),
    undefined,
  ],
  [
    "mode_test.exs:60",
    "an unknown class throws",
    () => assert.throws(() => normalizeMode({ owner: "dance" as never })),
    undefined,
  ],

  // test/host_kit/net/addr_test.exs
  ["net/addr_test.exs:5", "loopback", () => normalizeAddress("loopback"), [127, 0, 0, 1]],
  ["net/addr_test.exs:6", "any", () => normalizeAddress("any"), [0, 0, 0, 0]],
  ["net/addr_test.exs:7", "a flat CIDR tuple", () => normalizeAddress([10, 44, 0, 0, 24]), [
    10,
    44,
    0,
    0,
    24,
  ]],
  ["net/addr_test.exs:8", "a nested CIDR tuple", () => normalizeAddress([[10, 44, 0, 0], 24]), [
    10,
    44,
    0,
    0,
    24,
  ]],
  ["net/addr_test.exs:12", "loopback as a string", () => listenAddress("loopback"), "127.0.0.1"],
  [
    "net/addr_test.exs:13",
    "a CIDR as a string",
    () => listenAddress([10, 44, 0, 0, 24]),
    "10.44.0.0/24",
  ],
  [
    "net/addr_test.exs:14",
    "loopback for IPAddressAllow",
    () => policyAddress("loopback"),
    "localhost",
  ],
  ["net/addr_test.exs:15", "all for IPAddressDeny", () => policyAddress("all"), "any"],
  [
    "net/addr_test.exs:34",
    "the policy is on the unit",
    () => unitOf(policy, "web.service").kind,
    "systemd_service",
  ],
  [
    "net/addr_test.exs:35",
    "IPAddressDeny=any",
    () => directive(policy, "web.service", "Service", "IPAddressDeny"),
    "any",
  ],
  [
    "net/addr_test.exs:36",
    "IPAddressAllow= both",
    () => directive(policy, "web.service", "Service", "IPAddressAllow"),
    "localhost 10.44.0.0/24",
  ],
  [
    "net/addr_test.exs:37",
    "address families",
    () => directive(policy, "web.service", "Service", "RestrictAddressFamilies"),
    "AF_INET AF_INET6 AF_UNIX",
  ],
  [
    "net/addr_test.exs:39",
    "the listener binds loopback",
    () => unitOf(policy, "web.service").listeners,
    [{ name: "port_3000", port: 3000, address: "127.0.0.1" }],
  ],

  // test/host_kit/listener_test.exs
  [
    "listener_test.exs:19",
    "one service",
    () => listeners.services.filter((s) => s.name === "web").length,
    1,
  ],
  [
    "listener_test.exs:20",
    "a named listener binds loopback by default",
    () => listeners.services[0].listeners,
    [{ name: "http", port: 3000, address: "127.0.0.1" }],
  ],
  [
    "listener_test.exs:21",
    "an unnamed daemon is the service's unit",
    () => resourcesOf(listeners, "web").map((r) => [r.kind, (r as { name: string }).name]),
    [["systemd_service", "web.service"]],
  ],
  [
    "listener_test.exs:22",
    "the unit carries the listener",
    () => unitOf(listeners, "web.service").listeners.map((l) => [l.port, l.address]),
    [[3000, "127.0.0.1"]],
  ],
  [
    "listener_test.exs:44",
    "the unit and the site",
    () => resourcesOf(proxied, "web").filter((r) => r.kind !== "managed_line").map((r) => r.kind),
    ["systemd_service", "file"],
  ],
  [
    "listener_test.exs:46",
    "the site proxies to the loopback listener",
    () =>
      /reverse_proxy 127\.0\.0\.1:3000/.test(
        (proxied.resources.find((r) => r.kind === "file") as { content: { text: string } })
          .content.text,
      ),
    true,
  ],
  [
    "listener_test.exs:65",
    "an anonymous listener's unit",
    () => resourcesOf(listeners, "anon").length,
    1,
  ],
  [
    "listener_test.exs:66",
    "an anonymous listener on a tuple",
    () => unitOf(listeners, "anon.service").listeners.map((l) => [l.port, l.address]),
    [[3000, "127.0.0.1"]],
  ],

  // test/host_kit/systemd/aliases_test.exs
  ["systemd/aliases_test.exs:22", "one service", () => aliases.services.length, 1],
  ["systemd/aliases_test.exs:23", "one unit in it", () => resourcesOf(aliases, "web").length, 1],
  [
    "systemd/aliases_test.exs:24",
    "unitName() is prefix + identity + .service",
    () => unitOf(aliases, "demo-web.service").name,
    "demo-web.service",
  ],
  [
    "systemd/aliases_test.exs:25",
    "unit description:",
    () => directive(aliases, "demo-web.service", "Unit", "Description"),
    "Web daemon",
  ],
  [
    "systemd/aliases_test.exs:26",
    "run user:",
    () => directive(aliases, "demo-web.service", "Service", "User"),
    "demo-web",
  ],
  [
    "systemd/aliases_test.exs:27",
    "run restart: on_failure",
    () => directive(aliases, "demo-web.service", "Service", "Restart"),
    "on-failure",
  ],
  ["systemd/aliases_test.exs:54", "one service", () => normalized.services.length, 1],
  [
    "systemd/aliases_test.exs:56",
    "the service's daemon is prefixed and hyphenated",
    () => unitOf(normalized, "toys-health-alert.service").kind,
    "systemd_service",
  ],
  [
    "systemd/aliases_test.exs:61",
    "the service's schedule is prefixed and hyphenated",
    () => unitOf(normalized, "toys-health-alert.timer").kind,
    "systemd_timer",
  ],
  [
    "systemd/aliases_test.exs:66",
    "a bare daemon name gets .service, no prefix",
    () => unitOf(normalized, "custom.service").kind,
    "systemd_service",
  ],
  ["systemd/aliases_test.exs:113", "one service", () => jobs.services.length, 1],
  [
    "systemd/aliases_test.exs:115",
    "job and schedule with unitName suffixes",
    () => resourcesOf(jobs, "sync").map((r) => [r.kind, (r as { name: string }).name]),
    [["systemd_service", "demo-sync-sync.service"], ["systemd_timer", "demo-sync-sync.timer"]],
  ],

  // test/host_kit/systemd/builder_test.exs
  [
    "systemd/builder_test.exs:12",
    "after: alias",
    () => directive(builder, "demo.service", "Unit", "After"),
    "network-online.target",
  ],
  [
    "systemd/builder_test.exs:13",
    "wants: [alias]",
    () => directive(builder, "demo.service", "Unit", "Wants"),
    "network-online.target",
  ],
  [
    "systemd/builder_test.exs:14",
    "exec_start: argv",
    () => directive(builder, "demo.service", "Service", "ExecStart"),
    "/usr/bin/env true",
  ],
  [
    "systemd/builder_test.exs:15",
    "restart: on_failure",
    () => directive(builder, "demo.service", "Service", "Restart"),
    "on-failure",
  ],
  [
    "systemd/builder_test.exs:16",
    "wanted_by: multi_user",
    () => directive(builder, "demo.service", "Install", "WantedBy"),
    "multi-user.target",
  ],
  [
    "systemd/builder_test.exs:26",
    "timer on_calendar: hourly",
    () => directive(builder, "demo.timer", "Timer", "OnCalendar"),
    "hourly",
  ],
  [
    "systemd/builder_test.exs:27",
    "timer wanted_by: timers",
    () => directive(builder, "demo.timer", "Install", "WantedBy"),
    "timers.target",
  ],

  // test/host_kit/systemd/calendar_test.exs
  ["systemd/calendar_test.exs:5", "hour → hourly", () => calendarName("hour"), "hourly"],
  ["systemd/calendar_test.exs:6", "daily stays", () => calendarName("daily"), "daily"],
  [
    "systemd/calendar_test.exs:7",
    "an expression stays",
    () => calendarName("Mon *-*-* 02:00:00"),
    "Mon *-*-* 02:00:00",
  ],
  ["systemd/calendar_test.exs:11", "daily_at", () => dailyAt("02:30:00"), "*-*-* 02:30:00"],
  [
    "systemd/calendar_test.exs:12",
    "weekly_at",
    () => weeklyAt("monday", "02:30"),
    "Mon *-*-* 02:30:00",
  ],
  ["systemd/calendar_test.exs:13", "monthly_at", () => monthlyAt(1, "02:30"), "*-*-01 02:30:00"],
  [
    "systemd/calendar_test.exs:31",
    "a service",
    () => schedules.services.some((s) => s.name === "atoms"),
    true,
  ],
  [
    "systemd/calendar_test.exs:32",
    "its timer",
    () => resourcesOf(schedules, "atoms").map((r) => r.kind),
    ["systemd_timer"],
  ],
  [
    "systemd/calendar_test.exs:33",
    "timer on_calendar: hourly",
    () => directive(schedules, "atoms.timer", "Timer", "OnCalendar"),
    "hourly",
  ],
  [
    "systemd/calendar_test.exs:34",
    "persistent: true",
    () => directive(schedules, "atoms.timer", "Timer", "Persistent"),
    "yes",
  ],
  [
    "systemd/calendar_test.exs:55",
    "a service",
    () => schedules.services.some((s) => s.name === "sync"),
    true,
  ],
  [
    "systemd/calendar_test.exs:56",
    "its timer",
    () => resourcesOf(schedules, "sync").map((r) => r.kind),
    ["systemd_timer"],
  ],
  [
    "systemd/calendar_test.exs:57",
    "daily at:",
    () => directive(schedules, "sync.timer", "Timer", "OnCalendar"),
    "*-*-* 02:30:00",
  ],
  [
    "systemd/calendar_test.exs:58",
    "jitter → RandomizedDelaySec",
    () => directive(schedules, "sync.timer", "Timer", "RandomizedDelaySec"),
    "15m",
  ],
  [
    "systemd/calendar_test.exs:59",
    "repeat_after → OnUnitActiveSec",
    () => directive(schedules, "sync.timer", "Timer", "OnUnitActiveSec"),
    "1h",
  ],
  [
    "systemd/calendar_test.exs:60",
    "after_boot → OnBootSec",
    () => directive(schedules, "sync.timer", "Timer", "OnBootSec"),
    "10min",
  ],
  [
    "systemd/calendar_test.exs:83",
    "two services",
    () => ["weekly", "monthly"].every((n) => schedules.services.some((s) => s.name === n)),
    true,
  ],
  [
    "systemd/calendar_test.exs:84",
    "a weekly timer",
    () => resourcesOf(schedules, "weekly").length,
    1,
  ],
  [
    "systemd/calendar_test.exs:85",
    "a monthly timer",
    () => resourcesOf(schedules, "monthly").length,
    1,
  ],
  [
    "systemd/calendar_test.exs:86",
    "weekly :monday, at:",
    () => directive(schedules, "weekly.timer", "Timer", "OnCalendar"),
    "Mon *-*-* 03:00:00",
  ],
  [
    "systemd/calendar_test.exs:87",
    "monthly day:, at:",
    () => directive(schedules, "monthly.timer", "Timer", "OnCalendar"),
    "*-*-01 04:00:00",
  ],
  [
    "systemd/calendar_test.exs:107",
    "a service",
    () => schedules.services.some((s) => s.name === "semantic"),
    true,
  ],
  [
    "systemd/calendar_test.exs:108",
    "its timer",
    () => resourcesOf(schedules, "semantic").length,
    1,
  ],
  [
    "systemd/calendar_test.exs:109",
    "every :hour",
    () => directive(schedules, "semantic.timer", "Timer", "OnCalendar"),
    "hourly",
  ],
  [
    "systemd/calendar_test.exs:110",
    "persistent true",
    () => directive(schedules, "semantic.timer", "Timer", "Persistent"),
    "yes",
  ],
  [
    "systemd/calendar_test.exs:111",
    "on_boot",
    () => directive(schedules, "semantic.timer", "Timer", "OnBootSec"),
    "10min",
  ],

  // test/host_kit/systemd/target_test.exs
  ["systemd/target_test.exs:5", "multi_user", () => unitName("multi_user"), "multi-user.target"],
  [
    "systemd/target_test.exs:6",
    "network_online",
    () => unitName("network_online"),
    "network-online.target",
  ],
  [
    "systemd/target_test.exs:7",
    "a .target passes",
    () => unitName("custom.target"),
    "custom.target",
  ],
  [
    "systemd/target_test.exs:9",
    "lists",
    () => ["network_online", "postgresql.service"].map(unitName),
    ["network-online.target", "postgresql.service"],
  ],
  ["systemd/target_test.exs:34", "one service", () => targets.services.length, 1],
  ["systemd/target_test.exs:35", "its unit", () => resourcesOf(targets, "web").length, 1],
  [
    "systemd/target_test.exs:36",
    "after_target",
    () => directive(targets, "web.service", "Unit", "After"),
    "network-online.target",
  ],
  [
    "systemd/target_test.exs:37",
    "wants",
    () => directive(targets, "web.service", "Unit", "Wants"),
    "network-online.target",
  ],
  [
    "systemd/target_test.exs:38",
    "requires",
    () => directive(targets, "web.service", "Unit", "Requires"),
    "postgresql.service",
  ],
  [
    "systemd/target_test.exs:39",
    "wanted_by :multi_user",
    () => directive(targets, "web.service", "Install", "WantedBy"),
    "multi-user.target",
  ],
  ["systemd/target_test.exs:57", "one service", () => schedules.services.length > 0, true],
  [
    "systemd/target_test.exs:58",
    "its timer",
    () => unitOf(schedules, "semantic.timer").kind,
    "systemd_timer",
  ],
  [
    "systemd/target_test.exs:59",
    "wanted_by :timers",
    () => directive(schedules, "semantic.timer", "Install", "WantedBy"),
    "timers.target",
  ],

  // test/host_kit/systemd/timer_test.exs (rendering is checked in tests/render; the words here)
  [
    "systemd/timer_test.exs:7",
    "the section words build the fixture's timer",
    () =>
      build((p) =>
        p.service("hex", (s) =>
          s.systemdTimer("toys-hex-mirror-sync.timer", (t) => {
            t.unit({ description: "Run Hex mirror sync hourly" });
            t.timer({
              onBootSec: "10min",
              onUnitActiveSec: "1h",
              persistent: true,
              randomizedDelaySec: "10min",
            });
            t.install({ wantedBy: "timers.target" });
          }))
      ).resources[0].kind === "systemd_timer",
    true,
  ],

  // test/host_kit/runtime/isolation_test.exs
  [
    "runtime/isolation_test.exs:9",
    "strict_web: NoNewPrivileges",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("strict_web")))
        .NoNewPrivileges,
    "yes",
  ],
  [
    "runtime/isolation_test.exs:10",
    "strict_web: ProtectSystem=strict",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("strict_web"))).ProtectSystem,
    "strict",
  ],
  [
    "runtime/isolation_test.exs:11",
    "strict_web: families",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("strict_web")))
        .RestrictAddressFamilies,
    "AF_INET AF_INET6 AF_UNIX",
  ],
  [
    "runtime/isolation_test.exs:19",
    "web_service: NoNewPrivileges",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("web_service")))
        .NoNewPrivileges,
    "yes",
  ],
  [
    "runtime/isolation_test.exs:20",
    "web_service: PrivateTmp",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("web_service"))).PrivateTmp,
    "yes",
  ],
  [
    "runtime/isolation_test.exs:21",
    "web_service: ProtectSystem=full",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("web_service"))).ProtectSystem,
    "full",
  ],
  [
    "runtime/isolation_test.exs:22",
    "web_service: families",
    () =>
      Object.fromEntries(Sandbox.toSystemdServiceOptions(Sandbox.new("web_service")))
        .RestrictAddressFamilies,
    "AF_INET AF_INET6 AF_UNIX",
  ],
  [
    "runtime/isolation_test.exs:30",
    "small: MemoryMax",
    () => Object.fromEntries(Resources.toSystemdServiceOptions(Resources.new("small"))).MemoryMax,
    "512M",
  ],
  [
    "runtime/isolation_test.exs:31",
    "small: CPUQuota",
    () => Object.fromEntries(Resources.toSystemdServiceOptions(Resources.new("small"))).CPUQuota,
    "50%",
  ],
  [
    "runtime/isolation_test.exs:32",
    "small: TasksMax",
    () => Object.fromEntries(Resources.toSystemdServiceOptions(Resources.new("small"))).TasksMax,
    "128",
  ],
  [
    "runtime/isolation_test.exs:39",
    "a sandbox without a profile",
    () =>
      Sandbox.toSystemdServiceOptions(
        Sandbox.new({ noNewPrivileges: true, readWritePaths: ["/srv/app"] }),
      ),
    [["NoNewPrivileges", "yes"], ["ReadWritePaths", "/srv/app"]],
  ],
  [
    "runtime/isolation_test.exs:40",
    "cpu_weight is kept",
    () => Resources.toSystemdServiceOptions(Resources.new({ memoryMax: "768M", cpuWeight: 200 })),
    [["MemoryMax", "768M"], ["CPUWeight", "200"]],
  ],

  // test/host_kit/conventions_test.exs (roots; run tracking roots)
  [
    "conventions_test.exs:161",
    "bin defaults to /usr/local/bin",
    () =>
      build((p) => p.directory(p.path("bin"))).resources[0].kind === "directory" &&
      (build((p) => p.directory(p.path("bin"))).resources[0] as { path: string }).path,
    "/usr/local/bin",
  ],
  [
    "conventions_test.exs:162",
    "sbin defaults to /usr/local/sbin",
    () =>
      build((p) => p.directory(p.path("sbin"))).resources.map((r) => (r as { path: string }).path),
    ["/usr/local/sbin"],
  ],
  [
    "conventions_test.exs:163",
    "the default wins over a fallback",
    () =>
      build((p) => p.directory(p.path("bin"))).resources.map((r) => (r as { path: string }).path),
    ["/usr/local/bin"],
  ],
  [
    "conventions_test.exs:164",
    "the state root defaults to /var/lib/hostkit",
    () => build(() => {}).runsRoot,
    "/var/lib/hostkit",
  ],
  [
    "conventions_test.exs:172",
    "hostkit_state moves the state root",
    () => build((p) => p.roots({ hostkit_state: "/srv/hostkit" })).runsRoot,
    "/srv/hostkit",
  ],

  // test/host_kit/generic_conventions_test.exs
  ["generic_conventions_test.exs:242", "one service", () => forgejo.services.length, 1],
  [
    "generic_conventions_test.exs:244",
    "the account",
    () =>
      resourcesOf(forgejo, "forgejo").some((r) =>
        r.kind === "account" && r.name === "toys-forgejo"
      ),
    true,
  ],
  [
    "generic_conventions_test.exs:249",
    "storage under data with path",
    () =>
      resourcesOf(forgejo, "forgejo").some((r) =>
        r.kind === "directory" && r.path === "/srv/toys/forgejo/repositories"
      ),
    true,
  ],
  [
    "generic_conventions_test.exs:254",
    "path(:opt, child) has no service segment",
    () =>
      resourcesOf(forgejo, "forgejo").some((r) =>
        r.kind === "directory" && r.path === "/opt/toys/current/forgejo"
      ),
    true,
  ],
  [
    "generic_conventions_test.exs:259",
    "path(:config, child) has the service segment",
    () =>
      resourcesOf(forgejo, "forgejo").some((r) =>
        r.kind === "directory" && r.path === "/etc/toys/forgejo/forgejo.ini"
      ),
    true,
  ],
  [
    "generic_conventions_test.exs:264",
    "storage under config without path is root + service",
    () =>
      resourcesOf(forgejo, "forgejo").some((r) =>
        r.kind === "directory" && r.path === "/etc/toys/forgejo" && r.owner === "root"
      ),
    true,
  ],
  [
    "generic_conventions_test.exs:276",
    "the unit runs as the user with the writable volumes",
    () => [
      directive(forgejo, "toys-forgejo.service", "Service", "User"),
      directive(forgejo, "toys-forgejo.service", "Service", "ReadWritePaths"),
    ],
    ["toys-forgejo", "/srv/toys/forgejo/repositories"],
  ],

  // test/host_kit/dsl/core_test.exs (the words hostkit has)
  ["dsl/core_test.exs:58", "hostname", () => core.hosts[0].hostname, "app.example.com"],
  ["dsl/core_test.exs:59", "user", () => core.hosts[0].user, "root"],
  ["dsl/core_test.exs:60", "sudo defaults to false", () => core.hosts[0].sudo, false],
  [
    "dsl/core_test.exs:61",
    "identity file",
    () => core.hosts[0].ssh.identityFile,
    "/home/me/.ssh/id_ed25519",
  ],
  [
    "dsl/core_test.exs:62",
    "silently accept hosts",
    () => core.hosts[0].ssh.silentlyAcceptHosts,
    true,
  ],
  ["dsl/core_test.exs:63", "retry", () => core.hosts[0].ssh.retry?.attempts, 3],
  [
    "dsl/core_test.exs:65",
    "mise tools",
    () => core.resources.some((r) => r.kind === "mise_tool"),
    true,
  ],
  ["dsl/core_test.exs:67", "one service", () => core.services.length, 1],
  ["dsl/core_test.exs:68", "named api", () => core.services[0].name, "api"],
  [
    "dsl/core_test.exs:70",
    "storage :data falls back to /var/lib/<service>",
    () => resourcesOf(core, "api").some((r) => r.kind === "directory" && r.path === "/var/lib/api"),
    true,
  ],
  [
    "dsl/core_test.exs:80",
    "a unit",
    () => resourcesOf(core, "api").some((r) => r.kind === "systemd_service"),
    true,
  ],
  [
    "dsl/core_test.exs:84",
    "named after the service",
    () => unitOf(core, "api.service").name,
    "api.service",
  ],
  [
    "dsl/core_test.exs:86",
    "User= defaults to the service's account",
    () => directive(core, "api.service", "Service", "User"),
    "api",
  ],
  [
    "dsl/core_test.exs:87",
    "Group= too",
    () => directive(core, "api.service", "Service", "Group"),
    "api",
  ],
  [
    "dsl/core_test.exs:89",
    "exec",
    () => directive(core, "api.service", "Service", "ExecStart"),
    "/opt/api/bin/server",
  ],
  ["dsl/core_test.exs:314", "one service", () => coreRoots.services.length, 1],
  [
    "dsl/core_test.exs:316",
    "storage :data under the data root",
    () =>
      resourcesOf(coreRoots, "api").some((r) =>
        r.kind === "directory" && r.path === "/srv/apps/api"
      ),
    true,
  ],
  [
    "dsl/core_test.exs:321",
    "storage :state under the state root",
    () =>
      resourcesOf(coreRoots, "api").some((r) =>
        r.kind === "directory" && r.path === "/var/lib/apps/api"
      ),
    true,
  ],
  [
    "dsl/core_test.exs:333",
    "unit name",
    () => unitOf(coreRoots, "app-api.service").name,
    "app-api.service",
  ],
  [
    "dsl/core_test.exs:334",
    "user defaults to the account",
    () => directive(coreRoots, "app-api.service", "Service", "User"),
    "app-api",
  ],
  [
    "dsl/core_test.exs:335",
    "group too",
    () => directive(coreRoots, "app-api.service", "Service", "Group"),
    "app-api",
  ],
  [
    "dsl/core_test.exs:337",
    "writable storage paths",
    () => directive(coreRoots, "app-api.service", "Service", "ReadWritePaths"),
    "/srv/apps/api /var/lib/apps/api",
  ],
  [
    "dsl/core_test.exs:268",
    "a named listener needs a port",
    () =>
      assert.throws(
        () => build((p) => p.service("api", (s) => s.daemon((d) => d.listen("http")))),
        /http needs a port/,
      ),
    undefined,
  ],

  // test/host_kit/project_dsl_test.exs
  ["project_dsl_test.exs:71", "services in order", () => templates.services.map((s) => s.name), [
    "alpha",
    "beta",
  ]],
  [
    "project_dsl_test.exs:74",
    "alpha's state path",
    () => (templates.resources[0] as { path: string }).path,
    "/var/lib/apps/alpha",
  ],
  [
    "project_dsl_test.exs:75",
    "alpha's user",
    () => (templates.resources[0] as { owner: string }).owner,
    "app-alpha",
  ],
  [
    "project_dsl_test.exs:76",
    "beta's state path",
    () => (templates.resources[1] as { path: string }).path,
    "/var/lib/apps/beta",
  ],
  [
    "project_dsl_test.exs:77",
    "beta's user",
    () => (templates.resources[1] as { owner: string }).owner,
    "app-beta",
  ],
  [
    "project_dsl_test.exs:94",
    "the template's service keeps its name",
    () => templatePath.services.map((s) => s.name),
    ["hex_mirror"],
  ],
  [
    "project_dsl_test.exs:101",
    "its path comes from the path: option",
    () => (templatePath.resources[0] as { path: string }).path,
    "/srv/toys/hex-mirror",
  ],

  // test/host_kit/resources/symlink_test.exs
  [
    "resources/symlink_test.exs:20",
    "symlink path, to:",
    () =>
      links.resources.map((
        r,
      ) => [r.kind, (r as { path: string }).path, (r as { target: string }).target]),
    [["symlink", "/opt/app/current", "/opt/app/releases/v1"]],
  ],

  // test/host_kit/account_test.exs
  [
    "account_test.exs:61",
    "a project account",
    () =>
      accounts.resources.filter((r) => !r.service).map((
        r,
      ) => [r.kind, (r as { name: string }).name, (r as { system: boolean }).system]),
    [["account", "app", true]],
  ],
  [
    "account_test.exs:63",
    "a directory owned by it",
    () =>
      accounts.resources.filter((r) => r.kind === "directory").map((
        r,
      ) => [(r as { owner: string }).owner, (r as { group: string }).group]),
    [["app", "app"]],
  ],
  [
    "account_test.exs:67",
    "User=",
    () => directive(accounts, "app.service", "Service", "User"),
    "app",
  ],
  [
    "account_test.exs:68",
    "Group=",
    () => directive(accounts, "app.service", "Service", "Group"),
    "app",
  ],

  // test/host_kit/env/env_file_test.exs
  [
    "env/env_file_test.exs:23",
    "an env file resource",
    () => resourcesOf(dotenv, "app").map((r) => r.kind),
    ["env_file"],
  ],
  [
    "env/env_file_test.exs:24",
    "path",
    () => (dotenv.resources[0] as { path: string }).path,
    "/etc/app/env",
  ],
  [
    "env/env_file_test.exs:25",
    "owner",
    () => (dotenv.resources[0] as { owner: string }).owner,
    "root",
  ],
  [
    "env/env_file_test.exs:26",
    "group",
    () => (dotenv.resources[0] as { group: string }).group,
    "app",
  ],
  ["env/env_file_test.exs:27", "mode", () => (dotenv.resources[0] as { mode: number }).mode, 0o640],
  [
    "env/env_file_test.exs:29",
    "entries: values and secret references",
    () => (dotenv.resources[0] as { entries: unknown }).entries,
    [{ key: "MIX_ENV", value: "prod" }, {
      key: "SECRET_KEY_BASE",
      secret: { $secret: { env: "SECRET_KEY_BASE" } },
    }],
  ],

  // test/host_kit/target_test.exs
  [
    "target_test.exs:110",
    "a named local target",
    () => Target.local("dev", { sudo: true }).name,
    "dev",
  ],
  ["target_test.exs:114", "with sudo", () => Target.local("dev", { sudo: true }).sudo, true],
  [
    "target_test.exs:122",
    "an ssh target keeps its name",
    () => Target.ssh("prod", { host: "elixir.toys", user: "dannote", sudo: true }).name,
    "prod",
  ],
  ["target_test.exs:152", "ssh retry stays with the host", () => retry.hosts[0].ssh.retry, {
    attempts: 3,
    baseDelayMs: 0,
    maxDelayMs: 5000,
  }],
];

for (const [source, fact, actual, expected] of rows) {
  Deno.test(`upstream ${source}: ${fact}`, () => {
    const value = actual();
    if (expected !== undefined) assert.deepEqual(value, expected);
  });
}

Deno.test("the upstream table has one row per matched assertion", () => {
  // 182 assertions checked across the files cited above; see README for the ones not matched.
  assert.equal(new Set(rows.map(([source]) => source)).size, rows.length);
});
