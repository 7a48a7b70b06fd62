/**
 * Test hosts as Incus instances (image images:debian/12), with the same interface as
 * scripts/nspawn.ts. For machines where Incus works; the integration runner prefers it there.
 *
 * ```sh
 * deno run -A scripts/incus.ts ensure [N]      # launch/start and provision N instances, print JSON
 * deno run -A scripts/incus.ts ip [NAME]       # IPv4 address (default: the first instance)
 * deno run -A scripts/incus.ts reset NAME      # restore the snapshot taken after provisioning
 * deno run -A scripts/incus.ts destroy [--purge]  # delete the instances; --purge: state dir too
 * ```
 *
 * Instances are named HOSTKIT_INCUS_INSTANCE (default `hostkit-it`) for the first, then
 * `NAME-2`, `NAME-3`…  Provisioning installs openssh-server and sudo, creates the test users
 * (scripts/hosts/fixtures.ts), authorizes the public key for root and both users, then takes
 * snapshot `hostkit-clean`, which `reset` restores (host keys included).
 *
 * Env: HOSTKIT_INCUS_TYPE=container|vm (default container; vm launches with `--vm`),
 * HOSTKIT_INCUS_INSTANCE, HOSTKIT_INCUS_SUDO=true (run every incus command under sudo),
 * HOSTKIT_SSH_PUBLIC_KEY (public key to authorize; its private key is the path without `.pub`;
 * default: a key generated in the state dir), HOSTKIT_INCUS_DIR (state dir holding known_hosts,
 * default .nspawn/incus in the repo).
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { backendMain } from "./hosts/cli.ts";
import { accountsScript, authorizedKeysScript } from "./hosts/fixtures.ts";
import { log, run, type RunOptions, sleep } from "./hosts/proc.ts";
import {
  type Backend,
  knownHostsLines,
  TEST_USERS,
  type TestHost,
  waitReady,
} from "./hosts/test_host.ts";

const IMAGE = "images:debian/12";
const SNAPSHOT = "hostkit-clean";
const SCOPE = "incus";

/** The backend's settings, read from the environment. */
function settings() {
  const type = Deno.env.get("HOSTKIT_INCUS_TYPE") || "container";
  if (type !== "container" && type !== "vm") {
    throw new Error(`HOSTKIT_INCUS_TYPE must be container or vm, not ${type}`);
  }
  const state = Deno.env.get("HOSTKIT_INCUS_DIR") ??
    fileURLToPath(new URL("../.nspawn/incus", import.meta.url));
  const publicKey = Deno.env.get("HOSTKIT_SSH_PUBLIC_KEY");
  return {
    type,
    instance: Deno.env.get("HOSTKIT_INCUS_INSTANCE") || "hostkit-it",
    sudo: Deno.env.get("HOSTKIT_INCUS_SUDO") === "true",
    state,
    publicKeyFile: publicKey ?? join(state, "id_ed25519.pub"),
    generateKey: publicKey === undefined,
  };
}

/** Runs `incus args…`, under sudo when HOSTKIT_INCUS_SUDO=true. */
function incus(args: string[], opts?: RunOptions) {
  return settings().sudo ? run("sudo", ["incus", ...args], opts) : run("incus", args, opts);
}

/** The instance names for `count` hosts: NAME, NAME-2, NAME-3… */
export function instanceNames(count: number): string[] {
  const { instance } = settings();
  return Array.from({ length: count }, (_, i) => i === 0 ? instance : `${instance}-${i + 1}`);
}

interface InstanceState {
  status: string;
  pid: number;
  network?: Record<string, { addresses: { family: string; address: string; scope: string }[] }>;
}

