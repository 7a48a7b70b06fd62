/**
 * Semantic names cost no exec of their own: planning resolves them for every repository the
 * plan may meet before the hosts are read, and each host's one probe reads every candidate.
 * Runs against this machine (a Debian 12 host with dpkg) through a target that counts execs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { project } from "../../src/dsl/mod.ts";
import { plan } from "../../src/plan/mod.ts";
import { staleCheck } from "../../src/facts/mod.ts";
import { CLEAN_SH } from "../../src/facts/mod.ts";
import { Target } from "../../src/transport/target.ts";
import { countExecs, tempDir } from "../helpers.ts";
import { fakeClock, startFakeRepology } from "./fake_repology.ts";

const counting = (inner: Target) => countExecs(inner);

async function sh(command: string, stdin?: string): Promise<string> {
  const result = await Target.local().run(stdin === undefined ? command : CLEAN_SH, {
    stdin: stdin ?? command,
  });
  return new TextDecoder().decode(result.stdout);
}

/** What dpkg says here, asked directly: "VERSION" when installed, "" otherwise. */
async function installed(name: string): Promise<string> {
  const out = await sh(
    `dpkg-query -W -f='\${db:Status-Abbrev} \${Version}' ${name} 2>/dev/null || true`,
  );
  return out.startsWith("ii") ? out.slice(4).trim() : "";
}

const demo = project("tools", (p) => {
  p.service("tools", (s) => {
    s.package("openssl_dev");
    s.package("ca_certificates");
    s.package("gnu_hello");
    s.package("tree_viewer", { as: "tree" });
  });
});

type Changes = { id: string; action: string; resource: { as?: string } }[];

Deno.test("semantic names: one exec per host to plan, with Repology, with --write-package-lock and with --package-lock", async () => {
  const os = await sh(". /etc/os-release; echo $ID $VERSION_ID");
  if (os.trim() !== "debian 12") return; // the names below are Debian 12's
  await using dir = await tempDir();
  const repology = startFakeRepology();
  try {
    const lock = join(dir.path, "hostkit.package.lock");
    const base = {
      repologyUrl: repology.url,
      cacheDir: join(dir.path, "cache"),
      clock: fakeClock(),
    };
    for (
      const packages of [
        base,
        { ...base, writeLock: lock },
        { lock },
      ]
    ) {
      const target = counting(Target.local());
      const result = await plan(demo, { targets: [target], packages });
      assert.equal(target.execs, 1, `one exec with ${JSON.stringify(Object.keys(packages))}`);
      const host = result.hosts[0];
      assert.equal(host.error, undefined);
      const changes = host.changes as unknown as Changes;
      assert.deepEqual(changes.map((c) => c.resource.as), [
        "libssl-dev",
        "ca-certificates",
        "hello",
        "tree",
      ]);
      // Each package's state is the one dpkg reports for the package it became.
      for (const c of changes) {
        const want = (await installed(c.resource.as!)) ? "noop" : "create";
        assert.equal(c.action, want, `${c.id} (${c.resource.as})`);
      }
      // The stale check of the resolved resources prints what the plan observed.
      const check = staleCheck(host.changes);
      const actual = (await sh("", check.script)).split("\n").filter(Boolean).sort();
      assert.deepEqual(actual, check.expected.split("\n").filter(Boolean).sort());
    }
    // The lock holds this host's versions for its repository, read in the same probe.
    const written = JSON.parse(await Deno.readTextFile(lock));
    const version = await installed("ca-certificates");
    if (version) assert.equal(written.repositories.debian_12.ca_certificates.version, version);
    assert.deepEqual(Object.keys(written.repositories), ["debian_12"]);
    // One Repology request per project, before any host was read; then the cache.
    assert.deepEqual(
      repology.requests.map((r) => r.path).sort(),
      ["/api/v1/project/ca-certificates", "/api/v1/project/gnu-hello", "/api/v1/project/openssl"],
    );
  } finally {
    await repology.close();
  }
});

Deno.test("semantic names: the probe asks about the candidates of every repository Repology lists", async () => {
  await using dir = await tempDir();
  const repology = startFakeRepology();
  try {
    const { preparePackages } = await import("../../src/packages/plan.ts");
    const prepared = await preparePackages(demo.resources, true, {
      repologyUrl: repology.url,
      cacheDir: join(dir.path, "cache"),
      clock: fakeClock(),
    });
    // Debian's and Alpine's -dev, Fedora's -devel, Arch's main package (headers included).
    for (const name of ["libssl-dev", "openssl-devel", "openssl-dev", "openssl", "hello"]) {
      assert.match(prepared.probe, new RegExp(`(^| )${name}( |$)`, "m"), name);
    }
    const parsed = await sh(`sh -n <<'EOF'\n${prepared.probe}\nEOF\necho ok`);
    assert.equal(parsed.trim(), "ok");
  } finally {
    await repology.close();
  }
});
