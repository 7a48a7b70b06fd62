/**
 * The host scope: `p.host("prod", (h) => { h.hostname("…"); h.sudo(true) })`.
 *
 * @module
 */
import { z } from "zod";
import { type SecretRef, SecretRefSchema } from "../model/secret.ts";
import { checkArgument, checkOptions, is, noExtraArguments, type OptionShape } from "./options.ts";

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
  readonly options: Omit<HostOptions, "port"> & { ssh: SshOptions };
  private readonly word: string;

  constructor(readonly name: string, options?: HostOptions) {
    // The inline `port` is shorthand for `ssh.port`; the host spec has no top-level port.
    this.word = `host:${name}`;
    const { port, ssh, ...rest } = checkOptions(this.word, options, HOST_OPTIONS);
    this.options = { ...rest, ssh: { ...checkSsh(`${this.word} ssh`, ssh) } };
    if (port !== undefined) this.options.ssh.port = port;
  }

  /** The address or DNS name to connect to. */
  hostname(name: string, ...extra: never[]): void {
    noExtraArguments(`${this.word} hostname`, 1, extra);
    this.options.hostname = checkArgument(`${this.word} hostname`, "the name", name, is.nonEmpty);
  }

  /** The SSH login user. */
  user(name: string, ...extra: never[]): void {
    noExtraArguments(`${this.word} user`, 1, extra);
    this.options.user = checkArgument(`${this.word} user`, "the name", name, is.nonEmpty);
  }

  /** Run everything under sudo. */
  sudo(on = true, ...extra: never[]): void {
    noExtraArguments(`${this.word} sudo`, 1, extra);
    this.options.sudo = checkArgument(`${this.word} sudo`, "on", on, is.boolean);
  }

  /** The SSH port. */
  port(port: number, ...extra: never[]): void {
    noExtraArguments(`${this.word} port`, 1, extra);
    this.options.ssh.port = checkArgument(`${this.word} port`, "the port", port, is.port);
  }

  /** SSH settings: identity file, password secret, host key policy, retry. */
  ssh(options: SshOptions, ...extra: never[]): void {
    noExtraArguments(`${this.word} ssh`, 1, extra);
    Object.assign(this.options.ssh, checkSsh(`${this.word} ssh`, options));
  }
}
