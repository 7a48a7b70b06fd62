/**
 * Automatic rollback's down program, run for real on this machine (which has no systemd, so
 * the timer itself is covered on nspawn hosts): after a partial apply it undoes only what the
 * run touched and skips the rest; the compiled program arms before its first change.
 */
import assert from "node:assert/strict";
import { compileProgram } from "../../src/apply/program.ts";
import { rollbackArchive, rollbackRunId } from "../../src/apply/rollback.ts";
import { runProgram } from "../../src/apply/run.ts";
import { minimumRollbackS } from "../../src/apply/mod.ts";
import { project } from "../../src/dsl/mod.ts";
import { staleCheck } from "../../src/facts/mod.ts";
import { formatPlan } from "../../src/plan/mod.ts";
import { withAutoRollback } from "../../src/down/mod.ts";
import { planLocal, target } from "./local_project.ts";

const RUN = "20261201-120000-rb-up-ab12";

function declare(dir: string) {
  return project("rb", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.file(`${dir}/first`, { content: "first-new\n" });
    p.command("fails", { exec: ["/bin/false"], dependsOn: [`file:${dir}/first`] });
    p.file(`${dir}/later`, { content: "later-new\n", dependsOn: ["command:fails"] });
  });
}

Deno.test("after a partial apply the rollback restores what ran, skips what did not, and records both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-rb-" });
  await Deno.writeTextFile(`${dir}/first`, "first-old\n");
  await Deno.writeTextFile(`${dir}/later`, "later-old\n");
  const inode = (await Deno.stat(`${dir}/later`)).ino;
  const reviewed = await planLocal(declare(dir));
  const host = reviewed.hosts[0];
  const options = {
    runId: RUN,
    runsRoot: `${dir}/runs`,
    secrets: () => undefined,
    tracking: { project: "rb", direction: "up" as const, backupsRoot: `${dir}/runs/backups` },
  };
  const program = await compileProgram(host, options);
  const result = await runProgram(target, program);
  assert.equal(result.status, "failed");
  assert.equal(await Deno.readTextFile(`${dir}/first`), "first-new\n");

  // The archive the armed program would unpack, run as the host's timer would.
  const changed = host.changes.filter((c) => c.action !== "noop");
  const { archive, dir: rbDir, armed } = await rollbackArchive(
    host,
    program.steps,
    staleCheck(changed),
    { ...options, autoRollbackS: 30 },
  );
  assert.equal(rbDir, `${dir}/runs/rollback/${RUN}`);
  assert.equal(armed.runId, rollbackRunId(RUN));
  await Deno.mkdir(rbDir, { recursive: true });
  await Deno.writeFile(`${dir}/rb.tar`, archive);
  // What hk_arm leaves beside the archive: where the up run's record is.
  await Deno.writeTextFile(`${rbDir}/up-record`, `${dir}/runs/runs/${RUN}.json\n`);
  const untar = await new Deno.Command("tar", { args: ["-x", "-f", `${dir}/rb.tar`, "-C", rbDir] })
    .output();
  assert.equal(untar.code, 0);
  const run = await new Deno.Command("sh", {
    args: ["-c", `. "$1/program/lib.sh" && hk_rollback "$1" fired`, "sh", rbDir],
  }).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  assert.equal(await Deno.readTextFile(`${rbDir}/decided/by`), "fired\n");
  assert.equal(await Deno.readTextFile(`${rbDir}/decided/status`), "0\n");
  assert.equal(await Deno.readTextFile(`${dir}/first`), "first-old\n");
  assert.equal(await Deno.readTextFile(`${dir}/later`), "later-old\n");
  assert.equal((await Deno.stat(`${dir}/later`)).ino, inode, "never written, never restored");
  const events = await Deno.readTextFile(`${rbDir}/program/events.log`);
  assert.match(events, /hk\tstep\t\d+\tskip/);
  // The down run is recorded; the up run's record says it was rolled back.
  const downRecord = JSON.parse(
    await Deno.readTextFile(`${dir}/runs/runs/${rollbackRunId(RUN)}.json`),
  );
  assert.equal(downRecord.direction, "down");
  assert.equal(downRecord.status, "applied");
  const upRecord = JSON.parse(await Deno.readTextFile(`${dir}/runs/runs/${RUN}.json`));
  assert.equal(upRecord.status, "rolled_back");
  // The timer firing later finds the decision taken and does nothing.
  await Deno.writeTextFile(`${rbDir}/ended`, `${Math.floor(Date.now() / 1000) - 100}\n`);
  const late = await new Deno.Command("sh", { args: [`${rbDir}/fire.sh`, rbDir, "1"] }).output();
  assert.equal(late.code, 0);
  assert.equal(await Deno.readTextFile(`${rbDir}/decided/by`), "fired\n");
  assert.equal(await Deno.readTextFile(`${dir}/first`), "first-old\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an armed program arms after the stale check and before its first step, and ships the down program", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hostkit-rb-" });
  const reviewed = await planLocal(declare(dir));
  const program = await compileProgram(reviewed.hosts[0], {
    runId: RUN,
    runsRoot: `${dir}/runs`,
    secrets: () => undefined,
    tracking: { project: "rb", direction: "up", backupsRoot: `${dir}/runs/backups` },
    autoRollbackS: 45,
  });
  const text = new TextDecoder().decode(program.entries.find((e) => e.name === "apply.sh")!.data);
  const lines = text.split("\n");
  const at = (line: string) => lines.findIndex((l) => l.startsWith(line));
  assert.ok(at("hk_check_stale") < at("hk_arm"));
  assert.ok(at("hk_arm") < at("hk_step 0"));
  assert.match(text, /HK_RB_TIMEOUT=45/);
  assert.match(text, new RegExp(`HK_RB_UNIT=hostkit-rollback-${RUN}`));
  assert.ok(program.entries.some((e) => e.name === "rollback.tar"));
  assert.equal(program.rollback?.timeoutS, 45);
  // Without tracking there is nothing to restore from: refused before anything is sent.
  await assert.rejects(
    compileProgram(reviewed.hosts[0], {
      runId: RUN,
      runsRoot: `${dir}/runs`,
      secrets: () => undefined,
      autoRollbackS: 45,
    }),
    /automatic rollback undoes a tracked up plan/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the plan names what automatic rollback would not undo; the timeout must fit settle and readiness", async () => {
  const spec = project("gaps", (p) => {
    p.command("migrate", { exec: ["/bin/true"], down: "irreversible" });
    p.daemon("web.service", (d) => {
      d.execStart(["/bin/sleep", "infinity"]);
      d.settle("5s");
      d.monitor("http", { url: "http://127.0.0.1:8080/", timeout: "20s" });
    });
  });
  const { plan } = await import("../../src/plan/mod.ts");
  const offline = withAutoRollback(await plan(spec), 60);
  assert.equal(offline.autoRollbackS, 60);
  assert.deepEqual(offline.hosts[0].rollbackGaps?.map((g) => g.id), ["command:migrate"]);
  const text = formatPlan(offline, { color: false });
  assert.match(text, /automatic rollback: armed for 60 s after the apply; it would NOT undo:/);
  assert.match(text, /! command:migrate \(irreversible\)/);
  // Only a started unit waits for readiness: 5 s settle + 10 s for the new connection…
  assert.equal(await minimumRollbackS(offline), 15);
  // …and once the plan (re)starts it, its 20 s readiness window too.
  const unit = offline.hosts[0].changes.find((c) => c.id === "systemd_service:web.service")!;
  unit.after = { ...unit.after, restart: true };
  assert.equal(await minimumRollbackS(offline), 35);
});

