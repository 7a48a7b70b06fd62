/**
 * The sandbox: configs run with every permission denied. Each way of touching
 * the host is refused with a message that says so, and nothing happens.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../src/config/error.ts";
import { load } from "../../src/config/load.ts";
import { lines, runScript, tempDir, writeFiles } from "../helpers.ts";

const RUNNER = new URL("./load_runner.ts", import.meta.url).pathname;

/** Loads `body` (lines after the hostkit import) and returns the refusal. */
async function refused(dir: string, ...body: string[]): Promise<ConfigError> {
  const config = await writeFiles(dir, {
    "config.ts": lines('import { project } from "hostkit";', ...body),
  });
  try {
    await load(config);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.kind, "config");
    assert.equal(error.exitCode, 2);
    return error;
  }
  throw new Error("the config loaded");
}

function assertTouched(error: ConfigError, file: string, line: number) {
  assert.match(error.message, /the config tried to touch the host/);
  assert.match(error.message, /Configs run with no permissions/);
  assert.equal(error.origin, `${file}:${line}`);
  assert.ok(error.message.startsWith(`${file}:${line}: `), error.message);
}

Deno.test("reading a file is refused", async () => {
  await using dir = await tempDir();
  const secret = await writeFiles(dir.path, { "secret.txt": "s3cret" });
  const error = await refused(
    dir.path,
    `const key = Deno.readTextFileSync(${JSON.stringify(secret)});`,
    'export default project("x", (p) => p.file("/k", { content: key }));',
  );
  assertTouched(error, join(dir.path, "config.ts"), 2);
  assert.match(error.message, /read access/);
  assert.ok(!error.message.includes("s3cret"));
});

Deno.test("reading a file inside the project body is refused at that line", async () => {
  await using dir = await tempDir();
  const error = await refused(
    dir.path,
    'export default project("x", (p) => {',
    '  p.file("/etc/hosts", { content: Deno.readTextFileSync("/etc/hosts") });',
    "});",
  );
  assertTouched(error, join(dir.path, "config.ts"), 3);
});

Deno.test("running a command is refused and the command does not run", async () => {
  await using dir = await tempDir();
  const marker = join(dir.path, "ran");
  const error = await refused(
    dir.path,
    `new Deno.Command("/bin/sh", { args: ["-c", "touch ${marker}"] }).outputSync();`,
    'export default project("x", () => {});',
  );
  assertTouched(error, join(dir.path, "config.ts"), 2);
  assert.match(error.message, /run access/);
  await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
});

Deno.test("fetching a URL is refused and no request is made", async () => {
  await using dir = await tempDir();
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("export default 1;", { headers: { "content-type": "text/javascript" } });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const error = await refused(
      dir.path,
      `await fetch(${JSON.stringify(url)});`,
      'export default project("x", () => {});',
    );
    assertTouched(error, join(dir.path, "config.ts"), 2);
    assert.match(error.message, /net access/);

    const computed = await refused(
      dir.path,
      `const where = ${JSON.stringify(url)} + "mod.js";`,
      "await import(where);",
      'export default project("x", () => {});',
    );
    assert.match(computed.message, /cannot import\("http:/);
    assert.equal(requests, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("reading an environment variable is refused", async () => {
  await using dir = await tempDir();
  const error = await refused(
    dir.path,
    'const password = Deno.env.get("HOME");',
    'export default project("x", () => {});',
  );
  assertTouched(error, join(dir.path, "config.ts"), 2);
  assert.match(error.message, /env access/);
  assert.match(error.message, /use secretEnv/);
});

Deno.test("writing a file is refused and the file is not written", async () => {
  await using dir = await tempDir();
  const target = join(dir.path, "written.txt");
  const error = await refused(
    dir.path,
    'export default project("x", (p) => {',
    `  Deno.writeTextFileSync(${JSON.stringify(target)}, "owned");`,
    "});",
  );
  assertTouched(error, join(dir.path, "config.ts"), 3);
  assert.match(error.message, /write access/);
  await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
});

Deno.test("importing node built-ins or remote modules is refused before anything runs", async () => {
  await using dir = await tempDir();
  const marker = join(dir.path, "ran");
  for (const specifier of ["node:child_process", "npm:left-pad", "https://example.com/x.ts"]) {
    const error = await refused(
      dir.path,
      `import ${JSON.stringify(specifier)};`,
      `Deno.writeTextFileSync(${JSON.stringify(marker)}, "x");`,
      'export default project("x", () => {});',
    );
    assert.match(
      error.message,
      new RegExp(`config\\.ts:2: cannot import "${specifier.replace(/[.:/]/g, "\\$&")}"`),
    );
  }
  await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
});

Deno.test("an endless loop ends in a timeout error naming the config", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "loop.ts": lines(
      'import { project } from "hostkit";',
      "while (true) {}",
      'export default project("x", () => {});',
    ),
  });
  const run = await runScript(RUNNER, [config, "300"]);
  assert.equal(run.code, 0, run.stderr);
  const outcome = JSON.parse(run.stdout);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.name, "ConfigError");
  assert.equal(outcome.kind, "config");
  assert.match(outcome.message, new RegExp(`^${config}: evaluating the config took longer`));
  assert.match(outcome.message, /0\.3 s \(an endless loop\?\)/);
  assert.match(outcome.message, /--timeout/);
});

Deno.test("a config that exits its worker is reported at once, at its line, not as a timeout", async () => {
  await using dir = await tempDir();
  const statements = ["Deno.exit(3);", "self.close();", "globalThis.close();", "process.exit(1);"];
  for (const statement of statements) {
    const config = await writeFiles(dir.path, {
      "exit.ts": lines(
        'import { project } from "hostkit";',
        statement,
        'export default project("x", () => {});',
      ),
    });
    const run = await runScript(RUNNER, [config, "3000"]);
    const outcome = JSON.parse(run.stdout);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.name, "ConfigError", statement);
    // Its own message, not the timeout's: the sandbox did not wait for the 3 s limit.
    assert.match(outcome.message, new RegExp(`^${config}:2: configs cannot exit`), statement);
  }
});

Deno.test("exiting inside the project body is refused the same way", async () => {
  await using dir = await tempDir();
  const error = await refused(
    dir.path,
    'export default project("x", () => {',
    "  Deno.exit();",
    "});",
  );
  assert.match(error.message, /:3: configs cannot exit \(Deno\.exit\(\) was called\)/);
});
