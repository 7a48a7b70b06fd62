/**
 * Transpiled config modules kept between runs, so a config that did not change
 * is evaluated without loading the transpiler at all (it is most of the
 * sandbox's start-up). An entry is keyed by the module's path and exact text;
 * it holds what the sandbox's child made of that text (graph.ts's
 * `ModuleSource`), sent before any code of the config ran. The cache is best
 * effort: an entry that cannot be read, written or trusted is a miss. Entries
 * live under `modules/` in hostkit's cache directory (cache_dir.ts).
 *
 * @module
 */
import type { ModuleSource } from "./graph.ts";
import { cacheRoot, cacheShelf, sha256Hex } from "./cache_dir.ts";

/** Bumped when the transpiler or the shape of an entry changes: old entries become misses. */
const FORMAT = "hostkit-module-v1 sucrase-3.35";

/** Read and written by the loader only; no config reaches it. */
export interface ModuleCache {
  /** The module made of exactly this text at this path, or undefined. */
  get(path: string, text: string): Promise<ModuleSource | undefined>;
  /** Keeps what the child made of `text`. */
  put(module: ModuleSource, text: string): Promise<void>;
}

const keyOf = (path: string, text: string) => sha256Hex(`${FORMAT}\0${path}\0${text}`);

const isRange = (r: unknown, length: number): r is { start: number; end: number } => {
  const { start, end } = (r ?? {}) as Record<string, unknown>;
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 &&
    (start as number) <= (end as number) && (end as number) <= length;
};

/**
 * Whether an entry is a module the child could have made for `path`: the ranges the child
 * rewrites lie inside the code, and every dynamic import range starts at an `import`.
 */
function trusted(entry: unknown, path: string): entry is ModuleSource {
  const m = entry as ModuleSource;
  if (typeof m !== "object" || m === null || m.path !== path || typeof m.code !== "string") {
    return false;
  }
  if (!Array.isArray(m.imports) || !Array.isArray(m.dynamic)) return false;
  if (typeof m.resolved !== "object" || m.resolved === null) return false;
  const targets = Object.values(m.resolved);
  return targets.every((t) => typeof t === "string") &&
    m.imports.every((i) => isRange(i, m.code.length) && targets.includes(i.target)) &&
    m.dynamic.every((d) => isRange(d, m.code.length) && m.code.startsWith("import", d.start));
}

/**
 * The cache in `dir` (default: see the module docs); a cache that cannot be used misses.
 *
 * @example
 * ```ts
 * import { moduleCache } from "./module_cache.ts";
 * const cache = moduleCache(await Deno.makeTempDir());
 * const module = { path: "/infra/x.ts", code: "export default 1;", imports: [], dynamic: [], resolved: {} };
 * await cache.put(module, "export default 1 as number;");
 * (await cache.get("/infra/x.ts", "export default 1 as number;"))?.code; // "export default 1;"
 * ```
 */
export function moduleCache(dir: string | undefined = cacheRoot()): ModuleCache {
  const shelf = cacheShelf("modules", dir);
  return {
    async get(path, text) {
      const entry = await shelf.read(await keyOf(path, text));
      return trusted(entry, path) ? entry : undefined;
    },
    async put(module, text) {
      if (trusted(module, module?.path)) await shelf.write(await keyOf(module.path, text), module);
    },
  };
}
