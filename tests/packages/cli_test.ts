import assert from "node:assert/strict";
import { join } from "node:path";
import { ExitCode } from "../../src/errors.ts";
import { runCli, tempDir, writeFiles } from "../helpers.ts";
import { startFakeRepology } from "./fake_repology.ts";

const CONFIG = `import { project } from "hostkit";
export default project("tools", (p) => {
  p.service("tools", (s) => {
    s.package("openssl_dev");
    s.package("ca_certificates");
    s.package("tree_viewer", { as: "tree" });
  });
});
`;

Deno.test("plan --package-repo resolves semantic names through --repology-url and caches the answers", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, { "infra.ts": CONFIG });
  const repology = startFakeRepology();
  try {
    const args = [
      "plan",
      config,
      "--package-repo",
      "debian_12",
      "--repology-url",
      repology.url,
      "--json",
    ];
    const r = await runCli(args, { cwd: dir.path });
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    const packages = plan.hosts[0].changes.map((c: { resource: { name: string; as: string } }) => [
      c.resource.name,
      c.resource.as,
    ]);
    assert.deepEqual(packages, [
      ["openssl_dev", "libssl-dev"],
      ["ca_certificates", "ca-certificates"],
      ["tree_viewer", "tree"],
    ]);
    assert.ok(
      plan.diagnostics.includes("package openssl_dev → libssl-dev (debian_12, from repology)"),
    );
    assert.equal(repology.requests.length, 2);
    // The default cache is under the working directory; a second plan asks nobody.
    const cached = [...Deno.readDirSync(join(dir.path, ".hostkit/cache/repology/project"))].map((
      e,
    ) => e.name);
    assert.deepEqual(cached.sort(), ["ca-certificates.json", "openssl.json"]);
    const again = await runCli(args, { cwd: dir.path });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(repology.requests.length, 2);
    // HOSTKIT_REPOLOGY_URL works as the flag; --no-repology-cache asks again.
    const env = await runCli(
      ["plan", config, "--package-repo", "debian_12", "--no-repology-cache"],
      { cwd: dir.path, env: { HOSTKIT_REPOLOGY_URL: repology.url } },
    );
    assert.equal(env.code, 0, env.stderr);
    assert.match(
      env.stdout,
      /note: package ca_certificates → ca-certificates \(debian_12, from repology\)/,
    );
    assert.equal(repology.requests.length, 4);
  } finally {
    await repology.close();
  }
});

Deno.test("plan: a name missing from the repository exits with a message naming the config line", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, { "infra.ts": CONFIG });
  const repology = startFakeRepology();
  try {
    const r = await runCli(
      ["plan", config, "--package-repo", "ubuntu_24_04", "--repology-url", repology.url],
      { cwd: dir.path },
    );
    assert.equal(r.code, ExitCode.input, r.stderr);
    assert.match(
      r.stderr,
      /package openssl_dev \(Repology project openssl\) has no package in ubuntu_24_04; repositories that have it: alpine_3_20, arch, debian_12, fedora_41 \(.*infra\.ts:4/,
    );
  } finally {
    await repology.close();
  }
});

Deno.test("plan --package-lock resolves without any network and names what the lock lacks", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "infra.ts": CONFIG,
    "ok.lock": JSON.stringify({
      format: "hostkit.package-lock",
      version: 1,
      repositories: {
        debian_12: {
          ca_certificates: { package: "ca-certificates", version: "20230311" },
          openssl_dev: { package: "libssl-dev", version: "3.0.15-1~deb12u1" },
        },
      },
    }),
    "partial.lock": JSON.stringify({
      format: "hostkit.package-lock",
      version: 1,
      repositories: {
        debian_12: { ca_certificates: { package: "ca-certificates", version: "1" } },
      },
    }),
  });
  // An unroutable Repology: any request would fail the plan.
  const env = { HOSTKIT_REPOLOGY_URL: "http://127.0.0.1:9" };
  const ok = await runCli(["plan", config, "--package-lock", join(dir.path, "ok.lock"), "--json"], {
    cwd: dir.path,
    env,
  });
  assert.equal(ok.code, 0, ok.stderr);
  const changes = JSON.parse(ok.stdout).hosts[0].changes;
  assert.deepEqual(changes[0].resource.as, "libssl-dev");
  assert.deepEqual(changes[0].resource.version, "3.0.15-1~deb12u1");
  const partial = await runCli(["plan", config, "--package-lock", join(dir.path, "partial.lock")], {
    cwd: dir.path,
    env,
  });
  assert.equal(partial.code, ExitCode.input, partial.stderr);
  assert.match(partial.stderr, /partial\.lock has no entry for package openssl_dev in debian_12/);
  const other = await runCli(
    ["plan", config, "--package-lock", join(dir.path, "ok.lock"), "--package-repo", "fedora_41"],
    { cwd: dir.path, env },
  );
  assert.equal(other.code, ExitCode.input, other.stderr);
  assert.match(other.stderr, /ok\.lock was made for debian_12, not fedora_41/);
});

