/**
 * Hosts over SSH (npm:ssh2): one connection per host, every command on its own exec channel
 * multiplexed over it, at most {@link MAX_CHANNELS} open at once.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
// @ts-types="@types/ssh2"
import { Client, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from "ssh2";
import { HostkitError } from "../errors.ts";
import {
  fingerprint,
  type HostKey,
  hostKeyFromBlob,
  knownHostName,
  type KnownHostsEntry,
  matchesHost,
  preferredHostKeyAlgorithms,
  readKnownHosts,
  verifyHostKey,
} from "./known_hosts.ts";
import { Limiter } from "./limiter.ts";
import { expandHome, parseSshOptions, type SshOptions, type SshOptionsInput } from "./options.ts";
import { AuthSession, type Credentials, loadCredentials } from "./ssh_auth.ts";
import { ChannelProcess } from "./ssh_exec.ts";
import { passwordLine, probeSudo, sudoCommand, type SudoMode } from "./sudo.ts";
import {
  collect,
  type Process,
  type RunOptions,
  type RunResult,
  type Stdin,
  type Target,
} from "./target.ts";

/** OpenSSH's default `MaxSessions`: one more open channel and the server answers "open failed". */
export const MAX_CHANNELS = 10;

/** Times a refused channel is retried, after 1, 2, 4… ms (about 1 s in all). */
const OPEN_RETRIES = 10;

/** Read-only known_hosts that OpenSSH consults for every user. */
const GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts";

/**
 * A TCP connection the host opens on hostkit's behalf (an SSH direct-tcpip channel), so a
 * service bound to the host's loopback is reachable without anything installed there.
 */
export interface Forwarding {
  /**
   * Connects to `host:port` as seen from the host. Rejects with a HostkitError: `unreachable`
   * with `forbidden: true` in its details when the server does not allow forwarding
   * (`AllowTcpForwarding no`), plain `unreachable` when the port does not answer.
   */
  forward(host: string, port: number): Promise<Duplex>;
}

/** The detail a forward() error carries when the server forbids forwarding. */
export const FORWARDING_FORBIDDEN = "forwarding forbidden";

/** An open SSH connection to one host. */
export interface SshTarget extends Target, Forwarding {
  /** The host key the connection was verified with. */
  readonly hostKey: { type: string; fingerprint: string };
  /** What the server accepted, e.g. `publickey /root/.ssh/id_ed25519` or `password`. */
  readonly authenticatedWith: string;
}

/**
 * Opens the connection now (with retries), verifies the host key, authenticates, and checks
 * sudo when configured, so every such problem surfaces here as a HostkitError.
 *
 * @example
 * ```ts
 * import { openSsh } from "./ssh.ts";
 * const target = await openSsh({ host: "10.0.0.5", user: "root", identityFile: "~/.ssh/id_ed25519" });
 * try {
 *   const { stdout } = await target.run("uname -r");
 * } finally {
 *   await target.close();
 * }
 * ```
 */
export async function openSsh(input: SshOptionsInput): Promise<SshTarget> {
  const options = parseSshOptions(input);
  const credentials = await loadCredentials(options);
  const connected = await connectWithRetry(options, credentials);
  const target = new SshConnection(options, connected);
  try {
    await target.prepareSudo();
  } catch (error) {
    await target.close();
    throw error;
  }
  return target;
}

/**
 * A target that connects on first use (then behaves as {@link openSsh}'s). Options are
 * validated right away. A failed connection attempt fails the commands waiting for it; the
 * next command tries again.
 *
 * @example
 * ```ts
 * import { sshTarget } from "./ssh.ts";
 * const target = sshTarget({ host: "10.0.0.5", user: "deploy", sudo: true });
 * const { code } = await target.run("systemctl is-active nginx");
 * await target.close();
 * ```
 */
export function sshTarget(input: SshOptionsInput): Target & Forwarding {
  const options = parseSshOptions(input);
  let connection: Promise<SshTarget> | undefined;
  const connect = () => {
    if (!connection) {
      const attempt = connection = openSsh(options);
      attempt.catch(() => {
        if (connection === attempt) connection = undefined;
      });
    }
    return connection;
  };
  const spawn = (command: string, runOptions?: RunOptions): Process => {
    const process = connect().then((target) => target.spawn(command, runOptions));
    const status = process.then((p) => p.status);
    status.catch(() => {});
    return {
      stdout: deferredStream(process.then((p) => p.stdout)),
      stderr: deferredStream(process.then((p) => p.stderr)),
      status,
    };
  };
  return {
    description: describe(options),
    name: options.name ?? options.host,
    address: { host: options.host, port: options.port, user: options.user },
    sudo: options.sudo || options.sudoPassword !== undefined,
    forward: (host: string, port: number) => connect().then((t) => t.forward(host, port)),
    // One attempt: a caller proving the host is reachable does its own waiting.
    reopen: () => sshTarget({ ...options, retry: { ...options.retry, attempts: 1 } }),
    spawn,
    run: (command, runOptions) => collect(spawn(command, runOptions)),
    open: () => void connect().catch(() => {}),
    close: async () => {
      const pending = connection;
      connection = undefined;
      await (await pending?.catch(() => undefined))?.close();
    },
  };
}

