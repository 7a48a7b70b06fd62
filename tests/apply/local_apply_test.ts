/**
 * Apply end to end on this machine: plan with the local target, apply the plan
 * (one tar stream, the generated program really runs), re-plan. Everything
 * lives in a temp dir, including the runs root; no root needed.
 */
import assert from "node:assert/strict";
import type { Step } from "../../src/apply/program.ts";
import { HostkitError } from "../../src/errors.ts";
import { resourceId } from "../../src/model/resource.ts";
import { tempDir } from "../helpers.ts";
import { project } from "../../src/dsl/mod.ts";
import { change, MISSING, textAfter, upPlan } from "./fixtures.ts";
import { applyHere, BLOB, declare, exists, leftovers, modeOf, planLocal } from "./local_project.ts";

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

Deno.test("a live lock holder makes apply fail fast as locked; a dead one needs --break-lock", async () => {
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
      cause: /Not a directory/,
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

Deno.test("an update that declares no owner, group or mode keeps the file's", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
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
  if (root) assert.deepEqual(up.hosts[0].changes.map((c) => c.after?.owner), ["nobody", "nobody"]);
  const [result] = await applyHere(up, { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  await kept("v2");

  // Without what was read in the plan (as in plans made before it carried it), the host keeps
  // the existing owner, group and mode by itself.
  const bare = await planLocal(spec("v3"));
  for (const change of bare.hosts[0].changes) {
    delete change.after?.owner;
    delete change.after?.group;
    delete change.after?.mode;
  }
  const [again] = await applyHere(bare, { confirm: true });
  assert.equal(again.status, "applied", JSON.stringify(again));
  await kept("v3");
  assert.equal((await planLocal(spec("v3"))).summary.noop, 2);
});

Deno.test({
  name: "an update keeps an owner that has no name on the host",
  ignore: true,
  async fn() {
    // BUG: src/plan/build.ts keptMetadata() (lines 137-138) copies the owner/group the probe read
    // (`stat -c %U/%G`), which is the literal "UNKNOWN" for a uid/gid without a passwd/group entry
    // (a deleted user, files unpacked from an archive, shifted container ids). The update then runs
    // `hk_put … UNKNOWN UNKNOWN 644`, `install -o UNKNOWN` fails ("invalid user 'UNKNOWN'") and the
    // whole batch fails: such a file can no longer be updated at all (before, it was replaced with
    // root ownership). hk_meta in src/apply/remote.ts (line 132) has the same problem when the plan
    // gives no owner (`stat -c '%U %G %a'`). Fix: in keptMetadata leave owner/group undefined when
    // the read value is "UNKNOWN", and make hk_meta read numeric ids (`stat -c '%u %g %a'`;
    // `install -o/-g` accept numbers), so the file keeps its uid/gid.
    if (Deno.uid() !== 0) return; // chown to another uid needs root
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.mkdir(`${dir}/app`);
    await Deno.writeTextFile(`${dir}/app/config`, "v1\n");
    await Deno.chown(`${dir}/app/config`, 23456, 23456);
    const up = await planLocal(project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/app/config`, { content: "v2\n" });
    }));
    const [result] = await applyHere(up, { confirm: true });
    assert.equal(result.status, "applied", JSON.stringify(result));
    assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v2\n");
    const stat = await Deno.stat(`${dir}/app/config`);
    assert.deepEqual([stat.uid, stat.gid], [23456, 23456]);
  },
});

Deno.test({
  name: "a batch whose rename fails leaves no staged copies behind",
  ignore: true,
  async fn() {
    // BUG: src/apply/remote.ts hk_commit() (line 162) runs `rm -f "$D/stages"` whatever the
    // renames returned. When a rename fails (here a directory sits where the file goes; also e.g.
    // an immutable destination), hk_step's hk_unstage finds no list and every stage dir not yet
    // renamed stays on the host as `<dir>/.hostkit-stage.<run id>/…`. Fix: remove the list only on
    // success (`[ "$rc" -ne 0 ] || rm -f "$D/stages"`) so hk_unstage drops what is left; checking in
    // hk_put that the destination is not a directory (`[ -d "$1" ] && [ ! -L "$1" ]` → fail) would
    // also make this case fail while staging, before anything is renamed.
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
