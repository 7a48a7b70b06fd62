import assert from "node:assert/strict";
import { project, ProjectError } from "../../src/dsl/project.ts";
import type { ProjectScope } from "../../src/dsl/project.ts";
import { volume } from "../../src/dsl/storage.ts";
import { secretEnv } from "../../src/model/secret.ts";

const HERE = decodeURIComponent(new URL(import.meta.url).pathname);
const HERE_DIR = HERE.slice(0, HERE.lastIndexOf("/"));

/** The resources a body declares, without origins (asserted separately). */
function declare(body: (p: ProjectScope) => void): Record<string, unknown>[] {
  return project("t", body).resources.map(({ origin: _, ...rest }) => rest);
}

Deno.test("account: options, and the keep rollback default", () => {
  assert.deepEqual(
    declare((p) =>
      p.account("app", {
        system: true,
        home: "/var/lib/app",
        shell: "/usr/sbin/nologin",
        uid: 990,
        group: "app",
        groups: ["www-data"],
      })
    ),
    [{
      kind: "account",
      name: "app",
      system: true,
      home: "/var/lib/app",
      shell: "/usr/sbin/nologin",
      uid: 990,
      group: "app",
      groups: ["www-data"],
      rollback: "keep",
      dependsOn: [],
    }],
  );
  assert.deepEqual(declare((p) => p.account("plain")), [{
    kind: "account",
    name: "plain",
    system: false,
    groups: [],
    rollback: "keep",
    dependsOn: [],
  }]);
});

Deno.test("directory: every mode form becomes an integer", () => {
  const modes = declare((p) => {
    p.directory("/a", { mode: 0o750 });
    p.directory("/b", { mode: "shared_dir" });
    p.directory("/c", { mode: ["rwx", "rx", null] });
    p.directory("/d", { mode: { owner: "rwx", group: "rwx", other: "rx" } });
    p.directory("/e", { mode: ["setgid", "owner_rwx", "group_rwx", "other_rx"] });
    p.directory("/f");
  }).map((r) => r.mode);
  assert.deepEqual(modes, [0o750, 0o2775, 0o750, 0o775, 0o2775, undefined]);
});

Deno.test("directory: owner, group, rollback and dependsOn", () => {
  assert.deepEqual(
    declare((p) => {
      p.account("app");
      p.directory("/srv/app", {
        owner: "app",
        group: "app",
        rollback: "delete_if_created",
        dependsOn: ["account:app"],
      });
    })[1],
    {
      kind: "directory",
      path: "/srv/app",
      owner: "app",
      group: "app",
      rollback: "delete_if_created",
      dependsOn: ["account:app"],
    },
  );
});

Deno.test("directory from a storage volume takes its path, owner, group and mode", () => {
  const v = volume("repos", {
    path: "/srv/repos",
    owner: "git",
    group: "git",
    mode: "private_dir",
  });
  assert.deepEqual(declare((p) => p.directory(v)), [{
    kind: "directory",
    path: "/srv/repos",
    owner: "git",
    group: "git",
    mode: 0o750,
    rollback: "keep",
    dependsOn: [],
    // The volume's metadata stays on its directory (upstream storage/core_test.exs:40-41).
    storage: { name: "repos", backup: false, secret: false },
  }]);
  assert.equal(declare((p) => p.directory(v, { owner: "root" }))[0].owner, "root");
});

Deno.test("directory from a volume normalizes a mode given as an option", () => {
  const v = volume("repos", { path: "/srv/repos", mode: "public_dir" });
  assert.equal(declare((p) => p.directory(v, { mode: "private_dir" }))[0].mode, 0o750);
  assert.equal(declare((p) => p.directory(v, { owner: "git" }))[0].mode, 0o755);
});

Deno.test("file: text, base64 or a source; exactly one", () => {
  const files = declare((p) => {
    p.file("/etc/motd", { content: "hello\n", mode: "public_file", owner: "root" });
    p.file("/etc/blob", { base64: "AAEC" });
    p.file("/etc/abs", { source: "/opt/files/abs" });
    p.file("/etc/rel", { source: "files/rel.conf" });
    p.file("/etc/up", { source: "../files/up.conf" });
  });
  assert.deepEqual(files[0], {
    kind: "file",
    path: "/etc/motd",
    content: { text: "hello\n" },
    owner: "root",
    mode: 0o644,
    rollback: "delete_if_created",
    sensitive: false,
    dependsOn: [],
  });
  assert.deepEqual(files.map((f) => f.content), [
    { text: "hello\n" },
    { base64: "AAEC" },
    { source: "/opt/files/abs" },
    { source: `${HERE_DIR}/files/rel.conf` },
    { source: `${HERE_DIR.slice(0, HERE_DIR.lastIndexOf("/"))}/files/up.conf` },
  ]);
  assert.throws(() => declare((p) => p.file("/x", {})), /file: \/x needs exactly one/);
  assert.throws(
    () => declare((p) => p.file("/x", { content: "a", base64: "YQ==" })),
    /exactly one of content, base64 or source/,
  );
});

Deno.test("symlink", () => {
  assert.deepEqual(declare((p) => p.symlink("/srv/current", "/srv/releases/1")), [{
    kind: "symlink",
    path: "/srv/current",
    target: "/srv/releases/1",
    rollback: "delete_if_created",
    dependsOn: [],
  }]);
  assert.equal(
    declare((p) => p.symlink("/a", "b", { rollback: "keep" }))[0].rollback,
    "keep",
  );
});

