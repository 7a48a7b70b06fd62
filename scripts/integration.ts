/**
 * `deno task integration`: boots real test hosts, runs tests/integration/ against them, and
 * always tears the hosts down again (also on SIGINT/SIGTERM). Exits with `deno test`'s code.
 *
 * ```sh
 * deno task integration [--junit-path=integration-junit.xml] [--keep] [-- DENO_TEST_ARGS…]
 * deno task integration -- --filter sudo     # extra args go to `deno test`
 * ```
 * `--keep` leaves the hosts running (and their JSON file) for debugging; remove them later
 * with `deno run -A scripts/nspawn.ts destroy` (or incus.ts).
 *
 * Backend: HOSTKIT_INTEGRATION_BACKEND (or the reference's HOSTKIT_INTEGRATION_TOOL) =
 * - `incus`: scripts/incus.ts (HOSTKIT_INCUS_* apply); chosen by default when `incus info` works;
 * - `nspawn`: scripts/nspawn.ts; the default otherwise, as root (it installs what it needs);
 * - `remote`: existing hosts, never booted, reset or torn down: the hosts a hostkit config declares
 *   (HOSTKIT_INTEGRATION_CONFIG=examples/integration_hosts.example.ts, as in the reference; tests
 *   log in as each host's user with its identity file and first known_hosts file), or a JSON file
 *   in HOSTKIT_INTEGRATION_HOSTS (or HOSTKIT_INTEGRATION_CONFIG naming a `.json` file):
 *   either an array of hosts or `{"hosts": [...], "reset": ["cmd", "arg"…]}` (reset: a command
 *   that gets a host name appended and prints the fresh host as JSON). Each host has the
 *   TestHost shape of tests/integration/hosts.ts: `name`, `address`, `identityFile`,
 *   `knownHostsFile` are required; `port` (22), `publicKeyFile` (identityFile + ".pub") and
 *   `users` (root, bob/bob-secret NOPASSWD, alice/alice-secret with password) default.
 * HOSTKIT_INTEGRATION_HOSTS_COUNT: how many hosts to boot (default 2).
 *
 * Tests get the hosts through HOSTKIT_TEST_HOSTS, the path of the JSON file written here.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { incusBackend } from "./incus.ts";
import { nspawnBackend } from "./nspawn.ts";
import { log, onPath, run } from "./hosts/proc.ts";
import {
  type Backend,
  type BackendName,
  type HostsFile,
  TEST_USERS,
  type TestHost,
} from "./hosts/test_host.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SCOPE = "integration";

/** Picks the backend from the environment, or the best one this machine can run. */
export async function chooseBackend(): Promise<BackendName> {
  const requested = Deno.env.get("HOSTKIT_INTEGRATION_BACKEND") ||
    Deno.env.get("HOSTKIT_INTEGRATION_TOOL");
  if (requested) {
    if (requested === "nspawn" || requested === "incus" || requested === "remote") return requested;
    throw new Error(
      `HOSTKIT_INTEGRATION_BACKEND must be nspawn, incus or remote, not ${requested}`,
    );
  }
  if (onPath("incus")) {
    const incus = Deno.env.get("HOSTKIT_INCUS_SUDO") === "true" ? ["sudo", "incus"] : ["incus"];
    const r = await run(incus[0], [...incus.slice(1), "info"], {
      allowFail: true,
      signal: AbortSignal.timeout(15_000),
    }).catch(() => null);
    if (r?.code === 0) return "incus";
  }
  if (Deno.uid() === 0 && (onPath("systemd-nspawn") || onPath("apt-get"))) return "nspawn";
  throw new Error(
    "no test-host backend here: nspawn needs root (and apt-get or systemd-nspawn), incus a " +
      "working `incus info`; or set HOSTKIT_INTEGRATION_BACKEND=remote and " +
      "HOSTKIT_INTEGRATION_HOSTS=hosts.json (see scripts/integration.ts)",
  );
}

