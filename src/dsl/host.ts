/**
 * The host scope: `p.host("prod", (h) => { h.hostname("…"); h.sudo(true) })`.
 *
 * @module
 */
import type { FirewallPolicy } from "../model/firewall.ts";
import type { SecretRef } from "../model/secret.ts";
import { firewallPolicy, type FirewallScope } from "./firewall.ts";
import { callerOrigin } from "./origin.ts";

/** SSH settings of a host, as the reference's `ssh identity_file: …, password: …`. */
export interface SshOptions {
  port?: number;
  identityFile?: string;
  identityPassphrase?: SecretRef;
  password?: SecretRef;
  sudoPassword?: SecretRef;
  silentlyAcceptHosts?: boolean;
  acceptNewHostKeys?: boolean;
  knownHostsFiles?: string[];
  connectTimeoutMs?: number;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** Options accepted inline: `p.host("prod", { hostname: "…", user: "root" })`. */
export interface HostOptions {
  hostname?: string;
  user?: string;
  sudo?: boolean;
  port?: number;
  ssh?: SshOptions;
}

/** Declares how to reach one host. */
export class HostScope {
  /** @internal */
  readonly options: Omit<HostOptions, "port"> & { ssh: SshOptions; firewall?: FirewallPolicy };

  constructor(readonly name: string, options: HostOptions = {}) {
    // The inline `port` is shorthand for `ssh.port`; the host spec has no top-level port.
    const { port, ...rest } = options;
    this.options = { ...rest, ssh: { ...options.ssh } };
    if (port !== undefined) this.options.ssh.port = port;
  }

  /** The address or DNS name to connect to. */
  hostname(name: string): void {
    this.options.hostname = name;
  }

  /** The SSH login user. */
  user(name: string): void {
    this.options.user = name;
  }

  /** Run everything under sudo. */
  sudo(on = true): void {
    this.options.sudo = on;
  }

  /** The SSH port. */
  port(port: number): void {
    this.options.ssh.port = port;
  }

  /** This host's firewall (instead of the project's): `h.firewall((f) => { … })`. */
  firewall(body: (f: FirewallScope) => void): void {
    this.options.firewall = firewallPolicy(body, callerOrigin());
  }

  /** SSH settings: identity file, password secret, host key policy, retry. */
  ssh(options: SshOptions): void {
    Object.assign(this.options.ssh, options);
  }
}