/** The instance's state from the Incus API, or null when it does not exist. */
async function instanceState(name: string): Promise<InstanceState | null> {
  const r = await incus(["query", `/1.0/instances/${name}/state`], { allowFail: true });
  if (r.code !== 0) {
    if (/not found/i.test(r.stderr)) return null;
    throw new Error(`incus query ${name}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout);
}

/** The first global IPv4 address of the instance, if it has one yet. */
function ipv4(state: InstanceState): string | undefined {
  for (const [nic, { addresses }] of Object.entries(state.network ?? {})) {
    if (nic === "lo") continue;
    const found = addresses.find((a) => a.family === "inet" && a.scope === "global");
    if (found) return found.address;
  }
}

/**
 * Launches (or starts) and provisions `count` instances, then resolves once all of them accept
 * SSH with their boot finished.
 *
 * @example
 * ```ts
 * const [host] = await ensure(1);
 * ```
 */
export async function ensure(count = 2, opts: { signal?: AbortSignal } = {}): Promise<TestHost[]> {
  const { state, publicKeyFile, generateKey } = settings();
  await Deno.mkdir(state, { recursive: true });
  if (generateKey && !await Deno.stat(publicKeyFile).then(() => true, () => false)) {
    const key = publicKeyFile.slice(0, -".pub".length);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hostkit-test", "-f", key]);
  }
  const publicKey = await Deno.readTextFile(publicKeyFile);
  const names = instanceNames(count);
  await Promise.all(names.map((name) => up(name, publicKey, opts.signal)));
  await writeKnownHosts(names);
  return await Promise.all(names.map((name) => ready(name, opts.signal)));
}

/** Restores the instance to its state right after provisioning and boots it. */
export async function reset(name: string): Promise<TestHost> {
  await incus(["snapshot", "restore", name, SNAPSHOT]);
  await up(name);
  await writeKnownHosts([name]); // same keys, but DHCP may have given another address
  log(SCOPE, `${name} restored from snapshot ${SNAPSHOT}`);
  return await ready(name);
}

/** Deletes every instance this backend named (NAME, NAME-2…); `purge` also the state dir. */
export async function destroy(opts: { purge?: boolean } = {}): Promise<void> {
  const { instance, state } = settings();
  const urls: string[] = JSON.parse((await incus(["query", "/1.0/instances"])).stdout);
  const ours = new RegExp(`^${instance.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(-\\d+)?$`);
  for (const name of urls.map((url) => url.split("/").pop()!).filter((n) => ours.test(n))) {
    await incus(["delete", "--force", name]);
    log(SCOPE, `deleted ${name}`);
  }
  if (opts.purge) await Deno.remove(state, { recursive: true }).catch(() => {});
}

/** Makes the instance exist, run and be provisioned; waits for its address. */
async function up(name: string, publicKey?: string, signal?: AbortSignal): Promise<void> {
  const state = await instanceState(name);
  if (!state) {
    log(SCOPE, `launching ${name} (${settings().type}) from ${IMAGE}`);
    const vm = settings().type === "vm" ? ["--vm"] : [];
    await incus(["launch", IMAGE, name, ...vm], { signal });
  } else if (state.status !== "Running") {
    await incus(["start", name], { signal });
  }
  const snapshots: string[] = JSON.parse(
    (await incus(["query", `/1.0/instances/${name}/snapshots`])).stdout,
  );
  if (publicKey !== undefined && !snapshots.some((s) => s.endsWith(`/${SNAPSHOT}`))) {
    await provision(name, publicKey, signal);
  }
  await address(name, signal);
}

/** Installs sshd and sudo, creates the test users, then snapshots the result. */
async function provision(name: string, publicKey: string, signal?: AbortSignal): Promise<void> {
  // a VM's agent answers exec only some seconds after boot
  for (const end = Date.now() + 180_000;;) {
    const r = await incus(["exec", name, "--", "true"], { allowFail: true, signal });
    if (r.code === 0) break;
    if (Date.now() > end) throw new Error(`${name}: incus exec does not work: ${r.stderr}`);
    await sleep(1000);
  }
  log(SCOPE, `provisioning ${name}: openssh-server, sudo, test users`);
  const script = `systemctl is-system-running --wait >/dev/null 2>&1 || true
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && apt-get install -y -q openssh-server sudo
${accountsScript()}
${authorizedKeysScript(publicKey)}
systemctl restart ssh
`;
  await incus(["exec", name, "--", "sh", "-c", script], { signal });
  await incus(["snapshot", "create", name, SNAPSHOT], { signal });
}

/** Waits until the instance has an IPv4 address and returns it. */
async function address(name: string, signal?: AbortSignal): Promise<string> {
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(1000)) {
    signal?.throwIfAborted();
    const state = await instanceState(name);
    const found = state && ipv4(state);
    if (found) return found;
  }
  throw new Error(`${name}: no IPv4 address after 120 s`);
}

/**
 * Puts the host keys of `names`, read through `incus exec`, into known_hosts, replacing their
 * earlier lines (recognized by the instance name in the comment field).
 */
async function writeKnownHosts(names: string[]): Promise<void> {
  const file = join(settings().state, "known_hosts");
  const lines = (await Deno.readTextFile(file).catch(() => "")).split("\n")
    .filter((line) => line && !names.includes(line.split(" ")[3]));
  for (const name of names) {
    const keys = (await incus(["exec", name, "--", "sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub"]))
      .stdout.split("\n").filter((line) => line.trim());
    lines.push(...knownHostsLines(await address(name), 22, keys, name));
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}

/** Waits for SSH and the end of boot, then describes the host. */
async function ready(name: string, signal?: AbortSignal): Promise<TestHost> {
  const { type, state, publicKeyFile } = settings();
  const host: TestHost = {
    name,
    address: await address(name, signal),
    port: 22,
    knownHostsFile: join(state, "known_hosts"),
    identityFile: publicKeyFile.replace(/\.pub$/, ""),
    publicKeyFile,
    backend: "incus",
    users: TEST_USERS,
  };
  await waitReady(SCOPE, host, { signal, timeoutMs: 180_000 });
  // a VM's pid is its qemu process, of no use to nsenter
  const pid = type === "container" ? (await instanceState(name))?.pid : undefined;
  return pid ? { ...host, leaderPid: pid } : host;
}

/** The Incus backend, for scripts/integration.ts. */
export const incusBackend: Backend = {
  name: "incus",
  ensure,
  ip: async (name) => {
    const state = await instanceState(name ?? settings().instance);
    const found = state && ipv4(state);
    if (!found) throw new Error(`${name ?? settings().instance}: no such instance or no address`);
    return found;
  },
  reset,
  destroy,
};

if (import.meta.main) Deno.exit(await backendMain(incusBackend, Deno.args));
