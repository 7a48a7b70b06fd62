/** Run record templates and the record schema. */
import assert from "node:assert/strict";
import { recordTemplate, RUN_FORMAT, RUN_VERSION, RunRecordSchema } from "../../src/runs/record.ts";
import { change, hostPlan, MISSING, textAfter } from "../apply/fixtures.ts";

const RUN = "20260614-101148-demo-up-ab12";

const host = hostPlan([
  change({ kind: "directory", path: "/srv/app" }, "noop", "in_sync"),
  change({ kind: "file", path: "/srv/app/a", content: { text: "a" } }, "create", "missing", {
    before: MISSING,
    after: textAfter("a"),
  }),
  change({ kind: "package", name: "curl" }, "create", "missing"),
  change({ kind: "package", name: "git" }, "create", "missing"),
  change({ kind: "command", name: "boom", exec: ["/bin/false"] }, "update", "run"),
]);
const steps = [
  { index: 0, ids: ["file:/srv/app/a"] },
  { index: 1, ids: ["package:curl", "package:git"] },
  { index: 2, ids: ["command:boom"] },
];
const tracking = { project: "demo", direction: "up" as const, backupsRoot: "/data/backups" };

/** What the program's sed script does at the end of a run. */
function fill(template: string, status: string, steps: Record<number, string>): string {
  let text = template.replace('"__STATUS__"', `"${status}"`)
    .replace('"__FINISHED__"', '"2026-06-14T10:11:50Z"');
  for (const [index, outcome] of Object.entries(steps)) {
    text = text.replaceAll(`"__STEP_${index}__"`, `"${outcome}"`);
  }
  return text.replace(/"__STEP_[0-9a-z]*__"/g, '"not_run"');
}

Deno.test("the record template names the run and has one placeholder per changed resource", () => {
  const text = recordTemplate(host, steps, RUN, tracking, "/var/lib/hostkit");
  assert.ok(text.endsWith("}\n"));
  const record = JSON.parse(text);
  assert.equal(record.format, RUN_FORMAT);
  assert.equal(record.version, RUN_VERSION);
  assert.equal(record.id, RUN);
  assert.equal(record.project, "demo");
  assert.equal(record.direction, "up");
  assert.equal(record.host, "local");
  assert.ok(!Number.isNaN(Date.parse(record.startedAt)));
  assert.equal(record.status, "__STATUS__");
  assert.equal(record.finishedAt, "__FINISHED__");
  assert.equal(record.plan, null, "no plan artifact to copy: no plan path");
  assert.equal(record.backups, `/data/backups/${RUN}`);
  assert.deepEqual(record.changes, [
    { id: "file:/srv/app/a", action: "create", status: "__STEP_0__" },
    { id: "package:curl", action: "create", status: "__STEP_1__" },
    { id: "package:git", action: "create", status: "__STEP_1__" },
    { id: "command:boom", action: "update", status: "__STEP_2__" },
  ]);
  const withPlan = JSON.parse(
    recordTemplate(host, steps, RUN, { ...tracking, planArtifact: new Uint8Array([1]) }, "/r"),
  );
  assert.equal(withPlan.plan, `/r/plans/${RUN}.plan.json`);
  assert.equal(
    JSON.parse(recordTemplate(hostPlan([host.changes[1]]), [], RUN, tracking, "/r")).changes[0]
      .status,
    "__STEP_none__",
    "a change without a step is never reported as applied",
  );
});

Deno.test("a filled-in template is a valid run record", () => {
  const template = recordTemplate(host, steps, RUN, tracking, "/var/lib/hostkit");
  const record = RunRecordSchema.parse(
    JSON.parse(fill(template, "failed", { 0: "applied", 1: "applied", 2: "failed" })),
  );
  assert.equal(record.status, "failed");
  assert.deepEqual(record.changes.map((c) => c.status), [
    "applied",
    "applied",
    "applied",
    "failed",
  ]);
  const partial = RunRecordSchema.parse(JSON.parse(fill(template, "failed", { 0: "failed" })));
  assert.deepEqual(partial.changes.map((c) => c.status), [
    "failed",
    "not_run",
    "not_run",
    "not_run",
  ]);
});

Deno.test("foreign, unfilled and corrupt records are rejected", () => {
  const good = JSON.parse(
    fill(recordTemplate(host, steps, RUN, tracking, "/r"), "applied", {
      0: "applied",
      1: "applied",
      2: "applied",
    }),
  );
  assert.equal(RunRecordSchema.safeParse(good).success, true);
  const bad: Record<string, unknown> = {
    "unfilled template": JSON.parse(recordTemplate(host, steps, RUN, tracking, "/r")),
    "another format": { ...good, format: "terraform.plan" },
    "another version": { ...good, version: 2 },
    "a bad run id": { ...good, id: "../../etc/passwd" },
    "a run id without a direction": { ...good, id: "20260614-101148-demo-ab12" },
    "an unknown status": { ...good, status: "partial" },
    "an unknown change status": {
      ...good,
      changes: [{ id: "file:/a", action: "create", status: "__STEP_0__" }],
    },
    "an extra field": { ...good, secret: "x" },
    "a missing field": { ...good, backups: undefined },
    "not an object": [good],
  };
  for (const [what, value] of Object.entries(bad)) {
    assert.equal(RunRecordSchema.safeParse(value).success, false, what);
  }
});
