import assert from "node:assert/strict";
import type { DaemonScope } from "../../src/dsl/daemon.ts";
import { project } from "../../src/dsl/project.ts";
import type { SystemdService } from "../../src/model/resource.ts";
import { sandboxDirectives } from "../../src/model/systemd.ts";

/** The systemd_service a daemon body declares. */
function daemon(body: (d: DaemonScope) => void, name = "app.service"): SystemdService {
  const spec = project("t", (p) => p.daemon(name, body));
  return spec.resources[0] as SystemdService;
}

function section(unit: SystemdService, name: string): [string, string][] {
  return unit.sections.find(([s]) => s === name)?.[1] ?? [];
}

Deno.test("[Unit] directives: description, after, wants, requires with aliases", () => {
  const unit = daemon((d) => {
    d.description("App");
    d.afterTarget("network_online");
    d.after("postgresql.service", "network");
    d.wants("network_online");
    d.requires("postgresql.service");
  });
  assert.deepEqual(section(unit, "Unit"), [
    ["Description", "App"],
    ["After", "network-online.target"],
    ["After", "postgresql.service"],
    ["After", "network.target"],
    ["Wants", "network-online.target"],
    ["Requires", "postgresql.service"],
  ]);
});

Deno.test("[Service] directives, one method each", () => {
  const unit = daemon((d) => {
    d.type("notify");
    d.serviceUser("app");
    d.serviceGroup("app");
    d.workingDirectory("/srv/app");
    d.execStartPre(["/usr/bin/app", "check"]);
    d.execStart(["/usr/bin/app", "serve", "--port", "4000"]);
    d.environment("MIX_ENV", "prod");
    d.environment("PORT", 4000);
    d.environmentFile("/etc/app/env");
    d.restart("on_failure");
    d.restartSec(10);
    d.restartSec("500ms");
    d.readWritePaths(["/srv/app", "/var/lib/app"]);
    d.readOnlyPaths(["/etc/app"]);
    d.inaccessiblePaths(["/home"]);
    d.readWritePaths([]);
  });
  assert.deepEqual(section(unit, "Service"), [
    ["Type", "notify"],
    ["User", "app"],
    ["Group", "app"],
    ["WorkingDirectory", "/srv/app"],
    ["ExecStartPre", "/usr/bin/app check"],
    ["ExecStart", "/usr/bin/app serve --port 4000"],
    ["Environment", '"MIX_ENV=prod"'],
    ["Environment", '"PORT=4000"'],
    ["EnvironmentFile", "/etc/app/env"],
    ["Restart", "on-failure"],
    ["RestartSec", "10"],
    ["RestartSec", "500ms"],
    ["ReadWritePaths", "/srv/app /var/lib/app"],
    ["ReadOnlyPaths", "/etc/app"],
    ["InaccessiblePaths", "/home"],
  ]);
  assert.deepEqual(unit.environmentFiles, ["/etc/app/env"]);
});

Deno.test("[Install]: wantedBy with aliases; no [Install] section without it", () => {
  const unit = daemon((d) => {
    d.execStart(["/bin/true"]);
    d.wantedBy("multi_user", "graphical");
  });
  assert.deepEqual(section(unit, "Install"), [
    ["WantedBy", "multi-user.target"],
    ["WantedBy", "graphical.target"],
  ]);
  const bare = daemon((d) => d.execStart(["/bin/true"]));
  assert.deepEqual(bare.sections.map(([s]) => s), ["Unit", "Service"]);
});

Deno.test("execStart quotes arguments with spaces, quotes and backslashes", () => {
  const unit = daemon((d) =>
    d.execStart(["/usr/bin/app", "a b", 'say "hi"', "back\\slash", "it's", "plain"])
  );
  assert.deepEqual(section(unit, "Service"), [
    ["ExecStart", '/usr/bin/app "a b" "say \\"hi\\"" "back\\\\slash" "it\'s" plain'],
  ]);
});

Deno.test("literal values: %, $, a lone ; and empty arguments survive systemd's parsing", () => {
  const unit = daemon((d) => {
    d.description("50% of %n");
    d.workingDirectory("/srv/100%");
    d.execStartPre(["/usr/bin/app", ";", "", "$HOME"]);
    d.execStart(["/opt/a$b/app", "50%x", "$HOME", "${PATH}", "a $x %n"]);
    d.environment("DISCOUNT", "10%off $X");
    d.environmentFile("/etc/app/50%.env");
    d.logs({ identifier: "app%i" });
  });
  assert.deepEqual(section(unit, "Unit"), [["Description", "50%% of %%n"]]);
  assert.deepEqual(section(unit, "Service"), [
    ["WorkingDirectory", "/srv/100%%"],
    ["ExecStartPre", '/usr/bin/app \\; "" $$HOME'],
    ["ExecStart", '/opt/a$b/app 50%%x $$HOME $${PATH} "a $$x %%n"'],
    ["Environment", '"DISCOUNT=10%%off $X"'],
    ["EnvironmentFile", "/etc/app/50%%.env"],
    ["SyslogIdentifier", "app%%i"],
  ]);
  assert.deepEqual(unit.environmentFiles, ["/etc/app/50%.env"]);
});

