import assert from "node:assert/strict";
import { join } from "node:path";
import { load } from "../../src/config/load.ts";
import { HostkitError } from "../../src/errors.ts";
import { loadPlan, parsePlan, savePlan } from "../../src/plan/artifact.ts";
import { type Plan, plan } from "../../src/plan/mod.ts";
import { EXAMPLES, projectOf, tempDir } from "../helpers.ts";

async function examplePlan(): Promise<Plan> {
  return plan(await load(join(EXAMPLES, "app_lifecycle.ts")));
}

function assertDataError(error: unknown, file: string, message: RegExp): true {
  assert.ok(error instanceof HostkitError, String(error));
  assert.equal(error.kind, "data");
  assert.equal(error.exitCode, 65);
  assert.ok(error.message.includes(file), `${error.message} names ${file}`);
  assert.match(error.message, message);
  return true;
}

Deno.test("a saved plan loads back equal", async () => {
  await using dir = await tempDir();
  const original = await examplePlan();
  const path = join(dir.path, "up.plan.json");
  await savePlan(original, path);
  const loaded = await loadPlan(path);
  assert.deepEqual(loaded, JSON.parse(JSON.stringify(original)));
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name),
    ["up.plan.json"],
    "no temp file left",
  );
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("}\n"));
  assert.ok(text.includes('"format": "hostkit.plan",\n  "version": 2,'));
});

Deno.test("bad artifacts are data errors naming the file", async (t) => {
  await using dir = await tempDir();
  const good = JSON.stringify(await examplePlan(), null, 2);
  const cases: [string, (text: string) => string, RegExp][] = [
    ["truncated", (s) => s.slice(0, Math.floor(s.length / 2)), /not a plan: invalid JSON/],
    ["empty", () => "", /not a plan: invalid JSON/],
    [
      "an older version (plans before structured drift)",
      (s) => s.replace('"version": 2', '"version": 1'),
      /plan version 1 is not supported .*version 2.*re-plan/,
    ],
    [
      "missing version",
      (s) => s.replace('"version": 2,', ""),
      /plan version undefined is not supported/,
    ],
    [
      "wrong format",
      (s) => s.replace('"format": "hostkit.plan"', '"format": "terraform.plan"'),
      /not a hostkit plan \(format is "terraform.plan"\)/,
    ],
    ["not an object", () => "[1,2]", /not a hostkit plan/],
    [
      "a summary count as a string",
      (s) => s.replace(/"create": (\d+)/, '"create": "$1"'),
      /invalid plan: .*create/s,
    ],
    [
      "an unknown action",
      (s) => s.replace('"action": "create"', '"action": "explode"'),
      /invalid plan: .*action/s,
    ],
    [
      "an unknown resource kind",
      (s) => s.replace('"kind": "package"', '"kind": "rootkit"'),
      /invalid plan: .*kind/s,
    ],
    [
      "an extra key",
      (s) => s.replace('"direction": "up"', '"direction": "up", "extra": true'),
      /invalid plan: .*extra/s,
    ],
    ["a mode as text", (s) => s.replace('"mode": 488', '"mode": "0750"'), /invalid plan: .*mode/s],
  ];
  for (const [name, tamper, message] of cases) {
    await t.step(name, async () => {
      const tampered = tamper(good);
      assert.notEqual(tampered, good, "the tampering changed something");
      const path = join(dir.path, `${name.replaceAll(" ", "-")}.plan.json`);
      await Deno.writeTextFile(path, tampered);
      await assert.rejects(loadPlan(path), (e) => assertDataError(e, path, message));
      assert.throws(
        () => parsePlan(tampered, "inline.json"),
        (e) => assertDataError(e, "inline.json", message),
      );
    });
  }
});

Deno.test("a missing plan file is a data error naming it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "nope.plan.json");
  await assert.rejects(loadPlan(path), (e) => assertDataError(e, path, /cannot read plan/));
});

Deno.test("a plan carrying a 6 MB binary file loads (its base64 check does not exhaust the stack)", async () => {
  await using dir = await tempDir();
  const bytes = new Uint8Array(6 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  const big = await plan(
    projectOf([{ kind: "file", path: "/srv/blob", content: { base64: btoa(binary) } }]),
  );
  const path = join(dir.path, "big.plan.json");
  await savePlan(big, path);
  const loaded = await loadPlan(path);
  assert.equal(loaded.hosts[0].changes[0].after?.size, bytes.length);
});
