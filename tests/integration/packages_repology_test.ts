/**
 * Semantic package names on a real host: resolved through a fake Repology (loopback of the
 * controller, where planning happens), locked with the host's own versions, installed through
 * the apt proxy from the lock, re-planned clean; a locked version the mirror lacks is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resetHost, sshExec, testHosts } from "./hosts.ts";
import { countingTarget, hostkit, writeConfig } from "./hostkit.ts";
import { fakeClock, startFakeRepology } from "../packages/fake_repology.ts";
import { load } from "../../src/config/mod.ts";
import { plan } from "../../src/plan/mod.ts";

const hosts = await testHosts();
const host = hosts[1] ?? hosts[0];

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

const CONFIG = `
  p.service("tools", (s) => {
    s.package("pv");
    s.package("gnu_hello");
  });`;

Deno.test("packages: semantic names resolve through Repology, lock the host's versions, install and re-plan clean", async () => {
  const repology = startFakeRepology();
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-pkg-" });
  try {
    for (const name of ["pv", "hello"]) {
      const state = await sshExec(host, "root", `dpkg-query -W -f='\${db:Status-Abbrev}' ${name}`);
      if (state.stdout.startsWith("ii")) await resetHost(host.name);
    }
    const config = await writeConfig(host, CONFIG);
    const lock = join(dir, "hostkit.package.lock");
    const flags = ["--repology-url", repology.url, "--repology-cache", join(dir, "cache")];
    const planned = await hostkit([
      "plan",
      config,
      "--host",
      "it",
      ...flags,
      "--write-package-lock",
      lock,
    ]);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    assert.match(planned.stdout, /note: package gnu_hello → hello \(debian_12, from repology\)/);
    assert.match(planned.stdout, /\+ package:pv/);

    // The lock holds apt's own versions, read on the host.
    const candidate = (name: string) =>
      root(`apt-cache policy ${name} | sed -n 's/^  Candidate: //p'`);
    const locked = JSON.parse(await Deno.readTextFile(lock));
    assert.deepEqual(locked.repositories.debian_12, {
      gnu_hello: { package: "hello", version: await candidate("hello") },
      pv: { package: "pv", version: await candidate("pv") },
    });

    // Apply from the lock: no Repology at all (an unroutable URL in the environment).
    const asked = repology.requests.length;
    const applied = await hostkit([
      "apply",
      config,
      "--host",
      "it",
      "--package-lock",
      lock,
      "--confirm",
    ], {
      HOSTKIT_REPOLOGY_URL: "http://127.0.0.1:9",
    });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(repology.requests.length, asked);
    assert.equal(
      await root("dpkg-query -W -f='${Version}' hello"),
      locked.repositories.debian_12.gnu_hello.version,
    );
    assert.equal(await root("hello"), "Hello, world!");
    assert.match(await root("pv --version | head -1"), /^pv /);

    // Re-plans are clean, from the lock and through (cached) Repology.
    const again = await hostkit([
      "plan",
      config,
      "--host",
      "it",
      "--package-lock",
      lock,
      "--detailed-exitcode",
    ]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const viaRepology = await hostkit([
      "plan",
      config,
      "--host",
      "it",
      ...flags,
      "--detailed-exitcode",
    ]);
    assert.equal(viaRepology.code, 0, viaRepology.stdout + viaRepology.stderr);
    assert.equal(
      repology.requests.length,
      asked,
      "the second Repology plan was served from the cache",
    );

    // A resource that pins its manager is read with that manager: apt has pv, apk has nothing.
    const pinned = await writeConfig(
      host,
      `  p.service("tools", (s) => { s.package("meter", { as: "pv", manager: "apt" }); s.package("meter_apk", { as: "pv", manager: "apk" }); });`,
    );
    const pinnedPlan = await hostkit(["plan", pinned, "--host", "it", "--json"]);
    assert.equal(pinnedPlan.code, 0, pinnedPlan.stdout + pinnedPlan.stderr);
    const actions = JSON.parse(pinnedPlan.stdout).hosts[0].changes.map((
      c: { id: string; action: string },
    ) => `${c.id} ${c.action}`);
    assert.deepEqual(actions, ["package:meter noop", "package:meter_apk create"]);

    // A locked version the mirror no longer has is refused at plan time, naming it.
    locked.repositories.debian_12.pv.version = "0.0.1-hk";
    await Deno.writeTextFile(lock, JSON.stringify(locked));
    const gone = await hostkit(["plan", config, "--host", "it", "--package-lock", lock]);
    assert.equal(gone.code, 78, gone.stdout + gone.stderr);
    assert.match(
      gone.stderr,
      /package pv: version 0\.0\.1-hk of pv \(from .*hostkit\.package\.lock\) is not offered by the package manager of it \(it offers /,
    );
  } finally {
    await repology.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packages: semantic names plan in one exec per host, through Repology and with locks", async () => {
  const repology = startFakeRepology();
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-pkg1-" });
  try {
    const project = await load(await writeConfig(host, CONFIG));
    const lock = join(dir, "hostkit.package.lock");
    const base = { repologyUrl: repology.url, cacheDir: join(dir, "cache"), clock: fakeClock() };
    for (const packages of [base, { ...base, writeLock: lock }, { lock }]) {
      const target = countingTarget(host);
      try {
        const result = await plan(project, { targets: [target], packages });
        assert.equal(result.hosts[0].error, undefined);
        const names = result.hosts[0].changes.map((c) =>
          c.resource.kind === "package" ? c.resource.as : undefined
        );
        assert.deepEqual(names, ["pv", "hello"]);
        assert.equal(target.execs, 1, `one exec with ${Object.keys(packages).join(", ")}`);
      } finally {
        await target.close();
      }
    }
  } finally {
    await repology.close();
    await Deno.remove(dir, { recursive: true });
  }
});
