/**
 * Early connections: a run connects, before its config is evaluated, only to the hosts the same
 * config's last run connected to, that the flags name, under strict host-key checking; the
 * record is per config path, and a connection is handed out only for exactly its options.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { preloadTransport, resolveTargets } from "../../src/cli/targets.ts";
import {
  closeEarlyTargets,
  openEarlyTargets,
  recordedHosts,
  takeEarlyTarget,
} from "../../src/cli/early_targets.ts";
import { project } from "../../src/dsl/mod.ts";
import { sha256Hex } from "../../src/config/cache_dir.ts";
import type { Target } from "../../src/transport/target.ts";
import type { Forwarding } from "../../src/transport/ssh.ts";
import type { Flags } from "../../src/cli/args.ts";

/** Runs `fn` with hostkit's cache in a fresh directory; gives the config path to use. */
async function withCache(fn: (config: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-early-" });
  const before = Deno.env.get("HOSTKIT_CACHE_DIR");
  Deno.env.set("HOSTKIT_CACHE_DIR", join(dir, "cache"));
  try {
    await fn(join(dir, "config.ts"));
  } finally {
    await closeEarlyTargets();
    if (before === undefined) Deno.env.delete("HOSTKIT_CACHE_DIR");
    else Deno.env.set("HOSTKIT_CACHE_DIR", before);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A TCP listener standing in for a host's sshd: it counts the connections and closes each at
 * once, so an attempt fails fast (the configs below make one attempt).
 */
function countingHost() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let count = 0;
  let waiting: { n: number; resolve: () => void }[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      conn.close();
      count++;
      waiting = waiting.filter((w) => count >= w.n ? (w.resolve(), false) : true);
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    /** Resolves once `n` connections in all have arrived. */
    connections(n: number): Promise<void> {
      return count >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ n, resolve }));
    },
    get count() {
      return count;
    },
    async close() {
      listener.close();
      await loop;
    },
  };
}

function declaring(port: number, user = "deploy") {
  return project("early", (p) =>
    p.host("a", (h) => {
      h.hostname("127.0.0.1");
      h.user(user);
      h.ssh({ port, identityFile: KEY, knownHostsFiles: [], retry: { attempts: 1 } });
    }));
}

/** A key file is read before connecting; any readable key does. */
const KEY = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-early-key-" });
  const path = join(dir, "id_ed25519");
  const keygen = new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-f", path],
    stdout: "null",
  });
  assert.equal((await keygen.output()).code, 0, "ssh-keygen");
  return path;
})();

/** What a run does with its targets: connect early, then resolve the config's (and record them). */
async function run(config: string, flags: Flags, spec: ReturnType<typeof declaring>) {
  const early = await preloadTransport(flags, config);
  await (await resolveTargets(flags, spec)).close();
  return early;
}

/** Runs `fn` with a fresh cache and a counting host; closes what it left open. */
async function withHost(
  fn: (config: string, host: ReturnType<typeof countingHost>) => Promise<void>,
): Promise<void> {
  await withCache(async (config) => {
    const host = countingHost();
    try {
      await fn(config, host);
    } finally {
      await closeEarlyTargets();
      await host.close();
    }
  });
}

Deno.test("a first run opens nothing early; the next run of the config opens what it reached", async () => {
  await withHost(async (config, host) => {
    assert.deepEqual(await run(config, { host: ["a"] }, declaring(host.port)), []);
    await host.connections(1); // the run itself connected
    assert.deepEqual((await recordedHosts(config)).map((h) => h.name), ["a"]);

    // The next run: connected while its config would still be evaluating.
    assert.deepEqual(await preloadTransport({ host: ["a"] }, config), ["a"]);
    await host.connections(2);
  });
});

Deno.test("only the hosts the flags name, only with strict host keys, only for this config", async () => {
  await withHost(async (config, host) => {
    await run(config, { host: ["a"] }, declaring(host.port)); // a first run records what it reached
    assert.deepEqual(await preloadTransport({ host: ["b"] }, config), []);
    assert.deepEqual(
      await preloadTransport({ host: ["a"], "accept-new-host-key": true }, config),
      [],
    );
    assert.deepEqual(await preloadTransport({ host: ["a"], local: true }, config), []);
    assert.deepEqual(await preloadTransport({ host: ["a"], remote: "127.0.0.1" }, config), []);
    assert.deepEqual(await preloadTransport({ host: ["a"] }, `${config}.other.ts`), []);
    assert.deepEqual(await preloadTransport({ host: ["a"] }, undefined), []);
    assert.equal(host.count, 1, "none of those connected");
    assert.deepEqual(await preloadTransport({ "all-hosts": true }, config), ["a"]);
    await host.connections(2);
  });
});

