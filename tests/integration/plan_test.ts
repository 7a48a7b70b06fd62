/**
 * Planning against real hosts: a fresh host plans all-create, hand-made drift
 * shows up as exactly those changes, and 1000 files are read in one exec.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { countingTarget, hostkit, writeConfig } from "./hostkit.ts";
import { load } from "../../src/config/mod.ts";
import { plan } from "../../src/plan/mod.ts";

const [host] = await testHosts();
const root = `/srv/it-plan-${crypto.randomUUID().slice(0, 8)}`;

const SERVICE = `
  p.service("web", (s) => {
    s.account("it-web", { system: true, home: "${root}/home" });
    s.directory("${root}", { mode: 0o755 });
    s.directory("${root}/data", { owner: "it-web", group: "it-web", mode: "private_dir" });
    s.file("${root}/motd", { content: "hello\\nworld\\n", mode: 0o644 });
    s.daemon("it-web.service", (d) => {
      d.description("integration web");
      d.serviceUser("it-web");
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.wantedBy("multi_user");
    });
  });
`;

Deno.test("a fresh host plans every resource as a create", async () => {
  const config = await writeConfig(host, SERVICE);
  const r = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged/);
  for (
    const id of [
      "account:it-web",
      `directory:${root}/data`,
      `file:${root}/motd`,
      "systemd_service:it-web.service",
    ]
  ) {
    assert.match(r.stdout, new RegExp(`\\+ ${id.replace(/[.]/g, "\\.")} \\(missing\\)`));
  }
});

Deno.test("hand-made drift shows exactly those changes", async () => {
  const config = await writeConfig(host, SERVICE);
  const applied = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  const clean = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);

  const edit = await sshExec(
    host,
    "root",
    `chmod 600 ${root}/motd && rmdir ${root}/data && ` +
      `sed -i 's/integration web/edited by hand/' /etc/systemd/system/it-web.service`,
  );
  assert.equal(edit.code, 0, edit.stderr);
  const drift = await hostkit(["plan", config, "--host", "it", "--out", `${root}.plan.json`]);
  assert.equal(drift.code, 0, drift.stderr);
  assert.match(drift.stdout, /Plan: 1 to create, 2 to update, 0 to delete, 2 unchanged/);
  assert.match(drift.stdout, new RegExp(`~ file:${root}/motd \\(mode\\)`));
  assert.match(drift.stdout, new RegExp(`\\+ directory:${root}/data \\(missing\\)`));
  assert.match(drift.stdout, /~ systemd_service:it-web\.service \(content\)/);
  assert.match(drift.stdout, /-Description=edited by hand\n\s+\+Description=integration web/);
  const saved = JSON.parse(await Deno.readTextFile(`${root}.plan.json`));
  assert.equal(saved.format, "hostkit.plan");
  assert.equal(saved.hosts[0].os, "debian 12");
  await Deno.remove(`${root}.plan.json`);
});

Deno.test("a config of 1000 files plans in one probe exec", async () => {
  const body =
    `  for (let i = 0; i < 1000; i++) p.file(\`${root}/many/f\${i}.txt\`, { content: \`file \${i}\\n\` });`;
  const project = await load(await writeConfig(host, body));
  const target = countingTarget(host);
  try {
    const result = await plan(project, { targets: [target] });
    assert.equal(result.hosts[0].error, undefined);
    assert.equal(result.summary.create, 1000);
    assert.equal(target.execs, 1);
  } finally {
    await target.close();
  }
});
