import assert from "node:assert/strict";
import { project } from "../../src/dsl/project.ts";
import { callerOrigin, originCaptures } from "../../src/dsl/origin.ts";

const HERE = decodeURIComponent(new URL(import.meta.url).pathname);

function lineOf(marker: string): number {
  const source = Deno.readTextFileSync(HERE).split("\n");
  return source.findIndex((line) => line.includes(marker) && !line.includes("lineOf(")) + 1;
}

Deno.test("a 10,000-resource config: every origin is the declaring line, one capture each", () => {
  const before = originCaptures();
  const spec = project("big", (p) => {
    for (let i = 0; i < 5_000; i++) {
      p.directory(`/srv/d${i}`); // origin-directory
      p.service(`s${i}`, (s) => s.file(`/srv/s${i}/f`, { content: "x" })); // origin-file
    }
  });
  const captures = originCaptures() - before;
  assert.equal(spec.resources.length, 10_000);
  const directory = `${HERE}:${lineOf("origin-" + "directory")}`;
  const file = `${HERE}:${lineOf("origin-" + "file")}`;
  for (const r of spec.resources) assert.equal(r.origin, r.kind === "directory" ? directory : file);
  // One capture per resource and one per service: no declaration walks a stack twice.
  assert.equal(captures, 10_000 + 5_000);
});

Deno.test("origins do not leave the stack formatter changed", () => {
  const prepare = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  const limit = Error.stackTraceLimit;
  callerOrigin();
  assert.equal((Error as { prepareStackTrace?: unknown }).prepareStackTrace, prepare);
  assert.equal(Error.stackTraceLimit, limit);
  assert.equal(typeof new Error("x").stack, "string");
});

Deno.test("a user's own stack formatter is kept and not called for origins", () => {
  const errorClass = Error as { prepareStackTrace?: (e: Error, s: unknown[]) => unknown };
  const saved = errorClass.prepareStackTrace;
  let called = 0;
  errorClass.prepareStackTrace = () => {
    called++;
    return "custom";
  };
  try {
    const origin = callerOrigin(); // origin-custom
    assert.equal(origin, `${HERE}:${lineOf("origin-" + "custom")}`);
    assert.equal(called, 0);
    assert.equal(new Error("x").stack, "custom");
  } finally {
    errorClass.prepareStackTrace = saved;
  }
});