function describe(options: SshOptions): string {
  const sudo = options.sudo || options.sudoPassword !== undefined ? " (sudo)" : "";
  return `ssh ${options.user}@${options.host}:${options.port}${sudo}`;
}

/** A stream that reads from another one once it exists. */
function deferredStream(source: Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  // The failure also reaches the caller through `status`; unread, it must not count as unhandled.
  source.catch(() => {});
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= (await source).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      if (reader) await reader.cancel(reason);
      else await (await source.catch(() => undefined))?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** A connection that completed authentication. */
interface Connected {
  client: Client;
  hostKey: HostKey;
  /** Whether known_hosts vouched for the key (not accept-any, not just recorded by accept-new). */
  hostKeyVerified: boolean;
  authenticatedWith: string;
}

/** A failed attempt, and whether another attempt might succeed. */
class AttemptFailure extends Error {
  constructor(readonly error: HostkitError, readonly retryable: boolean) {
    super(error.message);
  }
}

async function connectWithRetry(options: SshOptions, credentials: Credentials): Promise<Connected> {
  const { attempts, baseDelayMs, maxDelayMs } = options.retry;
  for (let attempt = 1;; attempt++) {
    try {
      return await connectOnce(options, credentials);
    } catch (failure) {
      if (!(failure instanceof AttemptFailure)) throw failure;
      if (!failure.retryable || attempt >= attempts) {
        if (attempt === 1) throw failure.error;
        throw new HostkitError(
          failure.error.kind,
          `${failure.error.message} (${attempt} attempts)`,
        );
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)))
      );
    }
  }
}

async function connectOnce(options: SshOptions, credentials: Credentials): Promise<Connected> {
  const { host, port } = options;
  const target = describe(options);
  const userFile = options.userKnownHostsFile === false
    ? []
    : [expandHome(options.userKnownHostsFile)];
  const files = [...userFile, ...options.knownHostsFiles.map(expandHome)];
  // As OpenSSH does with UserKnownHostsFile: new hosts go to the first file.
  const writeFile = files[0];
  files.push(GLOBAL_KNOWN_HOSTS);
  const entries = options.hostKeyPolicy === "accept-any" ? [] : readKnownHosts(files);
  const algorithms = hostKeyAlgorithms(entries, knownHostName(host, port));
  const auth = new AuthSession(credentials);
  let hostKey: HostKey | undefined;
  let hostKeyVerified = false;
  let hostKeyError: HostkitError | undefined;
  const errors: Error[] = [];

  return await new Promise<Connected>((resolve, reject) => {
    const client = new Client();
    let ready = false;
    client.on("error", (error) => errors.push(error));
    // Without TCP_NODELAY every exec round trip waits on Nagle's algorithm (~90 ms).
    client.on("connect", () => client.setNoDelay(true));
    client.once("ready", () => {
      ready = true;
      const tried = auth.tried;
      resolve({
        client,
        hostKey: hostKey!,
        hostKeyVerified,
        authenticatedWith: tried.at(-1) ?? "none",
      });
    });
    client.once("close", () => {
      if (ready) return;
      if (hostKeyError) return reject(new AttemptFailure(hostKeyError, false));
      if (auth.exhausted) return reject(new AttemptFailure(auth.error(target), false));
      reject(classifyConnectError(errors, options, target));
    });
    const config: ConnectConfig = {
      host,
      port,
      username: credentials.user,
      authHandler: auth.handler,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      algorithms,
      hostVerifier: (blob: Buffer) => {
        try {
          hostKey = hostKeyFromBlob(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength));
          const status = verifyHostKey({
            host,
            port,
            key: hostKey,
            policy: options.hostKeyPolicy,
            files,
            entries,
            writeFile,
          });
          // Passwords go only to a host whose key known_hosts vouches for.
          auth.hostKeyVerified = status === "verified";
          hostKeyVerified = auth.hostKeyVerified;
          return true;
        } catch (error) {
          hostKeyError = error instanceof HostkitError
            ? error
            : new HostkitError("hostKey", `cannot verify the host key of ${target}: ${error}`);
          return false;
        }
      },
    };
    client.connect(config);
  });
}

