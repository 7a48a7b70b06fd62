/**
 * The shell library's hardening, run on its own with stand-ins on PATH where the real tool would
 * change this machine: existing system groups are reused (hk_group), stage dirs are made by one
 * `mkdir -m 700` that never follows a planted symlink (hk_stage), rollback removes only empty
 * directories (hk_rmdir), and a program that dies still cleans up after itself (hk_abort).
 */
import assert from "node:assert/strict";
import { compileProgram } from "../../src/apply/program.ts";
import { REMOTE_LIB } from "../../src/apply/remote.ts";
import type { Change } from "../../src/plan/types.ts";
import { tempDir } from "../helpers.ts";
import { change, hostPlan } from "./fixtures.ts";

const decoder = new TextDecoder();

interface ShellRun {
  code: number;
  output: string;
  /** `NAME ARGS…` per call of a stand-in, in order. */
  calls: string[];
}

/**
 * Runs `script` after sourcing lib.sh, in a shell where `$T` is `dir`, `$D` is `$T/d` (the apply
 * dir) and the stand-ins in `$T/bin` come first on PATH (lib.sh sets its own PATH when sourced).
 */
async function shell(dir: string, script: string): Promise<ShellRun> {
  await Deno.writeTextFile(`${dir}/lib.sh`, REMOTE_LIB);
  await Deno.mkdir(`${dir}/d`, { recursive: true });
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.mkdir(`${dir}/runs`, { recursive: true });
  const output = await new Deno.Command("sh", {
    // As in a real program, the runs root is set (steps record what they create there).
    args: ["-c", `. "$T/lib.sh"\nD=$T/d PATH="$T/bin:$PATH" HK_RUNS_ROOT=$T/runs\n${script}`],
    env: { T: dir },
    stdin: "null",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const calls = await Deno.readTextFile(`${dir}/calls`).catch(() => "");
  return {
    code: output.code,
    output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
    calls: calls.split("\n").filter(Boolean),
  };
}

/** A stand-in `name` on `$T/bin` that logs its argv to `$T/calls`, then runs `body`. */
async function standIn(dir: string, name: string, body = "exit 0"): Promise<void> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.mkdir(`${dir}/runs`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/bin/${name}`,
    `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "$T/calls"\n${body}\n`,
    { mode: 0o755 },
  );
}

/**
 * getent/groupadd/useradd/usermod stand-ins over a group list in `$T/groups` (one name a line):
 * like the real groupadd, creating a group that exists fails (exit 9), so a step that does not
 * look the group up by its name fails.
 */
async function accountTools(dir: string, groups: string[]): Promise<void> {
  await Deno.writeTextFile(`${dir}/groups`, groups.map((g) => `${g}\n`).join(""));
  await standIn(
    dir,
    "getent",
    `[ "$1" = group ] && grep -qxF -- "$2" "$T/groups" && { echo "$2:x:100:"; exit 0; }\nexit 2`,
  );
  await standIn(
    dir,
    "groupadd",
    [
      "for last; do :; done # the group name is the last argument",
      'if grep -qxF -- "$last" "$T/groups"; then echo "groupadd: group \'$last\' already exists" >&2; exit 9; fi',
      'echo "$last" >> "$T/groups"',
    ].join("\n"),
  );
  await standIn(dir, "useradd");
  await standIn(dir, "usermod");
}

/** The compiled command of a plan holding only `account` (its one step). */
async function accountStep(account: Change): Promise<string> {
  const program = await compileProgram(hostPlan([account]), {
    runId: "20260614-101148-demo-up-ab12",
    runsRoot: "/var/lib/hostkit",
    secrets: () => undefined,
  });
  assert.equal(program.steps.length, 1);
  return program.steps[0].command;
}

const SYSTEM_ACCOUNT = {
  kind: "account",
  name: "svc",
  system: true,
  group: "www-data",
  groups: ["adm", "svc-extra"],
};

Deno.test("a system account whose groups exist is created: existing groups are looked up by name, not re-added", async () => {
  await using tmp = await tempDir();
  await accountTools(tmp.path, ["root", "adm", "www-data"]);
  const command = await accountStep(change(SYSTEM_ACCOUNT, "create", "missing"));
  const run = await shell(tmp.path, command);
  assert.equal(run.code, 0, `${command}\n${run.output}`);
  assert.deepEqual(run.calls.filter((c) => /^(getent|groupadd) /.test(c)), [
    "getent group www-data",
    "getent group adm",
    "getent group svc-extra",
    // Only the missing group is added, as a system group, its name after `--`.
    "groupadd --system -- svc-extra",
  ]);
  const useradd = run.calls.filter((c) => c.startsWith("useradd "));
  assert.equal(useradd.length, 1, run.calls.join("\n"));
  assert.match(useradd[0], /^useradd --system .*--gid www-data .*--groups adm,svc-extra svc$/);
  assert.equal(
    (await Deno.readTextFile(`${tmp.path}/groups`)).trim(),
    "root\nadm\nwww-data\nsvc-extra",
  );
});

Deno.test("a system account whose groups exist is updated with usermod, its other groups kept", async () => {
  await using tmp = await tempDir();
  await accountTools(tmp.path, ["root", "adm", "www-data", "svc-extra"]);
  const command = await accountStep(
    change(SYSTEM_ACCOUNT, "update", "groups", {
      before: {
        account: {
          exists: true,
          uid: 998,
          gid: 33,
          home: "/nonexistent",
          shell: "/usr/sbin/nologin",
          group: "www-data",
          groups: ["www-data", "adm"],
        },
      },
    }),
  );
  const run = await shell(tmp.path, command);
  assert.equal(run.code, 0, `${command}\n${run.output}`);
  assert.deepEqual(run.calls.filter((c) => c.startsWith("groupadd")), [], "no group is re-added");
  assert.deepEqual(run.calls.filter((c) => c.startsWith("usermod ")), [
    "usermod --gid www-data --append --groups adm,svc-extra svc",
  ]);
});

Deno.test("hk_group NAME [--system]: looks NAME up, adds it with the options only when missing", async () => {
  await using tmp = await tempDir();
  await accountTools(tmp.path, ["www-data"]);
  const run = await shell(
    tmp.path,
    "hk_group www-data --system && hk_group fresh --system && hk_group plain",
  );
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.calls, [
    "getent group www-data",
    "getent group fresh",
    "groupadd --system -- fresh",
    "getent group plain",
    "groupadd -- plain",
  ]);
});

// --- hk_stage -------------------------------------------------------------------------------

const modeOf = async (path: string) => (await Deno.lstat(path)).mode! & 0o7777;
const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("hk_stage creates each stage dir itself, private (0700), parents as needed, and remembers it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/etc`);
  const run = await shell(
    dir,
    `hk_stage "$T/etc/.hostkit-stage.r" "$T/new/parent/.hostkit-stage.r"`,
  );
  assert.equal(run.code, 0, run.output);
  assert.equal(await modeOf(`${dir}/etc/.hostkit-stage.r`), 0o700);
  assert.equal(await modeOf(`${dir}/new/parent/.hostkit-stage.r`), 0o700);
  assert.ok((await Deno.lstat(`${dir}/etc/.hostkit-stage.r`)).isDirectory);
  assert.deepEqual((await Deno.readTextFile(`${dir}/d/stages`)).split("\0"), [
    `${dir}/etc/.hostkit-stage.r`,
    `${dir}/new/parent/.hostkit-stage.r`,
    "",
  ]);
});

