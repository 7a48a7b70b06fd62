/**
 * The SSH target against a real OpenSSH server on 127.0.0.1 (started here, stopped in
 * `finally`). Skipped, with the reason in the test name, where sshd cannot run.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { HostkitError } from "../../src/errors.ts";
import { fingerprint } from "../../src/transport/known_hosts.ts";
import { openSsh, type SshTarget, sshTarget } from "../../src/transport/ssh.ts";
import type { SshOptionsInput } from "../../src/transport/options.ts";
import {
  freePort,
  loopbackSkipReason,
  type LoopbackSshd,
  sh,
  startLoopbackSshd,
} from "./sshd_fixture.ts";

const skip = await loopbackSkipReason();
if (skip) console.warn(`ssh loopback tests skipped: ${skip}`);

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function optionsFor(sshd: LoopbackSshd, extra: Partial<SshOptionsInput> = {}): SshOptionsInput {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.identityFile,
    agent: false,
    userKnownHostsFile: false,
    knownHostsFiles: [sshd.knownHostsFile],
    retry: { attempts: 1 },
    keepaliveIntervalMs: 1000,
    ...extra,
  };
}

/** Fails if `promise` has not settled within `ms`: a hang is a failure, not a stuck suite. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
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

/** Bytes in chunks, produced on demand, so the test also exercises stdin backpressure. */
function zeroStream(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk, total - sent);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (sent + i) % 251;
      sent += size;
      controller.enqueue(bytes);
    },
  });
}

async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<[string, number]> {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    length += chunk.length;
  }
  return [hash.digest("hex"), length];
}

