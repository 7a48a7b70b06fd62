/**
 * Apply against real hosts: services really start, re-plans are clean, one
 * exec per host, stale plans and locks are refused, failures stop where they
 * happen and say why.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { countingTarget, hostkit, writeConfig } from "./hostkit.ts";
import { load } from "../../src/config/mod.ts";
import { plan } from "../../src/plan/mod.ts";
import { apply } from "../../src/apply/mod.ts";

const [host, other] = await testHosts();
const unique = () => crypto.randomUUID().slice(0, 8);

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

function services(tag: string, env: string) {
  return `
  p.service("a", (s) => {
    s.envFile("/etc/it-${tag}/a.env", { mode: 0o640 }, (e) => { ${env} });
    s.daemon("it-${tag}-a.service", (d) => {
      d.environmentFile("/etc/it-${tag}/a.env");
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.hardening("web_service");
      d.wantedBy("multi_user");
    });
  });
  p.service("b", (s) => {
    s.daemon("it-${tag}-b.service", (d) => {
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.wantedBy("multi_user");
    });
  });`;
}

Deno.test("apply starts services, re-plans clean, and restarts only what changed", async () => {
  const tag = unique();
  const config = await writeConfig(host, services(tag, `e.set("PORT", 4000);`));
  const first = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(
    await root(`systemctl is-active it-${tag}-a.service it-${tag}-b.service`),
    "active\nactive",
  );
  assert.equal(await root(`systemctl is-enabled it-${tag}-a.service`), "enabled");

  const again = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /0 to create, 0 to update, 0 to delete, 3 unchanged/);

  const ids = async () =>
    await root(`systemctl show -p InvocationID --value it-${tag}-a.service it-${tag}-b.service`);
  const [beforeA, beforeB] = (await ids()).split("\n");
  const edited = await writeConfig(
    host,
    services(tag, `e.set("PORT", 4000); e.set("MODE", "prod");`),
  );
  const second = await hostkit(["apply", edited, "--host", "it", "--confirm"]);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /~ env_file:\/etc\/it-[0-9a-f]+\/a\.env \(\+MODE\)/);
  const [afterA, afterB] = (await ids()).split("\n");
  assert.notEqual(afterA, beforeA, "the service whose env file changed restarts");
  assert.equal(afterB, beforeB, "the other service keeps running");
  assert.match(await root(`cat /etc/it-${tag}/a.env`), /MODE=prod/);
});

Deno.test("units run their declared text: a new one, one shadowing a running vendor unit, an edited one; systemd is left needing no reload", async () => {
  const tag = unique();
  const vendor = `it-${tag}-v.service`;
  const fresh = `it-${tag}-n.service`;
  await root(
    `printf '[Service]\\nExecStart=/usr/bin/sleep 1111\\n' > /lib/systemd/system/${vendor} && ` +
      `systemctl daemon-reload && systemctl start ${vendor}`,
  );
  const unit = (name: string, seconds: string) => `
    s.daemon("${name}", (d) => {
      d.execStart(["/usr/bin/sleep", "${seconds}"]);
      d.wantedBy("multi_user");
    });`;
  const body = (seconds: string) =>
    `p.service("u", (s) => { ${unit(vendor, "2222")} ${unit(fresh, seconds)} });`;
  const show = (name: string) =>
    root(`systemctl show -p FragmentPath,NeedDaemonReload,ExecStart ${name}`);
  const applyWith = async (seconds: string) => {
    const config = await writeConfig(host, body(seconds));
    const run = await hostkit(["apply", config, "--host", "it", "--confirm"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  };
  try {
    await applyWith("3333");
    const shadowing = await show(vendor);
    assert.match(shadowing, new RegExp(`^FragmentPath=/etc/systemd/system/${vendor}$`, "m"));
    assert.match(shadowing, /argv\[\]=\/usr\/bin\/sleep 2222 ;/);
    assert.match(await show(fresh), /argv\[\]=\/usr\/bin\/sleep 3333 ;/);
    // The reload that ran during the settle window: the target knows what was enabled.
    const wants = await root("systemctl show -p Wants --value multi-user.target");
    assert.ok(wants.split(" ").includes(fresh) && wants.split(" ").includes(vendor), wants);

    await applyWith("4444");
    const now = await show(fresh);
    assert.match(now, /argv\[\]=\/usr\/bin\/sleep 4444 ;/);
    assert.equal(await root(`pgrep -fc 'sleep (1111|3333)' || true`), "0");
    for (const text of [now, await show(vendor)]) assert.match(text, /^NeedDaemonReload=no$/m);
  } finally {
    await root(
      `systemctl disable --now ${vendor} ${fresh} 2>/dev/null; ` +
        `rm -f /etc/systemd/system/${vendor} /etc/systemd/system/${fresh} /lib/systemd/system/${vendor}; ` +
        "systemctl daemon-reload",
    );
  }
});

Deno.test("1000 files apply in one exec and re-plan to noop", async () => {
  const dir = `/srv/it-many-${unique()}`;
  const body =
    `  for (let i = 0; i < 1000; i++) p.file(\`${dir}/f\${i}.txt\`, { content: \`file \${i}\\n\` });`;
  const project = await load(await writeConfig(host, body));
  const target = countingTarget(host);
  try {
    const reviewed = await plan(project, { targets: [target] });
    const execsForPlan = target.execs;
    const [result] = await apply(reviewed, { targets: [target], confirm: true });
    assert.equal(result.status, "applied", result.message);
    assert.equal(target.execs - execsForPlan, 1, "one exec for the whole apply");
    const replan = await plan(project, { targets: [target] });
    assert.equal(replan.summary.noop, 1000);
  } finally {
    await target.close();
  }
  assert.equal(await root(`ls ${dir} | wc -l`), "1000");
  assert.equal(await root(`cat ${dir}/f999.txt`), "file 999");
});

Deno.test("a stale plan is refused and nothing changes", async () => {
  const dir = `/srv/it-stale-${unique()}`;
  await root(`mkdir -p ${dir} && echo original > ${dir}/a`);
  const config = await writeConfig(
    host,
    `
  p.file("${dir}/a", { content: "declared\\n" });
  p.file("${dir}/b", { content: "new\\n" });`,
  );
  const planned = await hostkit(["plan", config, "--host", "it", "--out", `${dir}.plan.json`]);
  assert.equal(planned.code, 0, planned.stderr);
  await root(`echo changed-by-hand > ${dir}/a`);
  const r = await hostkit(["apply", "--plan", `${dir}.plan.json`, config, "--confirm"]);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`changed since the plan: file:${dir}/a`));
  assert.equal(await root(`cat ${dir}/a`), "changed-by-hand");
  assert.equal((await sshExec(host, "root", `test -e ${dir}/b`)).code, 1, "b was not written");
  await Deno.remove(`${dir}.plan.json`);
});

Deno.test("a second concurrent apply fails fast naming the first; a killed apply's lock is reported", async () => {
  const tag = unique();
  const dir = `/srv/it-lock-${tag}`;
  const hold = `/tmp/it-hold-${tag}`;
  // The first apply holds the lock until the test lets it go: no guessing how long it takes.
  await root(`touch ${hold}`);
  const slow = await writeConfig(
    host,
    `
  p.command("slow", { exec: ["/bin/sh", "-c", "while [ -e ${hold} ]; do sleep 0.1; done"], phase: "always" });`,
  );
  const quick = await writeConfig(host, `  p.file("${dir}/x", { content: "x\\n" });`);
  const first = hostkit(["apply", slow, "--host", "it", "--confirm"]);
  for (let i = 0; i < 600; i++) {
    if ((await sshExec(host, "root", "test -d /var/lib/hostkit/lock")).code === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const second = await hostkit(["apply", quick, "--host", "it", "--confirm"]);
  assert.equal(second.code, 5, second.stdout + second.stderr);
  assert.match(
    second.stderr,
    /another apply holds the lock on it: pid=\d+ started=\S+ run=\S+ user=root/,
  );
  // Fast: it gave up while the first still held the lock, rather than waiting for it.
  assert.equal((await sshExec(host, "root", "test -d /var/lib/hostkit/lock")).code, 0);
  await root(`rm -f ${hold}`);
  assert.equal((await first).code, 0);

  // A lock whose process is gone (a killed apply) is reported with the flag to break it.
  await root(
    "mkdir -p /var/lib/hostkit/lock && echo 'pid=999999 started=2026-01-01T00:00:00Z run=x user=root' > /var/lib/hostkit/lock/holder",
  );
  const blocked = await hostkit(["apply", quick, "--host", "it", "--confirm"]);
  assert.equal(blocked.code, 5);
  assert.match(blocked.stderr, /a killed apply left its lock.*--break-lock/);
  const broken = await hostkit(["apply", quick, "--host", "it", "--confirm", "--break-lock"]);
  assert.equal(broken.code, 0, broken.stdout + broken.stderr);
  assert.equal(await root(`cat ${dir}/x`), "x");
});

Deno.test("a failing command stops the apply: later steps do not run, earlier ones are reported", async () => {
  const dir = `/srv/it-fail-${unique()}`;
  const config = await writeConfig(
    host,
    `
  p.service("s", (s) => {
    s.directory("${dir}");
    s.file("${dir}/before", { content: "1\\n" });
    s.command("boom", { exec: ["/bin/sh", "-c", "echo about to fail; exit 7"] });
    s.daemon("it-never-${unique()}.service", (d) => {
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.wantedBy("multi_user");
    });
  });`,
  );
  const r = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /FAILED at "run boom" \(exit 7\)/);
  assert.match(r.stderr, /\| about to fail/);
  assert.match(
    r.stderr,
    new RegExp(`applied before the failure: directory:${dir}, file:${dir}/before`),
  );
  assert.equal(await root(`cat ${dir}/before`), "1");
  assert.equal(
    (await sshExec(host, "root", `ls /etc/systemd/system/ | grep -c it-never`)).stdout.trim(),
    "0",
  );
});

Deno.test("a unit that does not start fails the apply with its journal lines", async () => {
  const name = `it-crash-${unique()}.service`;
  const config = await writeConfig(
    host,
    `
  p.daemon("${name}", (d) => {
    d.execStart(["/bin/sh", "-c", "echo crashing on purpose; exit 3"]);
    d.wantedBy("multi_user");
  });`,
  );
  const r = await hostkit(["apply", config, "--host", "it", "--confirm", "--start-timeout", "3"]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`${name.replace(".", "\\.")}: crashing on purpose`));
});

Deno.test("sudo as a non-root user applies; --dry-run changes nothing", async () => {
  const dir = `/srv/it-sudo-${unique()}`;
  const body =
    `  p.directory("${dir}", { owner: "bob" });\n  p.file("${dir}/f", { content: "via sudo\\n", owner: "root", mode: 0o600 });`;
  const config = await writeConfig(host, body, { user: host.users.nopasswd.user, sudo: true });
  const probe =
    `find /srv /etc /var/lib/hostkit -newer /etc/hostname 2>/dev/null | sort | md5sum; ls -la /srv`;
  const before = await root(probe);
  const dry = await hostkit(["apply", config, "--host", "it", "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /2 steps would run/);
  assert.equal(await root(probe), before, "the dry run touched nothing");
  const r = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(await root(`stat -c '%U %a' ${dir}/f && cat ${dir}/f`), "root 600\nvia sudo");
  assert.equal(await root(`stat -c %U ${dir}`), "bob");
});

Deno.test("bad input changes nothing: version, other host, missing secret", async () => {
  const dir = `/srv/it-bad-${unique()}`;
  const config = await writeConfig(
    host,
    `
  p.envFile("${dir}/app.env", (e) => { e.secret("TOKEN", { env: "IT_MISSING_TOKEN" }); });
  p.file("${dir}/plain", { content: "x\\n" });`,
  );
  const planFile = `${await Deno.makeTempDir()}/up.plan.json`;
  assert.equal((await hostkit(["plan", config, "--host", "it", "--out", planFile])).code, 0);

  const missing = await hostkit(["apply", "--plan", planFile, config, "--confirm"]);
  assert.equal(missing.code, 78, missing.stderr);
  assert.match(missing.stderr, /IT_MISSING_TOKEN is not set/);

  const tampered = JSON.parse(await Deno.readTextFile(planFile));
  tampered.version = 99;
  await Deno.writeTextFile(`${planFile}.v99`, JSON.stringify(tampered));
  const version = await hostkit(["apply", "--plan", `${planFile}.v99`, "--confirm"]);
  assert.equal(version.code, 65);
  assert.match(version.stderr, /plan version 99 is not supported/);

  const escape = JSON.parse(await Deno.readTextFile(planFile));
  escape.hosts[0].changes[0].resource.path = `${dir}/../../etc/evil`;
  await Deno.writeTextFile(`${planFile}.escape`, JSON.stringify(escape));
  const escaped = await hostkit(["apply", "--plan", `${planFile}.escape`, "--confirm"]);
  assert.equal(escaped.code, 65, escaped.stderr);
  assert.match(escaped.stderr, /absolute path without \. or \.\. segments/);

  if (other) {
    const elsewhere = await writeConfig(other, `  p.file("${dir}/plain", { content: "x\\n" });`);
    const wrongHost = await hostkit([
      "apply",
      "--plan",
      planFile,
      elsewhere,
      "--host",
      "it",
      "--confirm",
    ], {
      IT_MISSING_TOKEN: "t",
    });
    assert.equal(wrongHost.code, 4, wrongHost.stdout + wrongHost.stderr);
    assert.match(wrongHost.stderr, /made for another host/);
    assert.equal((await sshExec(other, "root", `test -e ${dir}`)).code, 1);
  }
  assert.equal((await sshExec(host, "root", `test -e ${dir}`)).code, 1, "nothing was created");
});

Deno.test("packages install in one step per manager and re-plan clean", async () => {
  const config = await writeConfig(
    host,
    `
  p.service("tools", (s) => {
    s.package("hello", { as: "hello" });
    s.package("tree_viewer", { as: "tree" });
  });`,
  );
  const r = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /1\/1 install packages hello tree \.\.\. ok/);
  assert.equal(await root("hello && tree --version | head -c 4"), "Hello, world!\ntree");
  const again = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
  assert.equal(again.code, 0, again.stdout);
});
