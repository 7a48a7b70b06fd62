/**
 * Apply end to end on this machine: plan with the local target, apply the plan
 * (one tar stream, the generated program really runs), re-plan. Everything
 * lives in a temp dir, including the runs root; no root needed.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { apply, type ApplyEvent } from "../../src/apply/mod.ts";
import { compileProgram, type Step } from "../../src/apply/program.ts";
import { HostkitError } from "../../src/errors.ts";
import { resourceId } from "../../src/model/resource.ts";
import { tempDir } from "../helpers.ts";
import { project } from "../../src/dsl/mod.ts";
import { change, MISSING, readTar, textAfter, upPlan } from "./fixtures.ts";
import {
  applyHere,
  BLOB,
  declare,
  exists,
  leftovers,
  modeOf,
  planLocal,
  secrets,
  target,
} from "./local_project.ts";

Deno.test("apply writes what the plan says; a re-plan is all noop", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = declare(dir);
  const up = await planLocal(spec);
  assert.equal(up.summary.create, 5);
  const events: string[] = [];
  const [result] = await applyHere(up, {
    confirm: true,
    onEvent: (e) => events.push(e.type),
  });
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.deepEqual(new Set(result.applied), new Set(spec.resources.map(resourceId)));
  assert.ok(events.includes("started") && events.at(-1) === "done", events.join(" "));

  assert.equal(await modeOf(`${dir}/app`), 0o750);
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n");
  assert.equal(await modeOf(`${dir}/app/config`), 0o640);
  assert.deepEqual(await Deno.readFile(`${dir}/app/blob`), BLOB);
  assert.equal(await modeOf(`${dir}/app/blob`), 0o755);
  assert.equal(await Deno.readLink(`${dir}/app/current`), `${dir}/app/config`);
  assert.equal(
    await Deno.readTextFile(`${dir}/app/app.env`),
    '# Managed by hostkit. Local edits are overwritten on the next apply.\nPORT=4000\nTOKEN="t0ken value"\n',
  );
  assert.equal(await modeOf(`${dir}/app/app.env`), 0o600);
  const leftovers = [];
  for await (const e of Deno.readDir(`${dir}/app`)) {
    if (e.name.startsWith(".hostkit")) leftovers.push(e.name);
  }
  assert.deepEqual(leftovers, [], "no temp files are left next to the written ones");
  assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");
  assert.equal(await exists(`${dir}/runs/runs`), false, "untracked: no run record");

  const again = await planLocal(spec);
  assert.deepEqual(again.summary, { create: 0, update: 0, delete: 0, noop: 5, read_error: 0 });
  const quiet: string[] = [];
  const [nothing] = await applyHere(again, { confirm: true, onEvent: (e) => quiet.push(e.type) });
  assert.equal(nothing.status, "nothing");
  assert.deepEqual(quiet, [], "nothing to change and no tracking: the program is not even sent");
  assert.equal(nothing.log, undefined);
});

Deno.test("a stale plan is refused naming the changed resource; nothing is written", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await applyHere(await planLocal(declare(dir)), { confirm: true });
  const next = await planLocal(declare(dir, { config: "v2\n", extra: true }));
  assert.equal(next.summary.update + next.summary.create, 2);
  await Deno.writeTextFile(`${dir}/app/config`, "edited on the host\n");

  const [result] = await applyHere(next, { confirm: true });
  assert.equal(result.status, "stale", JSON.stringify(result));
  assert.deepEqual(result.stale, [`file:${dir}/app/config`]);
  assert.deepEqual(result.applied, []);
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "edited on the host\n");
  assert.equal(await exists(`${dir}/app/extra`), false);
  assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");
});

Deno.test("a plan for another machine is refused as stale", async () => {
  await using tmp = await tempDir();
  const up = await planLocal(declare(tmp.path));
  up.hosts[0].machineId = "ffffffffffffffffffffffffffffffff";
  const [result] = await applyHere(up, { confirm: true });
  assert.equal(result.status, "stale");
  assert.match(result.message ?? "", /made for another host/);
  assert.equal(await exists(`${tmp.path}/app`), false);
});

Deno.test("a live lock holder makes apply fail fast as locked; a dead one without a boot id needs --break-lock", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const up = await planLocal(declare(dir));
  const holder =
    `pid=${Deno.pid} started=2026-06-14T10:11:48Z run=20260614-101148-e2e-up-ab12 user=ops`;
  await Deno.mkdir(`${dir}/runs/lock`, { recursive: true });
  await Deno.writeTextFile(`${dir}/runs/lock/holder`, holder + "\n");

  const [locked] = await applyHere(up, { confirm: true });
  assert.equal(locked.status, "locked", JSON.stringify(locked));
  assert.equal(locked.holder, holder);
  assert.match(locked.message!, /^another apply holds the lock on local: pid=/);
  assert.equal(await exists(`${dir}/app`), false, "nothing was written");
  assert.equal(await Deno.readTextFile(`${dir}/runs/lock/holder`), holder + "\n", "the lock stays");

  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const dead = `pid=${gone.pid} started=2026-06-14T10:11:48Z run=x user=ops`;
  await Deno.writeTextFile(`${dir}/runs/lock/holder`, dead + "\n");
  const [stale] = await applyHere(up, { confirm: true });
  assert.equal(stale.status, "locked");
  assert.match(stale.message!, /a killed apply left its lock .*--break-lock/);
  assert.equal(await exists(`${dir}/app`), false);

  const [broken] = await applyHere(up, {
    confirm: true,
    breakLock: true,
  });
  assert.equal(broken.status, "applied", JSON.stringify(broken));
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n");
  assert.equal(await exists(`${dir}/runs/lock`), false);
});

Deno.test("dry-run compiles and reports the steps but touches nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const up = await planLocal(declare(dir));
  const compiled = new Map<string, Step[]>();
  const results = await applyHere(up, {
    dryRun: true,
    onCompiled: (host, steps) => compiled.set(host, steps),
    onEvent: () => assert.fail("a dry run sends nothing"),
  });
  assert.deepEqual(results, [{ host: "local", status: "dry-run", applied: [] }]);
  // The config and the blob are written in one batch; the symlink ends it.
  assert.deepEqual(compiled.get("local")?.map((s) => s.label), [
    `directory ${dir}/app`,
    "write 2 files",
    `symlink ${dir}/app/current → ${dir}/app/config`,
    `write ${dir}/app/app.env`,
  ]);
  assert.deepEqual(compiled.get("local")?.[1].ids, [
    `file:${dir}/app/config`,
    `file:${dir}/app/blob`,
  ]);
  const entries = [];
  for await (const e of Deno.readDir(dir)) entries.push(e.name);
  assert.deepEqual(entries, [], "neither the files nor the runs root exist");
});

Deno.test("apply without confirm is a usage error; a missing secret fails before anything runs", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const up = await planLocal(declare(dir));
  await assert.rejects(applyHere(up, {}), (error: unknown) => {
    assert.ok(error instanceof HostkitError);
    assert.equal(error.kind, "usage");
    assert.match(error.message, /pass --confirm \(or --dry-run/);
    return true;
  });
  await assert.rejects(
    applyHere(up, { confirm: true, secrets: () => undefined }),
    (error: unknown) => {
      assert.ok(error instanceof HostkitError);
      assert.equal(error.kind, "input");
      assert.match(error.message, /HK_E2E_TOKEN is not set/);
      return true;
    },
  );
  const entries = [];
  for await (const e of Deno.readDir(dir)) entries.push(e.name);
  assert.deepEqual(entries, [], "nothing was written, not even the directory planned first");
});

Deno.test("a batch that cannot stage one of its files fails as one step and renames none of them", async (t) => {
  const cases: {
    name: string;
    bad: (dir: string) => [string, Record<string, string>];
    cause: RegExp;
  }[] = [
    {
      name: "the owner does not exist",
      bad: (dir) => [`${dir}/app/owned`, { owner: "hk-no-such-user" }],
      cause: /hk-no-such-user/,
    },
    {
      name: "the parent path is a regular file",
      bad: (dir) => [`${dir}/blocker/x`, {}],
      cause: /Not a directory|File exists/,
    },
  ];
  for (const { name, bad, cause } of cases) {
    await t.step(name, async () => {
      await using tmp = await tempDir();
      const dir = tmp.path;
      await applyHere(await planLocal(declare(dir)), { confirm: true });
      await Deno.writeTextFile(`${dir}/blocker`, "a file, not a directory\n");
      const [badPath, badOptions] = bad(dir);
      const spec = project("e2e", (p) => {
        p.runsRoot(`${dir}/runs`);
        p.file(`${dir}/app/config`, { content: "v2\n", mode: 0o640 });
        p.file(`${dir}/other/new`, { content: "new\n" });
        p.file(badPath, { content: "x\n", ...badOptions });
      });
      const next = await planLocal(spec);
      assert.deepEqual(
        next.hosts[0].changes.map((c) => `${c.action} ${c.id}`),
        [`update file:${dir}/app/config`, `create file:${dir}/other/new`, `create file:${badPath}`],
      );

      const [result] = await applyHere(next, { confirm: true });
      assert.equal(result.status, "failed", JSON.stringify(result));
      assert.equal(result.failed?.label, "write 3 files");
      assert.deepEqual(result.failed?.ids, next.hosts[0].changes.map((c) => c.id));
      assert.deepEqual(result.applied, []);
      assert.match(result.failed?.output.join("\n") ?? "", cause);
      // The files staged before the failing one were not renamed into place.
      assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n");
      assert.equal(await modeOf(`${dir}/app/config`), 0o640);
      assert.equal(await exists(`${dir}/other/new`), false);
      assert.equal(await exists(badPath), false);
      assert.equal(await Deno.readTextFile(`${dir}/blocker`), "a file, not a directory\n");
      assert.deepEqual(await leftovers(dir), [], "the staged copies are removed");
      assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");
    });
  }
});

/**
 * A config file and an env file under `dir`, owned by nobody:nogroup (when root) with modes that
 * are not the defaults; `spec(version)` declares both without owner, group or mode, and `kept`
 * checks that a version was written and the files kept what they had.
 */
