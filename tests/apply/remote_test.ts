/**
 * The shell library on its own: hk_activate against a stand-in systemctl that logs its calls,
 * so the number of systemctl runs per apply is pinned without a systemd host.
 */
import assert from "node:assert/strict";
import { REMOTE_LIB } from "../../src/apply/remote.ts";
import { tempDir } from "../helpers.ts";

/**
 * Runs `hk_activate ARGS` with systemctl and journalctl replaced by shell functions. `states` are
 * what successive `systemctl show` calls print (then `active`).
 */
async function activate(
  args: string,
  options: { states?: string[]; timeout?: number } = {},
): Promise<{ code: number; calls: string[]; output: string }> {
  await using tmp = await tempDir();
  await Deno.writeTextFile(`${tmp.path}/lib.sh`, REMOTE_LIB);
  await Deno.writeTextFile(
    `${tmp.path}/states`,
    (options.states ?? []).map((s) => `${s}\n`).join(""),
  );
  // $T is the temp dir: the stand-ins log there and read the states to report from there.
  const script = `
. "$T/lib.sh"
systemctl() {
  printf '%s\\n' "$*" >> "$T/calls"
  case $1 in
    show) if [ -s "$T/states" ]; then head -n 1 "$T/states"; sed -i 1d "$T/states"; else echo active; fi ;;
  esac
}
journalctl() { echo "last lines of $2"; }
HK_START_TIMEOUT=${options.timeout ?? 50}
hk_activate ${args}
`;
  const output = await new Deno.Command("sh", {
    args: ["-c", script],
    env: { T: tmp.path },
  }).output();
  const calls = await Deno.readTextFile(`${tmp.path}/calls`).catch(() => "");
  return {
    code: output.code,
    calls: calls.split("\n").filter(Boolean),
    output: new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr),
  };
}

Deno.test("hk_activate: one enable, one daemon-reload, one restart for all units, then one confirmation", async () => {
  const run = await activate("0 a.service b.service c.timer -- a.service b.service c.timer --", {
    states: ["active", "activating", "active", "active"],
  });
  assert.equal(run.code, 0, run.output);
  const show = (u: string) => `show -p ActiveState --value -- ${u}`;
  assert.deepEqual(run.calls, [
    "enable --no-reload --quiet -- a.service b.service c.timer",
    "daemon-reload",
    "restart -- a.service b.service c.timer",
    // b is still activating: wait, then see every service active twice in a row (timers are not
    // waited for).
    show("a.service"),
    show("b.service"),
    show("a.service"),
    show("b.service"),
    show("a.service"),
    show("b.service"),
  ]);
});

Deno.test("hk_activate: daemon-reload only when asked or when enabling; nothing else to do ends there", async () => {
  assert.deepEqual((await activate("1 -- --")).calls, ["daemon-reload"]);
  assert.deepEqual((await activate("0 -- --")).calls, []);
  const restartOnly = await activate("0 -- a.service --");
  assert.equal(restartOnly.code, 0, restartOnly.output);
  assert.deepEqual(restartOnly.calls.slice(0, 1), ["restart -- a.service"]);
  assert.ok(!restartOnly.calls.includes("daemon-reload"));
});

Deno.test("hk_activate: a service that fails or never becomes active fails the step with its journal", async () => {
  const failed = await activate("0 -- a.service b.service --", { states: ["active", "failed"] });
  assert.equal(failed.code, 1);
  assert.match(failed.output, /^b\.service failed to start$/m);
  assert.match(failed.output, /^b\.service: last lines of b\.service$/m);

  const slow = await activate("0 -- a.service --", {
    states: Array(10).fill("activating"),
    timeout: 2,
  });
  assert.equal(slow.code, 1);
  assert.match(slow.output, /^a\.service did not become active \(state: activating\)$/m);
  assert.match(slow.output, /^a\.service: last lines of a\.service$/m);
});

Deno.test({
  name: "hk_commit renames what is staged in / into /",
  async fn() {
    // Regression (fixed): for a file directly under / (e.g. /swapfile, /.autorelabel) src/apply/program.ts
    // (stageDir, lines 353-354) names the stage dir `/.hostkit-stage.<run>`, and hk_commit in
    // src/apply/remote.ts (line 164) renames into `${s%/*}`, which is then empty: `mv -t ''`
    // fails ("mv: target directory '': No such file or directory") and such a file can no longer
    // be written (hk_put used to stage in `//.hostkit-stage.<run>`). Fix in hk_commit:
    // `for s; do d=${s%/*}; find "$s" … -exec mv -f -t "${d:-/}" -- {} + && …`.
    // find and rmdir are stand-ins that log their arguments, so nothing under / is touched.
    await using tmp = await tempDir();
    await Deno.writeTextFile(`${tmp.path}/lib.sh`, REMOTE_LIB);
    await Deno.mkdir(`${tmp.path}/bin`);
    for (const name of ["find", "rmdir"]) {
      await Deno.writeTextFile(
        `${tmp.path}/bin/${name}`,
        `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "$T/calls"\n`,
        { mode: 0o755 },
      );
    }
    const script = `
. "$T/lib.sh"
PATH="$T/bin:$PATH" D=$T
printf '%s\\0' /.hostkit-stage.r /etc/app/.hostkit-stage.r > "$D/stages"
hk_commit
`;
    const output = await new Deno.Command("sh", {
      args: ["-c", script],
      env: { T: tmp.path },
    }).output();
    const calls = await Deno.readTextFile(`${tmp.path}/calls`);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.deepEqual(calls.split("\n").filter(Boolean), [
      "find /.hostkit-stage.r -mindepth 1 -maxdepth 1 -exec mv -f -t / -- {} +",
      "rmdir -- /.hostkit-stage.r",
      "find /etc/app/.hostkit-stage.r -mindepth 1 -maxdepth 1 -exec mv -f -t /etc/app -- {} +",
      "rmdir -- /etc/app/.hostkit-stage.r",
    ]);
  },
});
