/**
 * The SSH transport against real test hosts (see hosts.ts): one connection carrying many
 * channels, host key policies, every authentication method, sudo with and without a
 * password, 100 MB each way, and dropped connections that must fail rather than hang.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { HostkitError } from "../../src/errors.ts";
import type { SshOptionsInput } from "../../src/transport/options.ts";
import { openSsh, type SshTarget } from "../../src/transport/ssh.ts";
import { sshExec, type TestHost, testHosts } from "./hosts.ts";

const hosts = await testHosts();
const host = hosts[0];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Options that trust only the host's own known_hosts and offer only the test key. */
function options(user: string, extra: Partial<SshOptionsInput> = {}): SshOptionsInput {
  return {
    host: host.address,
    port: host.port,
    user,
    identityFile: host.identityFile,
    agent: false,
    userKnownHostsFile: false,
    knownHostsFiles: [host.knownHostsFile],
    retry: { attempts: 2, baseDelayMs: 200 },
    connectTimeoutMs: 10_000,
    ...extra,
  };
}

/** Runs `fn` with an open target and always closes it. */
async function withTarget<T>(input: SshOptionsInput, fn: (t: SshTarget) => Promise<T>): Promise<T> {
  const target = await openSsh(input);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

/** Rejects when `promise` has not settled in time: a hang must fail the test, not stall it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function expectError(
  promise: Promise<unknown>,
  kind: HostkitError["kind"],
  pattern: RegExp,
): Promise<HostkitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HostkitError, `expected a HostkitError, got ${error}`);
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail("expected an error");
}

async function output(command: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(command, { args, stdin: "null" }).output();
  assert.equal(r.code, 0, text(r.stderr));
  return text(r.stdout);
}

/** The host's ED25519 key as `[type, base64]`, and its fingerprint per `ssh-keygen -lf`. */
async function hostEd25519(h: TestHost): Promise<{ key: string[]; fingerprint: string }> {
  const line = (await Deno.readTextFile(h.knownHostsFile)).split("\n")
    .find((l) => l.includes(" ssh-ed25519 "));
  assert.ok(line, `no ed25519 key in ${h.knownHostsFile}`);
  const key = line.trim().split(/\s+/).slice(1, 3);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/key.pub`, `${key.join(" ")}\n`);
    return {
      key,
      fingerprint: (await output("ssh-keygen", ["-lf", `${dir}/key.pub`])).split(" ")[1],
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `size` bytes of a repeating pattern, produced on demand. */
function patternStream(size: number, chunk = 256 * 1024): ReadableStream<Uint8Array> {
  const block = Uint8Array.from({ length: chunk }, (_, i) => (i * 7) % 256);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      sent += n;
      controller.enqueue(block.slice(0, n));
    },
  });
}

async function sha256(stream: ReadableStream<Uint8Array>): Promise<[string, number]> {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    length += chunk.length;
  }
  return [hash.digest("hex"), length];
}

Deno.test("transport: 50 concurrent short commands over one connection all succeed", async () => {
  await Promise.all(
    hosts.map((h) =>
      withTarget({
        ...options("root"),
        host: h.address,
        port: h.port,
        knownHostsFiles: [h.knownHostsFile],
      }, async (t) => {
        const results = await within(
          60_000,
          Promise.all(Array.from({ length: 50 }, (_, i) => t.run(`echo ${i}; hostname >&2`))),
        );
        results.forEach((r, i) => {
          assert.equal(r.code, 0, text(r.stderr));
          assert.equal(text(r.stdout), `${i}\n`);
        });
        // Every command ran under the same sshd session process, i.e. one connection.
        const parents = await Promise.all(Array.from({ length: 20 }, () => t.run("echo $PPID")));
        assert.equal(new Set(parents.map((r) => text(r.stdout))).size, 1);
      })
    ),
  );
});

Deno.test("transport: host keys: unknown refused with its fingerprint, accept-new records it, changed refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const knownHosts = `${dir}/known_hosts`;
    const { key, fingerprint } = await hostEd25519(host);
    const strict = options("root", { userKnownHostsFile: knownHosts, knownHostsFiles: [] });

    const unknown = await expectError(openSsh(strict), "hostKey", /unknown host key/);
    assert.ok(unknown.message.includes(`ED25519 key ${fingerprint}`), unknown.message);
    const name = host.port === 22 ? host.address : `[${host.address}]:${host.port}`;
    assert.ok(unknown.message.includes(`for ${name}:`));
    assert.ok(
      unknown.message.includes(
        `ssh-keyscan -p ${host.port} -t ed25519 ${host.address} >> ${knownHosts}`,
      ),
      unknown.message,
    );
    await assert.rejects(Deno.stat(knownHosts), Deno.errors.NotFound);

    await withTarget(
      { ...strict, hostKeyPolicy: "accept-new" },
      (t) => Promise.resolve(assert.equal(t.hostKey.fingerprint, fingerprint)),
    );
    assert.equal(await Deno.readTextFile(knownHosts), `${name} ${key.join(" ")}\n`);
    await withTarget(strict, async (t) => assert.equal((await t.run("true")).code, 0));

    await output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/impostor`]);
    const impostor = (await Deno.readTextFile(`${dir}/impostor.pub`)).split(" ");
    await Deno.writeTextFile(knownHosts, `# old\n${name} ${impostor[0]} ${impostor[1]}\n`);
    for (const hostKeyPolicy of ["strict", "accept-new"] as const) {
      const changed = await expectError(
        openSsh({ ...strict, hostKeyPolicy }),
        "hostKey",
        /HOST KEY CHANGED/,
      );
      assert.ok(changed.message.includes(`${knownHosts}:2`), changed.message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transport: key authentication as root, bob and alice", async () => {
  for (const user of [host.users.root, host.users.nopasswd.user, host.users.withPassword.user]) {
    await withTarget(options(user), async (t) => {
      assert.equal(t.authenticatedWith, `publickey ${host.identityFile}`);
      assert.equal(text((await t.run("id -un")).stdout), `${user}\n`);
    });
  }
});

