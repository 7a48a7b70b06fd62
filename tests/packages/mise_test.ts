import assert from "node:assert/strict";
import { join } from "node:path";
import { HostkitError } from "../../src/errors.ts";
import {
  hkMiseFunction,
  miseDownload,
  miseExecArgv,
  miseInstalledScript,
  parseMiseInstalled,
} from "../../src/packages/mise.ts";
import { tempDir } from "../helpers.ts";

// What `mise ls --installed --json` printed (mise 2026.9.15) after `mise install --system`.
const LS_JSON = `{
  "http:hkhello": [
    {
      "version": "1.0.0",
      "install_path": "/usr/local/share/mise/installs/http-hkhello/1.0.0",
      "installed": true,
      "active": false
    }
  ],
  "erlang": [
    {
      "version": "29.0.2",
      "install_path": "/root/.local/share/mise/installs/erlang/29.0.2",
      "installed": true,
      "active": false
    }
  ]
}`;

Deno.test("mise ls --installed --json: only installs under the system data dir count", () => {
  const output = `mise\tinstalled\t${LS_JSON.replaceAll("\n", "")}\n`;
  const tools = parseMiseInstalled(output, "/usr/local/share/mise");
  assert.deepEqual([...tools!], [["http:hkhello", ["1.0.0"]]]);
  assert.equal(parseMiseInstalled("mise\tmissing\t\n", "/usr/local/share/mise"), undefined);
  assert.deepEqual([...parseMiseInstalled("mise\tinstalled\t\n", "/x")!], []);
  assert.throws(() => parseMiseInstalled("mise\tinstalled\t{oops\n", "/x"), /did not print JSON/);
});

Deno.test("the installed-versions fragment asks the mise binary, or says it is missing", async () => {
  await using dir = await tempDir();
  const fake = join(dir.path, "mise");
  // A stand-in that prints what real mise prints, and the data dir it was given.
  await Deno.writeTextFile(
    fake,
    `#!/bin/sh\n[ "$1 $2 $3" = "ls --installed --json" ] || exit 9\necho '{"jq": [{"version": "1.7",'\necho '"install_path": "'"$MISE_SYSTEM_DATA_DIR"'/installs/jq/1.7"}]}'\n`,
  );
  await Deno.chmod(fake, 0o755);
  const run = (script: string) =>
    new TextDecoder().decode(new Deno.Command("sh", { args: ["-c", script] }).outputSync().stdout);
  const out = run(miseInstalledScript(fake, "/opt/mise data"));
  assert.deepEqual([...parseMiseInstalled(out, "/opt/mise data")!], [["jq", ["1.7"]]]);
  assert.equal(
    parseMiseInstalled(run(miseInstalledScript(join(dir.path, "none"), "/x")), "/x"),
    undefined,
  );
});

Deno.test('runtime "mise": mise exec tool@version -- argv', () => {
  assert.deepEqual(
    miseExecArgv(
      { binary: "/usr/local/bin/mise", systemDataDir: "/usr/local/share/mise" },
      [{ name: "erlang", version: "29.0.2" }, { name: "http:x[url=http://h/x.tgz]", version: "1" }],
      ["mix", "ecto.migrate"],
    ),
    [
      "env",
      "MISE_SYSTEM_DATA_DIR=/usr/local/share/mise",
      "/usr/local/bin/mise",
      "exec",
      "erlang@29.0.2",
      "http:x@1",
      "--",
      "mix",
      "ecto.migrate",
    ],
  );
  assert.throws(() => miseExecArgv({ binary: "/m", systemDataDir: "/d" }, [], ["x"]), HostkitError);
});

Deno.test("mise downloads for mirrors are checked", () => {
  assert.deepEqual(miseDownload("http://10.0.0.1/mise.tgz", "a".repeat(64)), {
    url: "http://10.0.0.1/mise.tgz",
    sha256: "a".repeat(64),
  });
  assert.throws(
    () => miseDownload("file:///etc/shadow", "a".repeat(64)),
    /must be an http\(s\) URL/,
  );
  assert.throws(
    () => miseDownload("http://x/'; rm -rf /", "a".repeat(64)),
    /must be an http\(s\) URL/,
  );
  assert.throws(() => miseDownload("http://x/m", "abc"), /64 lowercase hex/);
});

async function tarball(dir: string, layout: "package/bin" | "mise/bin", script: string) {
  const root = join(dir, "src");
  await Deno.mkdir(join(root, layout), { recursive: true });
  await Deno.writeTextFile(join(root, layout, "mise"), script);
  await Deno.chmod(join(root, layout, "mise"), 0o755);
  const out = join(dir, "mise.tgz");
  const tar = new Deno.Command("tar", { args: ["-czf", out, "-C", root, layout.split("/")[0]] })
    .outputSync();
  assert.equal(tar.code, 0);
  const bytes = await Deno.readFile(out);
  const sum = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return { bytes, sum };
}

Deno.test("hk_mise: fetches, checks the sha256, installs atomically, then installs the tool", async () => {
  await using dir = await tempDir();
  // A stand-in mise that records how it was called.
  const { bytes, sum } = await tarball(
    dir.path,
    "package/bin",
    `#!/bin/sh\necho "MISE_SYSTEM_DATA_DIR=$MISE_SYSTEM_DATA_DIR $*" >> "${dir.path}/calls"\n`,
  );
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes),
  );
  try {
    const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/mise.tgz`;
    const bin = join(dir.path, "bin", "mise");
    const sh = (args: string) =>
      new Deno.Command("sh", { args: ["-c", `${hkMiseFunction()}\nhk_mise ${args}`] }).output();
    const bad = await sh(`${bin} ${dir.path}/data erlang 29.0.2 ${url} ${"0".repeat(64)}`);
    assert.equal(bad.code, 1);
    assert.match(
      new TextDecoder().decode(bad.stdout),
      new RegExp(`has sha256 ${sum}, expected 0{64}: not installed`),
    );
    assert.equal(await Deno.stat(bin).catch(() => null), null, "nothing installed on a bad sum");
    const good = await sh(`${bin} ${dir.path}/data erlang 29.0.2 ${url} ${sum}`);
    assert.equal(good.code, 0, new TextDecoder().decode(good.stdout));
    assert.equal((await Deno.stat(bin)).mode! & 0o777, 0o755);
    assert.equal(
      await Deno.readTextFile(join(dir.path, "calls")),
      `MISE_SYSTEM_DATA_DIR=${dir.path}/data install --system -- erlang@29.0.2\n`,
    );
    assert.deepEqual([...Deno.readDirSync(join(dir.path, "bin"))].map((e) => e.name), ["mise"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("hk_mise: without curl or wget the error says what to declare", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "path");
  await Deno.mkdir(path);
  for (const tool of ["uname", "mkdir", "tar", "sha256sum", "mktemp", "rm", "cut"]) {
    const found = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).outputSync();
    await Deno.symlink(new TextDecoder().decode(found.stdout).trim(), join(path, tool));
  }
  const r = new Deno.Command("/bin/sh", {
    args: ["-c", `${hkMiseFunction()}\nhk_mise ${dir.path}/mise ${dir.path}/data jq 1.7`],
    env: { PATH: path },
    clearEnv: true,
  }).outputSync();
  assert.equal(r.code, 1);
  assert.match(
    new TextDecoder().decode(r.stdout),
    /mise is missing at .* and neither curl nor wget is installed: declare s\.package\("curl"\) and s\.package\("ca_certificates"\)/,
  );
});
