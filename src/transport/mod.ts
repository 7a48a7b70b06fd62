/**
 * Reaching hosts: the {@link Target} interface, the local machine, SSH (one connection per
 * host, channels multiplexed), known_hosts verification and shell quoting.
 *
 * @example
 * ```ts
 * import { openSsh, quote } from "./mod.ts";
 * const target = await openSsh({ host: "10.0.0.5", user: "deploy", sudo: true });
 * try {
 *   await target.run(`test -d ${quote("/srv/my app")}`);
 * } finally {
 *   await target.close();
 * }
 * ```
 *
 * @module
 */
export { collect, Target, toStream } from "./target.ts";
export type { ExitStatus, Process, RunOptions, RunResult, Stdin } from "./target.ts";
export { localTarget } from "./local.ts";
export type { LocalOptions } from "./local.ts";
export { MAX_CHANNELS, openSsh, sshTarget } from "./ssh.ts";
export type { SshTarget } from "./ssh.ts";
export { parseSshOptions, sshOptionsSchema } from "./options.ts";
export type { HostKeyPolicy, SshOptions, SshOptionsInput } from "./options.ts";
export {
  addKnownHost,
  fingerprint,
  hostKeyFromBlob,
  keyTypeLabel,
  knownHostName,
  lookupHostKey,
  matchesHost,
  parseKnownHosts,
  readKnownHosts,
  verifyHostKey,
} from "./known_hosts.ts";
export type { HostKey, HostKeyLookup, KnownHostsEntry } from "./known_hosts.ts";
export { quote } from "./shell.ts";
