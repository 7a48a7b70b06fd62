import assert from "node:assert/strict";
import { type Resource, resourceId, ResourceSchema } from "../../src/model/resource.ts";
import { hostPath, isFileLike } from "../../src/kinds/mod.ts";
import { resource } from "../helpers.ts";

Deno.test("resource ids are kind:name, with the path for path kinds", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ kind: "account", name: "app" }, "account:app"],
    [{ kind: "directory", path: "/srv/app" }, "directory:/srv/app"],
    [{ kind: "file", path: "/etc/motd", content: { text: "hi" } }, "file:/etc/motd"],
    [{ kind: "symlink", path: "/srv/current", target: "/srv/v1" }, "symlink:/srv/current"],
    [{ kind: "env_file", path: "/etc/app.env", entries: [] }, "env_file:/etc/app.env"],
    [
      { kind: "systemd_service", name: "app.service", sections: [] },
      "systemd_service:app.service",
    ],
    [
      { kind: "systemd_timer", name: "app.timer", sections: [], unit: "app.service" },
      "systemd_timer:app.timer",
    ],
    [{ kind: "command", name: "migrate", exec: ["/bin/true"] }, "command:migrate"],
    [{ kind: "package", name: "caddy" }, "package:caddy"],
    [{ kind: "mise_tool", name: "erlang", version: "29" }, "mise_tool:erlang"],
  ];
  for (const [data, id] of cases) assert.equal(resourceId(resource(data)), id);
});

Deno.test("host paths of file-like kinds; units live in /etc/systemd/system", () => {
  assert.equal(
    hostPath(resource({ kind: "systemd_service", name: "a.service", sections: [] })),
    "/etc/systemd/system/a.service",
  );
  assert.equal(
    hostPath(resource({ kind: "systemd_timer", name: "a.timer", sections: [], unit: "a.service" })),
    "/etc/systemd/system/a.timer",
  );
  assert.equal(hostPath(resource({ kind: "directory", path: "/srv" })), "/srv");
  assert.equal(hostPath(resource({ kind: "package", name: "caddy" })), undefined);
  assert.equal(isFileLike(resource({ kind: "env_file", path: "/e", entries: [] })), true);
  assert.equal(isFileLike(resource({ kind: "directory", path: "/srv" })), false);
});

Deno.test("defaults: rollback policies, phases and down steps", () => {
  const r = (data: Record<string, unknown>) => resource(data) as Resource & Record<string, unknown>;
  assert.equal(r({ kind: "account", name: "a" }).rollback, "keep");
  assert.equal(r({ kind: "directory", path: "/a" }).rollback, "keep");
  assert.equal(r({ kind: "package", name: "a" }).rollback, "keep");
  assert.equal(
    r({ kind: "file", path: "/a", content: { text: "" } }).rollback,
    "delete_if_created",
  );
  const command = r({ kind: "command", name: "c", exec: ["/bin/true"] });
  assert.equal(command.phase, "before_start");
  assert.equal(command.down, "irreversible");
  const mise = r({ kind: "mise_tool", name: "erlang", version: "29" });
  assert.equal(mise.miseBinary, "/usr/local/bin/mise");
  assert.equal(mise.systemDataDir, "/usr/local/share/mise");
});

Deno.test("paths must be absolute, without . or .. segments, NUL or newline", () => {
  for (const path of ["srv/app", "/srv/../etc", "/srv/./app", "/a\nb", "/a\0b", "/srv/.."]) {
    const parsed = ResourceSchema.safeParse({ kind: "directory", path });
    assert.equal(parsed.success, false, JSON.stringify(path));
  }
  for (const path of ["/srv/app", "/srv/my app", "/srv/it's", "/srv/.hidden", "/srv/a..b"]) {
    assert.ok(ResourceSchema.safeParse({ kind: "directory", path }).success, path);
  }
});

Deno.test("names: users, env keys and unit names are checked", () => {
  const bad: Record<string, unknown>[] = [
    { kind: "account", name: "bad name" },
    { kind: "directory", path: "/a", owner: "root;rm" },
    { kind: "env_file", path: "/a", entries: [{ key: "1X", value: "" }] },
    { kind: "env_file", path: "/a", entries: [{ key: "A-B", value: "" }] },
    { kind: "systemd_service", name: "app", sections: [] },
    { kind: "systemd_service", name: "app.timer", sections: [] },
    { kind: "systemd_timer", name: "app.service", sections: [], unit: "app.service" },
    { kind: "command", name: "c", exec: [] },
    { kind: "directory", path: "/a", mode: 0o10000 },
    { kind: "directory", path: "/a", extra: true },
  ];
  for (const data of bad) {
    assert.equal(ResourceSchema.safeParse(data).success, false, JSON.stringify(data));
  }
});
