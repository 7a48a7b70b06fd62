/**
 * The package-version fragment on a real Debian host, run over SSH as it is: installed,
 * candidate and offered versions for several names in one pass, the same as apt says.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { packageStateScript, parsePackageStates } from "../../src/packages/probe.ts";

const [host] = await testHosts();

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

Deno.test("packages: one pass reads installed, candidate and offered versions as apt does", async () => {
  const names = ["ca-certificates", "sudo", "pv", "no-such-package-hk"];
  const script = packageStateScript([{ manager: "apt", names }]);
  const r = await sshExec(host, "root", "sh -s", { stdin: script });
  assert.equal(r.code, 0, r.stderr);
  const states = parsePackageStates(r.stdout, names);

  const installed = await root("dpkg-query -W -f='${Version}' ca-certificates");
  assert.equal(states.get("ca-certificates")?.installed, installed);
  const policy = (name: string) => root(`apt-cache policy ${name} | sed -n 's/^  Candidate: //p'`);
  assert.equal(states.get("ca-certificates")?.candidate, await policy("ca-certificates"));
  assert.ok(states.get("ca-certificates")!.available.includes(installed));
  assert.equal(states.get("sudo")?.installed, await root("dpkg-query -W -f='${Version}' sudo"));

  // pv is not in the base image: a candidate, nothing installed.
  assert.equal(
    (await sshExec(host, "root", "dpkg-query -W pv")).code !== 0 ||
      states.get("pv")?.installed !== undefined,
    true,
  );
  assert.equal(states.get("pv")?.candidate, await policy("pv"));
  assert.ok(states.get("pv")!.candidate);
  assert.deepEqual(states.get("pv")!.available, [states.get("pv")!.candidate]);

  assert.deepEqual(states.get("no-such-package-hk"), { available: [] });
});