Deno.test("hk_stage fails on a symlink planted at the stage name and creates nothing through it", async () => {
  for (const dangling of [true, false]) {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.mkdir(`${dir}/etc`);
    await Deno.mkdir(`${dir}/elsewhere`);
    // A dangling link passes an `[ -e ]` test; one to a directory would be written through.
    const target = dangling ? `${dir}/elsewhere/made-by-link` : `${dir}/elsewhere`;
    await Deno.symlink(target, `${dir}/etc/.hostkit-stage.r`);
    const run = await shell(dir, `hk_stage "$T/etc/.hostkit-stage.r"`);
    assert.equal(run.code, 1, `dangling=${dangling}: ${run.output}`);
    assert.match(run.output, /cannot create .*\/etc\/\.hostkit-stage\.r/);
    assert.ok(
      (await Deno.lstat(`${dir}/etc/.hostkit-stage.r`)).isSymlink,
      "the link is left alone",
    );
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/elsewhere`)].map((e) => e.name),
      [],
      `dangling=${dangling}: nothing is created where the link points`,
    );
    assert.equal(await exists(`${dir}/d/stages`), false, "a failed stage dir is not remembered");
  }
});

// --- hk_rmdir -------------------------------------------------------------------------------

Deno.test("hk_rmdir removes an empty directory, refuses a non-empty one, ignores a missing one", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/empty`);
  await Deno.mkdir(`${dir}/full/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/full/sub/foreign`, "not ours\n");

  const empty = await shell(dir, `hk_rmdir "$T/empty"`);
  assert.equal(empty.code, 0, empty.output);
  assert.equal(await exists(`${dir}/empty`), false);

  const full = await shell(dir, `hk_rmdir "$T/full"`);
  assert.equal(full.code, 1, full.output);
  assert.match(full.output, /\/full is not empty: left in place/);
  assert.equal(await Deno.readTextFile(`${dir}/full/sub/foreign`), "not ours\n");

  const missing = await shell(dir, `hk_rmdir "$T/never-there"`);
  assert.equal(missing.code, 0, missing.output);
});

