/**
 * Reads a config module and its relative imports from disk and transpiles each
 * to JavaScript, keeping line numbers so errors point at the user's lines.
 * Runs on the main thread: the sandbox worker cannot read files.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { ConfigError } from "./error.ts";
import { syntaxErrorSite } from "./syntax.ts";

/** One transpiled module and the places its import specifiers stand. */
export interface ModuleSource {
  path: string;
  code: string;
  /** Import specifiers to rewrite: byte range in `code` and what it refers to. */
  imports: { start: number; end: number; target: string }[];
}

/** The bare specifier configs import the DSL from. */
export const DSL_SPECIFIER = "hostkit";

/**
 * Loads `entries` and everything they import, dependencies first.
 *
 * @example
 * ```ts
 * import { readGraph } from "./graph.ts";
 * const modules = await readGraph(["/infra/config.ts"]);
 * ```
 */
export async function readGraph(entries: string[]): Promise<ModuleSource[]> {
  const [{ transform }, lexer] = await Promise.all([import("sucrase"), import("es-module-lexer")]);
  await lexer.init;
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
    let source: string;
    try {
      source = await Deno.readTextFile(path);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
      throw new ConfigError(`cannot read config module ${path}: ${why}`, importedFrom);
    }
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
    const [found] = lexer.parse(code, path);
    for (const spec of found) {
      if (spec.n === undefined) continue; // a computed dynamic import: the sandbox decides
      const line = code.slice(0, spec.s).split("\n").length;
      const target = resolveSpecifier(spec.n, path, `${path}:${line}`);
      if (target !== DSL_SPECIFIER) await visit(target, `${path}:${line}`);
      imports.push({ start: spec.s, end: spec.e, target });
    }
    visiting.pop();
    const module = { path, code, imports };
    done.set(path, module);
    ordered.push(module);
  }

  for (const entry of entries) await visit(resolve(entry));
  return ordered;
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
