/** compileProgram on hand-built host plans: steps, payload, secrets, tracking. */
import assert from "node:assert/strict";
import { compileProgram, type Program } from "../../src/apply/program.ts";
import { down } from "../../src/down/mod.ts";
import { HostkitError } from "../../src/errors.ts";
import type { Change } from "../../src/plan/types.ts";
import type { Tracking } from "../../src/runs/record.ts";
import {
  change,
  fileState,
  hostPlan,
  MISSING,
  readTar,
  type TarMember,
  textAfter,
  upPlan,
} from "./fixtures.ts";

const RUN = "20260614-101148-demo-up-ab12";
const decoder = new TextDecoder();

function compile(
  changes: Change[],
  options: { secrets?: Record<string, string>; tracking?: Tracking } = {},
): Promise<Program> {
  return compileProgram(hostPlan(changes), {
    runId: RUN,
    runsRoot: "/var/lib/hostkit",
    secrets: (name) => options.secrets?.[name],
    tracking: options.tracking,
  });
}

function entry(program: Program, name: string): string | undefined {
  const found = program.entries.find((e) => e.name === name);
  return found && decoder.decode(found.data);
}

/** The per-file payloads (`f/N`, for hk_write). */
function payload(program: Program): Record<string, string> {
  return Object.fromEntries(
    program.entries.filter((e) => e.name.startsWith("f/")).map((
      e,
    ) => [e.name, decoder.decode(e.data)]),
  );
}

/** Names of the batch archives (`b/N.tar`) the program ships after its own files. */
const batchNames = (program: Program) => program.batches.map((b) => b.name);

/** The members of one batch archive, read by the real tar. */
async function batch(program: Program, name: string): Promise<TarMember[]> {
  const found = program.batches.find((e) => e.name === name);
  assert.ok(found, `${name} is shipped`);
  const { listing, members } = await readTar(found.data);
  // Regular files only (tar creates the stage dirs itself), one listing line per member.
  assert.equal(listing.length, members.length, listing.join("\n"));
  assert.ok(listing.every((line) => line.startsWith("-")), listing.join("\n"));
  return members;
}

/** A member as asserted: name, content and mode (owner/group names: see the ignored BUG test). */
const member = (m: TarMember) => [m.name, m.text, m.mode.toString(8)];

/** The stage dir of a destination dir, as its tar member path (no leading slash). */
const staged = (dir: string, name: string) => `${dir.slice(1)}/.hostkit-stage.${RUN}/${name}`;

const commands = (program: Program) => program.steps.map((s) => s.command);

const unitSections = [["Service", [["ExecStart", "/bin/app"]]], ["Install", [[
  "WantedBy",
  "multi-user.target",
]]]];

