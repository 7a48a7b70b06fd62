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
import { applyHere, BLOB, declare, exists, modeOf, planLocal } from "./local_project.ts";

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
  const [nothing] = await applyHere(again, { confirm: true });
  assert.equal(nothing.status, "nothing");
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
  assert.equal(compiled.get("local")?.length, 5);
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
