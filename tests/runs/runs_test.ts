/** Listing, reading and pruning tracked runs on the local machine, under a temp runs root. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { HostkitError } from "../../src/errors.ts";
import { savePlan } from "../../src/plan/artifact.ts";
import { listRuns, pruneRuns, readRun, type RunRecord } from "../../src/runs/mod.ts";
import { RUN_FORMAT, RUN_VERSION } from "../../src/runs/record.ts";
import { localTarget } from "../../src/transport/local.ts";
import { tempDir } from "../helpers.ts";
import { change, upPlan } from "../apply/fixtures.ts";

const target = localTarget();

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

/** Writes a run as a tracked apply leaves it: record, plan copy and a backup. */
async function writeRun(
  runsRoot: string,
  id: string,
  options: { direction?: "up" | "down"; plan?: boolean; backupsRoot?: string } = {},
): Promise<RunRecord> {
  const backupsRoot = options.backupsRoot ?? `${runsRoot}/backups`;
  const withPlan = options.plan ?? true;
  const record: RunRecord = {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    id,
    project: "demo",
    direction: options.direction ?? "up",
    host: "local",
    startedAt: "2026-06-14T10:11:48.000Z",
    finishedAt: "2026-06-14T10:11:50Z",
    status: "applied",
    plan: withPlan ? `${runsRoot}/plans/${id}.plan.json` : null,
    backups: `${backupsRoot}/${id}`,
    changes: [{ id: "file:/srv/app/a", action: "create", status: "applied" }],
  };
  await Deno.mkdir(`${runsRoot}/runs`, { recursive: true });
  await Deno.writeTextFile(`${runsRoot}/runs/${id}.json`, JSON.stringify(record, null, 2) + "\n");
  if (withPlan) {
    await Deno.mkdir(`${runsRoot}/plans`, { recursive: true });
    const plan = upPlan([
      change({ kind: "file", path: "/srv/app/a", content: { text: id } }, "create", "missing"),
    ]);
    await savePlan(plan, `${runsRoot}/plans/${id}.plan.json`);
  }
  await Deno.mkdir(`${backupsRoot}/${id}/files/srv/app`, { recursive: true });
  await Deno.writeTextFile(`${backupsRoot}/${id}/files/srv/app/a`, "previous\n");
  return record;
}

const OLD = "20260101-000000-demo-up-aaaa";
const MIDDLE = "20260102-000000-demo-up-bbbb";
const NEWEST_DOWN = "20260103-000000-demo-down-cccc";

Deno.test("listRuns: newest first; corrupt and foreign records are reported and skipped", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "hostkit");
  await writeRun(root, MIDDLE);
  await writeRun(root, NEWEST_DOWN, { direction: "down" });
  await writeRun(root, OLD);
  await Deno.writeTextFile(`${root}/runs/corrupt.json`, '{"format": "hostkit.run", "id": ');
  await Deno.writeTextFile(`${root}/runs/foreign.json`, '{"format": "other.tool"}\n');
  await Deno.writeTextFile(`${root}/runs/notes.txt`, "not a record\n");
  await Deno.writeTextFile(`${root}/runs/${OLD}.json.tmp`, "half-written");

  const { records, problems } = await listRuns(target, root);
  assert.deepEqual(records.map((r) => r.id), [NEWEST_DOWN, MIDDLE, OLD]);
  assert.equal(records[0].direction, "down");
  assert.deepEqual(problems.map((p) => p.path).sort(), [
    `${root}/runs/corrupt.json`,
    `${root}/runs/foreign.json`,
  ]);
  const byPath = new Map(problems.map((p) => [p.path, p.error]));
  assert.match(byPath.get(`${root}/runs/corrupt.json`)!, /^not JSON/);
  assert.match(byPath.get(`${root}/runs/foreign.json`)!, /^not a hostkit run record/);
});

Deno.test("listRuns of a runs root that does not exist is empty", async () => {
  await using dir = await tempDir();
  assert.deepEqual(await listRuns(target, join(dir.path, "nothing here")), {
    records: [],
    problems: [],
  });
});

Deno.test("readRun: 'last' is the newest up run, with its copied plan", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "root with space");
  await writeRun(root, OLD);
  await writeRun(root, MIDDLE);
  await writeRun(root, NEWEST_DOWN, { direction: "down" });
  await Deno.writeTextFile(`${root}/runs/corrupt.json`, "{");

  const last = await readRun(target, root, "last");
  assert.equal(last.record.id, MIDDLE, "the newer down run is not undone again");
  assert.equal(last.plan.direction, "up");
  const [planned] = last.plan.hosts[0].changes;
  assert.deepEqual(planned.resource.kind === "file" && planned.resource.content, { text: MIDDLE });
  assert.equal(last.problems.length, 1);

  const byId = await readRun(target, root, OLD);
  assert.equal(byId.record.id, OLD);
  assert.deepEqual(
    byId.plan.hosts[0].changes[0].resource.kind === "file" &&
      byId.plan.hosts[0].changes[0].resource.content,
    { text: OLD },
  );
});

