/**
 * A file cache of Repology answers under `.hostkit/cache/repology` (24 h by default): one JSON
 * file per request, written atomically (temporary file + rename), a corrupt entry refetched.
 *
 * File names come from validated package names only (letters, digits, `._+-`), so no entry
 * can leave the cache directory.
 *
 * @module
 */
import { join } from "node:path";
import { HostkitError } from "../errors.ts";
import { parseDurationMs } from "../text/duration.ts";
import { type Clock, systemClock } from "./clock.ts";
import { validatePackageName } from "./names.ts";
import { RepologyProjectSchema, type RepologyRecord } from "./records.ts";
import { z } from "zod";

/** Where answers are cached unless `--repology-cache DIR` says otherwise. */
export const DEFAULT_CACHE_DIR = ".hostkit/cache/repology";

/** How long an answer is fresh unless `--repology-cache-ttl` says otherwise. */
export const DEFAULT_CACHE_TTL = 24 * 60 * 60 * 1000;

const EntrySchema = z.object({
  fetchedAt: z.number(),
  records: RepologyProjectSchema.nullable(),
});

/** Where a cached answer came from. */
export type CacheSource = "cache" | "network" | "stale-cache";

/**
 * Parses a duration flag such as `24h`, `30m`, `90s`, `2d` or `0` into milliseconds (the
 * grammar of {@link parseDurationMs}); `what` names the flag in the error.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./cache.ts";
 * parseDuration("24h", "--repology-cache-ttl"); // 86400000
 * ```
 */
export function parseDuration(value: string, what: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new HostkitError(
      "usage",
      `${what} ${JSON.stringify(value)}: expected a duration such as 24h, 30m, 90s or 2d`,
    );
  }
  return ms;
}

/**
 * The Repology answer cache.
 *
 * @example
 * ```ts
 * import { RepologyCache } from "./cache.ts";
 * import { RepologyClient } from "./client.ts";
 *
 * const client = new RepologyClient({ baseUrl: "http://127.0.0.1:8080" });
 * const cache = new RepologyCache({ dir: ".hostkit/cache/repology" });
 * const { value } = await cache.get("project", "curl", () => client.project("curl"));
 * ```
 */
export class RepologyCache {
  readonly dir: string;
  readonly #ttl: number;
  readonly #clock: Clock;

  constructor(options: { dir?: string; ttl?: number; clock?: Clock } = {}) {
    this.dir = options.dir ?? DEFAULT_CACHE_DIR;
    this.#ttl = options.ttl ?? DEFAULT_CACHE_TTL;
    this.#clock = options.clock ?? systemClock;
  }

  /** The file of one entry: `<kind>/<key>.json` with validated parts. */
  path(kind: "project" | `by-${string}`, key: string): string {
    validatePackageName(key, "Repology cache key");
    if (!/^(project|by-[a-z0-9_]+)$/.test(kind)) {
      throw new HostkitError("internal", `bad Repology cache kind ${JSON.stringify(kind)}`);
    }
    return join(this.dir, kind, `${key}.json`);
  }

  /**
   * The cached answer when fresh, else `fetch()`'s (stored); when fetching fails and a stale
   * answer exists, the stale one.
   */
  async get(
    kind: "project" | `by-${string}`,
    key: string,
    fetch: () => Promise<RepologyRecord[] | undefined>,
  ): Promise<{ value: RepologyRecord[] | undefined; source: CacheSource }> {
    const path = this.path(kind, key);
    const entry = await this.#read(path);
    if (entry && this.#clock.now() - entry.fetchedAt < this.#ttl) {
      return { value: entry.records ?? undefined, source: "cache" };
    }
    let value: RepologyRecord[] | undefined;
    try {
      value = await fetch();
    } catch (error) {
      if (entry && error instanceof HostkitError && error.kind === "unreachable") {
        return { value: entry.records ?? undefined, source: "stale-cache" };
      }
      throw error;
    }
    await this.#write(path, { fetchedAt: this.#clock.now(), records: value ?? null });
    return { value, source: "network" };
  }

  async #read(path: string): Promise<z.infer<typeof EntrySchema> | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      return undefined;
    }
    try {
      const parsed = EntrySchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // corrupt: refetched and overwritten
    }
  }

  async #write(path: string, entry: z.infer<typeof EntrySchema>): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf("/"));
    const temp = `${dir}/.${crypto.randomUUID()}.tmp`;
    try {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(temp, JSON.stringify(entry) + "\n", {
        createNew: true,
        mode: 0o644,
      });
      await Deno.rename(temp, path);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw new HostkitError(
        "input",
        `cannot write the Repology cache ${path}: ${(error as Error).message}`,
        { details: ["choose another directory with --repology-cache DIR, or --no-repology-cache"] },
      );
    }
  }
}