Deno.test("no early connection carries a password, and none waits on a missing secret", async () => {
  await withHost(async (config, host) => {
    await run(config, { host: ["a"] }, declaring(host.port)); // a first run records what it reached
    // The operator's --password-env names a variable that is not set: resolveTargets reports it.
    assert.deepEqual(
      await preloadTransport({ host: ["a"], "password-env": "HOSTKIT_TEST_UNSET_VAR" }, config),
      [],
    );
    Deno.env.set("HOSTKIT_TEST_PASSWORD", "hunter2");
    try {
      for (const flag of ["password-env", "sudo-password-env"]) {
        const flags = { host: ["a"], [flag]: "HOSTKIT_TEST_PASSWORD" };
        assert.deepEqual(await preloadTransport(flags, config), [], flag);
      }
    } finally {
      Deno.env.delete("HOSTKIT_TEST_PASSWORD");
    }
    assert.equal(host.count, 1, "only the first run connected");
  });
});

Deno.test("--remote connects before the config loads, with no record needed", async () => {
  await withHost(async (_config, host) => {
    const flags = { remote: "127.0.0.1", port: String(host.port), "identity-file": KEY };
    assert.deepEqual(await preloadTransport(flags, undefined), ["127.0.0.1"]);
    await host.connections(1);
  });
});

Deno.test("the record changes when the run reaches other hosts, and keeps no secrets", async () => {
  await withHost(async (config, host) => {
    await run(config, { host: ["a"] }, declaring(host.port, "deploy"));
    // Opened early as deploy, then closed unused: the config now logs in as ops.
    assert.deepEqual(await run(config, { host: ["a"] }, declaring(host.port, "ops")), ["a"]);
    const [recorded] = await recordedHosts(config);
    assert.equal(recorded.user, "ops");
    assert.deepEqual(Object.keys(recorded).sort(), ["hostname", "name", "ssh", "sudo", "user"]);
  });
});

Deno.test("a damaged record opens nothing, and the run writes a good one", async () => {
  await withHost(async (config, host) => {
    const file = join(Deno.env.get("HOSTKIT_CACHE_DIR")!, "hosts-latest", await sha256Hex(config));
    await Deno.mkdir(join(file, ".."), { recursive: true });
    const damaged = [
      "not json",
      JSON.stringify({ hosts: "a" }),
      JSON.stringify({
        hosts: [null, 5, "a", { name: "a" }, { name: "a", hostname: "x", ssh: null }],
      }),
    ];
    for (const text of damaged) {
      await Deno.writeTextFile(file, text);
      assert.deepEqual(await recordedHosts(config), [], text);
      assert.deepEqual(await preloadTransport({ "all-hosts": true }, config), [], text);
    }
    assert.equal(host.count, 0, "nothing connected");
    await run(config, { host: ["a"] }, declaring(host.port));
    assert.deepEqual((await recordedHosts(config)).map((h) => h.hostname), ["127.0.0.1"]);
  });
});

function fakeTarget(name: string, closed: string[]): Target & Forwarding {
  return {
    name,
    description: name,
    sudo: false,
    spawn: () => {
      throw new Error("not used");
    },
    run: () => Promise.reject(new Error("not used")),
    forward: () => Promise.reject(new Error("not used")),
    close: () => {
      closed.push(name);
      return Promise.resolve();
    },
  };
}

Deno.test("an early connection goes only to a request with exactly its options, once; the rest are closed", async () => {
  const closed: string[] = [];
  const a = fakeTarget("a", closed);
  openEarlyTargets(undefined, () =>
    Promise.resolve([
      { key: '{"host":"a","user":"deploy"}', target: a },
      { key: '{"host":"b","user":"deploy"}', target: fakeTarget("b", closed) },
    ]));
  assert.equal(await takeEarlyTarget('{"host":"a","user":"ops"}'), undefined);
  assert.equal(await takeEarlyTarget('{"host":"a","user":"deploy"}'), a);
  assert.equal(await takeEarlyTarget('{"host":"a","user":"deploy"}'), undefined);
  await closeEarlyTargets();
  assert.deepEqual(closed, ["b"]);
});
