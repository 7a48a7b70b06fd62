import assert from "node:assert/strict";
import { readWritePaths, volume } from "../../src/dsl/storage.ts";

Deno.test("volume: the reference's HostKit.Storage.volume, validated", () => {
  assert.deepEqual(
    volume("repositories", {
      path: "/srv/toys/forgejo/repositories",
      owner: "toys-forgejo",
      group: "toys-forgejo",
      mode: 0o750,
      backup: true,
    }),
    {
      name: "repositories",
      path: "/srv/toys/forgejo/repositories",
      owner: "toys-forgejo",
      group: "toys-forgejo",
      mode: 0o750,
      backup: true,
      writable: true,
      secret: false,
    },
  );
  assert.equal(volume("a", { path: "/a", mode: { owner: "rwx" } }).mode, 0o700);
  assert.throws(() => volume("a", { path: "relative" }), /absolute/);
  assert.throws(() => volume("", { path: "/a" }));
  assert.throws(() => volume("a", { path: "/a", mode: "bogus" }), /"bogus"/);
});

Deno.test("readWritePaths keeps writable volumes only, in order", () => {
  assert.deepEqual(
    readWritePaths([
      volume("a", { path: "/a" }),
      volume("b", { path: "/b", writable: false }),
      volume("c", { path: "/c", secret: true }),
    ]),
    ["/a", "/c"],
  );
  assert.deepEqual(readWritePaths([]), []);
});
