/**
 * The public API as the reference names it (`Target.local/ssh`, `runs.list/read/prune`), through
 * mod.ts exactly as users import it.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import * as hostkit from "../mod.ts";
import { apply, plan, project, runs, Target } from "../mod.ts";
import { localTarget } from "../src/transport/local.ts";
import { sshTarget } from "../src/transport/ssh.ts";
import { tempDir } from "./helpers.ts";

Deno.test("mod.ts has one name per thing: the second spellings are not exported", () => {
  for (const name of ["sshTarget", "localTarget", "listRuns", "readRun", "pruneRuns"]) {
    assert.equal(name in hostkit, false, `mod.ts still exports ${name}`);
  }
  assert.deepEqual(Object.keys(runs).sort(), ["list", "prune", "read"]);
  assert.deepEqual(Object.keys(Target).sort(), ["local", "ssh"]);
  assert.equal(typeof hostkit.openSsh, "function");
  assert.equal(typeof hostkit.defineProvider, "function");
  assert.equal(hostkit.caddy.name, "caddy");
});

Deno.test("Target.local() is this machine; Target.local({ sudo }) runs under sudo", async () => {
  const here = Target.local();
  assert.equal(here.name, "local");
  assert.equal(here.description, "local");
  assert.equal(here.sudo, false);
  assert.equal(here.address, undefined);
  const result = await here.run("printf '%s' hi");
  assert.equal(result.code, 0);
  assert.equal(new TextDecoder().decode(result.stdout), "hi");
  await here.close();
  const elevated = Target.local({ sudo: true });
  assert.equal(elevated.sudo, true);
  assert.equal(elevated.description, "local (sudo)");
  assert.deepEqual(
    { name: here.name, description: here.description, sudo: here.sudo },
    (({ name, description, sudo }) => ({ name, description, sudo }))(localTarget()),
  );
});

Deno.test("Target.ssh(name, options) names the target and records its address without connecting", async () => {
  const prod = Target.ssh("prod", { host: "elixir.toys", user: "dannote", sudo: true });
  assert.equal(prod.name, "prod");
  assert.deepEqual(prod.address, { host: "elixir.toys", port: 22, user: "dannote" });
  assert.equal(prod.sudo, true);
  const same = sshTarget({ name: "prod", host: "elixir.toys", user: "dannote", sudo: true });
  assert.equal(prod.description, same.description);

  const other = Target.ssh("db", { host: "10.0.0.5", port: 2222, user: "root" });
  assert.equal(other.name, "db");
  assert.deepEqual(other.address, { host: "10.0.0.5", port: 2222, user: "root" });
  assert.equal(other.sudo, false);
  // Never connected: closing is immediate and safe twice.
  await prod.close();
  await prod.close();
  await other.close();
  await same.close();
});

Deno.test("runs.list / runs.read / runs.prune on a temp runs root", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const root = `${dir}/runs`;
  const here = Target.local();
  assert.deepEqual(await runs.list(here, root), { records: [], problems: [] });

  const spec = project("api", (p) => {
    p.runsRoot(root);
    p.file(`${dir}/app/config`, { content: "v1\n" });
  });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const reviewed = await plan(spec, { targets: [here] });
    const [result] = await apply(reviewed, { targets: [here], confirm: true, track: true });
    assert.equal(result.status, i === 0 ? "applied" : "nothing", JSON.stringify(result));
    ids.unshift(result.runId!);
    if (result.log) await Deno.remove(dirname(result.log), { recursive: true });
  }

  const { records, problems } = await runs.list(here, root);
  assert.deepEqual(problems, []);
  assert.deepEqual(records.map((r) => r.id), ids, "newest first");
  assert.equal(records[1].project, "api");
  assert.deepEqual(records[1].changes.map((c) => [c.id, c.status]), [
    [`file:${dir}/app/config`, "applied"],
  ]);

  const { record, plan: applied } = await runs.read(here, root, ids[1]);
  assert.equal(record.id, ids[1]);
  assert.equal(applied.project, "api");

  assert.deepEqual(await runs.prune(here, root, { keep: 1 }), [ids[1]]);
  assert.deepEqual((await runs.list(here, root)).records.map((r) => r.id), [ids[0]]);
});
