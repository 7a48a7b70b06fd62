/**
 * Readiness on a real host: the http/systemd monitors of a started service are retried after
 * the program until they hold; a service that never answers as declared fails the apply, its
 * run record says so, and an armed automatic rollback undoes the run at once.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** A loopback-only HTTP service (systemd alone) answering `status` after `delay` seconds. */
function service(unit: string, port: number, status: string, delay: number, window: number) {
  const answer = `while IFS= read -r l; do case $l in "$(printf '\\r')"|'') break ;; esac; done; ` +
    `printf 'HTTP/1.0 ${status}\\r\\nContent-Type: text/plain\\r\\n\\r\\nhealthy\\n'`;
  const argv = [
    "/bin/sh",
    "-c",
    `sleep ${delay}; exec /usr/bin/systemd-socket-activate --inetd -a -l 127.0.0.1:${port} /bin/sh -c "$0"`,
    answer,
  ];
  return `
  p.daemon("${unit}", (d) => {
    d.execStart(${JSON.stringify(argv)});
    d.wantedBy("multi_user");
    d.settle("0s");
    d.monitor("http", { url: "http://127.0.0.1:${port}/health", expect: { status: 200 }, timeout: "${
    window / 1000
  }s" });
  });`;
}

Deno.test("readiness: a service that answers after 2 s passes once its monitor holds", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const unit = `it-ready-${tag}.service`;
  const port = 20000 + (parseInt(tag.slice(0, 4), 16) % 20000);
  const config = await writeConfig(host, service(unit, port, "200 OK", 2, 30_000));
  const r = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, out);
  assert.match(r.stderr, /readiness: waiting for 1 monitors/, out);
  assert.match(r.stderr, /readiness \.\.\. ok/, out);
  await root(
    `systemctl disable --now ${unit}; rm -f /etc/systemd/system/${unit}; systemctl daemon-reload`,
  );
});

Deno.test("readiness: a service that never answers 200 fails the apply; the record says failed; armed rollback undoes the run", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const unit = `it-unready-${tag}.service`;
  const port = 20000 + (parseInt(tag.slice(4, 8), 16) % 20000);
  const runsRoot = `/var/lib/hk-ready-${tag}`;
  const dir = `/etc/hk-ready-${tag}`;
  await root(`mkdir -p ${dir} && printf 'old\\n' > ${dir}/app.conf`);
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");
  p.file("${dir}/app.conf", { content: "new\\n" });` +
      service(unit, port, "503 Service Unavailable", 0, 3_000),
  );
  // Without rollback: the apply fails and the tracked record names it.
  const tracked = await hostkit(["apply", config, "--host", "it", "--confirm", "--track"]);
  const out = `${tracked.stdout}\n${tracked.stderr}`;
  assert.equal(tracked.code, 3, out);
  assert.match(
    tracked.stderr,
    /readiness \.\.\. FAILED: http:\/\/127\.0\.0\.1:\d+\/health: status 503/,
    out,
  );
  assert.match(tracked.stderr, /FAILED at "readiness: 1 of 1 monitors"/, out);
  const runId = /--run (\S+)/.exec(tracked.stderr)?.[1];
  assert.ok(runId, out);
  assert.equal(JSON.parse(await root(`cat ${runsRoot}/runs/${runId}.json`)).status, "failed");
  assert.equal(await root(`cat ${dir}/app.conf`), "new");

  // Put the old file back, then again with rollback armed: the host undoes the run at once.
  await root(
    `systemctl disable --now ${unit}; rm -f /etc/systemd/system/${unit}; systemctl daemon-reload; ` +
      `printf 'old\\n' > ${dir}/app.conf`,
  );
  const armed = await hostkit([
    "apply",
    config,
    "--host",
    "it",
    "--confirm",
    "--auto-rollback",
    "20s",
  ]);
  const armedOut = `${armed.stdout}\n${armed.stderr}`;
  assert.equal(armed.code, 3, armedOut);
  assert.match(armed.stderr, /automatic rollback undid it/, armedOut);
  assert.equal(await root(`cat ${dir}/app.conf`), "old");
  assert.equal(
    await root(`test -e /etc/systemd/system/${unit} && echo there || echo gone`),
    "gone",
  );
  await root(`rm -rf ${dir} ${runsRoot}; systemctl reset-failed ${unit} 2>/dev/null || :`);
});

Deno.test("readiness: an auto-rollback deadline shorter than the readiness window is refused", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const unit = `it-slow-${tag}.service`;
  const config = await writeConfig(host, service(unit, 20999, "200 OK", 0, 60_000));
  const r = await hostkit(["apply", config, "--host", "it", "--confirm", "--auto-rollback", "60s"]);
  assert.equal(r.code, 64, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /too short: .*\(70s for this plan\)/);
  const gone = await sshExec(host, "root", `test -e /etc/systemd/system/${unit}`);
  assert.equal(gone.code, 1, "nothing was applied");
});
