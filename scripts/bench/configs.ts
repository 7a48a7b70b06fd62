/**
 * The configs the bench applies: N small files, a small service (account, directory, env file,
 * hardened unit, started), on one host or several.
 *
 * @module
 */
import type { TestHost } from "../hosts/test_host.ts";

/** A `p.host` block for a test host, logged in as root. */
export function hostBlock(name: string, host: TestHost): string {
  return `  p.host(${JSON.stringify(name)}, (h) => {
    h.hostname(${JSON.stringify(host.address)});
    h.user("root");
    h.ssh({ identityFile: ${JSON.stringify(host.identityFile)}, knownHostsFiles: [${
    JSON.stringify(host.knownHostsFile)
  }] });
  });`;
}

/** Writes `DIR/NAME.ts`, a project with the hosts (name → host) and `body`; returns its path. */
export async function writeConfig(
  dir: string,
  name: string,
  hosts: Record<string, TestHost>,
  body: string,
): Promise<string> {
  const path = `${dir}/${name}.ts`;
  const blocks = Object.entries(hosts).map(([n, h]) => hostBlock(n, h)).join("\n");
  await Deno.writeTextFile(
    path,
    `import { project } from "hostkit";\nexport default project(${
      JSON.stringify(name)
    }, (p) => {\n${blocks}\n${body}\n});\n`,
  );
  return path;
}

/** `count` small files under `dir`; `version` changes every file's content. */
export function filesBody(dir: string, count: number, version = 0): string {
  return `  for (let i = 0; i < ${count}; i++) {
    p.file(\`${dir}/f\${i}.txt\`, { content: \`file \${i} v${version}\\n\` });
  }`;
}

/** The small service of the issue: account, directory, env file, hardened unit, started. */
export function serviceBody(name: string): string {
  return `  p.service(${JSON.stringify(name)}, (s) => {
    s.account(${JSON.stringify(name)}, { system: true, home: "/var/lib/${name}" });
    s.directory("/srv/${name}", { owner: ${JSON.stringify(name)}, mode: 0o750 });
    s.envFile("/etc/${name}.env", { group: ${
    JSON.stringify(name)
  }, mode: 0o640 }, (e) => { e.set("PORT", 4000); });
    s.daemon("${name}.service", (d) => {
      d.serviceUser(${JSON.stringify(name)});
      d.environmentFile("/etc/${name}.env");
      d.execStart(["/usr/bin/sleep", "infinity"]);
      d.hardening("web_service");
      d.wantedBy("multi_user");
    });
  });`;
}