Deno.test("only files whose bytes change are shipped; consecutive writes share one batch archive", async () => {
  const binary = new Uint8Array([0, 1, 2, 255, 254, 10]);
  const base64 = btoa(String.fromCharCode(...binary));
  const program = await compile([
    change({ kind: "file", path: "/srv/new", content: { text: "fresh\n" } }, "create", "missing", {
      before: MISSING,
      after: textAfter("fresh\n"),
    }),
    change({ kind: "file", path: "/srv/same", content: { text: "same\n" } }, "noop", "in_sync", {
      before: { path: fileState({ text: "same\n" }) },
      after: textAfter("same\n"),
    }),
    // An update carries the owner, group and mode the probe read (keptMetadata).
    change({ kind: "file", path: "/srv/up", content: { text: "v2\n" } }, "update", "content", {
      before: { path: fileState({ text: "v1\n", owner: "www-data", group: "adm", mode: 0o640 }) },
      after: textAfter("v2\n", { owner: "www-data", group: "adm", mode: 0o640 }),
    }),
    change(
      { kind: "file", path: "/srv/meta", content: { text: "meta\n" }, mode: 0o600 },
      "update",
      "mode",
      {
        before: { path: fileState({ text: "meta\n" }) },
        after: textAfter("meta\n", { owner: "root", group: "root", mode: 0o600 }),
      },
    ),
    change({ kind: "file", path: "/srv/blob", content: { base64 } }, "create", "missing", {
      before: MISSING,
      after: { content: { base64 }, size: binary.length },
    }),
    // The probe read an owner without a name (UNKNOWN): the plan leaves it to the host, so the
    // file cannot be staged by tar (which needs a name) and is written on its own.
    change({ kind: "file", path: "/srv/kept", content: { text: "k2\n" } }, "update", "content", {
      before: { path: fileState({ text: "k1\n", owner: "UNKNOWN", group: "UNKNOWN" }) },
      after: textAfter("k2\n", { mode: 0o644 }),
    }),
  ]);
  // Batched files travel in one inner archive per batch; only the file without a known owner
  // has a payload file of its own.
  assert.deepEqual(payload(program), { "f/0": "k2\n" });
  assert.deepEqual(batchNames(program), ["b/1.tar", "b/2.tar"]);
  assert.deepEqual((await batch(program, "b/1.tar")).map(member), [
    [staged("/srv", "new"), "fresh\n", "644"],
    [staged("/srv", "up"), "v2\n", "640"],
  ]);
  const [blob] = await batch(program, "b/2.tar");
  assert.equal(member(blob)[2], "644");
  assert.equal(blob.name, staged("/srv", "blob"));
  assert.deepEqual(blob.bytes, binary);
  // A batch checks that its owners and groups exist, stages, unpacks and renames (hk_commit);
  // a metadata-only change ends the batch and goes through hk_write with `-` (no payload).
  const stage = `/srv/.hostkit-stage.${RUN}`;
  assert.deepEqual(commands(program), [
    `hk_ids u:www-data g:adm &&\nhk_unpack 1 ${stage} &&\nhk_commit 1`,
    "hk_write /srv/meta - root root 0600",
    `hk_ids  &&\nhk_unpack 2 ${stage} &&\nhk_commit 2`,
    "hk_write /srv/kept f/0 '' '' 0644",
  ]);
  assert.deepEqual(program.steps.map((s) => s.label), [
    "write 2 files",
    "set owner/mode of /srv/meta",
    "write /srv/blob",
    "update /srv/kept",
  ]);
  assert.deepEqual(program.steps.map((s) => s.ids), [
    ["file:/srv/new", "file:/srv/up"],
    ["file:/srv/meta"],
    ["file:/srv/blob"],
    ["file:/srv/kept"],
  ]);
  for (const e of program.entries) {
    assert.ok(!decoder.decode(e.data).includes("same\n"), `${e.name} holds an unchanged file`);
    assert.ok(!decoder.decode(e.data).includes("meta\n"), `${e.name} holds a mode-only change`);
  }
  assert.deepEqual(
    program.entries.map((e) => e.name).filter((n) => !/^[fb]\//.test(n)),
    ["run.sh", "lib.sh", "apply.sh", "probe.sh", "expected"],
  );
});

Deno.test("a batch stages each file beside its destination, one stage dir per directory", async () => {
  const file = (path: string, extra: Record<string, unknown> = {}) =>
    change({ kind: "file", path, content: { text: path }, ...extra }, "create", "missing", {
      before: MISSING,
      after: textAfter(path, extra),
    });
  const program = await compile([
    file("/top", { owner: "app", group: "app", mode: 0o600 }),
    file("/etc/app/a", { owner: "app" }),
    file("/etc/app/b", { group: "app", mode: 0o640 }),
    file("/srv/it's here/c d", { owner: "svc", group: "web" }),
  ]);
  assert.equal(program.steps.length, 1);
  assert.equal(program.steps[0].label, "write 4 files");
  assert.deepEqual((await batch(program, "b/0.tar")).map(member), [
    [`.hostkit-stage.${RUN}/top`, "/top", "600"],
    [staged("/etc/app", "a"), "/etc/app/a", "644"],
    [staged("/etc/app", "b"), "/etc/app/b", "640"],
    [staged("/srv/it's here", "c d"), "/srv/it's here/c d", "644"],
  ]);
  // Every name is checked once; the stage dirs are listed once each, quoted for sh.
  assert.equal(
    program.steps[0].command,
    "hk_ids u:app u:svc g:app g:web &&\n" +
      `hk_unpack 0 /.hostkit-stage.${RUN} /etc/app/.hostkit-stage.${RUN} ` +
      `'/srv/it'\\''s here/.hostkit-stage.${RUN}' &&\nhk_commit 0`,
  );
});

Deno.test({
  name: "batch members carry each file's owner and group names",
  async fn() {
    // Regression (fixed): src/transport/tar.ts tarStream() builds each header from name, size, mode and mtime
    // only (lines 40-45): TarEntry.uname/gname are dropped, so every member of b/N.tar carries
    // empty names and uid/gid 0, and root's `tar -x` makes every batched file root:root: declared
    // owners/groups are ignored on create and an update silently changes the file's owner (see
    // the ignored tests in local_apply_test.ts). Fix: pass `uname: entry.uname, gname:
    // entry.gname` in that header.
    const program = await compile([
      change({ kind: "file", path: "/srv/both", content: { text: "b" } }, "create", "missing", {
        before: MISSING,
        after: textAfter("b", { owner: "app", group: "web" }),
      }),
      change({ kind: "file", path: "/srv/owner", content: { text: "o" } }, "create", "missing", {
        before: MISSING,
        after: textAfter("o", { owner: "app" }),
      }),
      change({ kind: "file", path: "/srv/group", content: { text: "g" } }, "create", "missing", {
        before: MISSING,
        after: textAfter("g", { group: "web" }),
      }),
      change({ kind: "file", path: "/srv/none", content: { text: "n" } }, "create", "missing", {
        before: MISSING,
        after: textAfter("n"),
      }),
      change({ kind: "file", path: "/srv/kept", content: { text: "k" } }, "update", "content", {
        before: { path: fileState({ owner: "www-data", group: "adm", mode: 0o640 }) },
        after: textAfter("k", { owner: "www-data", group: "adm", mode: 0o640 }),
      }),
    ]);
    const { listing, members } = await readTar(
      program.batches[0].data,
    );
    assert.deepEqual(members.map((m) => [m.name, `${m.uname}:${m.gname}`]), [
      [staged("/srv", "both"), "app:web"],
      [staged("/srv", "owner"), "app:"],
      [staged("/srv", "group"), ":web"],
      [staged("/srv", "none"), ":"],
      [staged("/srv", "kept"), "www-data:adm"],
    ]);
    // `tar -tv` shows the names where the header has them.
    assert.match(listing[0], /^-rw-r--r-- app\/web /);
    assert.match(listing[4], /^-rw-r----- www-data\/adm /);
  },
});

Deno.test("secrets are resolved into exactly the env file that needs them", async () => {
  const secretEnv = (path: string, action: "create" | "noop") =>
    change(
      {
        kind: "env_file",
        path,
        entries: [{ key: "PORT", value: "4000" }, {
          key: "TOKEN",
          secret: { $secret: { env: "TOKEN" } },
        }],
        mode: 0o640,
        group: "app",
      },
      action,
      action === "create" ? "missing" : "in_sync",
      { before: MISSING, after: { mode: 0o640, group: "app" } },
    );
  const plainEnv = change(
    { kind: "env_file", path: "/etc/app/plain.env", entries: [{ key: "A", value: "b" }] },
    "create",
    "missing",
    { before: MISSING, after: textAfter("A=b\n") },
  );
  const asked: string[] = [];
  const program = await compileProgram(
    hostPlan([
      secretEnv("/etc/app/unchanged.env", "noop"),
      secretEnv("/etc/app/app.env", "create"),
      plainEnv,
    ]),
    {
      runId: RUN,
      runsRoot: "/var/lib/hostkit",
      secrets: (name) => {
        asked.push(name);
        return name === "TOKEN" ? "s3cr3t-value" : undefined;
      },
    },
  );
  assert.deepEqual(asked, ["TOKEN"], "the unchanged env file is not rendered");
  // The secret travels only inside the batch archive, and there only in the env file's member.
  const holding = [...program.entries, ...program.batches].filter((e) =>
    decoder.decode(e.data).includes("s3cr3t-value")
  );
  assert.deepEqual(holding.map((e) => e.name), ["b/0.tar"]);
  assert.deepEqual(payload(program), {});
  const members = await batch(program, "b/0.tar");
  assert.deepEqual(members.map((m) => [m.name, m.mode.toString(8)]), [
    [staged("/etc/app", "app.env"), "640"],
    [staged("/etc/app", "plain.env"), "600"],
  ]);
  assert.match(members[0].text, /^PORT=4000\nTOKEN=s3cr3t-value\n$/m);
  assert.equal(members[1].text, "A=b\n");
  assert.deepEqual(members.filter((m) => m.text.includes("s3cr3t")).map((m) => m.name), [
    staged("/etc/app", "app.env"),
  ]);
  assert.deepEqual(commands(program), [
    `hk_ids g:app &&\nhk_unpack 0 /etc/app/.hostkit-stage.${RUN} &&\nhk_commit 0`,
  ]);
  assert.equal(program.steps[0].label, "write 2 files");
  assert.ok(!JSON.stringify(program.steps).includes("s3cr3t"));
  assert.ok(!entry(program, "apply.sh")!.includes("s3cr3t"));

  await assert.rejects(
    compile([secretEnv("/etc/app/app.env", "create")], { secrets: { OTHER: "x" } }),
    (error: unknown) => {
      assert.ok(error instanceof HostkitError, String(error));
      assert.equal(error.kind, "input");
      assert.match(error.message, /secret environment variable TOKEN is not set/);
      assert.match(error.message, /\/etc\/app\/app\.env/);
      return true;
    },
  );
});

Deno.test("a secret env file written on its own ships the secret only in its payload file", async () => {
  // An update whose owner the probe could not name goes through hk_write and `f/N`.
  const env = change(
    {
      kind: "env_file",
      path: "/etc/app/app.env",
      entries: [{ key: "TOKEN", secret: { $secret: { env: "TOKEN" } } }],
    },
    "update",
    "~TOKEN",
    {
      before: { path: fileState({ owner: "UNKNOWN", group: "UNKNOWN", mode: 0o600 }) },
      after: { mode: 0o600 },
    },
  );
  const config = change(
    { kind: "file", path: "/etc/app/config", content: { text: "c\n" } },
    "create",
    "missing",
    { before: MISSING, after: textAfter("c\n") },
  );
  const program = await compile([env, config], { secrets: { TOKEN: "s3cr3t-value" } });
  const holding = [...program.entries, ...program.batches].filter((e) =>
    decoder.decode(e.data).includes("s3cr3t-value")
  );
  assert.deepEqual(holding.map((e) => e.name), ["f/0"]);
  assert.match(entry(program, "f/0")!, /^TOKEN=s3cr3t-value$/m);
  assert.deepEqual((await batch(program, "b/1.tar")).map(member), [
    [staged("/etc/app", "config"), "c\n", "644"],
  ]);
  assert.deepEqual(commands(program), [
    "hk_write /etc/app/app.env f/0 '' '' 0600",
    `hk_ids  &&\nhk_unpack 1 /etc/app/.hostkit-stage.${RUN} &&\nhk_commit 1`,
  ]);
  assert.ok(!JSON.stringify(program.steps).includes("s3cr3t"));
});

Deno.test("a plan with read errors is refused, naming each unreadable resource", async () => {
  await assert.rejects(
    () =>
      compile([
        change({ kind: "directory", path: "/srv/ok" }, "create", "missing"),
        change({ kind: "directory", path: "/root/x" }, "read_error", "stat: Permission denied"),
      ]),
    (error: unknown) => {
      assert.ok(error instanceof HostkitError);
      assert.equal(error.kind, "data");
      assert.match(error.message, /resources that could not be read/);
      assert.deepEqual(error.details, ["directory:/root/x: stat: Permission denied"]);
      return true;
    },
  );
});

Deno.test("one install step per package manager carries all its packages and the update flag", async () => {
  const program = await compile([
    change({ kind: "package", name: "curl" }, "create", "missing"),
    change({ kind: "directory", path: "/srv/app" }, "create", "missing", {
      after: { mode: 0o755 },
    }),
    change({ kind: "package", name: "htop", manager: "dnf" }, "create", "missing"),
    change({ kind: "package", name: "git", update: true }, "create", "missing"),
    change({ kind: "package", name: "jq", version: "1.7.1-3" }, "create", "missing"),
    change({ kind: "package", name: "web", as: "caddy" }, "create", "missing"),
    change({ kind: "package", name: "done" }, "noop", "in_sync"),
  ]);
  assert.deepEqual(commands(program), [
    "hk_install apt 1 curl git 'jq=1.7.1-3' caddy",
    "hk_dir /srv/app '' '' 0755",
    "hk_install dnf 0 htop",
  ]);
  assert.deepEqual(program.steps[0].ids, [
    "package:curl",
    "package:git",
    "package:jq",
    "package:web",
  ]);
  assert.equal(program.steps[0].label, "install packages curl git jq=1.7.1-3 caddy");
  assert.deepEqual(program.steps[2].ids, ["package:htop"]);

  const removal = await compile([
    change({ kind: "package", name: "curl" }, "delete", "created_by_plan", { after: null }),
    change({ kind: "package", name: "git" }, "delete", "created_by_plan", { after: null }),
  ]);
  assert.deepEqual(commands(removal), ["hk_remove_packages apt curl git"]);
});

Deno.test("units: one activation after the last unit file, before after_start commands", async () => {
  const program = await compile([
    change(
      { kind: "command", name: "migrate", exec: ["/srv/app/bin", "migrate"], service: "app" },
      "update",
      "run",
    ),
    change(
      { kind: "systemd_service", name: "app.service", sections: unitSections },
      "create",
      "missing",
      {
        before: MISSING,
        after: textAfter("[Service]\n", { enable: true, restart: true }),
      },
    ),
    change(
      { kind: "systemd_timer", name: "app.timer", unit: "app.service", sections: unitSections },
      "create",
      "missing",
      { before: MISSING, after: textAfter("[Timer]\n", { enable: true }) },
    ),
    change(
      { kind: "command", name: "warm", exec: ["/srv/app/bin", "warm"], phase: "after_start" },
      "update",
      "run",
    ),
    change({ kind: "file", path: "/srv/app/later", content: { text: "x" } }, "create", "missing", {
      after: textAfter("x"),
    }),
  ]);
  assert.deepEqual(program.steps.map((s) => s.label), [
    "run migrate",
    "write 2 files",
    "systemd: daemon-reload, enable 2, start 2",
    "run warm",
    "write /srv/app/later",
  ]);
  assert.deepEqual(program.steps[1].ids, [
    "systemd_service:app.service",
    "systemd_timer:app.timer",
  ]);
  assert.equal(
    program.steps[1].command,
    `hk_ids  &&\nhk_unpack 0 /etc/systemd/system/.hostkit-stage.${RUN} &&\nhk_commit 0` +
      // New units go into the host's inventory of what hostkit created.
      " &&\nhk_created systemd_service:app.service systemd_timer:app.timer",
  );
  assert.deepEqual((await batch(program, "b/0.tar")).map(member), [
    [staged("/etc/systemd/system", "app.service"), "[Service]\n", "644"],
    [staged("/etc/systemd/system", "app.timer"), "[Timer]\n", "644"],
  ]);
  assert.deepEqual((await batch(program, "b/1.tar")).map(member), [
    [staged("/srv/app", "later"), "x", "644"],
  ]);
  const activation = program.steps[2];
  assert.equal(
    activation.command,
    "hk_activate 0 app.service app.timer -- app.service app.timer -- app.service app.timer --",
  );
  assert.deepEqual(activation.ids, ["systemd_service:app.service", "systemd_timer:app.timer"]);
  assert.equal(program.steps[0].command, "hk_as '' '' /srv/app/bin migrate");
  assert.equal(program.steps.filter((s) => s.command.startsWith("hk_activate")).length, 1);

  const noAfterStart = await compile([
    change(
      { kind: "systemd_service", name: "app.service", sections: unitSections },
      "update",
      "content",
      {
        before: { path: fileState() },
        after: textAfter("[Service]\n", { enable: true, restart: true }),
      },
    ),
    change({ kind: "file", path: "/srv/app/later", content: { text: "x" } }, "create", "missing", {
      after: textAfter("x"),
    }),
  ]);
  assert.equal(
    noAfterStart.steps.at(-1)!.command,
    "hk_activate 0 app.service -- app.service -- app.service --",
  );
});

Deno.test("daemon-reload only when a unit file's content changes", async () => {
  const program = await compile([
    change(
      { kind: "systemd_service", name: "app.service", sections: unitSections },
      "update",
      "not_enabled,not_running",
      {
        before: {
          path: fileState(),
          unit: { load: "loaded", active: "inactive", sub: "dead", unitFile: "disabled" },
        },
        after: textAfter("[Service]\n", { enable: true, restart: true }),
      },
    ),
  ]);
  assert.deepEqual(commands(program), [
    "hk_write /etc/systemd/system/app.service - '' '' ''",
    "hk_activate 0 -- app.service -- app.service --",
  ]);
  assert.deepEqual(payload(program), {});
  assert.equal(program.steps[1].label, "systemd: enable 1, start 1");
});

Deno.test("deleted units are stopped and disabled before their files go", async () => {
  const program = await compile([
    change(
      { kind: "file", path: "/srv/app/a", content: { text: "a" } },
      "delete",
      "created_by_plan",
    ),
    change(
      { kind: "systemd_timer", name: "app.timer", unit: "app.service", sections: [] },
      "delete",
      "created_by_plan",
    ),
    change(
      { kind: "systemd_service", name: "app.service", sections: [] },
      "delete",
      "created_by_plan",
    ),
  ]);
  assert.deepEqual(commands(program), [
    "hk_deactivate app.timer app.service",
    "hk_rm /srv/app/a",
    "hk_rm /etc/systemd/system/app.timer",
    "hk_rm /etc/systemd/system/app.service",
    "hk_activate 1 -- -- --",
  ]);
});

Deno.test("tracking backs up before updates and deletes and ships the record and plan copy", async () => {
  const artifact = new TextEncoder().encode('{"format":"hostkit.plan"}\n');
  const changes = [
    change({ kind: "file", path: "/srv/new", content: { text: "n" } }, "create", "missing", {
      before: MISSING,
      after: textAfter("n"),
    }),
    change({ kind: "file", path: "/srv/up", content: { text: "v2" } }, "update", "content", {
      before: { path: fileState() },
      after: textAfter("v2", { owner: "root", group: "root", mode: 0o644 }),
    }),
    change({ kind: "file", path: "/srv/meta", content: { text: "m" } }, "update", "mode", {
      before: { path: fileState() },
      after: textAfter("m", { mode: 0o600 }),
    }),
    change(
      { kind: "file", path: "/srv/gone", content: { text: "g" } },
      "delete",
      "created_by_plan",
    ),
    change({ kind: "directory", path: "/srv/old" }, "delete", "created_by_plan"),
  ];
  const tracked = await compile(changes, {
    tracking: {
      project: "demo",
      direction: "up",
      backupsRoot: "/data/backups",
      planArtifact: artifact,
    },
  });
  // The batch backs up the files it updates, in one pass over a list, before anything is
  // staged (they are replaced by rename, so hard links keep the old files intact).
  assert.deepEqual(commands(tracked), [
    'hk_ids u:root g:root &&\nhk_backup_list "$D/b/1.backup" &&\n' +
    `hk_unpack 0 /srv/.hostkit-stage.${RUN} &&\nhk_commit 0`,
    "hk_backup /srv/meta && hk_write /srv/meta - '' '' 0600",
    "hk_backup /srv/gone && hk_rm /srv/gone",
    "hk_rmdir /srv/old",
  ]);
  assert.deepEqual((await batch(tracked, "b/0.tar")).map(member), [
    [staged("/srv", "new"), "n", "644"],
    [staged("/srv", "up"), "v2", "644"],
  ]);
  assert.equal(entry(tracked, "b/1.backup"), "/srv/up\0", "only the updated file is backed up");
  const script = entry(tracked, "apply.sh")!;
  assert.match(script, new RegExp(`^HK_TRACK=1 HK_BACKUPS=/data/backups/${RUN}$`, "m"));
  assert.match(script, new RegExp(`^HK_RECORD=/var/lib/hostkit/runs/${RUN}\\.json$`, "m"));
  assert.match(
    script,
    new RegExp(`^HK_PLAN_COPY=/var/lib/hostkit/plans/${RUN}\\.plan\\.json$`, "m"),
  );
  assert.ok(script.indexOf("hk_track_start") < script.indexOf("hk_step 0"));
  const record = JSON.parse(entry(tracked, "record.json")!);
  assert.equal(record.id, RUN);
  assert.equal(record.plan, `/var/lib/hostkit/plans/${RUN}.plan.json`);
  assert.equal(record.backups, `/data/backups/${RUN}`);
  // Both files of the batch share its step, so they are recorded applied (or failed) together.
  assert.deepEqual(record.changes.map((c: { id: string; status: string }) => [c.id, c.status]), [
    ["file:/srv/new", "__STEP_0__"],
    ["file:/srv/up", "__STEP_0__"],
    ["file:/srv/meta", "__STEP_1__"],
    ["file:/srv/gone", "__STEP_2__"],
    ["directory:/srv/old", "__STEP_3__"],
  ]);
  assert.deepEqual(tracked.entries.find((e) => e.name === "plan.json")!.data, artifact);

  const noPlanCopy = await compile(changes, {
    tracking: { project: "demo", direction: "up", backupsRoot: "/data/backups" },
  });
  assert.match(entry(noPlanCopy, "apply.sh")!, /^HK_PLAN_COPY=$/m);
  assert.equal(entry(noPlanCopy, "plan.json"), undefined);

  const untracked = await compile(changes);
  assert.ok(commands(untracked).every((c) => !c.includes("hk_backup")));
  assert.equal(
    commands(untracked)[0],
    `hk_ids u:root g:root &&\nhk_unpack 0 /srv/.hostkit-stage.${RUN} &&\nhk_commit 0`,
  );
  assert.match(entry(untracked, "apply.sh")!, /^HK_TRACK=0$/m);
  assert.equal(entry(untracked, "record.json"), undefined);
  assert.equal(entry(untracked, "plan.json"), undefined);
});

Deno.test("a down plan's restores copy from the backup on the host; nothing is sent", async () => {
  const backups = `/var/lib/hostkit/backups/${RUN}`;
  const up = upPlan([
    change(
      { kind: "file", path: "/etc/app/config", content: { text: "new\n" } },
      "update",
      "content",
      {
        before: { path: fileState({ owner: "app", group: "app", mode: 0o600 }) },
        after: textAfter("new\n"),
      },
    ),
    change(
      { kind: "file", path: "/etc/app/created", content: { text: "c" } },
      "create",
      "missing",
      {
        before: MISSING,
        after: textAfter("c"),
      },
    ),
  ]);
  const { plan } = down(up, { backupsDir: backups });
  const program = await compileProgram(plan.hosts[0], {
    runId: RUN,
    runsRoot: "/var/lib/hostkit",
    secrets: () => undefined,
  });
  assert.deepEqual(commands(program), [
    "hk_rm /etc/app/created",
    `hk_write /etc/app/config '=${backups}/files/etc/app/config' app app 0600`,
  ]);
  assert.equal(program.steps[1].label, "restore /etc/app/config");
  assert.deepEqual(payload(program), {});
  assert.deepEqual(batchNames(program), []);
  assert.deepEqual(program.checked, [], "down changes carry no observed state to re-check");
});

Deno.test("the stale check covers exactly the changes with observed lines", async () => {
  const observed = (c: Change, lines: string[]): Change => ({ ...c, observed: lines });
  const program = await compile([
    observed(
      change({ kind: "file", path: "/srv/a", content: { text: "a" } }, "update", "content", {
        before: { path: fileState() },
        after: textAfter("a"),
      }),
      ["path\t/srv/a\tfile root root 644 4 abc"],
    ),
    observed(change({ kind: "directory", path: "/srv/b" }, "noop", "in_sync"), [
      "path\t/srv/b\tdir",
    ]),
    observed(change({ kind: "directory", path: "/srv/c" }, "create", "missing"), [
      "path\t/srv/c\tmissing",
    ]),
  ]);
  assert.deepEqual(program.checked, ["file:/srv/a", "directory:/srv/c"]);
  assert.equal(
    entry(program, "expected"),
    "0\tpath\t/srv/a\tfile root root 644 4 abc\n1\tpath\t/srv/c\tmissing\n",
  );
  assert.match(entry(program, "probe.sh")!, /\/srv\/c/);
  assert.doesNotMatch(entry(program, "probe.sh")!, /\/srv\/b\b/);
});

Deno.test({
  name: "a tracked unit's record status follows the step that wrote its file",
  async fn() {
    // Regression: the unit is listed by its write step and again by the activation step; its
    // record status must come from the first (the write), so that when a step in between fails,
    // `down --run` still restores the unit file that was already replaced.
    const tracking: Tracking = { project: "demo", direction: "up", backupsRoot: "/data/backups" };
    const unit = change(
      { kind: "systemd_service", name: "app.service", sections: unitSections },
      "update",
      "content",
      {
        before: { path: fileState() },
        after: textAfter("[Service]\n", {
          enable: true,
          restart: true,
          owner: "root",
          group: "root",
          mode: 0o644,
        }),
      },
    );
    const config = change(
      { kind: "file", path: "/srv/app/config", content: { text: "x" } },
      "create",
      "missing",
      { after: textAfter("x") },
    );
    const data = change({ kind: "directory", path: "/srv/app/data" }, "create", "missing", {
      after: { mode: 0o755 },
    });
    const statuses = (program: Program) =>
      JSON.parse(entry(program, "record.json")!).changes.map((
        c: { id: string; status: string },
      ) => `${c.id} ${c.status}`);

    // A directory between the unit and the file ends the batch: a step that can fail after the
    // unit file is in place.
    const split = await compile([unit, data, config], { tracking });
    assert.deepEqual(split.steps.map((s) => s.ids), [
      ["systemd_service:app.service"],
      ["directory:/srv/app/data"],
      ["file:/srv/app/config"],
      ["systemd_service:app.service"],
    ]);
    assert.deepEqual(statuses(split), [
      "systemd_service:app.service __STEP_0__",
      "directory:/srv/app/data __STEP_1__",
      "file:/srv/app/config __STEP_2__",
    ]);

    // Written in one batch, the unit and the file share the write step's status.
    const batched = await compile([unit, config], { tracking });
    assert.deepEqual(batched.steps.map((s) => s.ids), [
      ["systemd_service:app.service", "file:/srv/app/config"],
      ["systemd_service:app.service"],
    ]);
    assert.deepEqual(statuses(batched), [
      "systemd_service:app.service __STEP_0__",
      "file:/srv/app/config __STEP_0__",
    ]);
  },
});

Deno.test({
  name: "an account update adds the declared groups without dropping the account's others",
  async fn() {
    // Regression: `usermod --groups` alone REPLACES the supplementary groups, so the account would
    // silently leave `adm`, which the config never mentioned. Updates append; only down plans
    // restoring a previous list use the replacing form (see tests/down/down_test.ts).
    const program = await compile([
      change({ kind: "account", name: "app", groups: ["docker"] }, "update", "groups", {
        before: {
          account: {
            exists: true,
            uid: 998,
            gid: 998,
            home: "/home/app",
            shell: "/bin/sh",
            group: "app",
            groups: ["app", "adm"],
          },
        },
      }),
    ]);
    assert.match(
      program.steps[0].command,
      /usermod (.* )?(--append --groups docker|--groups (adm,docker|docker,adm)) app$/,
    );
  },
});

Deno.test("a tracked batch of 1,000 updates backs them up with a constant number of processes", async () => {
  const updates = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        change({ kind: "file", path: `/srv/f${i}`, content: { text: "v2" } }, "update", "content", {
          before: { path: fileState() },
          after: textAfter("v2", { owner: "root", group: "root", mode: 0o644 }),
        }),
    );
  const tracking = { project: "demo", direction: "up" as const, backupsRoot: "/b" };
  const [small, large] = await Promise.all([
    compile(updates(10), { tracking }),
    compile(updates(1000), { tracking }),
  ]);
  // Processes are counted in the compiled program (the remote lib resets PATH, so a PATH
  // shim could not count them): the backup is one call, whatever the number of files.
  const calls = (p: typeof small) => commands(p).join("\n").match(/hk_backup\w*/g) ?? [];
  assert.deepEqual(calls(small), ["hk_backup_list"]);
  assert.deepEqual(calls(large), ["hk_backup_list"]);
  assert.equal(commands(large).length, 1, "one batch step");
  assert.equal(entry(large, "b/1.backup")!.split("\0").filter(Boolean).length, 1000);
});
