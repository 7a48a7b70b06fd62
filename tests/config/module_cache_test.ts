/**
 * The transpiled-module cache: an unchanged config is loaded from it (the child is handed
 * every module and reads nothing), with the same result; a changed module, a damaged entry
 * or an unreadable cache is a miss, never a different config. The evaluated-config cache is off
 * here (`results: false`): it would answer before the module cache is asked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { load } from "../../src/config/load.ts";
import type { ModuleSource } from "../../src/config/graph.ts";
import { type ModuleCache, moduleCache } from "../../src/config/module_cache.ts";
import { lines, tempDir, writeFiles } from "../helpers.ts";

/** A cache in `dir` that counts its hits, misses and writes. */
function counted(dir: string) {
  const inner = moduleCache(dir);
  const counts = { hits: 0, misses: 0, puts: 0 };
  const cache: ModuleCache = {
    async get(path, text) {
      const found = await inner.get(path, text);
      counts[found ? "hits" : "misses"]++;
      return found;
    },
    async put(module, text) {
      counts.puts++;
      await inner.put(module, text);
    },
  };
  return { cache, counts };
}

const CONFIG = {
  "config.ts": lines(
    'import { project } from "hostkit";',
    'import { port } from "./lib/port.ts";',
    "const later = () => import('./lib/late.ts');",
    'export default project("cached", (p) => {',
    '  p.file("/srv/a.txt", { content: `port ${port}\\n` });',
    "  void later;",
    "});",
  ),
  "lib/port.ts": lines("export const port: number = 8080;"),
  "lib/late.ts": lines("export const late = true;"),
};

Deno.test("an unchanged config loads from the cache, with the same result and origins", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, CONFIG);
  const { cache, counts } = counted(join(dir.path, "cache"));
  const first = await load(config, { cache, results: false });
  assert.deepEqual(counts, { hits: 0, misses: 1, puts: 3 });
  const second = await load(config, { cache, results: false });
  // Every module came from the cache (three hits), and nothing was transpiled to write back.
  assert.deepEqual(counts, { hits: 3, misses: 1, puts: 3 });
  assert.deepEqual(second, first);
  assert.match(second.resources[0].origin ?? "", /config\.ts:5$/);
});

Deno.test("a changed module is a miss: the config is transpiled and evaluated again", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, CONFIG);
  const { cache, counts } = counted(join(dir.path, "cache"));
  await load(config, { cache, results: false });
  await Deno.writeTextFile(join(dir.path, "lib/port.ts"), "export const port: number = 9090;\n");
  const changed = await load(config, { cache, results: false });
  assert.equal(counts.puts, 6);
  const file = changed.resources[0] as { content?: { text?: string } };
  assert.equal(file.content?.text, "port 9090\n");
});

Deno.test("a damaged or foreign cache entry is a miss, never code the sandbox runs", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("cached", (p) => p.directory("/srv/x"));',
    ),
  });
  const cacheDir = join(dir.path, "cache");
  await load(config, { cache: moduleCache(cacheDir), results: false });
  const [entry] = [...Deno.readDirSync(join(cacheDir, "modules"))];
  const file = join(cacheDir, "modules", entry.name);
  const good = JSON.parse(await Deno.readTextFile(file)) as ModuleSource;
  const damaged: unknown[] = [
    "not json",
    { ...good, path: "/elsewhere/config.ts" },
    { ...good, dynamic: [{ start: 0, end: good.code.length + 10 }] },
    { ...good, dynamic: [{ start: 1, end: 2 }] },
    { ...good, imports: [{ start: 0, end: 1, target: "/not/resolved.ts" }] },
    { ...good, code: 42 },
  ];
  for (const bad of damaged) {
    await Deno.writeTextFile(file, typeof bad === "string" ? bad : JSON.stringify(bad));
    const { cache, counts } = counted(cacheDir);
    const spec = await load(config, { cache, results: false });
    assert.equal(counts.hits, 0, JSON.stringify(bad).slice(0, 80));
    assert.deepEqual(spec.resources.map((r) => r.kind), ["directory"]);
  }
});

Deno.test("a cache that cannot be written still loads the config", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, CONFIG);
  // A file where the cache dir would be: every write fails.
  await Deno.writeTextFile(join(dir.path, "blocked"), "");
  const cache = moduleCache(join(dir.path, "blocked"));
  const spec = await load(config, { cache, results: false });
  assert.equal(spec.resources.length, 1);
  assert.equal(await cache.get(config, await Deno.readTextFile(config)), undefined);
});

Deno.test("entries unused for 30 days are removed by a run that writes, once a day", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, CONFIG);
  const cacheDir = join(dir.path, "cache");
  await load(config, { cache: moduleCache(cacheDir), results: false });
  const modules = join(cacheDir, "modules");
  const stale = join(modules, "0".repeat(64));
  await Deno.writeTextFile(stale, "{}");
  const old = new Date(Date.now() - 31 * 24 * 3600 * 1000);
  await Deno.utime(stale, old, old);
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  // A miss writes, but the first run's pass was less than a day ago: nothing is pruned.
  await Deno.writeTextFile(join(dir.path, "lib/port.ts"), "export const port = 1;\n");
  await load(config, { cache: moduleCache(cacheDir), results: false });
  assert.ok(await exists(stale), "pruned again within a day");
  // A day later, the next run that writes prunes first; a hit had kept its entries fresh.
  const yesterday = new Date(Date.now() - 25 * 3600 * 1000);
  await Deno.utime(`${modules}.pruned`, yesterday, yesterday);
  await Deno.writeTextFile(join(dir.path, "lib/port.ts"), "export const port = 2;\n");
  await load(config, { cache: moduleCache(cacheDir), results: false });
  assert.ok(!await exists(stale), "the stale entry is gone");
  // config.ts, late.ts and three versions of port.ts
  assert.equal([...Deno.readDirSync(modules)].length, 5);
});