Deno.test({
  name: `ssh target against a loopback sshd${skip ? ` (skipped: ${skip})` : ""}`,
  ignore: skip !== undefined,
  async fn(t) {
    const sshd = await startLoopbackSshd();
    let target: SshTarget | undefined;
    try {
      target = await openSsh(optionsFor(sshd));
      const connected = target;

      await t.step("runs commands: output, stderr, exit codes, signals, stdin", async () => {
        assert.equal(connected.description, `ssh root@127.0.0.1:${sshd.port}`);
        assert.equal(connected.name, "127.0.0.1");
        assert.equal(connected.authenticatedWith, `publickey ${sshd.identityFile}`);
        const hostKeyLine = await Deno.readTextFile(sshd.hostPublicKeyFile);
        const blob = Uint8Array.from(atob(hostKeyLine.split(" ")[1]), (c) => c.charCodeAt(0));
        assert.deepEqual(connected.hostKey, {
          type: "ssh-ed25519",
          fingerprint: fingerprint(blob),
        });

        const result = await connected.run("echo out; echo err >&2; exit 3");
        assert.deepEqual([result.code, text(result.stdout), text(result.stderr)], [
          3,
          "out\n",
          "err\n",
        ]);
        const killed = await connected.run("kill -TERM $$");
        assert.deepEqual([killed.code, killed.signal], [143, "SIGTERM"]);
        assert.equal(
          text((await connected.run("cat", { stdin: "from a string" })).stdout),
          "from a string",
        );
        const bytes = Uint8Array.from([0, 255, 10, 13, 128]);
        assert.deepEqual((await connected.run("cat", { stdin: bytes })).stdout, bytes);
        assert.equal(text((await connected.run("wc -c")).stdout).trim(), "0", "no stdin: empty");
        // POSIX sh runs the command whatever the login shell is.
        assert.equal(text((await connected.run("echo $((6 * 7)) 'it'\\''s'")).stdout), "42 it's\n");
      });

      await t.step("50 concurrent commands share one connection", async () => {
        const results = await within(
          30_000,
          Promise.all(
            Array.from(
              { length: 50 },
              (_, i) => connected.run(`sleep 0.0$((${i} % 5)); echo ${i}`),
            ),
          ),
        );
        results.forEach((result, i) => {
          assert.equal(result.code, 0);
          assert.equal(text(result.stdout), `${i}\n`);
        });
        // sshd forks one process per connection: ours is the only one.
        const children = (await sh(`pgrep -P ${sshd.pid} || true`)).trim().split("\n").filter(
          Boolean,
        );
        assert.equal(children.length, 1, `sshd children: ${children}`);
      });

      await t.step("streams 8 MB in and out with matching sha256", async () => {
        const size = 8 * 1024 * 1024;
        const [expected] = await sha256OfStream(zeroStream(size));
        const upload = await connected.run("sha256sum", { stdin: zeroStream(size) });
        assert.equal(text(upload.stdout).split(" ")[0], expected);

        const download = connected.spawn(`head -c ${size} /dev/zero`);
        const [hash, length] = await sha256OfStream(download.stdout);
        await download.stderr.cancel();
        assert.equal(length, size);
        assert.equal(hash, createHash("sha256").update(new Uint8Array(size)).digest("hex"));
        assert.equal((await download.status).code, 0);
      });

      await t.step(
        "a slow reader holds the remote writer back (no unbounded buffering)",
        async () => {
          const process = connected.spawn("head -c 33554432 /dev/zero; echo done >&2");
          const reader = process.stdout.getReader();
          const first = await reader.read();
          assert.ok(first.value && first.value.length > 0);
          await new Promise((resolve) => setTimeout(resolve, 300));
          // Still running: 32 MB cannot fit in the channel window plus our buffers.
          let finished = false;
          process.status.then(() => finished = true);
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.equal(finished, false);
          reader.releaseLock();
          const [, rest] = await sha256OfStream(process.stdout);
          assert.equal(rest + first.value.length, 33554432);
          assert.equal(text(await new Response(process.stderr).bytes()), "done\n");
          assert.equal((await process.status).code, 0);
        },
      );

      await t.step("a command that stops reading stdin early does not hang", async () => {
        const result = await within(
          10_000,
          connected.run("head -c 5", { stdin: zeroStream(64 * 1024 * 1024) }),
        );
        assert.equal(result.stdout.length, 5);
      });

      await t.step("an aborted command stops and the connection stays usable", async () => {
        const reason = new Error("took too long");
        const controller = new AbortController();
        setTimeout(() => controller.abort(reason), 200);
        // Were the abort ignored, the command would end (after 30 s) and run() resolve with its
        // status: rejecting with the abort's reason proves run() stopped before the command did.
        await assert.rejects(
          connected.run("sleep 30", { signal: controller.signal }),
          (error) => error === reason,
        );
        assert.equal((await connected.run("echo still here")).code, 0);
      });

      await t.step("unknown, accepted and changed host keys", async () => {
        const dir = await Deno.makeTempDir();
        try {
          const knownHosts = `${dir}/known_hosts`;
          const hostKeyFile = sshd.hostPublicKeyFile;
          const expected = (await sh(`ssh-keygen -lf ${hostKeyFile}`)).split(" ")[1];
          const strict = optionsFor(sshd, { userKnownHostsFile: knownHosts, knownHostsFiles: [] });
          const unknown = await expectError(openSsh(strict), "hostKey", /unknown host key/);
          assert.ok(unknown.message.includes(`ED25519 key ${expected}`), unknown.message);
          assert.ok(
            unknown.message.includes(
              `ssh-keyscan -p ${sshd.port} -t ed25519 127.0.0.1 >> ${knownHosts}`,
            ),
          );

          const accepted = await openSsh({ ...strict, hostKeyPolicy: "accept-new" });
          await accepted.close();
          assert.match(await Deno.readTextFile(knownHosts), /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
          await (await openSsh(strict)).close();

          await sh(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/other`);
          const other = (await Deno.readTextFile(`${dir}/other.pub`)).split(" ");
          await Deno.writeTextFile(
            knownHosts,
            `[127.0.0.1]:${sshd.port} ${other[0]} ${other[1]}\n`,
          );
          for (const policy of ["strict", "accept-new"] as const) {
            const changed = await expectError(
              openSsh({ ...strict, hostKeyPolicy: policy }),
              "hostKey",
              /HOST KEY CHANGED/,
            );
            assert.ok(changed.message.includes(`${knownHosts}:1`));
          }
          await (await openSsh({ ...strict, hostKeyPolicy: "accept-any" })).close();
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });

      await t.step("a key the server does not know is a clear auth error", async () => {
        const dir = await Deno.makeTempDir();
        try {
          await sh(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/stranger`);
          const error = await expectError(
            openSsh(optionsFor(sshd, { identityFile: `${dir}/stranger` })),
            "auth",
            /authentication failed for ssh root@127\.0\.0\.1:\d+/,
          );
          assert.ok(error.message.includes(`publickey ${dir}/stranger`), error.message);
          assert.match(error.message, /The server allows: publickey/);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });

      await t.step("ssh-agent authentication", async () => {
        const dir = await Deno.makeTempDir();
        const socket = `${dir}/agent.sock`;
        const agent = new Deno.Command("ssh-agent", { args: ["-D", "-a", socket], stdout: "null" })
          .spawn();
        try {
          for (let i = 0; i < 100; i++) {
            if (await Deno.stat(socket).then(() => true, () => false)) break;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await sh(`SSH_AUTH_SOCK=${socket} ssh-add -q ${sshd.identityFile}`);
          const viaAgent = await openSsh(
            optionsFor(sshd, { identityFile: undefined, agent: socket }),
          );
          assert.equal(viaAgent.authenticatedWith, `agent ${socket} (1 key)`);
          assert.equal(text((await viaAgent.run("echo agent")).stdout), "agent\n");
          await viaAgent.close();
        } finally {
          agent.kill();
          await agent.status;
          await Deno.remove(dir, { recursive: true });
        }
      });

      await t.step(
        "unreachable: refused (with retries), DNS failure, handshake timeout",
        async () => {
          const port = freePort();
          const started = Date.now();
          const refused = await expectError(
            openSsh(optionsFor(sshd, { port, retry: { attempts: 3, baseDelayMs: 20 } })),
            "unreachable",
            /connection refused/,
          );
          assert.match(refused.message, /\(3 attempts\)/);
          assert.ok(Date.now() - started >= 60, "waited 20 + 40 ms between attempts");

          await expectError(
            openSsh(optionsFor(sshd, { host: "no-such-host.invalid" })),
            "unreachable",
            /cannot resolve host name no-such-host\.invalid/,
          );

          const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
          const accepted: Deno.Conn[] = [];
          (async () => {
            for await (const conn of silent) accepted.push(conn);
          })();
          try {
            await expectError(
              within(
                5_000,
                openSsh(
                  optionsFor(sshd, {
                    port: (silent.addr as Deno.NetAddr).port,
                    connectTimeoutMs: 300,
                  }),
                ),
              ),
              "unreachable",
              /timed out after 300 ms/,
            );
          } finally {
            silent.close();
            accepted.forEach((conn) => conn.close());
          }
        },
      );

      await t.step("sudo as root needs no sudo binary; the probe runs for real", async () => {
        const asRoot = await openSsh(optionsFor(sshd, { sudo: true }));
        assert.equal(asRoot.description, `ssh root@127.0.0.1:${sshd.port} (sudo)`);
        assert.equal(text((await asRoot.run("id -u")).stdout), "0\n");
        assert.equal(text((await asRoot.run("cat", { stdin: "intact" })).stdout), "intact");
        await asRoot.close();
      });

      await t.step(
        "a lazy target connects on first use and reports failures per command",
        async () => {
          const lazy = sshTarget(optionsFor(sshd, { name: "loopback" }));
          assert.equal(lazy.name, "loopback");
          const results = await Promise.all([lazy.run("echo 1"), lazy.run("echo 2")]);
          assert.deepEqual(results.map((r) => text(r.stdout)), ["1\n", "2\n"]);
          await lazy.close();
          await lazy.close();

          const broken = sshTarget(optionsFor(sshd, { port: freePort() }));
          const process = broken.spawn("echo never");
          await expectError(process.status, "unreachable", /connection refused/);
          await expectError(new Response(process.stdout).bytes(), "unreachable", /refused/);
          await broken.close();
        },
      );

      await t.step("a dropped connection fails running commands instead of hanging", async () => {
        const victim = await openSsh(optionsFor(sshd));
        const sleeping = victim.spawn("sleep 30");
        const output = new Response(sleeping.stdout).bytes();
        output.catch(() => {}); // checked below, after the status
        // The command's parent is the sshd process serving this connection.
        victim.spawn("kill -KILL $PPID");
        await expectError(within(10_000, sleeping.status), "unreachable", /dropped/);
        await expectError(output, "unreachable", /dropped/);
        await expectError(victim.run("true"), "unreachable", /dropped/);
        await victim.close();
      });

      await t.step("close() is idempotent; commands after it fail", async () => {
        const closing = await openSsh(optionsFor(sshd));
        await Promise.all([closing.close(), closing.close()]);
        await expectError(closing.run("true"), "unreachable", /was closed/);
      });
    } finally {
      await target?.close();
      await sshd.stop();
    }
  },
});
