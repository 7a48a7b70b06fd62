/**
 * Which controller files a config may make hostkit read: its modules and its
 * file sources (`s.file(path, { source })`). One rule for both, because both
 * put bytes chosen by a config's author into a plan a reviewer reads:
 *
 * - the file resolves (symlinks followed) inside a project root: the nearest
 *   directory above the config holding `deno.json` or `.git` (else the
 *   config's own directory), plus every `--source-root DIR`;
 * - it is a regular file (no /proc, /dev, FIFOs, sockets) within a size cap;
 * - no part of its path is `.git` (CI checkouts keep their token in `.git/config`);
 * - inside a git work tree, git does not ignore it (local `.env` files live there).
 *
 * Ignored files are asked of git itself (`git check-ignore`) rather than by
 * parsing `.gitignore`: git's answer also covers nested ignore files,
 * negations, `.git/info/exclude` and `core.excludesFile`, which a parser would
 * get subtly wrong. Without git on PATH, a file inside a work tree is refused.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Largest config module read (bytes). */
export const MODULE_LIMIT = 2 * 1024 * 1024;
/** Largest file source read (bytes). */
export const SOURCE_LIMIT = 64 * 1024 * 1024;

/** Why a file was refused; `reason` says it without the path. */
export class SourceRefused extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The project directory of a config: the nearest directory above it holding
 * `deno.json`, `deno.jsonc` or `.git`, else the config's own directory.
 *
 * @example
 * ```ts
 * import { projectRootOf } from "./sources.ts";
 * projectRootOf("/work/infra/config.ts"); // "/work" when /work holds .git
 * ```
 */
export function projectRootOf(config: string): string {
  const start = dirname(resolve(config));
  for (let dir = start;; dir = dirname(dir)) {
    if (["deno.json", "deno.jsonc", ".git"].some((name) => exists(join(dir, name)))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The roots files may be read from, and the checks every read passes. */
export class SourcePolicy {
  /** Absolute, symlink-free roots. */
  readonly roots: string[];
  #gitChecked = new Map<string, boolean>();

  /**
   * @example
   * ```ts
   * import { SourcePolicy } from "./sources.ts";
   * const policy = new SourcePolicy(["/work/infra"]);
   * ```
   */
  constructor(roots: string[]) {
    this.roots = [...new Set(roots.map(realOrSelf))];
  }

  /**
   * Checks `path` and returns its bytes, or throws {@link SourceRefused} saying why.
   *
   * @example
   * ```ts
   * import { SourcePolicy } from "./sources.ts";
   * const bytes = new SourcePolicy(["/work/infra"]).read("/work/infra/app.conf", 1 << 20);
   * ```
   */
  read(path: string, limit: number, options: { ignoredToo?: boolean } = {}): Uint8Array {
    const real = this.check(path, limit, options);
    const file = Deno.openSync(real, { read: true });
    try {
      // Re-checked on the open file: it may have been swapped since the check.
      const stat = file.statSync();
      if (!stat.isFile) throw new SourceRefused(path, "not a regular file");
      if (stat.size > limit) throw new SourceRefused(path, tooBig(stat.size, limit));
      const bytes = new Uint8Array(stat.size);
      let read = 0;
      while (read < bytes.length) {
        const n = file.readSync(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      return bytes.subarray(0, read);
    } finally {
      file.close();
    }
  }

  /**
   * The resolved path of `path` if it may be read; else throws {@link SourceRefused}.
   * `ignoredToo` skips only the git-ignore check: for files the operator named.
   */
  check(path: string, limit: number, options: { ignoredToo?: boolean } = {}): string {
    if (!isAbsolute(path)) throw new SourceRefused(path, "not an absolute path");
    const given = resolve(path);
    if (given.split(sep).includes(".git")) {
      throw new SourceRefused(given, "inside a .git directory, which is never read");
    }
    let real: string;
    try {
      real = Deno.realPathSync(given);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
      throw new SourceRefused(given, why);
    }
    const root = this.roots.find((r) => inside(real, r));
    if (!root) {
      const via = real === given ? "" : ` (it resolves to ${real})`;
      throw new SourceRefused(
        given,
        `outside the project${via}; files are read only under ${
          this.roots.join(", ")
        } (add a directory with --source-root DIR)`,
      );
    }
    if (real.split(sep).includes(".git")) {
      throw new SourceRefused(given, `resolves into a .git directory (${real}), never read`);
    }
    const stat = Deno.statSync(real);
    if (!stat.isFile) {
      throw new SourceRefused(
        given,
        "not a regular file (devices, FIFOs, sockets and " +
          "directories are never read)",
      );
    }
    if (stat.size > limit) throw new SourceRefused(given, tooBig(stat.size, limit));
    for (const candidate of options.ignoredToo ? [] : new Set([given, real])) {
      if (this.#ignored(candidate)) {
        throw new SourceRefused(
          given,
          "ignored by git (ignored files such as local .env " +
            "files are never read; commit it or move it out of the ignore list)",
        );
      }
    }
    return real;
  }

  /** Whether git ignores `path` (false outside a work tree). */
  #ignored(path: string): boolean {
    const cached = this.#gitChecked.get(path);
    if (cached !== undefined) return cached;
    let ignored = false;
    let dir = dirname(path);
    for (;; dir = dirname(dir)) {
      if (exists(join(dir, ".git"))) break;
      if (dirname(dir) === dir) {
        this.#gitChecked.set(path, false);
        return false;
      }
    }
    let output: Deno.CommandOutput;
    try {
      output = new Deno.Command("git", {
        args: ["-C", dir, "check-ignore", "-q", "--", path],
        env: { GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).outputSync();
    } catch (error) {
      throw new SourceRefused(
        path,
        `cannot tell whether git ignores it (${
          error instanceof Deno.errors.NotFound ? "git is not installed" : String(error)
        }); files inside a git work tree are read only when git can say they are not ignored`,
      );
    }
    if (output.code === 0) ignored = true;
    else if (output.code !== 1) {
      const why = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
      throw new SourceRefused(path, `cannot tell whether git ignores it: ${why}`);
    }
    this.#gitChecked.set(path, ignored);
    return ignored;
  }
}

function tooBig(size: number, limit: number): string {
  return `${size} bytes, more than the ${limit}-byte limit`;
}
