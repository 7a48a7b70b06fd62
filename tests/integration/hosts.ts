/**
 * What integration tests know about their hosts. `deno task integration` (scripts/integration.ts)
 * boots the hosts and names a {@linkcode HostsFile} in `HOSTKIT_TEST_HOSTS`; tests read it with
 * {@linkcode testHosts}, reset a host they spoiled with {@linkcode resetHost}, and check host
 * state with {@linkcode sshExec}, independently of hostkit's own transport.
 *
 * Every host has: root, `bob` (NOPASSWD sudo) and `alice` (group sudo, sudo asks her password),
 * all three accepting `identityFile`; sshd accepting passwords too; apt working through a proxy
 * (package lists already present on nspawn hosts).
 *
 * @module
 */

import { run, type RunResult } from "../../scripts/hosts/proc.ts";
import { type HostsFile, sshArgs, type TestHost } from "../../scripts/hosts/test_host.ts";

export type { HostsFile, TestHost, TestUser } from "../../scripts/hosts/test_host.ts";
export type { RunResult } from "../../scripts/hosts/proc.ts";

function hostsFilePath(): string {
  const path = Deno.env.get("HOSTKIT_TEST_HOSTS");
  if (!path) {
    throw new Error(
      "HOSTKIT_TEST_HOSTS is not set: run integration tests with `deno task integration`",
    );
  }
  return path;
}

async function readHostsFile(): Promise<HostsFile> {
  return JSON.parse(await Deno.readTextFile(hostsFilePath()));
}

/**
 * The hosts booted for this run (at least one).
 *
 * @example
 * ```ts
 * const [host] = await testHosts();
 * const r = await sshExec(host, host.users.root, "systemctl is-system-running");
 * ```
 */
export async function testHosts(): Promise<TestHost[]> {
  return (await readHostsFile()).hosts;
}

/**
 * Discards every change made to host `name` and boots it fresh (same address and host keys),
 * through the backend that created it. Resolves with the host's new description (its
 * `leaderPid` changes), which later {@linkcode testHosts} calls also return.
 *
 * @example
 * ```ts
 * const fresh = await resetHost("hk1");
 * ```
 */
export async function resetHost(name: string): Promise<TestHost> {
  const file = await readHostsFile();
  if (!file.reset) throw new Error(`the ${file.backend} backend cannot reset hosts`);
  if (!file.hosts.some((h) => h.name === name)) throw new Error(`no test host named ${name}`);
  const [cmd, ...args] = file.reset;
  const fresh: TestHost = JSON.parse((await run(cmd, [...args, name])).stdout);
  file.hosts = file.hosts.map((h) => h.name === name ? fresh : h);
  await Deno.writeTextFile(hostsFilePath(), JSON.stringify(file, null, 2));
  return fresh;
}

/**
 * Boots host `name` again after it powered off or rebooted, keeping its changes (nspawn
 * backend: scripts/nspawn.ts restart). Resolves with its new description, which later
 * {@linkcode testHosts} calls also return.
 *
 * @example
 * ```ts
 * await sshExec(host, "root", "systemctl poweroff");
 * const again = await restartHost(host.name);
 * ```
 */
export async function restartHost(name: string): Promise<TestHost> {
  const file = await readHostsFile();
  if (file.backend !== "nspawn") {
    throw new Error(`the ${file.backend} backend cannot restart hosts`);
  }
  const script = new URL("../../scripts/nspawn.ts", import.meta.url).pathname;
  const fresh: TestHost = JSON.parse(
    (await run(Deno.execPath(), ["run", "--allow-all", script, "restart", name])).stdout,
  );
  file.hosts = file.hosts.map((h) => h.name === name ? fresh : h);
  await Deno.writeTextFile(hostsFilePath(), JSON.stringify(file, null, 2));
  return fresh;
}

/**
 * Runs `command` (a shell command line) on `host` as `user` with the system `ssh` client, the
 * test key and the host's known_hosts, never prompting (BatchMode, ConnectTimeout). Resolves
 * with the exit code (255: ssh itself failed) and the output; `stdin` is fed to the command.
 *
 * @example
 * ```ts
 * const r = await sshExec(host, "alice", "sudo -S -p '' true", { stdin: "alice-secret\n" });
 * ```
 */
export async function sshExec(
  host: TestHost,
  user: string,
  command: string,
  opts: { stdin?: string } = {},
): Promise<RunResult> {
  return await run("ssh", [...sshArgs(host, user), "--", command], {
    allowFail: true,
    stdin: opts.stdin,
  });
}
