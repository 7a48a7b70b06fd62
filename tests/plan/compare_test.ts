/** compare(): one verdict per kind, from hand-built State objects. */
import assert from "node:assert/strict";
import type { PathState, State } from "../../src/facts/state.ts";
import type { Resource } from "../../src/model/resource.ts";
import { compare } from "../../src/plan/compare.ts";
import { desiredState, envLineHashes, sha256 } from "../../src/plan/desired.ts";
import { resource } from "../helpers.ts";

const noSource = (path: string): Uint8Array => {
  throw new Error(`unexpected read of ${path}`);
};

function verdict(r: Resource, state: State): string {
  const v = compare(r, desiredState(r, noSource), state);
  return `${v.action}/${v.reason}`;
}

function fileState(overrides: Partial<PathState & { exists: true }> = {}): { path: PathState } {
  return {
    path: {
      exists: true,
      type: "file",
      owner: "root",
      group: "root",
      mode: 0o644,
      size: 3,
      ...overrides,
    },
  };
}

const motd = resource({
  kind: "file",
  path: "/etc/motd",
  content: { text: "hi\n" },
  owner: "root",
  mode: 0o644,
});
const motdSha = sha256("hi\n");

Deno.test("file: missing, in sync, content drift, metadata drift, both", () => {
  assert.equal(verdict(motd, { path: { exists: false } }), "create/missing");
  assert.equal(verdict(motd, {}), "create/missing");
  assert.equal(verdict(motd, fileState({ sha256: motdSha })), "noop/in_sync");
  assert.equal(verdict(motd, fileState({ sha256: sha256("other") })), "update/content");
  assert.equal(
    verdict(motd, fileState({ sha256: motdSha, owner: "app", mode: 0o600 })),
    "update/owner,mode",
  );
  assert.equal(
    verdict(motd, fileState({ sha256: "0", owner: "app" })),
    "update/content,owner",
  );
});

Deno.test("only declared attributes are compared: an undeclared group is not drift", () => {
  assert.equal(verdict(motd, fileState({ sha256: motdSha, group: "staff" })), "noop/in_sync");
  const grouped = resource({ kind: "file", path: "/x", content: { text: "" }, group: "app" });
  assert.equal(
    verdict(grouped, fileState({ sha256: sha256(""), group: "root", mode: 0o777 })),
    "update/group",
  );
});

Deno.test("a path of another type is a read error, not something to overwrite", () => {
  assert.equal(
    verdict(motd, fileState({ type: "directory" })),
    "read_error/exists as a directory, not a file",
  );
  const dir = resource({ kind: "directory", path: "/srv/app" });
  assert.equal(
    verdict(dir, fileState({ type: "symlink" })),
    "read_error/exists as a symlink, not a directory",
  );
});

Deno.test("directory: missing, in sync, owner/group/mode drift", () => {
  const dir = resource({
    kind: "directory",
    path: "/srv/app",
    owner: "app",
    group: "app",
    mode: 0o750,
  });
  const state = (o: Partial<PathState & { exists: true }>) =>
    fileState({ type: "directory", owner: "app", group: "app", mode: 0o750, size: 4096, ...o });
  assert.equal(verdict(dir, { path: { exists: false } }), "create/missing");
  assert.equal(verdict(dir, state({})), "noop/in_sync");
  assert.equal(
    verdict(dir, state({ owner: "root", group: "root", mode: 0o755 })),
    "update/owner,group,mode",
  );
});

Deno.test("symlink: target drift", () => {
  const link = resource({ kind: "symlink", path: "/srv/current", target: "/srv/releases/2" });
  const state = (target: string) => fileState({ type: "symlink", target });
  assert.equal(verdict(link, state("/srv/releases/2")), "noop/in_sync");
  assert.equal(verdict(link, state("/srv/releases/1")), "update/target");
  assert.equal(verdict(link, { path: { exists: false } }), "create/missing");
});

Deno.test("env file: key drift from line hashes, without reading secret values", () => {
  const env = resource({
    kind: "env_file",
    path: "/etc/app/env",
    mode: 0o640,
    entries: [
      { key: "MIX_ENV", value: "prod" },
      { key: "PORT", value: "4000" },
      { key: "SECRET_KEY_BASE", secret: { $secret: { env: "SECRET_KEY_BASE" } } },
    ],
  });
  const desired = desiredState(env, noSource);
  assert.equal(desired.content, undefined, "secrets are rendered only at apply");
  assert.equal(desired.sha256, undefined);
  const want = envLineHashes(env);
  assert.equal(want.SECRET_KEY_BASE, null, "a secret's hash is never computed");
  const state = (envKeys: Record<string, string>, mode = 0o640) => fileState({ mode, envKeys });
  // The probe compares each line on the host and reports only same / different / present.
  const same = { MIX_ENV: "same", PORT: "same", SECRET_KEY_BASE: "present" };
  assert.equal(verdict(env, state(same)), "noop/in_sync");
  assert.equal(verdict(env, state({ ...same, PORT: "different" })), "update/~PORT");
  const { MIX_ENV: _, ...noMixEnv } = same;
  assert.equal(verdict(env, state(noMixEnv)), "update/+MIX_ENV");
  assert.equal(verdict(env, state({ ...same, DEBUG: "x" })), "update/-DEBUG");
  const { SECRET_KEY_BASE: __, ...noSecret } = same;
  assert.equal(verdict(env, state(noSecret)), "update/+SECRET_KEY_BASE");
  assert.equal(verdict(env, state(same, 0o644)), "update/mode");
  assert.equal(verdict(env, state({})), "update/+MIX_ENV,+PORT,+SECRET_KEY_BASE");
});

