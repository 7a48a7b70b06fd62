/**
 * mise on a real host: the real mise binary (npm's @jdxcode/mise-linux-x64, served on the
 * address the host reaches the controller at) bootstrapped by `hk_mise` after hostkit
 * installed its downloader (curl, by meaning through the fake Repology); a tool installed
 * offline through mise's `http:` backend from a tarball on the same server; mise's own
 * `ls --installed --json` read back; a command run with `mise exec`; and `s.mise` applied.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";
import { startFakeRepology } from "../packages/fake_repology.ts";
import {
  hkMiseFunction,
  MISE_DOWNLOAD_X86_64,
  MISE_VERSION,
  miseExecArgv,
  miseInstalledScript,
  parseMiseInstalled,
} from "../../src/packages/mise.ts";
import { quote } from "../../src/transport/shell.ts";

const hosts = await testHosts();
const host = hosts[1] ?? hosts[0];
const BIN = "/usr/local/bin/mise";
const DATA = "/usr/local/share/mise";

async function root(command: string, stdin?: string): Promise<string> {
  const r = await sshExec(host, "root", command, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

async function sha256(path: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The real mise tarball from the npm registry (kept across runs beside the test hosts). */
async function miseTarball(): Promise<string> {
  const cache = join(Deno.env.get("HOSTKIT_NSPAWN_DIR") ?? Deno.makeTempDirSync(), "cache");
  await Deno.mkdir(cache, { recursive: true });
  const path = join(cache, `jdxcode-mise-linux-x64-${MISE_VERSION}.tgz`);
  if (!(await Deno.stat(path).catch(() => null))) {
    const out = await new Deno.Command("npm", {
      args: ["pack", `@jdxcode/mise-linux-x64@${MISE_VERSION}`, "--pack-destination", cache],
      stdout: "null",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  }
  return path;
}

/** `hkhello-VERSION.tar.gz`: one top directory with bin/hkhello, as release tarballs are. */
async function toolTarball(dir: string, version: string): Promise<string> {
  const top = join(dir, "tool", `hkhello-${version}`, "bin");
  await Deno.mkdir(top, { recursive: true });
  await Deno.writeTextFile(join(top, "hkhello"), `#!/bin/sh\necho "hkhello ${version} $*"\n`);
  await Deno.chmod(join(top, "hkhello"), 0o755);
  const name = `hkhello-${version}.tar.gz`;
  const out = await new Deno.Command("tar", {
    args: ["-czf", join(dir, name), "-C", join(dir, "tool"), `hkhello-${version}`],
  }).output();
  assert.equal(out.code, 0);
  return name;
}

Deno.test("packages: mise is bootstrapped from a checked download and installs a tool offline", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-mise-" });
  const tarball = await miseTarball();
  // The pinned default sum is the real tarball's.
  assert.equal(await sha256(tarball), MISE_DOWNLOAD_X86_64.sha256);
  await Deno.copyFile(tarball, join(dir, "mise.tgz"));
  const v1 = await toolTarball(dir, "1.0.0");
  const v2 = await toolTarball(dir, "2.0.0");
  const gateway = await root("ip -4 route show default | awk '{ print $3; exit }'");
  const server = Deno.serve({ hostname: gateway, port: 0, onListen() {} }, async (request) => {
    const name = new URL(request.url).pathname.slice(1);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) return new Response("no", { status: 404 });
    return new Response(await Deno.readFile(join(dir, name)).catch(() => null), {
      status: name && (await Deno.stat(join(dir, name)).catch(() => null)) ? 200 : 404,
    });
  });
  const repology = startFakeRepology();
  try {
    const base = `http://${gateway}:${(server.addr as Deno.NetAddr).port}`;
    await root(`rm -rf ${BIN} ${DATA}`);

    // Without a downloader the bootstrap says what to declare.
    const bare = await sshExec(host, "root", "sh -s", {
      stdin:
        `${hkMiseFunction()}\nPATH=/nonexistent:/usr/sbin:/sbin; command -v curl || hk_mise ${BIN} ${DATA} x 1 ${base}/mise.tgz ${MISE_DOWNLOAD_X86_64.sha256}\n`,
    });
    if (!bare.stdout.includes("/curl")) {
      assert.match(bare.stdout, /neither curl nor wget is installed: declare s\.package\("curl"\)/);
    }

    // hostkit installs the downloader, by meaning.
    const prereqs = await writeConfig(host, `  p.service("mise", (s) => { s.package("curl"); });`);
    const installed = await hostkit([
      "apply",
      prereqs,
      "--host",
      "it",
      "--repology-url",
      repology.url,
      "--no-repology-cache",
      "--confirm",
    ]);
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);

    // Bootstrap + an offline tool install, exactly as apply programs call it.
    const tool = `http:hkhello[url=${base}/${v1}]`;
    const script = `${hkMiseFunction()}\nhk_mise ${BIN} ${DATA} ${
      quote(tool)
    } 1.0.0 ${base}/mise.tgz ${MISE_DOWNLOAD_X86_64.sha256}\n`;
    await root("sh -s", script);
    assert.match(
      await root(`${BIN} --version`),
      new RegExp(`^${MISE_VERSION.replaceAll(".", "\\.")} linux-x64`),
    );

    // A wrong sum never replaces anything.
    const bad = await sshExec(host, "root", "sh -s", {
      stdin: `${hkMiseFunction()}\nhk_mise /usr/local/bin/mise-bad ${DATA} x 1 ${base}/mise.tgz ${
        "0".repeat(64)
      }\n`,
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /expected 0{64}: not installed/);
    assert.equal((await sshExec(host, "root", "test -e /usr/local/bin/mise-bad")).code, 1);

    // mise itself says what is installed; the tool runs inside mise.
    const listed = parseMiseInstalled(await root("sh -s", miseInstalledScript(BIN, DATA)), DATA);
    assert.deepEqual(listed?.get("http:hkhello"), ["1.0.0"]);
    const argv = miseExecArgv({ binary: BIN, systemDataDir: DATA }, [{
      name: tool,
      version: "1.0.0",
    }], [
      "hkhello",
      "from mise",
    ]);
    assert.equal(await root(argv.map((a) => quote(a)).join(" ")), "hkhello 1.0.0 from mise");

    // s.mise through hostkit apply, the download from the config (a mirror): a wrong sha256
    // fails the apply clearly and installs nothing.
    await root(`rm -rf ${BIN}`);
    const tool2 = JSON.stringify(`http:hkhello[url=${base}/${v2}]`);
    const miseConfig = (sum: string) =>
      writeConfig(
        host,
        `  p.service("tools", (s) => {
    s.mise({ path: "${BIN}", systemDataDir: "${DATA}", url: "${base}/mise.tgz", sha256: "${sum}" }, (m) => {
      m.tool(${tool2}, "2.0.0");
    });
    s.command("greet", {
      exec: ["sh", "-c", "hkhello through hostkit > /run/hk-mise-greeting"],
      runtime: "mise",
      creates: "/run/hk-mise-greeting",
    });
  });`,
      );
    const wrong = await hostkit([
      "apply",
      await miseConfig("f".repeat(64)),
      "--host",
      "it",
      "--confirm",
    ]);
    assert.notEqual(wrong.code, 0, wrong.stdout + wrong.stderr);
    assert.match(
      wrong.stdout + wrong.stderr,
      new RegExp(`expected ${"f".repeat(64)}: not installed`),
    );
    assert.equal((await sshExec(host, "root", `test -e ${BIN}`)).code, 1, "no mise binary");
    assert.equal((await sshExec(host, "root", "test -e /run/hk-mise-greeting")).code, 1);

    const config = await miseConfig(MISE_DOWNLOAD_X86_64.sha256);
    const planned = await hostkit(["plan", config, "--host", "it"]);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    assert.match(
      planned.stdout,
      /inside mise exec http:hkhello@2\.0\.0 \(\/usr\/local\/bin\/mise\)/,
    );
    const applied = await hostkit(["apply", config, "--host", "it", "--confirm"]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(
      await root(`${BIN} --version`),
      new RegExp(`^${MISE_VERSION.replaceAll(".", "\\.")} `),
    );
    const after = parseMiseInstalled(await root("sh -s", miseInstalledScript(BIN, DATA)), DATA);
    // 1.0.0 is the one hk_mise installed above (only the binary was removed).
    assert.deepEqual(after?.get("http:hkhello")?.sort(), ["1.0.0", "2.0.0"]);
    // The command ran inside mise exec: the offline http: tool was on its PATH.
    assert.equal(await root("cat /run/hk-mise-greeting"), "hkhello 2.0.0 through hostkit");
    const again = await hostkit(["plan", config, "--host", "it", "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout).summary.create + JSON.parse(again.stdout).summary.update,
      0,
    );
  } finally {
    await sshExec(host, "root", `rm -rf ${BIN} ${DATA} /run/hk-mise-greeting`);
    await repology.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
