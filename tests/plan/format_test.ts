import assert from "node:assert/strict";
import { join } from "node:path";
import { load } from "../../src/config/load.ts";
import { formatPlan, summaryLine } from "../../src/plan/format.ts";
import {
  type Change,
  type HostPlan,
  type Plan,
  plan,
  PLAN_VERSION,
  summarize,
} from "../../src/plan/mod.ts";
import { EXAMPLES, resource } from "../helpers.ts";

const ESC = "\x1b[";

function has(text: string, part: string) {
  assert.ok(text.includes(part), `${JSON.stringify(part)} not in:\n${text}`);
}

Deno.test("summaryLine counts each action", () => {
  assert.equal(
    summaryLine({ create: 3, update: 1, delete: 0, noop: 12, read_error: 0 }),
    "Plan: 3 to create, 1 to update, 0 to delete, 12 unchanged",
  );
  assert.equal(
    summaryLine({ create: 0, update: 0, delete: 2, noop: 0, read_error: 1 }),
    "Plan: 0 to create, 0 to update, 2 to delete, 0 unchanged, 1 unreadable",
  );
});

Deno.test("an offline plan of toys.ts, as text without colors", async (t) => {
  const result = await plan(await load(join(EXAMPLES, "toys.ts")));
  const text = formatPlan(result, { color: false });
  assert.ok(!text.includes(ESC));
  assert.ok(text.startsWith("Host offline (offline)\n  (offline: no host was read"));
  has(text, "\n  Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged\n");
  has(text, "\n  + account:toys-exograph (offline)\n");
  has(
    text,
    "\n  + systemd_service:toys-exograph.service (offline)\n      mode 0644\n      then restart\n    --- ",
  );
  // What apply will set is in the text, default modes included.
  has(
    text,
    "\n  + directory:/srv/toys/exograph (offline)\n      owner toys-exograph:toys-exograph, mode 0755\n",
  );
  await t.assertSnapshot(text);
});

Deno.test("without a TTY, formatPlan uses no colors by default", async () => {
  const result = await plan(await load(join(EXAMPLES, "toys.ts")));
  assert.ok(!formatPlan(result).includes(ESC));
});

const r = resource({ kind: "directory", path: "/srv" });
function change(
  action: Change["action"],
  id: string,
  reason: string,
  extra: Partial<Change> = {},
): Change {
  return {
    id,
    action,
    reason,
    drift: [],
    resource: r,
    before: null,
    after: {},
    dependsOn: [],
    ...extra,
  };
}

function planOf(hosts: HostPlan[], extra: Partial<Plan> = {}): Plan {
  return {
    format: "hostkit.plan",
    version: PLAN_VERSION,
    generatedAt: "2026-01-01T00:00:00.000Z",
    hostkitVersion: "0.0.0",
    project: "demo",
    direction: "up",
    runsRoot: "/var/lib/hostkit",
    hosts,
    summary: summarize(hosts.flatMap((h) => h.changes)),
    diagnostics: [],
    ...extra,
  };
}

const changes = [
  change("create", "directory:/srv/a", "missing"),
  change("update", "file:/etc/motd", "content", {
    diff: "--- /etc/motd (host)\n+++ /etc/motd (declared)\n@@ -1 +1 @@\n-old\n+new\n",
  }),
  change("delete", "file:/etc/old", "removed"),
  change("noop", "directory:/srv/b", "in_sync"),
  change("read_error", "directory:/root/x", "Permission denied"),
];
const host: HostPlan = {
  target: { kind: "ssh", name: "prod", host: "10.0.0.5", port: 22, user: "root", sudo: true },
  os: "debian 12",
  packageManager: "apt",
  changes,
  summary: summarize(changes),
};

Deno.test("each change has its mark; unchanged ones only when verbose", () => {
  const text = formatPlan(planOf([host]), { color: false });
  assert.equal(
    text,
    [
      "Host prod (root@10.0.0.5:22 (sudo); debian 12, apt)",
      "  Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged, 1 unreadable",
      "  + directory:/srv/a (missing)",
      "  ~ file:/etc/motd (content)",
      "    --- /etc/motd (host)",
      "    +++ /etc/motd (declared)",
      "    @@ -1 +1 @@",
      "    -old",
      "    +new",
      "  - file:/etc/old (removed)",
      "  ! directory:/root/x (Permission denied)",
      "",
    ].join("\n"),
  );
  const verbose = formatPlan(planOf([host]), { color: false, verbose: true });
  has(verbose, "\n  = directory:/srv/b (in_sync)\n");
});

Deno.test("colors only when asked", () => {
  const colored = formatPlan(planOf([host]), { color: true });
  has(colored, `${ESC}32m+ directory:/srv/a${ESC}0m`);
  has(colored, `${ESC}33m~ file:/etc/motd${ESC}0m`);
  has(colored, `${ESC}31m- file:/etc/old${ESC}0m`);
  has(colored, `${ESC}32m+new${ESC}0m`);
  assert.ok(!formatPlan(planOf([host]), { color: false }).includes(ESC));
});

Deno.test("several hosts: an overall summary first; a failed host shows its error", () => {
  const failed: HostPlan = {
    target: {
      kind: "ssh",
      name: "down",
      host: "10.0.0.9",
      port: 2222,
      user: "deploy",
      sudo: false,
    },
    changes: [],
    summary: summarize([]),
    error: "connection refused",
  };
  const text = formatPlan(planOf([host, failed]), { color: false });
  const lines = text.split("\n");
  assert.equal(lines[0], "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged, 1 unreadable");
  assert.equal(lines[1], "");
  assert.ok(text.endsWith("\nHost down (deploy@10.0.0.9:2222)\n  error: connection refused\n"));
});

Deno.test("down plans say so; diagnostics come last as notes", () => {
  const text = formatPlan(
    planOf([{ ...host, target: { kind: "local", name: "local", sudo: false } }], {
      direction: "down",
      diagnostics: ["command:migrate is irreversible and is left out"],
    }),
    { color: false },
  );
  assert.match(text, /^Down plan for project demo\nHost local \(local; debian 12, apt\)\n/);
  assert.match(text, /\nnote: command:migrate is irreversible and is left out\n$/);
});
