/**
 * The host scope: `p.host("prod", (h) => { h.hostname("…"); h.sudo(true) })`.
 *
 * @module
 */
import type { FirewallPolicy } from "../model/firewall.ts";
import { firewallPolicy, type FirewallScope } from "./firewall.ts";
import { callerOrigin } from "./origin.ts";
import { z } from "zod";
import { type SecretRef, SecretRefSchema } from "../model/secret.ts";
import { checkArgument, checkOptions, is, noExtraArguments, type OptionShape } from "./options.ts";

/** SSH settings of a host, as the reference's `ssh identity_file: …, password: …`. */
export interface SshOptions {
  /** The SSH port; default 22. */
  port?: number;
  /** A private key on the controller; `~` is the controller user's home. */
  identityFile?: string;
  /** The key's passphrase, as a secret reference. */
  identityPassphrase?: SecretRef;
  /** A login password, as a secret reference (never a string). */
  password?: SecretRef;
  /** The sudo password, as a secret reference. */
  sudoPassword?: SecretRef;
  /** Trust any host key; default false. */
  silentlyAcceptHosts?: boolean;
  /** Trust a host key on first use and record it; default false. */
  acceptNewHostKeys?: boolean;
  /** Extra known_hosts files. */
  knownHostsFiles?: string[];
  /** How long to wait for a connection. */
  connectTimeoutMs?: number;
  /** Connection retries: `{ attempts, baseDelayMs, maxDelayMs }` (default 3, 250, 5000). */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** Options accepted inline: `p.host("prod", { hostname: "…", user: "root" })`. */
export interface HostOptions {
  /** The address or DNS name to connect to; default the host's name. */
  hostname?: string;
  /** The SSH login user. */
  user?: string;
  /** Run everything under sudo; default false. */
  sudo?: boolean;
  /** The SSH port (same as `ssh.port`). */
  port?: number;
  /** SSH settings. */
  ssh?: SshOptions;
}

const secret = SecretRefSchema;

const RETRY_OPTIONS = {
  attempts: z.number().int().min(1).max(100),
  baseDelayMs: is.count,
  maxDelayMs: is.count,
};

const SSH_OPTIONS: OptionShape<SshOptions> = {
  port: is.port,
  identityFile: is.nonEmpty,
  identityPassphrase: secret,
  password: secret,
  sudoPassword: secret,
  silentlyAcceptHosts: is.boolean,
  acceptNewHostKeys: is.boolean,
  knownHostsFiles: z.array(is.nonEmpty),
  connectTimeoutMs: z.number().int().positive(),
  retry: is.checkedByWord,
};

const HOST_OPTIONS: OptionShape<HostOptions> = {
  hostname: is.nonEmpty,
  user: is.nonEmpty,
  sudo: is.boolean,
  port: is.port,
  ssh: is.checkedByWord,
};

function checkSsh(word: string, options: SshOptions | undefined): SshOptions {
  const checked = checkOptions(word, options, SSH_OPTIONS);
  if (checked.retry !== undefined) checkOptions(`${word} retry`, checked.retry, RETRY_OPTIONS);
  return checked;
}

/** Declares how to reach one host. */
export class HostScope {
  /** @internal */
  readonly options: Omit<HostOptions, "port"> & { ssh: SshOptions; firewall?: FirewallPolicy };
  private readonly word: string;

  /** @internal A scope for the host `name`; configs get one from `p.host(…)`. */
  constructor(readonly name: string, options?: HostOptions) {
    // The inline `port` is shorthand for `ssh.port`; the host spec has no top-level port.
    this.word = `host:${name}`;
    const { port, ssh, ...rest } = checkOptions(this.word, options, HOST_OPTIONS);
    this.options = { ...rest, ssh: { ...checkSsh(`${this.word} ssh`, ssh) } };
    if (port !== undefined) this.options.ssh.port = port;
  }

  /**
   * The address or DNS name to connect to.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.host("prod", (h) => {
   *     h.hostname("prod.example.com");
   *   }));
   * ```
   */
  hostname(name: string, ...extra: never[]): void {
    noExtraArguments(`${this.word} hostname`, 1, extra);
    this.options.hostname = checkArgument(`${this.word} hostname`, "the name", name, is.nonEmpty);
  }

  /**
   * The SSH login user.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.host("prod", (h) => {
   *     h.user("deploy");
   *   }));
   * ```
   */
  user(name: string, ...extra: never[]): void {
    noExtraArguments(`${this.word} user`, 1, extra);
    this.options.user = checkArgument(`${this.word} user`, "the name", name, is.nonEmpty);
  }

  /**
   * Run everything under sudo.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.host("prod", (h) => {
   *     h.sudo();
   *   }));
   * ```
   */
  sudo(on = true, ...extra: never[]): void {
    noExtraArguments(`${this.word} sudo`, 1, extra);
    this.options.sudo = checkArgument(`${this.word} sudo`, "on", on, is.boolean);
  }

  /**
   * The SSH port.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.host("prod", (h) => {
   *     h.port(2222);
   *   }));
   * ```
   */
  port(port: number, ...extra: never[]): void {
    noExtraArguments(`${this.word} port`, 1, extra);
    this.options.ssh.port = checkArgument(`${this.word} port`, "the port", port, is.port);
  }

  /** This host's firewall (instead of the project's): `h.firewall((f) => { … })`. */
  firewall(body: (f: FirewallScope) => void): void {
    this.options.firewall = firewallPolicy(body, callerOrigin());
  }

  /**
   * SSH settings: identity file, password secret, host key policy, retry.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.host("prod", (h) => {
   *     h.ssh({ identityFile: "~/.ssh/id_ed25519", acceptNewHostKeys: true, retry: { attempts: 3 } });
   *   }));
   * ```
   */
  ssh(options: SshOptions, ...extra: never[]): void {
    noExtraArguments(`${this.word} ssh`, 1, extra);
    Object.assign(this.options.ssh, checkSsh(`${this.word} ssh`, options));
  }
}
