/**
 * Quoting values for POSIX `sh`, so hostkit can build command lines from paths, names and
 * commands without the shell reinterpreting them.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";

/** Words made only of these characters mean the same to `sh` quoted or not. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

/**
 * Quotes a value as one `sh` word. Single quotes keep every byte literal except `'` itself,
 * which is written as `'\''` (close, escaped quote, reopen). Plain words stay unquoted so
 * commands remain readable in logs and dry runs.
 *
 * Bytes are accepted too, for names that are not valid UTF-8: the quoting works byte-wise
 * because `'` never occurs inside a multi-byte UTF-8 sequence.
 *
 * A NUL cannot be part of a shell word (the shell would cut the word there), so it is refused.
 *
 * @example
 * ```ts
 * import { quote } from "./shell.ts";
 * quote("/etc/app"); // "/etc/app"
 * quote("it's here"); // "'it'\\''s here'"
 * const command = `printf %s ${quote("a b")}`;
 * ```
 */
export function quote(value: string): string;
export function quote(value: Uint8Array): Uint8Array;
export function quote(value: string | Uint8Array): string | Uint8Array {
  if (typeof value === "string") {
    if (value.includes("\0")) throw nulError();
    if (PLAIN_WORD.test(value)) return value;
    return `'${value.replaceAll("'", "'\\''")}'`;
  }
  if (value.includes(0)) throw nulError();
  const out: number[] = [SINGLE_QUOTE];
  for (const byte of value) {
    if (byte === SINGLE_QUOTE) out.push(SINGLE_QUOTE, BACKSLASH, SINGLE_QUOTE, SINGLE_QUOTE);
    else out.push(byte);
  }
  out.push(SINGLE_QUOTE);
  return Uint8Array.from(out);
}

function nulError(): HostkitError {
  // The value itself may be a secret or binary noise, so it is not echoed.
  return new HostkitError("input", "a shell argument contains a NUL byte, which sh cannot pass");
}
