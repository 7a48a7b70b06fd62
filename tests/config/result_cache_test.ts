/**
 * The evaluated-config cache: an unchanged config is answered without the sandbox (the module
 * cache, which every evaluation asks, is not asked), with the same project and the same log
 * lines; anything that could change the answer (a module's text, --require, the limits, a clock
 * or randomness read by the config, a failure) is evaluated again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { load, type LoadOptions } from "../../src/config/load.ts";
import { moduleCache } from "../../src/config/module_cache.ts";
import { resultCache } from "../../src/config/result_cache.ts";
import { lines, tempDir, writeFiles } from "../helpers.ts";

/** Caches in `dir`; `evaluations` counts loads that went to the sandbox (they ask the module cache). */
function caches(dir: string) {
  const modules = moduleCache(join(dir, "cache"));
  const counts = { evaluations: 0, logs: [] as string[] };
  const options: LoadOptions = {
    results: resultCache(join(dir, "cache")),
    cache: {
      get(path, text) {
        counts.evaluations++;
        return modules.get(path, text);
      },
      put: (module, text) => modules.put(module, text),
    },
    onLog: (text) => counts.logs.push(text),
  };
  // Each load asks the module cache for the entry first: one ask is one evaluation.
  const evaluations = () => counts.evaluations;
  return { options, counts, evaluations };
}

const project = (body: string, head = "") =>
  lines(
    'import { project } from "hostkit";',
    'import { port } from "./lib/port.ts";',
    head,
    'export default project("kept", (p) => {',
    `  ${body}`,
    "});",
  );

const PORT = { "lib/port.ts": lines("export const port: number = 8080;") };

Deno.test("an unchanged config is answered from the cache: same project, same log lines", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": project(
      'console.log("declaring", port); p.file("/srv/a.txt", { content: `port ${port}\\n` });',
    ),
    ...PORT,
  });
  const { options, counts } = caches(dir.path);
  const first = await load(config, options);
  const asked = counts.evaluations;
  assert.ok(asked > 0);
  const second = await load(config, options);
  assert.equal(counts.evaluations, asked, "the second load did not evaluate");
  assert.deepEqual(second, first);
  assert.match(second.resources[0].origin ?? "", /config\.ts:5$/);
  assert.deepEqual(counts.logs, ["declaring 8080", "declaring 8080"]);
});

Deno.test("a changed imported module, --require or limit is evaluated again", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": project('p.file("/srv/a.txt", { content: `port ${port}\\n` });'),
    "conventions.ts": lines("export const unused = 1;"),
    ...PORT,
  });
  const { options, evaluations } = caches(dir.path);
  await load(config, options);
  const variants: LoadOptions[] = [
    { timeoutMs: 20_000 },
    { memoryLimitMb: 256 },
    { require: [join(dir.path, "conventions.ts")] },
  ];
  for (const variant of variants) {
    const before = evaluations();
    await load(config, { ...options, ...variant });
    assert.ok(evaluations() > before, JSON.stringify(variant));
    await load(config, { ...options, ...variant });
  }
  await Deno.writeTextFile(join(dir.path, "lib/port.ts"), "export const port: number = 9090;\n");
  const before = evaluations();
  const changed = await load(config, options);
  assert.ok(evaluations() > before);
  const file = changed.resources[0] as { content?: { text?: string } };
  assert.equal(file.content?.text, "port 9090\n");
});

Deno.test("a config that reads a clock, randomness or timers is evaluated every run", async () => {
  const readers = [
    "const stamp = Date.now();",
    "const stamp = new Date().toISOString();",
    "const stamp = String(Date());",
    "const stamp = Math.random();",
    "const stamp = crypto.randomUUID();",
    "const stamp = performance.now();",
    "const stamp = new Intl.DateTimeFormat('en').format();",
    "const stamp = import.meta.url;",
    "const stamp = await new Promise((done) => setTimeout(() => done(1), 0));",
    "const stamp = new WeakRef({});",
    "class Later extends Date {}\nconst stamp = new Later();",
  ];
  await using dir = await tempDir();
  for (const [index, reader] of readers.entries()) {
    const config = await writeFiles(join(dir.path, String(index)), {
      "config.ts": project('p.directory("/srv/x"); void stamp;', reader),
      ...PORT,
    });
    const { options, evaluations } = caches(join(dir.path, String(index)));
    await load(config, options);
    const before = evaluations();
    await load(config, options);
    assert.ok(evaluations() > before, `${reader} was answered from the cache`);
  }
  // A fixed date reads no clock.
  const fixed = await writeFiles(join(dir.path, "fixed"), {
    "config.ts": project('p.directory("/srv/x"); void stamp;', "const stamp = new Date(0);"),
    ...PORT,
  });
  const { options, evaluations } = caches(join(dir.path, "fixed"));
  await load(fixed, options);
  const before = evaluations();
  await load(fixed, options);
  assert.equal(evaluations(), before);
});

Deno.test("a failed config is never kept: the next run fails again, from the sandbox", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": project('throw new Error("refusing to declare");'),
    ...PORT,
  });
  const { options, evaluations } = caches(dir.path);
  await assert.rejects(load(config, options), /refusing to declare/);
  const before = evaluations();
  await assert.rejects(load(config, options), /refusing to declare/);
  assert.ok(evaluations() > before);
  assert.equal(
    await Deno.stat(join(dir.path, "cache", "results")).then(() => true, () => false),
    false,
  );
});

Deno.test("a damaged, foreign or invalid entry is a miss, never a different project", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": project('p.directory("/srv/x");'),
    ...PORT,
  });
  const { options, evaluations } = caches(dir.path);
  const good = await load(config, options);
  const shelf = join(dir.path, "cache", "results");
  const [name] = [...Deno.readDirSync(shelf)].map((e) => e.name);
  const file = join(shelf, name);
  const entry = JSON.parse(await Deno.readTextFile(file));
  const damaged: unknown[] = [
    "not json",
    { ...entry, build: "another build" },
    { ...entry, key: entry.key.replace("512", "513") },
    { ...entry, modules: entry.modules.map(([path]: string[]) => [path, "0".repeat(64)]) },
    { ...entry, result: { ...entry.result, spec: { name: 42 } } },
    { ...entry, result: { spec: entry.result.spec, logs: [7] } },
  ];
  for (const bad of damaged) {
    await Deno.writeTextFile(file, typeof bad === "string" ? bad : JSON.stringify(bad));
    const before = evaluations();
    assert.deepEqual(await load(config, options), good);
    assert.ok(evaluations() > before, JSON.stringify(bad).slice(0, 80));
  }
});

Deno.test("likelyKept tells a fresh entry from a stale one (the CLI's prestart decision)", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": project("p.directory(`/srv/${port}`);"),
    ...PORT,
  });
  const { options } = caches(dir.path);
  const results = resultCache(join(dir.path, "cache"));
  assert.equal(await results.likelyKept(config), false);
  await load(config, options);
  assert.equal(await results.likelyKept(config), true);
  await Deno.writeTextFile(join(dir.path, "lib/port.ts"), "export const port = 1;\n");
  assert.equal(await results.likelyKept(config), false);
});