Deno.test("disarm and fire race on one marker: whoever makes it first decides; the controller reports what the host did", async () => {
  const { confirmRollback } = await import("../../src/apply/rollback.ts");
  const dir = await Deno.makeTempDir({ prefix: "hostkit-rb-" });
  const rb = `${dir}/rb`;
  const status = `${dir}/status`;
  const armed = { timeoutS: 30, dir: rb, unit: "hostkit-rollback-x", runId: "x", skipped: [] };
  const clock = { t: 0 };
  const quick = {
    endedAt: 0,
    now: () => clock.t,
    sleep: (ms: number) => (clock.t += ms, Promise.resolve()),
  };

  // The program ended well and nobody decided yet: disarmed, and nothing is left to fire.
  await Deno.mkdir(rb);
  await Deno.writeTextFile(`${rb}/ended`, "1\n");
  await Deno.writeTextFile(status, "0\n");
  assert.equal((await confirmRollback(target, armed, status, quick)).outcome, "disarmed");
  assert.equal(await Deno.stat(rb).then(() => true, () => false), false);

  // The host fired first (the deadline passed): the controller reports the rollback.
  await Deno.mkdir(`${rb}/decided`, { recursive: true });
  await Deno.writeTextFile(`${rb}/ended`, "1\n");
  await Deno.writeTextFile(`${rb}/decided/by`, "fired\n");
  await Deno.writeTextFile(`${rb}/decided/status`, "0\n");
  const fired = await confirmRollback(target, armed, status, quick);
  assert.equal(fired.outcome, "rolled_back");
  assert.equal(fired.by, "fired");

  // A program still running is waited for, up to the deadline plus a grace, then unconfirmed.
  await Deno.remove(rb, { recursive: true });
  await Deno.mkdir(rb);
  const waits: string[] = [];
  const running = await confirmRollback(target, armed, status, {
    ...quick,
    onWait: (w) => waits.push(w),
  });
  assert.equal(running.outcome, "unconfirmed");
  assert.deepEqual(waits, ["the host says running"]);
  assert.ok(clock.t > 30_000);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a down plan of a plan armed for automatic rollback is not armed itself", async () => {
  const { plan } = await import("../../src/plan/mod.ts");
  const { down } = await import("../../src/down/mod.ts");
  const armedUp = withAutoRollback(
    await plan(project("d", (p) => p.command("x", { exec: ["/bin/true"], down: "irreversible" }))),
    60,
  );
  assert.ok(armedUp.hosts[0].rollbackGaps?.length);
  const { plan: downPlan } = down(armedUp);
  assert.equal(downPlan.autoRollbackS, undefined);
  assert.equal(downPlan.hosts[0].rollbackGaps, undefined);
});