// --- hk_abort -------------------------------------------------------------------------------

Deno.test("a program that dies (set -u) still writes its status, drops its payload and releases the lock", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // An apply dir as the launcher leaves it, mid-run: payloads (possibly with secrets) and the lock.
  await Deno.mkdir(`${dir}/d/f`, { recursive: true });
  await Deno.mkdir(`${dir}/d/b`, { recursive: true });
  await Deno.writeTextFile(`${dir}/d/f/0`, "SECRET=hunter2\n");
  await Deno.writeTextFile(`${dir}/d/b/1.tar`, "archive");
  for (const name of ["apply.sh", "probe.sh", "expected", "out", "steps.ok", "events.log"]) {
    await Deno.writeTextFile(`${dir}/d/${name}`, "");
  }
  await Deno.mkdir(`${dir}/runs/lock`, { recursive: true });
  await Deno.writeTextFile(`${dir}/runs/lock/holder`, "pid=1 run=x\n");
  const run = await shell(
    dir,
    [
      `HK_RUNS_ROOT="$T/runs" HK_LOCK="$T/runs/lock" HK_LOCKED=1 HK_TRACKING=0`,
      "trap hk_abort EXIT",
      "hk_event step 0 start",
      // set -u (lib.sh): expanding an unset variable ends the program here.
      `echo "$HK_NEVER_SET_ANYWHERE"`,
      "hk_event step 0 ok",
    ].join("\n"),
  );
  assert.notEqual(run.code, 0, run.output);
  assert.doesNotMatch(run.output, /step\t0\tok/, "the program stopped at the unset variable");
  assert.match(run.output, /^hk\terror\tthe apply program stopped unexpectedly$/m);
  assert.match(run.output, /^hk\tdone\t1$/m, "the controller still gets its done event");
  assert.equal((await Deno.readTextFile(`${dir}/d/status`)).trim(), "1");
  const left = [...Deno.readDirSync(`${dir}/d`)].map((e) => e.name).sort();
  assert.deepEqual(left, ["events.log", "status"]);
  assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");
});

Deno.test("hk_abort does nothing after a normal finish", async () => {
  await using tmp = await tempDir();
  const run = await shell(tmp.path, "trap hk_abort EXIT\nhk_finish 0");
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.output.split("\n").filter(Boolean), ["hk\tdone\t0"]);
  assert.equal((await Deno.readTextFile(`${tmp.path}/d/status`)).trim(), "0");
});
