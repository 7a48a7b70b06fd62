/**
 * Test hosts as systemd-nspawn containers: Debian 12 with systemd as PID 1 and sshd, each in
 * its own network namespace on a private bridge. Works on a machine whose own PID 1 is not
 * systemd; needs root. A port of shared/reference/nspawn-recipe.sh.
 *
 * ```sh
 * deno run -A scripts/nspawn.ts ensure [N]      # boot hk1..hkN (default 2), print them as JSON
 * deno run -A scripts/nspawn.ts ip [NAME]       # 10.213.0.(10+i) for hk<i>
 * deno run -A scripts/nspawn.ts reset NAME      # discard the host's changes, boot it fresh
 * deno run -A scripts/nspawn.ts restart NAME    # boot a host again that powered off (keeps changes)
 * deno run -A scripts/nspawn.ts destroy [--purge]  # stop everything; --purge: base image too
 * ```
 *
 * Layout: one debootstrapped base at /var/lib/machines/hostkit-base (built once, ~1 min), an
 * overlayfs clone of it per host under .nspawn/state/ovl/NAME, bridge br-hk 10.213.0.1/24
 * without NAT, apt-cacher-ng on 10.213.0.1:13142 forwarding to the machine's Debian mirror
 * (the hosts' only way out). The test key is .nspawn/state/id_ed25519; the hosts' keys are in
 * .nspawn/state/known_hosts (kept across `reset`). Debug a host without SSH:
 * `nsenter -t LEADER_PID -a systemctl status` (leaderPid in the JSON).
 *
 * Env: HOSTKIT_NSPAWN_DIR (state dir, default .nspawn in the repo), HOSTKIT_NSPAWN_MIRROR
 * (Debian mirror URL, default: the machine's apt sources).
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { accountsScript, authorizedKeysScript } from "./hosts/fixtures.ts";
import { backendMain } from "./hosts/cli.ts";
import {
  alive,
  awaitReaped,
  log,
  processes,
  run,
  sleep,
  spawnDetached,
  terminate,
} from "./hosts/proc.ts";
import {
  type Backend,
  knownHostsLines,
  TEST_USERS,
  type TestHost,
  waitReady,
} from "./hosts/test_host.ts";

const WORK = Deno.env.get("HOSTKIT_NSPAWN_DIR") ??
  fileURLToPath(new URL("../.nspawn", import.meta.url));
const STATE = join(WORK, "state");
const OVERLAYS = join(STATE, "ovl");
const HOST_KEYS = join(STATE, "hostkeys");
const ACNG = join(STATE, "acng");
const KEY = join(STATE, "id_ed25519");
const KNOWN_HOSTS = join(STATE, "known_hosts");
const BASE = "/var/lib/machines/hostkit-base";
/** Written into the base when it is complete; bump it when the base's configuration changes. */
const BASE_VERSION = "hostkit-base 2\n";
const SUITE = "bookworm";
const BRIDGE = "br-hk";
const NET = "10.213.0";
const GATEWAY = `${NET}.1`;
/** Not apt-cacher-ng's default 3142, which a system-wide instance may hold on 0.0.0.0. */
const PROXY_PORT = 13142;
const TOOLS = ["systemd-container", "debootstrap", "openssh-client", "apt-cacher-ng", "iproute2"];
const BASE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "libpam-systemd",
  "openssh-server",
  "iproute2",
  "nftables",
  "sudo",
  "ca-certificates",
];
const SCOPE = "nspawn";

/** The address of host `hk<i>`: 10.213.0.(10+i). Throws for any other name. */
export function hostIp(name = "hk1"): string {
  return `${NET}.${10 + hostIndex(name)}`;
}

function hostIndex(name: string): number {
  const match = /^hk([1-9]\d*)$/.exec(name);
  if (!match || Number(match[1]) > 200) {
    throw new Error(`not a test host name: ${name} (hk1…hk200)`);
  }
  return Number(match[1]);
}