Deno.test("transport: password authentication (alice)", async () => {
  const { user, password } = host.users.withPassword;
  await withTarget(options(user, { identityFile: undefined, password }), async (t) => {
    assert.equal(t.authenticatedWith, "password");
    assert.equal(text((await t.run("id -un")).stdout), `${user}\n`);
  });
  const wrong = await expectError(
    openSsh(options(user, { identityFile: undefined, password: "not-her-password" })),
    "auth",
    /authentication failed .*accepted none of: .*password/,
  );
  assert.ok(!wrong.message.includes("not-her-password"));
});

Deno.test("transport: ssh-agent authentication", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/agent.sock`;
  const agent = new Deno.Command("ssh-agent", { args: ["-D", "-a", socket], stdout: "null" })
    .spawn();
  try {
    for (let i = 0; i < 100 && !(await Deno.stat(socket).then(() => true, () => false)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const add = await new Deno.Command("ssh-add", {
      args: ["-q", host.identityFile],
      env: { SSH_AUTH_SOCK: socket },
    }).output();
    assert.equal(add.code, 0, text(add.stderr));
    await withTarget(options("root", { identityFile: undefined, agent: socket }), async (t) => {
      assert.equal(t.authenticatedWith, `agent ${socket} (1 key)`);
      assert.equal((await t.run("true")).code, 0);
    });
  } finally {
    agent.kill();
    await agent.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transport: a key the host does not accept is a clear auth error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/stranger`]);
    const error = await expectError(
      openSsh(options("root", { identityFile: `${dir}/stranger` })),
      "auth",
      /authentication failed for ssh root@/,
    );
    assert.ok(error.message.includes(`publickey ${dir}/stranger`), error.message);
    assert.match(error.message, /The server allows: .*publickey/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transport: sudo: bob without a password, alice with hers, stdin intact after the password", async () => {
  await withTarget(options("root", { sudo: true }), async (t) => {
    assert.equal(
      text((await t.run("id -u; ps -o args= -p $$")).stdout),
      "0\nsh -c id -u; ps -o args= -p $$\n",
    );
  });
  const bob = host.users.nopasswd.user;
  await withTarget(options(bob, { sudo: true }), async (t) => {
    assert.equal(text((await t.run("id -u")).stdout), "0\n");
    assert.equal(text((await t.run("cat", { stdin: "to bob" })).stdout), "to bob");
  });
  const { user, password } = host.users.withPassword;
  await withTarget(options(user, { sudoPassword: password }), async (t) => {
    assert.equal(t.description, `ssh ${user}@${host.address}:${host.port} (sudo)`);
    assert.equal(text((await t.run("id -u")).stdout), "0\n");
    // Repeated and concurrent: sudo must read the password line every time (no cached
    // credentials swallowing it into the command's input).
    const echoes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.run("cat", { stdin: `input ${i}\n` })),
    );
    echoes.forEach((r, i) => assert.equal(text(r.stdout), `input ${i}\n`, text(r.stderr)));
    const ps = await t.run("ps -eo args");
    assert.ok(!text(ps.stdout).includes(password), "the password is on no command line");
  });
  // Given a password for a NOPASSWD account, the password is simply not needed.
  await withTarget(options(bob, { sudoPassword: host.users.nopasswd.password }), async (t) => {
    assert.equal(text((await t.run("cat", { stdin: "clean" })).stdout), "clean");
  });
});

