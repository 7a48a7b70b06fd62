import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { packageQuery } from "../../src/packages/names.ts";
import { choosePackage } from "../../src/packages/records.ts";
import { REPOLOGY_PROJECTS } from "./fake_repology.ts";

const pick = (name: string, repo: string) => {
  const query = packageQuery(name);
  return choosePackage(REPOLOGY_PROJECTS[query.project] ?? [], query, repo).package;
};

Deno.test("a development capability picks the -dev/-devel package of each repository", () => {
  assert.equal(pick("openssl_dev", "debian_12"), "libssl-dev");
  assert.equal(pick("openssl_dev", "fedora_41"), "openssl-devel");
  assert.equal(pick("openssl_dev", "alpine_3_20"), "openssl-dev");
  // Arch ships headers in the main package.
  assert.equal(pick("openssl_dev", "arch"), "openssl");
  // lib32ncurses-dev is a multilib variant, libncurses-dev the one meant.
  assert.equal(pick("ncurses_dev", "debian_12"), "libncurses-dev");
  assert.equal(pick("sqlite_dev", "debian_12"), "libsqlite3-dev");
});

Deno.test("a capability picks its binary name per repository", () => {
  assert.equal(pick("cxx_compiler", "debian_12"), "g++");
  assert.equal(pick("cxx_compiler", "fedora_41"), "gcc-c++");
});

Deno.test("a plain name picks the binary named like the project or its source", () => {
  assert.equal(pick("ca_certificates", "debian_12"), "ca-certificates");
  assert.equal(pick("ca_certificates", "alpine_3_20"), "ca-certificates");
  assert.equal(pick("sqlite", "debian_12"), "sqlite3");
  assert.equal(pick("gnu_hello", "debian_12"), "hello");
});

Deno.test("no package in the target repository: the error lists the repositories that have it", () => {
  assert.throws(
    () => pick("only_in_arch", "debian_12"),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" &&
      e.message ===
        "package only_in_arch (Repology project only-in-arch) has no package in debian_12; repositories that have it: arch",
  );
  assert.throws(() => pick("no_such_thing", "debian_12"), /Repology knows no such project/);
});

Deno.test("an ambiguous choice is refused with the candidates", () => {
  const records = [{
    repo: "debian_12",
    srcname: "toolbox",
    binnames: ["toolbox-cli", "toolbox-gui"],
    version: "1",
  }];
  assert.throws(
    () => choosePackage(records, packageQuery("toolbox"), "debian_12"),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "config" &&
      /package toolbox \(Repology project toolbox\) is ambiguous in debian_12: candidates toolbox-cli, toolbox-gui/
        .test(e.message),
  );
  const dev = [{
    repo: "debian_12",
    srcname: "zz",
    binnames: ["libzz1-dev", "libzz2-dev"],
    version: "1",
  }];
  assert.throws(
    () => choosePackage(dev, packageQuery("zz_dev"), "debian_12"),
    /candidates libzz1-dev, libzz2-dev/,
  );
});
