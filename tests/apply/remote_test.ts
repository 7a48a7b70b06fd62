/**
 * The shell library on its own: hk_activate against a stand-in systemctl that logs its calls and
 * answers `systemctl show` in its real format (a `Key=Value` block per unit, blank line between),
 * so the number of systemctl runs per apply and the health gate's verdicts are pinned without a
 * systemd host. The real thing runs in tests/integration/health_gate_test.ts.
 */
import assert from "node:assert/strict";
import { REMOTE_LIB } from "../../src/apply/remote.ts";
import { tempDir } from "../helpers.ts";

/** One unit's state in one `systemctl show` answer. */
interface UnitState {
  active?: string;
  sub?: string;
  result?: string;
  restarts?: number;
  invocation?: string;
  type?: string;
}

const HEALTHY: UnitState = {
  active: "active",
  sub: "running",
  result: "success",
  restarts: 0,
  invocation: "0a",
  type: "simple",
};

function showBlock(unit: string, state: UnitState): string {
  if (unit.endsWith(".timer")) return `ActiveState=${state.active ?? "active"}\nSubState=waiting\n`;
  const s = { ...HEALTHY, ...state };
  // Properties come in systemd's own order, not the order asked for.
  return `Type=${s.type}\nResult=${s.result}\nNRestarts=${s.restarts}\nInvocationID=${s.invocation}\n` +
    `ActiveState=${s.active}\nSubState=${s.sub}\n`;
}

/**
 * Runs `hk_activate ARGS` with systemctl and journalctl replaced by shell functions. `answers`
 * are what successive `systemctl show` calls report per unit (the last one repeats; none: every
 * unit healthy). Settle windows are given in the args (`a.service=0`), so tests need not wait.
 * `stale` units are held by systemd from an older text (NeedDaemonReload=yes); `reloadFails`
 * makes `daemon-reload` fail.
 */
async function activate(
  args: string,
  options: {
    answers?: Record<string, UnitState>[];
    timeout?: number;
    stale?: string[];
    reloadFails?: boolean;
  } = {},
): Promise<{ code: number; calls: string[]; output: string; events: string }> {
  await using tmp = await tempDir();
  await Deno.writeTextFile(`${tmp.path}/lib.sh`, REMOTE_LIB);
  await Deno.writeTextFile(`${tmp.path}/events.log`, "");
  const answers = options.answers ?? [{}];
  for (const [i, answer] of answers.entries()) {
    // ARGS: reload written… -- enable… -- start… --
    const segments = args.split(" ").slice(1).join(" ").split("--").map((w) => w.trim());
    const units = segments[2]?.split(" ").filter(Boolean) ?? [];
    const text = units.map((w) => w.split("=")[0]).map((u) => showBlock(u, answer[u] ?? {}))
      .join("\n");
    await Deno.writeTextFile(`${tmp.path}/show.${i}`, text);
  }
  // $T is the temp dir: the stand-ins log there and read the answers to give from there.
  const script = `
. "$T/lib.sh"
D=$T n=2
systemctl() {
  printf '%s\\n' "$*" >> "$T/calls"
  case $1 in
    daemon-reload) [ -z "$RELOAD_FAILS" ] ;;
    show)
      case $3 in Id,*)
        shift 4
        for u; do
          case " $STALE " in *" $u "*) r=yes ;; *) r=no ;; esac
          printf 'Id=%s\nLoadState=loaded\nNeedDaemonReload=%s\nFragmentPath=/etc/systemd/system/%s\n\n' "$u" "$r" "$u"
        done
        return ;;
      esac
      i=$(cat "$T/shown" 2>/dev/null || echo 0)
      [ -f "$T/show.$i" ] || i=${answers.length - 1}
      cat "$T/show.$i"; echo $((i + 1)) > "$T/shown" ;;
  esac
}
journalctl() { case $1 in --sync) ;; *) echo "journal $*" ;; esac; }
HK_START_TIMEOUT=${options.timeout ?? 50}
hk_activate ${args}
`;
  const output = await new Deno.Command("sh", {
    args: ["-c", script],
    env: {
      T: tmp.path,
      STALE: (options.stale ?? []).join(" "),
      RELOAD_FAILS: options.reloadFails ? "1" : "",
    },
  }).output();
  const calls = await Deno.readTextFile(`${tmp.path}/calls`).catch(() => "");
  return {
    code: output.code,
    calls: calls.split("\n").filter(Boolean),
    output: new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr),
    events: await Deno.readTextFile(`${tmp.path}/events.log`),
  };
}

