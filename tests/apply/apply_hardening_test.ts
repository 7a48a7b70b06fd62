/**
 * Apply's hardening end to end on this machine (the generated program really runs, everything
 * under a temp dir): stale checks for plans of commands only, stage dirs that never follow a
 * planted symlink, rollback that leaves foreign files alone, apply dirs that keep only their
 * events and status, lock holders tied to the boot, whole-tenth start timeouts, and a host
 * whose program never finishes reported as failed instead of thrown.
 */
import assert from "node:assert/strict";
import { plan } from "../../src/plan/mod.ts";
import { formatPlan } from "../../src/plan/format.ts";
import { dirname } from "node:path";
import { apply, type ApplyOptions, type HostResult, runProgram } from "../../src/apply/mod.ts";
import { compileProgram, type Program } from "../../src/apply/program.ts";
import { REMOTE_LIB } from "../../src/apply/remote.ts";
import { down } from "../../src/down/mod.ts";
import { project } from "../../src/dsl/mod.ts";
import type { Plan } from "../../src/plan/types.ts";
import type { Process, Target } from "../../src/transport/target.ts";
import { localTarget } from "../../src/transport/local.ts";
import { tempDir } from "../helpers.ts";
import { change, hostPlan, MISSING, textAfter, upPlan } from "./fixtures.ts";
import { applyHere, declare, exists, planLocal, secrets, target } from "./local_project.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** What an apply dir under /var/tmp holds (relative names, recursively), then removes it. */
async function drainApplyDir(log: string | undefined): Promise<string[]> {
  if (!log?.startsWith("/var/tmp/hostkit-apply.")) {
    throw new Error(`no events log under /var/tmp: ${log}`);
  }
  const dir = dirname(log);
  const found: string[] = [];
  const walk = async (path: string, relative: string) => {
    for await (const entry of Deno.readDir(path)) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      found.push(name);
      if (entry.isDirectory) await walk(`${path}/${entry.name}`, name);
    }
  };
  try {
    await walk(dir, "");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return found.sort();
}

/** Applies without removing the apply dir; returns the result and what the dir held. */
async function applyKeepingDir(
  plan: Plan,
  options: Partial<ApplyOptions> = {},
): Promise<{ result: HostResult; left: string[]; status: string }> {
  const [result] = await apply(plan, { targets: [target], secrets, confirm: true, ...options });
  const status = await Deno.readTextFile(`${dirname(result.log!)}/status`).catch(() => "");
  return { result, left: await drainApplyDir(result.log), status: status.trim() };
}

/** Runs a compiled program here and removes its apply dir. */
async function runHere(program: Program): Promise<HostResult> {
  const result = await runProgram(target, program);
  if (result.log) await drainApplyDir(result.log);
  return result;
}

// --- 2. stale check for plans of commands only -------------------------------------------------

Deno.test("a plan of one guarded command is refused as stale when its `creates` path appears after planning", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.command("seed", {
      exec: ["/bin/sh", "-c", `echo ran >> ${dir}/ran`],
      creates: `${dir}/seeded`,
    });
  });
  const reviewed = await planLocal(spec);
  assert.deepEqual(
    reviewed.hosts[0].changes.map((c) => [c.id, c.action, c.reason]),
    [["command:seed", "update", "run"]],
  );
  // The command's guard is now satisfied: running it would act on a host the plan did not see.
  await Deno.writeTextFile(`${dir}/seeded`, "");
  const [result] = await applyHere(reviewed, { confirm: true });
  assert.equal(result.status, "stale", JSON.stringify(result));
  assert.deepEqual(result.stale, ["command:seed"]);
  assert.deepEqual(result.applied, []);
  assert.equal(await exists(`${dir}/ran`), false, "the command did not run");
  assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");

  // Unchanged since the plan: it runs.
  await Deno.remove(`${dir}/seeded`);
  const [ran] = await applyHere(await planLocal(spec), { confirm: true });
  assert.equal(ran.status, "applied", JSON.stringify(ran));
  assert.equal(await Deno.readTextFile(`${dir}/ran`), "ran\n");
});

