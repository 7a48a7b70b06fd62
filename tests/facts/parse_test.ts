/** parseProbe on a fixed probe output: the Facts it must produce. */
import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { parseProbe } from "../../src/facts/parse.ts";
import { resource } from "../helpers.ts";

const resources = [
  resource({ kind: "directory", path: "/srv/app" }),
  resource({ kind: "file", path: "/etc/app.conf", content: { text: "x" } }),
  resource({ kind: "symlink", path: "/srv/current", target: "/srv/releases/1" }),
  resource({ kind: "env_file", path: "/etc/app.env", entries: [] }),
  resource({ kind: "account", name: "app" }),
  resource({ kind: "account", name: "ghost" }),
  resource({
    kind: "systemd_service",
    name: "app.service",
    sections: [],
  }),
  resource({ kind: "package", name: "caddy" }),
  resource({ kind: "package", name: "nginx" }),
  resource({ kind: "mise_tool", name: "erlang", version: "29" }),
  resource({ kind: "command", name: "seed", exec: ["/bin/true"], creates: "/x" }),
  resource({ kind: "directory", path: "/root/private" }),
  resource({ kind: "file", path: "/etc/missing", content: { text: "" } }),
];

const OUTPUT = [
  "host\tos\tdebian 12",
  "host\tpm\tapt",
  "host\tsystemd\tyes",
  "host\tmachine\t0123456789abcdef",
  "0\tpath\tdirectory app app 2775 0",
  "1\tpath\tfile root app 640 12",
  "1\tsha256\t" + "ab".repeat(32),
  "2\ttarget\t2f7372762f72656c65617365732f310a",
  "2\tpath\tsymlink root root 777 0",
  "3\tpath\tfile root app 640 30",
  "3\tenv\tMIX_ENV " + "01".repeat(32),
  "3\tenv\tPORT " + "02".repeat(32),
  "4\taccount\tapp:x:990:990::/var/lib/app:/usr/sbin/nologin",
  "4\tgroup\tapp",
  "4\tgroups\tapp www-data",
  "5\taccount\tmissing",
  "6\tpath\tfile root root 644 200",
  "6\tsha256\t" + "cd".repeat(32),
  "6\tload\tloaded",
  "6\tactive\tactive",
  "6\tsub\trunning",
  "6\tunitfile\tenabled",
  "7\tpackage\tii  2.6.2-5",
  "8\tpackage\tun ",
  '9\tmise\tinstalled\t{"erlang":[{"version":"29","install_path":"/usr/local/share/mise/installs/erlang/29"}]}',
  "10\tguard\tcreates",
  "11\terror\tstat: cannot stat '/root/private': Permission denied",
  "12\tpath\tmissing",
  "garbage line without tabs",
  "",
].join("\n");

Deno.test("a fixed probe output parses into exactly these facts", () => {
  const facts = parseProbe(OUTPUT, resources);
  assert.deepEqual(facts.os, { id: "debian", version: "12" });
  assert.equal(facts.packageManager, "apt");
  assert.equal(facts.systemd, true);
  assert.equal(facts.machineId, "0123456789abcdef");
  assert.deepEqual(facts.states, {
    "directory:/srv/app": {
      path: { exists: true, type: "directory", owner: "app", group: "app", mode: 0o2775, size: 0 },
    },
    "file:/etc/app.conf": {
      path: {
        exists: true,
        type: "file",
        owner: "root",
        group: "app",
        mode: 0o640,
        size: 12,
        sha256: "ab".repeat(32),
      },
    },
    "symlink:/srv/current": {
      path: {
        exists: true,
        type: "symlink",
        owner: "root",
        group: "root",
        mode: 0o777,
        size: 0,
        target: "/srv/releases/1",
      },
    },
    "env_file:/etc/app.env": {
      path: {
        exists: true,
        type: "file",
        owner: "root",
        group: "app",
        mode: 0o640,
        size: 30,
        envKeys: { MIX_ENV: "01".repeat(32), PORT: "02".repeat(32) },
      },
    },
    "account:app": {
      account: {
        exists: true,
        uid: 990,
        gid: 990,
        home: "/var/lib/app",
        shell: "/usr/sbin/nologin",
        group: "app",
        groups: ["app", "www-data"],
      },
    },
    "account:ghost": { account: { exists: false } },
    "systemd_service:app.service": {
      path: {
        exists: true,
        type: "file",
        owner: "root",
        group: "root",
        mode: 0o644,
        size: 200,
        sha256: "cd".repeat(32),
      },
      unit: { load: "loaded", active: "active", sub: "running", unitFile: "enabled" },
    },
    "package:caddy": { package: { installed: true, version: "2.6.2-5" } },
    "package:nginx": { package: { installed: false } },
    "mise_tool:erlang": { installed: true },
    "command:seed": { satisfied: "creates" },
    "directory:/root/private": {},
    "file:/etc/missing": { path: { exists: false } },
  });
  assert.deepEqual(facts.errors, {
    "directory:/root/private": "stat: cannot stat '/root/private': Permission denied",
  });
});

Deno.test("observed lines leave out volatile unit state", () => {
  const facts = parseProbe(OUTPUT, resources);
  assert.deepEqual(facts.observed["systemd_service:app.service"], [
    "path\tfile root root 644 200",
    `sha256\t${"cd".repeat(32)}`,
    "load\tloaded",
    "unitfile\tenabled",
  ]);
  assert.deepEqual(facts.observed["file:/etc/missing"], ["path\tmissing"]);
  const running = parseProbe(OUTPUT, resources).observed;
  const stopped = parseProbe(
    OUTPUT.replace("6\tactive\tactive", "6\tactive\tinactive").replace(
      "6\tsub\trunning",
      "6\tsub\tdead",
    ),
    resources,
  ).observed;
  assert.deepEqual(running, stopped);
});

Deno.test("a resource with no probe lines has an empty state; units default to unknown", () => {
  const facts = parseProbe("host\tos\tdebian 12\n", resources);
  assert.deepEqual(facts.states["directory:/srv/app"], {});
  assert.deepEqual(facts.states["systemd_service:app.service"], {
    unit: { load: "unknown", active: "unknown", sub: "unknown", unitFile: "" },
  });
  assert.deepEqual(facts.states["package:caddy"], { package: { installed: false } });
  assert.equal(facts.packageManager, undefined);
  assert.equal(facts.systemd, false);
});

Deno.test("a host-level error fails the read, naming it", () => {
  assert.throws(
    () => parseProbe("host\terror\tstat: Permission denied\n", resources),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "unreachable" &&
      e.message === "reading the host failed: stat: Permission denied",
  );
});
