/**
 * What a reviewer sees cannot be used against them (the untrusted-configs
 * issue, output half): one resource per host path, previews only of files
 * everyone may read, sensitive files shown by hash, guards not run unless the
 * operator opts in and never with the controller's environment, and the fields
 * the safety checks read are required in a plan that apply --plan loads.
 */
import assert from "node:assert/strict";
import { project } from "../../src/dsl/mod.ts";
import { plan } from "../../src/plan/mod.ts";
import { formatPlan } from "../../src/plan/format.ts";
import { checkSafetyFields } from "../../src/plan/artifact.ts";
import { HostkitError } from "../../src/errors.ts";
import { tempDir } from "../helpers.ts";
import { planLocal, target } from "../apply/local_project.ts";

Deno.test("a host path belongs to one resource, whatever its kind", async () => {
  const spec = project("p", (p) => {
    p.envFile("/etc/app.env", (e) => e.set("A", "1"));
    p.file("/etc/app.env", { content: "A=1\n" });
  });
  await assert.rejects(
    plan(spec),
    (e) =>
      e instanceof HostkitError && e.exitCode === 2 &&
      /env_file:\/etc\/app\.env \(.*:\d+\) and file:\/etc\/app\.env \(.*:\d+\) both manage \/etc\/app\.env/
        .test(e.message),
  );
});

Deno.test("a file only root may read is never previewed: its change shows hashes", async () => {
  await using tmp = await tempDir();
  const secret = `${tmp.path}/shadow`;
  await Deno.writeTextFile(secret, "root:$6$secret-hash:19000::::::\n");
  await Deno.chmod(secret, 0o600);
  const readable = `${tmp.path}/motd`;
  await Deno.writeTextFile(readable, "old motd\n");
  await Deno.chmod(readable, 0o644);
  const result = await planLocal(project("p", (p) => {
    p.file(secret, { content: "x\n", mode: 0o600 });
    p.file(readable, { content: "new motd\n" });
  }));
  const [shadow, motd] = result.hosts[0].changes;
  assert.equal(shadow.diff, undefined);
  const text = formatPlan(result, { color: false });
  assert.ok(
    !JSON.stringify(result).includes("secret-hash"),
    "nothing of its content is in the plan",
  );
  assert.match(
    text,
    /content sha256 [0-9a-f]{12}… \(32 bytes\) → sha256 [0-9a-f]{12}… \(2 bytes\)/,
  );
  assert.match(motd.diff ?? "", /-old motd\n\+new motd/, "a world-readable file still gets a diff");
});

Deno.test("a sensitive file is never diffed", async () => {
  await using tmp = await tempDir();
  const path = `${tmp.path}/token`;
  await Deno.writeTextFile(path, "old-token\n");
  await Deno.chmod(path, 0o644);
  const result = await planLocal(project("p", (p) => {
    p.file(path, { content: "new-token\n", sensitive: true });
  }));
  const [change] = result.hosts[0].changes;
  assert.equal(change.diff, undefined);
  assert.ok(!formatPlan(result, { color: false }).includes("new-token"));
  assert.ok(!JSON.stringify(result).includes("old-token"));
  assert.match(formatPlan(result, { color: false }), /content sha256 .* \(10 bytes\)/);
});

Deno.test("guards run only when the operator opts in, and never see the controller's environment", async () => {
  await using tmp = await tempDir();
  const canary = `${tmp.path}/canary`;
  const spec = project("p", (p) => {
    p.command("report", {
      exec: ["/bin/true"],
      unless: `printf '%s' "\${HOSTKIT_TEST_CI_SECRET:-empty}" > ${canary}; false`,
    });
  });
  Deno.env.set("HOSTKIT_TEST_CI_SECRET", "s3cr3t");
  try {
    await planLocal(spec);
    await assert.rejects(Deno.stat(canary), "no opt-in: the guard did not run");
    await plan(spec, { targets: [target], runGuards: true });
    assert.equal(
      await Deno.readTextFile(canary),
      "empty",
      "the probe ran with a cleared environment",
    );
  } finally {
    Deno.env.delete("HOSTKIT_TEST_CI_SECRET");
  }
});

Deno.test("apply --plan needs the fields its safety checks read", async () => {
  await using tmp = await tempDir();
  const path = `${tmp.path}/f`;
  const reviewed = await planLocal(project("p", (p) => p.file(path, { content: "x\n" })));
  checkSafetyFields(reviewed, "up.plan.json");
  const noMachine = structuredClone(reviewed);
  delete noMachine.hosts[0].machineId;
  assert.throws(
    () => checkSafetyFields(noMachine, "up.plan.json"),
    (e) => e instanceof HostkitError && e.exitCode === 65 && /no machine id/.test(e.message),
  );
  const blind = structuredClone(reviewed);
  delete blind.hosts[0].changes[0].observed;
  assert.throws(
    () => checkSafetyFields(blind, "up.plan.json"),
    (e) =>
      e instanceof HostkitError && e.exitCode === 65 && /carries no observed state/.test(e.message),
  );
});
