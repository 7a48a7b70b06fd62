import assert from "node:assert/strict";
import { join } from "node:path";
import { HostkitError } from "../../src/errors.ts";
import { formatLock, lockedPackage, readLock, writeLock } from "../../src/packages/lock.ts";
import { tempDir } from "../helpers.ts";

Deno.test("lock: written sorted and readable, other repositories kept", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "hostkit.package.lock");
  await writeLock(path, "debian_12", {
    openssl_dev: { package: "libssl-dev", version: "3.0.15-1~deb12u1" },
    ca_certificates: { package: "ca-certificates", version: "20230311" },
  });
  await writeLock(path, "fedora_41", {
    ca_certificates: { package: "ca-certificates", version: "2024.2.69-1" },
  });
  const text = await Deno.readTextFile(path);
  assert.equal(
    text,
    `{
  "format": "hostkit.package-lock",
  "version": 1,
  "repositories": {
    "debian_12": {
      "ca_certificates": {
        "package": "ca-certificates",
        "version": "20230311"
      },
      "openssl_dev": {
        "package": "libssl-dev",
        "version": "3.0.15-1~deb12u1"
      }
    },
    "fedora_41": {
      "ca_certificates": {
        "package": "ca-certificates",
        "version": "2024.2.69-1"
      }
    }
  }
}
`,
  );
  const lock = await readLock(path);
  assert.deepEqual(lockedPackage(lock, "debian_12", "openssl_dev", path), {
    package: "libssl-dev",
    version: "3.0.15-1~deb12u1",
  });
  assert.equal(formatLock(lock), text);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["hostkit.package.lock"]);
});

Deno.test("lock: another repository or a missing entry is an error naming what is missing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "l.lock");
  await writeLock(path, "debian_12", { curl: { package: "curl", version: "7.88.1-10" } });
  const lock = await readLock(path);
  assert.throws(
    () => lockedPackage(lock, "ubuntu_24_04", "curl", path),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" &&
      e.message === `package lock ${path} was made for debian_12, not ubuntu_24_04`,
  );
  assert.throws(
    () => lockedPackage(lock, "debian_12", "jq", path),
    (e: unknown) =>
      e instanceof HostkitError &&
      e.message === `package lock ${path} has no entry for package jq in debian_12` &&
      e.details[0].includes("--write-package-lock"),
  );
});

Deno.test("lock: malformed files are data errors naming the file", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "bad.lock");
  const cases: [string, RegExp][] = [
    ["{", /is not JSON/],
    ['{"format":"hostkit.package-lock","version":2,"repositories":{}}', /version/],
    [
      '{"format":"hostkit.package-lock","version":1,"repositories":{"debian_12":{"x":{"package":"../../etc","version":"1"}}}}',
      /repositories\.debian_12\.x\.package/,
    ],
    [
      '{"format":"hostkit.package-lock","version":1,"repositories":{"debian_12":{"x":{"package":"x","version":"1; rm -rf /"}}}}',
      /version/,
    ],
  ];
  for (const [text, message] of cases) {
    await Deno.writeTextFile(path, text);
    await assert.rejects(
      () => readLock(path),
      (e: unknown) =>
        e instanceof HostkitError && e.kind === "data" && e.message.includes(path) &&
        message.test(e.message),
    );
  }
  await assert.rejects(() => readLock(join(dir.path, "missing.lock")), /cannot read package lock/);
});
