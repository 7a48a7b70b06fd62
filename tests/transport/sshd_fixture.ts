/**
 * A throwaway OpenSSH server on 127.0.0.1 for transport tests and the transport benchmark:
 * its own host key, client key, authorized_keys and known_hosts in a temp dir, a random port.
 *
 * sshd runs the user's login shell for every command, and root's `~/.bashrc` on the
 * development machines is slow (~150 ms). When `unshare` works, sshd runs in a private mount
 * namespace where that file is an empty bind mount, so measurements show SSH, not rc files.
 *
 * @module
 */

const SSHD = "/usr/sbin/sshd";

/** A running loopback sshd. */
export interface LoopbackSshd {
  host: string;
  port: number;
  user: string;
  dir: string;
  /** Private key authorized to log in as {@link user}. */
  identityFile: string;
  /** known_hosts holding exactly this server's host key. */
  knownHostsFile: string;
  /** The server's public host key file (`type base64 comment`). */
  hostPublicKeyFile: string;
  /** sshd's process id; its children are the per-connection processes. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Why the loopback sshd cannot run here, or undefined when it can.
 *
 * @example
 * ```ts
 * const reason = await loopbackSkipReason();
 * Deno.test({ name: `ssh${reason ? ` (skipped: ${reason})` : ""}`, ignore: !!reason, fn });
 * ```
 */
export async function loopbackSkipReason(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "needs Linux";
  if (Deno.uid() !== 0) return "sshd must run as root";
  for (const tool of [SSHD, "ssh-keygen"]) {
    try {
      await new Deno.Command(tool, { args: ["-?"], stdout: "null", stderr: "null" }).output();
    } catch {
      return `${tool} is not installed (openssh-server/openssh-client)`;
    }
  }
  return undefined;
}

/**
 * Runs a shell command on this machine and returns its stdout, throwing with its stderr when
 * it fails.
 *
 * @example
 * ```ts
 * const fingerprint = (await sh("ssh-keygen -lf key.pub")).split(" ")[1];
 * ```
 */
export async function sh(command: string, options: { stdin?: string } = {}): Promise<string> {
  const child = new Deno.Command("sh", {
    args: ["-c", command],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder();
  if (code !== 0) throw new Error(`${command}: exit ${code}: ${text.decode(stderr)}`);
  return text.decode(stdout);
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now.
 *
 * @example
 * ```ts
 * const port = freePort(); // connecting to it is refused
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts sshd and waits until it greets. Call `stop()` in a `finally`.
 *
 * @example
 * ```ts
 * const sshd = await startLoopbackSshd();
 * try {
 *   // openSsh({ host: sshd.host, port: sshd.port, ... })
 * } finally {
 *   await sshd.stop();
 * }
 * ```
 */
export async function startLoopbackSshd(options: { extraConfig?: string } = {}): Promise<
  LoopbackSshd
> {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-sshd-" });
  const host = "127.0.0.1";
  await sh(
    `cd ${dir} && ssh-keygen -q -t ed25519 -N '' -C host -f host_ed25519 && ` +
      `ssh-keygen -q -t ed25519 -N '' -C client -f client_ed25519 && ` +
      `cp client_ed25519.pub authorized_keys && : > empty`,
  );
  // sshd refuses to start without its privilege separation directory.
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const port = freePort();
  const hostKey = (await Deno.readTextFile(`${dir}/host_ed25519.pub`)).trim().split(" ");
  await Deno.writeTextFile(`${dir}/known_hosts`, `[${host}]:${port} ${hostKey[0]} ${hostKey[1]}\n`);
  await Deno.writeTextFile(
    `${dir}/sshd_config`,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${dir}/host_ed25519`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "LogLevel ERROR",
      options.extraConfig ?? "",
    ].join("\n") + "\n",
  );
  const log = `${dir}/sshd.log`;
  const sshd = `exec ${SSHD} -D -e -f ${dir}/sshd_config 2>${log}`;
  const quiet = `[ -f "$HOME/.bashrc" ] && mount --bind ${dir}/empty "$HOME/.bashrc"; ${sshd}`;
  const canUnshare = await new Deno.Command("unshare", {
    args: ["--mount", "true"],
    stdout: "null",
    stderr: "null",
  }).output().then((s) => s.success, () => false);
  const args = canUnshare
    ? ["unshare", "--mount", "--propagation", "private", "sh", "-c", quiet]
    : ["sh", "-c", sshd];
  const child = new Deno.Command(args[0], { args: args.slice(1), stdout: "null", stderr: "null" })
    .spawn();
  const stop = async () => {
    // Per-connection children outlive the listener; end them too so nothing is left behind.
    await new Deno.Command("pkill", { args: ["-KILL", "-P", String(child.pid)] }).output()
      .catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await waitForGreeting(host, port, child.status);
  } catch (error) {
    const output = await Deno.readTextFile(log).catch(() => "");
    await stop();
    throw new Error(`sshd did not start: ${error}\n${output}`);
  }
  return {
    host,
    port,
    user: "root",
    dir,
    identityFile: `${dir}/client_ed25519`,
    knownHostsFile: `${dir}/known_hosts`,
    hostPublicKeyFile: `${dir}/host_ed25519.pub`,
    pid: child.pid,
    stop,
  };
}

async function waitForGreeting(
  hostname: string,
  port: number,
  exited: Promise<Deno.CommandStatus>,
): Promise<void> {
  let gone = false;
  exited.then(() => gone = true);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !gone) {
    try {
      const conn = await Deno.connect({ hostname, port });
      const buffer = new Uint8Array(64);
      const n = await conn.read(buffer);
      conn.close();
      if (n && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("SSH-")) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(gone ? "sshd exited" : "timed out waiting for sshd");
}
