/**
 * The shape of a test host, shared by the backends (nspawn, incus, remote), the integration
 * runner and the integration tests, plus the SSH invocation every one of them uses.
 *
 * @module
 */

import { log, run, sleep } from "./proc.ts";

/** A login with its password. */
export interface TestUser {
  user: string;
  password: string;
}

/** Where a test host came from. */
export type BackendName = "nspawn" | "incus" | "remote";

/** One booted host that integration tests may change at will. */
export interface TestHost {
  name: string;
  address: string;
  port: number;
  /** known_hosts holding this host's real host keys. */
  knownHostsFile: string;
  /** Private key accepted for every user below. */
  identityFile: string;
  publicKeyFile: string;
  backend: BackendName;
  users: {
    root: string;
    /** Needs no password for sudo. */
    nopasswd: TestUser;
    /** In group sudo; sudo asks for the password. */
    withPassword: TestUser;
  };
  /** Remote hosts: the variable holding the SSH password their config declares (`secretEnv`). */
  sshPasswordEnv?: string;
  /** PID of the container's systemd on this machine, for `nsenter -t PID -a …`. */
  leaderPid?: number;
}

/**
 * The file the integration runner writes and `HOSTKIT_TEST_HOSTS` names. `reset` is the
 * command (argv) that resets one host when the host's name is appended; it prints the
 * host's new {@linkcode TestHost} JSON. `null` when the backend cannot reset hosts.
 */
export interface HostsFile {
  backend: BackendName;
  reset: string[] | null;
  hosts: TestHost[];
}

/** The accounts every backend provisions on its hosts. */
export const TEST_USERS: TestHost["users"] = {
  root: "root",
  nopasswd: { user: "bob", password: "bob-secret" },
  withPassword: { user: "alice", password: "alice-secret" },
};

/** What a backend script (scripts/nspawn.ts, scripts/incus.ts) offers. */
export interface Backend {
  name: BackendName;
  /** Boots `count` hosts (or reuses running ones) and waits until they are ready. */
  ensure(count: number, opts?: { signal?: AbortSignal }): Promise<TestHost[]>;
  /** The address of one host (default: the first). */
  ip(name?: string): Promise<string>;
  /** Discards every change made to one host and boots it fresh (same host keys). */
  reset(name: string): Promise<TestHost>;
  /** Stops and removes every host; `purge` also removes cached images. */
  destroy(opts?: { purge?: boolean }): Promise<void>;
}

/**
 * Arguments for the system `ssh` client that log in to `host` as `user` with the test key,
 * verifying the host key against the host's known_hosts only, never prompting.
 *
 * @example
 * ```ts
 * await run("ssh", [...sshArgs(host, "root"), "--", "uptime"]);
 * ```
 */
export function sshArgs(host: TestHost, user: string): string[] {
  return [
    "-F",
    "none",
    "-i",
    host.identityFile,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${host.knownHostsFile}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(host.port),
    `${user}@${host.address}`,
  ];
}

/**
 * Waits until `host` accepts SSH as root and its boot has finished
 * (`systemctl is-system-running --wait`); resolves with the system state
 * (`running`, or `degraded` when a unit failed).
 */
export async function waitReady(
  scope: string,
  host: TestHost,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const end = Date.now() + (opts.timeoutMs ?? 90_000);
  let last = "";
  while (Date.now() < end) {
    opts.signal?.throwIfAborted();
    const r = await run(
      "ssh",
      [...sshArgs(host, "root"), "--", "systemctl is-system-running --wait"],
      { allowFail: true, signal: opts.signal },
    );
    opts.signal?.throwIfAborted();
    if (r.code !== 255) { // 255: ssh itself failed (not listening yet)
      const state = r.stdout.trim();
      log(scope, `${host.name} ready (${state}): ssh root@${host.address}`);
      return state;
    }
    last = r.stderr.trim();
    await sleep(300);
  }
  throw new Error(
    `${host.name}: no SSH on ${host.address} after ${opts.timeoutMs ?? 90_000} ms: ${last}`,
  );
}

/**
 * known_hosts lines for `address` from the contents of ssh_host_*_key.pub files, each ending
 * with `name` as its comment.
 */
export function knownHostsLines(
  address: string,
  port: number,
  publicKeys: string[],
  name: string,
): string[] {
  const hostField = port === 22 ? address : `[${address}]:${port}`;
  return publicKeys.map((key) => {
    const [type, blob] = key.trim().split(/\s+/);
    return `${hostField} ${type} ${blob} ${name}`;
  });
}