Deno.test("path lists quote paths with spaces, quotes or backslashes", () => {
  const unit = daemon((d) => {
    d.readWritePaths(["/srv/my app", "/var/lib/app", "/srv/50%"]);
    d.readOnlyPaths(['/etc/say "hi"', "/etc/it's"]);
    d.inaccessiblePaths(["/srv/back\\slash", "-/srv/opt ional"]);
  });
  assert.deepEqual(section(unit, "Service"), [
    ["ReadWritePaths", '"/srv/my app" /var/lib/app /srv/50%%'],
    ["ReadOnlyPaths", '"/etc/say \\"hi\\"" "/etc/it\'s"'],
    ["InaccessiblePaths", '"/srv/back\\\\slash" "-/srv/opt ional"'],
  ]);
});

Deno.test("execStart needs an absolute program path", () => {
  assert.throws(() => daemon((d) => d.execStart(["mix", "phx.server"])), /absolute.*mix/);
  assert.throws(() => daemon((d) => d.execStart([])), /absolute/);
});

Deno.test("run sets several directives at once, as the reference's `run`", () => {
  const unit = daemon((d) =>
    d.run({
      execStart: ["/usr/bin/app"],
      user: "app",
      group: "staff",
      workingDirectory: "/srv/app",
      readWritePaths: ["/srv/app/data"],
      environmentFile: "/etc/app/env",
      restart: "always",
    })
  );
  assert.deepEqual(section(unit, "Service"), [
    ["User", "app"],
    ["Group", "staff"],
    ["WorkingDirectory", "/srv/app"],
    ["ExecStart", "/usr/bin/app"],
    ["EnvironmentFile", "/etc/app/env"],
    ["Restart", "always"],
    ["ReadWritePaths", "/srv/app/data"],
  ]);
  assert.deepEqual(unit.environmentFiles, ["/etc/app/env"]);
});

Deno.test("hardening adds the profile's directives, with overrides", () => {
  const unit = daemon((d) => d.hardening("web_service", { protectHome: false }));
  assert.deepEqual(
    section(unit, "Service"),
    sandboxDirectives("web_service", { ProtectHome: false }),
  );
  assert.ok(section(unit, "Service").some(([k, v]) => k === "ProtectHome" && v === "no"));
});

Deno.test("sandbox adds the profile's isolation and resource limits, each overridable", () => {
  const vibe = daemon((d) => d.sandbox("vibe_dev"));
  const map = Object.fromEntries(section(vibe, "Service"));
  assert.equal(map.MemoryMax, "2G");
  assert.equal(map.CPUQuota, "150%");
  assert.equal(map.TasksMax, "512");
  assert.equal(map.ProtectSystem, "full");

  const untrusted = daemon((d) =>
    d.sandbox("untrusted", {
      resources: { memoryMax: "256M" },
      sandbox: { private_network: false },
    })
  );
  const directives = section(untrusted, "Service");
  const over = Object.fromEntries(directives);
  assert.equal(over.PrivateNetwork, "no");
  assert.equal(over.MemoryMax, "256M");
  assert.equal(over.CPUQuota, "100%");
  assert.equal(directives.filter(([k]) => k === "MemoryMax").length, 1);

  const limits = daemon((d) => d.sandbox("strict_app", { resources: { profile: "large" } }));
  assert.equal(Object.fromEntries(section(limits, "Service")).MemoryMax, "2G");
});

Deno.test("sandbox with a hardening-only profile applies no limits unless given", () => {
  for (const profile of ["web_service", "strict_web"]) {
    assert.deepEqual(
      section(daemon((d) => d.sandbox(profile)), "Service"),
      sandboxDirectives(profile),
    );
  }
  const explicit = section(
    daemon((d) => d.sandbox("web_service", { resources: { memoryMax: "300M" } })),
    "Service",
  );
  assert.deepEqual(explicit.slice(-1), [["MemoryMax", "300M"]]);
  const named = daemon((d) => d.sandbox("strict_web", { resources: { profile: "small" } }));
  assert.equal(Object.fromEntries(section(named, "Service")).TasksMax, "128");
  assert.throws(
    () => daemon((d) => d.sandbox("web_service", { resources: { profile: "tiny" } })),
    /unknown resource profile "tiny"/,
  );
});

Deno.test("resources: a profile, a profile with overrides, or explicit limits", () => {
  assert.deepEqual(section(daemon((d) => d.resources("medium")), "Service"), [
    ["MemoryMax", "1G"],
    ["CPUQuota", "100%"],
    ["TasksMax", "256"],
  ]);
  assert.deepEqual(section(daemon((d) => d.resources("small", { tasksMax: 64 })), "Service"), [
    ["MemoryMax", "512M"],
    ["CPUQuota", "50%"],
    ["TasksMax", "64"],
  ]);
  assert.deepEqual(
    section(daemon((d) => d.resources({ memoryMax: "300M", cpuQuota: "20%" })), "Service"),
    [["MemoryMax", "300M"], ["CPUQuota", "20%"]],
  );
  assert.throws(() => daemon((d) => d.resources("tiny")), /"tiny"/);
});