Deno.test("package flags: bad values and meaningless combinations are usage errors", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, { "infra.ts": CONFIG });
  const cases: [string[], RegExp][] = [
    [
      ["--package-repo", "../debian_12"],
      /--package-repo "\.\.\/debian_12": expected a Repology repository/,
    ],
    [["--repology-url", "file:///etc/passwd"], /--repology-url "file:\/\/\/etc\/passwd"/],
    [["--repology-cache-ttl", "soon"], /--repology-cache-ttl "soon"/],
    [["--no-repology-cache", "--repology-cache", "x"], /--no-repology-cache excludes/],
    [
      ["--package-lock", "x.lock", "--repology-url", "http://127.0.0.1:9"],
      /--repology-url means nothing with it/,
    ],
    [["--write-package-lock", "x.lock"], /--write-package-lock reads the versions from a host/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(["plan", config, ...flags], { cwd: dir.path });
    assert.equal(r.code, ExitCode.usage, `${flags.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const saved = await runCli([
    "apply",
    "--plan",
    "x.json",
    "--package-repo",
    "debian_12",
    "--confirm",
  ], { cwd: dir.path });
  assert.equal(saved.code, ExitCode.usage, saved.stderr);
  assert.match(saved.stderr, /a saved plan is applied exactly as reviewed/);
});

Deno.test("an offline plan without --package-repo says the names are not resolved", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, { "infra.ts": CONFIG });
  const r = await runCli(["plan", config], {
    cwd: dir.path,
    env: { HOSTKIT_REPOLOGY_URL: "http://127.0.0.1:9" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /note: semantic packages \(openssl_dev, ca_certificates\) are not resolved in an offline plan: name the repository with --package-repo/,
  );
});

Deno.test("plan notes mise's prerequisites when the config declares none", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "infra.ts": `import { project } from "hostkit";
export default project("tools", (p) => {
  p.service("tools", (s) => { s.mise({}, (m) => { m.tool("erlang", "29.0.2"); }); });
});
`,
    "ok.ts": `import { project } from "hostkit";
export default project("tools", (p) => {
  p.service("tools", (s) => {
    s.package("downloader", { as: "curl" });
    s.package("ca_certificates", { as: "ca-certificates" });
    s.mise({}, (m) => { m.tool("erlang", "29.0.2"); });
  });
});
`,
  });
  const r = await runCli(["plan", config], { cwd: dir.path });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /note: mise tools are declared but not curl \(or wget\) and ca_certificates/,
  );
  const ok = await runCli(["plan", join(dir.path, "ok.ts")], { cwd: dir.path });
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stdout, /mise tools are declared/);
});

Deno.test("an unreachable host is reported as such, not hidden by package resolution", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, { "infra.ts": CONFIG });
  const repology = startFakeRepology();
  try {
    const r = await runCli(
      [
        "plan",
        config,
        "--remote",
        "127.0.0.1",
        "--port",
        "9",
        "--user",
        "root",
        "--repology-url",
        repology.url,
      ],
      { cwd: dir.path },
    );
    assert.equal(r.code, ExitCode.unreachable, r.stdout + r.stderr);
    assert.match(r.stderr, /1 of 1 hosts could not be planned/);
    // Names are resolved before the hosts are read (one request per project), so that each
    // host's one probe reads every candidate; the host's failure is still what the plan says.
    assert.equal(repology.requests.length, 2);
  } finally {
    await repology.close();
  }
});
