import assert from "node:assert/strict";
import { listenAddress, policyAddress } from "../../src/model/address.ts";

Deno.test("listener addresses: aliases and tuples", () => {
  assert.equal(listenAddress("loopback"), "127.0.0.1");
  assert.equal(listenAddress("localhost"), "127.0.0.1");
  assert.equal(listenAddress("any"), "0.0.0.0");
  assert.equal(listenAddress([127, 0, 0, 1]), "127.0.0.1");
  assert.equal(listenAddress([10, 0, 0, 5]), "10.0.0.5");
  assert.equal(listenAddress("192.168.1.10"), "192.168.1.10");
  assert.equal(listenAddress("::1"), "::1");
  assert.equal(listenAddress("app.internal"), "app.internal");
});

Deno.test("policy addresses: aliases, tuples with prefix length, strings", () => {
  assert.equal(policyAddress("loopback"), "localhost");
  assert.equal(policyAddress("localhost"), "localhost");
  assert.equal(policyAddress("any"), "any");
  assert.equal(policyAddress("all"), "any");
  assert.equal(policyAddress("link_local"), "link-local");
  assert.equal(policyAddress("multicast"), "multicast");
  assert.equal(policyAddress([10, 44, 0, 0, 24]), "10.44.0.0/24");
  assert.equal(policyAddress([127, 0, 0, 1]), "127.0.0.1");
  assert.equal(policyAddress([0, 0, 0, 0, 0]), "0.0.0.0/0");
  assert.equal(policyAddress("10.0.0.0/8"), "10.0.0.0/8");
  assert.equal(policyAddress("fd00::/8"), "fd00::/8");
});

Deno.test("bad tuples and strings are errors naming the value", () => {
  const cases: [string | number[], RegExp][] = [
    [[1, 2, 3], /\[1,2,3\]/],
    [[256, 0, 0, 1], /\[256,0,0,1\]/],
    [[10, 0, 0, -1], /\[10,0,0,-1\]/],
    [[10, 0, 0.5, 1], /\[10,0,0.5,1\]/],
    [[1, 2, 3, 4, 5, 6], /\[1,2,3,4,5,6\]/],
    [[10, 0, 0, 0, 33], /33/],
    ["not an address!", /"not an address!"/],
    ["10.0.0.1; rm -rf /", /rm -rf/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => policyAddress(input), message, JSON.stringify(input));
    assert.throws(() => listenAddress(input), TypeError, JSON.stringify(input));
  }
});
