/** `hostkit down`, `hostkit runs` and `hostkit apply --plan` as a subprocess: flows, flags, exit codes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parsePlan } from "../../src/plan/artifact.ts";
import { lines, runCli, tempDir, writeFiles } from "../helpers.ts";

/** A config whose files and runs root live under `dir`. */
function config(dir: string, content = "v1\\n"): string {
  return lines(
    'import { project } from "hostkit";',
    'export default project("cli", (p) => {',
    `  p.runsRoot(${JSON.stringify(`${dir}/runs`)});`,
    `  p.directory(${JSON.stringify(`${dir}/app`)});`,
    `  p.file(${JSON.stringify(`${dir}/app/config`)}, { content: "${content}", mode: 0o640 });`,
    `  p.command("migrate", { exec: ["/bin/true"], down: ["/bin/echo", "rollback"] });`,
    "});",
  );
}

/**
 * Removes the working dirs the given apply runs left under /var/tmp (kept on hosts for their
 * events log), found by the events log path their progress names. Apply dirs keep nothing but
 * events.log and status, so they cannot be recognized by their content.
 */
async function removeApplyDirs(...runs: { stderr: string }[]): Promise<void> {
  for (const run of runs) {
    for (
      const [, dir] of run.stderr.matchAll(/\(events: (\/var\/tmp\/hostkit-apply\.[^/\s]+)\//g)
    ) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}

function usage(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(result.code, 64, result.stdout + result.stderr);
  assert.match(result.stderr, message);
}

Deno.test("down PLAN --out FILE writes the rollback of a saved plan", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const file = await writeFiles(dir, { "config.ts": config(dir) });
  const upFile = join(dir, "up.plan.json");
  const planned = await runCli(["plan", file, "--local", "--out", upFile]);
  assert.equal(planned.code, 0, planned.stderr);

  const downFile = join(dir, "down.plan.json");
  const result = await runCli(["down", upFile, "--out", downFile]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /down plan covers 2 of 3 changes of the up plan/);
  assert.match(
    result.stdout,
    new RegExp(
      `Saved down plan to ${downFile}\\. Apply it with: hostkit apply --plan ${downFile} --confirm`,
    ),
  );
  const saved = parsePlan(await Deno.readTextFile(downFile), downFile);
  assert.equal(saved.direction, "down");
  assert.equal(saved.project, "cli");
  assert.deepEqual(saved.hosts[0].changes.map((c) => `${c.action} ${c.id}`), [
    "update command:migrate",
    `delete file:${dir}/app/config`,
  ]);
  assert.ok(saved.diagnostics.includes(`skipped directory:${dir}/app: rollback: keep`));

  const json = await runCli(["down", upFile, "--json", "--only", `file:${dir}/app/config`]);
  assert.equal(json.code, 0, json.stderr);
  const only = parsePlan(json.stdout, "stdout");
  assert.deepEqual(only.hosts[0].changes.map((c) => c.id), [`file:${dir}/app/config`]);

  usage(
    await runCli(["down", upFile, "--only", "file:/nowhere"]),
    /^error: file:\/nowhere is not a change of this plan/,
  );
  usage(await runCli(["down", downFile]), /a down plan cannot be inverted again/);
});

Deno.test("apply --track, runs, down --last, apply the down plan: the CLI round trip", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const file = await writeFiles(dir, { "config.ts": config(dir) });
  const first = await runCli(["apply", file, "--local", "--confirm", "--track"]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const runId = /\(run (\S+)\)/.exec(first.stdout)?.[1];
  assert.ok(runId, first.stdout);
  assert.equal(await Deno.readTextFile(`${dir}/app/config`), "v1\n");

  const listed = await runCli(["runs", file, "--local", "--verbose"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(
    listed.stdout,
    new RegExp(`^${runId}  up  applied  \\S+  local  \\(3 applied\\)$`, "m"),
  );
  assert.match(
    listed.stdout,
    new RegExp(`^  plan: ${dir}/runs/plans/${runId}\\.plan\\.json$`, "m"),
  );
  const json = await runCli(["runs", "--local", "--runs-root", `${dir}/runs`, "--format", "json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).map((r: { id: string }) => r.id), [runId]);

  const downFile = join(dir, "down.plan.json");
  const derived = await runCli(["down", file, "--local", "--last", "--out", downFile]);
  assert.equal(derived.code, 0, derived.stderr);
  assert.match(derived.stdout, new RegExp(`from run ${runId} \\(applied, `));
  const undone = await runCli(["apply", "--plan", downFile, "--confirm"]);
  assert.equal(undone.code, 0, undone.stdout + undone.stderr);
  assert.equal(
    await Deno.lstat(`${dir}/app/config`).then(() => true, () => false),
    false,
    "the created file is gone",
  );
  assert.equal((await Deno.stat(`${dir}/app`)).isDirectory, true, "the directory is kept");

  const pruned = await runCli(["runs", file, "--local", "--prune", "--keep", "1"]);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /^\[local\] pruned 0 runs$/m);
  await removeApplyDirs(first, undone);
});

Deno.test("down flag errors exit 64", async () => {
  usage(
    await runCli(["down", "--last", "--run", "x", "--local"]),
    /--last and --run cannot be combined/,
  );
  usage(await runCli(["down", "--last"]), /--last\/--run read the host: give --host NAME, --local/);
  usage(
    await runCli(["down", "--run", "20260614-101148-demo-up-ab12"]),
    /--last\/--run read the host/,
  );
  usage(await runCli(["down"]), /usage: hostkit down PLAN/);
  usage(await runCli(["down", "a.json", "b.json"]), /usage: hostkit down PLAN/);
});

Deno.test("down of a missing or foreign plan file exits 65", async () => {
  await using tmp = await tempDir();
  const missing = await runCli(["down", join(tmp.path, "missing.json")]);
  assert.equal(missing.code, 65, missing.stderr);
  assert.match(missing.stderr, /cannot read plan .*missing\.json/);
  const foreign = await writeFiles(tmp.path, { "foreign.json": '{"format":"terraform"}\n' });
  const result = await runCli(["down", foreign]);
  assert.equal(result.code, 65);
  assert.match(result.stderr, /not a hostkit plan/);
});

Deno.test("runs flag errors exit 64", async () => {
  usage(await runCli(["runs"]), /runs reads a host: give --host NAME, --local or --remote HOST/);
  usage(await runCli(["runs", "--local", "--prune"]), /--prune needs --keep N/);
  usage(await runCli(["runs", "--local", "--keep", "3"]), /--keep goes with --prune/);
  usage(await runCli(["runs", "--local", "--format", "yaml"]), /--format must be text or json/);
  usage(
    await runCli(["runs", "--local", "--prune", "--keep", "0"]),
    /--keep wants a positive number/,
  );
});

Deno.test("runs on an empty runs root says so; an unknown --id is an input error", async () => {
  await using tmp = await tempDir();
  const root = join(tmp.path, "runs");
  const empty = await runCli(["runs", "--local", "--runs-root", root]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(empty.stdout, `[local] no tracked runs under ${root}\n`);
  const unknown = await runCli(["runs", "--local", "--runs-root", root, "--id", "nope"]);
  assert.equal(unknown.code, 78);
  assert.match(unknown.stderr, /no run nope on local/);
});

Deno.test({
  name: "runs --prune --keep takes a whole number; a fraction never prunes everything",
  async fn() {
    // Regression (fixed): src/cli/runs.ts run() (line ~90) passes `Math.floor(numberFlag(flags, "keep", 1))` to
    // pruneRuns; numberFlag only checks `> 0`, so `--keep 0.5` becomes keep 0 and deletes every
    // run with its plan copy and backups. Fix: reject non-integers (e.g. `Number.isInteger`)
    // with a usage error like `--keep wants a whole number of runs`.
    await using tmp = await tempDir();
    const root = join(tmp.path, "runs");
    const id = "20260614-101148-demo-up-ab12";
    await writeFiles(tmp.path, {
      [`runs/runs/${id}.json`]: JSON.stringify({
        format: "hostkit.run",
        version: 1,
        id,
        project: "demo",
        direction: "up",
        host: "local",
        startedAt: "2026-06-14T10:11:48.000Z",
        finishedAt: "2026-06-14T10:11:50Z",
        status: "applied",
        plan: null,
        backups: `${root}/backups/${id}`,
        changes: [],
      }),
    });
    const result = await runCli([
      "runs",
      "--local",
      "--runs-root",
      root,
      "--prune",
      "--keep",
      "0.5",
    ]);
    assert.equal(result.code, 64, result.stdout + result.stderr);
    assert.equal(await Deno.lstat(`${root}/runs/${id}.json`).then(() => true, () => false), true);
  },
});

Deno.test("apply --plan: a missing or corrupt file exits 65; no --confirm exits 64", async () => {
  await using tmp = await tempDir();
  const missing = await runCli(["apply", "--plan", join(tmp.path, "missing.json"), "--confirm"]);
  assert.equal(missing.code, 65, missing.stderr);
  assert.match(missing.stderr, /^error: cannot read plan .*missing\.json/);
  const corrupt = await writeFiles(tmp.path, { "up.plan.json": '{"format": "hostkit.plan", "ver' });
  const bad = await runCli(["apply", "--plan", corrupt, "--confirm"]);
  assert.equal(bad.code, 65, bad.stderr);
  assert.match(bad.stderr, /not a plan: invalid JSON/);
  usage(await runCli(["apply", "--plan", corrupt]), /pass --confirm \(or --dry-run/);
});
