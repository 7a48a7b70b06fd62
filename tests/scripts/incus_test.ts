/**
 * scripts/incus.ts against a fake `incus` (and `sudo`, `ssh`) first on PATH: each fake records
 * its argv and answers like the real tool would, from a small state directory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const SCRIPT = new URL("../../scripts/incus.ts", import.meta.url).pathname;

const RECORD = `d=$FAKE_INCUS_DIR
printf '%s\\0' "$(basename "$0")" "$@" >"$d/calls/$(date +%s%N)-$$"`;

const FAKE_INCUS = `#!/usr/bin/env bash
set -u
${RECORD}
name_of() { n=\${1#/1.0/instances/}; echo "\${n%/*}"; }
case "$1" in
  query)
    case "$2" in
      /1.0/instances)
        printf '['; sep=
        for f in "$d"/instances/*; do
          [ -e "$f" ] && printf '%s"/1.0/instances/%s"' "$sep" "\${f##*/}" && sep=,
        done
        echo ']' ;;
      */snapshots)
        n=$(name_of "$2")
        if [ -e "$d/snapshots/$n" ]; then echo "[\\"/1.0/instances/$n/snapshots/hostkit-clean\\"]"
        else echo '[]'; fi ;;
      */state)
        n=$(name_of "$2")
        [ -e "$d/instances/$n" ] || { echo 'Error: Instance not found' >&2; exit 1; }
        case $n in *-[0-9]*) i=\${n##*-} ;; *) i=1 ;; esac
        echo "{\\"status\\":\\"$(cat "$d/instances/$n")\\",\\"pid\\":$((4000 + i)),\\"network\\":{
          \\"lo\\":{\\"addresses\\":[{\\"family\\":\\"inet\\",\\"address\\":\\"127.0.0.1\\",\\"scope\\":\\"local\\"}]},
          \\"eth0\\":{\\"addresses\\":[{\\"family\\":\\"inet6\\",\\"address\\":\\"fd42::$i\\",\\"scope\\":\\"global\\"},
                      {\\"family\\":\\"inet\\",\\"address\\":\\"10.99.0.$i\\",\\"scope\\":\\"global\\"}]}}}" ;;
    esac ;;
  launch) echo Running >"$d/instances/$3" ;;
  start) echo Running >"$d/instances/$2" ;;
  exec)
    case "$*" in
      *ssh_host_*) echo "ssh-ed25519 AAAAed$2 root@$2"; echo "ecdsa-sha2-nistp256 AAAAec$2 root@$2" ;;
    esac ;;
  snapshot) [ "$2" = create ] && touch "$d/snapshots/$3" ;;
  delete) rm -f "$d/instances/$3" ;;