const SHOW = "show -p ActiveState,SubState,Result,NRestarts,InvocationID,Type --";

const FRESH = "show -p Id,LoadState,NeedDaemonReload,FragmentPath --";

Deno.test("hk_activate: a written unit systemd holds from an older text is reloaded before ONE restart, then ONE systemctl show per poll", async () => {
  const run = await activate(
    "0 a.service b.service c.timer -- a.service b.service c.timer -- a.service=0 b.service=0 c.timer --",
    {
      answers: [{ "b.service": { active: "activating", sub: "start" } }, {}],
      stale: ["b.service"],
    },
  );
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.calls, [
    `${FRESH} a.service b.service c.timer`,
    "enable --no-reload --quiet -- a.service b.service c.timer",
    "daemon-reload",
    "restart -- a.service b.service c.timer",
    // b is still activating: one more look at it (a and the timer were judged the first time).
    `${SHOW} a.service b.service c.timer`,
    `${SHOW} a.service b.service c.timer`,
  ]);
  assert.equal(run.events, "", "no settle window: no progress step");
});

Deno.test("hk_activate: new units start first; their one daemon-reload runs during the settle window", async () => {
  const run = await activate("0 a.service -- a.service -- a.service=0 --");
  assert.equal(run.code, 0, run.output);
  const reload = run.calls.indexOf("daemon-reload");
  assert.deepEqual(run.calls.slice(0, 3), [
    `${FRESH} a.service`,
    "enable --no-reload --quiet -- a.service",
    "restart -- a.service",
  ]);
  assert.ok(reload > 2, run.calls.join("\n"));
  assert.equal(run.calls.filter((c) => c === "daemon-reload").length, 1);
  // Only enabling (no unit text written): nothing to check, the reload still comes, after.
  const enabled = await activate("0 -- a.service -- a.service=0 --");
  assert.deepEqual(enabled.calls.slice(0, 2), [
    "enable --no-reload --quiet -- a.service",
    "restart -- a.service",
  ]);
  assert.equal(enabled.calls.filter((c) => c === "daemon-reload").length, 1);
  // A reload that fails fails the activation even when the unit is healthy.
  const failed = await activate("0 a.service -- -- a.service=0 --", { reloadFails: true });
  assert.equal(failed.code, 1);
  assert.match(failed.output, /daemon-reload failed/);
});

Deno.test("hk_activate: daemon-reload only when asked, written or enabling; nothing else to do ends there", async () => {
  assert.deepEqual((await activate("1 -- -- --")).calls, ["daemon-reload"]);
  // Nothing to start: no freshness check, the reload runs at once.
  assert.deepEqual((await activate("0 a.service -- -- --")).calls, ["daemon-reload"]);
  assert.deepEqual((await activate("0 -- -- --")).calls, []);
  const restartOnly = await activate("0 -- -- a.service=0 --");
  assert.equal(restartOnly.code, 0, restartOnly.output);
  assert.deepEqual(restartOnly.calls.slice(0, 1), ["restart -- a.service"]);
  assert.ok(!restartOnly.calls.includes("daemon-reload"));
});

