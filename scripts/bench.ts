/**
 * `deno task bench`: hostkit's numbers on a real test host, reported as ratios
 * against the physical floor (`tar c | ssh tar x`) and the goals in the brief.
 *
 * ```sh
 * deno task bench            # boots one nspawn host (root), measures, tears it down
 *                            # (waits for an integration run to finish first: they share hosts)
 * deno task bench --keep     # leave the host up
 * deno task bench --ansible  # also Ansible's copy module (installs Debian's ansible)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { lockRuns } from "./integration.ts";
import { nspawnBackend } from "./nspawn.ts";
import { run } from "./hosts/proc.ts";
import { sshArgs, type TestHost } from "./hosts/test_host.ts";
import { benchTransport } from "./bench/transport.ts";
import { load } from "../src/config/load.ts";
import { sshTarget } from "../src/transport/ssh.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const FILES = 1000;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [(performance.now() - start) / 1000, result];
}

async function cli(args: string[]): Promise<number> {
  const [seconds, out] = await timed(() =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO}/cli.ts`, ...args],
      stdout: "null",
      stderr: "piped",
    })
      .output()
  );
  if (out.code !== 0) {
    throw new Error(`hostkit ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return seconds;
}

function hostBlock(host: TestHost): string {
  return `  p.host("bench", (h) => {
    h.hostname(${JSON.stringify(host.address)});
    h.user("root");
    h.ssh({ identityFile: ${JSON.stringify(host.identityFile)}, knownHostsFiles: [${
    JSON.stringify(host.knownHostsFile)
  }] });
  });`;
}

async function writeConfig(
  dir: string,
  name: string,
  body: string,
  host: TestHost,
): Promise<string> {
  const path = `${dir}/${name}.ts`;
  await Deno.writeTextFile(
    path,
    `import { project } from "hostkit";\nexport default project(${
      JSON.stringify(name)
    }, (p) => {\n${hostBlock(host)}\n${body}\n});\n`,
  );
  return path;
}

async function benchLoad(): Promise<Record<string, number>> {
  const numbers: Record<string, number> = {};
  for (const entry of Deno.readDirSync(`${REPO}/examples`)) {
    // Conventions modules are `--require`d by configs, not configs themselves.
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_conventions.ts")) continue;
    const path = `${REPO}/examples/${entry.name}`;
    const [first] = await timed(() => load(path));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await timed(() => load(path)))[0]);
    numbers[`load ${entry.name} first (ms)`] = Math.round(first * 1000);
    numbers[`load ${entry.name} after (ms)`] = Math.round(Math.min(...times) * 1000);
  }
  return numbers;
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: { keep: { type: "boolean" }, ansible: { type: "boolean" } },
  });
  const report: Record<string, number | string> = {};
  Object.assign(report, await benchLoad());
  // The test hosts are shared: never boot (and then tear down) hosts under an integration run.
  await lockRuns("bench");
  const [host] = await nspawnBackend.ensure(1);
  const work = await Deno.makeTempDir({ prefix: "hostkit-bench-" });
  try {
    // Transport latency.
    const target = sshTarget({
      host: host.address,
      user: "root",
      identityFile: host.identityFile,
      knownHostsFiles: [host.knownHostsFile],
      agent: false,
    });
    try {
      for (const [key, value] of Object.entries(await benchTransport(target))) {
        report[`ssh ${key}`] = value;
      }
    } finally {
      await target.close();
    }

    // 1000 small files: the floor is one tar stream through the system ssh client.
    await Deno.mkdir(`${work}/files`);
    for (let i = 0; i < FILES; i++) {
      await Deno.writeTextFile(`${work}/files/f${i}.txt`, `file ${i}\n`);
    }
    const ssh = sshArgs(host, "root").join(" ");
    const [floor] = await timed(() =>
      run("sh", [
        "-c",
        `tar c -C ${work}/files . | ssh ${ssh} 'mkdir -p /srv/floor && tar x -C /srv/floor'`,
      ])
    );
    const many = await writeConfig(
      work,
      "many",
      `  for (let i = 0; i < ${FILES}; i++) p.file(\`/srv/bench/f\${i}.txt\`, { content: \`file \${i}\\n\` });`,
      host,
    );
    const manyFirst = await cli(["apply", many, "--host", "bench", "--confirm"]);
    const manyNoop = await cli(["apply", many, "--host", "bench", "--confirm"]);
    report["1000 files: tar|ssh floor (s)"] = +floor.toFixed(2);
    report["1000 files: hostkit apply, first (s)"] = +manyFirst.toFixed(2);
    report["1000 files: hostkit apply, no-op (s)"] = +manyNoop.toFixed(2);
    report["1000 files: hostkit / floor (goal ≤ 1.5)"] = +(manyFirst / floor).toFixed(2);

    // A small service deploy: account, directory, env file, unit; then a no-op rerun.
    const service = await writeConfig(
      work,
      "service",
      `  p.service("web", (s) => {
    s.account("bench-web", { system: true, home: "/var/lib/bench-web" });
    s.directory("/srv/bench-web", { owner: "bench-web", mode: 0o750 });
    s.envFile("/etc/bench-web.env", { group: "bench-web", mode: 0o640 }, (e) => { e.set("PORT", 4000); });
    s.daemon("bench-web.service", (d) => {
      d.serviceUser("bench-web");
      d.environmentFile("/etc/bench-web.env");
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.hardening("web_service");
      d.wantedBy("multi_user");
    });
  });`,
      host,
    );
    const serviceFirst = await cli(["apply", service, "--host", "bench", "--confirm"]);
    const serviceNoop = await cli(["apply", service, "--host", "bench", "--confirm"]);
    report["service deploy, first (s) (goal < 1.2; pyinfra 4.5, Ansible 5.3)"] = +serviceFirst
      .toFixed(2);
    report["service deploy, no-op (s) (goal < 0.6; pyinfra 3.2, Ansible 4.8)"] = +serviceNoop
      .toFixed(2);
    report["service first: pyinfra / hostkit"] = +(4.5 / serviceFirst).toFixed(1);
    report["service first: Ansible / hostkit"] = +(5.3 / serviceFirst).toFixed(1);

    if (values.ansible) {
      await run("sh", [
        "-c",
        "command -v ansible-playbook || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible)",
      ]);
      const count = 100;
      await Deno.writeTextFile(
        `${work}/inventory`,
        `bench ansible_host=${host.address} ansible_user=root ansible_python_interpreter=/usr/bin/python3 ansible_ssh_private_key_file=${host.identityFile} ansible_ssh_common_args='-o UserKnownHostsFile=${host.knownHostsFile}'\n`,
      );
      await Deno.writeTextFile(
        `${work}/copy.yml`,
        `- hosts: bench\n  gather_facts: false\n  tasks:\n    - copy: { src: "${work}/files/f{{ item }}.txt", dest: "/srv/ansible/f{{ item }}.txt" }\n      loop: "{{ range(0, ${count}) | list }}"\n`,
      );
      // Ansible's modules are Python: the test hosts (debootstrap minbase) have none.
      await run("ssh", [
        ...sshArgs(host, "root"),
        "--",
        "mkdir -p /srv/ansible && { command -v python3 >/dev/null || " +
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3; }",
      ]);
      const [ansible, playbook] = await timed(() =>
        run("ansible-playbook", ["-i", `${work}/inventory`, `${work}/copy.yml`], {
          env: { ANSIBLE_PIPELINING: "1", ANSIBLE_HOST_KEY_CHECKING: "False" },
          allowFail: true,
        })
      );
      if (playbook.code !== 0) {
        // ansible-playbook reports failed tasks on stdout.
        throw new Error(`ansible-playbook failed (exit ${playbook.code}):\n${playbook.stdout}`);
      }
      const perFile = ansible / count;
      report[`Ansible copy, ${count} files (s)`] = +ansible.toFixed(1);
      report["1000 files: Ansible (extrapolated) / hostkit (goal ≥ 20)"] =
        +((perFile * FILES) / manyFirst).toFixed(0);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
    if (!values.keep) await nspawnBackend.destroy();
    // Also when a later measurement failed: the numbers taken so far still count.
    for (const [key, value] of Object.entries(report)) console.log(`${key.padEnd(72)} ${value}`);
  }
}

if (import.meta.main) await main();
