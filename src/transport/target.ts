/**
 * The one way hostkit reaches a host: run a shell command with streamed stdin,
 * stdout and stderr. Implementations: {@link ./local.ts} and {@link ./ssh.ts}.
 *
 * @module
 */

import { type LocalOptions, localTarget } from "./local.ts";
import type { SshOptionsInput } from "./options.ts";
import { sshTarget } from "./ssh.ts";

/** Input for a command: bytes, text, or a stream consumed as it is read. */
export type Stdin = Uint8Array | string | ReadableStream<Uint8Array>;

/** Options for {@link Target.spawn} and {@link Target.run}. */
export interface RunOptions {
  /** Streamed to the command's stdin, which is then closed. Without it stdin is empty. */
  stdin?: Stdin;
  /** Aborting kills the command (local) or closes its channel (ssh). */
  signal?: AbortSignal;
}

/** How a command ended. `signal` is set when it was killed by one. */
export interface ExitStatus {
  /** The exit code (128 + n when killed by signal n). */
  code: number;
  /** The signal's name, e.g. `SIGTERM`, when one killed it. */
  signal?: string;
}

/** A running command. Both output streams must be consumed (or cancelled). */
export interface Process {
  /** The command's standard output, as it arrives. */
  stdout: ReadableStream<Uint8Array>;
  /** The command's standard error, as it arrives. */
  stderr: ReadableStream<Uint8Array>;
  /** Settles when the command ends; rejects when the connection drops. */
  status: Promise<ExitStatus>;
}

/** A command's buffered result, from {@link Target.run}. */
export interface RunResult extends ExitStatus {
  /** All of standard output. */
  stdout: Uint8Array;
  /** All of standard error. */
  stderr: Uint8Array;
}

/**
 * A host hostkit can run commands on.
 *
 * Commands are POSIX `sh` command strings. A target configured with sudo runs
 * every command under one `sudo`, so callers never add it themselves.
 *
 * @example
 * ```ts
 * import { Target } from "./target.ts";
 * const here: Target = Target.local();
 * const { code } = await here.run("test -d /etc");
 * await here.close();
 * ```
 */
export interface Target {
  /** Human description for messages, e.g. `ssh root@10.0.0.5:22` or `local`. */
  readonly description: string;
  /** The host name plans are made for (`--host` name, remote hostname, or `local`). */
  readonly name: string;
  /** Where an SSH target connects; plans record it to reach the host again. */
  readonly address?: { host: string; port: number; user: string };
  /** Whether every command runs under sudo. */
  readonly sudo?: boolean;
  /** Starts a command; output is streamed. */
  spawn(command: string, options?: RunOptions): Process;
  /** Runs a command to completion and buffers its output. */
  run(command: string, options?: RunOptions): Promise<RunResult>;
  /** Releases the connection. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Starts connecting now rather than on first use, so the handshake overlaps the caller's
   * own work. A failure is not reported here: the first command reports it (and retries).
   */
  open?(): void;
  /**
   * The same host over a NEW connection (its own handshake and login), to prove the host can
   * still be reached after a change (automatic rollback's disarm). Absent: no connection to renew.
   */
  reopen?(): Target;
}

/**
 * Buffers a {@link Process} into a {@link RunResult}. Implementations use it for `run`.
 *
 * @example
 * ```ts
 * import { collect, Target } from "./target.ts";
 *
 * const result = await collect(Target.local().spawn("uname -a"));
 * console.log(new TextDecoder().decode(result.stdout));
 * ```
 */
export async function collect(process: Process): Promise<RunResult> {
  const [stdout, stderr, status] = await Promise.all([
    new Response(process.stdout).bytes(),
    new Response(process.stderr).bytes(),
    process.status,
  ]);
  return { ...status, stdout, stderr };
}

/** Turns any {@link Stdin} into a byte stream. */
export function toStream(stdin: Stdin): ReadableStream<Uint8Array> {
  if (stdin instanceof ReadableStream) return stdin;
  const bytes = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Makes targets as the reference writes them (`HostKit.Target.local/ssh`).
 * Neither connects: an SSH target connects on its first command (use
 * {@link openSsh} to connect, verify and authenticate up front).
 *
 * @example
 * ```ts
 * import { Target } from "./target.ts";
 * const prod = Target.ssh("prod", { host: "elixir.toys", user: "deploy", sudo: true });
 * const here = Target.local();
 * const dev = Target.local("dev", { sudo: true }); // this machine, planned as host "dev"
 * prod.name; // "prod"
 * await prod.close(); // never connected: closing is immediate
 * await here.close();
 * ```
 */
export const Target: {
  /**
   * This machine, named `local` unless a name is given (plans are made for that
   * name); with `{ sudo: true }` every command runs under `sudo -n`.
   */
  local(nameOrOptions?: string | LocalOptions, options?: LocalOptions): Target;
  /** A host over SSH, named `name` in plans; connects on its first command. */
  ssh(name: string, options: Omit<SshOptionsInput, "name">): Target;
} = {
  local: (nameOrOptions, options) => {
    if (typeof nameOrOptions !== "string") return localTarget(nameOrOptions);
    return { ...localTarget(options), name: nameOrOptions };
  },
  ssh: (name, options) => sshTarget({ name, ...options }),
};
