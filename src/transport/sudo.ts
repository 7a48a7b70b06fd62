/**
 * Running remote commands under `sudo`, with the password (when one is needed) sent as the
 * first line of stdin: never on a command line or in an environment variable.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { quote } from "./shell.ts";
import type { RunResult, Stdin } from "./target.ts";

/**
 * How commands reach the remote shell:
 * - `none`: `sh -c CMD`
 * - `nopasswd`: `sudo -n sh -c CMD` (sudo must not ask)
 * - `password`: `sudo -k -S -p '' sh -c CMD` with the password as stdin's first line
 */
export type SudoMode = "none" | "nopasswd" | "password";

/**
 * The remote command line for a POSIX `sh` command. Every command runs through `sh -c` so it
 * means the same whatever the user's login shell is.
 *
 * `-k` makes sudo ignore cached credentials, so it reads the password line every time: with a
 * cached timestamp it would not, and the password would become the command's input.
 *
 * @example
 * ```ts
 * import { sudoCommand } from "./sudo.ts";
 * sudoCommand("id -u", "nopasswd"); // "exec sudo -n sh -c 'id -u'"
 * ```
 */
export function sudoCommand(command: string, mode: SudoMode): string {
  const shell = `sh -c ${quote(command)}`;
  if (mode === "none") return `exec ${shell}`;
  if (mode === "nopasswd") return `exec sudo -n ${shell}`;
  return `exec sudo -k -S -p '' ${shell}`;
}

/**
 * The bytes sent before the caller's stdin in `password` mode.
 *
 * @example
 * ```ts
 * import { passwordLine } from "./sudo.ts";
 * passwordLine("s3cret"); // the bytes of "s3cret\n"
 * ```
 */
export function passwordLine(password: string): Uint8Array {
  if (/[\r\n]/.test(password)) {
    throw new HostkitError("input", "the sudo password contains a line break; sudo cannot read it");
  }
  return new TextEncoder().encode(`${password}\n`);
}

/** Runs a raw command line (not wrapped) on the host. */
export type RawRun = (commandLine: string, stdin?: Stdin) => Promise<RunResult>;

/**
 * Finds out once per connection how sudo must be called, and fails early and clearly when it
 * cannot be: sudo missing, a password needed but not given, or the password refused.
 * With a password, a host that allows NOPASSWD is detected so the password is never sent;
 * a user who is root already needs no sudo at all.
 *
 * @example
 * ```ts
 * import { probeSudo, type RawRun } from "./sudo.ts";
 * import { Target } from "./target.ts";
 *
 * const here = Target.local();
 * const run: RawRun = (commandLine, stdin) => here.run(commandLine, { stdin });
 * const mode = await probeSudo(run, { user: "alice", host: "local" });
 * console.log(mode); // "none" for root, "nopasswd" where sudo needs no password
 * ```
 */
export async function probeSudo(
  run: RawRun,
  options: { user: string; host: string; password?: string },
): Promise<SudoMode> {
  const { user, host, password } = options;
  // Root needs no sudo (and minimal images often lack it), so commands then run as they are.
  const script = password === undefined
    ? `[ "$(id -u)" = 0 ] && echo none && exit
command -v sudo >/dev/null || exit 127
sudo -k -n true && echo nopasswd`
    : `[ "$(id -u)" = 0 ] && echo none && exit
command -v sudo >/dev/null || exit 127
if sudo -k -n true 2>/dev/null; then echo nopasswd
elif sudo -k -S -p '' true; then echo password
fi`;
  const result = await run(script, password === undefined ? undefined : passwordLine(password));
  const answer = new TextDecoder().decode(result.stdout).trim();
  if (answer === "none" || answer === "nopasswd" || answer === "password") return answer;
  if (result.code === 127) {
    throw new HostkitError("auth", `sudo is not installed on ${host} (needed for sudo: true)`);
  }
  const said = lastLine(result.stderr);
  const because = said ? ` (sudo said: ${said})` : "";
  if (password === undefined) {
    throw new HostkitError(
      "auth",
      `sudo refused to run commands for ${user} on ${host} without a password${because}. ` +
        `Give the sudo password (sudoPassword) or allow ${user} NOPASSWD in sudoers.`,
    );
  }
  throw new HostkitError(
    "auth",
    `sudo refused the password for ${user} on ${host}${because}: wrong sudo password, or ` +
      `${user} may not use sudo.`,
  );
}

function lastLine(bytes: Uint8Array): string {
  const lines = new TextDecoder().decode(bytes).split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}