Deno.test("envFile: options and body, or a body alone; set and secret", () => {
  const [withOptions, bodyOnly] = declare((p) => {
    p.envFile("/etc/app/env", { owner: "root", group: "app", mode: "secret_group_file" }, (e) => {
      e.set("MIX_ENV", "prod");
      e.set("PORT", 4000);
      e.set("DEBUG", false);
      e.secret("SECRET_KEY_BASE", secretEnv("SECRET_KEY_BASE"));
      e.secret("DATABASE_URL", { env: "DB_URL" });
    });
    p.envFile("/etc/other.env", (e) => e.set("A", "1"));
  });
  assert.deepEqual(withOptions, {
    kind: "env_file",
    path: "/etc/app/env",
    owner: "root",
    group: "app",
    mode: 0o640,
    entries: [
      { key: "MIX_ENV", value: "prod" },
      { key: "PORT", value: "4000" },
      { key: "DEBUG", value: "false" },
      { key: "SECRET_KEY_BASE", secret: { $secret: { env: "SECRET_KEY_BASE" } } },
      { key: "DATABASE_URL", secret: { $secret: { env: "DB_URL" } } },
    ],
    rollback: "delete_if_created",
    dependsOn: [],
  });
  assert.deepEqual(bodyOnly.entries, [{ key: "A", value: "1" }]);
  assert.equal(bodyOnly.mode, undefined);
});

Deno.test("envFile: a bad key is an error naming the file", () => {
  assert.throws(
    () => declare((p) => p.envFile("/etc/app/env", (e) => e.set("BAD-KEY", "x"))),
    (e: unknown) =>
      e instanceof ProjectError &&
      /\/etc\/app\/env set: .*BAD-KEY.* is not a variable name/.test(e.message),
  );
});

Deno.test("command: exec as argv or program + args; phases; down steps; guards", () => {
  const commands = declare((p) => {
    p.command("migrate", {
      exec: ["/opt/app/bin/app", ["eval", "App.Release.migrate()"]],
      phase: "before_start",
      down: ["/opt/app/bin/app", ["eval", "App.Release.rollback()"]],
      user: "app",
      cwd: "/opt/app",
    });
    p.command("warm", { exec: ["/opt/app/bin/app", "warm"], phase: "after_start", down: "noop" });
    p.command("seed", { exec: ["/opt/app/bin/seed"], creates: "/var/lib/app/seeded" });
    p.command("once", { exec: ["/bin/true"], unless: "test -e /x", phase: "always" });
  });
  assert.deepEqual(commands[0], {
    kind: "command",
    name: "migrate",
    exec: ["/opt/app/bin/app", "eval", "App.Release.migrate()"],
    phase: "before_start",
    down: ["/opt/app/bin/app", "eval", "App.Release.rollback()"],
    user: "app",
    cwd: "/opt/app",
    env: {},
    dependsOn: [],
  });
  assert.deepEqual(commands[1].exec, ["/opt/app/bin/app", "warm"]);
  assert.equal(commands[1].down, "noop");
  assert.equal(commands[2].down, "irreversible");
  assert.equal(commands[2].creates, "/var/lib/app/seeded");
  assert.equal(commands[3].unless, "test -e /x");
  assert.equal(commands[3].phase, "always");
});

Deno.test("package: semantic name, distribution name, update, manager, version", () => {
  const [plain, full] = declare((p) => {
    p.package("caddy");
    p.package("build_essential", {
      as: "build-essential",
      update: true,
      manager: "apt",
      version: "12.9",
      rollback: "delete_if_created",
    });
  });
  assert.deepEqual(plain, {
    kind: "package",
    name: "caddy",
    update: false,
    rollback: "keep",
    dependsOn: [],
  });
  assert.deepEqual(full, {
    kind: "package",
    name: "build_essential",
    as: "build-essential",
    update: true,
    manager: "apt",
    version: "12.9",
    rollback: "delete_if_created",
    dependsOn: [],
  });
});

Deno.test("mise: one mise_tool per tool, with the binary and data dir", () => {
  const tools = declare((p) => {
    p.mise({ path: "/opt/mise/bin/mise", systemDataDir: "/opt/mise/share" }, (m) => {
      m.tool("erlang", "29.0.2");
      m.tool("elixir", "1.20.1");
    });
    p.mise({}, (m) => m.tool("node", "22"));
  });
  assert.deepEqual(tools, [
    {
      kind: "mise_tool",
      name: "erlang",
      version: "29.0.2",
      miseBinary: "/opt/mise/bin/mise",
      systemDataDir: "/opt/mise/share",
      rollback: "keep",
      dependsOn: [],
    },
    {
      kind: "mise_tool",
      name: "elixir",
      version: "1.20.1",
      miseBinary: "/opt/mise/bin/mise",
      systemDataDir: "/opt/mise/share",
      rollback: "keep",
      dependsOn: [],
    },
    {
      kind: "mise_tool",
      name: "node",
      version: "22",
      miseBinary: "/usr/local/bin/mise",
      systemDataDir: "/usr/local/share/mise",
      rollback: "keep",
      dependsOn: [],
    },
  ]);
});

Deno.test("every declaration records the file:line of the call", () => {
  const spec = project("t", (p) => {
    p.directory("/srv/origin"); // origin-marker
  });
  const line =
    Deno.readTextFileSync(HERE).split("\n").findIndex((l) => l.includes("// origin-" + "marker")) +
    1;
  assert.equal(spec.resources[0].origin, `${HERE}:${line}`);
});
