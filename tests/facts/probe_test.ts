/**
 * The probe run for real, on this machine through localTarget(), against a
 * temp dir full of awkward names and contents.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseProbe } from "../../src/facts/parse.ts";
import { probeScript } from "../../src/facts/probe.ts";
import type { Facts } from "../../src/facts/state.ts";
import { type Resource, resourceId } from "../../src/model/resource.ts";
import { compare } from "../../src/plan/compare.ts";
import { desiredState, envLineHashes, sha256 } from "../../src/plan/desired.ts";
import { localTarget } from "../../src/transport/local.ts";
import { resource, tempDir } from "../helpers.ts";

async function probe(
  resources: Resource[],
  options: { runGuards?: boolean } = {},
): Promise<{ facts: Facts; stdout: string }> {
  const result = await localTarget().run("sh -s", { stdin: probeScript(resources, options) });
  const stdout = new TextDecoder().decode(result.stdout);
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  return { facts: parseProbe(stdout, resources), stdout };
}

/** A resource the schema would refuse (e.g. a newline in its path), to test the probe alone. */
function raw(data: Record<string, unknown>): Resource {
  return { dependsOn: [], rollback: "keep", ...data } as unknown as Resource;
}

async function sh(script: string, cwd: string): Promise<void> {
  const output = await new Deno.Command("sh", { args: ["-c", script], cwd }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
}

Deno.test("paths with spaces, quotes, newlines, backslashes and shell syntax in their names", async () => {
  await using dir = await tempDir();
  const names = [
    "dir with space",
    `it's "quoted".txt`,
    "new\nline.txt",
    "back\\slash.txt",
    "$(touch pwned) `id`.txt",
    "tab\there.txt",
    "-dash.txt",
    "ünïcødé.txt",
    // hk_fast splits stat's answer at "|" and reads the paths from a here-document.
    "pipe|in|the|name.txt",
    "HK_PLAIN_PATHS",
  ];
  await Deno.mkdir(join(dir.path, names[0]));
  for (const name of names.slice(1)) await Deno.writeTextFile(join(dir.path, name), name);
  const resources = [
    resource({ kind: "directory", path: join(dir.path, names[0]) }),
    ...names.slice(1).map((name) =>
      raw({ kind: "file", path: join(dir.path, name), content: { text: name } })
    ),
  ];
  const { facts } = await probe(resources);
  assert.deepEqual(facts.errors, {});
  const dirState = facts.states[resourceId(resources[0])].path;
  assert.ok(dirState?.exists && dirState.type === "directory");
  for (const [i, name] of names.slice(1).entries()) {
    const state = facts.states[resourceId(resources[i + 1])].path;
    assert.ok(state?.exists, JSON.stringify(name));
    assert.equal(state.type, "file", JSON.stringify(name));
    assert.equal(state.sha256, sha256(name), JSON.stringify(name));
    assert.equal(state.size, new TextEncoder().encode(name).length, JSON.stringify(name));
  }
  await assert.rejects(Deno.stat(join(dir.path, "pwned")), Deno.errors.NotFound);
  await assert.rejects(Deno.stat("pwned"), Deno.errors.NotFound);
});

Deno.test("metadata: type, owner, group, mode with special bits, size", async () => {
  await using dir = await tempDir();
  const shared = join(dir.path, "shared");
  await Deno.mkdir(shared);
  await Deno.chmod(shared, 0o2775);
  const empty = join(dir.path, "empty");
  await Deno.writeFile(empty, new Uint8Array());
  await Deno.chmod(empty, 0o600);
  const resources = [
    resource({ kind: "directory", path: shared }),
    resource({ kind: "file", path: empty, content: { text: "" } }),
    resource({ kind: "file", path: shared, content: { text: "" } }),
    resource({ kind: "directory", path: join(dir.path, "missing") }),
  ];
  const { facts } = await probe(resources);
  const owner = new TextDecoder().decode(
    (await new Deno.Command("id", { args: ["-un"] }).output()).stdout,
  ).trim();
  const group = new TextDecoder().decode(
    (await new Deno.Command("id", { args: ["-gn"] }).output()).stdout,
  ).trim();
  const states = resources.map((r) => facts.states[resourceId(r)].path);
  assert.deepEqual(states[0], {
    exists: true,
    type: "directory",
    owner,
    group,
    mode: 0o2775,
    size: 0,
  });
  assert.deepEqual(states[1], {
    exists: true,
    type: "file",
    owner,
    group,
    mode: 0o600,
    size: 0,
    sha256: sha256(""),
  });
  assert.equal(states[2]?.exists && states[2].type, "directory", "a directory declared as a file");
  assert.deepEqual(states[3], { exists: false });
});

Deno.test("a file with binary content is hashed, not read", async () => {
  await using dir = await tempDir();
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const path = join(dir.path, "blob.bin");
  await Deno.writeFile(path, bytes);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const r = resource({ kind: "file", path, content: { base64: btoa(binary) } });
  const { facts, stdout } = await probe([r]);
  const state = facts.states[resourceId(r)];
  assert.ok(state.path?.exists);
  assert.equal(state.path.size, 256);
  assert.equal(state.path.sha256, sha256(bytes));
  assert.ok(!stdout.includes(btoa(binary)), "content is never transferred");
  assert.equal(compare(r, desiredState(r, () => bytes), state).action, "noop");
});

Deno.test("symlinks: targets with spaces, newlines and non-UTF-8 bytes", async () => {
  await using dir = await tempDir();
  await Deno.symlink("target with space", join(dir.path, "spaced"));
  await Deno.symlink("ends with newline\n", join(dir.path, "newline"));
  await sh(`ln -s "$(printf 'a\\377b')" latin1`, dir.path);
  const links = ["spaced", "newline", "latin1"].map((name) =>
    raw({ kind: "symlink", path: join(dir.path, name), target: "x" })
  );
  const { facts } = await probe(links);
  const targets = links.map((l) => {
    const path = facts.states[resourceId(l)].path;
    assert.ok(path?.exists && path.type === "symlink");
    return { target: path.target, targetHex: path.targetHex };
  });
  assert.deepEqual(targets, [
    { target: "target with space", targetHex: undefined },
    { target: "ends with newline\n", targetHex: undefined },
    { target: undefined, targetHex: "61ff62" },
  ]);
});

Deno.test("a non-UTF-8 symlink target never compares equal to a declared one", async () => {
  // Decoded lossily it would read "a\uFFFDb", and a link declared with the
  // replacement character would be reported in sync although it points elsewhere.
  await using dir = await tempDir();
  await sh(`ln -s "$(printf 'a\\377b')" link`, dir.path);
  await sh(`ln -s "$(printf '\\357\\273\\277bom')" bom`, dir.path);
  const links = [
    resource({ kind: "symlink", path: join(dir.path, "link"), target: "a\uFFFDb" }),
    resource({ kind: "symlink", path: join(dir.path, "bom"), target: "bom" }),
  ];
  const { facts } = await probe(links);
  for (const link of links) {
    const verdict = compare(
      link,
      desiredState(link, () => new Uint8Array()),
      facts.states[resourceId(link)],
    );
    assert.deepEqual(
      verdict,
      { action: "update", reason: "target", drift: ["target"] },
      resourceId(link),
    );
  }
  const bom = facts.states[resourceId(links[1])].path;
  assert.ok(bom?.exists);
  assert.equal(bom.target, "\uFEFFbom", "the BOM is kept");
});

Deno.test("env files: one hash per key, matching the rendered lines", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "app env");
  await Deno.writeTextFile(
    path,
    '# managed\n\nMIX_ENV=prod\nGREETING="hello \\"world\\""\nPATHS=a\\b\nLAST=no-newline',
  );
  const env = resource({
    kind: "env_file",
    path,
    entries: [
      { key: "MIX_ENV", value: "prod" },
      { key: "GREETING", value: 'hello "world"' },
      { key: "PATHS", value: "a\\b" },
      { key: "LAST", value: "no-newline" },
    ],
  });
  const { facts } = await probe([env]);
  const state = facts.states[resourceId(env)];
  assert.ok(state.path?.exists);
  // Each line was compared on the host with the declared hash: quoting and a missing final
  // newline read back as the same line; `PATHS=a\b` is not the line hostkit renders
  // (`PATHS="a\\b"`), so it differs.
  assert.deepEqual(state.path.envKeys, {
    MIX_ENV: "same",
    GREETING: "same",
    PATHS: "different",
    LAST: "same",
  });
  assert.ok(envLineHashes(env).PATHS, "plain entries have a declared hash to compare with");
});

