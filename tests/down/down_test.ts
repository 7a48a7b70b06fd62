/** Down plans derived from hand-built up plans: pure, no host involved. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileProgram } from "../../src/apply/program.ts";
import { down } from "../../src/down/mod.ts";
import { HostkitError } from "../../src/errors.ts";
import { loadPlan, parsePlan, savePlan } from "../../src/plan/artifact.ts";
import { PlanSchema } from "../../src/plan/types.ts";
import { tempDir } from "../helpers.ts";
import {
  change,
  dirState,
  fileState,
  hostPlan,
  MISSING,
  textAfter,
  upPlan,
} from "../apply/fixtures.ts";

const BACKUPS = "/var/lib/hostkit/backups/20260614-101148-demo-up-ab12";

function usageError(message: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HostkitError, String(error));
    assert.equal(error.kind, "usage");
    assert.match(error.message, message);
    return true;
  };
}

const configUpdate = change(
  { kind: "file", path: "/etc/app/config", content: { text: "new\n" }, mode: 0o640 },
  "update",
  "content,mode",
  {
    before: { path: fileState({ owner: "app", group: "app", mode: 0o600, text: "old\n" }) },
    after: textAfter("new\n", { mode: 0o640 }),
  },
);

Deno.test("a metadata update swaps owner, group and mode back from before", () => {
  const up = change(
    { kind: "file", path: "/etc/app/a", content: { text: "x" }, owner: "root", mode: 0o644 },
    "update",
    "owner,mode",
    {
      before: { path: fileState({ owner: "app", group: "staff", mode: 0o600, text: "x" }) },
      after: textAfter("x", { owner: "root", mode: 0o644 }),
    },
  );
  const dir = change({ kind: "directory", path: "/srv/app", mode: 0o750 }, "update", "mode", {
    before: { path: dirState("app", "app", 0o700) },
    after: { mode: 0o750 },
  });
  const { plan, skipped } = down(upPlan([dir, up]));
  assert.deepEqual(skipped, []);
  const [file, directory] = plan.hosts[0].changes;
  assert.equal(file.id, "file:/etc/app/a");
  assert.equal(file.action, "update");
  assert.equal(file.reason, "metadata");
  assert.deepEqual(file.after, { owner: "app", group: "staff", mode: 0o600 });
  assert.equal(file.before, null, "a down plan carries no state to re-check");
  assert.equal(directory.id, "directory:/srv/app");
  assert.deepEqual(directory.after, { owner: "app", group: "app", mode: 0o700 });
});

Deno.test("a content update without backups is skipped with the --track hint", () => {
  const result = down(upPlan([configUpdate]));
  assert.equal(result.plan.hosts[0].changes.length, 0);
  assert.equal(result.skipped.length, 1);
  assert.equal(result.skipped[0].id, "file:/etc/app/config");
  assert.match(result.skipped[0].reason, /not captured \(apply with --track/);
  assert.ok(
    result.plan.diagnostics.some((d) =>
      d.startsWith("skipped file:/etc/app/config: previous content was not captured")
    ),
    result.plan.diagnostics.join("\n"),
  );
});

Deno.test("with a backups dir, content updates restore from $backup refs under <dir>/files<path>", () => {
  const unit = change(
    { kind: "systemd_service", name: "app.service", sections: [] },
    "update",
    "content",
    {
      before: { path: fileState({ text: "[Service]\n" }) },
      after: textAfter("[Service]\nExecStart=/bin/app\n", { enable: true, restart: true }),
    },
  );
  const env = change(
    { kind: "env_file", path: "/etc/app/env", entries: [{ key: "PORT", value: "5000" }] },
    "update",
    "~PORT",
    { before: { path: fileState({ group: "app", mode: 0o640 }) }, after: textAfter("PORT=5000\n") },
  );
  const { plan, skipped } = down(upPlan([configUpdate, env, unit]), { backupsDir: BACKUPS });
  assert.deepEqual(skipped, []);
  const byId = new Map(plan.hosts[0].changes.map((c) => [c.id, c]));
  assert.deepEqual(byId.get("file:/etc/app/config")!.after, {
    content: { $backup: `${BACKUPS}/files/etc/app/config` },
    owner: "app",
    group: "app",
    mode: 0o600,
    restart: false,
  });
  assert.equal(byId.get("file:/etc/app/config")!.reason, "restore");
  assert.deepEqual(byId.get("env_file:/etc/app/env")!.after?.content, {
    $backup: `${BACKUPS}/files/etc/app/env`,
  });
  const restored = byId.get("systemd_service:app.service")!;
  assert.deepEqual(restored.after?.content, {
    $backup: `${BACKUPS}/files/etc/systemd/system/app.service`,
  });
  assert.equal(restored.after?.restart, true, "an enabled service restarts on its old unit");
  assert.ok(
    !JSON.stringify(plan).includes("ExecStart"),
    "no content of either version is embedded",
  );
});

Deno.test("creates become deletes only where the rollback policy is delete_if_created", () => {
  const changes = [
    change({ kind: "account", name: "app", system: true }, "create", "missing", {
      before: { account: { exists: false } },
    }),
    change({ kind: "directory", path: "/srv/app" }, "create", "missing", { before: MISSING }),
    change(
      { kind: "directory", path: "/tmp/demo", rollback: "delete_if_created" },
      "create",
      "missing",
      { before: MISSING },
    ),
    change({ kind: "package", name: "caddy" }, "create", "missing", {
      before: { package: { installed: false } },
    }),
    change(
      { kind: "account", name: "scratch", rollback: "delete_if_created" },
      "create",
      "missing",
      { before: { account: { exists: false } } },
    ),
    change({ kind: "file", path: "/srv/app/a", content: { text: "a" } }, "create", "missing", {
      before: MISSING,
      after: textAfter("a"),
    }),
    change(
      { kind: "file", path: "/srv/app/kept", content: { text: "k" }, rollback: "keep" },
      "create",
      "missing",
      { before: MISSING, after: textAfter("k") },
    ),
    change(
      { kind: "symlink", path: "/srv/app/current", target: "/srv/app/a" },
      "create",
      "missing",
      {
        before: MISSING,
      },
    ),
  ];
  const { plan, skipped } = down(upPlan(changes));
  const deletes = plan.hosts[0].changes;
  assert.deepEqual(deletes.map((c) => c.id), [
    "symlink:/srv/app/current",
    "file:/srv/app/a",
    "account:scratch",
    "directory:/tmp/demo",
  ]);
  for (const c of deletes) {
    assert.equal(c.action, "delete");
    assert.equal(c.reason, "created_by_plan");
    assert.equal(c.after, null);
  }
  assert.deepEqual(
    Object.fromEntries(skipped.map((s) => [s.id, s.reason])),
    {
      "account:app": "rollback: keep",
      "directory:/srv/app": "rollback: keep",
      "package:caddy": "rollback: keep",
      "file:/srv/app/kept": "rollback: keep",
    },
  );
});

Deno.test("deletes become creates only from backups", () => {
  const gone = change(
    { kind: "file", path: "/etc/app/old.conf", content: { text: "x" } },
    "delete",
    "removed",
    { before: { path: fileState({ owner: "app", group: "app", mode: 0o640 }) } },
  );
  const dir = change({ kind: "directory", path: "/srv/old" }, "delete", "removed", {
    before: { path: dirState() },
  });
  const without = down(upPlan([dir, gone]));
  assert.equal(without.plan.hosts[0].changes.length, 0);
  assert.deepEqual(without.skipped.map((s) => s.id), [
    "file:/etc/app/old.conf",
    "directory:/srv/old",
  ]);
  assert.match(without.skipped[0].reason, /--track/);
  assert.match(without.skipped[1].reason, /cannot recreate a deleted directory/);

  const withBackups = down(upPlan([dir, gone]), { backupsDir: BACKUPS });
  const [restored] = withBackups.plan.hosts[0].changes;
  assert.equal(restored.action, "create");
  assert.equal(restored.reason, "restore");
  assert.deepEqual(restored.after, {
    content: { $backup: `${BACKUPS}/files/etc/app/old.conf` },
    owner: "app",
    group: "app",
    mode: 0o640,
    restart: false,
  });
  assert.deepEqual(withBackups.skipped.map((s) => s.id), ["directory:/srv/old"]);
});

Deno.test("commands run their declared down; noop is skipped, irreversible warns and is omitted", () => {
  const migrate = change(
    {
      kind: "command",
      name: "migrate",
      exec: ["bin/app", "eval", "App.Release.migrate()"],
      down: ["bin/app", "eval", "App.Release.rollback()"],
      user: "app",
      cwd: "/srv/app",
    },
    "update",
    "service_changed",
    { before: {} },
  );
  const warm = change(
    { kind: "command", name: "warm_cache", exec: ["bin/app", "warm"], down: "noop" },
    "update",
    "always",
  );
  const seed = change(
    { kind: "command", name: "seed", exec: ["bin/app", "seed"] },
    "update",
    "run",
  );
  const result = down(upPlan([migrate, warm, seed]));
  const [rollback] = result.plan.hosts[0].changes;
  assert.equal(result.plan.hosts[0].changes.length, 1);
  assert.equal(rollback.id, "command:migrate");
  assert.equal(rollback.action, "update");
  assert.equal(rollback.reason, "down");
  assert.ok(rollback.resource.kind === "command");
  assert.deepEqual(rollback.resource.exec, ["bin/app", "eval", "App.Release.rollback()"]);
  assert.equal(rollback.resource.user, "app");
  assert.equal(rollback.resource.cwd, "/srv/app");
  assert.deepEqual(result.skipped, [
    { id: "command:seed", reason: "irreversible" },
    { id: "command:warm_cache", reason: "down: noop" },
  ]);
  assert.deepEqual(result.warnings, [
    "command:seed is irreversible: it is left out of the down plan",
  ]);
  assert.ok(result.plan.diagnostics.includes(result.warnings[0]));
});

Deno.test("the down plan runs in reverse order, without the up plan's dependencies", () => {
  const commands = ["one", "two", "three"].map((name, i, all) =>
    change(
      { kind: "command", name, exec: ["/bin/true"], down: ["/bin/echo", `undo-${name}`] },
      "update",
      "run",
      { dependsOn: i ? [`command:${all[i - 1]}`] : [] },
    )
  );
  const { plan } = down(upPlan(commands));
  const changes = plan.hosts[0].changes;
  assert.deepEqual(changes.map((c) => c.id), ["command:three", "command:two", "command:one"]);
  assert.deepEqual(
    changes.map((c) => c.resource.kind === "command" && c.resource.exec.at(-1)),
    ["undo-three", "undo-two", "undo-one"],
  );
  assert.ok(changes.every((c) => c.dependsOn.length === 0));
});

Deno.test("only and except filter by id; an unknown id is a usage error", () => {
  const a = change({ kind: "file", path: "/srv/a", content: { text: "a" } }, "create", "missing");
  const b = change({ kind: "file", path: "/srv/b", content: { text: "b" } }, "create", "missing");
  const c = change({ kind: "file", path: "/srv/c", content: { text: "c" } }, "create", "missing");
  const plan = upPlan([a, b, c]);
  const ids = (options: Parameters<typeof down>[1]) =>
    down(plan, options).plan.hosts[0].changes.map((x) => x.id);
  assert.deepEqual(ids({ only: ["file:/srv/b"] }), ["file:/srv/b"]);
  assert.deepEqual(ids({ except: ["file:/srv/b"] }), ["file:/srv/c", "file:/srv/a"]);
  assert.deepEqual(ids({ only: ["file:/srv/a", "file:/srv/b"], except: ["file:/srv/a"] }), [
    "file:/srv/b",
  ]);
  assert.throws(
    () => down(plan, { only: ["file:/srv/nope"] }),
    usageError(/^file:\/srv\/nope is not a change of this plan$/),
  );
  assert.throws(() => down(plan, { except: ["file:/srv"] }), usageError(/file:\/srv is not/));
});

Deno.test("with `applied`, changes the run did not apply are skipped", () => {
  const a = change({ kind: "file", path: "/srv/a", content: { text: "a" } }, "create", "missing");
  const boom = change(
    { kind: "command", name: "boom", exec: ["/bin/false"], down: "noop" },
    "update",
    "run",
  );
  const c = change({ kind: "file", path: "/srv/c", content: { text: "c" } }, "create", "missing");
  const result = down(upPlan([a, boom, c]), { applied: ["file:/srv/a"] });
  assert.deepEqual(result.plan.hosts[0].changes.map((x) => x.id), ["file:/srv/a"]);
  assert.deepEqual(result.skipped, [
    { id: "file:/srv/c", reason: "not applied by the run" },
    { id: "command:boom", reason: "not applied by the run" },
  ]);
  assert.equal(result.plan.diagnostics[0], "down plan covers 1 of 3 changes of the up plan");
});

Deno.test("a down plan cannot be inverted again", () => {
  const a = change({ kind: "file", path: "/srv/a", content: { text: "a" } }, "create", "missing");
  const { plan } = down(upPlan([a]));
  assert.equal(plan.direction, "down");
  assert.throws(() => down(plan), usageError(/cannot be inverted again: re-plan/));
});

Deno.test("diagnostics say how much of the up plan the down plan covers; noops do not count", () => {
  const changes = [
    change({ kind: "directory", path: "/srv/app" }, "noop", "in_sync", {
      before: { path: dirState() },
    }),
    change({ kind: "directory", path: "/srv/locked" }, "read_error", "stat: Permission denied"),
    change({ kind: "directory", path: "/srv/new" }, "create", "missing", { before: MISSING }),
    change({ kind: "file", path: "/srv/app/a", content: { text: "a" } }, "create", "missing", {
      before: MISSING,
      after: textAfter("a"),
    }),
    configUpdate,
  ];
  const result = down(upPlan(changes));
  assert.equal(result.total, 3);
  assert.equal(result.plan.diagnostics[0], "down plan covers 1 of 3 changes of the up plan");
  assert.deepEqual(result.plan.summary, {
    create: 0,
    update: 0,
    delete: 1,
    noop: 0,
    read_error: 0,
  });
  assert.deepEqual(result.plan.hosts[0].summary, result.plan.summary);
  assert.equal(result.skipped.length, 2, "noop and read_error are not skipped: nothing to undo");
});

Deno.test("several hosts are inverted each on their own", () => {
  const a = change({ kind: "file", path: "/srv/a", content: { text: "a" } }, "create", "missing");
  const b = change({ kind: "file", path: "/srv/b", content: { text: "b" } }, "create", "missing");
  const web = hostPlan([a], {
    kind: "ssh",
    name: "web",
    host: "10.0.0.5",
    port: 22,
    user: "root",
    sudo: false,
  });
  const db = hostPlan([a, b], {
    kind: "ssh",
    name: "db",
    host: "10.0.0.6",
    port: 22,
    user: "root",
    sudo: true,
  });
  const { plan, total } = down(upPlan([web, db]));
  assert.equal(total, 3);
  assert.deepEqual(plan.hosts.map((h) => [h.target.name, h.changes.map((c) => c.id)]), [
    ["web", ["file:/srv/a"]],
    ["db", ["file:/srv/b", "file:/srv/a"]],
  ]);
  assert.equal(plan.summary.delete, 3);
  assert.equal(plan.hosts[1].machineId, db.machineId, "the down plan is for the same host");
});

Deno.test("symlink and account updates restore what was read", () => {
  const link = change(
    { kind: "symlink", path: "/srv/app/current", target: "/srv/app/releases/2" },
    "update",
    "target",
    {
      before: {
        path: {
          exists: true,
          type: "symlink",
          owner: "root",
          group: "root",
          mode: 0o777,
          size: 19,
          target: "/srv/app/releases/1",
        },
      },
    },
  );
  const account = change(
    { kind: "account", name: "app", home: "/srv/app", shell: "/bin/sh", groups: ["docker"] },
    "update",
    "home,shell,groups",
    {
      before: {
        account: {
          exists: true,
          uid: 998,
          gid: 998,
          home: "/home/app",
          shell: "/usr/sbin/nologin",
          group: "app",
          groups: ["app", "adm"],
        },
      },
    },
  );
  const unknownTarget = change(
    { kind: "symlink", path: "/srv/app/bin", target: "/opt/bin" },
    "update",
    "target",
    { before: { path: { exists: false } } },
  );
  const { plan, skipped } = down(upPlan([link, account, unknownTarget]));
  const byId = new Map(plan.hosts[0].changes.map((c) => [c.id, c]));
  const restoredLink = byId.get("symlink:/srv/app/current")!.resource;
  assert.ok(restoredLink.kind === "symlink");
  assert.equal(restoredLink.target, "/srv/app/releases/1");
  const restoredAccount = byId.get("account:app")!.resource;
  assert.ok(restoredAccount.kind === "account");
  assert.equal(restoredAccount.home, "/home/app");
  assert.equal(restoredAccount.shell, "/usr/sbin/nologin");
  assert.deepEqual(restoredAccount.groups, ["adm"]);
  assert.deepEqual(skipped, [{ id: "symlink:/srv/app/bin", reason: "previous target unknown" }]);
});

Deno.test({
  name: "an account update that changed uid and primary group restores both",
  fn() {
    // Regression (fixed): src/down/mod.ts invert() (case "account", ~line 148) keeps the up plan's `uid` and
    // `group` in the restored resource, so the down plan runs `usermod … --uid 2000 --gid web app`
    // again instead of restoring uid 998 / group app. Fix: also set
    // `uid: account.uid, group: account.group` from `before.account`.
    const account = change(
      { kind: "account", name: "app", uid: 2000, group: "web" },
      "update",
      "uid,group",
      {
        before: {
          account: {
            exists: true,
            uid: 998,
            gid: 998,
            home: "/home/app",
            shell: "/bin/sh",
            group: "app",
            groups: ["app"],
          },
        },
      },
    );
    const [restored] = down(upPlan([account])).plan.hosts[0].changes;
    assert.ok(restored.resource.kind === "account");
    assert.equal(restored.resource.uid, 998);
    assert.equal(restored.resource.group, "app");
  },
});

Deno.test("a down plan validates as a plan artifact and round-trips through a file", async () => {
  await using dir = await tempDir();
  const changes = [
    change(
      { kind: "directory", path: "/srv/app", rollback: "delete_if_created" },
      "create",
      "missing",
      {
        before: MISSING,
        after: { mode: 0o755 },
      },
    ),
    configUpdate,
    change(
      {
        kind: "command",
        name: "migrate",
        exec: ["bin/app", "migrate"],
        down: ["bin/app", "rollback"],
      },
      "update",
      "run",
    ),
  ];
  const { plan } = down(upPlan(changes), { backupsDir: BACKUPS });
  assert.equal(PlanSchema.safeParse(plan).success, true);
  const path = join(dir.path, "down.plan.json");
  await savePlan(plan, path);
  const loaded = await loadPlan(path);
  assert.deepEqual(loaded, plan);
  assert.deepEqual(parsePlan(JSON.stringify(plan), "inline"), plan);
  assert.equal(loaded.direction, "down");
  assert.equal(loaded.project, "demo");
  assert.equal(loaded.runsRoot, "/var/lib/hostkit");
  assert.notEqual(loaded.generatedAt, upPlan(changes).generatedAt, "a new artifact, newly dated");
});

Deno.test({
  name: "undoing added supplementary groups removes them again, down to none",
  async fn() {
    // Regression (fixed): src/down/mod.ts invert() (case "account") restores `groups: []` when the account had
    // no supplementary groups before, and src/apply/program.ts accountCommand() (line ~105) only
    // passes `--groups` when the list is non-empty, so the down step runs
    // `usermod --home-dir … --shell … app` and the group the up plan added stays. Fix: let a
    // restored account always set its full previous list (`--groups ''` clears it), e.g. by
    // marking down-plan account changes (reason "restore") so accountCommand emits `--groups`
    // even when empty.
    const up = change({ kind: "account", name: "app", groups: ["docker"] }, "update", "groups", {
      before: {
        account: {
          exists: true,
          uid: 998,
          gid: 998,
          home: "/home/app",
          shell: "/bin/sh",
          group: "app",
          groups: ["app"],
        },
      },
    });
    const { plan } = down(upPlan([up]));
    const program = await compileProgram(plan.hosts[0], {
      runId: "20260614-101148-demo-down-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    });
    assert.match(program.steps[0].command, /usermod .*--groups '' app$/);
  },
});
