/**
 * A pinned version installs that version: a local apt repository with two versions of a
 * small package (built with dpkg-deb, served over HTTP on the address the host reaches the
 * controller at), resolved by meaning through the fake Repology.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";
import { REPOLOGY_PROJECTS, startFakeRepology } from "../packages/fake_repology.ts";

const [host] = await testHosts();
const SOURCES = "/etc/apt/sources.list.d/hk-pinned.list";
const DIRECT = "/etc/apt/apt.conf.d/99hk-pinned";

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A flat apt repository (Packages + Release) with `hk-demo` in each of `versions`. */
async function aptRepository(dir: string, versions: string[]): Promise<void> {
  const stanzas: string[] = [];
  for (const version of versions) {
    const root = join(dir, `build-${version}`);
    await Deno.mkdir(join(root, "DEBIAN"), { recursive: true });
    await Deno.mkdir(join(root, "usr/share/hk-demo"), { recursive: true });
    await Deno.writeTextFile(join(root, "usr/share/hk-demo/version"), `${version}\n`);
    await Deno.writeTextFile(
      join(root, "DEBIAN/control"),
      `Package: hk-demo\nVersion: ${version}\nArchitecture: all\nMaintainer: hostkit tests <tests@hostkit.invalid>\n` +
        `Section: misc\nPriority: optional\nDescription: hostkit pinned-version test package\n`,
    );
    const deb = `hk-demo_${version}_all.deb`;
    await run("dpkg-deb", ["--root-owner-group", "--build", root, join(dir, deb)]);
    const bytes = await Deno.readFile(join(dir, deb));
    const control = (await run("dpkg-deb", ["-f", join(dir, deb)])).trimEnd();
    stanzas.push(
      `${control}\nFilename: ./${deb}\nSize: ${bytes.length}\nSHA256: ${await sha256(bytes)}\n`,
    );
  }
  const packages = new TextEncoder().encode(stanzas.join("\n")) as Uint8Array<ArrayBuffer>;
  await Deno.writeFile(join(dir, "Packages"), packages);
  await Deno.writeTextFile(
    join(dir, "Release"),
    `Origin: hostkit-tests\nLabel: hostkit-tests\nDate: ${
      new Date().toUTCString()
    }\nSHA256:\n ${await sha256(
      packages,
    )} ${packages.length} Packages\n`,
  );
}

Deno.test("packages: a pinned version installs that version, and a new pin updates it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-apt-" });
  const gateway = await root("ip -4 route show default | awk '{ print $3; exit }'");
  const server = Deno.serve({ hostname: gateway, port: 0, onListen() {} }, async (request) => {
    const name = new URL(request.url).pathname.replace(/^\/(\.\/)?/, "");
    if (!/^[A-Za-z0-9._+~-]+$/.test(name)) return new Response("no", { status: 404 });
    try {
      return new Response(await Deno.readFile(join(dir, name)));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const repology = startFakeRepology({
    projects: {
      ...REPOLOGY_PROJECTS,
      "hk-demo": [{ repo: "debian_12", srcname: "hk-demo", binnames: ["hk-demo"], version: "2.0" }],
    },
  });
  try {
    await aptRepository(dir, ["1.0-1", "2.0-1"]);
    const url = `http://${gateway}:${(server.addr as Deno.NetAddr).port}/`;
    await root(
      `echo 'deb [trusted=yes] ${url} ./' > ${SOURCES} && ` +
        `echo 'Acquire::http::Proxy::${gateway} "DIRECT";' > ${DIRECT} && ` +
        `apt-get update -q -o Dir::Etc::sourcelist=${SOURCES} -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`,
    );
    assert.equal(await root("apt-cache policy hk-demo | sed -n 's/^  Candidate: //p'"), "2.0-1");

    const flags = ["--host", "it", "--repology-url", repology.url, "--no-repology-cache"];
    const pinned = (version: string) =>
      writeConfig(
        host,
        `  p.service("demo", (s) => { s.package("hk_demo", { version: "${version}" }); });`,
      );
    const v1 = await pinned("1.0-1");
    const first = await hostkit(["apply", v1, ...flags, "--confirm"]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(await root("dpkg-query -W -f='${Version}' hk-demo"), "1.0-1");
    assert.equal(await root("cat /usr/share/hk-demo/version"), "1.0-1");
    const again = await hostkit(["plan", v1, ...flags, "--detailed-exitcode"]);
    assert.equal(again.code, 0, again.stdout + again.stderr);

    const v2 = await pinned("2.0-1");
    const planned = await hostkit(["plan", v2, ...flags, "--detailed-exitcode"]);
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    assert.match(planned.stdout, /~ package:hk_demo/);
    const second = await hostkit(["apply", v2, ...flags, "--confirm"]);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(await root("dpkg-query -W -f='${Version}' hk-demo"), "2.0-1");
  } finally {
    await sshExec(
      host,
      "root",
      `dpkg --purge hk-demo >/dev/null 2>&1; rm -f ${SOURCES} ${DIRECT}; rm -f /var/lib/apt/lists/*hk*`,
    );
    await repology.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