/** Existing hosts from the JSON file named by the environment, as a backend that keeps them. */
export async function remoteBackend(): Promise<{ backend: Backend; reset: string[] | null }> {
  const config = Deno.env.get("HOSTKIT_INTEGRATION_CONFIG");
  if (config && !config.endsWith(".json")) return keep(await hostsFromConfig(config), null);
  const path = Deno.env.get("HOSTKIT_INTEGRATION_HOSTS") ||
    (config?.endsWith(".json") ? config : undefined);
  if (!path) {
    throw new Error(
      config
        ? `HOSTKIT_INTEGRATION_CONFIG=${config}: the remote backend reads hosts from a .json ` +
          "file (see scripts/integration.ts); set HOSTKIT_INTEGRATION_HOSTS to one"
        : "the remote backend needs HOSTKIT_INTEGRATION_HOSTS=hosts.json (see scripts/integration.ts)",
    );
  }
  const raw = JSON.parse(await Deno.readTextFile(path));
  const list: unknown[] = Array.isArray(raw) ? raw : raw?.hosts;
  if (!Array.isArray(list) || !list.length) throw new Error(`${path}: no hosts`);
  const hosts = list.map((entry, i) => remoteHost(entry, `${path}: host ${i + 1}`));
  return keep(hosts, Array.isArray(raw) ? null : raw.reset ?? null);
}

/**
 * The hosts a hostkit config declares (as the reference's integration_hosts example),
 * reached with their own SSH settings; tests log in as the host's user.
 */
async function hostsFromConfig(path: string): Promise<TestHost[]> {
  const { load } = await import("../src/config/load.ts");
  const { expandHome } = await import("../src/transport/options.ts");
  const { resolveSecret } = await import("../src/model/secret.ts");
  const project = await load(path);
  if (!project.hosts.length) throw new Error(`${path}: declares no hosts`);
  return project.hosts.map((h) => {
    const identityFile = expandHome(h.ssh.identityFile ?? "~/.ssh/id_ed25519");
    // The password secret (HOSTKIT_SSH_PASSWORD in the example) must be set before any test
    // runs; tests pass the same reference on to hostkit, never the value.
    const password = h.ssh.password;
    if (password) {
      resolveSecret(password, (name) => Deno.env.get(name), `the SSH password of host ${h.name}`);
    }
    return {
      ...(password ? { sshPasswordEnv: password.$secret.env } : {}),
      name: h.name,
      address: h.hostname,
      port: h.ssh.port ?? 22,
      identityFile,
      publicKeyFile: `${identityFile}.pub`,
      knownHostsFile: expandHome(h.ssh.knownHostsFiles[0] ?? "~/.ssh/known_hosts"),
      users: { ...TEST_USERS, root: h.user ?? "root" },
      backend: "remote" as const,
    };
  });
}

function keep(
  hosts: TestHost[],
  reset: string[] | null,
): { backend: Backend; reset: string[] | null } {
  const none = () => Promise.reject(new Error("remote hosts cannot be reset"));
  const backend: Backend = {
    name: "remote",
    ensure: () => Promise.resolve(hosts),
    ip: (name) => Promise.resolve(hosts.find((h) => h.name === (name ?? hosts[0].name))!.address),
    reset: none,
    destroy: () => Promise.resolve(),
  };
  return { backend, reset };
}

function remoteHost(entry: unknown, where: string): TestHost {
  const host = entry as TestHost | null;
  for (const key of ["name", "address", "identityFile", "knownHostsFile"] as const) {
    if (typeof host?.[key] !== "string") throw new Error(`${where}: "${key}" must be a string`);
  }
  return {
    ...host!,
    port: host!.port ?? 22,
    publicKeyFile: host!.publicKeyFile ?? `${host!.identityFile}.pub`,
    users: host!.users ?? TEST_USERS,
    backend: "remote",
  };
}

/**
 * Holds the machine-wide lock of test-host users (integration runs, `deno task bench`) until
 * this process exits: test hosts (the bridge, the addresses, the base image) are shared, and a
 * second user would tear down the hosts of the first. Waits for a holder already going on;
 * `scope` names the waiter in the log line.
 *
 * @example
 * ```ts
 * await lockRuns("bench");
 * const [host] = await nspawnBackend.ensure(1);
 * ```
 */