Deno.test("listeners: named or by port, on aliases and tuples", () => {
  const unit = daemon((d) => {
    d.listen("http", { port: 3000, on: "loopback" });
    d.listen(4000, { on: [127, 0, 0, 1] });
    d.listen("public", { port: 443, on: "any" });
    d.listen("private", { port: 8443 });
  });
  assert.deepEqual(unit.listeners, [
    { name: "http", port: 3000, address: "127.0.0.1" },
    { name: "port_4000", port: 4000, address: "127.0.0.1" },
    { name: "public", port: 443, address: "0.0.0.0" },
    // Loopback unless told otherwise, as upstream (test/host_kit/listener_test.exs:20).
    { name: "private", port: 8443, address: "127.0.0.1" },
  ]);
  assert.throws(() => daemon((d) => d.listen("http")), /listener http needs a port/);
});

Deno.test("networkPolicy renders IPAddressDeny, IPAddressAllow and address families", () => {
  const unit = daemon((d) =>
    d.networkPolicy({ deny: "all", allow: ["loopback", [10, 44, 0, 0, 24]] })
  );
  assert.deepEqual(section(unit, "Service"), [
    ["IPAddressDeny", "any"],
    ["IPAddressAllow", "localhost 10.44.0.0/24"],
    ["RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"],
  ]);
});

Deno.test("logs: intent as metadata, identifier and streams as directives", () => {
  const unit = daemon((d) => {
    d.logs({ identifier: "app", stdout: "journal", stderr: "journal" });
    d.logs({ retention: "14d" });
  });
  assert.deepEqual(section(unit, "Service"), [
    ["SyslogIdentifier", "app"],
    ["StandardOutput", "journal"],
    ["StandardError", "journal"],
  ]);
  assert.deepEqual(unit.logs, {
    identifier: "app",
    stdout: "journal",
    stderr: "journal",
    retention: "14d",
  });
});

Deno.test("telemetry and monitors are metadata only", () => {
  const unit = daemon((d) => {
    d.telemetry({ logs: "journald", metrics: false });
    d.telemetry({ serviceName: "app" });
    d.monitor("systemd", { expect: { state: "active" }, severity: "critical" });
    d.monitor("http", { url: "http://127.0.0.1:3000", expect: { status: 200 } });
  });
  assert.deepEqual(unit.telemetry, { logs: "journald", metrics: false, serviceName: "app" });
  assert.deepEqual(unit.monitors, [
    { type: "systemd", options: { expect: { state: "active" } }, severity: "critical" },
    {
      type: "http",
      options: { url: "http://127.0.0.1:3000", expect: { status: 200 } },
      severity: "warning",
    },
  ]);
  assert.deepEqual(section(unit, "Service"), []);
});

Deno.test("directive: any other key, in its section, with the key and value normalized", () => {
  const unit = daemon((d) => {
    d.directive("Service", "LimitNOFILE", 65536);
    d.directive("Service", "protect_proc", "invisible");
    d.directive("Unit", "StartLimitBurst", 5);
    d.directive("Install", "Alias", "app-alias.service");
    d.directive("Service", "SupplementaryGroups", ["a", "b"]);
    d.directive("Service", "DynamicUser", true);
  });
  assert.deepEqual(section(unit, "Unit"), [["StartLimitBurst", "5"]]);
  assert.deepEqual(section(unit, "Service"), [
    ["LimitNOFILE", "65536"],
    ["ProtectProc", "invisible"],
    ["SupplementaryGroups", "a b"],
    ["DynamicUser", "yes"],
  ]);
  assert.deepEqual(section(unit, "Install"), [["Alias", "app-alias.service"]]);
});

Deno.test("systemdService is daemon", () => {
  const a = project("t", (p) => p.daemon("a.service", (d) => d.execStart(["/bin/true"])));
  const b = project("t", (p) => p.systemdService("a.service", (d) => d.execStart(["/bin/true"])));
  const strip = (r: unknown) => ({ ...(r as Record<string, unknown>), origin: undefined });
  assert.deepEqual(strip(a.resources[0]), strip(b.resources[0]));
});

Deno.test("a network policy is rendered and also kept on the unit as data (upstream net/addr_test.exs:38)", () => {
  const spec = project("n", (p) =>
    p.daemon("web.service", (d) => {
      d.execStart(["/bin/true"]);
      d.networkPolicy({ deny: "all", allow: ["loopback", [[10, 44, 0, 0], 24]] });
    }));
  const unit = spec.resources[0];
  assert.ok(unit.kind === "systemd_service");
  assert.deepEqual(unit.networkPolicy, { deny: "any", allow: ["localhost", "10.44.0.0/24"] });
});
