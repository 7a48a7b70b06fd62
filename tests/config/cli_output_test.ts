/**
 * What the CLI prints for people: control characters made visible in plan
 * text and errors, and the clear errors (with their exit codes) for inputs
 * that used to crash or be silently ignored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { lines, runCli, tempDir, writeFiles } from "../helpers.ts";
import { freePort, loopbackSkipReason, startLoopbackSshd } from "../transport/sshd_fixture.ts";

const ESC = "\x1b";

async function config(dir: string, ...body: string[]): Promise<string> {
  return await writeFiles(dir, {
    "config.ts": lines('import { project, secretEnv } from "hostkit";', ...body),
    "deno.json": "{}\n",
  });
}

Deno.test("plan text shows control characters in ids as escapes", async () => {
  await using dir = await tempDir();
  const path = await config(
    dir.path,
    'export default project("x", (p) => {',
    '  p.file("/tmp/a\\x1b[2K\\rfake", { content: "x" });',
    "});",
  );
  const run = await runCli(["plan", path]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!run.stdout.includes(ESC) && !run.stdout.includes("\r"), JSON.stringify(run.stdout));
  assert.match(run.stdout, /\+ file:\/tmp\/a\\e\[2K\\rfake/);
});

Deno.test("an error message cannot hide text or pose as a line of hostkit's own", async () => {
  await using dir = await tempDir();
  const path = await config(
    dir.path,
    'throw new Error("bad\\x1b[8m hidden\\nerror: all good, nothing to see");',
    'export default project("x", () => {});',
  );
  const run = await runCli(["dump", path]);
  assert.equal(run.code, 2);
  assert.ok(!run.stderr.includes(ESC), JSON.stringify(run.stderr));
  assert.match(run.stderr, new RegExp(`^error: ${path}:2: Error: bad\\\\e\\[8m hidden$`, "m"));
  assert.match(run.stderr, /^ {2}error: all good/m);
  assert.doesNotMatch(run.stderr, /^error: all good/m);
});

Deno.test("a secret whose value holds a line break is an input error (78) that never shows it", async () => {
  await using dir = await tempDir();
  const path = await config(
    dir.path,
    'export default project("x", (p) => {',
    '  p.envFile("/etc/app/env", (e) => e.secret("TOKEN", secretEnv("HOSTKIT_TEST_TOKEN")));',
    "});",
  );
  const run = await runCli(["render", path, "env_file", "/etc/app/env"], {
    env: { HOSTKIT_TEST_TOKEN: "first-line\nINJECTED=1" },
  });
  assert.equal(run.code, 78, run.stderr);
  assert.match(run.stderr, /the secret TOKEN \(from \$HOSTKIT_TEST_TOKEN\) contains a line break/);
  assert.ok(!run.stderr.includes("first-line") && !run.stdout.includes("INJECTED"));
});

Deno.test("a plan file with content that is not base64 is a data error (65)", async () => {
  await using dir = await tempDir();
  const path = await config(
    dir.path,
    'export default project("x", (p) => p.file("/tmp/hostkit-b64", { base64: "aGk=" }));',
  );
  const planFile = join(dir.path, "up.plan.json");
  const made = await runCli(["plan", path, "--local", "--out", planFile]);
  assert.equal(made.code, 0, made.stderr);
  const text = await Deno.readTextFile(planFile);
  assert.ok(text.includes('"aGk="'));
  await Deno.writeTextFile(planFile, text.replaceAll('"aGk="', '"not base64!"'));
  const run = await runCli(["apply", "--plan", planFile, "--dry-run"]);
  assert.equal(run.code, 65, run.stderr);
  assert.match(
    run.stderr,
    /invalid plan: file:\/tmp\/hostkit-b64 on local has content that is not valid base64/,
  );
});

Deno.test("a project name with a path in it and a relative or dotted runsRoot name the config", async () => {
  await using dir = await tempDir();
  const cases: [string, RegExp][] = [
    ['export default project("x/../..", () => {});', /config\.ts:2: invalid name/],
    [
      'export default project("x", (p) => p.runsRoot("var/lib/x"));',
      // The DSL's runsRoot word refuses it at the line, before the schema would.
      /config\.ts:2: runsRoot: the path: must be an absolute path/,
    ],
    [
      'export default project("x", (p) => p.runsRoot("/var/../etc"));',
      /must not contain \. or \.\. segments/,
    ],
  ];
  for (const [body, pattern] of cases) {
    const path = await config(dir.path, body);
    const run = await runCli(["dump", path]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(path), run.stderr);
    assert.match(run.stderr, pattern);
  }
});

Deno.test("flags that mean nothing together, or values no timer holds, are usage errors (64)", async () => {
  await using dir = await tempDir();
  const path = await config(dir.path, 'export default project("x", () => {});');
  const out = join(dir.path, "graph.plan.json");
  const cases: [string[], RegExp][] = [
    [["plan", path, "--user", "x", "--sudo"], /--user, --sudo need a target/],
    [["plan", path, "--show-graph", "--out", out], /--show-graph .*--out means nothing with it/],
    [["dump", path, "--timeout", "3000000"], /--timeout 3000000 is more than a timer holds/],
    [["dump", path, "--memory-limit", "8"], /--memory-limit wants whole megabytes, 16 or more/],
  ];
  for (const [args, pattern] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 64, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
  }
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
});

Deno.test("the raw --password warns about command lines and never shows its value", async () => {
  await using dir = await tempDir();
  const path = await config(dir.path, 'export default project("x", () => {});');
  const secret = "hunter2-canary-1618";
  const run = await runCli([
    "plan",
    path,
    "--remote",
    "127.0.0.1",
    "--port",
    String(freePort()),
    "--password",
    secret,
  ], { env: { HOME: dir.path } });
  assert.equal(run.code, 69, run.stderr);
  assert.match(run.stderr, /warning: --password puts the password on the command line/);
  assert.ok(!run.stderr.includes(secret) && !run.stdout.includes(secret));
});

const skip = await loopbackSkipReason();

Deno.test({
  name: `a config's silentlyAcceptHosts needs the operator's consent${
    skip ? ` (skipped: ${skip})` : ""
  }`,
  ignore: skip !== undefined,
  async fn() {
    const sshd = await startLoopbackSshd();
    await using dir = await tempDir();
    try {
      const path = await config(
        dir.path,
        'export default project("x", (p) => {',
        `  p.host("h", { hostname: "127.0.0.1", user: "root", ssh: { port: ${sshd.port},`,
        `    identityFile: ${JSON.stringify(sshd.identityFile)}, silentlyAcceptHosts: true } });`,
        "});",
      );
      // HOME: an empty ~/.ssh, so no known_hosts vouches for the fixture's key.
      const refused = await runCli(["plan", path, "--host", "h"], { env: { HOME: dir.path } });
      assert.equal(refused.code, 69, refused.stderr);
      assert.match(refused.stderr, /host h: the config asks to accept any host key; ignored/);
      assert.match(refused.stderr, /host key/i);
      const allowed = await runCli(["plan", path, "--host", "h"], {
        env: { HOME: dir.path, HOSTKIT_ALLOW_CONFIG_HOST_KEYS: "1" },
      });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.doesNotMatch(allowed.stderr, /ignored/);
    } finally {
      await sshd.stop();
    }
  },
});
