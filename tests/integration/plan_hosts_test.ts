/**
 * Planning several hosts at once: `--host a --host b` and `--all-hosts` print one section per
 * host, and a host that cannot be reached neither hides the others' plans nor goes unnoticed
 * (exit 69, named in the error), also when hosts are read one at a time (`--parallel 1`).
 */
import assert from "node:assert/strict";
import { type TestHost, testHosts } from "./hosts.ts";
import { hostkit } from "./hostkit.ts";

const [first, second] = await testHosts();
const dir = `/srv/it-hosts-${crypto.randomUUID().slice(0, 8)}`;

/** Nothing listens on port 1 of the loopback: the connection is refused at once. */
const REFUSING = `  p.host("c", (h) => {
    h.hostname("127.0.0.1");
    h.user("root");
    h.ssh({ port: 1, connectTimeoutMs: 5000, retry: { attempts: 1 } });
  });`;

function hostBlock(name: string, host: TestHost): string {
  return `  p.host(${JSON.stringify(name)}, (h) => {
    h.hostname(${JSON.stringify(host.address)});
    h.user(${JSON.stringify(host.users.root)});
    h.ssh({ port: ${host.port}, identityFile: ${
    JSON.stringify(host.identityFile)
  }, knownHostsFiles: [${JSON.stringify(host.knownHostsFile)}] });
  });`;
}

/** A config declaring hosts a and b (and c, which refuses connections, when `unreachable`). */
async function writeHostsConfig(unreachable: boolean): Promise<string> {
  const tmp = await Deno.makeTempDir({ prefix: "hostkit-it-hosts-" });
  const text = `import { project } from "hostkit";
export default project("it-hosts", (p) => {
${hostBlock("a", first)}
${hostBlock("b", second)}
${unreachable ? REFUSING : ""}
  p.file("${dir}/motd", { content: "hello\\n" });
});
`;
  const path = `${tmp}/config.ts`;
  await Deno.writeTextFile(path, text);
  return path;
}

/** The section of `name` in a plan's text: from its `Host NAME (` line to the next host's. */
function section(stdout: string, name: string): string {
  const start = stdout.indexOf(`Host ${name} (`);
  assert.ok(start >= 0, `no section for host ${name} in:\n${stdout}`);
  const next = stdout.indexOf("\nHost ", start + 1);
  return stdout.slice(start, next < 0 ? undefined : next);
}

function assertPlanned(stdout: string, name: string, host: TestHost): void {
  const text = section(stdout, name);
  assert.match(text, new RegExp(`^Host ${name} \\(root@${host.address.replaceAll(".", "\\.")}:`));
  assert.match(text, /1 to create, 0 to update, 0 to delete, 0 unchanged/);
  assert.match(text, new RegExp(`\\+ file:${dir}/motd \\(missing\\)`));
}

function assertUnreachable(r: { code: number; stdout: string; stderr: string }): void {
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assertPlanned(r.stdout, "a", first);
  assertPlanned(r.stdout, "b", second);
  assert.match(section(r.stdout, "c"), /error: cannot connect to .*127\.0\.0\.1:1.*refused/);
  assert.match(r.stderr, /1 of 3 hosts could not be planned/);
  assert.match(r.stderr, /^ +c: cannot connect to .*connection refused/m);
  assert.doesNotMatch(r.stderr, /^ +[ab]: /m, "only host c failed");
}

/** Both test hosts are needed (HOSTKIT_INTEGRATION_HOSTS_COUNT ≥ 2, the default). */
const needsTwo = { ignore: second === undefined };

Deno.test({
  name: "plan --host a --host b and --all-hosts print one section per host",
  ...needsTwo,
  fn: async () => {
    const config = await writeHostsConfig(false);
    for (const targets of [["--host", "a", "--host", "b"], ["--all-hosts"]]) {
      const r = await hostkit(["plan", config, ...targets]);
      assert.equal(r.code, 0, `${targets.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged\n/);
      assertPlanned(r.stdout, "a", first);
      assertPlanned(r.stdout, "b", second);
      assert.equal(r.stdout.match(/^Host /gm)?.length, 2, r.stdout);
      assert.ok(r.stdout.indexOf("Host a (") < r.stdout.indexOf("Host b ("), "in declared order");
    }
  },
});

Deno.test({
  name: "an unreachable host fails the plan (69, named) without hiding the other hosts' plans",
  ...needsTwo,
  fn: async () => {
    const config = await writeHostsConfig(true);
    const all = await hostkit(["plan", config, "--all-hosts"]);
    assertUnreachable(all);
    // Reported as refused at its one attempt: not waited on until the 5 s connect timeout
    // ("timed out after 5000 ms") and not retried (the error would count "(N attempts)").
    assert.doesNotMatch(section(all.stdout, "c"), /timed out|attempts\)/);
    assertUnreachable(await hostkit(["plan", config, "--host", "a", "--host", "b", "--host", "c"]));
  },
});

Deno.test({
  name: "--parallel 1 still plans every host",
  ...needsTwo,
  fn: async () => {
    const config = await writeHostsConfig(true);
    assertUnreachable(await hostkit(["plan", config, "--all-hosts", "--parallel", "1"]));
    const two = await hostkit(["plan", config, "--host", "b", "--host", "a", "--parallel", "1"]);
    assert.equal(two.code, 0, two.stdout + two.stderr);
    assertPlanned(two.stdout, "a", first);
    assertPlanned(two.stdout, "b", second);
  },
});