/**
 * Boots hosts hk1..hk`count` (reusing those already running), installing tools and building
 * the base image first when missing, and resolves once all of them accept SSH with their boot
 * finished.
 *
 * @example
 * ```ts
 * const [host] = await ensure(1);
 * console.log(host.address); // 10.213.0.11
 * ```
 */
export async function ensure(
  count = 2,
  opts: { signal?: AbortSignal } = {},
): Promise<TestHost[]> {
  requireRoot();
  const names = Array.from({ length: count }, (_, i) => `hk${i + 1}`);
  names.forEach(hostIndex);
  await installTools(opts.signal);
  await Deno.mkdir(STATE, { recursive: true });
  await ensureTestKey();
  await buildBase(opts.signal);
  await ensureNetwork();
  const started = await Promise.all(names.map((name) => startHost(name)));
  if (started.some(Boolean)) log(SCOPE, `started ${names.filter((_, i) => started[i]).join(" ")}`);
  await writeKnownHosts();
  return await Promise.all(names.map((name) => ready(name, opts.signal)));
}

/**
 * Stops host `name`, discards everything changed on it and boots it fresh from the base. Its
 * address and host keys stay the same, so known_hosts stays valid.
 */
export async function reset(name: string): Promise<TestHost> {
  requireRoot();
  hostIndex(name);
  await stopHost(name);
  await Deno.remove(join(OVERLAYS, name), { recursive: true }).catch(ignoreNotFound);
  await ensureNetwork();
  await startHost(name);
  await writeKnownHosts();
  log(SCOPE, `${name} reset`);
  return await ready(name);
}

/**
 * Boots host `name` again after it powered off or rebooted (systemd-nspawn exits then, 133 on
 * a reboot, as nothing restarts it here), keeping everything changed on it: a real reboot,
 * unlike {@link reset}. Waits up to `waitMs` for a shutdown under way to finish; a host that
 * is still running after that is an error (power it off first). Resolves with the host's new
 * description (a new `leaderPid`).
 *
 * @example
 * ```ts
 * // on the host: systemctl reboot
 * const again = await restart("hk1");
 * ```
 */
export async function restart(name: string, opts: { waitMs?: number } = {}): Promise<TestHost> {
  requireRoot();
  hostIndex(name);
  const waitMs = opts.waitMs ?? 60_000;
  for (const end = Date.now() + waitMs; nspawnProcesses().some((p) => p.name === name);) {
    if (Date.now() > end) {
      throw new Error(`${name} is still running after ${waitMs} ms: power it off first`);
    }
    await sleep(200);
  }
  // The veth of the old namespace may linger for a moment after nspawn exits.
  await run("ip", ["link", "del", `vb-${name}`], { allowFail: true });
  await ensureNetwork();
  await startHost(name);
  log(SCOPE, `${name} booted again`);
  return await ready(name);
}

/**
 * Stops every host (SIGTERM, wait, SIGTERM, SIGKILL), unmounts the overlays, removes their
 * state, stops the apt proxy and deletes the bridge. `purge` also deletes the base image and
 * the state directory (test key, apt cache). Safe to call when nothing runs.
 */
export async function destroy(opts: { purge?: boolean } = {}): Promise<void> {
  requireRoot();
  const hosts = nspawnProcesses();
  if (hosts.length) {
    log(SCOPE, `stopping ${hosts.map((p) => p.name).join(" ")}`);
    await Promise.all(hosts.map((p) => terminate(p.pid)));
  }
  await unmountUnder(OVERLAYS);
  for (const dir of [OVERLAYS, HOST_KEYS]) {
    await Deno.remove(dir, { recursive: true }).catch(ignoreNotFound);
  }
  const proxies = proxyProcesses();
  for (const proxy of proxies) {
    log(SCOPE, `stopping apt-cacher-ng ${proxy.pid}`);
    await terminate(proxy.pid, 2000);
  }
  if (await linkExists(BRIDGE)) {
    const ports = JSON.parse(
      (await run("ip", ["-j", "link", "show", "master", BRIDGE])).stdout || "[]",
    ) as { ifname: string }[];
    for (const port of ports) await run("ip", ["link", "del", port.ifname], { allowFail: true });
    await run("ip", ["link", "del", BRIDGE]);
    log(SCOPE, `bridge ${BRIDGE} deleted`);
  }
  if (opts.purge) {
    await unmountUnder(BASE);
    await Deno.remove(BASE, { recursive: true }).catch(ignoreNotFound);
    await Deno.remove(WORK, { recursive: true }).catch(ignoreNotFound);
    log(SCOPE, `purged ${BASE} and ${WORK}`);
  }
  await awaitReaped([...hosts, ...proxies].map((p) => p.pid));
  log(SCOPE, "destroyed");
}