/** Prefer the key types known_hosts has for the host, so the server shows a key we can check. */
function hostKeyAlgorithms(
  entries: KnownHostsEntry[],
  name: string,
): ConnectConfig["algorithms"] {
  const recorded = entries.filter((e) => e.marker === undefined && matchesHost(e.hosts, name));
  const types = [...new Set(recorded.map((e) => e.type))];
  if (types.length === 0) return undefined;
  const preferred = preferredHostKeyAlgorithms(types).filter(isSupportedHostKeyAlgorithm);
  if (preferred.length === 0) return undefined;
  // Removing first, then prepending, moves them to the front of ssh2's default order.
  return { serverHostKey: { remove: preferred, prepend: preferred, append: [] } };
}

const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

function isSupportedHostKeyAlgorithm(name: string): name is ServerHostKeyAlgorithm {
  return (HOST_KEY_ALGORITHMS as string[]).includes(name);
}

/** Socket error codes that mean "not now": another attempt may well succeed. */
const TRANSIENT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
  "EPIPE",
]);

function classifyConnectError(
  errors: Error[],
  options: SshOptions,
  target: string,
): AttemptFailure {
  const error = errors[0] as (Error & { code?: string; level?: string }) | undefined;
  const code = error?.code;
  const unreachable = (message: string, retryable: boolean) =>
    new AttemptFailure(
      new HostkitError("unreachable", `cannot connect to ${target}: ${message}`, { cause: error }),
      retryable,
    );
  if (!error) return unreachable("the connection closed during the SSH handshake", true);
  if (error.level === "client-timeout") {
    return unreachable(
      `timed out after ${options.connectTimeoutMs} ms (TCP connect, SSH handshake and authentication)`,
      true,
    );
  }
  if (code === "ECONNREFUSED") {
    return unreachable(`connection refused (is sshd listening on port ${options.port}?)`, true);
  }
  if (code === "ENOTFOUND" || code === "EAI_NONAME" || error.level === "client-dns") {
    return unreachable(`cannot resolve host name ${options.host} (DNS lookup failed)`, false);
  }
  if (code === "EAI_AGAIN") {
    return unreachable(`cannot resolve host name ${options.host} (DNS temporarily failing)`, true);
  }
  if (code && TRANSIENT.has(code)) return unreachable(`${code}: ${error.message}`, true);
  if (/lost before handshake/i.test(error.message)) {
    return unreachable("the server closed the connection before the SSH handshake", true);
  }
  return unreachable(error.message, false);
}

/** The {@link SshTarget} behind {@link openSsh}. */
class SshConnection implements SshTarget {
  readonly description: string;
  readonly name: string;
  readonly address: { host: string; port: number; user: string };
  readonly sudo: boolean;
  readonly hostKey: { type: string; fingerprint: string };
  readonly authenticatedWith: string;
  #options: SshOptions;
  #hostKeyVerified: boolean;
  #client: Client;
  #limiter = new Limiter(MAX_CHANNELS);
  #running = new Set<ChannelProcess>();
  /** Channels the server has opened and not yet closed. */
  #openChannels = 0;
  #sudo: SudoMode = "none";
  #lost?: HostkitError;
  #closing = false;
  #closed: Promise<void>;
  #lastError?: Error;