Deno.test("account: missing, and home/shell/uid/group/groups drift", () => {
  const account = resource({
    kind: "account",
    name: "app",
    home: "/var/lib/app",
    shell: "/usr/sbin/nologin",
    uid: 990,
    group: "app",
    groups: ["www-data"],
  });
  const state = (o: Record<string, unknown> = {}): State => ({
    account: {
      exists: true,
      uid: 990,
      gid: 990,
      home: "/var/lib/app",
      shell: "/usr/sbin/nologin",
      group: "app",
      groups: ["app", "www-data"],
      ...o,
    } as State["account"],
  });
  assert.equal(verdict(account, { account: { exists: false } }), "create/missing");
  assert.equal(verdict(account, {}), "create/missing");
  assert.equal(verdict(account, state()), "noop/in_sync");
  assert.equal(verdict(account, state({ home: "/home/app" })), "update/home");
  assert.equal(verdict(account, state({ shell: "/bin/bash" })), "update/shell");
  assert.equal(verdict(account, state({ uid: 1000 })), "update/uid");
  assert.equal(verdict(account, state({ group: "users" })), "update/group");
  assert.equal(verdict(account, state({ groups: ["app"] })), "update/groups");
  assert.equal(
    verdict(account, state({ groups: ["app", "www-data", "docker"] })),
    "noop/in_sync",
    "extra groups are not drift",
  );
  const bare = resource({ kind: "account", name: "app" });
  assert.equal(verdict(bare, state({ home: "/anything", shell: "/bin/sh" })), "noop/in_sync");
});

Deno.test("package and mise tool: installed or not", () => {
  const pkg = resource({ kind: "package", name: "caddy" });
  assert.equal(verdict(pkg, { package: { installed: true, version: "2.6" } }), "noop/in_sync");
  assert.equal(verdict(pkg, { package: { installed: false } }), "create/missing");
  assert.equal(verdict(pkg, {}), "create/missing");
  const tool = resource({ kind: "mise_tool", name: "erlang", version: "29.0.2" });
  assert.equal(verdict(tool, { installed: true }), "noop/in_sync");
  assert.equal(verdict(tool, { installed: false }), "create/missing");
});

Deno.test("command: a satisfied guard skips it; otherwise it runs", () => {
  const cmd = resource({
    kind: "command",
    name: "seed",
    exec: ["/bin/seed"],
    creates: "/var/lib/app/seeded",
  });
  assert.equal(verdict(cmd, { satisfied: "creates" }), "noop/guard:creates");
  assert.equal(verdict(cmd, { satisfied: "unless" }), "noop/guard:unless");
  assert.equal(verdict(cmd, {}), "update/run");
});

Deno.test("units: content drift, not enabled, not running", () => {
  const service = resource({
    kind: "systemd_service",
    name: "app.service",
    sections: [["Service", [["ExecStart", "/bin/true"]]], ["Install", [[
      "WantedBy",
      "multi-user.target",
    ]]]],
  });
  const desired = desiredState(service, noSource);
  assert.equal(desired.enable, true);
  const state = (unitFile: string, active: string, sha = desired.sha256): State => ({
    ...fileState({ sha256: sha }),
    unit: { load: "loaded", active, sub: "running", unitFile },
  });
  assert.equal(verdict(service, state("enabled", "active")), "noop/in_sync");
  assert.equal(verdict(service, state("disabled", "active")), "update/not_enabled");
  assert.equal(verdict(service, state("enabled", "failed")), "update/not_running");
  assert.equal(verdict(service, state("enabled", "active", "x")), "update/content");

  const notInstalled = resource({
    kind: "systemd_service",
    name: "oneshot.service",
    sections: [["Service", [["Type", "oneshot"], ["ExecStart", "/bin/true"]]]],
  });
  const sha = desiredState(notInstalled, noSource).sha256;
  assert.equal(
    verdict(notInstalled, {
      ...fileState({ sha256: sha }),
      unit: { load: "loaded", active: "inactive", sub: "dead", unitFile: "static" },
    }),
    "noop/in_sync",
    "a unit without [Install] need not be enabled or running",
  );

  const timer = resource({
    kind: "systemd_timer",
    name: "app.timer",
    unit: "app.service",
    sections: [["Timer", [["OnCalendar", "daily"]]], ["Install", [["WantedBy", "timers.target"]]]],
  });
  const timerSha = desiredState(timer, noSource).sha256;
  const timerState = (unitFile: string, active: string): State => ({
    ...fileState({ sha256: timerSha }),
    unit: { load: "loaded", active, sub: "waiting", unitFile },
  });
  assert.equal(verdict(timer, timerState("enabled", "inactive")), "noop/in_sync");
  assert.equal(verdict(timer, timerState("disabled", "active")), "update/not_enabled");
});
