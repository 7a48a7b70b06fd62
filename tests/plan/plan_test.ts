import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { load } from "../../src/config/load.ts";
import { HostkitError } from "../../src/errors.ts";
import type { Facts, State } from "../../src/facts/state.ts";
import { resourceId } from "../../src/model/resource.ts";
import { buildChanges, desiredStates } from "../../src/plan/build.ts";
import { plan, PLAN_FORMAT, PLAN_VERSION } from "../../src/plan/mod.ts";
import { localTarget } from "../../src/transport/local.ts";
import { exampleConfigs, projectOf, resource, tempDir } from "../helpers.ts";

const noSource = (path: string): Uint8Array => {
  throw new Error(`unexpected read of ${path}`);
};

Deno.test("an offline plan of every example creates everything", async (t) => {
  for (const config of await exampleConfigs()) {
    await t.step(basename(config), async () => {
      const spec = await load(config);
      const result = await plan(spec, { readSource: () => new Uint8Array() });
      assert.equal(result.format, PLAN_FORMAT);
      assert.equal(result.version, PLAN_VERSION);
      assert.equal(result.project, spec.name);
      assert.equal(result.direction, "up");
      assert.equal(result.runsRoot, spec.runsRoot);
      assert.equal(result.hosts.length, 1);
      const [host] = result.hosts;
      assert.deepEqual(host.target, { kind: "offline", name: "offline" });
      assert.equal(host.changes.length, spec.resources.length);
      assert.ok(host.changes.every((c) => c.action === "create" && c.reason === "offline"));
      assert.ok(host.changes.every((c) => c.before === null));
      assert.deepEqual(result.summary, {
        create: spec.resources.length,
        update: 0,
        delete: 0,
        noop: 0,
        read_error: 0,
      });
      assert.deepEqual(
        new Set(host.changes.map((c) => c.id)),
        new Set(spec.resources.map(resourceId)),
      );
      const seen = new Set<string>();
      for (const change of host.changes) {
        for (const dep of change.dependsOn) {
          assert.ok(seen.has(dep), `${change.id} comes before its dependency ${dep}`);
        }
        seen.add(change.id);
      }
    });
  }
});

Deno.test("offline creates of text files carry a diff from nothing; secrets never appear", async () => {
  const spec = await load(
    join(new URL("../../examples/", import.meta.url).pathname, "app_lifecycle.ts"),
  );
  const result = await plan(spec);
  const changes = result.hosts[0].changes;
  const unit = changes.find((c) => c.id === "systemd_service:shop-web.service")!;
  assert.match(
    unit.diff!,
    /^--- \/etc\/systemd\/system\/shop-web\.service \(host\)\n\+\+\+ .* \(declared\)\n@@ -0,0 \+1,\d+ @@\n\+# Managed by hostkit/,
  );
  assert.equal(unit.after?.restart, true);
  const env = changes.find((c) => c.id === "env_file:/etc/shop/web/env")!;
  assert.equal(env.diff, undefined, "an env file with secrets has no content at plan time");
  assert.equal(env.after?.content, undefined);
  assert.match(JSON.stringify(result), /"\$secret":\{"env":"SECRET_KEY_BASE"\}/);
});

Deno.test("--ignore makes a change noop/ignored; an unknown id is a usage error", async () => {
  const spec = projectOf([{ kind: "directory", path: "/srv/a" }, {
    kind: "directory",
    path: "/srv/b",
  }]);
  const result = await plan(spec, { ignore: ["directory:/srv/b"] });
  assert.deepEqual(result.hosts[0].changes.map((c) => `${c.id} ${c.action}/${c.reason}`), [
    "directory:/srv/a create/offline",
    "directory:/srv/b noop/ignored",
  ]);
  await assert.rejects(
    plan(spec, { ignore: ["directory:/srv/c"] }),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "usage" &&
      e.message === "--ignore directory:/srv/c: no such resource in test",
  );
});

Deno.test("a file source that cannot be read is an input error naming it", async () => {
  const spec = projectOf([{
    kind: "file",
    path: "/etc/x",
    content: { source: "/nonexistent/hk-src" },
  }]);
  await assert.rejects(
    plan(spec),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" && /\/nonexistent\/hk-src/.test(e.message),
  );
});

Deno.test("planning against this machine reads it: existing paths are in sync, others are created", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "exists"));
  await Deno.writeTextFile(join(dir.path, "same.txt"), "same\n");
  await Deno.writeTextFile(join(dir.path, "changed.txt"), "old\n");
  const spec = projectOf([
    { kind: "directory", path: join(dir.path, "exists") },
    { kind: "directory", path: join(dir.path, "missing") },
    { kind: "file", path: join(dir.path, "same.txt"), content: { text: "same\n" } },
    { kind: "file", path: join(dir.path, "changed.txt"), content: { text: "new\n" } },
  ]);
  const result = await plan(spec, { targets: [localTarget()] });
  const host = result.hosts[0];
  assert.equal(host.error, undefined);
  assert.deepEqual(host.target, { kind: "local", name: "local", sudo: false });
  assert.deepEqual(host.changes.map((c) => `${c.action}/${c.reason}`), [
    "noop/in_sync",
    "create/missing",
    "noop/in_sync",
    "update/content",
  ]);
  const changed = host.changes[3];
  assert.match(changed.diff!, /\n-old\n\+new\n/);
  assert.ok(changed.observed?.length && changed.before?.path?.exists);
});