Deno.test("health gate: all units are watched together for the longest window, reported as its own step", async () => {
  const run = await activate("0 -- -- a.service=300 b.service=0 --");
  assert.equal(run.code, 0, run.output);
  const events = run.events.trim().split("\n").map((l) => l.split("\t"));
  assert.deepEqual(events[0], ["hk", "settle", "2", "start", "300", "a.service b.service"]);
  assert.deepEqual(events[1].slice(0, 4), ["hk", "settle", "2", "ok"]);
  assert.ok(Number(events[1][4]) >= 300, `the window was waited for: ${events[1][4]} ms`);
  // Every poll asks about both units in one call; b (window 0) is judged once, a until 300 ms.
  const shows = run.calls.filter((c) => c.startsWith("show"));
  assert.ok(shows.length >= 2, run.calls.join("\n"));
  assert.ok(shows.every((c) => c === `${SHOW} a.service b.service`));
});

Deno.test("health gate: a restart, a new invocation, a failed result or leaving active fails it with the journal of each invocation seen", async () => {
  const cases: [string, UnitState, RegExp][] = [
    [
      "restart loop that looks active",
      { restarts: 2, invocation: "0c" },
      /^a\.service restarted within its settle window \(NRestarts 2, now active\/running\)$/m,
    ],
    [
      "restarted by someone",
      { invocation: "0b" },
      /^a\.service was restarted within its settle window \(new invocation 0b/m,
    ],
    [
      "crashed, waiting to restart",
      { active: "activating", sub: "auto-restart", result: "exit-code" },
      /^a\.service failed: result exit-code \(now activating\/auto-restart\)$/m,
    ],
    [
      "stopped",
      { active: "inactive", sub: "dead" },
      /^a\.service left active: now inactive\/dead$/m,
    ],
  ];
  for (const [what, later, message] of cases) {
    const run = await activate("0 -- -- a.service=60000 --", {
      answers: [{}, { "a.service": later }],
    });
    assert.equal(run.code, 1, `${what}: ${run.output}`);
    assert.match(run.output, message, what);
    const seen = [...new Set(["0a", later.invocation ?? "0a"])];
    const matches = ["_SYSTEMD_UNIT=a.service + UNIT=a.service"]
      .concat(seen.map((id) => `_SYSTEMD_INVOCATION_ID=${id} + INVOCATION_ID=${id}`)).join(" + ");
    const journal = `a.service: journal --no-pager -o cat -n 40 --since @\\d+ ${
      matches.replaceAll("+", "\\+")
    }`;
    assert.match(run.output, new RegExp(`^${journal}$`, "m"), what);
    assert.match(run.events, /\tsettle\t2\tfail\t\d+\n$/, `${what}: the step ends failed`);
  }
});

Deno.test("health gate: a oneshot is judged by its result; a timer only needs to be active", async () => {
  const done = await activate("0 -- -- job.service --", {
    answers: [{ "job.service": { type: "oneshot", active: "inactive", sub: "dead" } }],
  });
  assert.equal(done.code, 0, done.output);
  const failed = await activate("0 -- -- job.service --", {
    answers: [{
      "job.service": { type: "oneshot", active: "failed", sub: "failed", result: "exit-code" },
    }],
  });
  assert.equal(failed.code, 1);
  assert.match(failed.output, /^job\.service ended with result exit-code \(failed\/failed\)$/m);
  const timer = await activate("0 -- -- t.timer --", {
    answers: [{ "t.timer": { active: "inactive" } }],
  });
  assert.equal(timer.code, 1);
  assert.match(timer.output, /^t\.timer did not become active \(state: inactive\/waiting\)$/m);
});

Deno.test("hk_activate: a service that never becomes active times out with its journal", async () => {
  const slow = await activate("0 -- -- a.service=0 --", {
    answers: [{ "a.service": { active: "activating", sub: "start" } }],
    timeout: 2,
  });
  assert.equal(slow.code, 1);
  assert.match(slow.output, /^a\.service did not become active \(state: activating\/start\)$/m);
  assert.match(slow.output, /^a\.service: journal .*_SYSTEMD_INVOCATION_ID=0a/m);
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
