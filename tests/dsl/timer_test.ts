import assert from "node:assert/strict";
import { project } from "../../src/dsl/project.ts";
import type { TimerScope } from "../../src/dsl/timer.ts";
import type { SystemdTimer } from "../../src/model/resource.ts";

function timer(name: string, body: (t: TimerScope) => void): SystemdTimer {
  return project("t", (p) => p.systemdTimer(name, body)).resources[0] as SystemdTimer;
}

Deno.test("a timer's directives, and the service it triggers", () => {
  const t = timer("backup.timer", (t) => {
    t.description("Nightly backup");
    t.onCalendar("*-*-* 03:00:00");
    t.onBootSec("5min");
    t.onUnitActiveSec(3600);
    t.randomizedDelaySec("15m");
    t.persistent();
  });
  assert.equal(t.unit, "backup.service");
  assert.deepEqual(t.sections, [
    ["Unit", [["Description", "Nightly backup"]]],
    ["Timer", [
      ["OnCalendar", "*-*-* 03:00:00"],
      ["OnBootSec", "5min"],
      ["OnUnitActiveSec", "3600"],
      ["RandomizedDelaySec", "15m"],
      ["Persistent", "yes"],
      ["Unit", "backup.service"],
    ]],
    ["Install", [["WantedBy", "timers.target"]]],
  ]);
});

Deno.test("unit() names another service; wantedBy replaces the timers.target default", () => {
  const t = timer("nightly.timer", (t) => {
    t.onCalendar("daily");
    t.persistent(false);
    t.unit("reports.service");
    t.wantedBy("multi_user");
  });
  assert.equal(t.unit, "reports.service");
  assert.deepEqual(t.sections[1], ["Timer", [
    ["OnCalendar", "daily"],
    ["Persistent", "no"],
    ["Unit", "reports.service"],
  ]]);
  assert.deepEqual(t.sections[2], ["Install", [["WantedBy", "multi-user.target"]]]);
});
