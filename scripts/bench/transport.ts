/**
 * Transport latency: connect + authenticate + first exec, then many tiny execs one after the
 * other and with several in flight over the one connection.
 *
 * ```sh
 * deno run -A scripts/bench/transport.ts                     # a loopback sshd started here (root)
 * deno run -A scripts/bench/transport.ts --remote 10.213.0.11 --user root \
 *   --identity-file key --known-hosts known_hosts [--port 22] [--count 1000] [--in-flight 10]
 * deno run -A scripts/bench/transport.ts --test-hosts hosts.json   # first host of an integration run
 * ```
 * Prints the numbers as JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { sshTarget } from "../../src/transport/ssh.ts";
import type { SshOptionsInput } from "../../src/transport/options.ts";
import type { Target } from "../../src/transport/target.ts";
import { startLoopbackSshd } from "../../tests/transport/sshd_fixture.ts";

/** How much work {@link benchTransport} does. */
export interface BenchTransportOptions {
  /** Execs per series (default 1000). */
  count?: number;
  /** Execs in flight in the concurrent series (default 10, OpenSSH's MaxSessions). */
  inFlight?: number;
}

/**
 * Measures a target. Pass it unconnected (e.g. from `sshTarget`) so the first exec includes
 * connecting and authenticating. All numbers are milliseconds:
 * `connectAuthFirstExecMs`; `sequentialPerExecMs` (count `true` execs one after the other);
 * `concurrentPerExecMs` (count execs, inFlight at a time: wall time / count).
 *
 * @example
 * ```ts
 * import { benchTransport } from "./transport.ts";
 * import { sshTarget } from "../../src/transport/ssh.ts";
 * const target = sshTarget({ host: "10.0.0.5", user: "root" });
 * console.log(await benchTransport(target));
 * await target.close();
 * ```
 */
export async function benchTransport(
  target: Target,
  options: BenchTransportOptions = {},
): Promise<Record<string, number>> {
  const count = options.count ?? 1000;
  const inFlight = options.inFlight ?? 10;
  const succeed = async () => {
    const result = await target.run("true");
    if (result.code !== 0) {
      throw new Error(`\`true\` exited ${result.code} on ${target.description}`);
    }
  };

  let start = performance.now();
  await succeed();
  const connectAuthFirstExecMs = performance.now() - start;

  start = performance.now();
  for (let i = 0; i < count; i++) await succeed();
  const sequentialPerExecMs = (performance.now() - start) / count;

  start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await succeed();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const concurrentPerExecMs = (performance.now() - start) / count;

  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    connectAuthFirstExecMs: round(connectAuthFirstExecMs),
    sequentialPerExecMs: round(sequentialPerExecMs),
    concurrentPerExecMs: round(concurrentPerExecMs),
    count,
    inFlight,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      remote: { type: "string" },
      port: { type: "string" },
      user: { type: "string" },
      "identity-file": { type: "string" },
      "known-hosts": { type: "string" },
      "test-hosts": { type: "string" },
      count: { type: "string" },
      "in-flight": { type: "string" },
    },
  });
  const work = {
    count: values.count ? Number(values.count) : undefined,
    inFlight: values["in-flight"] ? Number(values["in-flight"]) : undefined,
  };
  const measure = async (input: SshOptionsInput, label: string) => {
    const target = sshTarget({ agent: false, userKnownHostsFile: false, ...input });
    try {
      console.log(JSON.stringify({ target: label, ...await benchTransport(target, work) }));
    } finally {
      await target.close();
    }
  };

  if (values["test-hosts"]) {
    const [host] = JSON.parse(await Deno.readTextFile(values["test-hosts"])).hosts;
    await measure({
      host: host.address,
      port: host.port,
      user: "root",
      identityFile: host.identityFile,
      knownHostsFiles: [host.knownHostsFile],
    }, `test host ${host.name}`);
  } else if (values.remote) {
    await measure({
      host: values.remote,
      port: values.port ? Number(values.port) : undefined,
      user: values.user ?? Deno.env.get("USER") ?? "root",
      identityFile: values["identity-file"],
      knownHostsFiles: values["known-hosts"] ? [values["known-hosts"]] : [],
      userKnownHostsFile: values["known-hosts"] ? false : undefined,
      agent: undefined,
    }, values.remote);
  } else {
    const sshd = await startLoopbackSshd();
    try {
      await measure({
        host: sshd.host,
        port: sshd.port,
        user: sshd.user,
        identityFile: sshd.identityFile,
        knownHostsFiles: [sshd.knownHostsFile],
      }, "loopback sshd");
    } finally {
      await sshd.stop();
    }
  }
}

if (import.meta.main) await main();