Deno.test("transport: sudo: refusals are auth errors", async () => {
  const { user } = host.users.withPassword;
  const wrong = await expectError(
    openSsh(options(user, { sudoPassword: "wrong-sudo-password" })),
    "auth",
    /sudo refused the password for alice/,
  );
  assert.ok(!wrong.message.includes("wrong-sudo-password"));
  await expectError(
    openSsh(options(user, { sudo: true })),
    "auth",
    /sudo refused to run commands for alice .* without a password/,
  );
});

Deno.test("transport: 100 MB streamed into sha256sum and 100 MB streamed back", async () => {
  const size = 100_000_000;
  await withTarget(options("root"), async (t) => {
    const [expected] = await sha256(patternStream(size));
    const up = await within(300_000, t.run("sha256sum", { stdin: patternStream(size) }));
    assert.equal(up.code, 0, text(up.stderr));
    assert.equal(text(up.stdout).split(" ")[0], expected);

    const down = t.spawn(`head -c ${size} /dev/zero`);
    const [[hash, length]] = await within(
      300_000,
      Promise.all([sha256(down.stdout), new Response(down.stderr).bytes()]),
    );
    assert.equal(length, size);
    assert.equal(hash, createHash("sha256").update(new Uint8Array(size)).digest("hex"));
    assert.equal((await down.status).code, 0);
  });
});

Deno.test("transport: a killed sshd session fails the running command promptly", async () => {
  const target = await openSsh(options("root"));
  try {
    // This connection's sshd session process: the parent of every command on it.
    const sessionPid = text((await target.run("echo $PPID")).stdout).trim();
    const sleeping = target.spawn("sleep 120");
    const stdout = new Response(sleeping.stdout).bytes();
    stdout.catch(() => {}); // checked below, after the status
    const killed = await sshExec(host, "root", `kill -KILL ${sessionPid}`);
    assert.equal(killed.code, 0, killed.stderr);
    await expectError(within(20_000, sleeping.status), "unreachable", /dropped/);
    await expectError(within(1_000, stdout), "unreachable", /dropped/);
    await expectError(within(1_000, target.run("true")), "unreachable", /dropped/);
  } finally {
    await target.close();
  }
});

Deno.test("transport: a frozen connection is detected by keepalives instead of hanging", async () => {
  const target = await openSsh(options("root", { keepaliveIntervalMs: 500 }));
  let sessionPid = "";
  try {
    sessionPid = text((await target.run("echo $PPID")).stdout).trim();
    const sleeping = target.spawn("sleep 120");
    sleeping.stdout.cancel();
    sleeping.stderr.cancel();
    // SIGSTOP keeps the TCP connection open but silent, like a dead network path.
    assert.equal((await sshExec(host, "root", `kill -STOP ${sessionPid}`)).code, 0);
    const error = await expectError(within(20_000, sleeping.status), "unreachable", /dropped/);
    assert.match(error.message, /[Kk]eepalive/);
  } finally {
    if (sessionPid) await sshExec(host, "root", `kill -KILL ${sessionPid}`);
    await target.close();
  }
});
