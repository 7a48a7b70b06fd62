/**
 * Rollback and history on real hosts: tracked applies keep records, plan
 * copies and backups on the host; down plans restore them byte for byte.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();
const unique = () => crypto.randomUUID().slice(0, 8);

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await hostkit(args, env);
  assert.equal(r.code, 0, `hostkit ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

function runIdOf(output: string): string {
  const match = /\(run (\S+)\)/.exec(output);
  assert.ok(match, `no run id in: ${output}`);
  return match[1];
}

Deno.test("apply --track, change, apply --track, down --last: files, owners, modes and the service's env come back", async () => {
  const tag = unique();
  const runsRoot = `/var/lib/hk-it-${tag}`;
  const dir = `/srv/it-track-${tag}`;
  const unit = `it-track-${tag}.service`;
  const config = (port: number, mode: number, blob: string) => `
  p.runsRoot("${runsRoot}");
  p.service("svc", (s) => {
    s.account("it-trk-${tag}", { system: true });
    s.directory("${dir}", { mode: 0o755 });
    s.envFile("${dir}/app.env", { owner: "root", group: "it-trk-${tag}", mode: 0o640 }, (e) => {
      e.set("PORT", ${port});
      e.secret("TOKEN", { env: "IT_TOKEN" });
    });
    s.file("${dir}/blob.bin", { source: "./${blob}", mode: ${mode} });
    s.daemon("${unit}", (d) => {
      d.serviceUser("it-trk-${tag}");
      d.environmentFile("${dir}/app.env");
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.wantedBy("multi_user");
    });
  });`;
  const first = await writeConfig(host, config(4000, 0o644, "blob1.bin"));
  const blob = new Uint8Array(5 * 1024 * 1024);
  for (let i = 0; i < blob.length; i += 65536) crypto.getRandomValues(blob.subarray(i, i + 65536));
  await Deno.writeFile(`${dirname(first)}/blob1.bin`, blob);
  const firstRun = runIdOf(
    await ok(["apply", first, "--host", "it", "--confirm", "--track"], { IT_TOKEN: "one" }),
  );
  const state =
    `cd ${dir} && sha256sum app.env blob.bin && stat -c '%n %U %G %a' app.env blob.bin ` +
    `/etc/systemd/system/${unit} && sha256sum /etc/systemd/system/${unit}`;
  const original = await root(state);
  const env = () =>
    root(
      `tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value ${unit})/environ | grep -E '^(PORT|TOKEN)='`,
    );
  assert.equal(await env(), "PORT=4000\nTOKEN=one");

  const second = await writeConfig(host, config(5000, 0o600, "blob2.bin"));
  blob[0] ^= 0xff;
  await Deno.writeFile(`${dirname(second)}/blob2.bin`, blob);
  const secondRun = runIdOf(
    await ok(["apply", second, "--host", "it", "--confirm", "--track"], { IT_TOKEN: "two" }),
  );
  assert.notEqual(secondRun, firstRun);
  assert.notEqual(await root(state), original);
  assert.equal(await env(), "PORT=5000\nTOKEN=two");

  // The backups stay on the host: nothing of the previous content went back to the controller.
  const listing = await ok(["runs", second, "--host", "it", "--verbose"]);
  assert.match(listing, new RegExp(`${secondRun}  up  applied`));
  assert.ok(listing.indexOf(secondRun) < listing.indexOf(firstRun), "newest first");
  assert.equal(
    await root(`test -f ${runsRoot}/backups/${secondRun}/files${dir}/blob.bin && echo kept`),
    "kept",
  );

  const downFile = `${dirname(second)}/down.plan.json`;
  const downOut = await ok(["down", second, "--host", "it", "--last", "--out", downFile]);
  assert.match(downOut, /down plan covers 3 of 3 changes/);
  const downPlan = await Deno.readTextFile(downFile);
  assert.match(downPlan, /"\$backup"/);
  assert.ok(!downPlan.includes("two"), "no secret value in the down plan");
  await ok(["apply", "--plan", downFile, second, "--confirm"]);
  assert.equal(await root(state), original, "contents, owners and modes are back");
  assert.equal(await root(`systemctl is-active ${unit}`), "active");
  assert.equal(await env(), "PORT=4000\nTOKEN=one", "the service runs with the old env again");
});

Deno.test("a failed tracked apply: down --run undoes exactly the applied part", async () => {
  const tag = unique();
  const runsRoot = `/var/lib/hk-it-${tag}`;
  const dir = `/srv/it-fail-${tag}`;
  await root(`mkdir -p ${dir} && echo before > ${dir}/existing`);
  const config = await writeConfig(
    host,
    `
  p.runsRoot("${runsRoot}");
  p.service("s", (s) => {
    s.file("${dir}/a", { content: "a\\n" });
    s.file("${dir}/existing", { content: "after\\n" });
    s.command("boom", { exec: ["/bin/false"], dependsOn: ["file:${dir}/a", "file:${dir}/existing"] });
    s.file("${dir}/c", { content: "c\\n", dependsOn: ["command:boom"] });
  });`,
  );
  const failed = await hostkit(["apply", config, "--host", "it", "--confirm", "--track"]);
  assert.equal(failed.code, 3, failed.stdout + failed.stderr);
  const id = /--run (\S+)/.exec(failed.stderr)?.[1];
  assert.ok(id, failed.stderr);
  const record = JSON.parse(await root(`cat ${runsRoot}/runs/${id}.json`));
  assert.equal(record.status, "failed");
  const statuses = Object.fromEntries(
    record.changes.map((c: { id: string; status: string }) => [c.id, c.status]),
  );
  assert.deepEqual(statuses, {
    [`file:${dir}/a`]: "applied",
    [`file:${dir}/existing`]: "applied",
    "command:boom": "failed",
    [`file:${dir}/c`]: "not_run",
  });
  const downFile = `${dirname(config)}/down.json`;
  const out = await ok(["down", config, "--host", "it", "--run", id, "--out", downFile]);
  assert.match(out, /skipped file:.*\/c: not applied by the run/);
  await ok(["apply", "--plan", downFile, config, "--confirm"]);
  assert.equal(await root(`ls ${dir}`), "existing");
  assert.equal(await root(`cat ${dir}/existing`), "before");
});

Deno.test("down keeps what should be kept, runs down commands in reverse, warns on irreversible", async () => {
  const tag = unique();
  const runsRoot = `/var/lib/hk-it-${tag}`;
  const log = `/srv/it-cmd-${tag}.log`;
  const config = await writeConfig(
    host,
    `
  p.runsRoot("${runsRoot}");
  p.service("app", (s) => {
    s.account("it-keep-${tag}", { system: true });
    s.directory("/srv/it-tmp-${tag}", { rollback: "delete_if_created" });
    s.directory("/srv/it-keep-${tag}");
    s.file("/srv/it-keep-${tag}/marker", { content: "x\\n" });
    s.command("migrate_repo", { exec: ["/bin/sh", "-c", "echo migrate Repo >> ${log}"], down: ["/bin/sh", "-c", "echo rollback Repo >> ${log}"] });
    s.command("migrate_analytics", { exec: ["/bin/sh", "-c", "echo migrate AnalyticsRepo >> ${log}"], down: ["/bin/sh", "-c", "echo rollback AnalyticsRepo >> ${log}"], dependsOn: ["command:migrate_repo"] });
    s.command("warm_cache", { exec: ["/bin/true"], down: "noop" });
    s.command("announce", { exec: ["/bin/true"], down: "irreversible" });
  });`,
  );
  await ok(["apply", config, "--host", "it", "--confirm", "--track"]);
  const downFile = `${dirname(config)}/down.json`;
  const r = await hostkit(["down", config, "--host", "it", "--last", "--out", downFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: command:announce is irreversible/);
  assert.match(r.stdout, /skipped account:it-keep-[0-9a-f]+: rollback: keep/);
  assert.match(r.stdout, /skipped command:warm_cache: down: noop/);
  await ok(["apply", "--plan", downFile, config, "--confirm"]);
  assert.equal(
    await root(`cat ${log}`),
    "migrate Repo\nmigrate AnalyticsRepo\nrollback AnalyticsRepo\nrollback Repo",
  );
  assert.equal(
    (await sshExec(host, "root", `test -e /srv/it-tmp-${tag}`)).code,
    1,
    "delete_if_created dir removed",
  );
  assert.equal(await root(`test -d /srv/it-keep-${tag} && echo kept`), "kept");
  assert.equal(
    (await sshExec(host, "root", `test -e /srv/it-keep-${tag}/marker`)).code,
    1,
    "created file removed",
  );
  assert.match(await root(`getent passwd it-keep-${tag}`), /^it-keep-/);
});

Deno.test("runs --prune keeps exactly N with their backups; a corrupt record is reported, not fatal", async () => {
  const tag = unique();
  const runsRoot = `/var/lib/hk-it-${tag}`;
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const config = await writeConfig(
      host,
      `  p.runsRoot("${runsRoot}");\n  p.file("/srv/it-prune-${tag}", { content: "${i}\\n" });`,
    );
    ids.push(runIdOf(await ok(["apply", config, "--host", "it", "--confirm", "--track"])));
  }
  await root(
    `echo '{not json' > ${runsRoot}/runs/broken.json && echo '{"format":"other"}' > ${runsRoot}/runs/foreign.json`,
  );
  const config = await writeConfig(host, `  p.runsRoot("${runsRoot}");`);
  const listed = await hostkit(["runs", config, "--host", "it"]);
  assert.equal(listed.code, 0, listed.stderr);
  for (const id of ids) assert.match(listed.stdout, new RegExp(id));
  assert.match(listed.stderr, /skipped \/var\/lib\/hk-it-[0-9a-f]+\/runs\/broken\.json: not JSON/);
  assert.match(listed.stderr, /skipped .*foreign\.json: not a hostkit run record/);

  const pruned = await ok(["runs", config, "--host", "it", "--prune", "--keep", "2"]);
  assert.match(pruned, /pruned 2 runs/);
  const left = await root(`ls ${runsRoot}/runs ${runsRoot}/plans ${runsRoot}/backups | sort`);
  for (const id of ids.slice(0, 2)) assert.ok(!left.includes(id), `${id} pruned`);
  for (const id of ids.slice(2)) {
    assert.ok(left.includes(`${id}.json`) && left.includes(`${id}.plan.json`), `${id} kept`);
  }
  assert.deepEqual((await root(`ls ${runsRoot}/backups`)).split("\n").sort(), ids.slice(2).sort());
});

Deno.test("a down plan from a tracked run is refused when the host changed after it was made", async () => {
  const tag = unique();
  const runsRoot = `/var/lib/hk-it-${tag}`;
  const path = `/srv/it-downstale-${tag}`;
  const config = (text: string) =>
    writeConfig(
      host,
      `  p.runsRoot("${runsRoot}");\n  p.file("${path}", { content: "${text}\\n" });`,
    );
  await ok(["apply", await config("one"), "--host", "it", "--confirm", "--track"]);
  const second = await config("two");
  await ok(["apply", second, "--host", "it", "--confirm", "--track"]);
  const downFile = `${dirname(second)}/down.json`;
  await ok(["down", second, "--host", "it", "--last", "--out", downFile]);
  await root(`echo edited-after-the-down-plan > ${path}`);
  const r = await hostkit(["apply", "--plan", downFile, second, "--confirm"]);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`changed since the plan: file:${path}`));
  assert.equal(await root(`cat ${path}`), "edited-after-the-down-plan");
});