Deno.test("a plan of one command guarded by `unless` is refused as stale when the guard starts to hold", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.command("migrate", {
      exec: ["/bin/sh", "-c", `echo ran >> ${dir}/ran`],
      unless: `grep -q done ${dir}/state`,
    });
  });
  await Deno.writeTextFile(`${dir}/state`, "pending\n");
  // The operator opted in to running guards while planning (--run-guards).
  const reviewed = await plan(spec, { targets: [target], runGuards: true });
  assert.equal(reviewed.summary.update, 1);
  await Deno.writeTextFile(`${dir}/state`, "done\n");
  const [result] = await applyHere(reviewed, { confirm: true });
  assert.equal(result.status, "stale", JSON.stringify(result));
  assert.deepEqual(result.stale, ["command:migrate"]);
  assert.equal(await exists(`${dir}/ran`), false);
});

Deno.test("without --run-guards, plan runs no guard; apply evaluates it right before the command", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.command("migrate", {
      exec: ["/bin/sh", "-c", `echo ran >> ${dir}/ran`],
      // A guard with a side effect shows whether (and where) it ran.
      unless: `echo guard >> ${dir}/guarded; grep -q done ${dir}/state`,
    });
  });
  await Deno.writeTextFile(`${dir}/state`, "pending\n");
  const reviewed = await planLocal(spec);
  assert.equal(await exists(`${dir}/guarded`), false, "planning ran no shell from the config");
  const [change] = reviewed.hosts[0].changes;
  assert.equal(change.action, "update");
  assert.match(
    formatPlan(reviewed, { color: false }),
    /not run while planning: the command may run/,
  );
  assert.match(reviewed.diagnostics.join("\n"), /1 unless guard\(s\) were not run while planning/);

  await Deno.writeTextFile(`${dir}/state`, "done\n");
  const [result] = await applyHere(reviewed, { confirm: true });
  assert.equal(result.status, "applied", "not stale: the guard was never observed");
  assert.equal(
    await exists(`${dir}/ran`),
    false,
    "the guard holds at apply: the command is skipped",
  );
  assert.equal(await Deno.readTextFile(`${dir}/guarded`), "guard\n", "apply evaluated it once");
});

// --- 5. stage dirs ----------------------------------------------------------------------------

const RUN = "20260614-101148-e2e-up-5a5a";

