/**
 * The dnf, pacman and apk fragments (probe reads, version reads, install and removal) run
 * against the real package managers where this machine has them (Debian ships `dnf`, `rpm`,
 * `createrepo-c` and `pacman-package-manager`): packages built here (rpmbuild; a pacman package
 * and sync database made by hand in their documented formats) in local repositories, installed
 * into a private root. Wrappers on PATH add only the options that point each manager at that
 * root (`--installroot`, `--root`, `--config`); the fragments' own commands and output parsing
 * are the ones hosts run. apk is not packaged for Debian: its fragment runs against a
 * stand-in printing `apk policy`'s format from apk-tools' source (src/app_policy.c).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  packageStateScript,
  parsePackageStates,
  pinnedManagerProbe,
} from "../../src/packages/probe.ts";
import { PROBE_PRELUDE } from "../../src/facts/probe.ts";
import { REMOTE_LIB } from "../../src/apply/remote.ts";
import { packageKind, packageSpec } from "../../src/kinds/package.ts";
import { type Package, ResourceSchema } from "../../src/model/resource.ts";
import { tempDir } from "../helpers.ts";

async function has(...commands: string[]): Promise<boolean> {
  for (const c of commands) {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${c}`], stdout: "null" })
      .output();
    if (out.code !== 0) return false;
  }
  return true;
}

async function sh(script: string, path: string): Promise<{ code: number; out: string }> {
  const result = await new Deno.Command("sh", {
    args: ["-c", script],
    env: { PATH: `${path}:/usr/sbin:/usr/bin:/sbin:/bin`, LC_ALL: "C" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  return { code: result.code, out };
}

async function must(script: string, path = ""): Promise<string> {
  const r = await sh(script, path);
  assert.equal(r.code, 0, `${script}\n${r.out}`);
  return r.out;
}

/** One sh function of the apply library, as apply programs define it. */
function libFunction(name: string): string {
  const start = REMOTE_LIB.indexOf(`\n${name}() {`);
  const end = REMOTE_LIB.indexOf("\n}\n", start);
  assert.ok(start >= 0 && end > start, name);
  return REMOTE_LIB.slice(start, end + 3);
}

const pkg = (data: Record<string, unknown>) =>
  ResourceSchema.parse({ kind: "package", name: "hkdemo", ...data }) as Package;

/** `hk_packages` of the probe, for `manager`, as the host's probe runs it for `names`. */
function hostProbe(manager: string, names: string[]): string {
  return `${PROBE_PRELUDE}\nHK_PM=${manager} HK_PKG_IDX='${names.map((_, i) => i).join(" ")}' ` +
    `HK_PKG_NAMES='${names.join(" ")}' hk_packages ${names.join(" ")}`;
}

function stateOf(output: string, index: number) {
  const tags = output.split("\n").filter((l) => l.startsWith(`${index}\t`)).map((l) => {
    const [, tag, ...value] = l.split("\t");
    return [tag, value.join("\t")] as [string, string];
  });
  return packageKind.parse(pkg({}), tags).package;
}