export async function lockRuns(scope = SCOPE): Promise<void> {
  const path = join(Deno.env.get("TMPDIR") || "/tmp", "hostkit-integration.lock");
  const file = await Deno.open(path, { create: true, write: true });
  if (!await file.tryLock(true)) {
    log(scope, `another run on the test hosts holds ${path}: waiting for it`);
    await file.lock(true);
  }
}

async function main(args: string[]): Promise<number> {
  const split = args.indexOf("--");
  const { values } = parseArgs({
    args: split < 0 ? args : args.slice(0, split),
    options: {
      keep: { type: "boolean", default: false },
      "junit-path": { type: "string", default: "integration-junit.xml" },
    },
  });
  const testArgs = split < 0 ? [] : args.slice(split + 1);
  const count = Number(Deno.env.get("HOSTKIT_INTEGRATION_HOSTS_COUNT") || 2);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error("HOSTKIT_INTEGRATION_HOSTS_COUNT must be a positive integer");
  }

  const name = await chooseBackend();
  if (name !== "remote") await lockRuns();
  const script = join(REPO, "scripts", `${name}.ts`);
  const { backend, reset } = name === "remote" ? await remoteBackend() : {
    backend: name === "nspawn" ? nspawnBackend : incusBackend,
    reset: [Deno.execPath(), "run", "--allow-all", script, "reset"],
  };

  const abort = new AbortController();
  let stoppedBy: Deno.Signal | null = null;
  let tests: Deno.ChildProcess | null = null;
  const onSignal = (signal: Deno.Signal) => () => {
    if (stoppedBy) return log(SCOPE, `${signal}: already stopping, teardown continues`);
    stoppedBy = signal;
    log(SCOPE, `${signal}: stopping, then tearing down`);
    abort.abort();
    try {
      tests?.kill(signal);
    } catch {
      // already exited
    }
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);

  const tmp = await Deno.makeTempDir({ prefix: "hostkit-integration-" });
  const hostsPath = join(tmp, "hosts.json");
  let code = 1;
  const started = Date.now();
  const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
  try {
    log(SCOPE, `backend ${name}: ensuring ${name === "remote" ? "the listed" : count} hosts`);
    const hosts = await backend.ensure(count, { signal: abort.signal });
    const file: HostsFile = { backend: name, reset, hosts };
    await Deno.writeTextFile(hostsPath, JSON.stringify(file, null, 2));
    log(SCOPE, `${hosts.length} hosts ready in ${seconds(started)}: ${hostsPath}`);
    if (!stoppedBy) {
      const testStart = Date.now();
      tests = new Deno.Command(Deno.execPath(), {
        args: [
          "test",
          "--allow-all",
          `--junit-path=${values["junit-path"]}`,
          ...testArgs,
          "tests/integration/",
        ],
        cwd: REPO,
        env: { HOSTKIT_TEST_HOSTS: hostsPath },
      }).spawn();
      code = (await tests.status).code;
      log(SCOPE, `deno test exited ${code} after ${seconds(testStart)}`);
    }
  } catch (error) {
    if (!stoppedBy) log(SCOPE, `error: ${error instanceof Error ? error.message : error}`);
  } finally {
    if (values.keep) {
      log(SCOPE, `--keep: hosts left running, described in ${hostsPath}`);
    } else {
      const teardown = Date.now();
      try {
        await backend.destroy();
        log(SCOPE, `teardown took ${seconds(teardown)}`);
      } catch (error) {
        log(SCOPE, `teardown failed: ${error instanceof Error ? error.message : error}`);
        if (code === 0) code = 1;
      }
      await Deno.remove(tmp, { recursive: true });
    }
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
  log(SCOPE, `total ${seconds(started)}`);
  if (stoppedBy) return stoppedBy === "SIGINT" ? 130 : 143;
  return code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    log(SCOPE, `error: ${error instanceof Error ? error.message : error}`);
    const usage = String((error as { code?: string }).code).startsWith("ERR_PARSE_ARGS");
    Deno.exit(usage ? 64 : 1);
  }
}
