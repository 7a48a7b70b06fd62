import assert from "node:assert/strict";
import { parseDurationMs } from "../../src/text/duration.ts";
import { autoRollbackS } from "../../src/cli/common.ts";
import { parseDuration } from "../../src/packages/cache.ts";
import { project } from "../../src/dsl/mod.ts";

Deno.test("durations: every unit, decimals exactly, a bare number is seconds", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["90", 90_000],
    ["500ms", 500],
    ["1.5ms", 1.5],
    ["30s", 30_000],
    ["1.1s", 1100],
    ["0.3s", 300],
    ["2m", 120_000],
    ["2min", 120_000],
    ["1.5m", 90_000],
    ["24h", 86_400_000],
    ["2d", 172_800_000],
    ["007s", 7000],
    [" 5s\n", 5000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text), ms, JSON.stringify(text));
});

/** Inputs that are not durations in the one grammar. */
const HOSTILE = [
  "",
  " ",
  "s",
  "ms",
  "-5s",
  "+5s",
  "-0",
  "5 s",
  "5\ts",
  "1e3s",
  "1e3",
  "0x10s",
  ".5s",
  "5.s",
  "1,5s",
  "1_000s",
  "5S",
  "5sec",
  "5ss",
  "5sm",
  "5w",
  "5M",
  "Infinity",
  "NaN",
  "٥s", // Arabic-Indic five
  "５s", // fullwidth five
  "5s\x00",
  "5s; rm -rf /",
  "$(reboot)s",
  "`id`",
  "5s && true",
  "5s\n6s",
];

Deno.test("durations: signs, exponents, inner spaces, other digits and shell are refused", () => {
  for (const text of HOSTILE) assert.equal(parseDurationMs(text), undefined, JSON.stringify(text));
});

Deno.test("durations: digits beyond a double are Infinity, which every caller refuses", () => {
  const huge = `${"9".repeat(400)}s`;
  assert.equal(parseDurationMs(huge), Infinity);
  assert.throws(
    () => autoRollbackS({ "auto-rollback": huge }),
    /--auto-rollback 9+s is more than a timer holds/,
  );
  assert.throws(
    () => autoRollbackS({ "auto-rollback": "99999999999s" }),
    /is more than a timer holds/,
  );
  assert.throws(() => parseDuration(huge, "--repology-cache-ttl"), /--repology-cache-ttl "9+s"/);
  assert.throws(
    () => project("t", (p) => p.daemon("web.service", (d) => d.settle(huge))),
    /settle needs a duration up to 1 h/,
  );
});

Deno.test("each caller keeps its bounds and names itself in the error", () => {
  assert.equal(autoRollbackS({ "auto-rollback": "2m" }), 120);
  assert.equal(autoRollbackS({ "auto-rollback": "90" }), 90);
  assert.equal(autoRollbackS({ "auto-rollback": "3000ms" }), 3);
  // The host's timer counts whole seconds.
  for (const value of ["1.5s", "1500ms", ...HOSTILE]) {
    assert.throws(
      () => autoRollbackS({ "auto-rollback": value }),
      /^HostkitError: --auto-rollback ".*": expected whole seconds such as 60s or 2m$/s,
      JSON.stringify(value),
    );
  }
  for (const value of HOSTILE) {
    assert.throws(
      () => parseDuration(value, "--repology-cache-ttl"),
      /--repology-cache-ttl ".*": expected a duration/s,
      JSON.stringify(value),
    );
  }
  const settled = (window: string | number) =>
    project("t", (p) =>
      p.daemon("web.service", (d) => {
        d.execStart(["/bin/sleep", "infinity"]);
        d.settle(window);
      }));
  for (const window of ["1.5s", "500ms", "1h", "60m", 0.25]) settled(window);
  for (const window of ["1h1s", "2h", "1d", -1, NaN, Infinity, ...HOSTILE]) {
    assert.throws(() => settled(window), /settle needs a duration up to 1 h/, String(window));
  }
});
