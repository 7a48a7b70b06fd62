/**
 * What the probe may and may not report, run for real on this machine: secret env entries are
 * only reported present (no hash of a secret value reaches a plan), and a path the probing user
 * cannot read is an error of that one resource, which the plan shows as `read_error` and apply
 * refuses, while every other resource is still read.
 */
import assert from "node:assert/strict";
import { apply } from "../../src/apply/mod.ts";
import { project, secretEnv } from "../../src/dsl/mod.ts";
import { HostkitError } from "../../src/errors.ts";
import { parseProbe } from "../../src/facts/parse.ts";
import { probeScript } from "../../src/facts/probe.ts";
import type { Facts } from "../../src/facts/state.ts";
import { type Resource, resourceId } from "../../src/model/resource.ts";
import { sha256 } from "../../src/plan/desired.ts";
import { plan } from "../../src/plan/mod.ts";
import { quote } from "../../src/transport/shell.ts";
import { localTarget } from "../../src/transport/local.ts";
import type { Target } from "../../src/transport/target.ts";
import { resource, tempDir } from "../helpers.ts";
import { applyHere, planLocal, secrets } from "../apply/local_project.ts";

const decoder = new TextDecoder();

// --- 3. secrets in env files ------------------------------------------------------------------

function envProject(dir: string) {
  return project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.envFile(`${dir}/app.env`, (e) => {
      e.set("PORT", 4000);
      e.set("API_KEY_ID", "id-1");
      e.secret("API_KEY", secretEnv("HK_E2E_TOKEN"));
      e.secret("TOKEN", secretEnv("HK_E2E_TOKEN"));
    });
  });
}

Deno.test("env files: secret entries are reported present only; no plan holds a hash of a secret line", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = envProject(dir);
  const [applied] = await applyHere(await planLocal(spec), { confirm: true });
  assert.equal(applied.status, "applied", JSON.stringify(applied));
  const lines = (await Deno.readTextFile(`${dir}/app.env`)).split("\n");
  const line = (key: string) => lines.find((l) => l.startsWith(`${key}=`))!;
  assert.equal(line("TOKEN"), 'TOKEN="t0ken value"');
  const id = `env_file:${dir}/app.env`;

  const replan = await planLocal(spec);
  const [envChange] = replan.hosts[0].changes;
  assert.equal(envChange.action, "noop", JSON.stringify(envChange));
  const json = JSON.stringify(replan);
  for (const key of ["API_KEY", "TOKEN"]) {
    // The hash of a short or guessable secret is as good as the secret.
    assert.ok(!json.includes(sha256(line(key))), `the plan holds the hash of ${key}'s line`);
  }
  assert.ok(!json.includes("t0ken value"));
  // No hash of any line leaves the host: lines are compared there.
  assert.deepEqual(envChange.observed?.filter((o) => o.startsWith("env\t")), [
    "env\tPORT same",
    "env\tAPI_KEY_ID same",
    "env\tAPI_KEY present",
    "env\tTOKEN present",
  ]);
  for (const plain of ["PORT=4000", "API_KEY_ID=id-1"]) {
    assert.ok(!json.includes(sha256(plain)), `no hash of ${plain} in the plan`);
  }
  const before = envChange.before?.path;
  assert.ok(before?.exists);
  assert.deepEqual(before.envKeys, {
    PORT: "same",
    API_KEY_ID: "same",
    API_KEY: "present",
    TOKEN: "present",
  });
  assert.equal(envChange.id, id);
});