Deno.test({
  name: "dnf: real rpm/dnf read, pin-install, re-read and remove packages of a local repository",
  ignore: !(await has("dnf", "rpm", "rpmbuild", "createrepo_c")),
  fn: async () => {
    await using dir = await tempDir("hostkit-dnf-");
    const t = dir.path;
    for (const v of ["1.0", "2.0"]) {
      await Deno.writeTextFile(
        join(t, `hkdemo-${v}.spec`),
        `Name: hkdemo\nVersion: ${v}\nRelease: 1\nSummary: hostkit test\nLicense: MIT\nBuildArch: noarch\n%description\nempty\n%files\n`,
      );
      await must(`rpmbuild --quiet --define '_topdir ${t}/build' -bb ${t}/hkdemo-${v}.spec`);
    }
    await must(
      `mkdir -p ${t}/repo ${t}/repos ${t}/root ${t}/bin && cp ${t}/build/RPMS/noarch/*.rpm ${t}/repo/ && createrepo_c -q ${t}/repo`,
    );
    await Deno.writeTextFile(
      join(t, "repos/hk.repo"),
      `[hk]\nname=hk\nbaseurl=file://${t}/repo\ngpgcheck=0\nenabled=1\n`,
    );
    await Deno.writeTextFile(
      join(t, "bin/dnf"),
      `#!/bin/sh\nexec /usr/bin/dnf --installroot=${t}/root --setopt=reposdir=${t}/repos --setopt=cachedir=${t}/cache --releasever=1 "$@"\n`,
    );
    await Deno.writeTextFile(
      join(t, "bin/rpm"),
      `#!/bin/sh\nexec /usr/bin/rpm --root=${t}/root "$@"\n`,
    );
    await must(`chmod +x ${t}/bin/dnf ${t}/bin/rpm`);
    const bin = join(t, "bin");

    // Nothing installed: the versions the repository offers, the highest as the candidate.
    const before = parsePackageStates(
      await must(packageStateScript([{ manager: "dnf", names: ["hkdemo", "nosuch"] }]), bin),
      ["hkdemo", "nosuch"],
    );
    assert.deepEqual(before.get("hkdemo"), {
      candidate: "2.0-1",
      available: ["1.0-1", "2.0-1"],
    });
    assert.deepEqual(before.get("nosuch"), { available: [] });
    assert.deepEqual(stateOf(await must(hostProbe("dnf", ["hkdemo"]), bin), 0), {
      installed: false,
    });

    // A pinned install in dnf's syntax, through the apply library's hk_install.
    const spec = packageSpec(pkg({ version: "1.0-1" }), "dnf");
    assert.equal(spec, "hkdemo-1.0-1");
    await must(`${libFunction("hk_install")}\nhk_install dnf 0 ${spec} >/dev/null`, bin);
    const after = parsePackageStates(
      await must(packageStateScript([{ manager: "dnf", names: ["hkdemo"] }]), bin),
      ["hkdemo"],
    );
    assert.equal(after.get("hkdemo")?.installed, "1.0-1");
    assert.deepEqual(stateOf(await must(hostProbe("dnf", ["hkdemo", "nosuch"]), bin), 0), {
      installed: true,
      version: "1.0-1",
    });
    assert.deepEqual(stateOf(await must(pinnedManagerProbe(0, "dnf", "hkdemo"), bin), 0), {
      installed: true,
      version: "1.0-1",
    });
    await must(
      `${libFunction("hk_remove_packages")}\nhk_remove_packages dnf hkdemo >/dev/null`,
      bin,
    );
    assert.deepEqual(stateOf(await must(hostProbe("dnf", ["hkdemo"]), bin), 0), {
      installed: false,
    });
  },
});

/** A pacman package (.PKGINFO only) and its sync database entry, in pacman's formats. */
async function pacmanRepo(t: string, version: string): Promise<void> {
  const build = join(t, `b${version}`);
  await Deno.mkdir(build, { recursive: true });
  await Deno.writeTextFile(
    join(build, ".PKGINFO"),
    `pkgname = hkdemo\npkgbase = hkdemo\npkgver = ${version}\npkgdesc = hostkit test\nbuilddate = 1700000000\npackager = hostkit\nsize = 0\narch = any\nlicense = MIT\n`,
  );
  const file = `hkdemo-${version}-any.pkg.tar.gz`;
  await must(`mkdir -p ${t}/pkg && cd ${build} && tar -czf ${t}/pkg/${file} .PKGINFO`);
  const size = (await Deno.stat(join(t, "pkg", file))).size;
  const sum = (await must(`sha256sum ${t}/pkg/${file}`)).slice(0, 64);
  const entry = join(t, "dbsrc", `hkdemo-${version}`);
  await Deno.mkdir(entry, { recursive: true });
  await Deno.writeTextFile(
    join(entry, "desc"),
    [
      ["FILENAME", file],
      ["NAME", "hkdemo"],
      ["VERSION", version],
      ["DESC", "hostkit test"],
      ["CSIZE", String(size)],
      ["ISIZE", "0"],
      ["SHA256SUM", sum],
      ["ARCH", "any"],
      ["BUILDDATE", "1700000000"],
    ].map(([k, v]) => `%${k}%\n${v}\n`).join("\n") + "\n",
  );
  await must(
    `rm -f ${t}/pkg/hk.db* && cd ${t}/dbsrc && tar -czf ${t}/pkg/hk.db.tar.gz * && ln -sf hk.db.tar.gz ${t}/pkg/hk.db`,
  );
}

