/**
 * The second run of a config logs in once: the connection opened while its config was still
 * being evaluated (to the host the first run reached) is the one the run uses, not a second
 * login beside it. A config that now asks for another login gets it.
 *
 * The runs reach the host through a TCP forwarder on the loopback that counts connections.
 */
import assert from "node:assert/strict";
import { testHosts } from "./hosts.ts";
import { hostkit } from "./hostkit.ts";

const [host] = await testHosts();

/** Forwards 127.0.0.1:PORT to the test host's sshd and counts the connections. */
function countingForwarder() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let count = 0;
  const pipes: Promise<unknown>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      count++;
      const upstream = await Deno.connect({ hostname: host.address, port: host.port });
      pipes.push(
        conn.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(conn.writable).catch(() => {}),
      );
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    get count() {
      return count;
    },
    async close() {
      listener.close();
      await loop;
      await Promise.all(pipes);
    },
  };
}

Deno.test({
  name: "a config's second run logs in once: the early connection is the one it uses",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const forwarder = countingForwarder();
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-early-" });
  try {
    // The host's keys, listed for the forwarder's address.
    const keys = (await Deno.readTextFile(host.knownHostsFile)).split("\n")
      .filter((line) => line.trim() && !line.startsWith("#"))
      .map((line) => `[127.0.0.1]:${forwarder.port} ${line.split(" ").slice(1).join(" ")}`);
    await Deno.writeTextFile(`${dir}/known_hosts`, keys.join("\n") + "\n");
    const config = `${dir}/config.ts`;
    const write = (user: string, content: string) =>
      Deno.writeTextFile(
        config,
        `import { project } from "hostkit";
export default project("it-early", (p) => {
  p.host("it", (h) => {
    h.hostname("127.0.0.1");
    h.user(${JSON.stringify(user)});
    h.ssh({ port: ${forwarder.port}, identityFile: ${
          JSON.stringify(host.identityFile)
        }, knownHostsFiles: [${JSON.stringify(`${dir}/known_hosts`)}] });
  });
  p.file(${JSON.stringify(`/tmp/${crypto.randomUUID()}`)}, { content: ${JSON.stringify(content)} });
});
`,
      );
    const plan = async () => {
      const before = forwarder.count;
      const result = await hostkit(["plan", config, "--host", "it"]);
      assert.equal(result.code, 0, result.stderr);
      return forwarder.count - before;
    };
    await write(host.users.root, "one\n");
    assert.equal(await plan(), 1, "the first run: one login");
    await write(host.users.root, "two\n"); // a changed config: evaluated again, in the sandbox
    assert.equal(await plan(), 1, "the second run used its early connection");
    assert.equal(await plan(), 1, "and so does a run whose config answer is kept");
    // Another user: the early connection (as root) is closed unused, the run logs in as bob.
    await write(host.users.nopasswd.user, "three\n");
    assert.equal(await plan(), 2, "the early login, unused, and the one the config asks for");
    assert.equal(await plan(), 1, "the next run opens bob's early");
  } finally {
    await forwarder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