  constructor(options: SshOptions, connected: Connected) {
    this.#options = options;
    this.address = { host: options.host, port: options.port, user: options.user };
    this.sudo = options.sudo || options.sudoPassword !== undefined;
    this.#client = connected.client;
    this.description = describe(options);
    this.name = options.name ?? options.host;
    this.hostKey = {
      type: connected.hostKey.type,
      fingerprint: fingerprint(connected.hostKey.blob),
    };
    this.authenticatedWith = connected.authenticatedWith;
    this.#hostKeyVerified = connected.hostKeyVerified;
    this.#client.on("error", (error) => this.#lastError = error);
    this.#closed = new Promise((resolve) => {
      this.#client.once("close", () => {
        this.#onClose();
        resolve();
      });
    });
  }

  /** Decides how commands are wrapped in sudo; called once by {@link openSsh}. */
  async prepareSudo(): Promise<void> {
    const { sudo, user } = this.#options;
    if (!sudo && this.#options.sudoPassword === undefined) return;
    // Without a key known_hosts vouches for, this may be anyone's host: it gets no password.
    const withheld = this.#options.sudoPassword !== undefined && !this.#hostKeyVerified;
    if (withheld) this.#options = { ...this.#options, sudoPassword: undefined };
    try {
      this.#sudo = await probeSudo(
        (commandLine, stdin) => collect(this.#exec(commandLine, { stdin }, undefined)),
        { user, host: this.description, password: this.#options.sudoPassword },
      );
    } catch (error) {
      if (!withheld || !(error instanceof HostkitError)) throw error;
      throw new HostkitError(
        "hostKey",
        `${error.message} The sudo password was not sent: the host key of ${this.description} ` +
          "is not in known_hosts (it was accepted by accept-new or accept-any); add it to " +
          "known_hosts first.",
      );
    }
  }

  spawn(command: string, options: RunOptions = {}): Process {
    const prefix = this.#sudo === "password"
      ? passwordLine(this.#options.sudoPassword!)
      : undefined;
    return this.#exec(sudoCommand(command, this.#sudo), options, prefix);
  }

  run(command: string, options?: RunOptions): Promise<RunResult> {
    return collect(this.spawn(command, options));
  }

  forward(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (this.#lost || this.#closing) return reject(this.#lost ?? this.#closedError());
      const where = `${host}:${port} on ${this.description}`;
      try {
        this.#client.forwardOut("127.0.0.1", 0, host, port, (error, channel) => {
          if (!error) return resolve(channel);
          // RFC 4254 5.1: reason 1 is "administratively prohibited".
          const forbidden = (error as Error & { reason?: number }).reason === 1;
          reject(
            new HostkitError(
              "unreachable",
              forbidden
                ? `${this.description} does not allow TCP forwarding (AllowTcpForwarding no)`
                : `cannot connect to ${where}: ${error.message}`,
              { details: forbidden ? [FORWARDING_FORBIDDEN] : [], cause: error },
            ),
          );
        });
      } catch (error) {
        reject(this.#lost ?? this.#closedError(error));
      }
    });
  }

  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#client.end();
      // A peer that never answers the disconnect must not keep close() waiting.
      const timer = setTimeout(() => this.#client.destroy(), 2000);
      await this.#closed;
      clearTimeout(timer);
    }
    await this.#closed;
  }

  #exec(commandLine: string, options: RunOptions, prefix: Uint8Array | undefined): Process {
    const process = new ChannelProcess({ prefix, stdin: options.stdin as Stdin | undefined });
    if (this.#lost) {
      process.fail(this.#lost);
      return process;
    }
    this.#running.add(process);
    const signal = options.signal;
    const onAbort = () => process.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      this.#running.delete(process);
      signal?.removeEventListener("abort", onAbort);
    };
    process.status.then(done, done);
    this.#open(process, commandLine, signal);
    return process;
  }

  async #open(
    process: ChannelProcess,
    commandLine: string,
    signal: AbortSignal | undefined,
    attempt = 0,
  ): Promise<void> {
    let release: () => void;
    try {
      release = await this.#limiter.acquire(signal);
    } catch (error) {
      return process.fail(error);
    }
    if (process.settled) return release();
    if (this.#closing || this.#lost) {
      release();
      return process.fail(this.#lost ?? this.#closedError());
    }
    const opened = (error: (Error & { reason?: unknown }) | undefined, channel: ClientChannel) => {
      if (!error) {
        this.#openChannels++;
        return process.attach(channel, () => {
          this.#openChannels--;
          release();
        });
      }
      release();
      if (this.#lost) return process.fail(this.#lost);
      // OpenSSH frees a session a moment after acknowledging its close, so a channel opened
      // right after another one closed can be refused ("open failed"); so is one beyond a
      // MaxSessions lower than ours. Either way a later attempt can work.
      const refusedOpen = error.reason !== undefined;
      if (refusedOpen && attempt < OPEN_RETRIES) {
        if (attempt >= 2 && this.#openChannels > 0) this.#limiter.lower(this.#openChannels);
        setTimeout(() => this.#open(process, commandLine, signal, attempt + 1), 2 ** attempt);
        return;
      }
      process.fail(
        new HostkitError(
          "unreachable",
          `${this.description} refused to run the command: ${error.message}`,
        ),
      );
    };
    try {
      this.#client.exec(commandLine, opened);
    } catch (error) {
      // ssh2 throws when the socket is already gone, before its 'close' event arrives.
      release();
      process.fail(this.#lost ?? this.#closedError(error));
    }
  }

  #closedError(cause?: unknown): HostkitError {
    return new HostkitError("unreachable", `the connection to ${this.description} was closed`, {
      cause,
    });
  }

  #onClose(): void {
    const reason = this.#lastError ? `: ${this.#lastError.message}` : "";
    this.#lost = this.#closing ? this.#closedError() : new HostkitError(
      "unreachable",
      `the connection to ${this.description} dropped${reason}; commands still running there ` +
        `may or may not have finished`,
    );
    for (const process of this.#running) process.fail(this.#lost);
    this.#limiter.close(this.#lost);
  }
}
