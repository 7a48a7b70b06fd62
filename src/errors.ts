/**
 * Errors a user can act on. Each carries a distinct process exit code so scripts
 * can tell a bad flag from a bad config from an unreachable host.
 *
 * @module
 */

/**
 * Exit codes of the hostkit CLI, by error kind. Documented in README.md.
 *
 * @example
 * ```ts
 * import { ExitCode } from "./errors.ts";
 * ExitCode.config; // 2: the config did not load
 * ```
 */
export const ExitCode = {
  ok: 0,
  /** A bug or an unexpected failure. */
  internal: 1,
  /** The config could not be loaded: syntax, thrown error, sandbox violation, timeout, schema. */
  config: 2,
  /** A plan with changes under `--detailed-exitcode` (as Terraform). */
  changes: 2,
  /** Apply ran and a step failed on the host. */
  applyFailed: 3,
  /** The plan no longer matches the host: re-plan. */
  stale: 4,
  /** Another apply holds the host's lock. */
  locked: 5,
  /** Apply ended, but could not be confirmed over a new connection: the host rolled itself back. */
  rolledBack: 6,
  /** A bad command line: unknown flag, bad combination, missing argument. */
  usage: 64,
  /** A bad data file: plan artifact, run record, lock file. */
  data: 65,
  /** A host could not be reached: refused, DNS, timeout, dropped connection. */
  unreachable: 69,
  /** A host key is unknown, changed or revoked. */
  hostKey: 76,
  /** Authentication or sudo failed. */
  auth: 77,
  /** A required secret or controller-side input is missing. */
  input: 78,
} as const;

/** The names of {@link ExitCode}. */
export type ErrorKind = Exclude<keyof typeof ExitCode, "ok" | "changes">;

/**
 * An error meant for the user: its message is shown as is, and its kind picks the exit code.
 *
 * @example
 * ```ts
 * import { HostkitError } from "./errors.ts";
 * throw new HostkitError("usage", "unknown flag --colour (did you mean --color?)");
 * ```
 */
export class HostkitError extends Error {
  /** What went wrong, as a kind; it picks the exit code (`ExitCode[kind]`). */
  readonly kind: ErrorKind;
  /** Extra lines shown under the message (e.g. a list of stale resources). */
  readonly details: string[];

  /** An error of `kind` with a message shown as is; `details` are extra lines under it. */
  constructor(kind: ErrorKind, message: string, options?: { details?: string[]; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "HostkitError";
    this.kind = kind;
    this.details = options?.details ?? [];
  }

  /**
   * The process exit code for this error.
   *
   * @example
   * ```ts
   * import { HostkitError } from "./errors.ts";
   * new HostkitError("usage", "unknown flag --colour").exitCode; // 64
   * ```
   */
  get exitCode(): number {
    return ExitCode[this.kind];
  }
}