function factsOf(states: Record<string, State>, extra: Partial<Facts> = {}): Facts {
  return {
    os: { id: "debian", version: "12" },
    packageManager: "apt",
    systemd: true,
    machineId: "m",
    triggers: [],
    created: [],
    states,
    observed: {},
    errors: {},
    ...extra,
  };
}

const present = (sha?: string): State => ({
  path: {
    exists: true,
    type: "file",
    owner: "root",
    group: "root",
    mode: 0o644,
    size: 1,
    sha256: sha,
  },
});

Deno.test("a read error for a resource becomes a read_error change", () => {
  const resources = [resource({ kind: "directory", path: "/root/secret" })];
  const facts = factsOf(
    { "directory:/root/secret": {} },
    { errors: { "directory:/root/secret": "stat: Permission denied" } },
  );
  const [change] = buildChanges(resources, desiredStates(resources, noSource), facts);
  assert.equal(change.action, "read_error");
  assert.equal(change.reason, "stat: Permission denied");
});

Deno.test("commands run when their guard is unmet, their service changed, or always", () => {
  const s = { service: "web" };
  const resources = [
    resource({ kind: "directory", path: "/srv/web", ...s }),
    resource({ kind: "command", name: "plain", exec: ["/bin/true"], ...s }),
    resource({ kind: "command", name: "always", exec: ["/bin/true"], phase: "always", ...s }),
    resource({ kind: "command", name: "guarded", exec: ["/bin/true"], creates: "/done", ...s }),
    resource({ kind: "command", name: "other", exec: ["/bin/true"], service: "other" }),
  ];
  const desired = desiredStates(resources, noSource);
  const dirState: State = {
    path: { exists: true, type: "directory", owner: "root", group: "root", mode: 0o755, size: 1 },
  };
  const run = (dir: State) =>
    buildChanges(
      resources,
      desired,
      factsOf({
        "directory:/srv/web": dir,
        "command:plain": {},
        "command:always": {},
        "command:guarded": {},
        "command:other": {},
      }),
    ).map((c) => `${c.id} ${c.action}/${c.reason}`);
  assert.deepEqual(run(dirState), [
    "directory:/srv/web noop/in_sync",
    "command:plain noop/in_sync",
    "command:always update/always",
    "command:guarded update/run",
    "command:other noop/in_sync",
  ]);
  assert.deepEqual(run({ path: { exists: false } }), [
    "directory:/srv/web create/missing",
    "command:plain update/service_changed",
    "command:always update/always",
    "command:guarded update/service_changed",
    "command:other noop/in_sync",
  ]);
});

Deno.test("a changed env file restarts the unit that reads it", () => {
  const resources = [
    resource({ kind: "env_file", path: "/etc/app/env", entries: [{ key: "A", value: "2" }] }),
    resource({
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [["ExecStart", "/bin/true"], ["EnvironmentFile", "/etc/app/env"]]], [
        "Install",
        [["WantedBy", "multi-user.target"]],
      ]],
      environmentFiles: ["/etc/app/env"],
    }),
  ];
  const desired = desiredStates(resources, noSource);
  const unitState: State = {
    ...present(desired.get("systemd_service:app.service")!.sha256),
    unit: { load: "loaded", active: "active", sub: "running", unitFile: "enabled" },
  };
  const envState = (line: string): State => ({
    path: {
      exists: true,
      type: "file",
      owner: "root",
      group: "root",
      mode: 0o600,
      size: 4,
      // As the probe reports it: the line compared on the host with the declared one.
      envKeys: { A: line === "A=2" ? "same" : "different" },
    },
  });
  const changes = (line: string) =>
    buildChanges(
      resources,
      desired,
      factsOf({
        "env_file:/etc/app/env": envState(line),
        "systemd_service:app.service": unitState,
      }),
    );
  const same = changes("A=2");
  assert.deepEqual(same.map((c) => c.action), ["noop", "noop"]);
  const drift = changes("A=1");
  assert.deepEqual(drift.map((c) => `${c.action}/${c.reason}`), [
    "update/~A",
    "update/env_file_changed",
  ]);
  assert.equal(drift[1].after?.restart, true);
  assert.deepEqual(drift[1].dependsOn, ["env_file:/etc/app/env"]);
});

Deno.test("a content change shows a diff against the host's current text", () => {
  const resources = [resource({ kind: "file", path: "/etc/motd", content: { text: "a\nb\nc\n" } })];
  const desired = desiredStates(resources, noSource);
  const facts = factsOf({ "file:/etc/motd": present("old-sha") });
  const previews = new Map([["/etc/motd", new TextEncoder().encode("a\nB\nc\n")]]);
  const [change] = buildChanges(resources, desired, facts, { previews });
  assert.equal(change.action, "update");
  assert.equal(
    change.diff,
    "--- /etc/motd (host)\n+++ /etc/motd (declared)\n@@ -1,3 +1,3 @@\n a\n-B\n+b\n c\n",
  );
  const [unseen] = buildChanges(resources, desired, facts);
  assert.equal(unseen.action, "update");
  assert.equal(unseen.diff, undefined, "no diff against content that was not read");
});
