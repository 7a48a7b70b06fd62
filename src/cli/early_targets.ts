/**
 * SSH connections opened before the config is evaluated: the SSH handshake and the host's
 * first session (PAM, logind) take ~100–200 ms that would otherwise wait behind the sandbox.
 *
 * Which hosts: those the same config's last run connected to, recorded per config path in
 * hostkit's cache (`hosts-latest/`), never a host the config names only now. A connection is
 * used only when the config, once evaluated, asks for exactly the same connection (address,
 * user, key, known_hosts, secrets, policy); any other is closed unused. Only a host this
 * config led hostkit to before is opened, under strict host-key checking, so credentials go
 * only to a host known_hosts vouches for.
 *
 * @module
 */
import { resolve } from "node:path";
import type { HostSpec } from "../model/project.ts";
import type { Target } from "../transport/target.ts";
import type { Forwarding } from "../transport/ssh.ts";
import { cacheShelf, sha256Hex } from "../config/cache_dir.ts";

/** What a connection to a host is made from: a declared host without its firewall or origin. */
export type HostConnection = Pick<HostSpec, "name" | "hostname" | "user" | "sudo" | "ssh">;

/** A connection opened early, and the exact options it was opened with. */
export interface EarlyTarget {
  /** The options, serialized: a later request must match them exactly. */
  key: string;
  target: Target & Forwarding;
}

interface Pending {
  /** The config's record name (the digest of its absolute path), when the run has a config. */
  record: Promise<string | undefined>;
  /** What the record held at the start (to write it only when it changes). */
  recorded: Promise<HostConnection[]>;
  opened: Promise<EarlyTarget[]>;
}

let pending: Pending | undefined;

const shelf = () => cacheShelf("hosts-latest");

/** A record is read from a file: an entry without a name, address and ssh block is dropped. */
function isHostConnection(value: unknown): value is HostConnection {
  const host = value as Partial<HostConnection> | null;
  return typeof host === "object" && host !== null && typeof host.name === "string" &&
    typeof host.hostname === "string" && typeof host.ssh === "object" && host.ssh !== null;
}

async function readRecord(name: string | undefined): Promise<HostConnection[]> {
  if (name === undefined) return [];
  const hosts = (await shelf().read(name) as { hosts?: unknown } | undefined)?.hosts;
  return Array.isArray(hosts) ? hosts.filter(isHostConnection) : [];
}

/**
 * The hosts the last run of `config` connected to (none when there is no usable record).
 *
 * @example
 * ```ts
 * import { recordedHosts } from "./early_targets.ts";
 * console.log(await recordedHosts("infra/config.ts")); // e.g. [{ name: "prod", hostname: "10.0.0.5", … }]
 * ```
 */
export async function recordedHosts(config: string): Promise<HostConnection[]> {
  return readRecord(await sha256Hex(resolve(config)));
}

/**
 * Opens connections now, with `open` choosing them: for `config`, it gets the hosts that
 * config's last run connected to. {@link takeEarlyTarget} hands them out,
 * {@link closeEarlyTargets} ends the ones nobody took. Resolves to the connections opened.
 *
 * @example
 * ```ts
 * import { closeEarlyTargets, openEarlyTargets } from "./early_targets.ts";
 * openEarlyTargets("infra/config.ts", async () => []);
 * await closeEarlyTargets();
 * ```
 */
export function openEarlyTargets(
  config: string | undefined,
  open: (hosts: HostConnection[]) => Promise<EarlyTarget[]>,
): Promise<EarlyTarget[]> {
  void closeEarlyTargets(); // a second call replaces the first
  const record = config === undefined ? Promise.resolve(undefined) : sha256Hex(resolve(config));
  const recorded = record.then(readRecord).catch(() => []);
  pending = { record, recorded, opened: recorded.then(open).catch(() => []) };
  // A copy: takeEarlyTarget removes from the list the caller does not see.
  return pending.opened.then((opened) => [...opened]);
}

/**
 * The early connection opened with exactly these options (serialized), if there is one;
 * each is handed out once.
 *
 * @example
 * ```ts
 * import { takeEarlyTarget } from "./early_targets.ts";
 * await takeEarlyTarget('{"host":"10.0.0.5"}'); // undefined: none was opened
 * ```
 */
export async function takeEarlyTarget(
  key: string,
): Promise<(Target & Forwarding) | undefined> {
  const opened = await pending?.opened ?? [];
  const index = opened.findIndex((early) => early.key === key);
  return index < 0 ? undefined : opened.splice(index, 1)[0].target;
}

/**
 * Records the hosts this run connects to, for the next run of the same config to open early.
 * Written only when they differ from the record; best effort.
 *
 * @example
 * ```ts
 * import { rememberHosts } from "./early_targets.ts";
 * await rememberHosts([]); // without openEarlyTargets for a config: nothing to record
 * ```
 */
export async function rememberHosts(hosts: HostConnection[]): Promise<void> {
  if (!pending) return;
  const [recorded, name] = await Promise.all([pending.recorded, pending.record]);
  const wanted = hosts.map(({ name, hostname, user, sudo, ssh }) => ({
    name,
    hostname,
    user,
    sudo,
    ssh,
  }));
  if (name === undefined || JSON.stringify(recorded) === JSON.stringify(wanted)) return;
  await shelf().write(name, { hosts: wanted });
}

/**
 * Closes the early connections nobody took (the config asked for other hosts, or failed).
 *
 * @example
 * ```ts
 * import { closeEarlyTargets } from "./early_targets.ts";
 * await closeEarlyTargets();
 * ```
 */
export async function closeEarlyTargets(): Promise<void> {
  const left = pending;
  pending = undefined;
  const opened = await left?.opened ?? [];
  await Promise.all(opened.splice(0).map(({ target }) => target.close().catch(() => {})));
}
