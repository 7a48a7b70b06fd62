/**
 * `validate` and `notify` on file-like resources, applied for real on this
 * machine: a failing check replaces nothing and shows its output, a check
 * without `%s` sees the staged file in place of the old one, and a handler that
 * could not run stays pending until an apply runs it.
 */
import assert from "node:assert/strict";
import { project } from "../../src/dsl/mod.ts";
import { formatPlan } from "../../src/plan/format.ts";
import { tempDir } from "../helpers.ts";
import { applyHere, exists, leftovers, planLocal } from "./local_project.ts";

Deno.test("a validate with %s checks the staged file; a failure keeps the old one", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = (text: string) =>
    project("v", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/sudoers`, { content: text, validate: "grep -q '^ok' %s" });
      p.file(`${dir}/other`, { content: text });
    });
  const [first] = await applyHere(await planLocal(spec("ok 1\n")), { confirm: true });
  assert.equal(first.status, "applied", JSON.stringify(first));
  assert.equal(await Deno.readTextFile(`${dir}/sudoers`), "ok 1\n");

  const broken = await planLocal(spec("broken\n"));
  assert.match(formatPlan(broken, { color: false }), /validate: grep -q '\^ok' %s/);
  const [result] = await applyHere(broken, { confirm: true });
  assert.equal(result.status, "failed");
  assert.equal(await Deno.readTextFile(`${dir}/sudoers`), "ok 1\n", "the old file stays");
  assert.equal(
    await Deno.readTextFile(`${dir}/other`),
    "ok 1\n",
    "nothing of the batch is renamed",
  );
  assert.deepEqual(await leftovers(dir), [], "no staged copies are left");
});

Deno.test("a validate without %s sees the staged file at its real path", async () => {
  if (Deno.uid() !== 0) return; // a private mount namespace with an overlay needs root
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/conf.d`);
  await Deno.writeTextFile(`${dir}/conf.d/keep.conf`, "keep\n");
  // Like `nginx -t`: the check reads the whole directory, not the file it is given.
  const check = `! grep -q '^bad' ${dir}/conf.d/*.conf && ! ls -a ${dir}/conf.d | grep -q hostkit`;
  const spec = (text: string) =>
    project("v", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/conf.d/site.conf`, { content: text, validate: check });
    });
  const [good] = await applyHere(await planLocal(spec("good\n")), { confirm: true });
  assert.equal(good.status, "applied", JSON.stringify(good));
  const [bad] = await applyHere(await planLocal(spec("bad\n")), { confirm: true });
  assert.equal(bad.status, "failed", "the check saw the staged content, not the old file");
  assert.equal(await Deno.readTextFile(`${dir}/conf.d/site.conf`), "good\n");
  assert.deepEqual(
    [...Deno.readDirSync(`${dir}/conf.d`)].map((e) => e.name).sort(),
    ["keep.conf", "site.conf"],
    "the view left nothing behind",
  );
});

Deno.test("a notify that cannot run stays pending: the next plan shows it, not 'unchanged'", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("n", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.file(`${dir}/site.conf`, {
      content: "v1\n",
      notify: { reload: ["hostkit-test-missing.service"] },
    });
  });
  const up = await planLocal(spec);
  const text = formatPlan(up, { color: false });
  assert.match(text, /then reload hostkit-test-missing\.service/);
  const [result] = await applyHere(up, { confirm: true });
  // This machine has no systemd as PID 1 (and the unit does not exist): the reload fails
  // after the write, which is exactly an apply that stopped before its handler ran.
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.match(result.failed?.label ?? "", /notify: reload hostkit-test-missing\.service/);
  assert.equal(await Deno.readTextFile(`${dir}/site.conf`), "v1\n", "the write happened");
  assert.ok(await exists(`${dir}/runs/triggers`), "the trigger is recorded");

  const again = await planLocal(spec);
  assert.equal(again.summary.create + again.summary.update, 0, "the file itself is in sync");
  assert.deepEqual(again.hosts[0].triggers, [
    { action: "reload", unit: "hostkit-test-missing.service" },
  ]);
  assert.match(formatPlan(again, { color: false }), /~ pending reload hostkit-test-missing/);
  const [retry] = await applyHere(again, { confirm: true });
  assert.equal(retry.status, "failed", "the pending reload is run again (and fails again here)");
  assert.match(retry.failed?.label ?? "", /notify: reload/);
});
