/**
 * Transpiled config modules kept between runs, so a config that did not change
 * is evaluated without loading the transpiler at all (it is most of the
 * sandbox's start-up). An entry is keyed by the module's path and exact text;
 * it holds what the sandbox's child made of that text (graph.ts's
 * `ModuleSource`), sent before any code of the config ran. The cache is best
 * effort: an entry that cannot be read, written or trusted is a miss.
 *
 * Where: `$HOSTKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/hostkit`, else
 * `~/.cache/hostkit`; entries under `modules/`.
 *
 * @module
 */
import { join } from "node:path";
import type { ModuleSource } from "./graph.ts";

/** Bumped when the transpiler or the shape of an entry changes: old entries become misses. */
const FORMAT = "hostkit-module-v1 sucrase-3.35";
/** Entries not used for this long are removed (when a run writes new ones). */
const UNUSED_MS = 30 * 24 * 3600 * 1000;

/** Read and written by the loader only; no config reaches it. */
export interface ModuleCache {
  /** The module made of exactly this text at this path, or undefined. */
  get(path: string, text: string): Promise<ModuleSource | undefined>;
  /** Keeps what the child made of `text`. */
  put(module: ModuleSource, text: string): Promise<void>;
}

function cacheRoot(): string | undefined {
  try {
    const explicit = Deno.env.get("HOSTKIT_CACHE_DIR");
    if (explicit) return explicit;
    const xdg = Deno.env.get("XDG_CACHE_HOME");
    if (xdg) return join(xdg, "hostkit");
    const home = Deno.env.get("HOME");
    return home ? join(home, ".cache", "hostkit") : undefined;
  } catch {
    return undefined; // no env permission: no cache
  }
}

async function keyOf(path: string, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${FORMAT}\0${path}\0${text}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

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
  const modules = dir === undefined ? undefined : join(dir, "modules");
  let pruned = false;
  return {
    async get(path, text) {
      if (!modules) return undefined;
      try {
        const file = join(modules, await keyOf(path, text));
        const entry = JSON.parse(await Deno.readTextFile(file));
        if (!trusted(entry, path)) return undefined;
        // Used now: pruning keeps it.
        Deno.utime(file, new Date(), new Date()).catch(() => {});
        return entry;
      } catch {
        return undefined;
      }
    },
    async put(module, text) {
      if (!modules || !trusted(module, module?.path)) return;
      try {
        await Deno.mkdir(modules, { recursive: true, mode: 0o700 });
        if (!pruned) {
          pruned = true;
          await prune(modules);
        }
        const file = join(modules, await keyOf(module.path, text));
        // Written aside and renamed: a reader never sees half an entry.
        const temp = `${file}.${crypto.randomUUID()}.tmp`;
        await Deno.writeTextFile(temp, JSON.stringify(module), { mode: 0o600 });
        await Deno.rename(temp, file);
      } catch { /* best effort: the next run transpiles again */ }
    },
  };
}

/** Removes entries (and temp files a killed run left) unused for {@link UNUSED_MS}. */
async function prune(modules: string): Promise<void> {
  const before = Date.now() - UNUSED_MS;
  for await (const entry of Deno.readDir(modules)) {
    const file = join(modules, entry.name);
    const { mtime } = await Deno.stat(file).catch(() => ({ mtime: null }));
    if (mtime && mtime.getTime() < before) await Deno.remove(file).catch(() => {});
  }
}
