/**
 * Finds the line of a syntax error that sucrase reports in the wrong place.
 *
 * sucrase reads `(p) => { … }` in call arguments speculatively as an arrow
 * function. When the body has a syntax error it backtracks, re-reads `(p)` as
 * a parenthesized expression and fails at the `=>` ("expected ,"), so every
 * error inside `project("x", (p) => { … })` would be reported at its first
 * line. For an error at an arrow, the arrow's body is transformed on its own
 * (inside a function, offsets mapped back) to find the error within it;
 * nested arrows repeat this.
 *
 * @module
 */

/** A syntax error: its line (1-based) and sucrase's message without the location. */
export interface SyntaxErrorSite {
  line: number;
  message: string;
}

interface Failure {
  pos: number;
  message: string;
}

/** sucrase's message without its "Error transforming FILE:" prefix and "(line:column)". */
function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .replace(/^Error transforming [^:]*: /, "")
    .replace(/\s*\(\d+:\d+\)$/, "");
}

function failureOf(error: unknown): Failure | undefined {
  const pos = (error as { pos?: unknown })?.pos;
  return typeof pos === "number" ? { pos, message: messageOf(error) } : undefined;
}

function failure(transform: (code: string) => unknown, code: string): Failure | undefined {
  try {
    transform(code);
    return undefined;
  } catch (error) {
    return failureOf(error);
  }
}

/**
 * Where the syntax error `error` (thrown by `transform(source)`) really is.
 *
 * @example
 * ```ts
 * import { transform } from "sucrase";
 * import { syntaxErrorSite } from "./syntax.ts";
 * const source = 'project("x", (p) => {\n  p.a(;\n});\n';
 * const run = (code: string) => transform(code, { transforms: ["typescript"] });
 * try {
 *   run(source);
 * } catch (error) {
 *   syntaxErrorSite(source, error, run); // { line: 2, message: "Unexpected token" }
 * }
 * ```
 */
export function syntaxErrorSite(
  source: string,
  error: unknown,
  transform: (code: string) => unknown,
): SyntaxErrorSite {
  let found = failureOf(error);
  if (!found) {
    const line = /\((\d+):\d+\)/.exec(String((error as Error)?.message))?.[1];
    return { line: Number(line ?? 1), message: messageOf(error) };
  }
  for (;;) {
    const body = arrowBody(source, found.pos);
    if (!body) break;
    const prefix = body.block ? "async function body() " : "async function body() { return ";
    const suffix = body.block ? "" : "\n}";
    const inner = failure(transform, prefix + source.slice(body.start, body.end) + suffix);
    const pos = inner ? body.start + inner.pos - prefix.length : -1;
    // An error outside the body (or at its very end) says nothing about the body.
    if (!inner || pos < body.start || pos >= body.end) break;
    found = { pos, message: inner.message };
  }
  return { line: source.slice(0, found.pos).split("\n").length, message: found.message };
}

/** The body of the arrow whose `=>` is at `pos`: a block, or an expression. */
function arrowBody(
  source: string,
  pos: number,
): { start: number; end: number; block: boolean } | undefined {
  if (!source.startsWith("=>", pos)) return undefined;
  const start = skipSpace(source, pos + 2);
  if (start >= source.length) return undefined;
  const block = source[start] === "{";
  return { start, end: bodyEnd(source, start, block), block };
}

function skipSpace(source: string, i: number): number {
  while (i < source.length) {
    if (/\s/.test(source[i])) i++;
    else if (source.startsWith("//", i)) i = lineEnd(source, i);
    else if (source.startsWith("/*", i)) i = commentEnd(source, i);
    else break;
  }
  return i;
}

const CLOSER: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };

/** Words after which a `/` starts a regular expression rather than a division. */
const BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Where the body starting at `start` ends: after the `}` closing a block, or
 * before the `,` `;` or unmatched closer ending an expression. Brackets inside
 * strings, templates, comments and regular expressions do not count. Brackets
 * that do not match (the body is broken) give the end of the source: the
 * parser then stops at the first error in the body.
 */
function bodyEnd(source: string, start: number, block: boolean): number {
  const open: string[] = [];
  let slashIsRegex = true;
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith("//", i)) {
      i = lineEnd(source, i);
    } else if (source.startsWith("/*", i)) {
      i = commentEnd(source, i);
    } else if (c === '"' || c === "'") {
      i = quoteEnd(source, i);
      slashIsRegex = false;
    } else if (c === "`") {
      i = templateText(source, i + 1, open);
      slashIsRegex = false;
    } else if (c in CLOSER) {
      open.push(CLOSER[c]);
      i++;
      slashIsRegex = true;
    } else if (c === ")" || c === "]" || c === "}") {
      if (open.length === 0) return i; // an expression body inside a call or list ends here
      const expected = open.pop();
      if (expected === "`" && c === "}") {
        i = templateText(source, i + 1, open);
      } else if (expected !== c) {
        return source.length;
      } else {
        i++;
        if (block && open.length === 0) return i;
      }
      slashIsRegex = false;
    } else if (!block && open.length === 0 && (c === "," || c === ";")) {
      return i;
    } else if (c === "/") {
      i = slashIsRegex ? regexEnd(source, i) : i + 1;
      slashIsRegex = !slashIsRegex;
    } else if (/[\w$]/.test(c)) {
      const word = /^[\w$]+/.exec(source.slice(i, i + 64))![0];
      i += word.length;
      slashIsRegex = BEFORE_EXPRESSION.has(word);
    } else {
      i++;
      slashIsRegex = true;
    }
  }
  return source.length;
}

function lineEnd(source: string, i: number): number {
  const end = source.indexOf("\n", i);
  return end < 0 ? source.length : end;
}

function commentEnd(source: string, i: number): number {
  const end = source.indexOf("*/", i + 2);
  return end < 0 ? source.length : end + 2;
}

/** After a '…' or "…" string (or at the line break that leaves it unterminated). */
function quoteEnd(source: string, i: number): number {
  const quote = source[i];
  for (i++; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === quote) return i + 1;
    else if (source[i] === "\n") return i;
  }
  return i;
}

/** After a /regex/flags (or at the line break that leaves it unterminated). */
function regexEnd(source: string, i: number): number {
  let inClass = false;
  for (i++; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "\n") return i;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      for (i++; /\w/.test(source[i] ?? ""); i++); // its flags
      return i;
    }
  }
  return i;
}

/**
 * Scans template text from `i` to its closing backtick, or to a `${`, which
 * pushes a marker so the matching `}` resumes the template.
 */
function templateText(source: string, i: number, open: string[]): number {
  for (; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === "`") return i + 1;
    else if (source.startsWith("${", i)) {
      open.push("`");
      return i + 2;
    }
  }
  return i;
}
