/**
 * The health gate on a real systemd: after starting units, apply watches them for their settle
 * window and fails the step when one crashes, restarts or fails, with its journal lines; a
 * tracked run records the failure so `down --run` undoes it.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();
const unique = () => crypto.randomUUID().slice(0, 8);

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** A daemon running `script` under /bin/sh, with extra DSL lines in its body. */
function daemon(unit: string, script: string, extra = ""): string {
  return `
  p.daemon("${unit}", (d) => {
    d.execStart(["/bin/sh", "-c", ${JSON.stringify(script)}]);
    d.wantedBy("multi_user");
    ${extra}
  });`;
}

Deno.test("health gate: a unit that crashes 0.5 s after start fails the apply with its journal line (exit 3); down --run undoes it", async () => {
  const tag = unique();
  const unit = `it-crash-${tag}.service`;
  const runsRoot = `/var/lib/hk-gate-${tag}`;
  const config = await writeConfig(
    host,
    `  p.runsRoot("${runsRoot}");` +
      daemon(
        unit,
        `sleep 0.5; echo "boom-${tag}: cannot bind"; exit 1`,
        `d.restart("on_failure");`,
      ),
  );
  const r = await hostkit(["apply", config, "--host", "it", "--confirm", "--track"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 3, out);
  assert.match(r.stderr, /health gate: watching .*it-crash-.* for 1 s/, out);
  assert.match(r.stderr, /health gate \.\.\. FAILED/, out);
  assert.match(r.stderr, new RegExp(`FAILED at "systemd: [^"]*start 1"`), out);
  assert.match(
    r.stderr,
    new RegExp(`\\| ${unit} (restarted within|failed: result exit-code)`),
    out,
  );
  assert.match(r.stderr, new RegExp(`\\| ${unit}: boom-${tag}: cannot bind`), out);

  // The run record names the failure, and the down of the run removes the unit again.
  const runId = /--run (\S+)/.exec(r.stderr)?.[1];
  assert.ok(runId, out);
  const record = JSON.parse(await root(`cat ${runsRoot}/runs/${runId}.json`));
  assert.equal(record.status, "failed");
  const downFile = `${dirname(config)}/down.json`;
  const down = await hostkit(["down", config, "--host", "it", "--run", runId, "--out", downFile]);
  assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
  const undo = await hostkit(["apply", "--plan", downFile, config, "--confirm"]);
  assert.equal(undo.code, 0, `${undo.stdout}\n${undo.stderr}`);
  const gone = await sshExec(host, "root", `test -e /etc/systemd/system/${unit}`);
  assert.equal(gone.code, 1, "the unit file is gone");
  await root(`rm -rf ${runsRoot}; systemctl reset-failed ${unit} 2>/dev/null || :`);
});

Deno.test("health gate: a healthy unit passes; settle 0s skips the window; a restart loop that looks active is caught", async () => {
  const tag = unique();
  const healthy = `it-ok-${tag}.service`;
  const quick = `it-quick-${tag}.service`;
  const ok = await writeConfig(
    host,
    daemon(healthy, "exec sleep infinity") +
      daemon(quick, "exec sleep infinity", `d.settle("0s");`),
  );
  const good = await hostkit(["apply", ok, "--host", "it", "--confirm"]);
  assert.equal(good.code, 0, `${good.stdout}\n${good.stderr}`);
  // One window for both units, the longest (1 s, the default), not one per unit.
  assert.equal(good.stderr.match(/health gate: watching/g)?.length, 1, good.stderr);
  assert.match(
    good.stderr,
    new RegExp(`watching (${healthy}, ${quick}|${quick}, ${healthy}) for 1 s`),
  );
  assert.match(good.stderr, /health gate \.\.\. ok/);
  assert.equal(await root(`systemctl is-active ${healthy} ${quick} | sort -u`), "active");

  // Restart=always without delay: nearly every single sample of ActiveState says "active".
  const loop = `it-loop-${tag}.service`;
  const looping = await writeConfig(
    host,
    daemon(
      loop,
      "sleep 0.3; exit 1",
      `d.restart("always"); d.restartSec(0); d.directive("Unit", "StartLimitIntervalSec", 0); d.settle("2s");`,
    ),
  );
  const r = await hostkit(["apply", looping, "--host", "it", "--confirm"]);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 3, out);
  assert.match(r.stderr, /for 2 s/, out);
  assert.match(
    r.stderr,
    new RegExp(`\\| ${loop} (restarted within|was restarted|failed: result exit-code)`),
    out,
  );
  await root(
    `systemctl disable --now ${healthy} ${quick} ${loop} 2>/dev/null; rm -f /etc/systemd/system/it-*-${tag}.service; systemctl daemon-reload`,
  );
});

Deno.test("a remote program killed mid-apply is reported as died, and its lock is broken by the next apply", async () => {
  const tag = unique();
  const sleep = `4.${String(crypto.getRandomValues(new Uint16Array(1))[0]).padStart(5, "0")}`;
  const dir = `/srv/it-kill-${tag}`;
  const config = (second: string) =>
    writeConfig(
      host,
      `
  p.file("${dir}/first", { content: "1\\n" });
  p.command("slow-${tag}", { exec: ["/bin/sleep", "${sleep}"], dependsOn: ["file:${dir}/first"] });
  p.file("${dir}/second", { content: "${second}\\n", dependsOn: ["command:slow-${tag}"] });`,
    );
  const applying = hostkit(["apply", await config("2"), "--host", "it", "--confirm"]);
  // Kill the program's whole session (it runs under setsid) once its step is running.
  await root(`
i=0
until pid=$(pgrep -x -f '/bin/sleep ${sleep}'); do
  i=$((i + 1)); [ $i -lt 300 ] || exit 3; sleep 0.1
done
kill -KILL -- -$(ps -o sid= -p "$pid" | tr -d ' ')`);
  const r = await applying;
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 3, out);
  assert.doesNotMatch(r.stderr, /undefined/, out);
  assert.match(r.stderr, /FAILED: the apply program on it died during step 2 of 3: /, out);
  assert.match(r.stderr, new RegExp(`it was running: run slow-${tag}`), out);
  assert.match(r.stderr, new RegExp(`applied before the failure: file:${dir}/first`), out);
  assert.match(
    r.stderr,
    /its events on the host: \/var\/tmp\/hostkit-apply\.\S+\/events\.log/,
    out,
  );

  const next = await hostkit(["apply", await config("2 again"), "--host", "it", "--confirm"]);
  assert.equal(next.code, 0, `${next.stdout}\n${next.stderr}`);
  assert.match(next.stderr, /broke the lock of an apply that died \(its process is gone\): pid=/);
  await root(`rm -rf ${dir}`);
});