Deno.test("env files: a changed non-secret value is drift, applies without being stale; a secret's value is not compared", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = envProject(dir);
  await applyHere(await planLocal(spec), { confirm: true });
  const path = `${dir}/app.env`;
  const original = await Deno.readTextFile(path);

  // A secret rotated on the host is not visible to the plan (nothing about its value is read).
  await Deno.writeTextFile(path, original.replace('TOKEN="t0ken value"', "TOKEN=rotated"));
  const rotated = await planLocal(spec);
  assert.equal(rotated.hosts[0].changes[0].action, "noop");
  assert.ok(!JSON.stringify(rotated).includes(sha256("TOKEN=rotated")));

  await Deno.writeTextFile(path, original.replace("PORT=4000", "PORT=4001"));
  const drifted = await planLocal(spec);
  const [change] = drifted.hosts[0].changes;
  assert.equal(change.action, "update");
  assert.equal(change.reason, "~PORT");
  assert.ok(change.before?.path?.exists);
  assert.equal(change.before.path.envKeys?.PORT, "different");
  assert.ok(!JSON.stringify(drifted).includes(sha256("PORT=4001")), "no hash of the host's line");
  // Apply re-reads the file the same way (secrets as `present`): the plan is not stale.
  const [result] = await applyHere(drifted, { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.equal(await Deno.readTextFile(path), original);
});

Deno.test("env files: a key whose name contains a secret key's name is still hashed", async () => {
  await using tmp = await tempDir();
  const path = `${tmp.path}/app.env`;
  await Deno.writeTextFile(path, "KEY=plain\nAPI_KEY=s3cret\nAPI_KEY_ID=id\nAPI=x\n");
  const env = resource({
    kind: "env_file",
    path,
    entries: [
      { key: "KEY", value: "plain" },
      { key: "API_KEY", secret: { $secret: { env: "HK_E2E_TOKEN" } } },
      { key: "API_KEY_ID", value: "id" },
      { key: "API", value: "x" },
    ],
  });
  const result = await localTarget().run("sh -s", { stdin: probeScript([env]) });
  assert.equal(result.code, 0, decoder.decode(result.stderr));
  const stdout = decoder.decode(result.stdout);
  assert.ok(!stdout.includes(sha256("API_KEY=s3cret")));
  const facts = parseProbe(stdout, [env]);
  const state = facts.states[resourceId(env)].path;
  assert.ok(state?.exists);
  assert.deepEqual(state.envKeys, {
    KEY: "same",
    API_KEY: "present",
    API_KEY_ID: "same",
    API: "same",
  });
});

// --- 4. unreadable paths ----------------------------------------------------------------------

/** Runs the probe for `resources` as the unprivileged user `nobody`. */
async function probeAsNobody(resources: Resource[]): Promise<{ facts: Facts; stdout: string }> {
  const child = new Deno.Command("runuser", {
    args: ["-u", "nobody", "--", "sh", "-s"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(probeScript(resources)));
  await writer.close();
  const output = await child.output();
  assert.equal(output.code, 0, decoder.decode(output.stderr));
  const stdout = decoder.decode(output.stdout);
  return { facts: parseProbe(stdout, resources), stdout };
}

/** This machine as `nobody` sees it: every command runs through `runuser -u nobody`. */
function nobodyTarget(): Target {
  const local = localTarget();
  const wrap = (command: string) => `runuser -u nobody -- sh -c ${quote(command)}`;
  return {
    description: "local (as nobody)",
    name: "local",
    sudo: false,
    spawn: (command, options) => local.spawn(wrap(command), options),
    run: (command, options) => local.run(wrap(command), options),
    close: () => Promise.resolve(),
  };
}

/** A temp dir `nobody` can enter, with a file it cannot read and two it can. */
async function unreadableFixture(dir: string) {
  await Deno.chmod(dir, 0o755);
  await Deno.writeTextFile(`${dir}/locked`, "locked\n");
  await Deno.chmod(`${dir}/locked`, 0o000);
  await Deno.writeTextFile(`${dir}/ok`, "ok\n");
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/sub/also-ok`, "also\n");
  return project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.file(`${dir}/ok`, { content: "ok\n" });
    p.file(`${dir}/locked`, { content: "locked\n" });
    p.directory(`${dir}/sub`);
    p.file(`${dir}/sub/also-ok`, { content: "changed\n" });
  });
}

Deno.test({
  name: "a file the probing user cannot read is that resource's error; the others are still read",
  ignore: Deno.uid() !== 0, // runuser needs root
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const spec = await unreadableFixture(dir);
    const { facts, stdout } = await probeAsNobody(spec.resources);
    assert.doesNotMatch(stdout, /^host\terror/m, "not an error of the whole host");
    assert.deepEqual(facts.errors, { [`file:${dir}/locked`]: "cannot read the file" });
    const state = (id: string) => facts.states[id].path;
    const locked = state(`file:${dir}/locked`);
    assert.ok(locked?.exists && locked.type === "file" && locked.mode === 0);
    assert.equal(locked.sha256, undefined);
    const ok = state(`file:${dir}/ok`);
    assert.ok(ok?.exists);
    assert.equal(ok.sha256, sha256("ok\n"));
    const also = state(`file:${dir}/sub/also-ok`);
    assert.ok(also?.exists);
    assert.equal(also.sha256, sha256("also\n"));
    assert.ok(state(`directory:${dir}/sub`)?.exists);
  },
});

Deno.test({
  name:
    "the plan shows an unreadable file as read_error, plans the rest, and apply refuses it naming the resource",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const spec = await unreadableFixture(dir);
    const target = nobodyTarget();
    const reviewed = await plan(spec, { targets: [target] });
    assert.equal(reviewed.hosts[0].error, undefined);
    assert.deepEqual(
      reviewed.hosts[0].changes.map((c) => [c.id, c.action, c.reason]).sort(),
      [
        [`directory:${dir}/sub`, "noop", "in_sync"],
        [`file:${dir}/locked`, "read_error", "cannot read the file"],
        [`file:${dir}/ok`, "noop", "in_sync"],
        [`file:${dir}/sub/also-ok`, "update", "content"],
      ].sort(),
    );
    assert.equal(reviewed.summary.read_error, 1);

    const refused = await apply(reviewed, { targets: [target], confirm: true, secrets }).then(
      () => undefined,
      (error) => error,
    );
    assert.ok(refused instanceof HostkitError, String(refused));
    assert.equal(refused.kind, "data");
    assert.match(refused.message, /has resources that could not be read/);
    assert.deepEqual(refused.details, [`file:${dir}/locked: cannot read the file`]);
    assert.equal(await Deno.readTextFile(`${dir}/sub/also-ok`), "also\n", "nothing was applied");
  },
});

Deno.test({
  name: "an env file the probing user cannot read is a read error, not drift",
  // Regression (fixed): src/facts/probe.ts hk_p (the `e` branch, lines 31-43) reads an env file with
  // `while read … done < "$2"`; when the file cannot be opened the redirect fails (stderr only),
  // no env line and no error line is printed, and the plan shows every declared key as missing
  // (`update +PORT`) instead of `read_error`: apply would then overwrite a file it never read.
  // Fix: in that branch, `if [ ! -r "$2" ]; then printf '%s\terror\tcannot read the file\n' "$1";
  // else while …; fi`.
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.chmod(dir, 0o755);
    await Deno.writeTextFile(`${dir}/app.env`, "PORT=4000\n");
    await Deno.chmod(`${dir}/app.env`, 0o000);
    const env = resource({
      kind: "env_file",
      path: `${dir}/app.env`,
      entries: [{ key: "PORT", value: "4000" }],
    });
    const { facts } = await probeAsNobody([env]);
    assert.deepEqual(facts.errors, { [resourceId(env)]: "cannot read the file" });
  },
});

Deno.test({
  name: "a file under a directory the probing user cannot search is a read error, not missing",
  // Regression (fixed): src/facts/probe.ts hk_p (line 25) decides existence with `[ -e "$2" ] || [ -L "$2" ]`,
  // which is false both for a missing path and for one under a directory the user cannot search
  // (EACCES), so such a file is reported `path missing` and planned as a create. Fix: in hk_p's
  // else branch (line 45), walk up to the nearest existing ancestor
  // (`d=${2%/*}; while [ -n "$d" ] && [ ! -e "$d" ]; do d=${d%/*}; done`) and print
  // `error cannot read its directory (permission denied?)` when it is a directory that is not
  // searchable (`[ -d "${d:-/}" ] && [ ! -x "${d:-/}" ]`), `path missing` otherwise.
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(`${dir}/private`, { mode: 0o700 });
    await Deno.writeTextFile(`${dir}/private/key.pem`, "key\n");
    const file = resource({
      kind: "file",
      path: `${dir}/private/key.pem`,
      content: { text: "key\n" },
    });
    const { facts } = await probeAsNobody([file]);
    assert.ok(facts.errors[resourceId(file)], JSON.stringify(facts.states));
  },
});