Deno.test("a symlink planted at a batch's stage dir fails the batch; nothing is written through it", async () => {
  for (const dangling of [true, false]) {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await Deno.mkdir(`${dir}/app`);
    await Deno.mkdir(`${dir}/elsewhere`);
    const spec = project("e2e", (p) => {
      p.runsRoot(`${dir}/runs`);
      p.file(`${dir}/app/a`, { content: "a\n" });
      p.file(`${dir}/app/b`, { content: "b\n", mode: 0o600 });
    });
    const reviewed = await planLocal(spec);
    const program = await compileProgram(reviewed.hosts[0], {
      runId: RUN,
      runsRoot: `${dir}/runs`,
      secrets,
    });
    assert.deepEqual(program.steps.map((s) => s.label), ["write 2 files"]);
    // Someone who can write to app/ and knows (or races) the run id plants a link at the name.
    const stage = `${dir}/app/.hostkit-stage.${RUN}`;
    await Deno.symlink(dangling ? `${dir}/elsewhere/planted` : `${dir}/elsewhere`, stage);

    const result = await runHere(program);
    assert.equal(result.status, "failed", `dangling=${dangling}: ${JSON.stringify(result)}`);
    assert.equal(result.failed?.label, "write 2 files");
    assert.match(result.failed!.output.join("\n"), /cannot create .*\.hostkit-stage\./);
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/elsewhere`)].map((e) => e.name),
      [],
      `dangling=${dangling}: nothing is written where the link points`,
    );
    assert.equal(await exists(`${dir}/app/a`), false);
    assert.equal(await exists(`${dir}/app/b`), false);
    assert.ok((await Deno.lstat(stage)).isSymlink, "the planted link is not followed or removed");
    assert.equal(await exists(`${dir}/runs/lock`), false);
  }
});

// --- 6. rollback of directories ---------------------------------------------------------------

Deno.test("rolling back a created directory that gained a foreign file fails and keeps the file", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.directory(`${dir}/data`, { rollback: "delete_if_created" });
    p.directory(`${dir}/cache`, { rollback: "delete_if_created" });
  });
  const up = await planLocal(spec);
  const [applied] = await applyHere(up, { confirm: true });
  assert.equal(applied.status, "applied", JSON.stringify(applied));
  await Deno.mkdir(`${dir}/data/uploads`);
  await Deno.writeTextFile(`${dir}/data/uploads/user-file`, "precious\n");

  const rollback = down(up).plan;
  assert.deepEqual(
    rollback.hosts[0].changes.map((c) => `${c.action} ${c.id}`).sort(),
    [`delete directory:${dir}/cache`, `delete directory:${dir}/data`],
  );
  const [result] = await applyHere(rollback, { confirm: true });
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.deepEqual(result.failed?.ids, [`directory:${dir}/data`]);
  assert.match(result.failed!.output.join("\n"), /\/data is not empty: left in place/);
  assert.equal(await Deno.readTextFile(`${dir}/data/uploads/user-file`), "precious\n");
  assert.ok(!result.applied.includes(`directory:${dir}/data`), "the kept directory is not applied");
});

Deno.test("rolling back a created directory that stayed empty removes it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const up = await planLocal(project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.directory(`${dir}/data`, { rollback: "delete_if_created" });
  }));
  assert.equal((await applyHere(up, { confirm: true }))[0].status, "applied");
  const [result] = await applyHere(down(up).plan, { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.equal(await exists(`${dir}/data`), false);
});

// --- 7. apply dir cleanup ---------------------------------------------------------------------

Deno.test("after an apply that succeeds, its dir under /var/tmp holds only events.log and status", async () => {
  await using tmp = await tempDir();
  const { result, left, status } = await applyKeepingDir(await planLocal(declare(tmp.path)), {
    track: true,
  });
  assert.equal(result.status, "applied", JSON.stringify(result));
  assert.deepEqual(left, ["events.log", "status"]);
  assert.equal(status, "0");
});

Deno.test("after an apply whose step fails, its dir holds only events.log and status", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.file(`${dir}/app/config`, { content: "v1\n" });
    p.command("boom", { exec: ["/bin/sh", "-c", "echo failing on purpose; exit 7"] });
  });
  const { result, left, status } = await applyKeepingDir(await planLocal(spec));
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.equal(result.failed?.exit, 7);
  assert.deepEqual(left, ["events.log", "status"]);
  assert.equal(status, "3");
  assert.equal(await exists(`${dir}/runs/lock`), false);
});

Deno.test("an apply program that dies mid-run still reports done, keeps only events and status, and releases the lock", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const reviewed = await planLocal(declare(dir));
  const program = await compileProgram(reviewed.hosts[0], {
    runId: RUN,
    runsRoot: `${dir}/runs`,
    secrets,
  });
  // Simulate a program that stops unexpectedly after taking the lock: an unset variable under
  // `set -u` ends the shell (as would a killed builtin); the EXIT trap must still clean up.
  const entry = program.entries.find((e) => e.name === "apply.sh")!;
  const text = decoder.decode(entry.data);
  assert.ok(text.includes("\nhk_event checked\n"), text);
  entry.data = encoder.encode(
    text.replace("\nhk_event checked\n", '\nhk_event checked\n: "$HK_NEVER_SET_ANYWHERE"\n'),
  );
  const events: string[] = [];
  const result = await runProgram(target, program, (e) => events.push(e.type));
  const status = await Deno.readTextFile(`${dirname(result.log!)}/status`).catch(() => "");
  const left = await drainApplyDir(result.log);
  assert.equal(result.status, "failed", JSON.stringify(result));
  assert.equal(events.at(-1), "done", events.join(" "));
  assert.deepEqual(result.applied, []);
  assert.equal(status.trim(), "1");
  assert.deepEqual(left, ["events.log", "status"], "the payload (with the secret) is gone");
  assert.equal(await exists(`${dir}/runs/lock`), false, "the lock is released");
  assert.equal(await exists(`${dir}/app`), false, "nothing was applied");
});

// --- 8. lock holders and the boot id ----------------------------------------------------------

const bootId = async () => (await Deno.readTextFile("/proc/sys/kernel/random/boot_id")).trim();

Deno.test("the lock holder names pid, start, run, user and this boot's id", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.command("peek", {
      exec: ["/bin/sh", "-c", `cp ${dir}/runs/lock/holder ${dir}/holder`],
      phase: "always",
    });
  });
  const [result] = await applyHere(await planLocal(spec), { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  const holder = (await Deno.readTextFile(`${dir}/holder`)).trim();
  assert.match(
    holder,
    /^pid=\d+ started=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ run=\S+-e2e-up-\S+ user=\S+ boot=[0-9a-f-]{36}$/,
  );
  assert.equal(holder.split(" boot=")[1], await bootId());
});

Deno.test("a holder whose pid is alive but whose boot id differs is a stale lock (--break-lock); same boot is locked", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const up = await planLocal(declare(dir));
  await Deno.mkdir(`${dir}/runs/lock`, { recursive: true });
  const holderOf = (boot: string) =>
    `pid=${Deno.pid} started=2026-06-14T10:11:48Z run=20260614-101148-e2e-up-ab12 user=ops boot=${boot}`;

  // Same boot, live pid: another apply really holds it.
  const live = holderOf(await bootId());
  await Deno.writeTextFile(`${dir}/runs/lock/holder`, live + "\n");
  const [locked] = await applyHere(up, { confirm: true });
  assert.equal(locked.status, "locked", JSON.stringify(locked));
  assert.equal(locked.holder, live);
  assert.match(locked.message!, /^another apply holds the lock on local: /);

  // The pid is alive, but it is from before a reboot: it is some other process now.
  const rebooted = holderOf("00000000-0000-4000-8000-000000000000");
  await Deno.writeTextFile(`${dir}/runs/lock/holder`, rebooted + "\n");
  const [stale] = await applyHere(up, { confirm: true });
  assert.equal(stale.status, "locked", JSON.stringify(stale));
  assert.equal(stale.holder, rebooted);
  assert.match(stale.message!, /a killed apply left its lock .*--break-lock/);
  assert.equal(await exists(`${dir}/app`), false, "nothing was written");
  assert.equal(await Deno.readTextFile(`${dir}/runs/lock/holder`), rebooted + "\n");

  const [broken] = await applyHere(up, { confirm: true, breakLock: true });
  assert.equal(broken.status, "applied", JSON.stringify(broken));
  assert.equal(await exists(`${dir}/runs/lock`), false);
});

// --- 9. start timeout -------------------------------------------------------------------------

Deno.test("a fractional start timeout compiles to a whole number of tenths that hk_activate can count", async () => {
  const unit = change(
    {
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [["ExecStart", "/bin/app"]]], ["Install", [[
        "WantedBy",
        "multi-user.target",
      ]]]],
    },
    "create",
    "missing",
    { before: MISSING, after: { ...textAfter("[Service]\n"), enable: true, restart: true } },
  );
  const timeoutOf = async (startTimeoutS: number | undefined) => {
    const program = await compileProgram(hostPlan([unit]), {
      runId: RUN,
      runsRoot: "/var/lib/hostkit",
      secrets,
      startTimeoutS,
    });
    const script = decoder.decode(program.entries.find((e) => e.name === "apply.sh")!.data);
    return /HK_START_TIMEOUT=(\S+)/.exec(script)?.[1];
  };
  assert.equal(await timeoutOf(0.25), "3");
  assert.equal(await timeoutOf(0.01), "1");
  assert.equal(await timeoutOf(1.5), "15");
  assert.equal(await timeoutOf(undefined), "100");

  // The compiled value works where it is used: a service that stays `activating` times out
  // after 0.25 s (3 tenths), with its journal, instead of the shell choking on the number.
  await using tmp = await tempDir();
  await Deno.writeTextFile(`${tmp.path}/lib.sh`, REMOTE_LIB);
  const script = `
. "$T/lib.sh"
systemctl() { case $1 in show) printf 'ActiveState=activating\\nSubState=start\\n' ;; esac; }
journalctl() { for a; do case $a in _SYSTEMD_UNIT=*) echo "last lines of \${a#*=}" ;; esac; done; }
HK_START_TIMEOUT=${await timeoutOf(0.25)}
hk_activate 0 -- -- app.service --
`;
  const output = await new Deno.Command("sh", {
    args: ["-c", script],
    env: { T: tmp.path },
    signal: AbortSignal.timeout(20_000),
  }).output();
  const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 1, text);
  assert.equal(
    text,
    "app.service did not become active (state: activating/start)\napp.service: last lines of app.service\n",
  );
});

// --- 13. a program that never reports done ----------------------------------------------------

/** A target whose remote command exits `code` after printing `stderr`, and nothing on stdout. */
function silentTarget(name: string, code: number, stderr = ""): Target & { commands: string[] } {
  const commands: string[] = [];
  const spawn = (command: string, options?: { stdin?: unknown }): Process => {
    commands.push(command);
    if (options?.stdin instanceof ReadableStream) options.stdin.cancel().catch(() => {});
    const text = (value: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          if (value) controller.enqueue(encoder.encode(value));
          controller.close();
        },
      });
    return { stdout: text(""), stderr: text(stderr), status: Promise.resolve({ code }) };
  };
  return {
    description: `fake ${name}`,
    name,
    commands,
    spawn,
    run: () => Promise.reject(new Error("not used")),
    close: () => Promise.resolve(),
  };
}

Deno.test("runProgram: a remote that exits without reporting done is a failed result, not a throw", async () => {
  const program = await compileProgram(hostPlan([]), {
    runId: RUN,
    runsRoot: "/var/lib/hostkit",
    secrets,
  });
  const quiet = await runProgram(silentTarget("quiet", 1), program);
  assert.equal(quiet.status, "failed");
  assert.equal(quiet.host, "quiet");
  assert.deepEqual(quiet.applied, []);
  assert.match(quiet.message!, /^the apply program on quiet did not start: no output$/);

  const noisy = await runProgram(silentTarget("noisy", 127, "sh: 1: tar: not found\n"), program);
  assert.equal(noisy.status, "failed");
  assert.match(noisy.message!, /did not start: sh: 1: tar: not found$/);
});

Deno.test("apply: one host whose program never finishes does not lose the other hosts' results", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const write = change(
    { kind: "file", path: `${dir}/here`, content: { text: "here\n" } },
    "create",
    "missing",
    { before: MISSING, after: textAfter("here\n") },
  );
  const local = hostPlan([write]);
  delete local.machineId;
  const broken = hostPlan([
    change({ kind: "file", path: "/srv/there", content: { text: "x\n" } }, "create", "missing", {
      before: MISSING,
      after: textAfter("x\n"),
    }),
  ], { kind: "ssh", name: "broken", host: "broken.invalid", port: 22, user: "root", sudo: false });
  const plan = upPlan([broken, local], `${dir}/runs`);
  const fake = silentTarget("broken", 1);
  const results = await apply(plan, {
    targets: [fake, localTarget()],
    secrets,
    confirm: true,
  });
  for (const r of results) if (r.log) await drainApplyDir(r.log);
  assert.deepEqual(results.map((r) => [r.host, r.status]), [
    ["broken", "failed"],
    ["local", "applied"],
  ]);
  assert.equal(fake.commands.length, 1, "the program was sent");
  assert.match(results[0].message!, /did not start/);
  assert.equal(await Deno.readTextFile(`${dir}/here`), "here\n");
});

// --- 1. a system account in an existing group, for real (root) ---------------------------------

Deno.test({
  name:
    "a system account in existing groups is created, re-plans clean, and an added group keeps the others",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const name = `hk-test-${crypto.randomUUID().slice(0, 6)}`;
    const spec = (groups: string[]) =>
      project("e2e", (p) => {
        p.runsRoot(`${dir}/runs`);
        p.account(name, { system: true, groups });
      });
    const id = async () => {
      const out = await new Deno.Command("id", { args: ["-Gn", name] }).output();
      return decoder.decode(out.stdout).trim().split(" ").sort();
    };
    try {
      const [created] = await applyHere(await planLocal(spec(["adm"])), { confirm: true });
      assert.equal(created.status, "applied", JSON.stringify(created));
      assert.deepEqual(await id(), ["adm", name].sort());
      const uid = Number(
        decoder.decode((await new Deno.Command("id", { args: ["-u", name] }).output()).stdout),
      );
      assert.ok(uid < 1000, `a system uid, got ${uid}`);
      assert.equal((await planLocal(spec(["adm"]))).summary.noop, 1);

      // A group granted by hand stays when the config adds another.
      const usermod = await new Deno.Command("usermod", { args: ["-aG", "nogroup", name] })
        .output();
      assert.equal(usermod.code, 0, decoder.decode(usermod.stderr));
      const more = await planLocal(spec(["adm", "www-data"]));
      assert.deepEqual(more.hosts[0].changes.map((c) => [c.action, c.reason]), [[
        "update",
        "groups",
      ]]);
      const [updated] = await applyHere(more, { confirm: true });
      assert.equal(updated.status, "applied", JSON.stringify(updated));
      assert.deepEqual(await id(), ["adm", name, "nogroup", "www-data"].sort());
      assert.equal((await planLocal(spec(["adm", "www-data"]))).summary.noop, 1);
    } finally {
      await new Deno.Command("userdel", { args: [name] }).output();
      await new Deno.Command("groupdel", { args: [name] }).output();
    }
  },
});

Deno.test({
  name: "an account that declares its home can be updated (a group added)",
  // Regression (fixed): src/apply/program.ts accountCommand() (line 109) passes `--home-dir HOME` to usermod as
  // well as to useradd, but usermod only knows `-d`/`--home` ("usermod: unrecognized option
  // '--home-dir'", exit 2): every update (and every down-plan restore) of an account with a
  // declared `home` fails. Fix: push `"-d", quote(r.home)` (valid for both) or `--home` for usermod.
  ignore: Deno.uid() !== 0,
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const name = `hk-test-${crypto.randomUUID().slice(0, 6)}`;
    const spec = (groups: string[]) =>
      project("e2e", (p) => {
        p.runsRoot(`${dir}/runs`);
        p.account(name, { system: true, groups, home: `${dir}/home` });
      });
    try {
      const [created] = await applyHere(await planLocal(spec(["adm"])), { confirm: true });
      assert.equal(created.status, "applied", JSON.stringify(created));
      const [updated] = await applyHere(await planLocal(spec(["adm", "www-data"])), {
        confirm: true,
      });
      assert.equal(updated.status, "applied", JSON.stringify(updated));
      assert.equal((await planLocal(spec(["adm", "www-data"]))).summary.noop, 1);
    } finally {
      await new Deno.Command("userdel", { args: [name] }).output();
      await new Deno.Command("groupdel", { args: [name] }).output();
    }
  },
});
