import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { RepologyCache } from "../../src/packages/cache.ts";
import { RepologyClient } from "../../src/packages/client.ts";
import { emptyLock } from "../../src/packages/lock.ts";
import { resolvePackages } from "../../src/packages/resolve.ts";
import { PackageSchema, type Resource } from "../../src/model/resource.ts";
import { tempDir } from "../helpers.ts";
import { fakeClock, REPOLOGY_PROJECTS, startFakeRepology } from "./fake_repology.ts";

const pkg = (name: string, extra: Record<string, unknown> = {}): Resource =>
  PackageSchema.parse({ kind: "package", name, origin: "/infra/config.ts:7", ...extra });

const names = (resources: Resource[]) =>
  resources.map((r) => r.kind === "package" ? [r.name, r.as, r.version] : []);

Deno.test("resolution per repository through Repology; `as` always wins", async () => {
  const repology = startFakeRepology({
    projects: REPOLOGY_PROJECTS,
    byBinary: { "debian_12/xsltproc": "libxslt" },
  });
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    const resources = [
      pkg("ca_certificates"),
      pkg("openssl_dev"),
      pkg("cxx_compiler"),
      pkg("xsltproc"),
      pkg("tree_viewer", { as: "tree" }),
    ];
    const debian = await resolvePackages(resources, "debian_12", { client });
    assert.deepEqual(names(debian.resources), [
      ["ca_certificates", "ca-certificates", undefined],
      ["openssl_dev", "libssl-dev", undefined],
      ["cxx_compiler", "g++", undefined],
      ["xsltproc", "xsltproc", undefined],
      ["tree_viewer", "tree", undefined],
    ]);
    assert.equal(debian.resolutions.find((r) => r.name === "openssl_dev")?.project, "openssl");
    assert.ok(!repology.requests.some((r) => r.path.includes("tree")), "`as` is never resolved");
    const fedora = await resolvePackages(resources.slice(0, 3), "fedora_41", { client });
    assert.deepEqual(names(fedora.resources).map((n) => n[1]), [
      "ca-certificates",
      "openssl-devel",
      "gcc-c++",
    ]);
  } finally {
    await repology.close();
  }
});

Deno.test("a name with no package in the target repository fails naming the resource and the repositories", async () => {
  const repology = startFakeRepology();
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    await assert.rejects(
      () => resolvePackages([pkg("openssl_dev")], "ubuntu_24_04", { client }),
      (e: unknown) =>
        e instanceof HostkitError &&
        e.message ===
          "package openssl_dev (Repology project openssl) has no package in ubuntu_24_04; repositories that have it: alpine_3_20, arch, debian_12, fedora_41 (/infra/config.ts:7)",
    );
    // Not even through project-by (asked, nothing found).
    await assert.rejects(
      () => resolvePackages([pkg("only_in_arch")], "debian_12", { client }),
      /repositories that have it: arch/,
    );
    assert.ok(repology.requests.some((r) => r.path.startsWith("/tools/project-by?repo=debian_12")));
  } finally {
    await repology.close();
  }
});

Deno.test("one request per project, answers cached across plans", async () => {
  await using dir = await tempDir();
  const repology = startFakeRepology();
  try {
    const clock = fakeClock();
    const client = new RepologyClient({ baseUrl: repology.url, clock });
    const cache = new RepologyCache({ dir: dir.path, clock });
    const resources = [pkg("openssl_dev"), pkg("openssl"), pkg("jq")];
    await resolvePackages(resources, "debian_12", { client, cache });
    assert.deepEqual(repology.requests.map((r) => r.path), [
      "/api/v1/project/openssl",
      "/api/v1/project/jq",
    ]);
    const again = await resolvePackages(resources, "debian_12", { client, cache });
    assert.equal(repology.requests.length, 2);
    assert.deepEqual(new Set(again.resolutions.map((r) => r.source)), new Set(["repology-cache"]));
  } finally {
    await repology.close();
  }
});

Deno.test("from a lock: names and versions without any network; a version the config pins wins", async () => {
  const lock = emptyLock();
  lock.repositories.debian_12 = {
    jq: { package: "jq", version: "1.6-2.1" },
    ca_certificates: { package: "ca-certificates", version: "20230311" },
  };
  const resolved = await resolvePackages(
    [pkg("jq"), pkg("ca_certificates", { version: "20230311+deb12u1" }), pkg("x", { as: "y" })],
    "debian_12",
    { lock: { path: "hostkit.package.lock", lock } },
  );
  assert.deepEqual(names(resolved.resources), [
    ["jq", "jq", "1.6-2.1"],
    ["ca_certificates", "ca-certificates", "20230311+deb12u1"],
    ["x", "y", undefined],
  ]);
  await assert.rejects(
    () =>
      resolvePackages([pkg("pv")], "debian_12", { lock: { path: "hostkit.package.lock", lock } }),
    /hostkit.package.lock has no entry for package pv in debian_12 \(\/infra\/config.ts:7\)/,
  );
  await assert.rejects(
    () =>
      resolvePackages([pkg("jq")], "fedora_41", { lock: { path: "hostkit.package.lock", lock } }),
    /was made for debian_12, not fedora_41/,
  );
});

Deno.test("a hostile semantic name is refused before any request", async () => {
  const repology = startFakeRepology();
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    for (const name of ["../x", "a/b", "a b", "a\0b"]) {
      await assert.rejects(
        () => resolvePackages([pkg(name)], "debian_12", { client }),
        (e: unknown) =>
          e instanceof HostkitError && e.kind === "config" &&
          e.message.endsWith("(/infra/config.ts:7)"),
      );
    }
    assert.equal(repology.requests.length, 0);
  } finally {
    await repology.close();
  }
});
