import assert from "node:assert/strict";
import { hasUnitType, identitySegment, systemdUnit } from "../../src/model/naming.ts";

Deno.test("identities hyphenate underscores and slashes; unit names get a type once", () => {
  const rows: [string, string][] = [
    [identitySegment("hex_mirror"), "hex-mirror"],
    [identitySegment("a/b_c"), "a-b-c"],
    [identitySegment("plain"), "plain"],
    [systemdUnit("web"), "web.service"],
    [systemdUnit("web.service"), "web.service"],
    [systemdUnit("web.timer"), "web.timer"],
    [systemdUnit("web", ".timer"), "web.timer"],
    [systemdUnit("web", "-sync.timer"), "web-sync.timer"],
    [systemdUnit("web.socket", ".service"), "web.socket"],
  ];
  for (const [actual, expected] of rows) assert.equal(actual, expected);
  assert.equal(hasUnitType("web.target"), true);
  assert.equal(hasUnitType("web.services"), false);
});
