import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { type Resource, resourceId } from "../../src/model/resource.ts";
import { dependencies, formatGraph, order } from "../../src/plan/graph.ts";
import { resource } from "../helpers.ts";

function ordered(data: Record<string, unknown>[]): string[] {
  const resources = data.map(resource);
  return order(resources.map(resourceId), dependencies(resources));
}

function before(ids: string[], first: string, second: string) {
  assert.ok(ids.indexOf(first) >= 0 && ids.indexOf(second) >= 0, `${first} / ${second} missing`);
  assert.ok(
    ids.indexOf(first) < ids.indexOf(second),
    `${first} should come before ${second}: ${ids.join(", ")}`,
  );
}

Deno.test("a path comes after every declared parent directory", () => {
  const ids = ordered([
    { kind: "file", path: "/srv/app/conf/app.ini", content: { text: "" } },
    { kind: "symlink", path: "/srv/app/current", target: "/srv/app/releases/1" },
    { kind: "directory", path: "/srv/app/conf" },
    { kind: "directory", path: "/srv/app" },
  ]);
  assert.deepEqual(ids, [
    "directory:/srv/app",
    "directory:/srv/app/conf",
    "file:/srv/app/conf/app.ini",
    "symlink:/srv/app/current",
  ]);
  const deps = dependencies([
    resource({ kind: "file", path: "/srv/app/x", content: { text: "" } }),
    resource({ kind: "directory", path: "/srv" }),
  ]);
  assert.deepEqual(deps.get("file:/srv/app/x"), ["directory:/srv"], "grandparents count");
});

Deno.test("a path owned by an account comes after the account", () => {
  const ids = ordered([
    { kind: "directory", path: "/srv/app", owner: "app" },
    { kind: "file", path: "/etc/app.conf", content: { text: "" }, group: "web" },
    { kind: "account", name: "web" },
    { kind: "account", name: "app" },
  ]);
  before(ids, "account:app", "directory:/srv/app");
  before(ids, "account:web", "file:/etc/app.conf");
});

Deno.test("a unit comes after its env files, paths and user", () => {
  const resources = [
    {
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [
        ["User", "app"],
        ["WorkingDirectory", "/srv/app"],
        ["ReadWritePaths", "/var/lib/app -/var/cache/app"],
        ["EnvironmentFile", "/etc/app/env"],
      ]]],
      environmentFiles: ["/etc/app/env"],
    },
    { kind: "env_file", path: "/etc/app/env", entries: [] },
    { kind: "directory", path: "/srv/app" },
    { kind: "directory", path: "/var/lib/app" },
    { kind: "directory", path: "/var/cache/app" },
    { kind: "account", name: "app" },
  ];
  const deps = dependencies(resources.map(resource));
  assert.deepEqual(
    new Set(deps.get("systemd_service:app.service")),
    new Set([
      "env_file:/etc/app/env",
      "directory:/srv/app",
      "directory:/var/lib/app",
      "directory:/var/cache/app",
      "account:app",
    ]),
  );
  assert.equal(ordered(resources).at(-1), "systemd_service:app.service");
});

Deno.test("a unit's quoted, spaced and %-escaped paths name their directories", () => {
  const resources = [
    resource({
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [
        ["WorkingDirectory", "/srv/my app"],
        ["ReadWritePaths", '"/srv/my data" -"/srv/50%%" /var/lib/app'],
        ["ReadOnlyPaths", '"-/etc/say \\"hi\\""'],
      ]]],
    }),
    ...["/srv/my app", "/srv/my data", "/srv/50%", "/var/lib/app", '/etc/say "hi"'].map((path) =>
      resource({ kind: "directory", path })
    ),
  ];
  assert.deepEqual(
    new Set(dependencies(resources).get("systemd_service:app.service")),
    new Set([
      "directory:/srv/my app",
      "directory:/srv/my data",
      "directory:/srv/50%",
      "directory:/var/lib/app",
      'directory:/etc/say "hi"',
    ]),
  );
});

Deno.test("a timer comes after the service it triggers", () => {
  const ids = ordered([
    { kind: "systemd_timer", name: "backup.timer", unit: "backup.service", sections: [] },
    { kind: "systemd_service", name: "backup.service", sections: [] },
  ]);
  assert.deepEqual(ids, ["systemd_service:backup.service", "systemd_timer:backup.timer"]);
});

Deno.test("explicit dependsOn orders anything", () => {
  const ids = ordered([
    { kind: "command", name: "notify", exec: ["/bin/true"], dependsOn: ["package:curl"] },
    { kind: "package", name: "curl" },
  ]);
  assert.deepEqual(ids, ["package:curl", "command:notify"]);
});

Deno.test("within a service: packages and mise tools first, commands around units by phase", () => {
  const s = { service: "web" };
  const ids = ordered([
    { kind: "command", name: "warm", exec: ["/bin/true"], phase: "after_start", ...s },
    { kind: "systemd_service", name: "web.service", sections: [], ...s },
    { kind: "command", name: "migrate", exec: ["/bin/true"], phase: "before_start", ...s },
    { kind: "directory", path: "/srv/web", ...s },
    { kind: "mise_tool", name: "erlang", version: "29", ...s },
    { kind: "package", name: "git", ...s },
  ]);
  before(ids, "package:git", "mise_tool:erlang");
  before(ids, "mise_tool:erlang", "directory:/srv/web");
  before(ids, "directory:/srv/web", "command:migrate");
  before(ids, "command:migrate", "systemd_service:web.service");
  before(ids, "systemd_service:web.service", "command:warm");
});

Deno.test("free resources keep declaration order", () => {
  const ids = ordered([
    { kind: "package", name: "b" },
    { kind: "package", name: "a" },
    { kind: "account", name: "z" },
    { kind: "account", name: "y" },
  ]);
  assert.deepEqual(ids, ["package:b", "package:a", "account:z", "account:y"]);
});

Deno.test("a cycle is an error naming its members", () => {
  assert.throws(
    () =>
      ordered([
        { kind: "directory", path: "/a", dependsOn: ["directory:/b"] },
        { kind: "directory", path: "/b", dependsOn: ["directory:/c"] },
        { kind: "directory", path: "/c", dependsOn: ["directory:/a"] },
      ]),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "config" &&
      e.message === "dependency cycle: directory:/a → directory:/b → directory:/c → directory:/a",
  );
});

Deno.test("an unknown dependsOn is an error naming both resources and the origin", () => {
  const resources: Resource[] = [
    resource({
      kind: "directory",
      path: "/a",
      dependsOn: ["package:nginx"],
      origin: "/infra/config.ts:7",
    }),
  ];
  assert.throws(
    () => dependencies(resources),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "config" &&
      e.message ===
        "directory:/a depends on package:nginx, which is not declared (/infra/config.ts:7)",
  );
});

Deno.test("formatGraph lists each id with what it waits for", () => {
  const resources = [
    resource({ kind: "directory", path: "/srv" }),
    resource({ kind: "directory", path: "/srv/app" }),
  ];
  const deps = dependencies(resources);
  assert.equal(
    formatGraph(order(resources.map(resourceId), deps), deps),
    "directory:/srv\ndirectory:/srv/app\n  after directory:/srv\n",
  );
});
