import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { join } from "node:path";
import { DEFAULT_CACHE_DIR, parseDuration, RepologyCache } from "../../src/packages/cache.ts";
import { RepologyClient } from "../../src/packages/client.ts";
import { tempDir } from "../helpers.ts";
import { fakeClock, REPOLOGY_PROJECTS, startFakeRepology } from "./fake_repology.ts";

async function setup() {
  const dir = await tempDir();
  const repology = startFakeRepology();
  const clock = fakeClock();
  const client = new RepologyClient({ baseUrl: repology.url, clock });
  const cache = new RepologyCache({ dir: join(dir.path, "repology"), clock });
  const get = (name: string) => cache.get("project", name, () => client.project(name));
  return {
    dir,
    repology,
    clock,
    cache,
    get,
    async [Symbol.asyncDispose]() {
      await repology.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test("cache: a miss fetches and stores, a hit does not ask Repology", async () => {
  await using t = await setup();
  const first = await t.get("curl");
  assert.equal(first.source, "network");
  const second = await t.get("curl");
  assert.equal(second.source, "cache");
  assert.deepEqual(second.value, first.value);
  assert.equal(t.repology.requests.length, 1);
  const stored = JSON.parse(await Deno.readTextFile(t.cache.path("project", "curl")));
  assert.deepEqual(stored.records, REPOLOGY_PROJECTS.curl);
});

Deno.test("cache: an entry older than the TTL (24 h by default) is fetched again", async () => {
  await using t = await setup();
  await t.get("jq");
  t.clock.advance(24 * 60 * 60 * 1000 - 1);
  assert.equal((await t.get("jq")).source, "cache");
  t.clock.advance(1);
  assert.equal((await t.get("jq")).source, "network");
  assert.equal(t.repology.requests.length, 2);
});

Deno.test("cache: a corrupt entry is refetched and overwritten, not fatal", async () => {
  await using t = await setup();
  await t.get("jq");
  const path = t.cache.path("project", "jq");
  for (const garbage of ["{not json", '{"fetchedAt":"soon","records":[]}', ""]) {
    await Deno.writeTextFile(path, garbage);
    const again = await t.get("jq");
    assert.equal(again.source, "network");
    assert.deepEqual(again.value, REPOLOGY_PROJECTS.jq);
  }
  assert.equal((await t.get("jq")).source, "cache");
});

Deno.test("cache: an expired entry is used (and said so) when Repology is down", async () => {
  await using t = await setup();
  await t.get("pv");
  t.clock.advance(48 * 60 * 60 * 1000);
  t.repology.failNext(503, 5);
  const stale = await t.get("pv");
  assert.equal(stale.source, "stale-cache");
  assert.deepEqual(stale.value, REPOLOGY_PROJECTS.pv);
});

Deno.test("cache: writes are atomic (no temporary files left) and stay inside the directory", async () => {
  await using t = await setup();
  await t.get("tree");
  await t.get("g++").catch(() => {});
  const names = [...Deno.readDirSync(join(t.dir.path, "repology", "project"))].map((e) => e.name)
    .sort();
  assert.deepEqual(names, ["g++.json", "tree.json"]);
  for (const hostile of ["../../x", "a/b", "..", "x\0y"]) {
    assert.throws(() => t.cache.path("project", hostile), /not a valid package name/);
  }
});

Deno.test("durations for --repology-cache-ttl", () => {
  assert.equal(parseDuration("24h", "--repology-cache-ttl"), 86_400_000);
  assert.equal(parseDuration("30m", "x"), 1_800_000);
  assert.equal(parseDuration("90", "x"), 90_000);
  assert.equal(parseDuration("2d", "x"), 172_800_000);
  assert.throws(() => parseDuration("-1h", "--repology-cache-ttl"), /--repology-cache-ttl "-1h"/);
  assert.throws(() => parseDuration("1 week", "x"), /expected a duration/);
  assert.equal(DEFAULT_CACHE_DIR, ".hostkit/cache/repology");
});

Deno.test("cache: an unwritable cache directory is an 'input' error naming it and the flags", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "not-a-dir");
  await Deno.writeTextFile(file, "");
  const repology = startFakeRepology();
  try {
    const clock = fakeClock();
    const client = new RepologyClient({ baseUrl: repology.url, clock });
    const cache = new RepologyCache({ dir: file, clock });
    await assert.rejects(
      () => cache.get("project", "jq", () => client.project("jq")),
      (e: unknown) =>
        e instanceof HostkitError && e.kind === "input" && e.message.includes(file) &&
        e.details[0].includes("--no-repology-cache"),
    );
  } finally {
    await repology.close();
  }
});