/** The nspawn backend, for scripts/integration.ts. */
export const nspawnBackend: Backend = {
  name: "nspawn",
  ensure,
  ip: (name) => Promise.resolve(hostIp(name)),
  reset,
  destroy,
};

function requireRoot(): void {
  if (Deno.uid() !== 0) throw new Error("needs root (mounts, network namespaces, debootstrap)");
}

async function installTools(signal?: AbortSignal): Promise<void> {
  const missing: string[] = [];
  for (const pkg of TOOLS) {
    const r = await run("dpkg-query", ["-W", "-f=${Status}", pkg], { allowFail: true });
    if (!r.stdout.includes("install ok installed")) missing.push(pkg);
  }
  if (!missing.length) return;
  log(SCOPE, `apt-get install ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env, signal });
  await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
    env,
    signal,
  });
}

async function ensureTestKey(): Promise<void> {
  if (await exists(KEY)) return;
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hostkit-test", "-f", KEY]);
  log(SCOPE, `test key ${KEY}`);
}

/** The machine's Debian mirror and security mirror, from its apt sources. */
async function mirrors(): Promise<{ debian: string; security: string }> {
  const uris: string[] = [];
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    const text = await Deno.readTextFile(file).catch(() => "");
    for (const m of text.matchAll(/^(?:URIs:\s*(\S+)|deb\s+(?:\[[^\]]*\]\s+)?(\S+))/gm)) {
      uris.push((m[1] ?? m[2]).replace(/\/+$/, ""));
    }
  }
  const debian = Deno.env.get("HOSTKIT_NSPAWN_MIRROR")?.replace(/\/+$/, "") ??
    uris.find((u) => !u.endsWith("-security")) ?? "http://deb.debian.org/debian";
  const security = uris.find((u) => u.endsWith("-security")) ??
    debian.replace(/\/debian$/, "/debian-security");
  return { debian, security };
}

async function buildBase(signal?: AbortSignal): Promise<void> {
  const marker = join(BASE, ".hostkit-base");
  if (await Deno.readTextFile(marker).catch(() => "") === BASE_VERSION) return;
  const mirror = await mirrors();
  if (!await exists(join(BASE, ".debootstrap-done"))) {
    await unmountUnder(BASE); // a debootstrap killed midway leaves /proc and /sys mounted
    await Deno.remove(BASE, { recursive: true }).catch(ignoreNotFound);
    await Deno.mkdir(BASE, { recursive: true });
    log(SCOPE, `debootstrap ${SUITE} from ${mirror.debian} into ${BASE} (~1 min)`);
    const args = ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, SUITE, BASE];
    const r = await run("debootstrap", [...args, mirror.debian], { allowFail: true, signal });
    await Deno.writeTextFile(join(STATE, "debootstrap.log"), r.stdout + r.stderr);
    if (r.code !== 0) {
      throw new Error(`debootstrap failed (exit ${r.code}), see ${STATE}/debootstrap.log`);
    }
    await Deno.writeTextFile(join(BASE, ".debootstrap-done"), "");
  }
  log(SCOPE, "configuring base: apt sources and lists, services, test users");
  const etc = join(BASE, "etc");
  await Deno.writeTextFile(
    join(etc, "apt/sources.list"),
    `deb ${mirror.debian} ${SUITE} main\ndeb ${mirror.debian} ${SUITE}-updates main\n` +
      `deb ${mirror.security} ${SUITE}-security main\n`,
  );
  // Package lists baked in (fetched directly, with the machine's DNS) so hosts can install
  // packages without an `apt-get update` first.
  await Deno.remove(join(etc, "resolv.conf")).catch(ignoreNotFound);
  await Deno.copyFile("/etc/resolv.conf", join(etc, "resolv.conf"));
  await run("chroot", [BASE, "apt-get", "update", "-q"], { signal });
  // The hosts' network has no DNS: point at the bridge, where nothing listens (fast failure).
  await Deno.writeTextFile(join(etc, "resolv.conf"), `nameserver ${GATEWAY}\n`);
  await Deno.writeTextFile(
    join(etc, "apt/apt.conf.d/01hostkit-test"),
    `Acquire::http::Proxy "http://${GATEWAY}:${PROXY_PORT}";\n` +
      // mirrors may serve a snapshot whose Release files are past Valid-Until
      `Acquire::Check-Valid-Until "false";\n`,
  );
  await Deno.writeTextFile(join(etc, "default/locale"), "LANG=C.UTF-8\n");
  for await (const entry of Deno.readDir(join(etc, "ssh"))) {
    if (entry.name.startsWith("ssh_host_")) await Deno.remove(join(etc, "ssh", entry.name));
  }
  await Deno.writeTextFile(join(etc, "machine-id"), ""); // one per host, written at start
  const systemctl = ["--root", BASE, "--quiet"];
  await run("systemctl", [...systemctl, "enable", "systemd-networkd.service", "ssh.service"]);
  await run("systemctl", [...systemctl, "mask", "systemd-networkd-wait-online.service"]);
  await run("chroot", [BASE, "/bin/sh", "-c", accountsScript()]);
  await Deno.writeTextFile(marker, BASE_VERSION);
  log(SCOPE, `base ready: ${BASE}`);
}

/** Bridge with the gateway address, and the apt proxy listening on it. */
async function ensureNetwork(): Promise<void> {
  if (!await linkExists(BRIDGE)) {
    await run("ip", ["link", "add", BRIDGE, "type", "bridge"]);
    await run("ip", ["addr", "add", `${GATEWAY}/24`, "dev", BRIDGE]);
    await run("ip", ["link", "set", BRIDGE, "up"]);
    log(SCOPE, `bridge ${BRIDGE} ${GATEWAY}/24 up`);
  }
  if (proxyProcesses().length) return;
  const conf = join(ACNG, "conf");
  await Deno.mkdir(join(ACNG, "cache"), { recursive: true });
  await Deno.mkdir(join(ACNG, "log"), { recursive: true });
  await Deno.remove(conf, { recursive: true }).catch(ignoreNotFound);
  await run("cp", ["-a", "/etc/apt-cacher-ng", conf]);
  // Its default remapping sends Debian requests to other mirrors found by SRV lookups, which
  // fail without general DNS ("503 Host not found"): pin the machine's mirror.
  await Deno.writeTextFile(join(conf, "backends_debian"), `${(await mirrors()).debian}/\n`);
  const pid = spawnDetached("/usr/sbin/apt-cacher-ng", [
    "-c",
    conf,
    "ForeGround=1",
    `BindAddress=${GATEWAY}`,
    `Port=${PROXY_PORT}`,
    `CacheDir=${ACNG}/cache`,
    `LogDir=${ACNG}/log`,
    `PidFile=${ACNG}/pid`,
    `SocketPath=${ACNG}/socket`,
  ], join(ACNG, "stdout.log"));
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(100)) {
    const conn = await Deno.connect({ hostname: GATEWAY, port: PROXY_PORT }).catch(() => null);
    if (conn) {
      conn.close();
      log(SCOPE, `apt-cacher-ng ${pid} on ${GATEWAY}:${PROXY_PORT}`);
      return;
    }
    if (!alive(pid)) break;
  }
  const out = await Deno.readTextFile(join(ACNG, "stdout.log")).catch(() => "");
  throw new Error(`apt-cacher-ng did not listen on ${GATEWAY}:${PROXY_PORT}\n${out.slice(-500)}`);
}

/** Mounts the host's overlay, writes its per-host files and boots it; false if it runs. */
async function startHost(name: string): Promise<boolean> {
  if (nspawnProcesses().some((p) => p.name === name)) return false;
  const dir = join(OVERLAYS, name);
  const root = join(dir, "root");
  for (const sub of ["upper", "work", "root"]) {
    await Deno.mkdir(join(dir, sub), { recursive: true });
  }
  if (!(await mountPoints()).includes(root)) {
    const layers = `lowerdir=${BASE},upperdir=${dir}/upper,workdir=${dir}/work`;
    await run("mount", ["-t", "overlay", `hostkit-${name}`, "-o", layers, root]);
  }
  const etc = join(root, "etc");
  await Deno.writeTextFile(join(etc, "hostname"), `${name}\n`);
  // minbase ships an empty /etc/hosts; sudo and Go programs need localhost and the hostname
  await Deno.writeTextFile(
    join(etc, "hosts"),
    `127.0.0.1 localhost\n127.0.1.1 ${name}\n::1 localhost ip6-localhost ip6-loopback\n`,
  );
  if (!(await Deno.readTextFile(join(etc, "machine-id"))).trim()) {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(16)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    await Deno.writeTextFile(join(etc, "machine-id"), `${id}\n`);
  }
  await Deno.writeTextFile(
    join(etc, "systemd/network/10-host0.network"),
    `[Match]\nName=host0\n\n[Network]\nAddress=${hostIp(name)}/24\nGateway=${GATEWAY}\n` +
      `LinkLocalAddressing=no\nIPv6AcceptRA=no\n`,
  );
  await installHostKeys(name, join(etc, "ssh"));
  const publicKey = await Deno.readTextFile(`${KEY}.pub`);
  await run("chroot", [root, "/bin/sh", "-c", authorizedKeysScript(publicKey)]);
  const bootLog = join(STATE, `${name}.log`);
  await Deno.remove(bootLog).catch(ignoreNotFound);
  spawnDetached("systemd-nspawn", [
    "--boot",
    `--directory=${root}`,
    `--machine=${name}`,
    // the machine has no systemd, machined or system bus to register with
    "--register=no",
    "--keep-unit",
    "--console=passive",
    "--link-journal=no",
    "--resolv-conf=off",
    "--timezone=off",
    // own network namespace, veth vb-NAME on the bridge; also grants CAP_NET_ADMIN (nft works)
    `--network-bridge=${BRIDGE}`,
  ], bootLog);
  return true;
}

/** Copies the host's SSH host keys in, generating them on first use; they survive `reset`. */
async function installHostKeys(name: string, sshDir: string): Promise<void> {
  const keyRoot = join(HOST_KEYS, name);
  const keyDir = join(keyRoot, "etc/ssh");
  if (!await exists(join(keyDir, "ssh_host_ed25519_key"))) {
    await Deno.mkdir(keyDir, { recursive: true });
    await run("ssh-keygen", ["-A", "-f", keyRoot]);
  }
  for await (const entry of Deno.readDir(keyDir)) {
    await Deno.copyFile(join(keyDir, entry.name), join(sshDir, entry.name));
    await Deno.chmod(join(sshDir, entry.name), entry.name.endsWith(".pub") ? 0o644 : 0o600);
  }
}

/**
 * Rewrites known_hosts from the public host keys of every host (the files installed as the
 * hosts' /etc/ssh/ssh_host_*_key.pub), so SSH verifies them from the first connection on.
 */
async function writeKnownHosts(): Promise<void> {
  const lines: string[] = [];
  for await (const host of Deno.readDir(HOST_KEYS)) {
    const keyDir = join(HOST_KEYS, host.name, "etc/ssh");
    const keys: string[] = [];
    for await (const entry of Deno.readDir(keyDir)) {
      if (entry.name.endsWith(".pub")) keys.push(await Deno.readTextFile(join(keyDir, entry.name)));
    }
    lines.push(...knownHostsLines(hostIp(host.name), 22, keys, host.name));
  }
  await Deno.writeTextFile(`${KNOWN_HOSTS}.tmp`, lines.sort().join("\n") + "\n");
  await Deno.rename(`${KNOWN_HOSTS}.tmp`, KNOWN_HOSTS);
}

/** Waits for SSH and the end of boot, then describes the host. */
async function ready(name: string, signal?: AbortSignal): Promise<TestHost> {
  const host: TestHost = {
    name,
    address: hostIp(name),
    port: 22,
    knownHostsFile: KNOWN_HOSTS,
    identityFile: KEY,
    publicKeyFile: `${KEY}.pub`,
    backend: "nspawn",
    users: TEST_USERS,
  };
  try {
    await waitReady(SCOPE, host, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    const bootLog = await Deno.readTextFile(join(STATE, `${name}.log`)).catch(() => "");
    throw new Error(`${error instanceof Error ? error.message : error}\n${bootLog.slice(-800)}`);
  }
  const nspawn = nspawnProcesses().find((p) => p.name === name);
  const leader = processes().find((p) => p.ppid === nspawn?.pid && p.comm === "systemd");
  return leader ? { ...host, leaderPid: leader.pid } : host;
}

/** Stops one host and unmounts its overlay. */
async function stopHost(name: string): Promise<void> {
  for (const p of nspawnProcesses().filter((p) => p.name === name)) {
    log(SCOPE, `stopping ${name} (${p.pid})`);
    await terminate(p.pid);
  }
  await unmountUnder(join(OVERLAYS, name));
  await run("ip", ["link", "del", `vb-${name}`], { allowFail: true });
}

/** Our systemd-nspawn processes (not their short-lived forks), with the host each runs. */
function nspawnProcesses(): { pid: number; name: string }[] {
  const all = processes().filter((p) => p.comm === "systemd-nspawn");
  const found: { pid: number; name: string }[] = [];
  for (const p of all) {
    const dirArg = p.argv.find((a) => a.startsWith(`--directory=${OVERLAYS}/`));
    if (!dirArg || all.some((q) => q.pid === p.ppid)) continue;
    found.push({
      pid: p.pid,
      name: dirArg.slice(`--directory=${OVERLAYS}/`.length, -"/root".length),
    });
  }
  return found;
}

function proxyProcesses() {
  return processes().filter((p) =>
    p.comm === "apt-cacher-ng" && p.argv.includes(`CacheDir=${ACNG}/cache`)
  );
}

/** Mount points from /proc/self/mountinfo, deepest first. */
async function mountPoints(): Promise<string[]> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return text.split("\n").filter(Boolean)
    .map((line) =>
      line.split(" ")[4].replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
    )
    .sort((a, b) => b.length - a.length);
}

async function unmountUnder(dir: string): Promise<void> {
  for (const point of await mountPoints()) {
    if (point !== dir && !point.startsWith(`${dir}/`)) continue;
    const r = await run("umount", [point], { allowFail: true });
    if (r.code !== 0) await run("umount", ["--lazy", point]); // still busy: detach it now
    log(SCOPE, `unmounted ${point}`);
  }
}

async function linkExists(name: string): Promise<boolean> {
  return (await run("ip", ["link", "show", name], { allowFail: true })).code === 0;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

if (import.meta.main) {
  // `restart NAME` is this backend's own: boot a host again that powered off or rebooted.
  if (Deno.args[0] === "restart" && Deno.args[1]) {
    try {
      console.log(JSON.stringify(await restart(Deno.args[1]), null, 2));
      Deno.exit(0);
    } catch (error) {
      console.error(`nspawn: ${error instanceof Error ? error.message : error}`);
      Deno.exit(1);
    }
  }
  Deno.exit(await backendMain(nspawnBackend, Deno.args));
}