Deno.test("accounts, command guards, mise tools and packages", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "mise/installs/erlang/29.0.2"), { recursive: true });
  const resources = [
    resource({ kind: "account", name: "root" }),
    resource({ kind: "account", name: "hk-no-such-user" }),
    resource({ kind: "command", name: "created", exec: ["/bin/true"], creates: dir.path }),
    resource({ kind: "command", name: "unless-true", exec: ["/bin/true"], unless: "true" }),
    resource({ kind: "command", name: "unless-false", exec: ["/bin/true"], unless: "exit 1" }),
    resource({ kind: "command", name: "no-guard", exec: ["/bin/true"] }),
    resource({
      kind: "mise_tool",
      name: "erlang",
      version: "29.0.2",
      systemDataDir: join(dir.path, "mise"),
    }),
    resource({
      kind: "mise_tool",
      name: "elixir",
      version: "1",
      systemDataDir: join(dir.path, "mise"),
    }),
    resource({ kind: "package", name: "coreutils" }),
    resource({ kind: "package", name: "hk-no-such-package" }),
  ];
  // Without the operator's opt-in no `unless` guard runs: it is reported not evaluated.
  const unrun = (await probe(resources)).facts;
  assert.equal(unrun.states[resourceId(resources[3])].unevaluated, true);
  assert.equal(
    unrun.states[resourceId(resources[2])].satisfied,
    "creates",
    "creates is a path test",
  );
  const { facts } = await probe(resources, { runGuards: true });
  const state = (i: number) => facts.states[resourceId(resources[i])];
  const root = state(0).account;
  assert.ok(root?.exists);
  assert.equal(root.uid, 0);
  assert.equal(root.home, "/root");
  assert.equal(root.group, "root");
  assert.ok(root.groups.includes("root"));
  assert.deepEqual(state(1).account, { exists: false });
  assert.equal(state(2).satisfied, "creates");
  assert.equal(state(3).satisfied, "unless");
  assert.equal(state(4).satisfied, undefined);
  assert.equal(state(5).satisfied, undefined);
  // mise itself is asked what is installed: with no mise binary there, nothing is.
  assert.equal(state(6).installed, false);
  assert.equal(state(7).installed, false);
  if (facts.packageManager === "apt") {
    assert.equal(state(8).package?.installed, true);
    assert.ok(state(8).package?.version);
    assert.deepEqual(state(9).package, { installed: false });
  }
});

