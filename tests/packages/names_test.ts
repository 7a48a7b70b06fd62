import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { packageQuery, validatePackageName } from "../../src/packages/names.ts";
import { managerOf, repologyRepo, validateRepo } from "../../src/packages/target_repo.ts";

Deno.test("semantic names: _ becomes - for the Repology project", () => {
  assert.deepEqual(packageQuery("ca_certificates"), {
    name: "ca_certificates",
    project: "ca-certificates",
    rule: { kind: "same" },
  });
  assert.deepEqual(packageQuery("jq").project, "jq");
});

Deno.test("semantic names: _dev asks for the project's development package", () => {
  assert.deepEqual(packageQuery("openssl_dev"), {
    name: "openssl_dev",
    project: "openssl",
    rule: { kind: "dev" },
  });
  assert.equal(packageQuery("ncurses_dev").project, "ncurses");
});

Deno.test("semantic names: capabilities name a project and the binaries that provide them", () => {
  const query = packageQuery("cxx_compiler");
  assert.equal(query.project, "gcc");
  assert.deepEqual(query.rule, { kind: "prefer", names: ["g++", "gcc-c++", "gcc-g++"] });
});

for (
  const hostile of [
    "../x",
    "a/b",
    "..",
    ".hidden",
    "two words",
    "nul\0byte",
    "-rf",
    "",
    "new\nline",
    "x".repeat(129),
    "caf\u00e9",
    "a;rm -rf /",
  ]
) {
  Deno.test(`hostile package name ${JSON.stringify(hostile.slice(0, 20))} is refused`, () => {
    const error = assert.throws(
      () => packageQuery(hostile),
      (e: unknown) =>
        e instanceof HostkitError && e.kind === "config" &&
        /not a valid package name/.test(e.message),
    );
    void error;
  });
}

Deno.test("distribution names with dots and pluses are valid", () => {
  for (const name of ["g++", "libxslt1.1", "libstdc++6", "python3.11", "gcc-c++"]) {
    assert.equal(validatePackageName(name, "x"), name);
  }
});

Deno.test("target repository from OS facts", () => {
  assert.equal(repologyRepo({ id: "debian", version: "12" }), "debian_12");
  assert.equal(repologyRepo({ id: "ubuntu", version: "24.04" }), "ubuntu_24_04");
  assert.equal(repologyRepo({ id: "fedora", version: "41" }), "fedora_41");
  assert.equal(repologyRepo({ id: "alpine", version: "3.20.3" }), "alpine_3_20");
  assert.equal(repologyRepo({ id: "arch", version: "" }), "arch");
  assert.throws(
    () => repologyRepo({ id: "debian", version: "" }),
    /no Repology repository is known for debian/,
  );
  assert.throws(() => repologyRepo({ id: "plan9", version: "4" }), /--package-repo/);
});

Deno.test("--package-repo values are checked and map to a manager", () => {
  assert.equal(validateRepo("debian_12", "--package-repo"), "debian_12");
  for (const bad of ["debian", "../debian_12", "debian_12/x", "Debian_12", ""]) {
    assert.throws(() => validateRepo(bad, "--package-repo"), /expected a Repology repository/);
  }
  assert.equal(managerOf("debian_12"), "apt");
  assert.equal(managerOf("ubuntu_24_04"), "apt");
  assert.equal(managerOf("fedora_41"), "dnf");
  assert.equal(managerOf("alpine_3_20"), "apk");
  assert.equal(managerOf("arch"), "pacman");
});