esac
exit 0
`;

const FAKE_SUDO = `#!/usr/bin/env bash
${RECORD}
exec "$@"
`;

const FAKE_SSH = `#!/usr/bin/env bash
${RECORD}
echo running
`;

interface Fake {
  dir: string;
  keyFile: string;
  /** Runs scripts/incus.ts with `env` added to the fake environment. */
  run(
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The recorded calls so far, oldest first, each as [program, ...args]; then forgets them. */
  takeCalls(): Promise<string[][]>;
  /** Creates an instance that exists before the script runs. */
  addInstance(name: string): Promise<void>;
  instances(): Promise<string[]>;
}

async function withFake(fn: (fake: Fake) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-incus-test-" });
  try {
    const bin = join(dir, "bin");
    for (const sub of ["bin", "calls", "instances", "snapshots", "state"]) {
      await Deno.mkdir(join(dir, sub));
    }
    for (const [name, text] of [["incus", FAKE_INCUS], ["sudo", FAKE_SUDO], ["ssh", FAKE_SSH]]) {
      await Deno.writeTextFile(join(bin, name), text, { mode: 0o755 });
    }
    const keyFile = join(dir, "id_test.pub");
    await Deno.writeTextFile(keyFile, "ssh-ed25519 AAAAtestkey tester@example\n");
    const fake: Fake = {
      dir,
      keyFile,
      async run(args, env = {}) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", "--no-config", SCRIPT, ...args],
          clearEnv: true,
          env: {
            PATH: `${bin}:${Deno.env.get("PATH")}`,
            HOME: dir,
            NO_COLOR: "1",
            FAKE_INCUS_DIR: dir,
            HOSTKIT_INCUS_DIR: join(dir, "state"),
            HOSTKIT_SSH_PUBLIC_KEY: keyFile,
            ...env,
          },
        }).output();
        const text = (b: Uint8Array) => new TextDecoder().decode(b);
        return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
      },
      async takeCalls() {
        const names: string[] = [];
        for await (const entry of Deno.readDir(join(dir, "calls"))) names.push(entry.name);
        const calls: string[][] = [];
        for (const name of names.sort()) {
          const file = join(dir, "calls", name);
          calls.push((await Deno.readTextFile(file)).split("\0").slice(0, -1));
          await Deno.remove(file);
        }
        return calls;
      },
      async addInstance(name) {
        await Deno.writeTextFile(join(dir, "instances", name), "Stopped\n");
      },
      async instances() {
        const names: string[] = [];
        for await (const entry of Deno.readDir(join(dir, "instances"))) names.push(entry.name);
        return names.sort();
      },
    };
    await fn(fake);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const incusArgs = (calls: string[][]) =>
  calls.filter((c) => c[0] === "incus").map((c) => c.slice(1));

Deno.test("incus ensure launches VMs under sudo, provisions and snapshots them", async () => {
  await withFake(async (fake) => {
    const r = await fake.run(["ensure", "2"], {
      HOSTKIT_INCUS_TYPE: "vm",
      HOSTKIT_INCUS_SUDO: "true",
      HOSTKIT_INCUS_INSTANCE: "it-x",
    });
    assert.equal(r.code, 0, r.stderr);
    const hosts = JSON.parse(r.stdout);
    assert.deepEqual(hosts.map((h: { name: string }) => h.name), ["it-x", "it-x-2"]);
    assert.deepEqual(hosts[1], {
      name: "it-x-2",
      address: "10.99.0.2",
      port: 22,
      knownHostsFile: join(fake.dir, "state/known_hosts"),
      identityFile: join(fake.dir, "id_test"),
      publicKeyFile: fake.keyFile,
      backend: "incus",
      users: {
        root: "root",
        nopasswd: { user: "bob", password: "bob-secret" },
        withPassword: { user: "alice", password: "alice-secret" },
      },
    });

    const calls = await fake.takeCalls();
    const sudo = calls.filter((c) => c[0] === "sudo");
    assert.ok(sudo.length > 0 && sudo.every((c) => c[1] === "incus"));
    assert.equal(sudo.length, calls.filter((c) => c[0] === "incus").length);
    const incus = incusArgs(calls);
    for (const name of ["it-x", "it-x-2"]) {
      assert.ok(incus.some((a) => a.join(" ") === `launch images:debian/12 ${name} --vm`));
      assert.ok(incus.some((a) => a.join(" ") === `snapshot create ${name} hostkit-clean`));
      const provision = incus.find((a) =>
        a[0] === "exec" && a[1] === name && a.at(-1)!.includes("useradd")
      );
      assert.ok(provision, `no provisioning of ${name}`);
      assert.deepEqual(provision.slice(2, 5), ["--", "sh", "-c"]);
      for (
        const part of [
          "apt-get install -y -q openssh-server sudo",
          "ssh-ed25519 AAAAtestkey",
          "NOPASSWD",
        ]
      ) {
        assert.ok(provision[5].includes(part), part);
      }
    }
    const ssh = calls.filter((c) => c[0] === "ssh").map((c) => c.join(" "));
    assert.ok(
      ssh.some((c) =>
        c.includes("root@10.99.0.1") && c.includes(`-i ${join(fake.dir, "id_test")}`)
      ),
    );
    assert.ok(
      ssh.every((c) => c.includes(`UserKnownHostsFile=${join(fake.dir, "state/known_hosts")}`)),
    );

    const knownHosts = await Deno.readTextFile(join(fake.dir, "state/known_hosts"));
    assert.match(knownHosts, /^10\.99\.0\.1 ssh-ed25519 AAAAedit-x it-x$/m);
    assert.match(knownHosts, /^10\.99\.0\.2 ecdsa-sha2-nistp256 AAAAecit-x-2 it-x-2$/m);
  });
});

Deno.test("incus ensure reuses instances; reset restores the snapshot; destroy deletes only ours", async () => {
  await withFake(async (fake) => {
    let r = await fake.run(["ensure", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].leaderPid, 4001, "a container's pid is its init");
    let calls = await fake.takeCalls();
    assert.ok(calls.every((c) => c[0] !== "sudo"));
    assert.ok(incusArgs(calls).some((a) => a.join(" ") === "launch images:debian/12 hostkit-it"));

    await fake.addInstance("hostkit-it-2"); // stopped, not provisioned yet
    r = await fake.run(["ensure", "2"]);
    assert.equal(r.code, 0, r.stderr);
    calls = incusArgs(await fake.takeCalls());
    assert.ok(!calls.some((a) => a[0] === "launch"));
    assert.ok(calls.some((a) => a.join(" ") === "start hostkit-it-2"));
    const provisioned = calls.filter((a) => a[0] === "snapshot").map((a) => a[2]);
    assert.deepEqual(provisioned, ["hostkit-it-2"]);

    r = await fake.run(["reset", "hostkit-it"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).address, "10.99.0.1");
    calls = incusArgs(await fake.takeCalls());
    assert.deepEqual(calls[0], ["snapshot", "restore", "hostkit-it", "hostkit-clean"]);

    r = await fake.run(["ip", "hostkit-it-2"]);
    assert.equal(r.stdout, "10.99.0.2\n");

    await fake.addInstance("hostkit-it-backup");
    await fake.addInstance("other");
    r = await fake.run(["destroy"]);
    assert.equal(r.code, 0, r.stderr);
    const deletes = incusArgs(await fake.takeCalls()).filter((a) => a[0] === "delete");
    assert.deepEqual(deletes.map((a) => a.join(" ")).sort(), [
      "delete --force hostkit-it",
      "delete --force hostkit-it-2",
    ]);
    assert.deepEqual(await fake.instances(), ["hostkit-it-backup", "other"]);
  });
});

Deno.test("incus rejects an unknown HOSTKIT_INCUS_TYPE before calling incus", async () => {
  await withFake(async (fake) => {
    const r = await fake.run(["ensure"], { HOSTKIT_INCUS_TYPE: "lxc" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HOSTKIT_INCUS_TYPE must be container or vm, not lxc/);
    assert.deepEqual(await fake.takeCalls(), []);
  });
});
