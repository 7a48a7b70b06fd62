/**
 * The hostile-config harness: each attack is a config written into a fresh
 * project directory and run through the real CLI (`deno run -A cli.ts`) as a
 * subprocess. After the run it checks what every attack must leave untouched:
 * the CLI ended with a hostkit error naming the config (not a crash), no canary
 * file was written, nothing connected to a listener the config was told about,
 * the project directory, the repository's deno.lock and node_modules, and the
 * Deno cache's npm packages are unchanged.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG, lines, ROOT } from "../../helpers.ts";

/** What an attack run printed, how it exited, and what it left behind. */
export interface AttackResult {
  code: number;
  stdout: string;
  stderr: string;
  config: string;
  dir: string;
}

/** Options of {@link runAttack}. */
export interface AttackOptions {
  /** More files in the project (name → text); the first file is the config. */
  files?: Record<string, string>;
  /** CLI arguments; `CONFIG` is replaced by the config's path. Default: `dump CONFIG`. */
  args?: string[];
  /** Environment for the CLI (besides NO_COLOR). */
  env?: Record<string, string>;
  /** Sets up extra things in the project directory before the run (FIFOs, symlinks). */
  prepare?: (dir: string) => Promise<void>;
  /** Bytes piped to the CLI's stdin. */
  stdin?: string;
}

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME")!, ".cache"), "deno");
}

async function listing(dir: string, depth = 8): Promise<string[]> {
  const out: string[] = [];
  async function walk(path: string, level: number): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(path));
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(path, entry.name);
      const stat = await Deno.lstat(full);
      out.push(`${full} ${stat.size} ${stat.mtime?.getTime()}`);
      if (entry.isDirectory && level < depth) await walk(full, level + 1);
    }
  }
  await walk(dir, 0);
  return out.sort();
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

async function sha256(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The config header every attack starts with; `${CANARY}` and `${PORT}` are filled in. */
export const HEADER = 'import { project } from "hostkit";';

/**
 * Runs one attack. `body` is the config's text after the hostkit import; in it,
 * `CANARY` is a path outside the project the attack tries to write, `PORT` a
 * listener on 127.0.0.1 it tries to reach.
 */
export async function runAttack(
  body: string[],
  options: AttackOptions = {},
): Promise<AttackResult> {
  const base = await Deno.makeTempDir({ prefix: "hostkit-hostile-" });
  const dir = join(base, "project");
  const canary = join(base, "canary");
  await Deno.mkdir(dir);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })().catch(() => {});
  const port = String((listener.addr as Deno.NetAddr).port);
  const fill = (text: string) => text.replaceAll("CANARY", canary).replaceAll("PORT", port);
  try {
    const config = join(dir, "config.ts");
    await Deno.writeTextFile(join(dir, "deno.json"), "{}\n");
    await Deno.writeTextFile(config, fill(lines(HEADER, ...body)));
    for (const [name, text] of Object.entries(options.files ?? {})) {
      await Deno.mkdir(join(dir, name, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, name), fill(text));
    }
    await options.prepare?.(dir);
    const npmCache = join(denoDir(), "npm", "registry.npmjs.org");
    const before = {
      project: await listing(dir),
      lock: await sha256(join(ROOT, "deno.lock")),
      nodeModules: await names(join(ROOT, "node_modules")),
      npmCache: await names(npmCache),
      // Where localStorage and the Cache API keep what they persist.
      locationData: await listing(join(denoDir(), "location_data"), 3),
    };
    const args = (options.args ?? ["dump", "CONFIG"]).map((a) => a === "CONFIG" ? config : a);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, join(ROOT, "cli.ts"), ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const output = await child.output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const result = {
      code: output.code,
      stdout: decode(output.stdout),
      stderr: decode(output.stderr),
      config,
      dir,
    };
    // The controller is still alive: it ended itself with a hostkit error, not a signal.
    assert.equal(output.signal, null, `killed by ${output.signal}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /Fatal JavaScript|internal error|panicked/, result.stderr);
    await assert.rejects(Deno.lstat(canary), Deno.errors.NotFound, "the canary was written");
    assert.equal(connections, 0, "something connected to the listener");
    assert.deepEqual(await listing(dir), before.project, "the project directory changed");
    assert.equal(await sha256(join(ROOT, "deno.lock")), before.lock, "deno.lock changed");
    assert.deepEqual(await names(join(ROOT, "node_modules")), before.nodeModules);
    assert.deepEqual(await names(npmCache), before.npmCache, "the Deno npm cache changed");
    assert.deepEqual(
      await listing(join(denoDir(), "location_data"), 3),
      before.locationData,
      "the Deno cache's persisted storage changed",
    );
    return result;
  } finally {
    listener.close();
    await accepting;
    await Deno.remove(base, { recursive: true }).catch(() => {});
  }
}

/** The run failed with a config error (exit 2) naming the config file. */
export function assertConfigError(result: AttackResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit ${result.code}: ${result.stderr}`);
  assert.ok(result.stderr.includes(result.config), `the config is not named: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

/** A config line that writes the canary and connects to the listener, were it able to. */
export const TOUCH = [
  'try { Deno.writeTextFileSync("CANARY", "x"); } catch { /* refused */ }',
  'try { await fetch("http://127.0.0.1:PORT/"); } catch { /* refused */ }',
];
