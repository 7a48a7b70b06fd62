/**
 * Automatic rollback on a real host: an apply is confirmed over a NEW SSH connection or the
 * host puts itself back from the run's backups: after a change that breaks SSH logins, after
 * a failed health gate, and after a partial apply (only what ran is undone).
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();
const unique = () => crypto.randomUUID().slice(0, 8);

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** A directory with a file holding `old` before the apply, and the runs root of the test. */
async function prepare(tag: string): Promise<{ dir: string; runsRoot: string }> {
  const dir = `/etc/hk-rb-${tag}`;
  await root(
    `mkdir -p ${dir} && printf 'old\\n' > ${dir}/keep.conf && chmod 0640 ${dir}/keep.conf`,
  );
  return { dir, runsRoot: `/var/lib/hk-rb-${tag}` };
}

const armedUnits = async (tag: string) =>
  await root(`systemctl list-units --all --plain --no-legend 'hostkit-rollback-*${tag}*' | wc -l`);

Deno.test("auto-rollback: a good apply is confirmed over a new connection and disarmed; nothing is reverted", async () => {
  const tag = unique();
  const { dir, runsRoot } = await prepare(tag);
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/keep.conf", { content: "new\\n" });
  p.file("${dir}/added.conf", { content: "added\\n" });`,
    { name: `rb${tag}` },
  );
  const r = await hostkit(["apply", config, "--host", "it", "--auto-rollback", "30s", "--confirm"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, out);
  assert.match(
    r.stdout,
    /automatic rollback: armed for 30 s after the apply; it undoes every change/,
  );
  assert.match(r.stderr, /automatic rollback armed \(30 s after the program ends\)/, out);
  assert.match(r.stderr, /confirmed over a new connection: automatic rollback disarmed/, out);
  assert.equal(await root(`cat ${dir}/keep.conf ${dir}/added.conf`), "new\nadded");
  // Disarmed means gone: no timer left that could fire, no rollback directory.
  assert.equal(await armedUnits(tag), "0");
  assert.equal(await root(`ls ${runsRoot}/rollback 2>/dev/null | wc -l`), "0");
  await root(`rm -rf ${dir} ${runsRoot}`);
});

Deno.test("auto-rollback: an apply that breaks new SSH logins is undone by the host; a new connection works again, files byte for byte as before", async () => {
  const tag = unique();
  const { dir, runsRoot } = await prepare(tag);
  const dropIn = `/etc/ssh/sshd_config.d/zz-hk-rb-${tag}.conf`;
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/keep.conf", { content: "new\\n" });
  p.file("${dropIn}", { content: "DenyUsers root\\n", notify: { restart: ["ssh.service"] } });`,
    { name: `rb${tag}` },
  );
  const before = await root(`sha256sum ${dir}/keep.conf; stat -c '%a %U %G' ${dir}/keep.conf`);
  try {
    const r = await hostkit([
      "apply",
      config,
      "--host",
      "it",
      "--auto-rollback",
      "12s",
      "--confirm",
    ]);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 6, out);
    assert.match(r.stderr, /confirming over a new connection: no new connection/, out);
    assert.match(r.stderr, /ROLLED BACK: .*the host rolled itself back \(run \S+-down-/, out);
    // Logins work again, and the host is as it was.
    assert.equal(await root(`test -e ${dropIn} && echo there || echo gone`), "gone");
    assert.equal(
      await root(`sha256sum ${dir}/keep.conf; stat -c '%a %U %G' ${dir}/keep.conf`),
      before,
    );
    const upId = /run (\S+)-down-([0-9a-f]{4})/.exec(r.stderr);
    assert.ok(upId, out);
    const record = JSON.parse(
      await root(`cat ${runsRoot}/runs/${upId[1]}-up-${upId[2]}.json`),
    );
    assert.equal(record.status, "rolled_back");
    const downRecord = JSON.parse(
      await root(`cat ${runsRoot}/runs/${upId[1]}-down-${upId[2]}.json`),
    );
    assert.equal(downRecord.status, "applied");
    assert.equal(await armedUnits(tag), "0");
  } finally {
    await sshExec(
      host,
      "root",
      `rm -f ${dropIn}; systemctl restart ssh.service; rm -rf ${dir} ${runsRoot}`,
    );
  }
});