async function ownedFiles(dir: string) {
  const root = Deno.uid() === 0;
  const [uid, gid] = root ? [65534, 65534] : [Deno.uid()!, Deno.gid()!]; // nobody:nogroup
  await Deno.mkdir(`${dir}/app`);
  await Deno.writeTextFile(`${dir}/app/config`, "v1\n");
  await Deno.chmod(`${dir}/app/config`, 0o640);
  await Deno.writeTextFile(`${dir}/app/app.env`, "A=1\n");
  await Deno.chmod(`${dir}/app/app.env`, 0o604); // not the env file default (0600)
  if (root) {
    await Deno.chown(`${dir}/app/config`, uid, gid);
    await Deno.chown(`${dir}/app/app.env`, uid, gid);
  }
  const spec = (version: string) =>
    project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/app/config`, { content: `${version}\n` });
      p.envFile(`${dir}/app/app.env`, (e) => e.set("A", version));
    });
  const kept = async (version: string) => {
    assert.equal(await Deno.readTextFile(`${dir}/app/config`), `${version}\n`);
    assert.match(await Deno.readTextFile(`${dir}/app/app.env`), new RegExp(`^A=${version}$`, "m"));
    for (const [path, mode] of [[`${dir}/app/config`, 0o640], [`${dir}/app/app.env`, 0o604]]) {
      const stat = await Deno.stat(path as string);
      assert.equal(stat.mode! & 0o7777, mode, `${path} mode`);
      assert.deepEqual([stat.uid, stat.gid], [uid, gid], `${path} owner`);
    }
    assert.deepEqual(await leftovers(dir), []);
  };
  return { root, spec, kept };
}

Deno.test("an update that declares no owner, group or mode keeps the file's (plan without them)", async () => {
  // Plans made before they carried what was read give the host nothing: hk_write keeps the
  // existing owner, group and mode by itself.
  await using tmp = await tempDir();
  const { spec, kept } = await ownedFiles(tmp.path);
  const bare = await planLocal(spec("v3"));
  for (const change of bare.hosts[0].changes) {
    delete change.after?.owner;
    delete change.after?.group;
    delete change.after?.mode;
  }
  const steps: Step[] = [];
  const [again] = await applyHere(bare, {
    confirm: true,
    onCompiled: (_host, compiled) => steps.push(...compiled),
  });
  assert.equal(again.status, "applied", JSON.stringify(again));
  assert.deepEqual(steps.map((s) => s.label), [
    `update ${tmp.path}/app/config`,
    `update ${tmp.path}/app/app.env`,
  ]);
  await kept("v3");
  assert.equal((await planLocal(spec("v3"))).summary.noop, 2);
});

Deno.test({
  name: "an update that declares no owner, group or mode keeps the file's (the plan carries them)",
  async fn() {
    // Regression (fixed): src/transport/tar.ts tarStream() (the header passed to archive.entry, lines 40-45)
    // drops TarEntry.uname/gname, so every member of a batch archive (b/N.tar) has an empty owner
    // and group name and uid/gid 0: root's `tar -x` makes each batched file root:root. Here the
    // files lose nobody:nogroup on their first update (an app can no longer read its own
    // config); a declared `owner`/`group` is likewise ignored for created files, while hk_ids
    // still checks the names exist. Fix: add `uname: entry.uname, gname: entry.gname` to that
    // header (tar-stream writes them into the ustar header; GNU tar then resolves them by name).
    await using tmp = await tempDir();
    const { root, spec, kept } = await ownedFiles(tmp.path);
    const up = await planLocal(spec("v2"));
    assert.deepEqual(up.hosts[0].changes.map((c) => c.action), ["update", "update"]);
    // The plan carries what it read, so the reviewed plan shows what the files will keep.
    assert.deepEqual(
      up.hosts[0].changes.map((c) => [c.after?.owner, c.after?.group, c.after?.mode]),
      up.hosts[0].changes.map((c) => {
        const path = c.before?.path;
        assert.ok(path?.exists);
        return [path.owner, path.group, path.mode];
      }),
    );
    assert.deepEqual(up.hosts[0].changes.map((c) => c.after?.mode), [0o640, 0o604]);
    if (root) {
      assert.deepEqual(up.hosts[0].changes.map((c) => c.after?.owner), ["nobody", "nobody"]);
    }
    const steps: Step[] = [];
    const [result] = await applyHere(up, {
      confirm: true,
      onCompiled: (_host, compiled) => steps.push(...compiled),
    });
    assert.equal(result.status, "applied", JSON.stringify(result));
    assert.deepEqual(steps.map((s) => s.label), ["write 2 files"], "staged by name in one batch");
    await kept("v2");
    assert.equal((await planLocal(spec("v2"))).summary.noop, 2);
  },
});

Deno.test({
  name: "a created file gets the declared owner and group",
  async fn() {
    // Regression (fixed): src/transport/tar.ts tarStream() drops uname/gname (see the test above): the file is
    // created root:root although `owner`/`group` are declared and hk_ids checked they exist.
    if (Deno.uid() !== 0) return; // chown to another user needs root
    await using tmp = await tempDir();
    const dir = tmp.path;
    const spec = project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/app/owned`, {
        content: "o\n",
        owner: "nobody",
        group: "nogroup",
        mode: 0o640,
      });
      p.file(`${dir}/app/grouped`, { content: "g\n", group: "nogroup" });
    });
    const [result] = await applyHere(await planLocal(spec), { confirm: true });
    assert.equal(result.status, "applied", JSON.stringify(result));
    for (
      const [name, ids, mode] of [["owned", [65534, 65534], 0o640], [
        "grouped",
        [0, 65534],
        0o644,
      ]] as const
    ) {
      const stat = await Deno.stat(`${dir}/app/${name}`);
      assert.deepEqual([stat.uid, stat.gid], ids, `${name} owner`);
      assert.equal(stat.mode! & 0o7777, mode, `${name} mode`);
    }
    assert.equal((await planLocal(spec)).summary.noop, 2);
  },
});

