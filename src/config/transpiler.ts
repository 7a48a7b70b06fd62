/**
 * The transpiler and the import scanner, for the modules the sandbox's child
 * must transpile itself (those the cache does not hold). Only child.ts imports
 * it: Deno reads every module a literal `import("…")` names before a process's
 * first line runs, so graph.ts, which the loader imports too, takes it as an
 * argument rather than naming sucrase itself.
 *
 * @example
 * ```ts
 * import { parse, ready, transform } from "./transpiler.ts";
 * await ready;
 * const { code } = transform("import x from './x.ts'; const y: number = x;", {
 *   transforms: ["typescript"],
 * });
 * console.log(parse(code)[0].length); // 1
 * ```
 *
 * @module
 */
import * as lexer from "es-module-lexer";

export { transform } from "sucrase";

/** Resolves once es-module-lexer's WebAssembly is compiled; `parse` needs it. */
export const ready: Promise<void> = lexer.init;

/** es-module-lexer's `parse`: the import and export sites of JavaScript code. */
export const parse: typeof lexer.parse = lexer.parse;