Deno.test("host facts, units without systemd, and a deterministic probe", async () => {
  const unit = resource({ kind: "systemd_service", name: "hk-no-such-unit.service", sections: [] });
  const first = await probe([unit]);
  const second = await probe([unit]);
  const osRelease = await Deno.readTextFile("/etc/os-release").catch(() => "");
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, "") ?? "unknown";
  assert.equal(first.facts.os.id, id);
  const machineId = (await Deno.readTextFile("/etc/machine-id").catch(() => "")).trim();
  assert.equal(first.facts.machineId, machineId);
  const state = first.facts.states[resourceId(unit)];
  assert.deepEqual(state.path, { exists: false });
  if (!first.facts.systemd) assert.equal(state.unit?.load, "no-systemd");
  assert.deepEqual(first.facts.observed, second.facts.observed);
});

Deno.test("each kind's part of the probe quotes what it is given", () => {
  const script = probeScript([
    resource({ kind: "directory", path: "/srv/app" }),
    resource({ kind: "account", name: "app" }),
    resource({ kind: "package", name: "x" }),
    raw({ kind: "file", path: "/srv/it's here" }),
    raw({ kind: "file", path: "/srv/two\nlines $(x)" }),
  ]);
  const lines = script.split("\n");
  // Plain paths are data lines of a quoted here-document (nothing in them is expanded)...
  assert.ok(lines.includes("hk_fast <<'HK_PLAIN_PATHS'"));
  assert.ok(lines.includes("0\td\t/srv/app"));
  assert.ok(lines.includes("3\tf\t/srv/it's here"));
  assert.ok(lines.some((l) => l.startsWith("HK_ACCT_IDX=1 HK_ACCT_NAMES=app hk_accounts app")));
  assert.ok(lines.some((l) => l.startsWith("HK_PKG_IDX=2 HK_PKG_NAMES=x hk_packages x")));
  // ...and any other path is a quoted argument of hk_p.
  assert.ok(script.includes("hk_p 4 '/srv/two\nlines $(x)' f"));
});

Deno.test("a probe with no resources still reads the host", async () => {
  const { facts } = await probe([]);
  assert.deepEqual(facts.states, {});
  assert.notEqual(facts.os.id, "");
});
