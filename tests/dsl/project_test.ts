import assert from "node:assert/strict";
import { conventions } from "../../src/dsl/conventions.ts";
import { project, ProjectError, type ProjectScope } from "../../src/dsl/project.ts";
import { lineOfMarker } from "../helpers.ts";

const HERE = decodeURIComponent(new URL(import.meta.url).pathname);

Deno.test("an empty project has the schema's defaults", () => {
  assert.deepEqual(project("demo", () => {}), {
    name: "demo",
    roots: {},
    prefixes: {},
    hosts: [],
    services: [],
    resources: [],
    observability: {},
    runsRoot: "/var/lib/hostkit",
    providers: [],
  });
});

Deno.test("roots, prefixes, runsRoot and observability defaults", () => {
  const spec = project("toys", (p) => {
    p.roots({ data: "/srv/toys" });
    p.roots({ config: "/etc/toys" });
    p.prefixes({ user: "toys-" });
    p.runsRoot("/var/lib/toys-runs");
    p.observability((o) => {
      o.logs({ driver: "journald", retention: "14d" });
      o.logs({ ship: true });
      o.telemetry({ logs: true, metrics: true, traces: false });
    });
  });
  assert.deepEqual(spec.roots, { data: "/srv/toys", config: "/etc/toys" });
  assert.deepEqual(spec.prefixes, { user: "toys-" });
  assert.equal(spec.runsRoot, "/var/lib/toys-runs");
  assert.deepEqual(spec.observability, {
    logs: { driver: "journald", retention: "14d", ship: true },
    telemetry: { logs: true, metrics: true, traces: false },
  });
});

Deno.test("services are listed with their listeners and storage", () => {
  const spec = project("t", (p) => {
    p.roots({ data: "/srv" });
    p.service("a", () => {});
    p.service("b", (s) => {
      s.storage("files");
      s.daemon("b.service", (d) => d.listen("http", { port: 80 }));
    });
  });
  assert.deepEqual(spec.services.map((s) => [s.name, s.listeners.length, s.storage.length]), [
    ["a", 0, 0],
    ["b", 1, 1],
  ]);
});

Deno.test("the result is plain JSON data", () => {
  const spec = project("t", (p) => {
    p.directory("/a", { mode: "public_dir" });
    p.host("h");
  });
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});

Deno.test("a bad project name is refused", () => {
  for (const name of ["", "has space", "-dash", "a/b"]) {
    assert.throws(() => project(name, () => {}), ProjectError, JSON.stringify(name));
  }
});

Deno.test("a duplicate id is an error naming both file:line", () => {
  const first = lineOfMarker(import.meta.url, "dup-" + "first");
  const second = lineOfMarker(import.meta.url, "dup-" + "second");
  assert.throws(
    () =>
      project("t", (p) => {
        p.directory("/srv/app"); // dup-first
        p.service("web", (s) => {
          s.directory("/srv/app", { mode: 0o755 }); // dup-second
        });
      }),
    (e: unknown) => {
      assert.ok(e instanceof ProjectError);
      assert.equal(
        e.message,
        `directory:/srv/app is declared twice: at ${HERE}:${first} and at ${HERE}:${second}`,
      );
      assert.equal(e.origin, `${HERE}:${second}`);
      return true;
    },
  );
});

Deno.test("the same name in different kinds is not a duplicate", () => {
  const spec = project("t", (p) => {
    p.account("app");
    p.package("app");
    p.command("app", { exec: ["/bin/true"] });
  });
  assert.equal(spec.resources.length, 3);
});

Deno.test("a duplicate host is an error naming both file:line", () => {
  const first = lineOfMarker(import.meta.url, "host-" + "first");
  const second = lineOfMarker(import.meta.url, "host-" + "second");
  assert.throws(
    () =>
      project("t", (p) => {
        p.host("prod"); // host-first
        p.host("prod", { hostname: "10.0.0.1" }); // host-second
      }),
    (e: unknown) =>
      e instanceof ProjectError &&
      e.message === `host prod is declared twice: at ${HERE}:${first} and ${HERE}:${second}`,
  );
});

Deno.test("an invalid resource is an error naming it and its origin", () => {
  const line = lineOfMarker(import.meta.url, "invalid-" + "path");
  assert.throws(
    () =>
      project("t", (p) => {
        p.directory("srv/relative"); // invalid-path
      }),
    (e: unknown) => {
      assert.ok(e instanceof ProjectError);
      assert.match(e.message, /^invalid directory:srv\/relative: .*absolute path/);
      assert.equal(e.origin, `${HERE}:${line}`);
      return true;
    },
  );
  assert.throws(
    () => project("t", (p) => p.account("Bad Name")),
    /invalid account:Bad Name: .*user\/group name/,
  );
});

Deno.test("an invalid service is reported as a service, not a host, with its origin", () => {
  const line = lineOfMarker(import.meta.url, "invalid-" + "service");
  assert.throws(
    () => project("t", (p) => p.service("", () => {})), // invalid-service
    (e: unknown) => {
      assert.ok(e instanceof ProjectError);
      assert.match(e.message, /^service: the name: must not be empty/);
      assert.equal(e.origin, `${HERE}:${line}`);
      return true;
    },
  );
});

Deno.test("errors thrown by DSL methods reach the caller unchanged", () => {
  assert.throws(
    () => project("t", (p) => p.daemon("a.service", (d) => d.wantedBy("multi-user"))),
    /unknown unit "multi-user"/,
  );
});

Deno.test("an async body is refused instead of losing what it declares after an await", () => {
  const line = lineOfMarker(import.meta.url, "async-" + "project");
  assert.throws(
    () =>
      project("t", async (p) => { // async-project
        p.directory("/a");
        await Promise.resolve();
        p.directory("/b");
      }),
    (e: unknown) => {
      assert.ok(e instanceof ProjectError);
      assert.match(e.message, /^the body of project "t" is async .*must be synchronous/);
      assert.equal(e.origin, `${HERE}:${line}`);
      return true;
    },
  );
});

Deno.test("every kind of body must be synchronous, and is named when it is not", async () => {
  const tick = () => Promise.resolve();
  const cases: [string, (p: ProjectScope) => void][] = [
    ['service "web"', (p) => p.service("web", async () => await tick())],
    ['host "prod"', (p) => p.host("prod", async (h) => h.hostname(await Promise.resolve("x")))],
    ["daemon app.service", (p) => p.daemon("app.service", async () => await tick())],
    ["timer app.timer", (p) => p.systemdTimer("app.timer", async () => await tick())],
    ["env file /etc/app.env", (p) => p.envFile("/etc/app.env", async () => await tick())],
    ["mise", (p) => p.mise({}, async () => await tick())],
    ["observability", (p) => p.observability(async () => await tick())],
    [
      'service "tpl"',
      (p) => conventions({}).defservice(() => ({}))(p, "tpl", async () => await tick()),
    ],
  ];
  for (const [what, body] of cases) {
    assert.throws(
      () => project("t", body),
      (e: unknown) =>
        e instanceof ProjectError && e.message.startsWith(`the body of ${what} is async`),
      what,
    );
  }
  // A body that rejects later is refused once, not reported again as an unhandled rejection.
  assert.throws(() =>
    project("t", async () => {
      await tick();
      throw new Error("late");
    }), ProjectError);
  await tick();
});
