/**
 * Evaluated configs kept between runs: when a config and every module it
 * imports are byte for byte what they were, and hostkit is the same build, the
 * sandbox would answer the same project again, so the loader answers it from
 * here without starting the sandbox at all. Only evaluations the child reports
 * as repeatable are kept (see repeatable.ts: no clock, randomness or timers was
 * read). The answer is validated again on every hit, as a fresh one is, and it
 * never holds a secret: the sandbox sees none. Best effort: what cannot be
 * read, written or matched is a miss. Entries live under `results/` in
 * hostkit's cache directory (cache_dir.ts).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { cacheRoot, cacheShelf, sha256Hex } from "./cache_dir.ts";

/** Bumped when the shape of an entry changes: old entries become misses. */
const FORMAT = "hostkit-result-v1";

/** Everything besides the modules' text that an evaluation's answer depends on. */
export interface EvaluationKey {
  /** The config's absolute path. */
  entry: string;
  /** `--require` modules, in order. */
  requires: string[];
  /** The directories modules may be read from. */
  roots: string[];
  /** The config's heap limit (MB). */
  memoryMb: number;
  /** The config's time limit (ms). */
  timeoutMs: number;
}

/** What the sandbox answered: the project (before validation) and what the config logged. */
export interface EvaluationResult {
  /** The project as the child sent it. */
  spec: unknown;
  /** Each line the config logged, in order. */
  logs: string[];
}

/** Read and written by the loader only; no config reaches it. */
export interface ResultCache {
  /**
   * The answer kept for `key`, when every module it was evaluated from reads (through `read`,
   * under the loader's source policy) as the same text; else undefined.
   */
  get(key: EvaluationKey, read: (path: string) => string): Promise<EvaluationResult | undefined>;
  /**
   * Whether the last answer kept for the config at `entry` is likely fresh (its modules read as
   * they were, without the loader's policy): a guess, for deciding ahead of get().
   */
  likelyKept(entry: string): Promise<boolean>;
  /** Keeps an answer with the text of every module it was evaluated from (path → text). */
  put(key: EvaluationKey, modules: Map<string, string>, result: EvaluationResult): Promise<void>;
}

/** What says whether an entry still holds: its build and the digest of each module's text. */
interface Stamp {
  format: string;
  build: string;
  modules: [string, string][];
}

/** An entry: its stamp, the key it answers and the answer. */
interface Entry extends Stamp {
  key: string;
  result: EvaluationResult;
}

let build: Promise<string> | undefined;

/**
 * What identifies this hostkit's DSL and schema (a digest): a compiled binary by its file,
 * `deno run` by the Deno version and every source file's size and mtime (plus the lockfile's).
 */
function buildId(): Promise<string> {
  // A build that cannot be identified caches nothing: get and put treat the throw as a miss.
  build ??= sha256Hex(buildStamps());
  return build;
}

function buildStamps(): string {
  const stamp = (path: string) => {
    const info = Deno.statSync(path);
    return `${path} ${info.size} ${info.mtime?.getTime()} ${info.ino}`;
  };
  const parts = [Deno.version.deno];
  if (Deno.build.standalone) {
    parts.push(stamp(Deno.execPath()));
  } else {
    const src = fileURLToPath(new URL("..", import.meta.url));
    const walk = (dir: string) => {
      for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) walk(path);
        else parts.push(stamp(path));
      }
    };
    walk(src);
    parts.push(stamp(fileURLToPath(new URL("../../deno.lock", import.meta.url))));
  }
  return parts.join("\n");
}

const isStamp = (value: unknown): value is Stamp => {
  const s = value as Stamp;
  return typeof s === "object" && s !== null && typeof s.format === "string" &&
    typeof s.build === "string" && Array.isArray(s.modules) &&
    s.modules.every((m) =>
      Array.isArray(m) && typeof m[0] === "string" && typeof m[1] === "string"
    );
};

const isEntry = (value: unknown): value is Entry => {
  const e = value as Entry;
  return isStamp(e) && typeof e.key === "string" && typeof e.result === "object" &&
    e.result !== null && Array.isArray(e.result.logs) &&
    e.result.logs.every((line) => typeof line === "string");
};

/**
 * The cache in `dir` (default: hostkit's cache directory); a cache that cannot be used misses.
 *
 * @example
 * ```ts
 * import { resultCache } from "./result_cache.ts";
 * const cache = resultCache(await Deno.makeTempDir());
 * const key = { entry: "/infra/x.ts", requires: [], roots: ["/infra"], memoryMb: 512, timeoutMs: 10_000 };
 * const text = 'export default project("x", () => {});';
 * await cache.put(key, new Map([["/infra/x.ts", text]]), { spec: { name: "x" }, logs: [] });
 * (await cache.get(key, () => text))?.spec; // { name: "x" }
 * ```
 */
export function resultCache(dir: string | undefined = cacheRoot()): ResultCache {
  const shelf = cacheShelf("results", dir);
  // Per config path, the stamp of its last entry without the answer: what likelyKept reads.
  const latest = cacheShelf("results-latest", dir);
  const identify = async (key: EvaluationKey) => {
    const id = JSON.stringify(key);
    return { id, name: await sha256Hex(`${FORMAT}\0${await buildId()}\0${id}`) };
  };
  /** Whether a stamp is this build's and every module still reads as the same text. */
  const holds = async (stamp: Stamp, read: (path: string) => string) => {
    if (stamp.format !== FORMAT || stamp.build !== await buildId()) return false;
    for (const [path, digest] of stamp.modules) {
      if (await sha256Hex(read(path)) !== digest) return false;
    }
    return true;
  };
  return {
    async get(key, read) {
      try {
        const { id, name } = await identify(key);
        const entry = await shelf.read(name);
        if (!isEntry(entry) || entry.key !== id) return undefined;
        return await holds(entry, read) ? entry.result : undefined;
      } catch {
        return undefined; // a module that cannot be read now: the sandbox reports it
      }
    },
    async likelyKept(entry) {
      try {
        // The small index only: get() reads and parses the entry itself, once.
        const last = await latest.read(await sha256Hex(entry));
        return isStamp(last) && await holds(last, (path) => Deno.readTextFileSync(path));
      } catch {
        return false;
      }
    },
    async put(key, modules, result) {
      try {
        const { id, name } = await identify(key);
        const digests = await Promise.all(
          [...modules].map(async ([path, text]): Promise<[string, string]> => [
            path,
            await sha256Hex(text),
          ]),
        );
        const stamp: Stamp = { format: FORMAT, build: await buildId(), modules: digests };
        await shelf.write(name, { ...stamp, key: id, result } satisfies Entry);
        await latest.write(await sha256Hex(key.entry), stamp);
      } catch { /* best effort: the next run evaluates again */ }
    },
  };
}