Deno.test("readRun: unknown ids, no up run and a run without a plan copy are clear errors", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "hostkit");
  const inputError = (message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof HostkitError, String(error));
    assert.equal(error.kind, "input");
    assert.match(error.message, message);
    return true;
  };
  await assert.rejects(
    readRun(target, root, "last"),
    inputError(/^no tracked up run under .* on local \(apply with --track to keep one\)$/),
  );
  await writeRun(root, NEWEST_DOWN, { direction: "down" });
  await assert.rejects(readRun(target, root, "last"), inputError(/no tracked up run/));
  await writeRun(root, OLD, { plan: false });
  await assert.rejects(
    readRun(target, root, "20991231-000000-demo-up-ffff"),
    inputError(/^no run 20991231-000000-demo-up-ffff under .* \(latest: .*cccc, .*aaaa\)$/),
  );
  await assert.rejects(
    readRun(target, root, OLD),
    inputError(new RegExp(`^run ${OLD} kept no plan artifact to derive a down plan from$`)),
  );
});

Deno.test({
  name: "readRun: a record whose plan copy was removed is a data error, not an unreachable host",
  async fn() {
    // Regression: the host answered, the file is just gone; this must not read as "unreachable"
    // (exit 69, "host could not be reached").
    await using dir = await tempDir();
    const root = join(dir.path, "hostkit");
    await writeRun(root, OLD);
    await Deno.remove(`${root}/plans/${OLD}.plan.json`);
    await assert.rejects(readRun(target, root, OLD), (error: unknown) => {
      assert.ok(error instanceof HostkitError);
      assert.match(error.message, new RegExp(`${OLD}\\.plan\\.json`));
      assert.notEqual(error.kind, "unreachable");
      return true;
    });
  },
});

Deno.test("pruneRuns keeps exactly N newest runs and removes only their own files", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "hostkit");
  const ids = [
    "20260101-000000-demo-up-0001",
    "20260102-000000-demo-down-0002",
    "20260103-000000-demo-up-0003",
    "20260104-000000-demo-up-0004",
    "20260105-000000-demo-up-0005",
  ];
  for (const id of ids) await writeRun(root, id);
  const decoys = [
    join(dir.path, "decoy"),
    join(dir.path, "hostkit-backups-decoy"),
    `${root}/decoy`,
    `${root}/runs/corrupt.json`,
    `${root}/plans/other.plan.json`,
    `${root}/backups/not-a-run`,
  ];
  for (const path of decoys) await Deno.writeTextFile(path, "keep me\n");
  await Deno.mkdir(`${root}/lock`);

  assert.deepEqual(await pruneRuns(target, root, { keep: 5 }), [], "nothing beyond N");
  const removed = await pruneRuns(target, root, { keep: 2 });
  assert.deepEqual(removed, ids.slice(0, 3).reverse());
  const { records } = await listRuns(target, root);
  assert.deepEqual(records.map((r) => r.id), [ids[4], ids[3]]);
  for (const id of ids.slice(0, 3)) {
    assert.equal(await exists(`${root}/runs/${id}.json`), false, id);
    assert.equal(await exists(`${root}/plans/${id}.plan.json`), false, id);
    assert.equal(await exists(`${root}/backups/${id}`), false, id);
  }
  for (const id of ids.slice(3)) {
    assert.equal(await exists(`${root}/plans/${id}.plan.json`), true, id);
    assert.equal(await Deno.readTextFile(`${root}/backups/${id}/files/srv/app/a`), "previous\n");
  }
  for (const path of decoys) assert.equal(await Deno.readTextFile(path), "keep me\n", path);
  assert.equal(await exists(`${root}/lock`), true);

  assert.deepEqual(await pruneRuns(target, root, { keep: 2 }), [], "pruning again is a no-op");
});

Deno.test("pruneRuns honours a separate backups root", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "runs-root");
  const backupsRoot = join(dir.path, "backups-root");
  await writeRun(root, OLD, { backupsRoot });
  await writeRun(root, MIDDLE, { backupsRoot });
  await Deno.writeTextFile(join(backupsRoot, "decoy"), "keep me\n");
  assert.deepEqual(await pruneRuns(target, root, { keep: 1, backupsRoot }), [OLD]);
  assert.equal(await exists(join(backupsRoot, OLD)), false);
  assert.equal(await exists(join(backupsRoot, MIDDLE)), true);
  assert.equal(await Deno.readTextFile(join(backupsRoot, "decoy")), "keep me\n");
});