Deno.test({
  name:
    "pacman: real pacman reads, installs (with -Sy), re-reads and removes a local repository's package",
  ignore: !(await has("pacman")),
  fn: async () => {
    await using dir = await tempDir("hostkit-pacman-");
    const t = dir.path;
    await pacmanRepo(t, "2.0-1");
    await must(`mkdir -p ${t}/db ${t}/cache ${t}/root ${t}/bin`);
    await Deno.writeTextFile(
      join(t, "pacman.conf"),
      `[options]\nRootDir = ${t}/root/\nDBPath = ${t}/db/\nCacheDir = ${t}/cache/\nArchitecture = auto\nSigLevel = Never\n[hk]\nServer = file://${t}/pkg\n`,
    );
    await Deno.writeTextFile(
      join(t, "bin/pacman"),
      `#!/bin/sh\nexec /usr/bin/pacman --config ${t}/pacman.conf "$@"\n`,
    );
    await must(`chmod +x ${t}/bin/pacman`);
    const bin = join(t, "bin");

    // A pinned version is refused: pacman cannot install one.
    assert.throws(() => packageSpec(pkg({ version: "1.0-1" }), "pacman"), /cannot be pinned/);
    // update=1 syncs the databases first (pacman -Sy), as a fresh host needs.
    await must(`${libFunction("hk_install")}\nhk_install pacman 1 hkdemo >/dev/null`, bin);
    const states = parsePackageStates(
      await must(packageStateScript([{ manager: "pacman", names: ["hkdemo", "nosuch"] }]), bin),
      ["hkdemo", "nosuch"],
    );
    assert.deepEqual(states.get("hkdemo"), {
      installed: "2.0-1",
      candidate: "2.0-1",
      available: ["2.0-1"],
    });
    assert.deepEqual(states.get("nosuch"), { available: [] });
    assert.deepEqual(stateOf(await must(hostProbe("pacman", ["hkdemo", "nosuch"]), bin), 0), {
      installed: true,
      version: "2.0-1",
    });
    assert.deepEqual(stateOf(await must(hostProbe("pacman", ["hkdemo", "nosuch"]), bin), 1), {
      installed: false,
    });
    await must(
      `${libFunction("hk_remove_packages")}\nhk_remove_packages pacman hkdemo >/dev/null`,
      bin,
    );
    assert.deepEqual(stateOf(await must(hostProbe("pacman", ["hkdemo"]), bin), 0), {
      installed: false,
    });
  },
});

Deno.test("apk: the fragments parse apk policy's format (apk-tools src/app_policy.c); not run against a real apk", async () => {
  await using dir = await tempDir("hostkit-apk-");
  const t = dir.path;
  // The stand-in prints what app_policy.c prints: "NAME policy:", "  VERSION:", then one line
  // per repository ("@tag URL" for tagged ones) and "    lib/apk/db/installed" when installed;
  // `apk version -t A B` answers <, = or > (here by sort -V).
  await Deno.mkdir(join(t, "bin"));
  await Deno.writeTextFile(
    join(t, "bin/apk"),
    `#!/bin/sh
case "$1" in
  policy)
    [ "$3" = curl ] || exit 0
    printf '%s\\n' 'curl policy:' '  8.9.1-r1:' '    https://dl-cdn.alpinelinux.org/alpine/v3.20/main' \\
      '  8.12.0-r0:' '    @edge https://dl-cdn.alpinelinux.org/alpine/edge/main' \\
      '  8.9.0-r0:' '    lib/apk/db/installed' '    https://dl-cdn.alpinelinux.org/alpine/v3.20/main' ;;
  version)
    [ "$3" = "$4" ] && { echo =; exit; }
    [ "$(printf '%s\\n%s\\n' "$3" "$4" | sort -V | tail -1)" = "$3" ] && echo '>' || echo '<' ;;
esac
`,
  );
  await must(`chmod +x ${t}/bin/apk`);
  const bin = join(t, "bin");
  const script = packageStateScript([{ manager: "apk", names: ["curl", "nosuch"] }]);
  assert.equal((await sh(`sh -n <<'EOF'\n${script}\nEOF`, bin)).code, 0);
  const states = parsePackageStates(await must(script, bin), ["curl", "nosuch"]);
  // The candidate is the highest untagged version, not the @edge one, nor the last listed.
  assert.deepEqual(states.get("curl"), {
    installed: "8.9.0-r0",
    candidate: "8.9.1-r1",
    available: ["8.9.1-r1", "8.12.0-r0", "8.9.0-r0"],
  });
  assert.deepEqual(states.get("nosuch"), { available: [] });
  const probe = await must(hostProbe("apk", ["curl", "nosuch"]), bin);
  assert.deepEqual(stateOf(probe, 0), { installed: true, version: "8.9.0-r0" });
  assert.deepEqual(stateOf(probe, 1), { installed: false });
  assert.equal(packageSpec(pkg({ version: "8.9.1-r1" }), "apk"), "hkdemo=8.9.1-r1");
  for (const f of ["hk_install", "hk_remove_packages"]) {
    assert.equal((await sh(`sh -n <<'EOF'\n${libFunction(f)}\nEOF`, bin)).code, 0, f);
  }
});
