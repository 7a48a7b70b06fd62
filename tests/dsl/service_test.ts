import assert from "node:assert/strict";
import { project } from "../../src/dsl/project.ts";
import type { ServiceScope } from "../../src/dsl/service.ts";

const ROOTS = { source: "/opt/toys/src", data: "/srv/toys", state: "/var/lib/toys" };

function inService<T>(body: (s: ServiceScope) => T, prefixes = { user: "toys-", unit: "toys-" }) {
  let result: T | undefined;
  const spec = project("t", (p) => {
    p.roots(ROOTS);
    p.prefixes(prefixes);
    p.service("forgejo", (s) => {
      result = body(s);
    });
  });
  return { spec, result: result as T };
}

Deno.test("naming helpers derive from the prefixes and the service name", () => {
  const { result } = inService((s) => ({
    name: s.serviceName(),
    user: s.serviceUser(),
    unit: s.unitName(),
    prefixed: s.prefixed("unit", "x"),
    bare: s.prefixed("nothing", "x"),
  }));
  assert.deepEqual(result, {
    name: "forgejo",
    user: "toys-forgejo",
    unit: "toys-forgejo.service",
    prefixed: "toys-x",
    bare: "x",
  });
  const noPrefix = inService((s) => [s.serviceUser(), s.unitName()], { user: "", unit: "" });
  assert.deepEqual(noPrefix.result, ["forgejo", "forgejo.service"]);
});

Deno.test("roots and root paths; an unknown root names the declared ones", () => {
  const { result } = inService((s) => [
    s.root("data"),
    s.rootPath("data"),
    s.rootPath("state", "home"),
    s.rootPath("source", "a", "b"),
  ]);
  assert.deepEqual(result, [
    "/srv/toys",
    "/srv/toys/forgejo",
    "/var/lib/toys/forgejo/home",
    "/opt/toys/src/forgejo/a/b",
  ]);
  assert.throws(
    () => inService((s) => s.root("cache")),
    /unknown root "cache" \(declared: source, data, state; defaults: bin, sbin, run\)/,
  );
});

Deno.test("resources in a service carry its name", () => {
  const { spec } = inService((s) => s.directory(s.rootPath("data")));
  assert.equal(spec.resources[0].service, "forgejo");
  const top = project("t", (p) => p.directory("/x"));
  assert.equal(top.resources[0].service, undefined);
});

Deno.test("storage volumes: directories under roots, owned by the service user by default", () => {
  const { spec, result } = inService((s) => {
    const repos = s.storage("repositories", { mode: 0o750, backup: true });
    const config = s.storage("config", {
      under: "state",
      path: "conf",
      owner: "root",
      group: s.serviceUser(),
      mode: "config_dir",
      writable: false,
      secret: true,
    });
    const cache = s.storage("cache", { owner: "root" });
    return { repos, config, cache, writable: s.writableStoragePaths() };
  });
  assert.deepEqual(result.repos, {
    name: "repositories",
    path: "/srv/toys/forgejo/repositories",
    owner: "toys-forgejo",
    group: "toys-forgejo",
    mode: 0o750,
    backup: true,
    writable: true,
    secret: false,
  });
  assert.deepEqual(result.config, {
    name: "config",
    path: "/var/lib/toys/forgejo/conf",
    owner: "root",
    group: "toys-forgejo",
    mode: 0o750,
    backup: false,
    writable: false,
    secret: true,
  });
  assert.equal(result.cache.group, "root");
  assert.deepEqual(result.writable, [
    "/srv/toys/forgejo/repositories",
    "/srv/toys/forgejo/cache",
  ]);
  assert.deepEqual(
    spec.resources.map((r) => [r.kind, "path" in r ? r.path : "", "mode" in r ? r.mode : null]),
    [
      ["directory", "/srv/toys/forgejo/repositories", 0o750],
      ["directory", "/var/lib/toys/forgejo/conf", 0o750],
      ["directory", "/srv/toys/forgejo/cache", null],
    ],
  );
  assert.deepEqual(spec.services[0].storage.map((v) => v.name), [
    "repositories",
    "config",
    "cache",
  ]);
});

Deno.test("listeners are recorded on the service and resolvable by name", () => {
  const { spec, result } = inService((s) => {
    s.daemon(s.unitName(), (d) => {
      d.execStart(["/bin/true"]);
      d.listen("http", { port: 3000, on: "loopback" });
      d.listen("admin", { port: 9000, on: "any" });
    });
    return [s.listener("http"), s.listener("admin")];
  });
  assert.deepEqual(result, ["127.0.0.1:3000", "127.0.0.1:9000"]);
  assert.deepEqual(spec.services[0].listeners, [
    { name: "http", port: 3000, address: "127.0.0.1" },
    { name: "admin", port: 9000, address: "0.0.0.0" },
  ]);
  assert.throws(() => inService((s) => s.listener("grpc")), /forgejo has no listener "grpc"/);
});