Deno.test("hostile rollback inputs are refused, naming what was wrong: the flag, the monitor timeout, a hand-edited plan", async () => {
  const { autoRollbackS } = await import("../../src/cli/common.ts");
  for (const value of ["abc", "-5s", "5 s; rm -rf /", "1.5s", "99999999999s"]) {
    assert.throws(() => autoRollbackS({ "auto-rollback": value }), /--auto-rollback/, value);
  }
  assert.equal(autoRollbackS({ "auto-rollback": "2m" }), 120);
  for (const timeout of ["soon", "0s", "2h", "-1s"]) {
    assert.throws(
      () =>
        project("t", (p) =>
          p.daemon("web.service", (d) => {
            d.execStart(["/bin/sleep", "infinity"]);
            d.monitor("http", { url: "http://127.0.0.1:8080/", timeout });
          })),
      /monitor timeout/,
      timeout,
    );
  }
  const { parsePlan, plan } = await import("../../src/plan/mod.ts");
  const armed = withAutoRollback(
    await plan(project("h", (p) => p.command("x", { exec: ["/bin/true"], down: "irreversible" }))),
    60,
  );
  const edited = (change: (p: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(armed));
    change(copy);
    return JSON.stringify(copy);
  };
  assert.throws(() => parsePlan(edited((p) => p.autoRollbackS = -1), "up.json"), /up\.json/);
  assert.throws(() => parsePlan(edited((p) => p.autoRollbackS = "60"), "up.json"), /up\.json/);
  assert.throws(
    () =>
      parsePlan(
        edited((p) => (p.hosts as { rollbackGaps: unknown[] }[])[0].rollbackGaps.push({ id: "x" })),
        "up.json",
      ),
    /up\.json/,
  );
  assert.equal(parsePlan(JSON.stringify(armed), "up.json").autoRollbackS, 60);
});
