/**
 * The batches' files travel after the program in the same stream and, once the lock and the
 * stale check passed, unpack straight into their stage dirs (no copy in the apply dir), unless
 * a step before theirs must run first (a directory they go into, an account that owns them).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { apply, type HostResult } from "../../src/apply/mod.ts";
import { project } from "../../src/dsl/mod.ts";
import { tempDir } from "../helpers.ts";
import { exists, leftovers, planLocal, secrets, target } from "./local_project.ts";

/** Applies, returns the result and the events the host logged, then removes the apply dir. */
async function applyLogged(
  spec: Parameters<typeof planLocal>[0],
): Promise<{ result: HostResult; events: string[] }> {
  const [result] = await apply(await planLocal(spec), {
    targets: [target],
    secrets,
    confirm: true,
  });
  const events = result.log ? (await Deno.readTextFile(result.log)).split("\n") : [];
  if (result.log?.startsWith("/var/tmp/hostkit-apply.")) {
    await Deno.remove(dirname(result.log), { recursive: true });
  }
  return { result, events };
}

const received = (events: string[]) => events.filter((e) => e.startsWith("hk\treceived\t"));

Deno.test("files into a new directory unpack straight into their stage dirs", async () => {
  await using tmp = await tempDir();
  const dir = `${tmp.path}/new/deeper`;
  const spec = project("payload", (p) => {
    p.runsRoot(`${tmp.path}/runs`);
    for (let i = 0; i < 50; i++) p.file(`${dir}/f${i}`, { content: `${i}\n`, mode: 0o640 });
  });
  const { result, events } = await applyLogged(spec);
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.deepEqual(received(events), ["hk\treceived\t0\tstaged"]);
  // Received only after the checks, before any step.
  assert.ok(events.indexOf("hk\tchecked") < events.indexOf("hk\treceived\t0\tstaged"));
  for (let i = 0; i < 50; i++) {
    assert.equal(await Deno.readTextFile(`${dir}/f${i}`), `${i}\n`);
    assert.equal((await Deno.stat(`${dir}/f${i}`)).mode! & 0o777, 0o640);
  }
  assert.deepEqual(await leftovers(tmp.path), []);
  assert.equal((await planLocal(spec)).hosts[0].summary.noop, 50);
});

Deno.test("a batch whose directory a step makes first waits for that step", async () => {
  await using tmp = await tempDir();
  const spec = project("payload", (p) => {
    p.runsRoot(`${tmp.path}/runs`);
    p.directory(`${tmp.path}/app`, { mode: 0o750 });
    p.file(`${tmp.path}/app/config`, { content: "v1\n" });
    p.file(`${tmp.path}/elsewhere`, { content: "e\n", dependsOn: [`file:${tmp.path}/app/config`] });
  });
  const { result, events } = await applyLogged(spec);
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.deepEqual(received(events), ["hk\treceived\t0\tkept"]);
  assert.equal((await Deno.stat(`${tmp.path}/app`)).mode! & 0o777, 0o750);
  assert.equal(await Deno.readTextFile(`${tmp.path}/app/config`), "v1\n");
  assert.equal(await Deno.readTextFile(`${tmp.path}/elsewhere`), "e\n");
  assert.deepEqual(await leftovers(tmp.path), []);
});

Deno.test("a step failing before a staged batch leaves no stage dir and no directory made for it", async () => {
  await using tmp = await tempDir();
  const spec = project("payload", (p) => {
    p.runsRoot(`${tmp.path}/runs`);
    p.command("fails", { exec: ["/bin/false"] });
    p.file(`${tmp.path}/made/for/it`, { content: "x\n", dependsOn: ["command:fails"] });
  });
  const { result, events } = await applyLogged(spec);
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.deepEqual(received(events), ["hk\treceived\t0\tstaged"]);
  assert.equal(await exists(`${tmp.path}/made`), false, "the parents staging made are gone");
  assert.deepEqual(await leftovers(tmp.path), []);
});
