import assert from "node:assert/strict";
import { conventions, isConventions } from "../../src/dsl/conventions.ts";
import { project } from "../../src/dsl/project.ts";

const toys = conventions({
  roots: { data: "/srv/toys", state: "/var/lib/toys" },
  prefixes: { user: "toys-", unit: "toys-" },
});

const toyService = toys.defservice((s) => {
  const serviceUser = s.prefixed("user", s.serviceName());
  return {
    serviceUser,
    dataDir: s.rootPath("data"),
    standardUser: () => s.account(serviceUser, { system: true, home: s.rootPath("state", "home") }),
  };
});

Deno.test("conventions carry roots and prefixes into the project", () => {
  const spec = project("toys", toys, (p) => {
    p.service("x", (s) => s.directory(s.rootPath("data")));
  });
  assert.deepEqual(spec.roots, { data: "/srv/toys", state: "/var/lib/toys" });
  assert.deepEqual(spec.prefixes, { user: "toys-", unit: "toys-" });
  assert.equal((spec.resources[0] as { path: string }).path, "/srv/toys/x");
});

Deno.test("a project may add roots and prefixes to its conventions", () => {
  const spec = project("toys", toys, (p) => {
    p.roots({ config: "/etc/toys" });
    p.prefixes({ unit: "t-" });
  });
  assert.deepEqual(spec.roots, { data: "/srv/toys", state: "/var/lib/toys", config: "/etc/toys" });
  assert.deepEqual(spec.prefixes, { user: "toys-", unit: "t-" });
  assert.deepEqual(toys.prefixes, { user: "toys-", unit: "toys-" }, "conventions unchanged");
});

Deno.test("defservice: a template whose helpers are computed per service", () => {
  const seen: unknown[] = [];
  const spec = project("toys", toys, (p) => {
    toyService(p, "exograph", (s, t) => {
      seen.push(t.serviceUser, t.dataDir);
      t.standardUser();
      s.directory(t.dataDir, { owner: t.serviceUser });
    });
    toyService(p, "search", (_s, t) => seen.push(t.serviceUser));
    toyService(p, "empty");
  });
  assert.deepEqual(seen, ["toys-exograph", "/srv/toys/exograph", "toys-search"]);
  assert.deepEqual(spec.services.map((s) => s.name), ["exograph", "search", "empty"]);
  assert.deepEqual(spec.resources.map((r) => [r.kind, r.service]), [
    ["account", "exograph"],
    ["directory", "exograph"],
  ]);
  assert.equal((spec.resources[0] as { home?: string }).home, "/var/lib/toys/exograph/home");
});

Deno.test("isConventions recognizes conventions only", () => {
  assert.ok(isConventions(toys));
  assert.equal(isConventions({ roots: {} }), false);
  assert.equal(isConventions(null), false);
  assert.equal(isConventions(project("x", () => {})), false);
});
