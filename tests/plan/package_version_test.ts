import assert from "node:assert/strict";
import { compare } from "../../src/plan/compare.ts";
import { PackageSchema } from "../../src/model/resource.ts";

const pinned = PackageSchema.parse({ kind: "package", name: "jq", version: "1.6-2.1" });
const loose = PackageSchema.parse({ kind: "package", name: "jq" });

Deno.test("a pinned package version is compared with the installed one", () => {
  const installed = (version: string) => ({ package: { installed: true, version } });
  assert.deepEqual(compare(pinned, {}, installed("1.6-2.1")), {
    action: "noop",
    reason: "in_sync",
    drift: [],
  });
  assert.deepEqual(compare(pinned, {}, installed("1.7.1-3")), {
    action: "update",
    reason: "version",
    drift: ["version"],
  });
  assert.deepEqual(compare(loose, {}, installed("1.7.1-3")), {
    action: "noop",
    reason: "in_sync",
    drift: [],
  });
  assert.deepEqual(compare(pinned, {}, { package: { installed: false } }), {
    action: "create",
    reason: "missing",
    drift: [],
  });
});
