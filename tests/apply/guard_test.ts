/**
 * A guard step (`hk_guard`, the firewall's lock-out check) really runs here: its exit 7 refuses
 * the apply as a lock-out (program status 7, HostResult `lockout`, its message kept) before
 * anything changes; any other exit of it, and exit 7 of an ordinary step, is a failed step (3).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { type HostResult, runProgram } from "../../src/apply/mod.ts";
import { compileProgram } from "../../src/apply/program.ts";
import { project } from "../../src/dsl/mod.ts";
import { tempDir } from "../helpers.ts";
import { exists, planLocal, secrets, target } from "./local_project.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Applies, here, a command exiting `exit` and then a file, with the command's step run as a
 * guard (`hk_guard`, as the firewall compiles its check) or as an ordinary step (`hk_step`).
 */
async function applyGuarded(
  dir: string,
  exit: number,
  guard: boolean,
): Promise<{ result: HostResult; status: string; events: string }> {
  const spec = project("guard", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.command("check", {
      exec: ["/bin/sh", "-c", `echo "lock-out: would drop you: refused"; exit ${exit}`],
    });
    p.file(`${dir}/after`, { content: "changed\n", dependsOn: ["command:check"] });
  });
  const program = await compileProgram((await planLocal(spec)).hosts[0], {
    runId: "20260614-101148-guard-up-ab12",
    runsRoot: `${dir}/runs`,
    secrets,
  });
  const check = program.steps.findIndex((s) => s.ids.includes("command:check"));
  assert.equal(check, 0, JSON.stringify(program.steps));
  if (guard) {
    const entry = program.entries.find((e) => e.name === "apply.sh")!;
    const text = decoder.decode(entry.data);
    assert.match(text, /^hk_step 0 /m);
    entry.data = encoder.encode(text.replace(/^hk_step 0 /m, "hk_guard 0 "));
  }
  const result = await runProgram(target, program);
  const applyDir = dirname(result.log!);
  const status = (await Deno.readTextFile(`${applyDir}/status`)).trim();
  const events = await Deno.readTextFile(`${applyDir}/events.log`);
  await Deno.remove(applyDir, { recursive: true });
  return { result, status, events };
}

Deno.test("a guard's exit 7 refuses the apply as a lock-out, before any change", async () => {
  await using tmp = await tempDir();
  const { result, status, events } = await applyGuarded(tmp.path, 7, true);
  assert.equal(result.status, "lockout", JSON.stringify(result));
  assert.equal(status, "7");
  assert.match(events, /^hk\trefused\t0$/m);
  assert.match(events, /^hk\tdone\t7$/m);
  assert.equal(result.failed?.label, "run check");
  assert.deepEqual(result.failed?.output, ["lock-out: would drop you: refused"]);
  assert.deepEqual(result.applied, []);
  assert.equal(await exists(`${tmp.path}/after`), false, "nothing after the guard ran");
  assert.equal(await exists(`${tmp.path}/runs/lock`), false, "the lock is released");
});

Deno.test("a guard that fails otherwise, or an ordinary step's exit 7, is a failed step (3)", async () => {
  for (const [exit, guard] of [[1, true], [7, false]] as const) {
    await using tmp = await tempDir();
    const { result, status, events } = await applyGuarded(tmp.path, exit, guard);
    const what = `exit ${exit}, ${guard ? "guard" : "step"}: ${JSON.stringify(result)}`;
    assert.equal(result.status, "failed", what);
    assert.equal(result.failed?.exit, exit, what);
    assert.equal(status, "3", what);
    assert.doesNotMatch(events, /\trefused\t/, what);
    assert.equal(await exists(`${tmp.path}/after`), false, what);
  }
});