Deno.test({
  name: "an update keeps an owner that has no name on the host",
  async fn() {
    // Regression: the probe reads an owner/group without a passwd/group entry as the literal
    // "UNKNOWN" (a deleted user, files unpacked from an archive, shifted container ids). The plan
    // used to carry it, and `install -o UNKNOWN` failed the whole batch: such a file could not be
    // updated at all. Now the plan leaves it out, and hk_write keeps the file's numeric ids.
    if (Deno.uid() !== 0) return; // chown to another uid needs root
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.mkdir(`${dir}/app`);
    await Deno.writeTextFile(`${dir}/app/config`, "v1\n");
    await Deno.chown(`${dir}/app/config`, 23456, 23456);
    await Deno.chmod(`${dir}/app/config`, 0o604);
    // Only the group has no name: the owner's name is kept, the gid too.
    await Deno.writeTextFile(`${dir}/app/half`, "h1\n");
    await Deno.chown(`${dir}/app/half`, 65534, 23457);
    const up = await planLocal(project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/app/config`, { content: "v2\n" });
      p.file(`${dir}/app/half`, { content: "h2\n" });
      p.file(`${dir}/app/new`, { content: "n\n" });
    }));
    assert.deepEqual(
      up.hosts[0].changes.map((c) => [c.action, c.after?.owner, c.after?.group, c.after?.mode]),
      [
        ["update", undefined, undefined, 0o604],
        ["update", "nobody", undefined, 0o644],
        // The default mode of a new file is in the plan, where a reviewer sees it.
        ["create", undefined, undefined, 0o644],
      ],
    );
    const steps: Step[] = [];
    const [result] = await applyHere(up, {
      confirm: true,
      onCompiled: (_host, compiled) => steps.push(...compiled),
    });
    assert.equal(result.status, "applied", JSON.stringify(result));
    // Without names, the files are written on their own (tar stages by name), the new one in a batch.
    assert.deepEqual(steps.map((s) => s.label), [
      `update ${dir}/app/config`,
      `update ${dir}/app/half`,
      `write ${dir}/app/new`,
    ]);
    for (
      const [name, text, ids, mode] of [
        ["config", "v2\n", [23456, 23456], 0o604],
        ["half", "h2\n", [65534, 23457], 0o644],
        ["new", "n\n", [0, 0], 0o644],
      ] as const
    ) {
      assert.equal(await Deno.readTextFile(`${dir}/app/${name}`), text);
      const stat = await Deno.stat(`${dir}/app/${name}`);
      assert.deepEqual([stat.uid, stat.gid], ids, `${name} owner`);
      assert.equal(stat.mode! & 0o7777, mode, `${name} mode`);
    }
    assert.deepEqual(await leftovers(dir), []);
  },
});

Deno.test({
  name: "a batch whose rename fails leaves no staged copies behind",
  async fn() {
    // Regression: hk_commit dropped the stage list whatever the renames returned, so after a failed
    // rename (here a directory sits where the file goes; also e.g. an immutable destination)
    // hk_unstage found no list and every stage dir not yet renamed stayed on the host.
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.mkdir(`${dir}/a`, { recursive: true });
    await Deno.mkdir(`${dir}/b/two/inside`, { recursive: true });
    // Hand-built (the planner refuses a directory where a file goes): no observed state, so no
    // stale check stops it before the batch runs.
    const plan = upPlan([
      change(
        { kind: "file", path: `${dir}/a/one`, content: { text: "one\n" } },
        "create",
        "missing",
        {
          before: MISSING,
          after: textAfter("one\n"),
        },
      ),
      change(
        { kind: "file", path: `${dir}/b/two`, content: { text: "two\n" } },
        "create",
        "missing",
        {
          before: MISSING,
          after: textAfter("two\n"),
        },
      ),
    ], `${dir}/runs`);
    delete plan.hosts[0].machineId;
    const [result] = await applyHere(plan, { confirm: true });
    assert.equal(result.status, "failed", JSON.stringify(result));
    assert.equal(result.failed?.label, "write 2 files");
    assert.match(result.failed?.output.join("\n") ?? "", /cannot overwrite directory/);
    assert.deepEqual(await leftovers(dir), []);
  },
});

Deno.test("files with long, quoted names are applied through one batch archive", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // The stage members are longer than ustar's 100-byte name field: one splits at a slash into
  // prefix and name, one has a base name over 100 bytes, one a path over 255 bytes (pax).
  const deep = `${dir}/${
    Array.from({ length: 5 }, (_, i) => `level ${i} "quoted" it's`).join("/")
  }`;
  const longBase = `a name with spaces, 'single' and "double" quotes, $HOME, \\, ünïcode ${
    "x".repeat(60)
  }`;
  const files: [string, string, number][] = [
    [`${deep}/short 'one'`, "one\n", 0o644],
    [`${dir}/app/${longBase}`, "two\n", 0o600],
    [`${deep}/${"deeper still/".repeat(6)}${longBase}`, "three\n", 0o640],
  ];
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    for (const [path, content, mode] of files) p.file(path, { content, mode });
  });
  const up = await planLocal(spec);
  const program = await compileProgram(up.hosts[0], {
    runId: "20260614-101148-e2e-up-ab12",
    runsRoot: `${dir}/runs`,
    secrets,
  });
  assert.deepEqual(program.steps.map((s) => s.label), ["write 3 files"]);
  const { members } = await readTar(program.batches[0].data);
  const stagedAs = (path: string) => {
    const slash = path.lastIndexOf("/");
    return `${path.slice(1, slash)}/.hostkit-stage.20260614-101148-e2e-up-ab12${path.slice(slash)}`;
  };
  assert.deepEqual(
    members.map((m) => [m.name, m.text, m.mode]),
    files.map(([path, text, mode]) => [
      stagedAs(path),
      text,
      mode,
    ]),
  );
  const bytes = members.map((m) => new TextEncoder().encode(m.name).length);
  assert.ok(bytes[0] > 100 && bytes[0] <= 255 && bytes[2] > 255, String(bytes));

  const [result] = await applyHere(up, { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  for (const [path, content, mode] of files) {
    assert.equal(await Deno.readTextFile(path), content, path);
    assert.equal(await modeOf(path), mode, path);
  }
  assert.deepEqual(await leftovers(dir), []);
  assert.equal((await planLocal(spec)).summary.noop, 3);

  // A newline cannot be declared (paths refuse it) but may come from a hand-built plan: the
  // batch still stages, renames and cleans up by exact name.
  const odd = `${dir}/app/line one\nline 'two' "three"`;
  const plan = upPlan([
    change(
      { kind: "file", path: `${dir}/app/plain`, content: { text: "p\n" } },
      "create",
      "missing",
      {
        before: MISSING,
        after: textAfter("p\n"),
      },
    ),
    change(
      { kind: "file", path: `${dir}/app/placeholder`, content: { text: "nl\n" } },
      "create",
      "missing",
      {
        before: MISSING,
        after: textAfter("nl\n", { mode: 0o600 }),
      },
    ),
  ], `${dir}/runs`);
  delete plan.hosts[0].machineId;
  (plan.hosts[0].changes[1].resource as { path: string }).path = odd;
  const [written] = await applyHere(plan, { confirm: true });
  assert.equal(written.status, "applied", JSON.stringify(written));
  assert.equal(await Deno.readTextFile(odd), "nl\n");
  assert.equal(await modeOf(odd), 0o600);
  assert.equal(await Deno.readTextFile(`${dir}/app/plain`), "p\n");
  assert.equal(await exists(`${dir}/app/placeholder`), false);
  assert.deepEqual(await leftovers(dir), []);
});

Deno.test({
  name: "the apply dir keeps its events log but no payload: secrets are not left behind",
  async fn() {
    // Regression (fixed): src/apply/remote.ts hk_finish() (line 49) removes "$D/f" (the per-file payloads) but
    // not "$D/b", where the batch archives now travel. The apply dir stays under /var/tmp for a
    // week (for its events log), so every batched file's bytes stay there with it, including
    // rendered env files with their secrets. Fix: `rm -rf "$D/f" "$D/b" …` in hk_finish.
    await using tmp = await tempDir();
    const dir = tmp.path;
    const [result] = await apply(await planLocal(declare(dir)), {
      targets: [target],
      secrets,
      confirm: true,
    });
    const applyDir = dirname(result.log!);
    try {
      assert.equal(result.status, "applied", JSON.stringify(result));
      assert.match(await Deno.readTextFile(`${dir}/app/app.env`), /t0ken value/);
      const left: string[] = [];
      const walk = async (path: string) => {
        for await (const e of Deno.readDir(path)) {
          if (e.isDirectory) await walk(`${path}/${e.name}`);
          else left.push(`${path}/${e.name}`.slice(applyDir.length + 1));
        }
      };
      await walk(applyDir);
      assert.ok(left.includes("events.log"), left.join(" "));
      for (const name of left) {
        const text = new TextDecoder().decode(await Deno.readFile(`${applyDir}/${name}`));
        assert.ok(!text.includes("t0ken value"), `${name} holds the secret`);
      }
      assert.deepEqual(left.filter((n) => /^[fb]\//.test(n)), [], "no payload files");
    } finally {
      await Deno.remove(applyDir, { recursive: true });
    }
  },
});

Deno.test("a program killed mid-step is reported as died (which step, what was applied); its lock is then broken as provably dead", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A sleep with a unique argument: the test finds exactly this apply's process group by it.
  const sleep = `7.${String(crypto.getRandomValues(new Uint16Array(1))[0]).padStart(5, "0")}`;
  const spec = (second: string) =>
    project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/first`, { content: "1\n" });
      p.command("slow", { exec: ["/bin/sleep", sleep], dependsOn: [`file:${dir}/first`] });
      p.file(`${dir}/second`, { content: second, dependsOn: ["command:slow"] });
    });
  const up = await planLocal(spec("2\n"));
  const events: ApplyEvent[] = [];
  const applying = applyHere(up, { confirm: true, onEvent: (e) => events.push(e) });
  // The program runs in its own session (setsid): killing its process group kills it and its
  // step, as an OOM kill or an operator's kill -9 would, with no chance to clean up.
  let pgid = "";
  for (let i = 0; i < 300 && !pgid; i++) {
    const ps = await new Deno.Command("sh", {
      args: [
        "-c",
        `ps -eo pgid=,args= | awk '$2 == "/bin/sleep" && $3 == "${sleep}" { print $1 }'`,
      ],
    }).output();
    pgid = new TextDecoder().decode(ps.stdout).trim();
    if (!pgid) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(pgid, "the step's sleep was found");
  Deno.kill(-Number(pgid), "SIGKILL");
  const [died] = await applying;
  assert.equal(died.status, "failed", JSON.stringify(died));
  assert.equal(died.failed, undefined, "no step failed: the program died");
  assert.match(died.message!, /^the apply program on local died during step 2 of 3: it was killed/);
  assert.equal(died.died?.label, "run slow");
  assert.deepEqual(died.applied, [`file:${dir}/first`]);
  assert.ok(died.log, "the result says where its events are");
  assert.ok(await exists(`${dir}/runs/lock`), "a killed program leaves its lock");

  // Same boot, pid gone: the next apply breaks the lock on its own and says so.
  const holder = (await Deno.readTextFile(`${dir}/runs/lock/holder`)).trim();
  events.length = 0;
  const again = await planLocal(spec("2 again\n"));
  const [applied] = await applyHere(again, { confirm: true, onEvent: (e) => events.push(e) });
  assert.equal(applied.status, "applied", JSON.stringify(applied));
  const broke = events.find((e) => e.type === "broke-lock");
  assert.deepEqual(broke, { type: "broke-lock", host: "local", reason: "dead", holder });
  assert.equal(await exists(`${dir}/runs/lock`), false);
});
