/**
 * A password goes only to a host whose key known_hosts vouches for: against a
 * real sshd that accepts passwords (and logs every attempt), accept-any and
 * accept-new connections never send it; a verified one does (the control).
 */
import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { openSsh } from "../../src/transport/ssh.ts";
import { loopbackSkipReason, startLoopbackSshd } from "./sshd_fixture.ts";

const skip = await loopbackSkipReason();
const PASSWORD = "canary-password-2718";

Deno.test({
  name: `no password to an unverified host key${skip ? ` (skipped: ${skip})` : ""}`,
  ignore: skip !== undefined,
  async fn() {
    // Match blocks override the fixture's "PasswordAuthentication no"; VERBOSE logs attempts.
    const sshd = await startLoopbackSshd({
      extraConfig: "Match Address 127.0.0.1\n  PasswordAuthentication yes\n  LogLevel VERBOSE",
    });
    const log = () => Deno.readTextFile(`${sshd.dir}/sshd.log`).catch(() => "");
    const base = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      agent: false as const,
      password: PASSWORD,
      retry: { attempts: 1 },
    };
    try {
      for (const policy of ["accept-any", "accept-new"] as const) {
        const known = `${sshd.dir}/new_known_hosts_${policy}`;
        await assert.rejects(
          openSsh({ ...base, hostKeyPolicy: policy, userKnownHostsFile: known }),
          (error: unknown) => {
            assert.ok(error instanceof HostkitError, String(error));
            assert.equal(error.kind, "hostKey", error.message);
            assert.match(error.message, /password was not sent/);
            assert.ok(!error.message.includes(PASSWORD));
            return true;
          },
        );
      }
      assert.doesNotMatch(await log(), /password for/i, "a password reached the unverified host");
      // The control: with the key in known_hosts the password is sent (and refused: wrong one).
      await assert.rejects(
        openSsh({ ...base, userKnownHostsFile: false, knownHostsFiles: [sshd.knownHostsFile] }),
        (error: unknown) => error instanceof HostkitError && error.kind === "auth",
      );
      assert.match(await log(), /Failed password for (invalid user )?root/);
    } finally {
      await sshd.stop();
    }
  },
});
