/**
 * `hostkit monitor` on a real host: an HTTP check on a service bound to the host's loopback
 * passes through the SSH connection and fails once the service is stopped (exit codes); with
 * forwarding disabled in sshd the CLI says so and checks with wget/curl on the host.
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

/** A loopback-only HTTP service from systemd alone (no python, no curl on the host). */
function service(unit: string, port: number, marker: string): string {
  const answer = `while IFS= read -r l; do case $l in "$(printf '\\r')"|'') break ;; esac; done; ` +
    `printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhealthy\\n'`;
  return `
  p.daemon("${unit}", (d) => {
    d.execStart(["/usr/bin/systemd-socket-activate", "--inetd", "-a", "-l", "127.0.0.1:${port}", "/bin/sh", "-c", ${
    JSON.stringify(answer)
  }]);
    d.wantedBy("multi_user");
    d.monitor("systemd", { expect: { state: "active" }, severity: "critical" });
    d.monitor("http", { url: "http://127.0.0.1:${port}/health", expect: { status: 200, body: "healthy" } });
    d.monitor("file", { path: "${marker}", exists: true });
  });`;
}

Deno.test("hostkit monitor: an HTTP check on a loopback-only service passes through SSH, fails when it stops; forwarding disabled falls back", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const unit = `it-mon-${tag}.service`;
  const port = 20000 + (parseInt(tag.slice(0, 4), 16) % 20000);
  const marker = `/srv/it-mon-${tag}`;
  const config = await writeConfig(host, service(unit, port, marker));
  const applied = await hostkit(["apply", config, "--host", "it", "--confirm"]);
  assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
  await root(`touch ${marker}`);
  try {
    const ok = await hostkit(["monitor", config, "--host", "it"]);
    const okOut = `${ok.stdout}\n${ok.stderr}`;
    assert.equal(ok.code, 0, okOut);
    assert.match(ok.stdout, /^host\s+check\s+target\s+result\s+latency$/m, okOut);
    assert.match(ok.stdout, new RegExp(`systemd \\(critical\\)\\s+${unit}\\s+ok: state: active`));
    assert.match(
      ok.stdout,
      new RegExp(
        `http \\(warning\\)\\s+http://127\\.0\\.0\\.1:${port}/health\\s+ok: status 200\\s+\\d+ ms`,
      ),
    );
    assert.match(ok.stdout, /file \(warning\)\s+\S+\s+ok: exists/);

    const json = await hostkit(["monitor", config, "--host", "it", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const [report] = JSON.parse(json.stdout);
    assert.equal(report.results[1].via, "ssh channel", "not curl on the host: through SSH");

    await root(`systemctl stop ${unit}`);
    const down = await hostkit(["monitor", config, "--host", "it"]);
    const downOut = `${down.stdout}\n${down.stderr}`;
    assert.equal(down.code, 3, downOut);
    assert.match(down.stdout, /systemd \(critical\)\s+\S+\s+FAIL: state: inactive/, downOut);
    assert.match(down.stdout, /http \(warning\)\s+\S+\s+FAIL: /, downOut);
    assert.match(down.stderr, /2 of 3 checks failed/, downOut);

    // sshd without forwarding: the CLI says so and the host itself fetches the URL.
    await root(`systemctl start ${unit}`);
    await root(
      "command -v wget >/dev/null || command -v curl >/dev/null || " +
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q wget >/dev/null",
    );
    await root(
      "printf 'AllowTcpForwarding no\\n' > /etc/ssh/sshd_config.d/00-hk-noforward.conf && systemctl reload ssh",
    );
    const fallback = await hostkit(["monitor", config, "--host", "it"]);
    const fallbackOut = `${fallback.stdout}\n${fallback.stderr}`;
    assert.equal(fallback.code, 0, fallbackOut);
    assert.match(fallback.stderr, /forbids TCP forwarding \(AllowTcpForwarding no\)/, fallbackOut);
    assert.match(
      fallback.stdout,
      /http \(warning\)\s+\S+\s+ok: status 200 \((wget|curl)\)/,
      fallbackOut,
    );
  } finally {
    await root(
      `rm -f /etc/ssh/sshd_config.d/00-hk-noforward.conf && systemctl reload ssh; ` +
        `systemctl disable --now ${unit} 2>/dev/null; rm -f /etc/systemd/system/${unit} ${marker}; systemctl daemon-reload`,
    );
  }
});
