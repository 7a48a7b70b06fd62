/**
 * The firewall DSL: `p.firewall` and `h.firewall` put a validated policy into the ProjectSpec,
 * the host's own policy wins over the project's, and bad input is an error naming it.
 */
import assert from "node:assert/strict";
import { project } from "../../src/dsl/mod.ts";
import type { FirewallScope } from "../../src/dsl/firewall.ts";
import { firewallFor } from "../../src/model/firewall.ts";

Deno.test("p.firewall and h.firewall: the reference's rules, a host's own policy wins", () => {
  const spec = project("toys", (p) => {
    p.firewall((f) => {
      f.allow({ tcp: 22, from: "any" });
      f.allow({ tcp: [80, 443], from: "any" });
      f.allow({ tcp: 9100, from: [10, 44, 0, 0, 24] });
      f.deny("all");
    });
    p.host("prod", { hostname: "elixir.toys" }, (h) => {
      h.firewall((f) => {
        f.allow({ tcp: 22, from: "any" });
        f.deny("all");
      });
    });
    p.host("staging", { hostname: "staging.toys" });
  });
  assert.deepEqual(
    spec.firewall?.rules.map(({ origin: _, ...r }) => r),
    [
      { action: "allow", protocol: "tcp", ports: [22], from: [] },
      { action: "allow", protocol: "tcp", ports: [80, 443], from: [] },
      { action: "allow", protocol: "tcp", ports: [9100], from: ["10.44.0.0/24"] },
    ],
  );
  assert.equal(spec.firewall?.fallback, "drop");
  assert.match(spec.firewall?.rules[0].origin ?? "", /firewall_test\.ts:\d+/);
  assert.deepEqual(firewallFor(spec, "prod")?.rules.map((r) => r.ports), [[22]]);
  assert.equal(firewallFor(spec, "staging"), spec.firewall);
  assert.equal(firewallFor(project("bare", () => {}), "prod"), undefined);
  // Plain data: it survives JSON (what the sandbox sends back) unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(spec.firewall)), spec.firewall);
});

Deno.test("firewall DSL errors name what is wrong", () => {
  const bad: [string, (f: FirewallScope) => void, RegExp][] = [
    ["a port out of range", (f) => f.allow({ tcp: 70000 }), /tcp: 70000 is not a port/],
    ["no ports and no source", (f) => f.allow({}), /give tcp or udp ports, or a from:/],
    ["an empty port list", (f) => f.allow({ udp: [] }), /udp: \[\] matches no port/],
    ["a misspelt option", (f) => f.allow({ tpc: 22 } as never), /unknown option tpc/],
    [
      "a host name as source",
      (f) => f.allow({ tcp: 22, from: "office.example" }),
      /invalid source "office\.example"/,
    ],
    ["deny of something else", (f) => f.deny("everything" as never), /deny takes "all" or/],
    ["a bad table name", (f) => f.table("a b"), /firewall table: a table name/],
  ];
  for (const [what, body, message] of bad) {
    assert.throws(() => project("x", (p) => p.firewall(body)), message, what);
  }
});
