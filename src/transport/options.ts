/**
 * SSH connection options as they arrive from a config file or the command line, validated
 * with zod. Secrets (passwords, passphrases) are already resolved to strings at this layer;
 * they must never be echoed into errors, logs, env vars or command lines.
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";

/** How an unknown or changed host key is treated. */
export const hostKeyPolicySchema = z.enum(["strict", "accept-new", "accept-any"]);

/**
 * - `strict`: only keys already in known_hosts are accepted (the default).
 * - `accept-new`: an unknown host's key is recorded on first use; a changed key is refused.
 * - `accept-any`: no verification at all (the reference's `silentlyAcceptHosts`).
 */
export type HostKeyPolicy = z.infer<typeof hostKeyPolicySchema>;

/** Connect retry with exponential backoff: delay n is `min(maxDelayMs, baseDelayMs * 2^(n-1))`. */
export const retrySchema = z.strictObject({
  /** Total connection attempts, including the first. */
  attempts: z.int().min(1).max(100).default(3),
  baseDelayMs: z.int().min(0).default(250),
  maxDelayMs: z.int().min(0).default(4000),
});

/**
 * Options for connecting to one host over SSH.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of {@link SshOptionsInput}.
 */
export const sshOptionsSchema = z.strictObject({
  /** Host name or address to connect to. */
  host: z.string().min(1),
  port: z.int().min(1).max(65535).default(22),
  user: z.string().min(1),
  /** Name plans are made for; defaults to `host`. */
  name: z.string().min(1).optional(),
  /** Private key file (ed25519, rsa, ecdsa). Without it `~/.ssh/id_{ed25519,ecdsa,rsa}` are tried. */
  identityFile: z.string().min(1).optional(),
  /** Passphrase of the identity file (a resolved secret). */
  identityPassphrase: z.string().optional(),
  /** Password for SSH password (or keyboard-interactive) authentication (a resolved secret). */
  password: z.string().optional(),
  /** ssh-agent socket; `false` disables the agent. Default: `$SSH_AUTH_SOCK` when set. */
  agent: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Run every command under one `sudo`. */
  sudo: z.boolean().default(false),
  /** Password sudo asks for (a resolved secret); implies `sudo`. Sent on stdin only. */
  sudoPassword: z.string().optional(),
  hostKeyPolicy: hostKeyPolicySchema.default("strict"),
  /**
   * The user's known_hosts file, where `accept-new` records new hosts; `false` to use only
   * `knownHostsFiles` (then the first of those is written). Default `~/.ssh/known_hosts`.
   */
  userKnownHostsFile: z.union([z.string().min(1), z.literal(false)]).default(
    "~/.ssh/known_hosts",
  ),
  /** Extra known_hosts files consulted besides the user's (and `/etc/ssh/ssh_known_hosts`). */
  knownHostsFiles: z.array(z.string().min(1)).default([]),
  /** Limit for TCP connect, SSH handshake and authentication together. */
  connectTimeoutMs: z.int().min(1).default(20_000),
  retry: retrySchema.prefault({}),
  /** SSH-level keepalive interval; 3 unanswered keepalives drop the connection. 0 disables. */
  keepaliveIntervalMs: z.int().min(0).default(15_000),
});

/**
 * Expands a leading `~/` to `$HOME`, as OpenSSH does for paths in its config.
 *
 * @example
 * ```ts
 * import { expandHome } from "./options.ts";
 * expandHome("~/.ssh/known_hosts"); // "/root/.ssh/known_hosts" for root
 * ```
 */
export function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME");
  if (!home) throw new HostkitError("input", `cannot expand ${path}: HOME is not set`);
  return home + path.slice(1);
}

/** SSH options after validation, with every default filled in. */
export type SshOptions = z.infer<typeof sshOptionsSchema>;

/** SSH options as callers write them: only `host` and `user` are required. */
export type SshOptionsInput = NonNullable<(typeof sshOptionsSchema)["~standard"]["types"]>["input"];

/**
 * Validates SSH options and fills in defaults. Zod's messages name the field and the rule,
 * never the value, so secrets stay out of the error.
 *
 * @example
 * ```ts
 * import { parseSshOptions } from "./options.ts";
 * const options = parseSshOptions({ host: "10.0.0.5", user: "root" });
 * options.port; // 22
 * ```
 */
export function parseSshOptions(input: SshOptionsInput): SshOptions {
  const result = sshOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  throw new HostkitError("usage", `invalid SSH options:\n${z.prettifyError(result.error)}`);
}
