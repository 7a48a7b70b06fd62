/**
 * Reads a config module and its relative imports and transpiles each to
 * JavaScript, keeping line numbers so errors point at the user's lines. Runs in
 * the sandbox's child process; the files come from the loader (`read`), which
 * decides what may be read. Every `import(...)` is rewritten to the sandbox's
 * own import function, so no specifier the linker did not resolve reaches
 * Deno's module loader.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { ConfigError } from "./error.ts";
import { syntaxErrorSite } from "./syntax.ts";

/** One transpiled module and the places its import specifiers stand. */
export interface ModuleSource {
  /** The module's absolute path. */
  path: string;
  /** Its JavaScript, line for line with the source. */
  code: string;
  /** Import specifiers to rewrite: byte range in `code` and what it refers to. */
  imports: { start: number; end: number; target: string }[];
  /** `import(` of dynamic imports: range in `code` to replace with the sandbox's import call. */
  dynamic: { start: number; end: number }[];
  /** What each literal specifier of this module resolved to (for literal `import("./x.ts")`). */
  resolved: Record<string, string>;
}

/** Reads one module's text; `from` is the importing `file:line`. */
export type ReadModule = (path: string, from: string | undefined) => Promise<string>;

/** What readGraph transpiles and scans with: transpiler.ts, once its `ready` resolved. */
export type Transpiler = Pick<typeof import("./transpiler.ts"), "transform" | "parse">;

/** The bare specifier configs import the DSL from. */
export const DSL_SPECIFIER = "hostkit";

/**
 * Loads `entries` and everything they import, dependencies first. The transpiler is the
 * caller's to load (transpiler.ts): a literal import of it here would make every process that
 * loads this module read sucrase's graph at start-up.
 *
 * @example
 * ```ts
 * import { readGraph } from "./graph.ts";
 * const transpiler = await import("./transpiler.ts");
 * await transpiler.ready;
 * const modules = await readGraph(["/infra/config.ts"], (path) => Deno.readTextFile(path), transpiler);
 * ```
 */
export async function readGraph(
  entries: string[],
  read: ReadModule,
  { transform, parse }: Transpiler,
): Promise<ModuleSource[]> {
  const done = new Map<string, ModuleSource>();
  const ordered: ModuleSource[] = [];
  const visiting: string[] = [];

  async function visit(path: string, importedFrom?: string): Promise<void> {
    if (done.has(path)) return;
    if (visiting.includes(path)) {
      throw new ConfigError(
        `import cycle: ${[...visiting.slice(visiting.indexOf(path)), path].join(" → ")}`,
        importedFrom,
      );
    }
    visiting.push(path);
    const source = await read(path, importedFrom);
    const transpile = (text: string) =>
      transform(text, {
        transforms: path.endsWith(".js") || path.endsWith(".mjs") ? [] : ["typescript"],
        disableESTransforms: true,
        filePath: path,
      }).code;
    let code: string;
    try {
      code = transpile(source);
    } catch (error) {
      const { line, message } = syntaxErrorSite(source, error, transpile);
      throw new ConfigError(`syntax error: ${message}`, `${path}:${line}`);
    }
    const imports: ModuleSource["imports"] = [];
    const dynamic: ModuleSource["dynamic"] = [];
    const resolved: Record<string, string> = {};
    const [found] = parse(code, path);
    for (const spec of found) {
      if (spec.d >= 0) dynamic.push({ start: spec.ss, end: spec.d + 1 });
      if (spec.d === -2) continue; // import.meta
      const specifier = literalSpecifier(code, spec);
      // A computed dynamic import is resolved (and refused) by the sandbox's import function.
      if (specifier === undefined) continue;
      const line = code.slice(0, spec.s).split("\n").length;
      const target = resolveSpecifier(specifier, path, `${path}:${line}`);
      if (target !== DSL_SPECIFIER) await visit(target, `${path}:${line}`);
      resolved[specifier] = target;
      if (spec.d === -1) imports.push({ start: spec.s, end: spec.e, target });
    }
    visiting.pop();
    const module = { path, code, imports, dynamic, resolved };
    done.set(path, module);
    ordered.push(module);
  }

  for (const entry of entries) await visit(resolve(entry));
  return ordered;
}

/**
 * The specifier an import names, read from the code: es-module-lexer decodes
 * it with `eval`, which the sandbox disallows. A static import's range is the
 * text inside the quotes; a dynamic import's is its argument, a literal only
 * when quoted. Escapes are decoded as JSON; a specifier that needs more is refused.
 */
function literalSpecifier(
  code: string,
  spec: { s: number; e: number; d: number },
): string | undefined {
  let raw = code.slice(spec.s, spec.e);
  if (spec.d >= 0) {
    const quote = raw[0];
    if ((quote !== '"' && quote !== "'") || raw.at(-1) !== quote || raw.length < 2) {
      return undefined;
    }
    raw = raw.slice(1, -1);
  }
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(`"${raw}"`);
  } catch {
    return raw; // refused by resolveSpecifier: not "hostkit" nor a plain relative path
  }
}

function resolveSpecifier(specifier: string, from: string, where: string): string {
  if (specifier === DSL_SPECIFIER || specifier.startsWith(`${DSL_SPECIFIER}/`)) {
    return DSL_SPECIFIER;
  }
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return resolve(dirname(from), specifier);
  }
  throw new ConfigError(
    `cannot import ${
      JSON.stringify(specifier)
    }: configs may import only "hostkit" and relative files`,
    where,
  );
}
