import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { repologyBaseUrl, RepologyClient, USER_AGENT } from "../../src/packages/client.ts";
import { HOSTKIT_VERSION } from "../../src/version.ts";
import { fakeClock, REPOLOGY_PROJECTS, startFakeRepology } from "./fake_repology.ts";

Deno.test("the client asks /api/v1/project/<name> with a descriptive User-Agent", async () => {
  const repology = startFakeRepology();
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    assert.deepEqual(await client.project("openssl"), REPOLOGY_PROJECTS.openssl);
    assert.deepEqual(await client.project("nothing-like-it"), []);
    assert.equal(repology.requests[0].path, "/api/v1/project/openssl");
    assert.equal(repology.requests[0].userAgent, USER_AGENT);
    assert.match(USER_AGENT, new RegExp(`^hostkit/${HOSTKIT_VERSION.replaceAll(".", "\\.")} `));
  } finally {
    await repology.close();
  }
});

Deno.test("names are URL-encoded (g++) and validated before any request", async () => {
  const repology = startFakeRepology({
    projects: { "g++": [{ repo: "debian_12", version: "1" }] },
  });
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    assert.equal((await client.project("g++")).length, 1);
    assert.equal(repology.requests[0].path, "/api/v1/project/g%2B%2B");
    await assert.rejects(() => client.project("../admin"), /not a valid package name/);
    await assert.rejects(() => client.project("a/b"), /not a valid package name/);
    assert.equal(repology.requests.length, 1);
  } finally {
    await repology.close();
  }
});

Deno.test("at most one request per second: the client waits on the injected clock", async () => {
  const repology = startFakeRepology();
  try {
    const clock = fakeClock();
    const client = new RepologyClient({ baseUrl: repology.url, clock });
    const start = clock.now();
    await client.project("curl");
    await client.project("jq");
    await client.project("pv");
    assert.deepEqual(clock.sleeps, [1000, 1000]);
    assert.equal(clock.now() - start, 2000);
  } finally {
    await repology.close();
  }
});

Deno.test("429 and 5xx are retried with backoff (Retry-After honoured), then answered", async () => {
  const repology = startFakeRepology();
  try {
    const clock = fakeClock();
    const client = new RepologyClient({ baseUrl: repology.url, clock });
    repology.failNext(429, 1, 7);
    repology.failNext(503, 2);
    assert.deepEqual(await client.project("jq"), REPOLOGY_PROJECTS.jq);
    assert.equal(repology.requests.length, 4);
    // Retry-After 7 s, then 2 s and 4 s of backoff (each at least the 1 s spacing).
    assert.deepEqual(clock.sleeps, [7000, 2000, 4000]);
  } finally {
    await repology.close();
  }
});

Deno.test("a Repology that keeps failing is an 'unreachable' error naming it", async () => {
  const repology = startFakeRepology();
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock(), attempts: 3 });
    repology.failNext(500, 3);
    await assert.rejects(
      () => client.project("jq"),
      (e: unknown) =>
        e instanceof HostkitError && e.kind === "unreachable" &&
        e.message.includes(`Repology at ${repology.url} failed 3 times`) &&
        /HTTP 500/.test(e.message),
    );
    assert.equal(repology.requests.length, 3);
  } finally {
    await repology.close();
  }
});

Deno.test("project-by follows Repology's redirect, and only under the base URL", async () => {
  const repology = startFakeRepology({
    projects: REPOLOGY_PROJECTS,
    byBinary: { "debian_12/xsltproc": "libxslt" },
  });
  const evil = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(null, {
        status: 302,
        headers: { location: "http://example.invalid/api/v1/project/x" },
      }),
  );
  try {
    const client = new RepologyClient({ baseUrl: repology.url, clock: fakeClock() });
    const records = await client.projectByBinary("debian_12", "xsltproc");
    assert.deepEqual(records, REPOLOGY_PROJECTS.libxslt);
    assert.match(
      repology.requests[0].path,
      /^\/tools\/project-by\?repo=debian_12&name_type=binname&target_page=api_v1_project&noautoresolve=on&name=xsltproc$/,
    );
    assert.equal(await client.projectByBinary("debian_12", "nothing"), undefined);
    const port = (evil.addr as Deno.NetAddr).port;
    const redirected = new RepologyClient({
      baseUrl: `http://127.0.0.1:${port}`,
      clock: fakeClock(),
    });
    await assert.rejects(
      () => redirected.projectByBinary("debian_12", "x"),
      /redirected outside .*: refused/,
    );
  } finally {
    await repology.close();
    await evil.shutdown();
  }
});

Deno.test("an answer that is not a list of packages is an error, not a resolution", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (r) =>
      r.url.endsWith("/html") ? new Response("<html>") : Response.json([{ repo: "debian_12" }]),
  );
  try {
    const port = (server.addr as Deno.NetAddr).port;
    const client = new RepologyClient({ baseUrl: `http://127.0.0.1:${port}`, clock: fakeClock() });
    await assert.rejects(() => client.project("jq"), /is not a list of packages/);
    await assert.rejects(() => client.project("html"), /is not JSON/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("base URLs: http(s) only, no credentials or query", () => {
  assert.equal(repologyBaseUrl("https://repology.org/"), "https://repology.org");
  assert.equal(
    repologyBaseUrl("http://mirror.local:8080/repology"),
    "http://mirror.local:8080/repology",
  );
  for (
    const bad of ["file:///etc/passwd", "https://u:p@repology.org", "https://r.org/?x=1", "nope"]
  ) {
    assert.throws(
      () => repologyBaseUrl(bad),
      (e: unknown) => e instanceof HostkitError && e.kind === "usage",
    );
  }
});
