/**
 * Tracked applies end to end on this machine: records, plan copies and backups
 * under a temp runs root, and down plans derived from them applied for real.
 */
import assert from "node:assert/strict";
import { down } from "../../src/down/mod.ts";
import { project } from "../../src/dsl/mod.ts";
import { parsePlan } from "../../src/plan/artifact.ts";
import { listRuns, readRun } from "../../src/runs/mod.ts";
import { tempDir } from "../helpers.ts";
import { applyHere, declare, exists, modeOf, planLocal, target } from "../apply/local_project.ts";

Deno.test("tracked applies keep records, plan copies and backups; down --run restores", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const runsRoot = `${dir}/runs`;
  const [first] = await applyHere(await planLocal(declare(dir)), {
    confirm: true,
    track: true,
  });
  assert.equal(first.status, "applied");
  assert.match(first.runId!, /^\d{8}-\d{6}-e2e-up-[0-9a-f]{4}$/);

  const second = await planLocal(declare(dir, { config: "v2\n", configMode: 0o600 }));
  const artifact = new TextEncoder().encode(JSON.stringify(second, null, 2) + "\n");
  const [changed] = await applyHere(second, {
    confirm: true,
    track: true,
    planArtifact: artifact,
  });
  assert.equal(changed.status, "applied", JSON.stringify(changed));
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v2\n");

  const { records, problems } = await listRuns(target, runsRoot);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    records.map((r) => r.id).sort().reverse(),
    [changed.runId, first.runId].sort().reverse(),
  );
  const record = records.find((r) => r.id === changed.runId)!;
  assert.equal(record.status, "applied");
  assert.equal(record.direction, "up");
  assert.deepEqual(record.changes, [{
    id: `file:${dir}/app/config`,
    action: "update",
    status: "applied",
  }]);
  assert.equal(record.plan, `${runsRoot}/plans/${changed.runId}.plan.json`);
  assert.deepEqual(await Deno.readFile(record.plan!), artifact, "the reviewed bytes are kept");
  assert.equal(record.backups, `${runsRoot}/backups/${changed.runId}`);
  assert.equal(await Deno.readTextFile(`${record.backups}/files${dir}/app/config`), "v1\n");
  assert.equal(await modeOf(`${record.backups}/files${dir}/app/config`), 0o640);
  assert.equal(await exists(`${runsRoot}/lock`), false);

  const run = await readRun(target, runsRoot, changed.runId!);
  const rollback = down(run.plan, {
    backupsDir: run.record.backups,
    applied: run.record.changes.filter((c) => c.status === "applied").map((c) => c.id),
  });
  assert.equal(rollback.plan.diagnostics[0], "down plan covers 1 of 1 changes of the up plan");
  const [undone] = await applyHere(rollback.plan, { confirm: true });
  assert.equal(undone.status, "applied", JSON.stringify(undone));
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n");
  assert.equal(await modeOf(`${dir}/app/config`), 0o640);
  const clean = await planLocal(declare(dir));
  assert.equal(clean.summary.noop, 5, "the host matches the first declaration again");
});

Deno.test("a failed tracked apply records what ran; its down plan undoes exactly that", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const runsRoot = `${dir}/runs`;
  await Deno.mkdir(`${dir}/app`, { recursive: true });
  const spec = project("e2e", (p) => {
    p.runsRoot(runsRoot);
    p.file(`${dir}/app/a`, { content: "a\n" });
    p.command("boom", {
      exec: ["/bin/sh", "-c", "echo about to fail; exit 7"],
      down: "noop",
      dependsOn: [`file:${dir}/app/a`],
    });
    p.file(`${dir}/app/c`, { content: "c\n", dependsOn: ["command:boom"] });
  });
  const up = await planLocal(spec);
  const [result] = await applyHere(up, { confirm: true, track: true });
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.deepEqual(result.applied, [`file:${dir}/app/a`]);
  assert.equal(result.failed?.label, "run boom");
  assert.equal(result.failed?.exit, 7);
  assert.deepEqual(result.failed?.output, ["about to fail"]);
  assert.equal(await exists(`${dir}/app/c`), false);
  assert.equal(await exists(`${runsRoot}/lock`), false, "a failed run releases the lock");

  const { record, plan: copied } = await readRun(target, runsRoot, result.runId!);
  assert.equal(record.status, "failed");
  assert.deepEqual(record.changes.map((c) => `${c.id} ${c.status}`), [
    `file:${dir}/app/a applied`,
    "command:boom failed",
    `file:${dir}/app/c not_run`,
  ]);
  assert.deepEqual(copied, parsePlan(JSON.stringify(up), "up"));
  const rollback = down(copied, {
    backupsDir: record.backups,
    applied: record.changes.filter((c) => c.status === "applied").map((c) => c.id),
  });
  assert.deepEqual(rollback.plan.hosts[0].changes.map((c) => `${c.action} ${c.id}`), [
    `delete file:${dir}/app/a`,
  ]);
  const [undone] = await applyHere(rollback.plan, { confirm: true });
  assert.equal(undone.status, "applied");
  assert.equal(await exists(`${dir}/app/a`), false);
});

