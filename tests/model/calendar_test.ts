import assert from "node:assert/strict";
import {
  checkCalendar,
  dailyAt,
  monthlyAt,
  timeOfDay,
  weeklyAt,
} from "../../src/model/calendar.ts";
import { isTimespan } from "../../src/model/timespan.ts";
import { CALENDAR_CASES } from "./calendar_cases.ts";
import { TIMESPAN_CASES } from "./timespan_cases.ts";

/** Whether `systemd-analyze` runs here (it needs no privileges, only systemd's binaries). */
const analyze = (() => {
  try {
    return new Deno.Command("systemd-analyze", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** What systemd-analyze says about one expression: whether it parses. */
async function oracle(kind: "calendar" | "timespan", expression: string): Promise<boolean> {
  const { success } = await new Deno.Command("systemd-analyze", {
    args: [kind, expression],
    // A fixed zone: systemd strips the local zone's name as it would a time zone.
    env: { TZ: "UTC" },
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

Deno.test("calendar expressions: the parser agrees with the table", () => {
  for (const [expression, valid] of CALENDAR_CASES) {
    const check = checkCalendar(expression);
    assert.equal(check.ok, valid, `${JSON.stringify(expression)}: ${JSON.stringify(check)}`);
  }
});

Deno.test({
  name: "calendar expressions: the parser agrees with systemd-analyze calendar",
  ignore: !analyze,
  async fn() {
    const disagreements: string[] = [];
    for (const [expression] of CALENDAR_CASES) {
      const ours = checkCalendar(expression).ok;
      const theirs = await oracle("calendar", expression);
      if (ours !== theirs) {
        disagreements.push(`${JSON.stringify(expression)}: systemd ${theirs}, ours ${ours}`);
      }
    }
    assert.deepEqual(disagreements, []);
    // Both outcomes are exercised.
    assert.ok(CALENDAR_CASES.some(([, v]) => v) && CALENDAR_CASES.some(([, v]) => !v));
  },
});

Deno.test("time spans: the parser agrees with the table", () => {
  for (const [span, valid] of TIMESPAN_CASES) assert.equal(isTimespan(span), valid, span);
  assert.equal(isTimespan(90), true);
  assert.equal(isTimespan(-1), false);
});

Deno.test({
  name: "time spans: the parser agrees with systemd-analyze timespan",
  ignore: !analyze,
  async fn() {
    const disagreements: string[] = [];
    for (const [span] of TIMESPAN_CASES) {
      const ours = isTimespan(span);
      const theirs = await oracle("timespan", span);
      if (ours !== theirs) {
        disagreements.push(`${JSON.stringify(span)}: systemd ${theirs}, ours ${ours}`);
      }
    }
    assert.deepEqual(disagreements, []);
  },
});

Deno.test({
  name: "the typed builders write expressions systemd accepts",
  ignore: !analyze,
  async fn() {
    for (
      const expression of [dailyAt("2:30"), weeklyAt("sunday", "23:59:59"), monthlyAt(31, "00:00")]
    ) {
      assert.ok(checkCalendar(expression).ok, expression);
      assert.ok(await oracle("calendar", expression), expression);
    }
  },
});

Deno.test("the typed builders refuse what is not a time, day or weekday", () => {
  assert.equal(timeOfDay("2:30"), "02:30:00");
  for (const bad of ["24:00", "12:60", "12", "noon", "12:00:60"]) {
    assert.throws(() => timeOfDay(bad), /not a time of day/);
  }
  assert.throws(() => weeklyAt("mo", "02:00"), /not a weekday/);
  assert.throws(() => monthlyAt(0, "02:00"), /out of range 1..31/);
  assert.throws(() => monthlyAt(1.5, "02:00"), /out of range 1..31/);
});

Deno.test("a refusal says why", () => {
  assert.deepEqual(checkCalendar("*-13-01"), {
    ok: false,
    reason: "month 13 is out of range 1..12",
  });
  assert.deepEqual(checkCalendar("Fri..Mon"), {
    ok: false,
    reason: "a weekday range must run forward (e.g. Mon..Fri)",
  });
});