Deno.test("auto-rollback: a failed health gate rolls back at once, in the same round trip", async () => {
  const tag = unique();
  const { dir, runsRoot } = await prepare(tag);
  const unit = `it-rb-${tag}.service`;
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/keep.conf", { content: "new\\n" });
  p.daemon("${unit}", (d) => {
    d.execStart(["/bin/sh", "-c", "sleep 0.3; echo rb-crash-${tag}; exit 1"]);
    d.wantedBy("multi_user");
  });`,
    { name: `rb${tag}` },
  );
  const r = await hostkit(["apply", config, "--host", "it", "--auto-rollback", "30s", "--confirm"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 3, out);
  assert.match(r.stderr, /health gate \.\.\. FAILED/, out);
  assert.match(r.stderr, /the apply failed: rolling back/, out);
  assert.match(r.stderr, /automatic rollback undid it \(run \S+-down-/, out);
  assert.equal(await root(`cat ${dir}/keep.conf`), "old");
  assert.equal(
    await root(`test -e /etc/systemd/system/${unit} && echo there || echo gone`),
    "gone",
  );
  assert.equal(await armedUnits(tag), "0");
  await root(`rm -rf ${dir} ${runsRoot}; systemctl reset-failed ${unit} 2>/dev/null || :`);
});

Deno.test("auto-rollback: after a partial apply only what ran is undone; the rest is skipped, not refused as stale", async () => {
  const tag = unique();
  const { dir, runsRoot } = await prepare(tag);
  await root(`printf 'later-old\\n' > ${dir}/later.conf`);
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/keep.conf", { content: "new\\n" });
  p.command("fails-${tag}", { exec: ["/bin/false"], dependsOn: ["file:${dir}/keep.conf"] });
  p.file("${dir}/later.conf", { content: "later-new\\n", dependsOn: ["command:fails-${tag}"] });`,
    { name: `rb${tag}` },
  );
  const inode = await root(`stat -c %i ${dir}/later.conf`);
  const r = await hostkit(["apply", config, "--host", "it", "--auto-rollback", "30s", "--confirm"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 3, out);
  assert.match(r.stderr, /FAILED at "run fails-/, out);
  assert.match(r.stderr, /automatic rollback undid it/, out);
  assert.equal(await root(`cat ${dir}/keep.conf`), "old");
  // Never written, never touched by the rollback: the same inode, the same bytes.
  assert.equal(await root(`cat ${dir}/later.conf`), "later-old");
  assert.equal(await root(`stat -c %i ${dir}/later.conf`), inode);
  const downId = /run (\S+-down-[0-9a-f]{4})/.exec(r.stderr)?.[1];
  assert.ok(downId, out);
  const events = await root(`cat ${runsRoot}/rollback/*/program/events.log`);
  assert.match(events, /hk\tstep\t\d+\tskip/, events);
  await root(`rm -rf ${dir} ${runsRoot}`);
});

Deno.test("auto-rollback: a timeout the settle window and a new connection cannot fit is refused, nothing changed", async () => {
  const tag = unique();
  const { dir, runsRoot } = await prepare(tag);
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/keep.conf", { content: "new\\n" });`,
    { name: `rb${tag}` },
  );
  const r = await hostkit(["apply", config, "--host", "it", "--auto-rollback", "5s", "--confirm"]);
  assert.equal(r.code, 64, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /--auto-rollback 5s is too short/);
  assert.equal(await root(`cat ${dir}/keep.conf`), "old");
  await root(`rm -rf ${dir} ${runsRoot}`);
});