Deno.test({
  name: "a stale tracked apply leaves no run that down --last would pick",
  async fn() {
    // Regression: a run refused before hk_track_start (stale plan, other machine) must leave no
    // record, or `down --last` would pick it and fail on a plan copy that was never made.
    await using tmp = await tempDir();
    const dir = tmp.path;
    const runsRoot = `${dir}/runs`;
    const [first] = await applyHere(await planLocal(declare(dir)), {
      confirm: true,
      track: true,
    });
    assert.equal(first.status, "applied");
    const next = await planLocal(declare(dir, { config: "v2\n" }));
    await Deno.writeTextFile(`${dir}/app/config`, "edited on the host\n");
    // Run ids sort by their UTC second: make the refused run the newer one.
    await new Promise((resolve) => setTimeout(resolve, 1010 - Date.now() % 1000));
    const [stale] = await applyHere(next, {
      confirm: true,
      track: true,
    });
    assert.equal(stale.status, "stale");

    const last = await readRun(target, runsRoot, "last");
    assert.equal(last.record.id, first.runId);
  },
});

Deno.test("a failed batch is recorded failed for each of its files; its down plan restores nothing", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const runsRoot = `${dir}/runs`;
  await applyHere(await planLocal(declare(dir)), { confirm: true, track: true });
  const spec = project("e2e", (p) => {
    p.runsRoot(runsRoot);
    p.file(`${dir}/app/config`, { content: "v2\n", mode: 0o640 });
    p.file(`${dir}/app/owned`, { content: "x\n", owner: "hk-no-such-user" });
  });
  const [result] = await applyHere(await planLocal(spec), { confirm: true, track: true });
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.equal(result.failed?.label, "write 2 files");
  assert.deepEqual(result.applied, []);
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n", "nothing was renamed");

  const { record, plan } = await readRun(target, runsRoot, result.runId!);
  assert.equal(record.status, "failed");
  assert.deepEqual(record.changes.map((c) => `${c.action} ${c.id} ${c.status}`), [
    `update file:${dir}/app/config failed`,
    `create file:${dir}/app/owned failed`,
  ]);
  const rollback = down(plan, {
    backupsDir: record.backups,
    applied: record.changes.filter((c) => c.status === "applied").map((c) => c.id),
  });
  assert.equal(rollback.plan.diagnostics[0], "down plan covers 0 of 2 changes of the up plan");
  assert.deepEqual(rollback.plan.hosts[0].changes.filter((c) => c.action !== "noop"), []);
  assert.equal(await exists(`${runsRoot}/lock`), false);
});

Deno.test("a tracked batch keeps the old files as hard links: nothing is copied, the backup is intact", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = (text: string) =>
    project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      for (let i = 0; i < 20; i++) p.file(`${dir}/app/f${i}`, { content: `${text} ${i}\n` });
    });
  await applyHere(await planLocal(spec("v1")), { confirm: true });
  const inode = (await Deno.stat(`${dir}/app/f7`)).ino;
  const [result] = await applyHere(await planLocal(spec("v2")), { confirm: true, track: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  const backup = `${dir}/runs/backups/${result.runId}/files${dir}/app/f7`;
  assert.equal(await Deno.readTextFile(backup), "v1 7\n", "the backup holds the old content");
  assert.equal((await Deno.stat(backup)).ino, inode, "it is the old file itself, linked");
  assert.equal(await Deno.readTextFile(`${dir}/app/f7`), "v2 7\n");
  assert.notEqual(
    (await Deno.stat(`${dir}/app/f7`)).ino,
    inode,
    "the new file replaced it by rename",
  );
});
