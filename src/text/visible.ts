/**
 * Makes control characters and terminal escapes visible, so a name, path or
 * message chosen by a config (or read from a host) cannot hide, recolour or
 * rewrite lines of what hostkit prints.
 *
 * @module
 */

const NAMED: Readonly<Record<string, string>> = {
  "\x1b": "\\e",
  "\r": "\\r",
  "\n": "\\n",
  "\t": "\\t",
};

// C0 and C1 controls, DEL, and the Unicode bidi overrides/isolates and line separators.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character written out: `\e`, `\r`, `\n`, `\t`,
 * others as `\xNN` (or `\u{NNNN}` for Unicode bidi controls and line separators).
 * Text without controls comes back unchanged.
 *
 * @example
 * ```ts
 * import { visible } from "./visible.ts";
 * visible("web\x1b[2K\rok"); // "web\\e[2K\\rok"
 * ```
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * Like {@link visible}, but keeps line breaks: for multi-line text made of
 * lines (an error's details, a diff), where each line is made visible on its own.
 *
 * @example
 * ```ts
 * import { visibleLines } from "./visible.ts";
 * visibleLines("a\nb\x1b"); // "a\nb\\e"
 * ```
 */
export function visibleLines(text: string): string {
  return text.split("\n").map(visible).join("\n");
}
