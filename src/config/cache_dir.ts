/**
 * hostkit's cache directory on the controller, shared by the transpiled-module
 * cache (module_cache.ts) and the evaluated-config cache (result_cache.ts):
 * where it is, how an entry is named, read and written. Best effort
 * throughout: what cannot be read or written is a miss, never an error.
 *
 * Where: `$HOSTKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/hostkit`, else
 * `~/.cache/hostkit`.
 *
 * @module
 */
import { join } from "node:path";

/** Entries not used for this long are removed (when a run writes new ones). */
const UNUSED_MS = 30 * 24 * 3600 * 1000;

/**
 * hostkit's cache directory (`$HOSTKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/hostkit`, else
 * `~/.cache/hostkit`), or undefined when the environment names none or may not be read.
 *
 * @example
 * ```ts
 * import { cacheRoot } from "./cache_dir.ts";
 * console.log(cacheRoot()); // e.g. "/home/me/.cache/hostkit"
 * ```
 */
export function cacheRoot(): string | undefined {
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

/**
 * The SHA-256 of `text` (UTF-8), in hex: entries are named by the digest of what they depend on.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./cache_dir.ts";
 * console.log((await sha256Hex("")).slice(0, 8)); // "e3b0c442"
 * ```
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One kind of entry: a subdirectory of the cache. */
export interface CacheShelf {
  /** The entry's parsed JSON, or undefined (missing, unreadable, not JSON). Marks it used. */
  read(name: string): Promise<unknown>;
  /** Writes the entry aside and renames it into place; prunes old entries (once a day). */
  write(name: string, value: unknown): Promise<void>;
}

/**
 * The shelf `name` under `root` (default {@link cacheRoot}); without a root it holds nothing.
 *
 * @example
 * ```ts
 * import { cacheShelf } from "./cache_dir.ts";
 * const shelf = cacheShelf("notes", await Deno.makeTempDir());
 * await shelf.write("a", { n: 1 });
 * console.log(await shelf.read("a")); // { n: 1 }
 * ```
 */
export function cacheShelf(name: string, root: string | undefined = cacheRoot()): CacheShelf {
  const dir = root === undefined ? undefined : join(root, name);
  let pruned = false;
  return {
    async read(entry) {
      if (!dir) return undefined;
      try {
        const file = join(dir, entry);
        const value = JSON.parse(await Deno.readTextFile(file));
        // Used now: pruning keeps it.
        Deno.utime(file, new Date(), new Date()).catch(() => {});
        return value;
      } catch {
        return undefined;
      }
    },
    async write(entry, value) {
      if (!dir) return;
      try {
        await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
        if (!pruned) {
          pruned = true;
          await prune(dir);
        }
        const file = join(dir, entry);
        // Written aside and renamed: a reader never sees half an entry.
        const temp = `${file}.${crypto.randomUUID()}.tmp`;
        await Deno.writeTextFile(temp, JSON.stringify(value), { mode: 0o600 });
        await Deno.rename(temp, file);
      } catch { /* best effort: the next run does the work again */ }
    },
  };
}

/** How often a shelf is pruned at most: pruning stats every entry. */
const PRUNE_EVERY_MS = 24 * 3600 * 1000;

/**
 * Removes entries (and temp files a killed run left) unused for {@link UNUSED_MS}, at most once
 * a day: the time of the last pass is the mtime of a marker beside the shelf (`NAME.pruned`),
 * outside it, so the shelf holds entries only.
 */
async function prune(dir: string): Promise<void> {
  const marker = `${dir}.pruned`;
  const last = await Deno.stat(marker).then((s) => s.mtime?.getTime() ?? 0, () => 0);
  if (Date.now() - last < PRUNE_EVERY_MS) return;
  await Deno.writeTextFile(marker, "");
  const before = Date.now() - UNUSED_MS;
  for await (const entry of Deno.readDir(dir)) {
    const file = join(dir, entry.name);
    const { mtime } = await Deno.stat(file).catch(() => ({ mtime: null }));
    if (mtime && mtime.getTime() < before) await Deno.remove(file).catch(() => {});
  }
}
