/**
 * Ansible for comparison (`deno task bench --ansible` only: its 1,000-file copy takes
 * minutes): Debian's `ansible` package, installed with apt when missing, pipelining on.
 *
 * @module
 */
import { run } from "../hosts/proc.ts";
import { sshArgs, type TestHost } from "../hosts/test_host.ts";

async function ready(work: string, host: TestHost): Promise<string> {
  await run("sh", [
    "-c",
    "command -v ansible-playbook >/dev/null || (apt-get update -qq && " +
    "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible)",
  ]);
  // Ansible's modules are Python: the test hosts (debootstrap minbase) have none.
  await run("ssh", [
    ...sshArgs(host, "root"),
    "--",
    "command -v python3 >/dev/null || " +
    "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3",
  ]);
  const inventory = `${work}/inventory`;
  await Deno.writeTextFile(
    inventory,
    `bench ansible_host=${host.address} ansible_user=root ansible_python_interpreter=/usr/bin/python3 ` +
      `ansible_ssh_private_key_file=${host.identityFile} ` +
      `ansible_ssh_common_args='-o UserKnownHostsFile=${host.knownHostsFile}'\n`,
  );
  return inventory;
}

async function playbook(inventory: string, path: string): Promise<number> {
  const start = performance.now();
  const result = await run("ansible-playbook", ["-i", inventory, path], {
    env: { ANSIBLE_PIPELINING: "1", ANSIBLE_HOST_KEY_CHECKING: "False" },
    allowFail: true,
  });
  if (result.code !== 0) {
    // ansible-playbook reports failed tasks on stdout.
    throw new Error(`ansible-playbook ${path} failed (exit ${result.code}):\n${result.stdout}`);
  }
  return (performance.now() - start) / 1000;
}

/** Seconds for Ansible's copy module to copy the files of `dir` (a directory copy). */
export async function ansibleFiles(work: string, host: TestHost, dir: string): Promise<number> {
  const inventory = await ready(work, host);
  const path = `${work}/ansible-files.yml`;
  await Deno.writeTextFile(
    path,
    `- hosts: bench\n  gather_facts: false\n  tasks:\n` +
      `    - copy: { src: "${dir}/", dest: /srv/ansible-files/ }\n`,
  );
  return await playbook(inventory, path);
}

/** Seconds for the small service's first run and its no-op rerun. */
export async function ansibleService(work: string, host: TestHost): Promise<[number, number]> {
  const inventory = await ready(work, host);
  const path = `${work}/ansible-service.yml`;
  await Deno.writeTextFile(
    path,
    `- hosts: bench
  gather_facts: false
  tasks:
    - user: { name: answeb, system: true, home: /var/lib/answeb, create_home: false }
    - file: { path: /srv/answeb, state: directory, owner: answeb, mode: "0750" }
    - copy: { dest: /etc/answeb.env, content: "PORT=4000\\n", group: answeb, mode: "0640" }
    - copy:
        dest: /etc/systemd/system/answeb.service
        content: |
          [Service]
          User=answeb
          EnvironmentFile=/etc/answeb.env
          ExecStart=/usr/bin/sleep infinity
          NoNewPrivileges=yes
          ProtectSystem=strict
          ProtectHome=yes
          PrivateTmp=yes
          [Install]
          WantedBy=multi-user.target
    - systemd: { name: answeb.service, daemon_reload: true, enabled: true, state: started }
`,
  );
  return [await playbook(inventory, path), await playbook(inventory, path)];
}
