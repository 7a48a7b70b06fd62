/**
 * Helpers for end-to-end scenarios: write a config that declares a test host,
 * run the real CLI against it, and count execs through a Target.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { TestHost } from "./hosts.ts";
import { sshTarget } from "../../src/transport/ssh.ts";
import { countExecs } from "../helpers.ts";
import type { Target } from "../../src/transport/target.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

/** The output of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How the config reaches the host. */
export interface HostLogin {
  user?: string;
  sudo?: boolean;
  /** A `secretEnv` variable holding the sudo password. */
  sudoPasswordEnv?: string;
}

/**
 * Writes `config.ts` into a fresh temp dir: project `name` with host `it`
 * pointing at the test host, then `body` (statements using `p`). Returns its path.
 */
export async function writeConfig(
  host: TestHost,
  body: string,
  options: HostLogin & {
    name?: string;
    /** Import lines added at the top (relative imports resolve from the config's dir). */
    imports?: string;
    /** `project(name, OPTIONS, (p) => …)`, e.g. `{ providers: [caddy] }`. */
    projectOptions?: string;
    /** Files written beside the config (name → text), e.g. a provider module. */
    files?: Record<string, string>;
  } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-it-" });
  const login = options.user ?? host.users.root;
  const sudoPassword =
    (options.sudoPasswordEnv
      ? `, sudoPassword: secretEnv(${JSON.stringify(options.sudoPasswordEnv)})`
      : "") +
    // A remote host's password secret, as its config declared it (scripts/integration.ts).
    (host.sshPasswordEnv && login === host.users.root
      ? `, password: secretEnv(${JSON.stringify(host.sshPasswordEnv)})`
      : "");
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await Deno.writeTextFile(`${dir}/${name}`, content);
  }
  const projectOptions = options.projectOptions ? `${options.projectOptions}, ` : "";
  const text = `import { project, secretEnv } from "hostkit";
${options.imports ?? ""}
export default project(${JSON.stringify(options.name ?? "it")}, ${projectOptions}(p) => {
  p.host("it", (h) => {
    h.hostname(${JSON.stringify(host.address)});
    h.user(${JSON.stringify(login)});
    h.sudo(${options.sudo === true});
    h.ssh({ port: ${host.port}, identityFile: ${
    JSON.stringify(host.identityFile)
  }, knownHostsFiles: [${JSON.stringify(host.knownHostsFile)}]${sudoPassword} });
  });
${body}
});
`;
  const path = `${dir}/config.ts`;
  await Deno.writeTextFile(path, text);
  return path;
}

/**
 * Runs `hostkit ARGS…` (the real CLI) and collects its output.
 *
 * @example
 * ```ts
 * const r = await hostkit(["plan", config, "--host", "it"]);
 * ```
 */
export async function hostkit(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", CLI, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A target for the test host that counts the commands run through it. */
export function countingTarget(host: TestHost, login: HostLogin = {}): Target & { execs: number } {
  const inner = sshTarget({
    name: "it",
    host: host.address,
    port: host.port,
    user: login.user ?? host.users.root,
    sudo: login.sudo ?? false,
    identityFile: host.identityFile,
    knownHostsFiles: [host.knownHostsFile],
    agent: false,
  });
  return countExecs(inner);
}
